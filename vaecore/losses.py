"""Reconstruction losses as per-example negative log-likelihoods.

Each function returns one number per example, ``(batch,)``, summed over the 784 pixels; a
training loss is their mean over the batch.

* :func:`squared_error` is ``sum_i (x_hat_i - x_i)^2``: the negative log-likelihood of a
  Gaussian ``N(x; x_hat, sigma^2 I)`` times ``2 sigma^2``, minus its constant.
* :func:`bernoulli_nll` is ``-sum_i [x_i log p_i + (1 - x_i) log(1 - p_i)]`` with
  ``p = sigmoid(logits)``: the binary cross-entropy, computed from the logits for stability.

and the Gaussian pieces of the VAE, for diagonal Gaussians given by a mean and a log-variance
(each ``(batch, k)``, summed over the ``k`` dimensions, never averaged):

* :func:`gaussian_log_prob`, ``log N(z; mu, diag exp(logvar))``;
* :func:`gaussian_kl`, ``KL(N(mu_q, s_q^2) || N(mu_p, s_p^2))`` in closed form, and
  :func:`kl_to_standard_normal`, the special case ``p = N(0, I)``:
  ``0.5 sum_j (mu_j^2 + s_j^2 - log s_j^2 - 1)``.
"""

from __future__ import annotations

import math

import torch
import torch.nn.functional as F

LOG_2PI = math.log(2 * math.pi)


def _same_shape(a: torch.Tensor, x: torch.Tensor) -> None:
    if a.shape != x.shape or a.dim() != 2:
        raise ValueError(f"expected two (batch, pixels) tensors of one shape, got "
                         f"{tuple(a.shape)} and {tuple(x.shape)}")
    if not (a.is_floating_point() and x.is_floating_point()):
        raise TypeError(f"expected floating-point tensors, got {a.dtype} and {x.dtype}")


def squared_error(x_hat: torch.Tensor, x: torch.Tensor) -> torch.Tensor:
    """``x_hat, x: (batch, d)`` -> ``(batch,)``, the sum over pixels of ``(x_hat - x)^2``."""
    _same_shape(x_hat, x)
    return (x_hat - x).pow(2).sum(dim=1)


def bernoulli_nll(logits: torch.Tensor, x: torch.Tensor) -> torch.Tensor:
    """``logits, x: (batch, d)``, ``x`` in [0, 1] -> ``(batch,)``, ``-log Bernoulli(x; sigmoid(logits))``.

    For grey-scale ``x`` this is the cross-entropy, not a normalised likelihood (see the VAE
    chapter on the continuous Bernoulli).
    """
    _same_shape(logits, x)
    if x.numel() and not (0 <= float(x.min()) and float(x.max()) <= 1):
        raise ValueError(f"a Bernoulli likelihood needs x in [0, 1], got values from {float(x.min()):g} "
                         f"to {float(x.max()):g} (pixels stored as 0..255 need / 255)")
    return F.binary_cross_entropy_with_logits(logits, x, reduction="none").sum(dim=1)


def bernoulli_mass_on_unit_interval(p: torch.Tensor) -> torch.Tensor:
    """``int_0^1 p^x (1 - p)^(1 - x) dx = (1 - 2p) / log((1 - p) / p)``, and ``1/2`` at ``p = 1/2``.

    The Bernoulli formula used as a "density" for grey pixels ``x in [0, 1]`` integrates to this,
    which is at most 1/2 (at ``p = 1/2``) and falls to 0 as ``p`` nears 0 or 1: the
    cross-entropy on grey pixels is not a normalised likelihood. The inverse is the continuous
    Bernoulli's normaliser ``C(p)`` (Loaiza-Ganem & Cunningham 2019).
    """
    p = p.double()
    near_half = (p - 0.5).abs() < 1e-6
    safe = torch.where(near_half, torch.full_like(p, 0.25), p)
    mass = (1 - 2 * safe) / torch.log((1 - safe) / safe)
    return torch.where(near_half, torch.full_like(p, 0.5), mass)


def _gaussian_args(*tensors: torch.Tensor) -> None:
    shape = tensors[0].shape
    if tensors[0].dim() < 1 or any(t.shape != shape for t in tensors):
        raise ValueError("expected means and log-variances of one shape (..., k), got "
                         + ", ".join(str(tuple(t.shape)) for t in tensors))


def gaussian_log_prob(z: torch.Tensor, mu: torch.Tensor, logvar: torch.Tensor) -> torch.Tensor:
    """``log N(z; mu, diag exp(logvar))`` summed over the last dimension.

    ``mu, logvar: (batch, k)``; ``z: (..., batch, k)``, e.g. several samples per example
    -> ``(..., batch)``. ``-0.5 sum_j [log 2 pi + logvar_j + (z_j - mu_j)^2 / exp(logvar_j)]``.
    """
    _gaussian_args(mu, logvar)
    if z.shape[z.dim() - mu.dim():] != mu.shape:
        raise ValueError(f"z of shape {tuple(z.shape)} does not end with the shape of mu, "
                         f"{tuple(mu.shape)}")
    return -0.5 * (LOG_2PI + logvar + (z - mu).pow(2) * torch.exp(-logvar)).sum(dim=-1)


def gaussian_kl(mu_q: torch.Tensor, logvar_q: torch.Tensor,
                mu_p: torch.Tensor, logvar_p: torch.Tensor) -> torch.Tensor:
    """``KL(N(mu_q, diag s_q^2) || N(mu_p, diag s_p^2))``, ``(..., k) -> (...)``, always >= 0.

    ``0.5 sum_j [logvar_p - logvar_q + (s_q^2 + (mu_q - mu_p)^2) / s_p^2 - 1]``.
    """
    _gaussian_args(mu_q, logvar_q, mu_p, logvar_p)
    return 0.5 * (logvar_p - logvar_q
                  + (torch.exp(logvar_q) + (mu_q - mu_p).pow(2)) * torch.exp(-logvar_p)
                  - 1).sum(dim=-1)


def kl_per_dimension(mu: torch.Tensor, logvar: torch.Tensor) -> torch.Tensor:
    """``0.5 (mu_j^2 + exp(logvar_j) - logvar_j - 1)`` for each dimension: ``(..., k) -> (..., k)``."""
    _gaussian_args(mu, logvar)
    return 0.5 * (mu.pow(2) + torch.exp(logvar) - logvar - 1)


def kl_to_standard_normal(mu: torch.Tensor, logvar: torch.Tensor) -> torch.Tensor:
    """``KL(N(mu, diag exp(logvar)) || N(0, I))`` = ``0.5 sum_j (mu^2 + exp(logvar) - logvar - 1)``.

    ``(..., k) -> (...)``. Summed over the latent dimensions: averaging them instead (a common
    bug) weakens the KL term ``k``-fold.
    """
    return kl_per_dimension(mu, logvar).sum(dim=-1)
