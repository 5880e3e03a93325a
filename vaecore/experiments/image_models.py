"""What every image experiment shares: a trained model's record, the two ways the book trains an
image model, and how its samples are scored. The recipes of the chapters ("Side by side", "GANs
on images", the VAE-GAN and the attention experiment of "Questions readers ask") build on this
module and never on each other, so that a chapter's recipe can change without moving another's.

* :class:`Trained`: a trained model with what a comparison needs of it (how to decode, encode
  and sample, its size and training time, what its loop recorded);
* :func:`encoder_model`: a model with an encoder (a VAE, an autoencoder) trained by
  :func:`vaecore.train.fit` on dynamically binarised images; :func:`gan_for_passes`: a pair of
  GAN players (or the VAE-GAN) trained by :func:`vaecore.train_gan.train_gan` for a number of
  passes over the grey images; :func:`gan_model`: the players trained for a given config;
* :class:`SampleScores` and :func:`score_samples`: the book's scale for samples (the judge's
  Fréchet distance, precision and recall, the digits it sees, greyness, sharpness);
* :func:`sample_sets`, :class:`Row` and :func:`measure`: the rows of a model in the chapters
  that judge a VAE twice, by its decoder means and by its draws from ``p(x | z)``, beside its
  test NLL bound; a GAN once, by ``G(z)``, with no bound to give.

What a model can give is asked of the model (:func:`vaecore.losses.is_latent_variable_model`:
an NLL bound and a prior to draw codes from), never of its class."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Callable

import torch
from torch import nn

from vaecore import checks
from vaecore.data.datasets import binarize
from vaecore.losses import is_latent_variable_model
from vaecore.metrics import batched
from vaecore.metrics.images import class_kl, class_shares, greyness, sharpness
from vaecore.metrics.judge import SampleJudge
from vaecore.metrics.latents import fitted_gaussian
from vaecore.metrics.likelihood import estimate_nll
from vaecore.models.autoencoder import Autoencoder
from vaecore.models.gan import Discriminator, Generator
from vaecore.models.parts import count_parameters
from vaecore.models.vae import VAE
from vaecore.train import History, TrainConfig, fit
from vaecore.train_gan import GANConfig, GANHistory, Sampler, train_gan

__all__ = [
    "Trained",
    "encoder_model",
    "gan_model",
    "GAN_BATCH",
    "gan_for_passes",
    "SampleScores",
    "score_samples",
    "TRAINED_ON",
    "Row",
    "sample_sets",
    "measure",
]


@dataclass
class Trained:
    """One trained model with what the comparison needs of it.

    ``decode``: code -> image mean; ``encode``: images -> codes (``None`` for the GAN); ``codes``:
    where ``sample`` draws its codes from (``"prior"`` or ``"fitted Gaussian"``).
    """

    name: str
    model: nn.Module
    decode: Callable[[torch.Tensor], torch.Tensor]
    encode: Callable[[torch.Tensor], torch.Tensor] | None
    sample: Sampler
    codes: str
    parameters: int  # every trained weight (for the GAN, both players)
    seconds: float  # training time on this machine
    history: History | GANHistory | None = None  # what the training loop recorded


@checks.arguments(epochs=checks.COUNT, seed=checks.SEED)
def encoder_model(
    name: str, model: VAE | Autoencoder, x_train: torch.Tensor, epochs: int, seed: int
) -> Trained:
    """``model`` trained by :func:`vaecore.train.fit` for ``epochs`` passes over ``x_train: (n,
    784)``, dynamically binarised, and sampled from the prior (a VAE) or from a Gaussian fitted
    to its training codes (an autoencoder)."""
    history = fit(model, x_train, TrainConfig(epochs=epochs, seed=seed), transform=binarize)
    if is_latent_variable_model(model):
        latent_dim = model.latent_dim
        codes, draw = "prior", (lambda m, g: torch.randn(m, latent_dim, generator=g))
    else:
        codes, draw = "fitted Gaussian", fitted_gaussian(batched.encode(model, x_train))

    @torch.no_grad()
    def sample(m: int, generator: torch.Generator) -> torch.Tensor:
        return batched.decode(model, draw(m, generator))

    return Trained(
        name,
        model,
        model.decode,
        model.encode,
        sample,
        codes,
        count_parameters(model),
        sum(history.series("seconds")),
        history,
    )


def gan_model(
    name: str,
    generator: Generator,
    discriminator: Discriminator,
    x_train: torch.Tensor,
    config: GANConfig,
) -> Trained:
    """The players trained by :func:`vaecore.train_gan.train_gan` on ``x_train: (n, 784)``, grey
    levels in [0, 1]; samples are ``G(z)``, ``z ~ N(0, I)``."""
    history = train_gan(generator, discriminator, x_train, config)

    @torch.no_grad()
    def sample(m: int, g: torch.Generator) -> torch.Tensor:
        return generator.sample(m, g)

    return Trained(
        name,
        generator,
        generator,
        None,
        sample,
        "prior",
        count_parameters(generator, discriminator),
        history.seconds,
        history,
    )


#: Images per GAN step, for each player.
GAN_BATCH = 64


@checks.arguments(passes=checks.COUNT, seed=checks.SEED, snapshots=checks.whole(0))
def gan_for_passes(
    name: str,
    players: Callable[[], tuple[Generator, Discriminator]],
    x_train: torch.Tensor,
    passes: int,
    seed: int = 0,
    snapshots: int = 0,
) -> Trained:
    """The players ``players()`` builds from ``torch.manual_seed(seed)``, trained for ``passes``
    passes over ``x_train: (n, 784)``, grey levels in [0, 1]: ``passes * n / 64`` steps of
    :func:`~vaecore.train_gan.train_gan` (Adam, learning rate 2e-4, beta1 0.5, as DCGAN). With
    ``snapshots > 0`` it records 12 samples that many times."""
    torch.manual_seed(seed)
    steps = round(passes * len(x_train) / GAN_BATCH)
    every = max(steps // snapshots, 1) if snapshots else 0
    config = GANConfig(
        steps=steps, batch_size=GAN_BATCH, seed=seed, snapshot_every=every, snapshot_size=12
    )
    return gan_model(name, *players(), x_train, config)


@dataclass
class SampleScores:
    """How ``n`` samples compare with real digits, in the judge's features and in pixels."""

    frechet: float
    precision: float
    recall: float
    rarest_class_percent: float
    class_kl: float
    greyness: float
    sharpness: float


def score_samples(
    samples: torch.Tensor, judge: SampleJudge, test_share: torch.Tensor, reference: torch.Tensor
) -> SampleScores:
    """The :class:`SampleScores` of ``samples: (n, 784)``: the judge's Fréchet distance,
    precision and recall; the share of the rarest digit the judge sees, in percent, and the KL of
    the digit shares to ``test_share: (10,)``; greyness; sharpness against ``reference: (m,
    784)`` real images."""
    share = class_shares(judge.predict(samples))
    precision, recall = judge.precision_recall(samples)
    return SampleScores(
        judge.score(samples),
        precision,
        recall,
        100 * float(share.min()),
        class_kl(share, test_share),
        greyness(samples),
        sharpness(samples, reference),
    )


#: What the models learn from, the GANs the grey levels and the VAEs binarised digits.
TRAINED_ON = ("grey levels", "binarised digits")


@dataclass
class Row(SampleScores):
    """One row of the comparison: a set of samples of one model, and what produced it.

    ``samples``: what was judged (``"G(z)"``, ``"decoder means"``, ``"draws from p(x | z)"``);
    ``trained_on``: the pixels the model learnt from; ``test_nll``: the model's bound in nats on
    binarised test digits, ``None`` for a GAN."""

    model: str = ""
    samples: str = ""
    trained_on: str = ""
    parameters: int = 0
    seconds: float = 0.0
    test_nll: float | None = None

    @property
    def label(self) -> str:
        """``"conv VAE, decoder means"``; a GAN's row is just its name."""
        return self.model if self.samples == "G(z)" else f"{self.model}, {self.samples}"


@torch.no_grad()
@checks.arguments(n=checks.COUNT, seed=checks.SEED)
def sample_sets(trained: Trained, n: int, seed: int = 3) -> dict[str, torch.Tensor]:
    """The samples a model is judged by, ``(n, 784)`` each, keyed by what they are: a GAN's
    ``"G(z)"``; a VAE's ``"decoder means"`` (codes drawn with seed ``seed``) and ``"draws from
    p(x | z)"`` (Bernoulli draws from those means, seed ``seed + 1``)."""
    trained.model.eval()
    means = trained.sample(n, torch.Generator().manual_seed(seed))
    if not is_latent_variable_model(trained.model):
        return {"G(z)": means}
    draws = torch.bernoulli(means, generator=torch.Generator().manual_seed(seed + 1))
    return {"decoder means": means, "draws from p(x | z)": draws}


@checks.arguments(k=checks.COUNT, n_samples=checks.COUNT, seed=checks.SEED)
def measure(
    trained: Trained,
    judge: SampleJudge,
    x_test_binary: torch.Tensor,
    test_share: torch.Tensor,
    reference: torch.Tensor,
    k: int,
    n_samples: int,
    seed: int = 3,
) -> list[Row]:
    """One :class:`Row` per set of :func:`sample_sets` (``n_samples`` samples, seed ``seed``):
    one for a GAN, two for a VAE.

    ``x_test_binary: (n, 784)``: binarised test digits for the VAE's ``-IWAE_k``;
    ``test_share: (10,)``: the test set's digit shares; ``reference: (m, 784)``: real grey
    digits, the reference of sharpness."""
    model, nll = trained.model, None
    if is_latent_variable_model(model):  # a GAN has no density to evaluate
        nll = estimate_nll(model, x_test_binary, k=k, progress=False)
    return [
        Row(
            **dataclasses.asdict(score_samples(x, judge, test_share, reference)),
            model=trained.name,
            samples=kind,
            trained_on=TRAINED_ON[nll is not None],
            parameters=trained.parameters,
            seconds=trained.seconds,
            test_nll=nll,
        )
        for kind, x in sample_sets(trained, n_samples, seed).items()
    ]
