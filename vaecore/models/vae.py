"""The variational autoencoder (Kingma & Welling 2014; Rezende et al. 2014).

* prior ``p(z) = N(0, I)``;
* encoder ``q_phi(z | x) = N(mu_phi(x), diag sigma_phi^2(x))``, one MLP outputting ``mu`` and
  ``log sigma^2``;
* decoder ``p_theta(x | z) = prod_i Bernoulli(x_i; sigmoid(g_theta(z))_i)``.

Training maximises ``ELBO(x) = E_q[log p_theta(x | z)] - beta KL(q_phi(z | x) || p(z))`` with one
reparameterised sample ``z = mu + sigma * eps``. ``beta = 1`` is the VAE; ``beta = 0`` is the
"VAE without its KL term"; other values give the beta-VAE (Higgins et al. 2017).
"""

from __future__ import annotations

import torch
from torch import nn

from vaecore import checks
from vaecore.losses import bernoulli_nll, kl_per_dimension, reparameterize
from vaecore.models.parts import LeadingDims, check_batch, mlp

__all__ = ["VAE", "ConvVAE", "conv_encoder", "FreeBitsVAE"]


class VAE(nn.Module):
    """A VAE with MLP encoder and decoder: ``data_dim -> hidden... -> 2 latent_dim`` and back."""

    @checks.arguments(
        hidden=checks.WIDTHS,
        latent_dim=checks.COUNT,
        data_dim=checks.COUNT,
        beta=checks.AT_LEAST_ZERO,
    )
    def __init__(
        self,
        latent_dim: int,
        hidden: tuple[int, ...] = (512, 256),
        data_dim: int = 784,
        beta: float = 1.0,
    ) -> None:
        super().__init__()
        self.latent_dim, self.beta, self.data_dim = latent_dim, beta, data_dim
        self.encoder = mlp([data_dim, *hidden, 2 * latent_dim])
        self.decoder: nn.Module = mlp([latent_dim, *reversed(hidden), data_dim])

    def posterior(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """``x: (batch, d)`` -> ``(mu, logvar)``, each ``(batch, k)``: the parameters of the
        approximate posterior ``q(z | x) = N(mu, diag exp(logvar))``.

        Refuses a wrong shape, dtype or device with a clear message
        (:func:`vaecore.models.parts.check_batch`)."""
        check_batch(x, self.data_dim, self)
        mu, logvar = self.encoder(x).chunk(2, dim=-1)
        return mu, logvar

    def encode(self, x: torch.Tensor) -> torch.Tensor:
        """``x: (batch, d)`` -> the code ``mu: (batch, k)``, the posterior mean (as for every
        model, ``encode`` gives codes; :meth:`posterior` gives the whole ``q(z | x)``)."""
        return self.posterior(x)[0]

    def decode(self, z: torch.Tensor) -> torch.Tensor:
        """``z: (..., k)`` -> pixel probabilities ``sigmoid(g(z)): (..., d)``, the mean of
        ``p(x | z)``."""
        return torch.sigmoid(self.decoder(z))

    def log_likelihood(self, x: torch.Tensor, z: torch.Tensor) -> torch.Tensor:
        """``log p_theta(x | z)``: ``x: (batch, d)``, ``z: (..., batch, k)`` -> ``(..., batch)``."""
        logits = self.decoder(z)
        d = logits.shape[-1]
        # eq. (BCE) per image, for codes z of any leading shape
        nll = bernoulli_nll(logits.reshape(-1, d), x.expand_as(logits).reshape(-1, d))
        return -nll.reshape(logits.shape[:-1])

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """Reconstruction through the posterior mean: ``decode(mu(x))``, ``(batch, d)``."""
        return self.decode(self.encode(x))

    def sample_code(self, mu: torch.Tensor, logvar: torch.Tensor) -> torch.Tensor:
        """The code the decoder sees during training: one reparameterised draw from ``q(z | x)``."""
        return reparameterize(mu, logvar)

    def kl_penalty(self, kl: torch.Tensor) -> torch.Tensor:
        """The regulariser in the loss from the per-dimension KL ``(batch, k)``: its sum,
        ``(batch,)``."""
        return kl.sum(dim=-1)

    def loss(self, x: torch.Tensor) -> dict[str, torch.Tensor]:
        """``loss = mean(rec + beta * kl_penalty)`` over the batch, with ``rec = -log p(x | z)``.

        Also reported (batch means, not minimised): ``kl``, the true ``KL(q || p)``; ``log_std``,
        the mean of ``log sigma_j`` over codes and dimensions; ``code_norm``, the mean ``||mu||``.
        """
        mu, logvar = self.posterior(x)
        z = self.sample_code(mu, logvar)  # one code per image, eq. (REPARAM)
        rec = -self.log_likelihood(x, z)  # -log p(x | z)
        kl = kl_per_dimension(mu, logvar)  # (batch, k), computed once
        return {
            # eq. (L-VAE): minus the ELBO when beta = 1, the KL-free loss when beta = 0
            "loss": (rec + self.beta * self.kl_penalty(kl)).mean(),
            "rec": rec.mean(),
            "kl": kl.sum(dim=-1).mean(),
            "log_std": 0.5 * logvar.detach().mean(),
            "code_norm": mu.detach().norm(dim=-1).mean(),
        }


class ConvVAE(VAE):
    """The VAE with convolutional networks of the DCGAN players' shape, for 28 x 28 images:
    encoder ``(n, 784) -> (1, 28, 28) -> (c1, 14, 14) -> (c2, 7, 7) -> 2 latent_dim``, decoder
    the mirror image with transposed convolutions, ReLU between layers. The loss, the bounds and
    the sampling are the VAE's. ``middle``, if given, is a block the decoder applies to its
    ``(c1, 14, 14)`` feature maps (e.g. :class:`~vaecore.models.attention.SelfAttention2d`)."""

    @checks.arguments(channels=checks.PAIR, latent_dim=checks.COUNT, beta=checks.AT_LEAST_ZERO)
    def __init__(
        self,
        latent_dim: int = 32,
        channels: tuple[int, int] = (32, 64),
        beta: float = 1.0,
        middle: nn.Module | None = None,
    ) -> None:
        super().__init__(latent_dim, hidden=(), beta=beta)  # checks; the networks are below
        c1, c2 = channels
        self.encoder = conv_encoder(latent_dim, channels)
        self.decoder = LeadingDims(  # codes of any leading shape, as the IWAE bound needs
            nn.Sequential(
                nn.Linear(latent_dim, c2 * 7 * 7),
                nn.ReLU(),
                nn.Unflatten(1, (c2, 7, 7)),
                nn.ConvTranspose2d(c2, c1, 4, stride=2, padding=1),  # 7 x 7 -> 14 x 14
                nn.ReLU(),
                middle or nn.Identity(),  # a block at 14 x 14, if any
                nn.ConvTranspose2d(c1, 1, 4, stride=2, padding=1),  # 14 x 14 -> 28 x 28
                nn.Flatten(),  # logits of p(x | z)
            )
        )


@checks.arguments(channels=checks.PAIR, latent_dim=checks.COUNT)
def conv_encoder(latent_dim: int, channels: tuple[int, int] = (32, 64)) -> nn.Sequential:
    """The convolutional encoder of :class:`ConvVAE` (and of the VAE-GAN): ``x (n, 784) -> (1,
    28, 28) -> (c1, 14, 14) -> (c2, 7, 7) -> (n, 2 latent_dim)``, the mean and the log-variance
    of ``q(z | x)`` side by side."""
    c1, c2 = channels
    return nn.Sequential(
        nn.Unflatten(1, (1, 28, 28)),
        nn.Conv2d(1, c1, 4, stride=2, padding=1),  # 28 x 28 -> 14 x 14
        nn.ReLU(),
        nn.Conv2d(c1, c2, 4, stride=2, padding=1),  # 14 x 14 -> 7 x 7
        nn.ReLU(),
        nn.Flatten(),
        nn.Linear(c2 * 7 * 7, 2 * latent_dim),  # mu and log sigma^2
    )


class FreeBitsVAE(VAE):
    """A VAE whose KL is not pushed below ``free_bits`` nats per latent dimension.

    Free bits (Kingma et al. 2016): the penalty is ``sum_j max(lambda, E_batch[KL_j])``, so a
    dimension whose batch-average KL is under ``lambda`` costs a constant and gets no gradient
    towards the prior. It counters posterior collapse, where dimensions fall to ``KL_j = 0`` and
    carry no information."""

    @checks.arguments(latent_dim=checks.COUNT, free_bits=checks.AT_LEAST_ZERO)
    def __init__(self, latent_dim: int, free_bits: float = 0.25, **kwargs) -> None:
        super().__init__(latent_dim, **kwargs)
        self.free_bits = free_bits

    def kl_penalty(self, kl: torch.Tensor) -> torch.Tensor:
        floor = torch.full_like(kl, self.free_bits)
        return torch.where(kl.mean(dim=0) > self.free_bits, kl, floor).sum(dim=-1)
