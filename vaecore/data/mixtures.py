"""The 2-D mixtures on which mode collapse is measured (Srivastava et al., 2017; Lin et al., 2018):
a **ring** of 8 Gaussians, radius 1, standard deviation 0.01, and a **grid** of 25 Gaussians at
``{-4, -2, 0, 2, 4}^2``, standard deviation 0.05, all modes equally likely. Their metrics are in
:mod:`vaecore.metrics.modes`."""

from __future__ import annotations

import math
from dataclasses import dataclass

import torch

from vaecore import checks

__all__ = ["ring_modes", "grid_modes", "Mixture", "ring", "grid", "BENCHMARKS"]


@checks.arguments(n_modes=checks.COUNT, radius=checks.POSITIVE)
def ring_modes(n_modes: int = 8, radius: float = 1.0) -> torch.Tensor:
    """``(n_modes, 2)`` points evenly spaced on a circle, at angles ``2 pi k / n_modes``.

    The angles exclude 2 pi: ``linspace(0, 2 pi, 8)`` would put the last mode on the first and leave
    7 distinct modes, a common bug."""
    angles = 2 * math.pi * torch.arange(n_modes, dtype=torch.float32) / n_modes
    return radius * torch.stack([angles.cos(), angles.sin()], dim=1)


def grid_modes(values: tuple[float, ...] = (-4.0, -2.0, 0.0, 2.0, 4.0)) -> torch.Tensor:
    """``(len(values) ** 2, 2)`` points of the grid ``values x values``, row by row."""
    v = torch.tensor(values, dtype=torch.float32)
    return torch.cartesian_prod(v, v)


@dataclass(frozen=True)
class Mixture:
    """An equal-weight mixture of isotropic Gaussians: ``modes: (M, d)``, one ``sigma``."""

    modes: torch.Tensor
    sigma: float

    def __post_init__(self) -> None:
        if self.modes.dim() != 2 or len(self.modes) == 0:
            raise ValueError(
                f"modes must have shape (M, d) with M >= 1, got {tuple(self.modes.shape)}"
            )
        checks.fields(self, sigma=checks.POSITIVE)

    @checks.arguments(n=checks.COUNT)
    def sample(self, n: int, generator: torch.Generator | None = None) -> torch.Tensor:
        """``(n, d)`` draws: a uniformly chosen mode plus ``sigma`` times standard normal noise."""
        k = torch.randint(len(self.modes), (n,), generator=generator)
        return self.modes[k] + self.sigma * torch.randn(n, self.modes.shape[1], generator=generator)

    def log_density(self, x: torch.Tensor) -> torch.Tensor:
        """``log p(x)`` for ``x: (n, d)`` -> ``(n,)``."""
        d = self.modes.shape[1]
        sq = torch.cdist(x, self.modes).pow(2)
        log_k = -sq / (2 * self.sigma**2) - d * math.log(self.sigma * math.sqrt(2 * math.pi))
        return torch.logsumexp(log_k, dim=1) - math.log(len(self.modes))


def ring() -> Mixture:
    """The ring benchmark: 8 modes on the unit circle, sigma 0.01."""
    return Mixture(ring_modes(), 0.01)


def grid() -> Mixture:
    """The grid benchmark: 25 modes at ``{-4, -2, 0, 2, 4}^2``, sigma 0.05."""
    return Mixture(grid_modes(), 0.05)


BENCHMARKS = {"ring": ring, "grid": grid}
