"""Run-wide settings read from environment variables, and the size of every chapter's run.

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

Chapters read their sizes from :data:`BUDGETS` through :func:`budget`, so the quick and the
full setting of the whole book are in this one file.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

QUICK_ENV = "VAECORE_QUICK"
DATA_DIR_ENV = "VAECORE_DATA_DIR"
CACHE_DIR_ENV = "VAECORE_CACHE_DIR"
DEVICE_ENV = "VAECORE_DEVICE"
PROGRESS_ENV = "VAECORE_PROGRESS"

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


def quick_mode() -> bool:
    """True when ``VAECORE_QUICK`` asks for the smoke-test setting."""
    return _flag(QUICK_ENV, default=False)


def show_progress(asked: bool | None = None) -> bool:
    """Whether to draw progress bars: ``asked`` when given, else ``VAECORE_PROGRESS`` (default on)."""
    return _flag(PROGRESS_ENV, default=True) if asked is None else asked


def data_dir() -> Path | None:
    """The local dataset directory from ``VAECORE_DATA_DIR``, or None when it is not set."""
    value = os.environ.get(DATA_DIR_ENV, "").strip()
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

    ``n_train``/``n_test`` of None mean the whole split; ``epochs`` maps each model the
    chapter trains to its number of epochs; ``sizes`` holds any other count the chapter scales
    with the mode (e.g. the number of importance samples).
    """

    n_train: int | None
    n_test: int | None
    epochs: dict[str, int]
    sizes: dict[str, int] = field(default_factory=dict)


#: One entry per chapter, a (full setting, quick setting) pair; chapters read theirs with budget().
BUDGETS: dict[str, tuple[Budget, Budget]] = {
    "autoencoder": (
        Budget(n_train=None, n_test=None, epochs={"linear": 20, "mlp": 8}),
        Budget(n_train=2_000, n_test=1_000, epochs={"linear": 2, "mlp": 1}),
    ),
    "vae-without-kl": (
        Budget(n_train=None, n_test=None, epochs={"model": 20, "mistake": 4}),
        Budget(n_train=2_000, n_test=1_000, epochs={"model": 1, "mistake": 1}),
    ),
    "vae": (
        Budget(n_train=None, n_test=None,
               epochs={"main": 25, "sweep": 4, "two_d": 8},
               sizes={"iwae_k": 1000, "iwae_images": 2000}),
        Budget(n_train=2_000, n_test=1_000,
               epochs={"main": 1, "sweep": 1, "two_d": 1},
               sizes={"iwae_k": 20, "iwae_images": 200}),
    ),
    "gan": (
        Budget(n_train=None, n_test=None, epochs={"vae": 10},
               sizes={"toy_steps": 6000, "seeds": 3, "mnist_steps": 5000}),
        Budget(n_train=2_000, n_test=1_000, epochs={"vae": 1},
               sizes={"toy_steps": 100, "seeds": 3, "mnist_steps": 100}),
    ),
    "vrnn": (
        Budget(n_train=None, n_test=None, epochs={"vrnn": 3, "rnn": 3},
               sizes={"seeds": 3, "iw_k": 20}),
        Budget(n_train=1_000, n_test=100, epochs={"vrnn": 1, "rnn": 1},
               sizes={"seeds": 3, "iw_k": 4}),
    ),
    "side-by-side": (
        Budget(n_train=None, n_test=None, epochs={"encoders": 10},
               sizes={"gan_steps": 5000, "iwae_k": 1000, "iwae_images": 2000, "samples": 10_000}),
        Budget(n_train=2_000, n_test=1_000, epochs={"encoders": 1},
               sizes={"gan_steps": 100, "iwae_k": 20, "iwae_images": 200, "samples": 1_000}),
    ),
}


def budget(chapter: str, quick: bool | None = None) -> Budget:
    """The :class:`Budget` of ``chapter`` in the current (or the given) mode."""
    if chapter not in BUDGETS:
        raise ValueError(f"unknown chapter {chapter!r}; choose one of {sorted(BUDGETS)}")
    full, small = BUDGETS[chapter]
    return small if (quick_mode() if quick is None else quick) else full
