"""Do the VAE's gradients vanish or explode? The experiment of claim 5 in the chapter "Questions
readers ask": the gradient norm of every layer (:class:`~vaecore.metrics.gradients.GradientNorms`)
while five models train on MNIST (:data:`MODELS`):

* the autoencoder and the VAE of the side-by-side comparison (``K = 32``, MLPs 512-256), trained
  by :func:`vaecore.train.fit` on dynamically binarised digits;
* the VAE whose KL has the wrong sign (:class:`~vaecore.models.mistakes.WrongSignKLVAE`), trained
  the same way until it diverges;
* the MLP GAN of "GANs on images" with the non-saturating and with the saturating generator loss,
  whose generator's layers are watched.
"""

from __future__ import annotations

import math
import statistics
from dataclasses import dataclass
from typing import Callable

import torch
from torch import nn

from vaecore import checks
from vaecore.data.datasets import binarize
from vaecore.loop_parts import TrainingDiverged
from vaecore.metrics.gradients import GradientNorms
from vaecore.models.autoencoder import mlp_autoencoder
from vaecore.models.gan import mnist_players
from vaecore.models.mistakes import WrongSignKLVAE
from vaecore.models.vae import VAE
from vaecore.settings import Budget
from vaecore.train import TrainConfig, fit
from vaecore.train_gan import GANConfig, train_gan

__all__ = [
    "ENCODER_MODELS",
    "GAN_LOSSES",
    "MODELS",
    "FULL",
    "QUICK",
    "Watched",
    "watch",
    "Spread",
    "spread",
]

#: The encoder models watched, each built from torch's current random state, are the MLP
#: autoencoder (Bernoulli reconstruction loss), the MLP VAE (minus the ELBO), and the VAE whose
#: loss is ``rec - KL``.
ENCODER_MODELS: dict[str, Callable[[], nn.Module]] = {
    "autoencoder": lambda: mlp_autoencoder(32),
    "VAE": lambda: VAE(32),
    "VAE, wrong-sign KL": lambda: WrongSignKLVAE(32),
}
#: The GANs watched (the MLP GAN's generator), each with whether its loss is the saturating
#: ``log(1 - D(G(z)))`` rather than the non-saturating ``-log D(G(z))``.
GAN_LOSSES = {"GAN, non-saturating": False, "GAN, saturating": True}
#: Every model watched, in the chapter's order.
MODELS = (*ENCODER_MODELS, *GAN_LOSSES)

FULL = Budget(n_train=None, n_test=None, epochs={"encoders": 2}, sizes={"gan_steps": 1500})
QUICK = Budget(n_train=3_000, n_test=None, epochs={"encoders": 1}, sizes={"gan_steps": 100})


@dataclass
class Watched:
    """One model's gradient norms, ``norms[layer][step]``, and whether its training diverged."""

    model: str
    norms: dict[str, list[float]]
    diverged: bool = False


@checks.arguments(seed=checks.SEED)
def watch(name: str, x_train: torch.Tensor, budget: Budget, seed: int = 0) -> Watched:
    """Train model ``name`` of :data:`MODELS` on ``x_train: (n, 784)`` (grey levels in [0, 1])
    for ``budget.epochs["encoders"]`` epochs (an encoder model) or ``budget.sizes["gan_steps"]``
    steps of batch 64 (a GAN), recording each layer's gradient norm at every step."""
    if name not in MODELS:
        raise ValueError(f"unknown model {name!r}: choose one of {', '.join(MODELS)}")
    torch.manual_seed(seed)
    if name in GAN_LOSSES:
        generator, discriminator = mnist_players()
        config = GANConfig(
            steps=budget.sizes["gan_steps"], batch_size=64, seed=seed, saturating=GAN_LOSSES[name]
        )
        with GradientNorms(generator) as watched:
            train_gan(generator, discriminator, x_train, config)
        return Watched(name, watched.norms)
    model = ENCODER_MODELS[name]()
    with GradientNorms(model) as watched:
        try:
            fit(
                model,
                x_train,
                TrainConfig(epochs=budget.epochs["encoders"], seed=seed),
                transform=binarize,
            )
        except TrainingDiverged:
            return Watched(name, watched.norms, diverged=True)
    return Watched(name, watched.norms)


@dataclass(frozen=True)
class Spread:
    """What one model's gradient norms did over its ``steps``: across its layers, the smallest and
    the largest median norm in the last tenth of training (``lowest``, ``highest``), and the
    largest factor by which a layer's median norm changed from the first tenth to the last
    (``change``, >= 1); ``diverged``: training stopped on a non-finite loss or gradient."""

    model: str
    lowest: float
    highest: float
    change: float
    steps: int
    diverged: bool


def spread(watched: Watched) -> Spread:
    """The :class:`Spread` of one model's recorded norms."""
    firsts, lasts = [], []
    for recorded in watched.norms.values():
        norms = [v for v in recorded if math.isfinite(v)]  # a diverged run's last one may not be
        tenth = max(len(norms) // 10, 1)
        firsts.append(statistics.median(norms[:tenth]))
        lasts.append(statistics.median(norms[-tenth:]))
    change = max(max(a, b) / max(min(a, b), 1e-30) for a, b in zip(firsts, lasts))
    steps = max(len(norms) for norms in watched.norms.values())
    return Spread(watched.model, min(lasts), max(lasts), change, steps, watched.diverged)
