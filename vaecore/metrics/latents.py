"""Measurements of codes: the units a VAE's encoder uses, how unlikely a code is under a Gaussian
fitted to the training codes, and that fitted Gaussian as a sampler (the simplest prior an
autoencoder can be given after training)."""

from __future__ import annotations

from typing import Callable

import torch

from vaecore import checks
from vaecore.checks import rows

__all__ = ["mahalanobis", "active_units", "fitted_gaussian"]


def mahalanobis(points: torch.Tensor, codes: torch.Tensor) -> torch.Tensor:
    """How typical each point is under the Gaussian fitted to ``codes``.

    ``points: (m, k)``, ``codes: (n, k)`` -> ``(m,)`` with ``d(z) = sqrt((z - mu)^T S^{-1} (z -
    mu))``, ``mu`` and ``S`` the codes' mean and covariance (plus ``1e-6 I``). Under that Gaussian
    ``d^2`` follows a chi-square with ``k`` degrees of freedom, so typical points have ``d`` near
    ``sqrt(k)``, whatever the codes' scale; a Euclidean distance to the nearest code cannot say that
    in many dimensions, where every random point is far from every code."""
    rows(codes, "codes", 2)  # a covariance needs two
    if points.dim() != 2 or codes.dim() != 2 or points.shape[1] != codes.shape[1]:
        raise ValueError(
            f"need (m, k) points and (n, k) codes with n >= 2, got {tuple(points.shape)} "
            f"and {tuple(codes.shape)}"
        )
    c = codes.double()
    cov = torch.cov(c.T).reshape(c.shape[1], c.shape[1]) + 1e-6 * torch.eye(
        c.shape[1], dtype=torch.float64
    )
    chol = torch.linalg.cholesky(cov)
    # With S = L L^T: (z - mu)^T S^{-1} (z - mu) = ||L^{-1} (z - mu)||^2.
    white = torch.linalg.solve_triangular(chol, (points.double() - c.mean(0)).T, upper=False)
    return white.norm(dim=0).float()


@checks.arguments(threshold=checks.AT_LEAST_ZERO)
def active_units(mu: torch.Tensor, threshold: float = 0.01) -> torch.Tensor:
    """Which latent dimensions are in use: ``Var_x(E_q[z_j | x]) > threshold`` (Burda et al. 2016).

    ``mu: (n, k)``, the posterior means of ``n`` inputs -> ``(k,)`` booleans. A dimension whose
    posterior mean hardly changes from input to input carries no information about the input.
    """
    rows(mu, "mu", 2)  # a variance needs two
    if mu.dim() != 2:
        raise ValueError(f"need posterior means of shape (n, k), got {tuple(mu.shape)}")
    return mu.var(dim=0) > threshold


def fitted_gaussian(codes: torch.Tensor) -> Callable[[int, torch.Generator], torch.Tensor]:
    """``codes: (n, k)`` -> a sampler of ``N(mean, cov)`` of the codes:
    ``(m, generator) -> (m, k)``.

    ``z = mean + L eps``, ``L L^T = cov + 1e-6 I`` (Cholesky), ``eps ~ N(0, I)``.
    """
    rows(codes, "codes", 2)  # a covariance needs two
    mean = codes.mean(0)
    cov = torch.cov(codes.T.double()) + 1e-6 * torch.eye(codes.shape[1], dtype=torch.float64)
    chol = torch.linalg.cholesky(cov).float()

    def draw(m: int, generator: torch.Generator) -> torch.Tensor:
        return mean + torch.randn(m, codes.shape[1], generator=generator) @ chol.T

    return draw
