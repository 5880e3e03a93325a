"""The linear baseline of the autoencoder chapter: PCA fitted to images, its reconstructions with
the first ``k`` components, and the angles between two subspaces."""

from __future__ import annotations

import numpy as np
import torch
from sklearn.decomposition import PCA

from vaecore import checks
from vaecore.checks import rows

__all__ = ["fit_pca", "ROWS_AT_ONCE", "pca_reconstruct", "principal_angles"]


@checks.arguments(n_components=checks.COUNT)
def fit_pca(x: torch.Tensor, n_components: int) -> PCA:
    """PCA of ``x: (n, d)`` with the top ``n_components`` (exact, via the covariance's eigh).

    Its first ``k`` components are the ``k``-component PCA for every ``k <= n_components``.
    """
    rows(x, "x", 2)  # a covariance needs two
    # the mean and the top K eigenvectors of the covariance: eq. (PCA)
    return PCA(n_components=n_components, svd_solver="covariance_eigh").fit(x.double().numpy())


#: Rows :func:`pca_reconstruct` projects at once, in float64.
ROWS_AT_ONCE = 10_000


@checks.arguments(k=checks.COUNT)
def pca_reconstruct(pca: PCA, x: torch.Tensor, k: int) -> torch.Tensor:
    """Project ``x: (n, d)`` onto the first ``k`` principal components and back.

    ``x_hat = mu + U_k U_k^T (x - mu)``, with ``U_k: (d, k)`` the top-``k`` eigenvectors.
    """
    rows(x, "x")
    if not 1 <= k <= pca.n_components_:
        raise ValueError(f"k must be in 1..{pca.n_components_}, got {k}")
    u = pca.components_[:k].T  # (d, k), orthonormal columns
    x_hat = torch.empty(x.shape)
    for start in range(0, len(x), ROWS_AT_ONCE):  # all 60,000 digits in float64 held 1.1 GB
        xc = x[start : start + ROWS_AT_ONCE].double().numpy() - pca.mean_
        x_hat[start : start + ROWS_AT_ONCE] = torch.from_numpy(xc @ u @ u.T + pca.mean_)
    return x_hat


def principal_angles(a: np.ndarray | torch.Tensor, b: np.ndarray | torch.Tensor) -> np.ndarray:
    """Principal angles in degrees between the column spaces of ``a: (d, k)`` and ``b: (d, k)``.

    With ``Q_a, Q_b`` orthonormal bases, the cosines of the angles are the singular values of
    ``Q_a^T Q_b``. All angles are 0 when the two spaces are the same. Sorted ascending.
    """
    qa, _ = np.linalg.qr(np.asarray(a, dtype=np.float64))
    qb, _ = np.linalg.qr(np.asarray(b, dtype=np.float64))
    cosines = np.clip(np.linalg.svd(qa.T @ qb, compute_uv=False), -1.0, 1.0)
    return np.sort(np.degrees(np.arccos(cosines)))
