"""GANs against VAEs on MNIST at one training budget: the recipes and measurements of the chapter
"GANs on images".

Four models (:data:`MODELS`), each trained for the same number of passes over the same training
images (:func:`train_model`):

* ``MLP GAN``: :func:`~vaecore.models.gan.mnist_players`, the common MLP players for MNIST;
* ``conv GAN``: :class:`~vaecore.models.gan.ConvGenerator` and
  :class:`~vaecore.models.gan.ConvDiscriminator`, DCGAN's players sized for a CPU;
* ``MLP VAE``: ``VAE(32)``, the VAE of the VAE chapters;
* ``conv VAE``: ``ConvVAE(32)``, a VAE with convolutional networks of the DCGAN players' shape.

They do not learn from the same pixels: the GANs train on the grey levels, the VAEs on the same
images dynamically binarised, since their Bernoulli decoders model black-and-white pixels. So
each VAE is judged twice (:func:`measure`): by its **decoder means** (grey pixel probabilities,
what a VAE's "samples" usually are) and by its **draws** from ``p(x | z)`` (black and white, what
its likelihood models). Every set of samples is scored on the book's scale
(:func:`vaecore.experiments.side_by_side.score_samples`), and the VAEs also get a test NLL bound,
``-IWAE_k`` on binarised test digits. A GAN has no density to evaluate.

Which samples are closest to the data is decided over several seeds, by the book's rule
(:mod:`vaecore.book.findings.gan_images`).
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Callable

import torch

from vaecore import checks
from vaecore.experiments import vaegan
from vaecore.experiments.side_by_side import (
    SampleScores,
    Trained,
    encoder_model,
    gan_model,
    score_samples,
)
from vaecore.losses import is_latent_variable_model
from vaecore.metrics.judge import SampleJudge
from vaecore.metrics.likelihood import estimate_nll
from vaecore.models.gan import (
    ConvDiscriminator,
    ConvGenerator,
    Discriminator,
    Generator,
    mnist_players,
)
from vaecore.models.vae import VAE, ConvVAE
from vaecore.settings import Budget
from vaecore.train_gan import GANConfig

__all__ = [
    "GANS",
    "PLAYERS",
    "VAES",
    "MODELS",
    "TRAINED_ON",
    "GAN_BATCH",
    "FULL",
    "QUICK",
    "train_model",
    "train_models",
    "Row",
    "sample_sets",
    "measure",
]

#: The players of each GAN, built from torch's current random state.
GANS: dict[str, Callable[[], tuple[Generator, Discriminator]]] = {
    "MLP GAN": mnist_players,
    "conv GAN": lambda: (ConvGenerator(64), ConvDiscriminator()),
}
#: Every set of players :func:`train_model` can train, the GANs and Larsen et al.'s VAE-GAN
#: (its decoder is a generator). The VAE-GAN is for the chapter "Questions readers ask" and is
#: not in :data:`MODELS`, this chapter's table.
PLAYERS: dict[str, Callable[[], tuple[Generator, Discriminator]]] = {
    **GANS,
    "VAE-GAN": vaegan.players,
}
#: The network of each VAE, ``K = 32``.
VAES: dict[str, Callable[[], VAE]] = {"MLP VAE": lambda: VAE(32), "conv VAE": lambda: ConvVAE(32)}
#: The models compared, in the order of the chapter's table.
MODELS = (*GANS, *VAES)
#: What the models learn from, the GANs the grey levels and the VAEs binarised digits.
TRAINED_ON = ("grey levels", "binarised digits")
#: Images per GAN step, for each player.
GAN_BATCH = 64

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
    """One of :data:`MODELS` (or the VAE-GAN), trained for ``passes`` passes over ``x_train:
    (n, 784)``, grey levels in [0, 1], from ``torch.manual_seed(seed)``.

    A GAN (and the VAE-GAN) takes ``passes * n / 64`` steps of
    :func:`~vaecore.train_gan.train_gan` on the grey levels (Adam, learning rate 2e-4, beta1
    0.5, as DCGAN); with ``snapshots > 0`` it records 12 samples that many times. A VAE takes
    ``passes`` epochs of :func:`~vaecore.train.fit` on the images dynamically binarised."""
    _check_choice(name)
    torch.manual_seed(seed)
    if name in VAES:
        return encoder_model(name, VAES[name](), x_train, passes, seed)
    steps = round(passes * len(x_train) / GAN_BATCH)
    every = max(steps // snapshots, 1) if snapshots else 0
    config = GANConfig(
        steps=steps, batch_size=GAN_BATCH, seed=seed, snapshot_every=every, snapshot_size=12
    )
    return gan_model(name, *PLAYERS[name](), x_train, config)


def _check_choice(name: str) -> None:
    if name not in (*PLAYERS, *VAES):
        raise ValueError(f"unknown model {name!r}: choose one of {', '.join([*PLAYERS, *VAES])}")


@checks.arguments(seed=checks.SEED)
def train_models(x_train: torch.Tensor, budget: Budget, seed: int = 0) -> dict[str, Trained]:
    """Every model of :data:`MODELS`, each trained by :func:`train_model` for
    ``budget.epochs["passes"]`` passes."""
    return {name: train_model(name, x_train, budget.epochs["passes"], seed) for name in MODELS}


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
