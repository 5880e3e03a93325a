"""GANs against VAEs on MNIST at one training budget: the recipes and measurements of the chapter
"GANs on images".

Four models (:data:`MODELS`), each trained for the same number of passes over the same training
images (:func:`train_model`; a GAN by
:func:`~vaecore.experiments.image_models.gan_for_passes`):

* ``MLP GAN``: :func:`~vaecore.models.gan.mnist_players`, the common MLP players for MNIST;
* ``conv GAN``: :class:`~vaecore.models.gan.ConvGenerator` and
  :class:`~vaecore.models.gan.ConvDiscriminator`, DCGAN's players sized for a CPU;
* ``MLP VAE``: ``VAE(32)``, the VAE of the VAE chapters;
* ``conv VAE``: ``ConvVAE(32)``, a VAE with convolutional networks of the DCGAN players' shape.

They do not learn from the same pixels: the GANs train on the grey levels, the VAEs on the same
images dynamically binarised, since their Bernoulli decoders model black-and-white pixels. So
each VAE is judged twice (:func:`vaecore.experiments.image_models.measure`): by its **decoder
means** (grey pixel probabilities, what a VAE's "samples" usually are) and by its **draws** from
``p(x | z)`` (black and white, what its likelihood models). Every set of samples is scored on
the book's scale (:func:`vaecore.experiments.image_models.score_samples`), and the VAEs also get
a test NLL bound, ``-IWAE_k`` on binarised test digits. A GAN has no density to evaluate.

Which samples are closest to the data is decided over several seeds, by the book's rule
(:mod:`vaecore.book.findings.gan_images`).
"""

from __future__ import annotations

from typing import Callable

import torch

from vaecore import checks
from vaecore.experiments.image_models import Trained, encoder_model, gan_for_passes
from vaecore.models.gan import (
    ConvDiscriminator,
    ConvGenerator,
    Discriminator,
    Generator,
    mnist_players,
)
from vaecore.models.vae import VAE, ConvVAE
from vaecore.settings import Budget

__all__ = [
    "GANS",
    "VAES",
    "MODELS",
    "FULL",
    "QUICK",
    "train_model",
    "train_models",
]

#: The players of each GAN, built from torch's current random state.
GANS: dict[str, Callable[[], tuple[Generator, Discriminator]]] = {
    "MLP GAN": mnist_players,
    "conv GAN": lambda: (ConvGenerator(64), ConvDiscriminator()),
}
#: The network of each VAE, ``K = 32``.
VAES: dict[str, Callable[[], VAE]] = {"MLP VAE": lambda: VAE(32), "conv VAE": lambda: ConvVAE(32)}
#: The models compared, in the order of the chapter's table.
MODELS = (*GANS, *VAES)

#: The chapter's sizes in its full setting; ``benchmarks/gan_vs_vae.py`` repeats it over seeds.
FULL = Budget(
    n_train=None,
    n_test=None,
    epochs={"passes": 5},
    sizes={"samples": 10_000, "iwae_k": 100, "iwae_images": 1000},
)
#: The chapter's sizes in quick mode.
QUICK = Budget(
    n_train=2_000,
    n_test=1_000,
    epochs={"passes": 3},
    sizes={"samples": 1_000, "iwae_k": 10, "iwae_images": 200},
)


@checks.arguments(passes=checks.COUNT, seed=checks.SEED, snapshots=checks.whole(0))
def train_model(
    name: str, x_train: torch.Tensor, passes: int, seed: int = 0, snapshots: int = 0
) -> Trained:
    """One of :data:`MODELS`, trained for ``passes`` passes over ``x_train: (n, 784)``, grey
    levels in [0, 1], from ``torch.manual_seed(seed)``.

    A GAN takes ``passes * n / 64`` steps of :func:`~vaecore.train_gan.train_gan` on the grey
    levels (:func:`~vaecore.experiments.image_models.gan_for_passes`); with ``snapshots > 0`` it
    records 12 samples that many times. A VAE takes ``passes`` epochs of
    :func:`~vaecore.train.fit` on the images dynamically binarised."""
    if name in GANS:
        return gan_for_passes(name, GANS[name], x_train, passes, seed, snapshots)
    if name not in VAES:
        raise ValueError(f"unknown model {name!r}: choose one of {', '.join(MODELS)}")
    torch.manual_seed(seed)
    return encoder_model(name, VAES[name](), x_train, passes, seed)


@checks.arguments(seed=checks.SEED)
def train_models(x_train: torch.Tensor, budget: Budget, seed: int = 0) -> dict[str, Trained]:
    """Every model of :data:`MODELS`, each trained by :func:`train_model` for
    ``budget.epochs["passes"]`` passes."""
    return {name: train_model(name, x_train, budget.epochs["passes"], seed) for name in MODELS}
