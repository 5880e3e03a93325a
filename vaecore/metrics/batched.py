"""Running a model over a data set in batches, in evaluation mode, without gradients:
reconstructions and codes of many images at once."""

from __future__ import annotations

from typing import Callable

import torch
from torch import nn

from vaecore import checks
from vaecore.checks import rows
from vaecore.data.batches import batch_indices
from vaecore.loop_parts import evaluating
from vaecore.models.parts import model_device

__all__ = ["apply_in_batches", "reconstruct", "encode", "decode"]


@checks.arguments(batch_size=checks.COUNT)
def apply_in_batches(
    model: nn.Module, fn: Callable[[torch.Tensor], torch.Tensor], x: torch.Tensor, batch_size: int
) -> torch.Tensor:
    """``fn`` (a method of ``model``) over ``x`` in batches on the model's device, gathered on
    ``x``'s device (the caller's); in evaluation mode, without gradients, leaving ``model`` in
    the mode it was in."""
    rows(x, "x")
    device = model_device(model)
    with evaluating(model):
        batches = batch_indices(len(x), batch_size, shuffle=False)
        return torch.cat([fn(x[idx].to(device)).to(x.device) for idx in batches])


@checks.arguments(batch_size=checks.COUNT)
def reconstruct(model: nn.Module, x: torch.Tensor, batch_size: int = 1000) -> torch.Tensor:
    """``x: (n, d)`` -> ``model(x): (n, d)`` on ``x``'s device."""
    return apply_in_batches(model, model, x, batch_size)


@checks.arguments(batch_size=checks.COUNT)
def encode(model: nn.Module, x: torch.Tensor, batch_size: int = 1000) -> torch.Tensor:
    """``x: (n, d)`` -> codes ``model.encode(x): (n, k)`` on ``x``'s device."""
    encoder = getattr(model, "encode", None)
    if not callable(encoder):
        raise TypeError(f"{type(model).__name__} has no encode(x) method")
    return apply_in_batches(model, encoder, x, batch_size)


@checks.arguments(batch_size=checks.COUNT)
def decode(model: nn.Module, z: torch.Tensor, batch_size: int = 1000) -> torch.Tensor:
    """Codes ``z: (n, k)`` -> ``model.decode(z): (n, d)`` on ``z``'s device, ``batch_size`` at a
    time (a self-attention decoder holds ``(h w)^2`` weights per image: 10,000 at once took 4
    GB)."""
    rows(z, "z")
    decoder = getattr(model, "decode", None)
    if not callable(decoder):
        raise TypeError(f"{type(model).__name__} has no decode(z) method")
    return apply_in_batches(model, decoder, z, batch_size)
