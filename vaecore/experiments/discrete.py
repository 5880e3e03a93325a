"""Can a GAN generate discrete data, and can a VAE? The experiment of claim 1 in the chapter
"Questions readers ask", and of ``benchmarks/discrete.py``.

**The data** (:func:`coarse_digits`): MNIST digits shrunk to 4 x 4 pixels by averaging 7 x 7
blocks, each pixel cut into 3 grey levels (black, grey, white). A digit becomes one of
``3 ** 16`` states; the training set fills about a thousand of them, unevenly, so the distance
between distributions can be measured exactly from samples (:mod:`vaecore.metrics.discrete`).

**The models**, at one budget each (:data:`FULL`):

* GANs whose generator outputs a categorical distribution per pixel
  (:class:`~vaecore.models.discrete.CategoricalGenerator`), trained three ways
  (:data:`ESTIMATORS`, :func:`generator_loss_of`): through a plain ``sample`` (no gradient
  reaches the generator), through the straight-through **Gumbel-softmax** relaxation, and with
  the **score-function** estimator (REINFORCE);
* a VAE with a categorical decoder (:class:`~vaecore.models.discrete.CategoricalVAE`), trained on
  the same one-hot rows by :func:`vaecore.train.fit`.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import torch
import torch.nn.functional as F
from torch import Tensor
from torch.optim import Optimizer

from vaecore import checks
from vaecore.loop_parts import check_gradients
from vaecore.losses import (
    categorical_log_prob,
    discriminator_loss,
    generator_loss,
    gumbel_softmax,
)
from vaecore.metrics.discrete import total_variation
from vaecore.models.discrete import CategoricalGenerator, CategoricalVAE, draw_one_hot
from vaecore.models.gan import Discriminator, Generator
from vaecore.models.parts import count_parameters
from vaecore.settings import Budget
from vaecore.train import TrainConfig, fit
from vaecore.train_gan import GANConfig, train_gan

__all__ = [
    "PIXELS",
    "ESTIMATORS",
    "TAU",
    "MODELS",
    "GAN_BATCH",
    "FULL",
    "QUICK",
    "coarse_digits",
    "coarse_images",
    "mean_images",
    "one_hot_rows",
    "generator_loss_of",
    "Score",
    "DiscreteRun",
    "train_models",
    "real_floor",
    "gan_run",
    "vae_run",
    "check_one_hot",
]

#: The image side after shrinking, and the grey levels per pixel.
SIZE, LEVELS = 4, 3
PIXELS = SIZE * SIZE
#: How the generator's loss reaches its weights through a discrete sample.
ESTIMATORS = {
    "sample": "a categorical draw, as it is: no gradient reaches G",
    "Gumbel-softmax": "the straight-through Gumbel-softmax draw, eq. (GUMBEL)",
    "score function": "the score-function estimator with the batch's mean as baseline, "
    "eq. (SCORE-G)",
}
#: The Gumbel-softmax temperature.
TAU = 1.0
#: The models compared, the three GANs and then the VAE.
MODELS = (*(f"GAN, {name}" for name in ESTIMATORS), "VAE")

#: Rows per GAN step, for each player.
GAN_BATCH = 128

#: The chapter's sizes in its full setting (``benchmarks/questions.py`` repeats it over seeds):
#: the VAE's epochs, the GANs' steps, the samples each model is judged on, and how many times
#: training is measured along the way.
FULL = Budget(None, None, {"vae": 10}, {"gan_steps": 3000, "samples": 10_000, "curve_points": 10})
#: The chapter's sizes in quick mode.
QUICK = Budget(10_000, 2_000, {"vae": 3}, {"gan_steps": 400, "samples": 2_000, "curve_points": 4})


@checks.arguments(size=checks.COUNT, levels=checks.whole(2))
def coarse_digits(images: torch.Tensor, size: int = SIZE, levels: int = LEVELS) -> torch.Tensor:
    """``images: (n, 784)`` in [0, 1] -> ``(n, size * size)`` integers in ``0..levels - 1``:
    each pixel the mean of a ``28 / size`` square block, cut into ``levels`` equal bins."""
    if images.dim() != 2 or images.shape[1] != 784 or 28 % size:
        raise ValueError(f"need (n, 784) images and a size dividing 28, got {tuple(images.shape)}")
    means = F.avg_pool2d(images.reshape(-1, 1, 28, 28), 28 // size).flatten(1)
    return (means * levels).long().clamp(max=levels - 1)


@checks.arguments(levels=checks.whole(2))
def coarse_images(values: torch.Tensor, levels: int = LEVELS) -> torch.Tensor:
    """``(n, size * size)`` levels -> ``(n, 784)`` grey images to look at: each pixel a square
    block at its level's grey, ``value / (levels - 1)``."""
    return _blocks(values.float() / (levels - 1))


def mean_images(vae: CategoricalVAE, z: torch.Tensor) -> torch.Tensor:
    """``z: (n, k)`` -> ``(n, 784)``: each pixel's expected grey under ``p(x | z)``, the levels'
    greys ``0, 1 / (levels - 1), ..., 1`` weighted by their probabilities, drawn as blocks."""
    probs = vae.decode(z).unflatten(-1, (-1, vae.levels))
    return _blocks(probs @ torch.linspace(0, 1, vae.levels))


def _blocks(grey: torch.Tensor) -> torch.Tensor:
    """``(n, size * size)`` greys in [0, 1] -> ``(n, 784)``, each pixel a square block."""
    size = int(grey.shape[1] ** 0.5)
    return F.interpolate(grey.reshape(-1, 1, size, size), size=28, mode="nearest").flatten(1)


@checks.arguments(levels=checks.whole(2))
def one_hot_rows(values: torch.Tensor, levels: int = LEVELS) -> torch.Tensor:
    """``(n, pixels)`` integers -> float one-hot rows ``(n, pixels * levels)``."""
    return F.one_hot(values, levels).flatten(1).float()


@checks.arguments(n=checks.COUNT)
def generator_loss_of(
    estimator: str,
    generator: CategoricalGenerator,
    discriminator: Discriminator,
    n: int,
    rng: torch.Generator,
) -> torch.Tensor:
    """The generator's loss on ``n`` fresh samples, whose gradient reaches its weights (or not)
    the way ``estimator`` says (:data:`ESTIMATORS`)."""
    _check_estimator(estimator)
    logits = generator(generator.noise(n, rng))  # (n, pixels, levels)
    if estimator == "sample":
        x = draw_one_hot(logits, rng)  # (n, pixels * levels); a draw has no gradient
        return generator_loss(discriminator(x))  # -log D(x): its gradient stops at x
    if estimator == "Gumbel-softmax":
        x = gumbel_softmax(logits, TAU, hard=True, generator=rng).flatten(1)  # eq. (GUMBEL)
        return generator_loss(discriminator(x))  # one-hot forward, the relaxed gradient back
    # eq. (SCORE-G): grad E[f(x)] = E[(f(x) - b) grad log q(x | z)], f = log D(x); b, the
    # batch's mean of f, holds f(x) itself, which scales the expectation by 1 - 1/n
    x = draw_one_hot(logits, rng)
    reward = F.logsigmoid(discriminator(x)).detach()
    log_q = categorical_log_prob(logits.flatten(1), x, generator.levels)
    return -((reward - reward.mean()) * log_q).mean()


@dataclass
class Score:
    """One model's numbers: the total variation distance of its samples to the test digits, its
    trained parameters (for a GAN, both players), its training time, and for a GAN the mean norm
    of the gradient that reached its generator (None for the VAE)."""

    model: str
    tv: float
    parameters: int
    seconds: float
    generator_gradient: float | None = None


@dataclass
class DiscreteRun(Score):
    """One trained model: its :class:`Score`, its ``samples`` ``(m, pixels)`` as integers, and how
    training went (``curve``: ``(step or epoch, TV)`` pairs; ``grad_norms``: the generator's
    gradient norm at each step, for a GAN)."""

    samples: torch.Tensor = field(default_factory=lambda: torch.empty(0))
    curve: list[tuple[int, float]] = field(default_factory=list)
    grad_norms: list[float] = field(default_factory=list)
    network: torch.nn.Module | None = None  # the VAE, or the GAN's generator

    def score(self) -> Score:
        """The numbers alone, as the benchmark stores them."""
        gradient = sum(self.grad_norms) / len(self.grad_norms) if self.grad_norms else None
        return Score(self.model, self.tv, self.parameters, self.seconds, gradient)


@checks.arguments(seed=checks.SEED)
def train_models(
    x_train: torch.Tensor, x_test: torch.Tensor, budget: Budget, seed: int = 0
) -> list[DiscreteRun]:
    """Every model of :data:`MODELS`, in that order, on one-hot rows ``x_train`` and measured
    against ``x_test`` (:func:`gan_run`, :func:`vae_run`)."""
    gans = [gan_run(estimator, x_train, x_test, budget, seed) for estimator in ESTIMATORS]
    return [*gans, vae_run(x_train, x_test, budget, seed)]


@checks.arguments(m=checks.COUNT)
def real_floor(x_train: torch.Tensor, x_test: torch.Tensor, m: int) -> float:
    """The distance between ``m`` real training digits and the test digits: what a model whose
    ``m`` samples were real digits would score (:mod:`vaecore.metrics.discrete`)."""
    if len(x_train) < m:
        raise ValueError(f"the floor needs {m} training digits, as many as a model's samples")
    return total_variation(_values(x_train[:m]), _values(x_test))


@checks.arguments(seed=checks.SEED)
def gan_run(
    estimator: str, x_train: torch.Tensor, x_test: torch.Tensor, budget: Budget, seed: int = 0
) -> DiscreteRun:
    """A GAN on one-hot rows ``x_train: (n, pixels * levels)``, its generator trained through
    ``estimator``; ``budget.sizes["gan_steps"]`` alternating steps (Adam, learning rate 2e-4,
    beta1 0.5), measured against ``x_test`` now and then."""
    _check_estimator(estimator)
    check_one_hot(x_train, "x_train")
    check_one_hot(x_test, "x_test")
    steps, m = budget.sizes["gan_steps"], budget.sizes["samples"]
    every = max(steps // budget.sizes["curve_points"], 1)
    torch.manual_seed(seed)
    generator = CategoricalGenerator(16, x_train.shape[1] // LEVELS, LEVELS)
    discriminator = Discriminator(x_train.shape[1])
    test = _values(x_test)

    def draw_real(n: int, rng: torch.Generator) -> torch.Tensor:  # n rows, with replacement
        return x_train[torch.randint(len(x_train), (n,), generator=rng)]

    def step(
        _g: Generator,
        _d: Discriminator,
        opt_g: Optimizer,
        opt_d: Optimizer,
        real: Tensor,
        rng: torch.Generator,
    ) -> dict[str, float]:  # a round of this run's players
        fake = draw_one_hot(generator(generator.noise(len(real), rng)), rng)  # no gradient
        d_loss = discriminator_loss(discriminator(real), discriminator(fake))
        opt_d.zero_grad(set_to_none=True)
        d_loss.backward()
        check_gradients(discriminator, d_loss, "the discriminator")
        opt_d.step()
        g_loss = generator_loss_of(estimator, generator, discriminator, len(real), rng)
        opt_g.zero_grad(set_to_none=True)
        g_loss.backward()
        check_gradients(generator, g_loss, "the generator")
        norm = _gradient_norm(generator)
        opt_g.step()
        return {"d_loss": d_loss.item(), "g_loss": g_loss.item(), "grad_norm": norm}

    def distance(k: int) -> dict[str, float]:  # now and then, with noise of its own
        if k % every:
            return {}
        samples = generator.sample(m, torch.Generator().manual_seed(k))
        return {"tv": total_variation(_values(samples), test)}

    run = DiscreteRun(f"GAN, {estimator}", 0.0, 0, 0.0)
    run.curve.append((0, distance(0)["tv"]))
    config = GANConfig(steps=steps, batch_size=GAN_BATCH, seed=seed)  # Adam, 2e-4, beta1 0.5
    history = train_gan(generator, discriminator, draw_real, config, step=step, after_step=distance)
    run.curve += [(k, row["tv"]) for k, row in enumerate(history.steps, 1) if "tv" in row]
    run.grad_norms = [row["grad_norm"] for row in history.steps]
    run.seconds = history.seconds  # training alone, as fit counts it
    run.samples = _values(generator.sample(m, torch.Generator().manual_seed(seed + 3)))
    run.tv = total_variation(run.samples, test)
    run.parameters = count_parameters(generator, discriminator)
    run.network = generator
    return run


@checks.arguments(seed=checks.SEED)
def vae_run(
    x_train: torch.Tensor, x_test: torch.Tensor, budget: Budget, seed: int = 0
) -> DiscreteRun:
    """A :class:`~vaecore.models.discrete.CategoricalVAE` (8 latent dimensions) on one-hot rows
    ``x_train``, for ``budget.epochs["vae"]`` epochs of :func:`vaecore.train.fit`; samples are
    draws from ``p(x | z)``, ``z ~ N(0, I)``."""
    check_one_hot(x_train, "x_train")
    check_one_hot(x_test, "x_test")
    m = budget.sizes["samples"]
    torch.manual_seed(seed)
    vae = CategoricalVAE(8, x_train.shape[1] // LEVELS, LEVELS)
    test = _values(x_test)

    def measure(epoch: int) -> dict[str, float]:
        return {
            "tv": total_variation(
                _values(vae.sample(m, torch.Generator().manual_seed(epoch))), test
            )
        }

    history = fit(
        vae, x_train, TrainConfig(epochs=budget.epochs["vae"], seed=seed), after_epoch=measure
    )
    samples = _values(vae.sample(m, torch.Generator().manual_seed(seed + 3)))
    return DiscreteRun(
        "VAE",
        total_variation(samples, test),
        count_parameters(vae),
        sum(history.series("seconds")),
        samples=samples,
        curve=[(int(r["epoch"]), r["tv"]) for r in history.epochs],
        network=vae,
    )


def _check_estimator(estimator: str) -> None:
    if estimator not in ESTIMATORS:
        raise ValueError(f"unknown estimator {estimator!r}: choose one of {', '.join(ESTIMATORS)}")


def check_one_hot(rows: object, what: str) -> None:
    """Refuse anything but float one-hot rows ``(n, pixels * LEVELS)``, as :func:`one_hot_rows`
    makes them, with what to do."""
    if not isinstance(rows, torch.Tensor) or rows.dim() != 2 or rows.shape[1] % LEVELS:
        shape = tuple(rows.shape) if isinstance(rows, torch.Tensor) else type(rows).__name__
        raise ValueError(f"{what} must be one-hot rows (n, pixels * {LEVELS}), got {shape}")
    blocks = rows.unflatten(1, (-1, LEVELS))
    if (
        not rows.is_floating_point()
        or not ((blocks == 0) | (blocks == 1)).all()
        or not (blocks.sum(dim=-1) == 1).all()
    ):
        raise ValueError(
            f"{what} must hold one 1 per pixel's {LEVELS} entries: make it with "
            "one_hot_rows(coarse_digits(images))"
        )


def _values(rows: torch.Tensor) -> torch.Tensor:
    """One-hot rows ``(n, pixels * levels)`` -> the values ``(n, pixels)``."""
    return rows.unflatten(1, (-1, LEVELS)).argmax(dim=-1)


def _gradient_norm(module: torch.nn.Module) -> float:
    """The norm of all of ``module``'s gradients together; 0 where none reached it."""
    grads = [p.grad.norm() for p in module.parameters() if p.grad is not None]
    return float(torch.stack(grads).norm()) if grads else 0.0
