"""Lower bounds on ``log p(x)`` for latent-variable models with a standard-normal prior.

They work with any model that has ``encode(x) -> (mu, logvar)`` (a diagonal-Gaussian
``q(z | x)``) and ``log_likelihood(x, z) -> log p(x | z)``, such as :class:`vaecore.models.vae.VAE`.

* ``ELBO(x) = E_q[log p(x | z)] - KL(q(z | x) || p(z))``;
* ``IWAE_k(x) = E[log (1/k) sum_i w_i]``, ``w_i = p(x | z_i) p(z_i) / q(z_i | x)``,
  ``z_i ~ q(z | x)`` (Burda et al. 2016).

Both are ``<= log p(x)`` since ``log p(x) = ELBO(x) + KL(q(z | x) || p(z | x))``;
``ELBO = IWAE_1 <= IWAE_k <= IWAE_{k+1}`` in expectation, and ``IWAE_k -> log p(x)`` as
``k -> infinity``. All values are in nats, one per example.
"""

from __future__ import annotations

import math
from typing import Any, Protocol

import torch
from tqdm.auto import tqdm

from vaecore import settings
from vaecore.data import batch_indices
from vaecore.losses import gaussian_log_prob, kl_to_standard_normal
from vaecore.models.vae import reparameterize


class LatentVariableModel(Protocol):
    """What the bounds need: a diagonal-Gaussian encoder and a decoder likelihood."""

    def encode(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]: ...

    def log_likelihood(self, x: torch.Tensor, z: torch.Tensor) -> torch.Tensor: ...

    def eval(self) -> Any: ...


def elbo(model: LatentVariableModel, x: torch.Tensor, n_samples: int = 1) -> torch.Tensor:
    """``x: (batch, d)`` -> ELBO per example ``(batch,)``: ``n_samples`` draws of the expectation,
    the KL in closed form."""
    mu, logvar = model.encode(x)
    log_lik = model.log_likelihood(x, reparameterize(mu, logvar, n_samples)).mean(dim=0)
    return log_lik - kl_to_standard_normal(mu, logvar)


def iwae(model: LatentVariableModel, x: torch.Tensor, k: int, chunk: int = 100) -> torch.Tensor:
    """``x: (batch, d)`` -> the importance-weighted bound ``IWAE_k`` per example, ``(batch,)``.

    ``logsumexp_i log w_i - log k``, with the ``k`` samples drawn ``chunk`` at a time.
    """
    if k < 1:
        raise ValueError(f"k must be at least 1, got {k}")
    mu, logvar = model.encode(x)
    log_w = []
    for start in range(0, k, chunk):
        z = reparameterize(mu, logvar, min(chunk, k - start))  # (c, batch, latent)
        log_prior = gaussian_log_prob(z, torch.zeros_like(z), torch.zeros_like(z))
        log_w.append(model.log_likelihood(x, z) + log_prior - gaussian_log_prob(z, mu, logvar))
    return torch.logsumexp(torch.cat(log_w), dim=0) - math.log(k)


@torch.no_grad()
def estimate_nll(model: LatentVariableModel, x: torch.Tensor, k: int = 1000,
                 batch_size: int = 100, progress: bool | None = None) -> float:
    """The IWAE estimate of the mean negative log-likelihood of ``x: (n, d)``, in nats.

    ``-mean_n IWAE_k(x_n)``: an upper bound on the true NLL, tighter for larger ``k``.
    """
    model.eval()
    total = 0.0
    for idx in tqdm(list(batch_indices(len(x), batch_size, shuffle=False)),
                    desc=f"IWAE, k={k}", disable=not settings.show_progress(progress)):
        total += float(iwae(model, x[idx], k).sum())
    return -total / len(x)
