"""The building blocks every model shares: the multilayer perceptron, the parameter count, the
device a model computes on, evaluation mode for a block of code, and the input checks that make
a wrong batch fail with a message that says what was expected, instead of a shape error deep
inside a matrix product."""

from __future__ import annotations

import itertools
from typing import Any, Callable

import torch
from torch import nn

from vaecore import checks

__all__ = [
    "mlp",
    "refuse_foreign_input",
    "AsModule",
    "LeadingDims",
    "model_device",
    "count_parameters",
    "first_linear_width",
    "check_batch",
]


@checks.arguments(sizes=checks.Each(checks.COUNT, at_least=2))
def mlp(sizes: list[int], activation: Callable[[], nn.Module] = nn.ReLU) -> nn.Sequential:
    """Linear layers ``sizes[0] -> sizes[1] -> ... -> sizes[-1]`` with ``activation`` between them.

    The last layer has no activation, so callers choose the output's meaning (a code, logits, a mean
    and a log-variance)."""
    layers: list[nn.Module] = []
    for i, (a, b) in enumerate(zip(sizes[:-1], sizes[1:])):
        layers.append(nn.Linear(a, b))
        if i < len(sizes) - 2:
            layers.append(activation())
    net = nn.Sequential(*layers)
    net.register_forward_pre_hook(refuse_foreign_input)
    return net


def refuse_foreign_input(net: nn.Module, args: tuple) -> None:
    """Before an MLP runs: refuse an input its weights cannot multiply (an integer tensor,
    another floating dtype, another device) with what to do, instead of a matrix-product
    error from deep inside it."""
    x, weight = (args[0] if args else None), next(net.parameters(), None)
    if not isinstance(x, torch.Tensor) or weight is None:
        return
    if not x.is_floating_point():
        raise TypeError(f"the network's input must hold floating-point numbers, got {x.dtype}")
    if x.dtype != weight.dtype:
        raise TypeError(
            f"the network's input has dtype {x.dtype} but its weights are {weight.dtype}: "
            f"convert with .to({weight.dtype}) (torch.from_numpy keeps NumPy's float64)"
        )
    if x.device != weight.device:
        raise ValueError(
            f"the network's input is on {x.device} but its weights are on {weight.device}: "
            f"move it with .to({str(weight.device)!r})"
        )


class AsModule(nn.Module):
    """``fn`` (a model's decode or encode, a generator, any function of one tensor) as one
    module: ``forward(x) = fn(x)``. The model behind ``fn``, when it has one, is registered
    as ``owner``, so that its weights are this module's (``vaecore.book.explore.web`` exports
    it)."""

    def __init__(self, fn: Callable[..., Any], owner: nn.Module | None = None) -> None:
        super().__init__()
        self.fn, self.owner = fn, owner

    def forward(self, x: torch.Tensor) -> Any:
        return self.fn(x)


class LeadingDims(nn.Module):
    """``net``, which reads a batch ``(n, d)``, applied to ``x: (..., d)``: the leading dimensions
    are flattened into one batch and restored on the output (e.g. a convolutional decoder given
    ``(samples, batch, k)`` codes)."""

    def __init__(self, net: nn.Module) -> None:
        super().__init__()
        self.net = net

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.net(x.reshape(-1, x.shape[-1])).unflatten(0, x.shape[:-1])


def model_device(module: nn.Module) -> torch.device:
    """Where ``module`` computes: the device of its first parameter (or buffer); the CPU when it
    has neither. A helper that is handed a model moves its inputs there, and its answer back."""
    tensor = next(itertools.chain(module.parameters(), module.buffers()), None)
    return tensor.device if tensor is not None else torch.device("cpu")


def count_parameters(*modules: nn.Module) -> int:
    """The number of weights in ``modules``."""
    return sum(p.numel() for m in modules for p in m.parameters())


def first_linear_width(module: nn.Module) -> int | None:
    """The input width of the first ``nn.Linear`` in ``module``, or None if it has none."""
    return next((m.in_features for m in module.modules() if isinstance(m, nn.Linear)), None)


@checks.arguments(features=checks.optional(checks.COUNT))
def check_batch(x: object, features: int | None, model: nn.Module | None, what: str = "x") -> None:
    """Refuse anything but a non-empty floating-point ``(batch, features)`` tensor with the dtype
    and on the device of ``model``'s weights.

    Raises :class:`TypeError` for a non-tensor, an integer/boolean tensor or another floating
    dtype, and :class:`ValueError` for a wrong shape, an empty batch or another device.
    ``features`` or ``model`` of None are not checked."""
    if not isinstance(x, torch.Tensor):
        raise TypeError(f"{what} must be a torch.Tensor, got {type(x).__name__}")
    if not x.is_floating_point():
        raise TypeError(
            f"{what} must hold floating-point numbers, got dtype {x.dtype} "
            "(convert with .float(); pixels as 0..255 integers also need / 255)"
        )
    expected = f"(batch, {features})" if features is not None else "(batch, features)"
    if x.dim() != 2 or (features is not None and x.shape[1] != features):
        raise ValueError(
            f"{what} must have shape {expected}, got {tuple(x.shape)}"
            + (" (flatten images with x.reshape(len(x), -1))" if x.dim() > 2 else "")
        )
    if x.shape[0] == 0:
        raise ValueError(f"{what} is an empty batch")
    weight = next(model.parameters(), None) if model is not None else None
    if weight is None:
        return
    if x.dtype != weight.dtype:
        raise TypeError(
            f"{what} has dtype {x.dtype} but the model's weights are {weight.dtype}: convert "
            f"with x.to({weight.dtype}) (torch.from_numpy keeps NumPy's float64; "
            f"x.float() gives float32)"
        )
    if x.device != weight.device:
        raise ValueError(
            f"{what} is on {x.device} but the model is on {weight.device}: "
            f"move it with x.to({str(weight.device)!r})"
        )
