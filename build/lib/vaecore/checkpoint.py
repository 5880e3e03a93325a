"""Saving and loading trained models safely.

>>> checkpoint.save(model, "vae.pt", epochs=25)
>>> checkpoint.load(VAE(32), "vae.pt")           # -> {"epochs": 25}

A checkpoint is a dict of plain data: a format tag, the format version, the model's class name,
its ``state_dict`` and a metadata dict of numbers, strings, lists and dicts. It is

- written **atomically**: to a temporary file beside the target, flushed to disk, then renamed
  over it, so an interruption leaves either the old file or the new one, never half of one;
- read with ``torch.load(..., weights_only=True)`` **only**: a file that carries pickled code
  is refused, never run;
- checked before it touches the model: a different format, a newer version, a different model
  class, or any tensor of another name or shape is reported by name, with both shapes, and the
  model is left as it was.
"""

from __future__ import annotations

import os
import pickle
import tempfile
import zipfile
from pathlib import Path
from typing import Any

import torch
from torch import nn

FORMAT = "vaecore-checkpoint"
VERSION = 1
_PLAIN = (str, int, float, bool, type(None))


class CheckpointError(ValueError):
    """A checkpoint cannot be loaded into this model: the message says why and what to do."""


def _check_plain(value: Any, where: str) -> None:
    if isinstance(value, _PLAIN):
        return
    if isinstance(value, (list, tuple)):
        for i, v in enumerate(value):
            _check_plain(v, f"{where}[{i}]")
        return
    if isinstance(value, dict) and all(isinstance(k, str) for k in value):
        for k, v in value.items():
            _check_plain(v, f"{where}[{k!r}]")
        return
    raise TypeError(
        f"checkpoint metadata {where} is a {type(value).__name__}; use numbers, "
        "strings, lists and dicts, which load without running any code"
    )


def save(model: nn.Module, path: str | os.PathLike, **metadata: Any) -> Path:
    """Write ``model``'s weights and ``metadata`` to ``path`` atomically; return the path."""
    path = Path(path)
    _check_plain(metadata, "metadata")
    payload = {
        "format": FORMAT,
        "version": VERSION,
        "model": type(model).__name__,
        "state": {k: v.detach().cpu() for k, v in model.state_dict().items()},
        "metadata": metadata,
    }
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp_name = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    tmp = Path(tmp_name)
    try:
        with os.fdopen(fd, "wb") as f:
            torch.save(payload, f)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)
    return path


def load(model: nn.Module, path: str | os.PathLike) -> dict[str, Any]:
    """Load the weights saved at ``path`` into ``model`` (in place); return the metadata.

    Raises :class:`CheckpointError` for a file that is not a vaecore checkpoint, carries code,
    comes from a newer vaecore, belongs to another model class, or whose tensors do not match
    the model's names and shapes (all mismatches are listed); the model is then unchanged.
    """
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"no checkpoint at {path}")
    if not zipfile.is_zipfile(path):  # torch.save writes a zip archive
        raise CheckpointError(
            f"{path} is not a readable checkpoint (truncated, or not a file written by torch.save)"
        )
    try:
        payload = torch.load(path, map_location="cpu", weights_only=True)
    except pickle.UnpicklingError as err:
        raise CheckpointError(
            f"{path} holds more than tensors and plain data (pickled objects or code), so it is "
            f"refused rather than run. Only files written by vaecore.checkpoint.save load here. "
            f"({str(err).splitlines()[0]})"
        ) from err
    except (RuntimeError, EOFError) as err:
        raise CheckpointError(
            f"{path} is not a readable checkpoint (truncated or not a torch "
            f"file): {str(err).splitlines()[0]}"
        ) from err
    if not isinstance(payload, dict) or payload.get("format") != FORMAT:
        raise CheckpointError(f"{path} is not a vaecore checkpoint (no {FORMAT!r} tag)")
    if payload.get("version", 0) > VERSION:
        raise CheckpointError(
            f"{path} has checkpoint format {payload['version']}, newer than this "
            f"vaecore's {VERSION}: upgrade vaecore to load it"
        )
    if payload.get("model") != type(model).__name__:
        raise CheckpointError(
            f"{path} holds a {payload.get('model')}, not a {type(model).__name__}"
        )
    state, expected = payload["state"], model.state_dict()
    problems = [
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
            f"{path} does not fit this {type(model).__name__} (was it built "
            "with other sizes?):\n  " + "\n  ".join(problems)
        )
    model.load_state_dict(state)
    return dict(payload["metadata"])
