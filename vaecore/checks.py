"""Argument checks shared by the models: a wrong input fails with a message that says what was
expected, instead of a shape error deep inside a matrix product."""

from __future__ import annotations

import torch
from torch import nn


def first_linear_width(module: nn.Module) -> int | None:
    """The input width of the first ``nn.Linear`` in ``module``, or None if it has none."""
    return next((m.in_features for m in module.modules() if isinstance(m, nn.Linear)), None)


def check_batch(x: object, features: int | None, device: torch.device | None, what: str = "x") -> None:
    """Refuse anything but a non-empty floating-point ``(batch, features)`` tensor on ``device``.

    Raises :class:`TypeError` for a non-tensor or an integer/boolean tensor, and
    :class:`ValueError` for a wrong shape, an empty batch or another device. ``features`` or
    ``device`` of None are not checked.
    """
    if not isinstance(x, torch.Tensor):
        raise TypeError(f"{what} must be a torch.Tensor, got {type(x).__name__}")
    if not x.is_floating_point():
        raise TypeError(f"{what} must hold floating-point numbers, got dtype {x.dtype} "
                        "(convert with .float(); pixels as 0..255 integers also need / 255)")
    expected = f"(batch, {features})" if features is not None else "(batch, features)"
    if x.dim() != 2 or (features is not None and x.shape[1] != features):
        raise ValueError(f"{what} must have shape {expected}, got {tuple(x.shape)}"
                         + (" (flatten images with x.reshape(len(x), -1))" if x.dim() > 2 else ""))
    if x.shape[0] == 0:
        raise ValueError(f"{what} is an empty batch")
    if device is not None and x.device != device:
        raise ValueError(f"{what} is on {x.device} but the model is on {device}: "
                         f"move it with x.to({str(device)!r})")
