"""A linear autoencoder trained by gradient descent recovers PCA's subspace and error.

Baldi & Hornik (1989): for x_hat = W_d (W_e x + b_e) + b_d under squared error, the global
minima have span(W_d) = span of the top-k eigenvectors of the data covariance, and every other
critical point is a saddle. So training reaches PCA's subspace (not its axes) and PCA's error.
"""

import numpy as np
import pytest
import torch

from vaecore.data.datasets import load_images
from vaecore.metrics.batched import encode, reconstruct
from vaecore.metrics.images import mse
from vaecore.metrics.latents import mahalanobis
from vaecore.metrics.pca import fit_pca, pca_reconstruct, principal_angles
from vaecore.models.autoencoder import linear_autoencoder
from vaecore.train import TrainConfig, fit

# Gradient steps, not epochs, are what convergence needs: ~2,000 here on 8,000-10,000 examples.
LINEAR = TrainConfig(epochs=30, batch_size=128, lr=1e-2, progress=False)


def test_principal_angles_of_known_subspaces():
    rng = np.random.default_rng(0)
    a = rng.normal(size=(10, 3))
    mixing = rng.normal(size=(3, 3))
    np.testing.assert_allclose(principal_angles(a, a @ mixing), 0, atol=1e-5)
    e = np.eye(4)
    np.testing.assert_allclose(principal_angles(e[:, :2], e[:, 2:]), [90, 90])
    tilted = np.array([[1.0], [1.0], [0.0], [0.0]])
    np.testing.assert_allclose(principal_angles(e[:, :1], tilted), [45])


def test_pca_reconstruct_is_the_orthogonal_projection():
    torch.manual_seed(0)
    x = torch.randn(500, 6) @ torch.randn(6, 6)
    pca = fit_pca(x, 3)
    x_hat = pca_reconstruct(pca, x, 2).double()
    xc = x.double() - x.double().mean(0)
    u = torch.linalg.svd(xc, full_matrices=False).Vh[:2].T
    torch.testing.assert_close(x_hat, xc @ u @ u.T + x.double().mean(0), rtol=1e-5, atol=1e-5)
    with pytest.raises(ValueError):
        pca_reconstruct(pca, x, 4)


def test_linear_ae_recovers_the_principal_subspace_with_a_clear_eigengap():
    # 20-D data whose covariance has eigenvalues 9, 7, 5 then 0.1: the top-3 subspace is sharp.
    gen = torch.Generator().manual_seed(0)
    basis, _ = torch.linalg.qr(torch.randn(20, 20, generator=gen))
    scales = torch.tensor([3.0, 7**0.5, 5**0.5] + [0.1**0.5] * 17)
    x = (torch.randn(8000, 20, generator=gen) * scales) @ basis.T + 2.0
    model = linear_autoencoder(3, data_dim=20)
    fit(model, x, TrainConfig(epochs=40, batch_size=64, lr=1e-2, progress=False))  # 5,000 steps
    angles = principal_angles(model.decoder.weight.detach(), basis[:, :3])
    assert angles.max() < 2.0, angles
    pca = fit_pca(x, 3)
    ratio = mse(reconstruct(model, x), x) / mse(pca_reconstruct(pca, x, 3), x)
    assert ratio < 1.01


@pytest.mark.parametrize("seed", [0, 1])
def test_linear_ae_matches_pca_on_mnist(seed):
    # k = 6: MNIST's 6th and 7th eigenvalues differ by 25%, so the 6-D subspace is sharply
    # defined. (Where eigenvalues nearly tie, as at k = 8, a direction can turn far at almost
    # no cost: rotating by theta costs (lambda_k - lambda_k+1) sin^2 theta.)
    train = load_images("mnist", "train", limit=10_000, progress=False).images
    test = load_images("mnist", "test", limit=2_000, progress=False).images
    pca = fit_pca(train, 6)
    torch.manual_seed(seed)
    model = linear_autoencoder(6)
    fit(model, train, LINEAR)
    ae_mse = mse(reconstruct(model, test), test)
    pca_mse = mse(pca_reconstruct(pca, test, 6), test)
    assert abs(ae_mse / pca_mse - 1) < 0.01, (ae_mse, pca_mse)
    angles = principal_angles(model.decoder.weight.detach(), pca.components_.T)
    assert angles.max() < 3.0, angles
    # The subspace, not the axes: the decoder's columns are not PCA's orthonormal components.
    w = model.decoder.weight.detach().double()
    gram = w.T @ w
    assert (gram - torch.diag(torch.diag(gram))).abs().max() > 1e-2


def _synthetic(n=4000, d=12, seed=0):
    gen = torch.Generator().manual_seed(seed)
    return torch.randn(n, d, generator=gen, dtype=torch.float64) @ torch.randn(
        d, d, generator=gen, dtype=torch.float64
    )


def _eigh(x):
    xc = x - x.mean(0)
    lam, u = torch.linalg.eigh(xc.T @ xc / len(x))  # the 1/N covariance
    return lam.flip(0), u.flip(1), xc


@pytest.mark.parametrize("k", [1, 3, 7])
def test_pca_error_is_the_sum_of_the_discarded_eigenvalues(k):
    # mean_{n,i} (x_hat - x)^2 = (1/d) sum_{i>k} lambda_i
    x = _synthetic()
    lam, _, _ = _eigh(x)
    pca = fit_pca(x.float(), k)
    error = mse(pca_reconstruct(pca, x.float(), k).double(), x)
    assert error == pytest.approx(lam[k:].sum().item() / x.shape[1], rel=1e-4)


@pytest.mark.parametrize("theta", [0.1, 0.7, 1.3])
def test_turning_the_kth_direction_costs_the_eigengap_times_sin_squared(theta):
    # Replacing u_k by cos(t) u_k + sin(t) u_{k+1} raises the summed error by
    # (lambda_k - lambda_{k+1}) sin^2 t.
    x = _synthetic()
    lam, u, xc = _eigh(x)
    k = 3

    def error(basis):
        q, _ = torch.linalg.qr(basis)
        return ((xc - xc @ q @ q.T) ** 2).sum(1).mean().item()

    turned = u[:, :k].clone()
    turned[:, k - 1] = np.cos(theta) * u[:, k - 1] + np.sin(theta) * u[:, k]
    expected = (lam[k - 1] - lam[k]).item() * np.sin(theta) ** 2
    assert error(turned) - error(u[:, :k]) == pytest.approx(expected, rel=1e-6)


def test_mahalanobis_undoes_the_codes_scale_and_correlation():
    g = torch.Generator().manual_seed(0)
    a = torch.tensor([[3.0, 0.0], [2.0, 0.5]])  # codes = a eps + m, eps ~ N(0, I)
    m = torch.tensor([10.0, -4.0])
    codes = torch.randn(200_000, 2, generator=g) @ a.T + m
    eps = torch.tensor([[0.0, 0.0], [1.0, 0.0], [0.0, -2.0], [3.0, 4.0]])
    d = mahalanobis(eps @ a.T + m, codes)
    torch.testing.assert_close(d, eps.norm(dim=1), atol=0.02, rtol=0.01)
    # Typical codes sit near sqrt(k) whatever their scale: E d^2 = k.
    assert mahalanobis(codes[:20_000], codes).pow(2).mean() == pytest.approx(2.0, rel=0.03)
    with pytest.raises(ValueError):
        mahalanobis(eps, torch.zeros(5, 3))


def test_encode_and_reconstruct_in_batches_match_one_pass():
    torch.manual_seed(0)
    model = linear_autoencoder(3, data_dim=10)
    x = torch.randn(25, 10)
    with torch.no_grad():
        torch.testing.assert_close(encode(model, x, batch_size=7), model.encode(x))
        torch.testing.assert_close(reconstruct(model, x, batch_size=7), model(x))
    with pytest.raises(TypeError, match="encode"):
        encode(torch.nn.Linear(10, 3), x)
