"""GANs on the 2-D mixtures, one run per configuration and seed: the runs of the GAN chapter's
mode-collapse experiments and of ``benchmarks/gan_modes.py``, measured with
:mod:`vaecore.metrics.modes`; and the Dirac GAN of Mescheder et al. (2018), the smallest game
whose training can circle its equilibrium forever (:func:`dirac_gan`)."""

from __future__ import annotations

from dataclasses import dataclass

import torch

from vaecore import checks
from vaecore.data.mixtures import BENCHMARKS
from vaecore.experiments.parallel import map_in_processes
from vaecore.losses import discriminator_loss, generator_loss, r1_penalty
from vaecore.metrics.modes import ModeReport, mode_metrics
from vaecore.models.gan import Discriminator, Generator
from vaecore.models.mistakes import SigmoidOutputDiscriminator
from vaecore.train_gan import GAN_LOSSES, GANConfig, GANHistory, train_gan

__all__ = [
    "GENERATORS",
    "DISCRIMINATORS",
    "R1_GAMMA",
    "TOY_MODELS",
    "ToyRun",
    "recipe",
    "toy_players",
    "run_toy_gan",
    "run_toy_gans",
    "dirac_gan",
]

#: The generators a :class:`ToyRun` can train, by name, and what each is.
GENERATORS = {
    "plain": "plain generator: hidden layers Linear, ReLU",
    "batchnorm": "batch-normalised generator: hidden layers Linear, BatchNorm, LeakyReLU(0.2)",
}

#: The discriminators a :class:`ToyRun` can train, by name, and what each is.
DISCRIMINATORS = {
    "plain": "plain discriminator: a raw output (a logit, or LSGAN's score)",
    "sigmoid output": "a discriminator whose output passes through a sigmoid (the mistake of "
    "vaecore.models.mistakes.SigmoidOutputDiscriminator)",
}

#: The R1 penalty's weight in the GAN chapter and ``benchmarks/gan_modes.py``.
R1_GAMMA = 1.0

#: The 2-D models of the GAN chapter in its full setting, each by its name and what it changes
#: from ``ToyRun(benchmark)``, the plain GAN. The R1 runs are twice as long, so ``plain-12k``
#: trains the same players as long without the penalty: what R1 buys is R1 against it.
TOY_MODELS: dict[str, dict[str, object]] = {
    "plain": {},
    "plain-12k": {"steps": 12_000},
    "batchnorm": {"generator": "batchnorm"},
    "r1": {"r1_gamma": R1_GAMMA, "steps": 12_000},
    "least-squares": {"loss": "least squares"},
    "least-squares-on-sigmoid": {"loss": "least squares", "discriminator": "sigmoid output"},
}


@dataclass(frozen=True)
class ToyRun:
    """One GAN trained on a benchmark: the settings, all of them (see :func:`run_toy_gan`).

    ``generator`` names the generator's kind (:data:`GENERATORS`): ``"plain"``, the default, or
    ``"batchnorm"``; ``pack`` is PacGAN's packing of the discriminator, 1 for a plain GAN;
    ``r1_gamma > 0`` adds the R1 gradient penalty to the discriminator's loss; ``loss`` is the
    game's loss (``"logistic"`` or ``"least squares"``, LSGAN), and ``discriminator`` its kind
    (:data:`DISCRIMINATORS`). So ``ToyRun("grid")`` is the plain GAN, and every other model
    says what it changes.
    """

    benchmark: str  # "ring" or "grid"
    seed: int = 0
    generator: str = "plain"  # "plain" or "batchnorm" (GENERATORS)
    pack: int = 1  # PacGAN's packing; 1 is the plain GAN
    r1_gamma: float = 0.0  # the R1 penalty's weight; 0 is the plain GAN
    loss: str = "logistic"  # or "least squares" (LSGAN)
    discriminator: str = "plain"  # or "sigmoid output" (DISCRIMINATORS)
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
        if self.discriminator not in DISCRIMINATORS:
            raise ValueError(
                f"unknown discriminator {self.discriminator!r}; choose one of "
                f"{sorted(DISCRIMINATORS)}"
            )
        if self.loss not in GAN_LOSSES:
            raise ValueError(f"unknown loss {self.loss!r}; choose one of {list(GAN_LOSSES)}")
        checks.fields(
            self, **dict.fromkeys(("pack", "steps", "batch_size", "n_eval"), checks.COUNT)
        )
        checks.fields(self, seed=checks.SEED, r1_gamma=checks.AT_LEAST_ZERO, lr=checks.POSITIVE)
        checks.fields(self, snapshot_every=checks.whole(0), hidden=checks.WIDTHS)

    @property
    def label(self) -> str:
        """The model in words, e.g. ``"GAN, plain G"``, ``"PacGAN4, batch-normalised G"``,
        ``"GAN + R1 (gamma 0.1), plain G, 12,000 steps"`` or ``"LSGAN, sigmoid on D, plain G"``
        (the steps are named when they are not the default's)."""
        model = "GAN" if self.pack == 1 else f"PacGAN{self.pack}"
        if self.loss == "least squares":
            model = "LS" + model
        if self.discriminator == "sigmoid output":
            model += ", sigmoid on D"
        if self.r1_gamma:
            model += f" + R1 (gamma {self.r1_gamma:g})"
        model += f", {'plain' if self.generator == 'plain' else 'batch-normalised'} G"
        return model if self.steps == ToyRun.steps else f"{model}, {self.steps:,} steps"


def recipe(model: str, benchmark: str = "ring", **changes: object) -> ToyRun:
    """The run of :data:`TOY_MODELS` ``[model]`` on ``benchmark``, with ``changes`` (a seed,
    steps, snapshots); its ``label`` names the model."""
    if model not in TOY_MODELS:
        raise ValueError(f"unknown model {model!r}; choose one of {sorted(TOY_MODELS)}")
    return ToyRun(benchmark, **{**TOY_MODELS[model], **changes})  # type: ignore[arg-type]


def toy_players(run: ToyRun) -> tuple[Generator, Discriminator]:
    """The two players of ``run``: ``G: z (n, 2) -> (n, 2)`` of the kind ``run.generator`` and
    ``D`` judging packs of ``run.pack`` points, both with hidden layers ``run.hidden``. Call
    ``torch.manual_seed`` first for reproducible weights."""
    g = Generator(2, 2, hidden=run.hidden, batchnorm=run.generator == "batchnorm")
    kind = SigmoidOutputDiscriminator if run.discriminator == "sigmoid output" else Discriminator
    return g, kind(2, hidden=run.hidden, pack=run.pack)


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
        r1_gamma=run.r1_gamma,
        loss=run.loss,
        seed=run.seed,
        snapshot_every=run.snapshot_every,
        snapshot_size=run.n_eval,
        device="cpu",
        progress=False,
    )
    history = train_gan(g, d, mixture.sample, config)
    samples = g.sample(run.n_eval, torch.Generator().manual_seed(10_000 + run.seed))
    return mode_metrics(samples, mixture), history


@checks.arguments(workers=checks.COUNT)
def run_toy_gans(runs: list[ToyRun], workers: int = 2) -> list[tuple[ModeReport, GANHistory]]:
    """:func:`run_toy_gan` for each run, ``workers`` at a time in separate processes
    (:func:`vaecore.experiments.parallel.map_in_processes`)."""
    return map_in_processes(run_toy_gan, runs, workers, desc="toy GANs")


@checks.arguments(r1_gamma=checks.AT_LEAST_ZERO, steps=checks.COUNT, lr=checks.POSITIVE)
def dirac_gan(
    r1_gamma: float = 0.0, steps: int = 300, lr: float = 0.2, start: tuple[float, float] = (1, 1)
) -> torch.Tensor:
    """The Dirac GAN (Mescheder et al., 2018): the data all at 0, a generator whose every sample is
    ``theta``, a discriminator with logit ``a(x) = psi * x``; the equilibrium is ``theta = psi =
    0``. Alternating gradient steps of size ``lr`` on :func:`~vaecore.losses.discriminator_loss`
    (plus the R1 penalty when ``r1_gamma > 0``, here ``r1_gamma psi^2 / 2``) and the
    non-saturating :func:`~vaecore.losses.generator_loss`, from ``(theta, psi) = start``.
    Returns the path ``(steps + 1, 2)`` of ``(theta, psi)``."""
    theta = torch.tensor([float(start[0])], requires_grad=True)
    psi = torch.tensor([float(start[1])], requires_grad=True)
    path = [(theta.item(), psi.item())]
    for _ in range(steps):
        real = torch.zeros(1, 1, requires_grad=True)  # a batch of one data point, at 0
        real_logits = psi * real[:, 0]
        d_loss = discriminator_loss(real_logits, psi * theta.detach())
        if r1_gamma > 0:
            d_loss = d_loss + r1_penalty(real_logits, real, r1_gamma)
        (grad_psi,) = torch.autograd.grad(d_loss, psi)
        with torch.no_grad():
            psi -= lr * grad_psi
        (grad_theta,) = torch.autograd.grad(generator_loss(psi.detach() * theta), theta)
        with torch.no_grad():
            theta -= lr * grad_theta
        path.append((theta.item(), psi.item()))
    return torch.tensor(path)
