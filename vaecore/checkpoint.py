"""Saving and loading trained models safely.

>>> checkpoint.save(model, "vae.pt", epochs=25)
>>> checkpoint.load(VAE(32), "vae.pt")           # -> {"epochs": 25}

A checkpoint is a dict of plain data: a format tag, the format version, the model's class name,
its ``state_dict`` and a metadata dict of numbers, strings, lists and dicts. It is

- written **atomically** (:mod:`vaecore.files`): to a temporary file beside the target, flushed
  to disk, then renamed over it, so an interruption leaves either the old file or the new one,
  never half of one, and a temporary that a killed save left is removed by the next save;
- written so that it always loads: metadata that is not plain data is converted (a NumPy
  number, an enum) or refused before anything is written;
- read with ``torch.load(..., weights_only=True)`` **only**: a file that carries pickled code
  is refused, never run;
- verified before it is read: every record of the archive must match the CRC-32 stored with it,
  so a flipped bit in the weights is refused rather than loaded, and any damage is reported as
  one :class:`CheckpointError`;
- checked before it touches the model: a different format, a newer version, a different model
  class, other settings (an ``output``, a ``beta``, a ``min_std`` that the weights do not show),
  or any tensor of another name or shape is reported by name, with both values, and the model
  is left as it was.
"""

from __future__ import annotations

import numbers
import os
import pickle
import zipfile
from pathlib import Path
from typing import Any

import numpy as np
import torch
from torch import nn

from vaecore import files

__all__ = ["FORMAT", "VERSION", "CheckpointError", "settings_of", "save", "load"]

FORMAT = "vaecore-checkpoint"
VERSION = 1


class CheckpointError(ValueError):
    """A checkpoint cannot be loaded into this model: the message says why and what to do."""


def _plain(value: Any, where: str) -> Any:
    """``value`` as the plain Python data that ``torch.load(..., weights_only=True)`` reads back:
    NumPy scalars, enums, ``str`` and ``dict`` subclasses become ``int``, ``float``, ``str`` and
    ``dict`` (they would be pickled as their own classes, which loading refuses). Anything else
    is refused, naming where it is, before a byte is written."""
    if value is None or type(value) in (str, int, float, bool):
        return value
    if isinstance(value, (bool, np.bool_)):
        return bool(value)
    if isinstance(value, numbers.Integral):  # an IntEnum, np.int64
        return int(value)
    if isinstance(value, numbers.Real):  # np.float32, np.float64
        return float(value)
    if isinstance(value, str):  # np.str_, a str enum
        return str(value)
    if isinstance(value, (list, tuple)):  # a namedtuple becomes a tuple
        items = [_plain(v, f"{where}[{i}]") for i, v in enumerate(value)]
        return tuple(items) if isinstance(value, tuple) else items
    if isinstance(value, dict) and all(isinstance(k, str) for k in value):
        return {str(k): _plain(v, f"{where}[{k!r}]") for k, v in value.items()}
    raise TypeError(
        f"checkpoint metadata {where} is a {type(value).__name__}; use numbers, "
        "strings, lists and dicts, which load without running any code"
    )


def settings_of(model: nn.Module) -> dict[str, Any]:
    """The settings ``model``'s constructor stored as plain attributes (``output``, ``beta``,
    ``likelihood``, ``min_std``, sizes): what its weights do not show, so that a checkpoint is
    loaded only into a model built the same way."""
    found = {}
    for name, value in vars(model).items():
        if name.startswith("_") or name == "training":
            continue
        try:
            found[name] = _plain(value, name)
        except TypeError:  # not a setting (a tensor, a function)
            continue
    return found


def save(model: nn.Module, path: str | os.PathLike, **metadata: Any) -> Path:
    """Write ``model``'s weights, its settings (:func:`settings_of`) and ``metadata`` to ``path``
    atomically; return the path."""
    path = Path(path)
    payload = {
        "format": FORMAT,
        "version": VERSION,
        "model": type(model).__name__,
        "state": {k: v.detach().cpu() for k, v in model.state_dict().items()},
        "settings": settings_of(model),
        "metadata": _plain(metadata, "metadata"),
    }
    with files.atomic_file(path) as f:
        torch.save(payload, f)
    return path


def _first_line(err: BaseException) -> str:
    return (str(err).splitlines() or [""])[0]


def _verify_archive(path: Path) -> None:
    """Refuse a file that is not a zip archive (``torch.save``'s format) or whose records do
    not match their stored CRC-32 (a truncated, overwritten or bit-flipped file)."""
    try:
        with zipfile.ZipFile(path) as archive:
            damaged = archive.testzip()
    except (zipfile.BadZipFile, OSError, EOFError, ValueError) as err:
        raise CheckpointError(
            f"{path} is not a readable checkpoint (truncated, or not a file written by "
            f"torch.save): {_first_line(err)}"
        ) from err
    if damaged is not None:
        raise CheckpointError(
            f"{path} is damaged: its record {damaged!r} does not match its checksum (a changed "
            "byte). Save the model again or restore the file from a copy"
        )


def load(model: nn.Module, path: str | os.PathLike) -> dict[str, Any]:
    """Load the weights saved at ``path`` into ``model`` (in place); return the metadata.

    Raises :class:`CheckpointError` for a file that is not a vaecore checkpoint, carries code,
    comes from a newer vaecore, belongs to another model class, or whose tensors do not match
    the model's names and shapes (all mismatches are listed); the model is then unchanged.
    """
    path = Path(path)
    files.remove_stale_temporaries(path)  # what a killed save left beside it
    if not path.is_file():
        raise FileNotFoundError(f"no checkpoint at {path}")
    _verify_archive(path)
    try:
        payload = torch.load(path, map_location="cpu", weights_only=True)
    except pickle.UnpicklingError as err:
        raise CheckpointError(
            f"{path} holds more than tensors and plain data (pickled objects or code), so it is "
            f"refused rather than run. Only files written by vaecore.checkpoint.save load here. "
            f"({_first_line(err)})"
        ) from err
    except Exception as err:  # any other failure to read is damage: one error, one fix
        raise CheckpointError(
            f"{path} is damaged or not a checkpoint ({type(err).__name__}: {_first_line(err)}); "
            "save the model again or restore the file from a copy"
        ) from err
    if not isinstance(payload, dict) or payload.get("format") != FORMAT:
        raise CheckpointError(f"{path} is not a vaecore checkpoint (no {FORMAT!r} tag)")
    if not isinstance(payload.get("state"), dict) or not isinstance(payload.get("metadata"), dict):
        raise CheckpointError(f"{path} is damaged: it lacks the weights or the metadata")
    malformed = [
        f"{field} is a {type(payload.get(field)).__name__}, not {kind.__name__}"
        for field, kind in (("version", int), ("model", str))
        if type(payload.get(field)) is not kind
    ]
    if not isinstance(payload.get("settings", {}), dict):
        malformed.append(f"settings is a {type(payload['settings']).__name__}, not dict")
    malformed += [
        f"the weight {k!r} is a {type(v).__name__}, not a tensor"
        for k, v in payload["state"].items()
        if not isinstance(v, torch.Tensor)
    ]
    if malformed:
        raise CheckpointError(
            f"{path} is damaged or was not written by vaecore.checkpoint.save: "
            + "; ".join(malformed)
        )
    if payload["version"] > VERSION:
        raise CheckpointError(
            f"{path} has checkpoint format {payload['version']}, newer than this "
            f"vaecore's {VERSION}: upgrade vaecore to load it"
        )
    if payload.get("model") != type(model).__name__:
        raise CheckpointError(
            f"{path} holds a {payload.get('model')}, not a {type(model).__name__}"
        )
    saved, built = payload.get("settings", {}), settings_of(model)  # none in older files
    state, expected = payload["state"], model.state_dict()
    problems = [
        f"{k}: the checkpoint has {saved[k]!r}, the model {built[k]!r}"
        for k in sorted(set(saved) & set(built))
        if saved[k] != built[k]
    ]
    problems += [
        f"missing tensor {k!r} of shape {tuple(v.shape)}"
        for k, v in expected.items()
        if k not in state
    ]
    problems += [f"unexpected tensor {k!r}" for k in state if k not in expected]
    problems += [
        f"tensor {k!r}: the checkpoint has shape {tuple(state[k].shape)}, the model "
        f"{tuple(v.shape)}"
        for k, v in expected.items()
        if k in state and state[k].shape != v.shape
    ]
    if problems:
        raise CheckpointError(
            f"{path} does not fit this {type(model).__name__}: build the model with the "
            "checkpoint's settings and sizes:\n  " + "\n  ".join(problems)
        )
    model.load_state_dict(state)
    return dict(payload["metadata"])
