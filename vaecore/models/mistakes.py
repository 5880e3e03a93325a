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
* :func:`fit_in_stages`: the encoder trained first against a fixed, untrained decoder, then the
  decoder with the encoder fixed, instead of both together.

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
from vaecore.data.datasets import binarize
from vaecore.losses import gaussian_log_prob, kl_per_dimension
from vaecore.models.gan import Discriminator
from vaecore.models.vae import VAE
from vaecore.train import History, TrainConfig, fit


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


@checks.arguments(epochs=checks.COUNT, seed=checks.SEED)
def fit_in_stages(model: VAE, x_train: torch.Tensor, epochs: int, seed: int = 0) -> list[History]:
    """WRONG: train ``model``'s encoder for ``epochs // 2`` epochs against its untrained decoder,
    then its decoder for the other epochs against the fixed encoder (each stage by
    :func:`vaecore.train.fit` on dynamically binarised ``x_train``), instead of both together.
    Returns the two stages' histories."""
    if epochs < 2:
        raise ValueError(f"two stages need at least 2 epochs, got {epochs}")
    histories = []
    for trained, frozen, n in (
        (model.encoder, model.decoder, epochs // 2),
        (model.decoder, model.encoder, epochs - epochs // 2),
    ):
        trained.requires_grad_(True)
        frozen.requires_grad_(False)  # this stage leaves it as it is
        histories.append(fit(model, x_train, TrainConfig(epochs=n, seed=seed), transform=binarize))
    model.requires_grad_(True)
    return histories


class SigmoidOutputDiscriminator(Discriminator):
    def head(self, features: torch.Tensor) -> torch.Tensor:
        return torch.sigmoid(super().head(features))  # WRONG: LSGAN's D gives a raw score
