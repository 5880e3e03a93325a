"""The book's image models on one scale: the recipes and measurements of the "Side by side" chapter.

Four models are trained on the same MNIST images and judged by the same measurements:

* ``autoencoder``: :func:`~vaecore.models.autoencoder.mlp_autoencoder` with ``K = 32`` and a
  Bernoulli
  reconstruction loss, the VAE's networks without the noise and without the KL;
* ``KL-free VAE``: ``VAE(32, beta=0)``, the noise without the KL;
* ``VAE``: ``VAE(32)``, the whole ELBO;
* ``GAN``: the batch-normalised MNIST generator of the chapter "GANs on images" (64-d noise) and
  its discriminator.

The three encoder models see dynamically binarised images (:func:`vaecore.data.datasets.binarize`);
the GAN sees the grey images, as in its chapter. The measurements (:func:`measure`):

* reconstruction error: mean squared error per pixel between grey test images and the decoder's
  mean for the encoder's code, ``mean (decode(enc(x)) - x)^2``;
* test NLL: ``-mean_n IWAE_k(x_n)`` on binarised test images
  (:func:`vaecore.metrics.likelihood.estimate_nll`),
  an upper bound in nats, defined for the two models with ``q(z | x)`` and ``p(x | z)``;
* samples: the Fréchet distance of the judge's features of samples to those of real images
  (:class:`vaecore.metrics.judge.SampleJudge`, a small convolutional classifier), their precision
  and recall in the same features, the share of the rarest digit the judge sees (10% for
  balanced samples), the KL of the samples' digit shares to the test set's
  (:func:`vaecore.metrics.images.class_kl`),
  how grey the pixels are (:func:`vaecore.metrics.images.greyness`) and how sharp the strokes are
  (:func:`vaecore.metrics.images.sharpness`).
  The encoder models' samples are their decoders' means (grey pixel probabilities), not binary
  draws from ``p(x | z)``.

Which model is best at what is decided over several seeds, by the book's rule
(:mod:`vaecore.book.findings.side_by_side`): one seed ranks nothing.

An autoencoder has no prior to sample from; it is given the simplest one fitted after training, a
Gaussian with the mean and covariance of its training codes
(:func:`vaecore.metrics.latents.fitted_gaussian`)."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Callable

import torch

from vaecore import checks
from vaecore.experiments.image_models import (
    SampleScores,
    Trained,
    encoder_model,
    gan_model,
    score_samples,
)
from vaecore.losses import is_latent_variable_model
from vaecore.metrics import batched
from vaecore.metrics.images import mse
from vaecore.metrics.judge import SampleJudge
from vaecore.metrics.likelihood import estimate_nll
from vaecore.models.autoencoder import Autoencoder, mlp_autoencoder
from vaecore.models.gan import mnist_players
from vaecore.models.vae import VAE
from vaecore.settings import Budget
from vaecore.train_gan import GANConfig

__all__ = [
    "FULL",
    "QUICK",
    "MODELS",
    "LATENT_DIM",
    "train_models",
    "Scores",
    "measure",
    "interpolations",
]

#: The chapter's sizes in its full setting; ``benchmarks/side_by_side_seeds.py`` repeats it over
#: seeds.
FULL = Budget(
    n_train=None,
    n_test=None,
    epochs={"encoders": 10},
    sizes={"gan_steps": 5000, "iwae_k": 1000, "iwae_images": 2000, "samples": 10_000},
)
#: The chapter's sizes in quick mode.
QUICK = Budget(
    n_train=2_000,
    n_test=1_000,
    epochs={"encoders": 1},
    sizes={"gan_steps": 100, "iwae_k": 20, "iwae_images": 200, "samples": 1_000},
)
#: The models compared, in the order of the chapter's table.
MODELS = ("autoencoder", "KL-free VAE", "VAE", "GAN")


#: The code size of the three encoder models.
LATENT_DIM = 32


@checks.arguments(seed=checks.SEED)
def train_models(x_train: torch.Tensor, budget: Budget, seed: int = 0) -> dict[str, Trained]:
    """Train the four models of :data:`MODELS` on ``x_train: (n, 784)`` (grey, in [0, 1]).

    ``budget.epochs["encoders"]`` epochs for each encoder model, ``budget.sizes["gan_steps"]``
    GAN steps (batch 64). Each model starts from ``torch.manual_seed(seed)``.
    """
    epochs = budget.epochs["encoders"]
    trained = {}
    builds: tuple[tuple[str, Callable[[], VAE | Autoencoder]], ...] = (
        ("autoencoder", lambda: mlp_autoencoder(LATENT_DIM)),
        ("KL-free VAE", lambda: VAE(LATENT_DIM, beta=0.0)),
        ("VAE", lambda: VAE(LATENT_DIM)),
    )
    for name, build in builds:
        torch.manual_seed(seed)
        trained[name] = encoder_model(name, build(), x_train, epochs, seed)
    torch.manual_seed(seed)
    generator, discriminator = mnist_players()
    config = GANConfig(steps=budget.sizes["gan_steps"], batch_size=64, seed=seed)
    trained["GAN"] = gan_model("GAN", generator, discriminator, x_train, config)
    return trained


@dataclass
class Scores(SampleScores):
    """One row of the comparison: a model's
    :class:`~vaecore.experiments.image_models.SampleScores` and what is defined for the model
    besides. ``None``: the measurement is not defined for the model."""

    model: str = ""
    parameters: int = 0
    seconds: float = 0.0
    reconstruction_mse: float | None = None
    test_nll: float | None = None


@torch.no_grad()
@checks.arguments(k=checks.COUNT, n_samples=checks.COUNT, seed=checks.SEED)
def measure(
    trained: Trained,
    judge: SampleJudge,
    x_test: torch.Tensor,
    x_test_binary: torch.Tensor,
    test_share: torch.Tensor,
    k: int,
    n_samples: int,
    seed: int = 3,
) -> Scores:
    """The :class:`Scores` of one model: ``x_test: (n, 784)`` grey test images (also the reference
    of :func:`vaecore.metrics.images.sharpness`), ``x_test_binary`` binarised ones for the NLL
    (``k`` importance samples each), ``test_share: (10,)`` the test set's digit shares, and
    ``n_samples`` samples drawn with seed ``seed``."""
    model = trained.model
    model.eval()
    reconstruction_mse = None
    if trained.encode is not None:
        encode, decode = trained.encode, trained.decode
        reconstructions = batched.apply_in_batches(model, lambda x: decode(encode(x)), x_test, 1000)
        reconstruction_mse = mse(reconstructions, x_test)
    nll = (
        estimate_nll(model, x_test_binary, k=k, progress=False)
        if is_latent_variable_model(model)
        else None
    )
    samples = trained.sample(n_samples, torch.Generator().manual_seed(seed))
    return Scores(
        **dataclasses.asdict(score_samples(samples, judge, test_share, x_test)),
        model=trained.name,
        parameters=trained.parameters,
        seconds=trained.seconds,
        reconstruction_mse=reconstruction_mse,
        test_nll=nll,
    )


@checks.arguments(gap=checks.whole(0))
def interpolations(
    trained: dict[str, Trained],
    starts: dict[str, torch.Tensor],
    ends: dict[str, torch.Tensor],
    gap: int = 2,
) -> tuple[Callable[[torch.Tensor], torch.Tensor], tuple[int, int]]:
    """A decoder of one number ``t`` per code, for an explorer that moves every model at once,
    and the shape of its images.

    ``starts[name], ends[name]: (P, k_name)`` are ``P`` pairs of codes of each model. For ``t: (m,
    1)``, each model decodes ``z = (1 - t) start + t end``; each of the ``m`` images holds ``P``
    rows (the pairs) and ``M`` columns (the models, in the order of ``trained``), ``gap`` blank
    pixels apart: ``(m, 28 P * (28 M + gap (M - 1)))``, image shape ``(28 P, 28 M + gap (M - 1))``.
    """
    names = list(trained)
    p = len(next(iter(starts.values())))
    shape = (28 * p, 28 * len(names) + gap * (len(names) - 1))

    def decode(t: torch.Tensor) -> torch.Tensor:
        columns = []
        for i, name in enumerate(names):
            z = (1 - t[:, None, :1]) * starts[name] + t[:, None, :1] * ends[name]  # (m, P, k)
            with torch.no_grad():
                x = trained[name].decode(z.reshape(-1, z.shape[-1]))  # (m * P, 784)
            if i:
                columns.append(torch.zeros(len(t), p, 28, gap))
            columns.append(x.reshape(len(t), p, 28, 28))
        return torch.cat(columns, dim=3).reshape(len(t), shape[0] * shape[1])

    return decode, shape
