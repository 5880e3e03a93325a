"""Exercises where the reader writes a piece of the package: :func:`check` runs the reader's
function and vaecore's on the same random inputs and says whether they agree.

>>> def my_kl(mu, logvar):
...     ...  # the reader's code
>>> check(my_kl, kl_per_dimension, inputs=gaussian_codes)
"""

from __future__ import annotations

import math
from typing import Any, Callable

import torch

from vaecore import checks

__all__ = [
    "Inputs",
    "check",
    "gaussian_codes",
    "logits_and_pixels",
    "real_and_fake_logits",
    "feature_sets",
    "grey_images",
    "one_hot_pixels",
]

#: Makes one set of arguments for both functions from a seeded generator.
Inputs = Callable[[torch.Generator], tuple[Any, ...]]


@checks.arguments(
    trials=checks.COUNT, seed=checks.SEED, rtol=checks.AT_LEAST_ZERO, atol=checks.AT_LEAST_ZERO
)
def check(
    yours: Callable[..., Any],
    reference: Callable[..., Any],
    inputs: Inputs,
    trials: int = 5,
    seed: int = 0,
    rtol: float = 1e-4,
    atol: float = 1e-5,
) -> None:
    """Compare ``yours(*args)`` with ``reference(*args)`` for ``trials`` argument tuples
    ``args = inputs(generator)``, without gradients.

    Before each call the global torch seed is set to the same value, so a function that draws
    its noise as the reference does (the same shapes, in the same order) draws the same noise.
    Tensors must agree in shape and within ``rtol``/``atol``; tuples, lists and dicts must agree
    in length or keys, then entry by entry.

    Prints that they agree on every trial. While ``yours`` is unwritten (it returns ``None`` or
    raises :class:`NotImplementedError`) it says so, and raises nothing. When they differ it
    raises :class:`AssertionError` naming the trial and what differs.
    """
    if trials < 1:
        raise ValueError(f"trials must be at least 1, got {trials}")
    name = getattr(yours, "__name__", "your function")
    where = reference.__qualname__
    generator = torch.Generator().manual_seed(seed)
    for trial in range(trials):
        args = inputs(generator)
        with torch.no_grad():
            torch.manual_seed(seed + trial)
            want = reference(*args)
            torch.manual_seed(seed + trial)
            try:
                got = yours(*args)
            except NotImplementedError:
                got = None
        if got is None:
            print(f"{name} is not written yet: write its body, then run this cell again.")
            return
        problem = _difference(got, want, "the result", rtol, atol)
        if problem is not None:
            raise AssertionError(f"{name} differs from {where} on random input {trial}: {problem}")
    print(f"{name} agrees with {where} on {trials} random inputs.")


def _difference(got: Any, want: Any, path: str, rtol: float, atol: float) -> str | None:
    """How ``got`` differs from ``want`` (the first difference found), or None."""
    if isinstance(want, torch.Tensor):
        if not isinstance(got, torch.Tensor):
            return f"{path} should be a tensor, got {type(got).__name__}"
        if got.shape != want.shape:
            return f"{path} has shape {tuple(got.shape)}, expected {tuple(want.shape)}"
        got, want = got.double(), want.double()
        if not torch.allclose(got, want, rtol=rtol, atol=atol, equal_nan=True):
            gap = (got - want).abs().nan_to_num(math.inf)
            i = int(gap.argmax())
            return (
                f"{path} differs by up to {float(gap.max()):.3g} (at flat index {i}: "
                f"{float(got.flatten()[i]):.6g}, expected {float(want.flatten()[i]):.6g})"
            )
        return None
    if isinstance(want, dict):
        if not isinstance(got, dict) or set(got) != set(want):
            keys = sorted(got) if isinstance(got, dict) else type(got).__name__
            return f"{path} should be a dict with keys {sorted(want)}, got {keys}"
        for key in want:
            problem = _difference(got[key], want[key], f"{path}[{key!r}]", rtol, atol)
            if problem is not None:
                return problem
        return None
    if isinstance(want, (tuple, list)):
        if not isinstance(got, (tuple, list)) or len(got) != len(want):
            return f"{path} should be a sequence of {len(want)} items, got {got!r:.80}"
        for i, (g, w) in enumerate(zip(got, want)):
            problem = _difference(g, w, f"{path}[{i}]", rtol, atol)
            if problem is not None:
                return problem
        return None
    if not math.isclose(float(got), float(want), rel_tol=rtol, abs_tol=atol):
        return f"{path} is {float(got):.6g}, expected {float(want):.6g}"
    return None


@checks.arguments(batch=checks.COUNT, k=checks.COUNT)
def gaussian_codes(g: torch.Generator, batch: int = 16, k: int = 8) -> tuple[torch.Tensor, ...]:
    """``(mu, logvar)``, each ``(batch, k)``: the means and log-variances of a Gaussian encoder."""
    return torch.randn(batch, k, generator=g), 2 * torch.randn(batch, k, generator=g)


@checks.arguments(batch=checks.COUNT, d=checks.COUNT)
def logits_and_pixels(
    g: torch.Generator, batch: int = 16, d: int = 784
) -> tuple[torch.Tensor, ...]:
    """``(logits, x)``, each ``(batch, d)``: large logits (some saturated) and grey pixels."""
    return 6 * torch.randn(batch, d, generator=g), torch.rand(batch, d, generator=g)


@checks.arguments(batch=checks.COUNT)
def real_and_fake_logits(g: torch.Generator, batch: int = 64) -> tuple[torch.Tensor, ...]:
    """``(real_logits, fake_logits)``, each ``(batch,)``, some of them far from 0."""
    return 5 * torch.randn(batch, generator=g) + 1, 5 * torch.randn(batch, generator=g) - 1


@checks.arguments(f=checks.COUNT)
def feature_sets(g: torch.Generator, f: int = 8) -> tuple[torch.Tensor, ...]:
    """Two sets of features, ``(300, f)`` and ``(200, f)``, with different means and
    correlations."""
    a = torch.randn(300, f, generator=g, dtype=torch.float64)
    mix = torch.eye(f, dtype=torch.float64) + 0.5 * torch.randn(
        f, f, generator=g, dtype=torch.float64
    )
    b = torch.randn(200, f, generator=g, dtype=torch.float64) @ mix + 0.3
    return a, b


@checks.arguments(batch=checks.COUNT)
def grey_images(g: torch.Generator, batch: int = 12) -> tuple[torch.Tensor]:
    """``(x,)``, ``x: (batch, 784)``: 28 x 28 images of grey pixels in [0, 1], some smooth and
    some noisy."""
    noisy = torch.rand(batch // 2, 784, generator=g)
    ramp = torch.linspace(0, 1, 28)
    smooth = (ramp[:, None] * ramp[None, :]).flatten().expand(batch - batch // 2, 784)
    return (torch.cat([noisy, smooth * torch.rand(batch - batch // 2, 1, generator=g)]),)


@checks.arguments(batch=checks.COUNT, pixels=checks.COUNT)
def one_hot_pixels(g: torch.Generator, batch: int = 16, pixels: int = 9) -> tuple[Any, ...]:
    """``(logits, x, 3)``: logits ``(batch, pixels * 3)``, some large, and one-hot rows ``x`` of
    the same shape, one 1 among each pixel's 3 entries."""
    values = torch.randint(3, (batch, pixels), generator=g)
    x = torch.nn.functional.one_hot(values, 3).flatten(1).float()
    return 4 * torch.randn(batch, pixels * 3, generator=g), x, 3
