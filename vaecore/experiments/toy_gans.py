"""GANs on the 2-D mixtures, one run per configuration and seed: the runs of the GAN chapter's
mode-collapse experiments and of ``benchmarks/gan_modes.py``, measured with
:mod:`vaecore.metrics.modes`."""

from __future__ import annotations

from dataclasses import dataclass

import torch

from vaecore.data.mixtures import BENCHMARKS
from vaecore.experiments.parallel import map_in_processes
from vaecore.metrics.modes import ModeReport, mode_metrics
from vaecore.models.gan import Discriminator, Generator
from vaecore.train_gan import GANConfig, GANHistory, train_gan

#: The generators a :class:`ToyRun` can train, by name, and what each is.
GENERATORS = {
    "plain": "plain generator: hidden layers Linear, ReLU",
    "batchnorm": "batch-normalised generator: hidden layers Linear, BatchNorm, LeakyReLU(0.2)",
}


@dataclass(frozen=True)
class ToyRun:
    """One GAN trained on a benchmark: the settings, all of them (see :func:`run_toy_gan`).

    ``generator`` names the generator's kind (:data:`GENERATORS`): ``"plain"``, the default, or
    ``"batchnorm"``; ``pack`` is PacGAN's packing of the discriminator, 1 for a plain GAN. So
    ``ToyRun("grid")`` is the plain GAN, and every other model says what it changes.
    """

    benchmark: str  # "ring" or "grid"
    seed: int = 0
    generator: str = "plain"  # "plain" or "batchnorm" (GENERATORS)
    pack: int = 1  # PacGAN's packing; 1 is the plain GAN
    steps: int = 6000
    hidden: tuple[int, ...] = (128, 128, 128)
    batch_size: int = 256
    lr: float = 1e-3  # both players, cosine-annealed to 0
    snapshot_every: int = 0
    n_eval: int = 2500  # samples the metrics are measured on

    def __post_init__(self) -> None:
        if self.generator not in GENERATORS:
            raise ValueError(
                f"unknown generator {self.generator!r}; choose one of {sorted(GENERATORS)}"
            )
        if self.pack < 1:
            raise ValueError(f"pack must be at least 1, got {self.pack}")

    @property
    def label(self) -> str:
        """The model in words, e.g. ``"GAN, plain G"`` or ``"PacGAN4, batch-normalised G"``."""
        model = "GAN" if self.pack == 1 else f"PacGAN{self.pack}"
        return f"{model}, {'plain' if self.generator == 'plain' else 'batch-normalised'} G"


def toy_players(run: ToyRun) -> tuple[Generator, Discriminator]:
    """The two players of ``run``: ``G: z (n, 2) -> (n, 2)`` of the kind ``run.generator`` and
    ``D`` judging packs of ``run.pack`` points, both with hidden layers ``run.hidden``. Call
    ``torch.manual_seed`` first for reproducible weights."""
    g = Generator(2, 2, hidden=run.hidden, batchnorm=run.generator == "batchnorm")
    d = Discriminator(2, hidden=run.hidden, pack=run.pack)
    return g, d


def run_toy_gan(run: ToyRun) -> tuple[ModeReport, GANHistory]:
    """Train a GAN with noise ``z ~ N(0, I_2)`` on ``run.benchmark``; measure ``run.n_eval`` fresh
    samples with :func:`vaecore.metrics.modes.mode_metrics`. Returns the report and the training
    history."""
    if run.benchmark not in BENCHMARKS:
        raise ValueError(f"unknown benchmark {run.benchmark!r}; choose one of {sorted(BENCHMARKS)}")
    mixture = BENCHMARKS[run.benchmark]()
    torch.manual_seed(run.seed)
    g, d = toy_players(run)
    config = GANConfig(
        steps=run.steps,
        batch_size=run.batch_size,
        lr_g=run.lr,
        lr_d=run.lr,
        cosine_decay=True,
        seed=run.seed,
        snapshot_every=run.snapshot_every,
        snapshot_size=run.n_eval,
        device="cpu",
        progress=False,
    )
    history = train_gan(g, d, mixture.sample, config)
    samples = g.sample(run.n_eval, torch.Generator().manual_seed(10_000 + run.seed))
    return mode_metrics(samples, mixture), history


def run_toy_gans(runs: list[ToyRun], workers: int = 2) -> list[tuple[ModeReport, GANHistory]]:
    """:func:`run_toy_gan` for each run, ``workers`` at a time in separate processes
    (:func:`vaecore.experiments.parallel.map_in_processes`)."""
    return map_in_processes(run_toy_gan, runs, workers, desc="toy GANs")
