"""Two Monte Carlo estimators of ``grad_mu E_{z ~ N(mu, diag sigma^2)}[f(z)]``.

* **Reparameterisation** (pathwise): write ``z = mu + sigma * eps``, ``eps ~ N(0, I)``, so
  ``grad_mu E[f(z)] = E_eps[grad_z f(mu + sigma * eps)]``. Needs ``f`` differentiable.
* **Score function** (REINFORCE, likelihood ratio):
  ``grad_mu E[f(z)] = E_z[f(z) grad_mu log N(z; mu, sigma^2)] = E_z[f(z) (z - mu) / sigma^2]``.
  Needs only values of ``f``.

Both are unbiased; each function returns the ``n`` single-sample estimates, ``(n, k)``, so their
mean and spread can be compared.
"""

from __future__ import annotations

from typing import Callable

import torch

from vaecore.models.vae import reparameterize


def reparameterized_gradients(f: Callable[[torch.Tensor], torch.Tensor], mu: torch.Tensor,
                              logvar: torch.Tensor, n: int) -> torch.Tensor:
    """``n`` estimates of ``grad_mu E[f(z)]``, each ``grad_z f(z)`` at ``z = mu + sigma * eps``.

    ``mu, logvar: (k,)``; ``f: (n, k) -> (n,)``, applied row by row -> ``(n, k)``.
    """
    z = reparameterize(mu.detach()[None], logvar.detach()[None], n)[:, 0].requires_grad_(True)
    (grad,) = torch.autograd.grad(f(z).sum(), z)
    return grad  # d z / d mu = I, so grad_mu of one sample is grad_z f


def score_function_gradients(f: Callable[[torch.Tensor], torch.Tensor], mu: torch.Tensor,
                             logvar: torch.Tensor, n: int) -> torch.Tensor:
    """``n`` estimates of ``grad_mu E[f(z)]``, each ``f(z) (z - mu) / sigma^2``, ``z ~ N(mu, sigma^2)``.

    ``mu, logvar: (k,)``; ``f: (n, k) -> (n,)`` -> ``(n, k)``.
    """
    with torch.no_grad():
        z = reparameterize(mu[None], logvar[None], n)[:, 0]
        return f(z)[:, None] * (z - mu) * torch.exp(-logvar)
