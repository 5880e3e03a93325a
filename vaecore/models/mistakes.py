"""Classic VAE mistakes from popular write-ups, each one wrong line in a
:class:`~vaecore.models.vae.VAE` subclass.

They exist to be trained and looked at (the "VAE without its KL term" chapter), never to be used.

* :class:`NoMeanVAE`: the code is ``z = sigma * eps``; the mean is forgotten.
* :class:`SoftmaxCodeVAE`: the code is ``softmax(logvar)``: a deterministic point on the simplex,
  not a sample of anything.
* :class:`WrongSignKLVAE`: the loss is ``rec - KL``: the KL term is rewarded instead of penalised.
* :class:`AveragedKLVAE`: the KL is averaged over the latent dimensions instead of summed,
  which silently divides its weight by ``latent_dim``.
"""

from __future__ import annotations

import torch

from vaecore.models.vae import VAE


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
