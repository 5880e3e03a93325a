"""Classic VAE mistakes from popular write-ups, each one wrong line in a
:class:`~vaecore.models.vae.VAE` subclass.

They exist to be trained and looked at (the "VAE without its KL term" chapter), never to be used.

* :class:`NoMeanVAE`: the code is ``z = sigma * eps``; the mean is forgotten.
* :class:`SoftmaxCodeVAE`: the code is ``softmax(logvar)``: a deterministic point on the simplex,
  not a sample of anything.
* :class:`WrongSignKLVAE`: the loss is ``rec - KL``: the KL term is rewarded instead of penalised.
* :class:`AveragedKLVAE`: the KL is averaged over the latent dimensions instead of summed,
  which silently divides its weight by ``latent_dim``.
* :class:`CodeAsImageVAE`: the "reconstruction" is ``x_hat = mu + sigma * eps``, the code itself:
  no decoder at all. It runs only when the code has as many numbers as the image.
* :class:`LogVarPenaltyVAE`: the loss is ``rec + mean(log sigma^2)``, with no KL: it rewards
  ever smaller noise, without a bound.
* :class:`BrokenKLFormulaVAE`: the "KL" of a widely read article,
  ``sum(mu^2 + logvar^2 - 1 - log 2 pi - log(logvar + eps))``: the log-variance squared where
  the variance belongs, a Gaussian density's ``log 2 pi``, and the log of the log-variance, which
  is no number once ``sigma < 1``.
* :class:`SharedHeadVAE`: the mean and the log-variance are the same outputs of the encoder,
  not two halves of its last layer.
* :class:`IgnoresCodeVAE`: the likelihood is ``p(x | z) = N(x; 0, I)``, which never reads ``z``.

A mistake in how a VAE is trained rather than in the model, training it in stages, is
:func:`vaecore.train_mistakes.fit_in_stages`.

And one GAN mistake, for the GAN chapter:

* :class:`SigmoidOutputDiscriminator`: a discriminator that squashes its output through a
  sigmoid, trained with LSGAN's squared errors (``GANConfig(loss="least squares")``): the
  "mean squared error on the labels" of popular code, which LSGAN is not.
"""

from __future__ import annotations

import math

import torch
from torch import nn

from vaecore import checks
from vaecore.losses import gaussian_log_prob, kl_per_dimension
from vaecore.models.gan import Discriminator
from vaecore.models.vae import VAE

__all__ = [
    "NoMeanVAE",
    "SoftmaxCodeVAE",
    "WrongSignKLVAE",
    "AveragedKLVAE",
    "CodeAsImageVAE",
    "LogVarPenaltyVAE",
    "BrokenKLFormulaVAE",
    "SharedHeadVAE",
    "IgnoresCodeVAE",
    "SigmoidOutputDiscriminator",
]


class NoMeanVAE(VAE):
    def sample_code(self, mu: torch.Tensor, logvar: torch.Tensor) -> torch.Tensor:
        return torch.exp(0.5 * logvar) * torch.randn_like(mu)  # WRONG: should be mu + sigma * eps


class SoftmaxCodeVAE(VAE):
    def sample_code(self, mu: torch.Tensor, logvar: torch.Tensor) -> torch.Tensor:
        return torch.softmax(logvar, dim=-1)  # WRONG: no sampling, and not a distribution over z


class WrongSignKLVAE(VAE):
    def kl_penalty(self, kl: torch.Tensor) -> torch.Tensor:
        return -kl.sum(dim=-1)  # WRONG: the KL must be subtracted from the ELBO, i.e. added here


class AveragedKLVAE(VAE):
    def kl_penalty(self, kl: torch.Tensor) -> torch.Tensor:
        return kl.mean(dim=-1)  # WRONG: a mean, not a sum, over the latent dimensions


class CodeAsImageVAE(VAE):
    @checks.arguments(latent_dim=checks.COUNT)
    def __init__(self, latent_dim: int, **kwargs) -> None:
        super().__init__(latent_dim, **kwargs)
        self.decoder = nn.Identity()  # WRONG: x_hat = mu + sigma * eps, the code as the image


def _loss_with(
    rec: torch.Tensor, penalty: torch.Tensor, mu: torch.Tensor, logvar: torch.Tensor
) -> dict[str, torch.Tensor]:
    """:meth:`VAE.loss`'s report for a loss ``mean(rec + penalty)`` that is not the ELBO's: the
    true KL is reported beside it, not minimised."""
    return {
        "loss": (rec + penalty).mean(),
        "rec": rec.mean(),
        "kl": kl_per_dimension(mu, logvar).sum(dim=-1).mean(),
        "log_std": 0.5 * logvar.detach().mean(),
        "code_norm": mu.detach().norm(dim=-1).mean(),
    }


class LogVarPenaltyVAE(VAE):
    def loss(self, x: torch.Tensor) -> dict[str, torch.Tensor]:
        mu, logvar = self.posterior(x)
        rec = -self.log_likelihood(x, self.sample_code(mu, logvar))
        return _loss_with(rec, logvar.mean(dim=-1), mu, logvar)  # WRONG: mean(log sigma^2)


class BrokenKLFormulaVAE(VAE):
    def loss(self, x: torch.Tensor) -> dict[str, torch.Tensor]:
        mu, logvar = self.posterior(x)
        rec = -self.log_likelihood(x, self.sample_code(mu, logvar))
        # WRONG: logvar^2 for sigma^2, a stray log 2 pi, and the log of the log-variance
        kl = mu**2 + logvar**2 - 1 - math.log(2 * math.pi) - torch.log(logvar + 1e-8)
        return _loss_with(rec, kl.sum(dim=-1), mu, logvar)


class SharedHeadVAE(VAE):
    def posterior(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        mu, _ = super().posterior(x)
        return mu, mu  # WRONG: the same outputs as the mean and as the log-variance


class IgnoresCodeVAE(VAE):
    def log_likelihood(self, x: torch.Tensor, z: torch.Tensor) -> torch.Tensor:
        zeros = torch.zeros_like(x)
        return gaussian_log_prob(x, zeros, zeros).expand(z.shape[:-1])  # WRONG: N(x; 0, I)


class SigmoidOutputDiscriminator(Discriminator):
    def head(self, features: torch.Tensor) -> torch.Tensor:
        return torch.sigmoid(super().head(features))  # WRONG: LSGAN's D gives a raw score
