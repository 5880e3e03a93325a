"""Run-wide settings read from environment variables, and the size of a chapter's run.

Environment variables (all optional):

``VAECORE_QUICK``
    ``1`` switches every notebook to its smoke-test size (a small subset, one or two epochs),
    which is how CI and ``pytest`` run the book. Unset or ``0``: the full setting.
``VAECORE_DATA_DIR``
    A local directory that already holds the datasets, one folder per dataset
    (``mnist/``, ``fashion-mnist/``, ``binarized-mnist/``, ``omniglot-strokes/``), as in
    ``shared/data``. Looked at first; never written to.
``VAECORE_CACHE_DIR``
    Where downloaded datasets are kept. Default: ``$XDG_CACHE_HOME/vaecore`` or
    ``~/.cache/vaecore``.
``VAECORE_DEVICE``
    Force a device (``cpu``, ``cuda``, ``mps``); by default the best available one is used.
``VAECORE_PROGRESS``
    ``0`` hides progress bars (the book's build does this: a static page cannot animate
    them). Unset or ``1``: shown.
``VAECORE_WEB_MODELS``
    A folder: each latent explorer exports its decoder there, for the built page to run in the
    reader's browser (``vaecore.book.explore.web``). The book's build sets it
    (``tools/chapter_cache.py``); unset, nothing is exported.

Each chapter states its own sizes, full and quick, as two :class:`Budget` and picks one with
:func:`choose`; a chapter whose runs a benchmark repeats takes them from its recipe in
``vaecore.experiments`` (``FULL`` and ``QUICK``), so both use the same numbers.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

from vaecore import checks

__all__ = [
    "QUICK_ENV",
    "DATA_DIR_ENV",
    "CACHE_DIR_ENV",
    "DEVICE_ENV",
    "PROGRESS_ENV",
    "WEB_MODELS_ENV",
    "file_mode",
    "quick_mode",
    "show_progress",
    "data_dir",
    "cache_dir",
    "web_models_dir",
    "Budget",
    "choose",
]

QUICK_ENV = "VAECORE_QUICK"
DATA_DIR_ENV = "VAECORE_DATA_DIR"
CACHE_DIR_ENV = "VAECORE_CACHE_DIR"
DEVICE_ENV = "VAECORE_DEVICE"
PROGRESS_ENV = "VAECORE_PROGRESS"
WEB_MODELS_ENV = "VAECORE_WEB_MODELS"

_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"", "0", "false", "no", "off"}


def _flag(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    if value.strip().lower() in _TRUE:
        return True
    if value.strip().lower() in _FALSE:
        return False
    raise ValueError(f"{name}={value!r} is not understood; use 1 or 0.")


def file_mode() -> int:
    """The permissions of a new file as the umask allows (``0o666 & ~umask``), for files written
    through a private temporary file (created ``0o600``) so that a shared cache stays shared."""
    umask = os.umask(0)
    os.umask(umask)
    return 0o666 & ~umask


def quick_mode() -> bool:
    """True when ``VAECORE_QUICK`` asks for the smoke-test setting."""
    return _flag(QUICK_ENV, default=False)


def show_progress(asked: bool | None = None) -> bool:
    """Whether to draw progress bars: ``asked`` when given, else ``VAECORE_PROGRESS`` (default
    on)."""
    return _flag(PROGRESS_ENV, default=True) if asked is None else asked


def data_dir() -> Path | None:
    """The local dataset directory from ``VAECORE_DATA_DIR``, or None when it is not set."""
    value = os.environ.get(DATA_DIR_ENV, "").strip()
    return Path(value).expanduser() if value else None


def web_models_dir() -> Path | None:
    """The folder ``VAECORE_WEB_MODELS`` names for the explorers' exported decoders, or None."""
    value = os.environ.get(WEB_MODELS_ENV, "").strip()
    return Path(value).expanduser() if value else None


def cache_dir() -> Path:
    """The directory downloads are written to (created on first download, not here)."""
    value = os.environ.get(CACHE_DIR_ENV, "").strip()
    if value:
        return Path(value).expanduser()
    xdg = os.environ.get("XDG_CACHE_HOME", "").strip()
    base = Path(xdg).expanduser() if xdg else Path.home() / ".cache"
    return base / "vaecore"


@dataclass(frozen=True)
class Budget:
    """How much data and training one chapter uses.

    ``n_train``/``n_test`` of None mean the whole split; ``epochs`` maps each model the chapter
    trains to its number of epochs; ``sizes`` holds any other count the chapter scales with the mode
    (e.g. the number of importance samples)."""

    n_train: int | None
    n_test: int | None
    epochs: dict[str, int]
    sizes: dict[str, int] = field(default_factory=dict)

    def __post_init__(self) -> None:
        rule = checks.optional(checks.COUNT)
        checks.fields(self, n_train=rule, n_test=rule)


def choose(full: Budget, quick: Budget) -> Budget:
    """``quick`` in quick mode (``VAECORE_QUICK=1``), else ``full``: each chapter states its two
    sizes in its first cell, ``budget = settings.choose(full=Budget(...), quick=Budget(...))``."""
    return quick if quick_mode() else full
