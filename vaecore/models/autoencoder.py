"""Deterministic autoencoders: ``z = f(x)``, ``x_hat = g(z)``, trained to make ``x_hat`` close to
``x``.

The decoder's output is read through a likelihood:

* ``"gaussian"``: the decoder outputs ``x_hat`` itself and the loss is the squared error;
* ``"bernoulli"``: the decoder outputs logits, ``x_hat = sigmoid(logits)``, and the loss is the
  binary cross-entropy.
"""

from __future__ import annotations

from typing import Literal

import torch
from torch import nn

from vaecore import checks
from vaecore.losses import bernoulli_nll, squared_error
from vaecore.models.parts import check_batch, first_linear_width, mlp

__all__ = ["Likelihood", "Autoencoder", "linear_autoencoder", "mlp_autoencoder"]

Likelihood = Literal["gaussian", "bernoulli"]


class Autoencoder(nn.Module):
    """An encoder ``(batch, d) -> (batch, k)`` and a decoder ``(batch, k) -> (batch, d)``."""

    def __init__(self, encoder: nn.Module, decoder: nn.Module, likelihood: Likelihood) -> None:
        super().__init__()
        if likelihood not in ("gaussian", "bernoulli"):
            raise ValueError(f"likelihood must be 'gaussian' or 'bernoulli', got {likelihood!r}")
        self.encoder, self.decoder, self.likelihood = encoder, decoder, likelihood

    def encode(self, x: torch.Tensor) -> torch.Tensor:
        """``x: (batch, d)`` -> codes ``z: (batch, k)``. Refuses a wrong shape, dtype or device
        with a clear message (:func:`vaecore.models.parts.check_batch`)."""
        check_batch(x, first_linear_width(self.encoder), self)
        return self.encoder(x)

    def decode(self, z: torch.Tensor) -> torch.Tensor:
        """``z: (batch, k)`` -> reconstructions ``x_hat: (batch, d)``."""
        out = self.decoder(z)
        return torch.sigmoid(out) if self.likelihood == "bernoulli" else out

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """``x: (batch, d)`` -> ``x_hat: (batch, d)``."""
        return self.decode(self.encode(x))

    def loss(self, x: torch.Tensor) -> torch.Tensor:
        """Mean over the batch of the per-image reconstruction loss (see :mod:`vaecore.losses`)."""
        out = self.decoder(self.encode(x))
        per_image = (
            bernoulli_nll(out, x) if self.likelihood == "bernoulli" else squared_error(out, x)
        )
        return per_image.mean()  # eq. (AE): the batch's mean of the loss


@checks.arguments(latent_dim=checks.COUNT, data_dim=checks.COUNT)
def linear_autoencoder(latent_dim: int, data_dim: int = 784) -> Autoencoder:
    """``x_hat = W_d (W_e x + b_e) + b_d`` with squared error: its optimum spans PCA's subspace."""
    return Autoencoder(nn.Linear(data_dim, latent_dim), nn.Linear(latent_dim, data_dim), "gaussian")


@checks.arguments(hidden=checks.WIDTHS, latent_dim=checks.COUNT, data_dim=checks.COUNT)
def mlp_autoencoder(
    latent_dim: int,
    hidden: tuple[int, ...] = (512, 256),
    data_dim: int = 784,
    likelihood: Likelihood = "bernoulli",
) -> Autoencoder:
    """ReLU MLPs ``d -> hidden... -> k`` and ``k -> reversed(hidden)... -> d``; the code is
    linear."""
    encoder = mlp([data_dim, *hidden, latent_dim])
    decoder = mlp([latent_dim, *reversed(hidden), data_dim])
    if likelihood == "gaussian":  # keep x_hat in [0, 1] like the pixels
        decoder.append(nn.Sigmoid())
    return Autoencoder(encoder, decoder, likelihood)
