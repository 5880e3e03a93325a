"""Measurements of trained models: reconstruction error, the PCA baseline, subspace angles.

All errors are the **mean squared error per pixel**, ``mean_{n,i} (x_hat_ni - x_ni)^2``, so
models with different losses are compared on one scale.
"""

from __future__ import annotations

from typing import Callable

import numpy as np
import torch
from sklearn.decomposition import PCA
from torch import nn

from vaecore.data import batch_indices


@torch.no_grad()
def apply_in_batches(model: nn.Module, fn: Callable[[torch.Tensor], torch.Tensor],
                      x: torch.Tensor, batch_size: int) -> torch.Tensor:
    """``fn`` (a method of ``model``) over ``x`` in batches, in evaluation mode, gathered on the CPU."""
    model.eval()
    device = next(model.parameters()).device
    return torch.cat([fn(x[idx].to(device)).cpu()
                      for idx in batch_indices(len(x), batch_size, shuffle=False)])


def reconstruct(model: nn.Module, x: torch.Tensor, batch_size: int = 1000) -> torch.Tensor:
    """``x: (n, d)`` -> ``model(x): (n, d)`` on the CPU."""
    return apply_in_batches(model, model, x, batch_size)


def encode(model: nn.Module, x: torch.Tensor, batch_size: int = 1000) -> torch.Tensor:
    """``x: (n, d)`` -> codes ``model.encode(x): (n, k)`` on the CPU."""
    encoder = getattr(model, "encode", None)
    if not callable(encoder):
        raise TypeError(f"{type(model).__name__} has no encode(x) method")
    return apply_in_batches(model, encoder, x, batch_size)


def mse(x_hat: torch.Tensor, x: torch.Tensor) -> float:
    """Mean squared error per pixel between ``x_hat`` and ``x``, both ``(n, d)``."""
    if x_hat.shape != x.shape:
        raise ValueError(f"shapes differ: {tuple(x_hat.shape)} and {tuple(x.shape)}")
    return float((x_hat - x).pow(2).mean())


def mahalanobis(points: torch.Tensor, codes: torch.Tensor) -> torch.Tensor:
    """How typical each point is under the Gaussian fitted to ``codes``.

    ``points: (m, k)``, ``codes: (n, k)`` -> ``(m,)`` with
    ``d(z) = sqrt((z - mu)^T S^{-1} (z - mu))``, ``mu`` and ``S`` the codes' mean and covariance
    (plus ``1e-6 I``). Under that Gaussian ``d^2`` follows a chi-square with ``k`` degrees of
    freedom, so typical points have ``d`` near ``sqrt(k)``, whatever the codes' scale; a
    Euclidean distance to the nearest code cannot say that in many dimensions, where every
    random point is far from every code.
    """
    if points.dim() != 2 or codes.dim() != 2 or points.shape[1] != codes.shape[1] or len(codes) < 2:
        raise ValueError(f"need (m, k) points and (n, k) codes with n >= 2, got {tuple(points.shape)} "
                         f"and {tuple(codes.shape)}")
    c = codes.double()
    cov = torch.cov(c.T).reshape(c.shape[1], c.shape[1]) + 1e-6 * torch.eye(c.shape[1], dtype=torch.float64)
    chol = torch.linalg.cholesky(cov)
    # With S = L L^T: (z - mu)^T S^{-1} (z - mu) = ||L^{-1} (z - mu)||^2.
    white = torch.linalg.solve_triangular(chol, (points.double() - c.mean(0)).T, upper=False)
    return white.norm(dim=0).float()


def active_units(mu: torch.Tensor, threshold: float = 0.01) -> torch.Tensor:
    """Which latent dimensions are in use: ``Var_x(E_q[z_j | x]) > threshold`` (Burda et al. 2016).

    ``mu: (n, k)``, the posterior means of ``n`` inputs -> ``(k,)`` booleans. A dimension whose
    posterior mean hardly changes from input to input carries no information about the input.
    """
    if mu.dim() != 2 or len(mu) < 2:
        raise ValueError(f"need posterior means of shape (n, k) with n >= 2, got {tuple(mu.shape)}")
    return mu.var(dim=0) > threshold


def frechet_distance(a: torch.Tensor, b: torch.Tensor) -> float:
    """Fréchet distance between Gaussians fitted to two sets of features ``(n_a, f)``, ``(n_b, f)``.

    ``||mu_a - mu_b||^2 + tr(S_a + S_b - 2 (S_a S_b)^{1/2})``, the squared 2-Wasserstein
    distance between ``N(mu_a, S_a)`` and ``N(mu_b, S_b)``. The trace of the square root is
    computed as ``sum sqrt(eig(S_a^{1/2} S_b S_a^{1/2}))``, a symmetric form that stays real.
    """
    if a.dim() != 2 or b.dim() != 2 or a.shape[1] != b.shape[1] or min(len(a), len(b)) < 2:
        raise ValueError(f"need two (n, f) feature sets with n >= 2, got {tuple(a.shape)} and "
                         f"{tuple(b.shape)}")
    xa, xb = a.double().numpy(), b.double().numpy()
    mu_a, mu_b = xa.mean(0), xb.mean(0)
    s_a, s_b = (np.atleast_2d(np.cov(v, rowvar=False)) for v in (xa, xb))
    w, v = np.linalg.eigh(s_a)
    root_a = (v * np.sqrt(np.clip(w, 0, None))) @ v.T
    cross = np.sqrt(np.clip(np.linalg.eigvalsh(root_a @ s_b @ root_a), 0, None)).sum()
    return float(((mu_a - mu_b) ** 2).sum() + np.trace(s_a) + np.trace(s_b) - 2 * cross)


def fit_pca(x: torch.Tensor, n_components: int) -> PCA:
    """PCA of ``x: (n, d)`` with the top ``n_components`` (exact, via the covariance's eigh).

    Its first ``k`` components are the ``k``-component PCA for every ``k <= n_components``.
    """
    return PCA(n_components=n_components, svd_solver="covariance_eigh").fit(x.double().numpy())


def pca_reconstruct(pca: PCA, x: torch.Tensor, k: int) -> torch.Tensor:
    """Project ``x: (n, d)`` onto the first ``k`` principal components and back.

    ``x_hat = mu + U_k U_k^T (x - mu)``, with ``U_k: (d, k)`` the top-``k`` eigenvectors.
    """
    if not 1 <= k <= pca.n_components_:
        raise ValueError(f"k must be in 1..{pca.n_components_}, got {k}")
    u = pca.components_[:k].T  # (d, k), orthonormal columns
    xc = x.double().numpy() - pca.mean_
    return torch.from_numpy(xc @ u @ u.T + pca.mean_).float()


def principal_angles(a: np.ndarray | torch.Tensor, b: np.ndarray | torch.Tensor) -> np.ndarray:
    """Principal angles in degrees between the column spaces of ``a: (d, k)`` and ``b: (d, k)``.

    With ``Q_a, Q_b`` orthonormal bases, the cosines of the angles are the singular values of
    ``Q_a^T Q_b``. All angles are 0 when the two spaces are the same. Sorted ascending.
    """
    qa, _ = np.linalg.qr(np.asarray(a, dtype=np.float64))
    qb, _ = np.linalg.qr(np.asarray(b, dtype=np.float64))
    cosines = np.clip(np.linalg.svd(qa.T @ qb, compute_uv=False), -1.0, 1.0)
    return np.sort(np.degrees(np.arccos(cosines)))
