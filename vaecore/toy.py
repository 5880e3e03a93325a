"""The 2-D mixtures on which mode collapse is measured, and the mode metrics of VEEGAN and PacGAN.

The benchmarks (Srivastava et al., 2017; Lin et al., 2018): a **ring** of 8 Gaussians, radius 1,
standard deviation 0.01, and a **grid** of 25 Gaussians at ``{-4, -2, 0, 2, 4}^2``, standard
deviation 0.05, all modes equally likely.

The metrics, on (by convention) 2,500 generated samples:

- a sample is **high quality** if it lies within ``3 sigma`` of its nearest mode;
- a mode is **captured** if at least one high-quality sample has it as nearest mode;
- the **reverse KL** ``KL(q || p)`` between the histogram ``q`` of the samples' nearest modes
  (every sample counts) and the true, uniform ``p``: ``sum_k q_k log(q_k M)``, with
  ``0 log 0 = 0``. It is 0 for perfectly balanced modes and ``log M`` when every sample sits
  on one mode.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import torch

from vaecore.gan import Discriminator, GANConfig, GANHistory, Generator, train_gan
from vaecore.parallel import map_in_processes


def ring_modes(n_modes: int = 8, radius: float = 1.0) -> torch.Tensor:
    """``(n_modes, 2)`` points evenly spaced on a circle, at angles ``2 pi k / n_modes``.

    The angles exclude 2 pi: ``linspace(0, 2 pi, 8)`` would put the last mode on the first and
    leave 7 distinct modes, a common bug.
    """
    if n_modes < 1 or radius <= 0:
        raise ValueError(f"need n_modes >= 1 and radius > 0, got {n_modes} and {radius}")
    angles = 2 * math.pi * torch.arange(n_modes, dtype=torch.float32) / n_modes
    return radius * torch.stack([angles.cos(), angles.sin()], dim=1)


def grid_modes(values: tuple[float, ...] = (-4.0, -2.0, 0.0, 2.0, 4.0)) -> torch.Tensor:
    """``(len(values) ** 2, 2)`` points of the grid ``values x values``, row by row."""
    v = torch.tensor(values, dtype=torch.float32)
    return torch.cartesian_prod(v, v)


@dataclass(frozen=True)
class Mixture:
    """An equal-weight mixture of isotropic Gaussians: ``modes: (M, d)``, one ``sigma``."""

    modes: torch.Tensor
    sigma: float

    def __post_init__(self) -> None:
        if self.modes.dim() != 2 or len(self.modes) == 0:
            raise ValueError(f"modes must have shape (M, d) with M >= 1, got {tuple(self.modes.shape)}")
        if not (math.isfinite(self.sigma) and self.sigma > 0):
            raise ValueError(f"sigma must be positive, got {self.sigma}")

    def sample(self, n: int, generator: torch.Generator | None = None) -> torch.Tensor:
        """``(n, d)`` draws: a uniformly chosen mode plus ``sigma`` times standard normal noise."""
        k = torch.randint(len(self.modes), (n,), generator=generator)
        return self.modes[k] + self.sigma * torch.randn(n, self.modes.shape[1], generator=generator)

    def log_density(self, x: torch.Tensor) -> torch.Tensor:
        """``log p(x)`` for ``x: (n, d)`` -> ``(n,)``."""
        d = self.modes.shape[1]
        sq = torch.cdist(x, self.modes).pow(2)
        log_k = -sq / (2 * self.sigma ** 2) - d * math.log(self.sigma * math.sqrt(2 * math.pi))
        return torch.logsumexp(log_k, dim=1) - math.log(len(self.modes))


def ring() -> Mixture:
    """The ring benchmark: 8 modes on the unit circle, sigma 0.01."""
    return Mixture(ring_modes(), 0.01)


def grid() -> Mixture:
    """The grid benchmark: 25 modes at ``{-4, -2, 0, 2, 4}^2``, sigma 0.05."""
    return Mixture(grid_modes(), 0.05)


@dataclass(frozen=True)
class ModeReport:
    """What :func:`mode_metrics` measured: modes captured (of ``n_modes``), the share of
    high-quality samples, the reverse KL in nats, and how many samples fell nearest each mode."""

    captured: int
    n_modes: int
    high_quality: float
    reverse_kl: float
    counts: torch.Tensor


def mode_metrics(samples: torch.Tensor, mixture: Mixture) -> ModeReport:
    """VEEGAN's and PacGAN's numbers for ``samples: (n, d)`` against ``mixture`` (module docstring)."""
    samples = torch.as_tensor(samples, dtype=torch.float32)
    d = mixture.modes.shape[1]
    if samples.dim() != 2 or samples.shape[1] != d:
        raise ValueError(f"samples must have shape (n, {d}), got {tuple(samples.shape)}")
    if len(samples) == 0:
        raise ValueError("no samples to measure")
    if not torch.isfinite(samples).all():
        raise ValueError("samples contain NaN or infinite values")
    distance, nearest = torch.cdist(samples, mixture.modes).min(dim=1)
    good = distance <= 3 * mixture.sigma
    m = len(mixture.modes)
    counts = torch.bincount(nearest, minlength=m)
    q = counts.double() / len(samples)
    reverse_kl = float(torch.where(q > 0, q * torch.log(q * m), torch.zeros_like(q)).sum())
    return ModeReport(captured=int(torch.unique(nearest[good]).numel()), n_modes=m,
                      high_quality=float(good.double().mean()), reverse_kl=reverse_kl,
                      counts=counts)


# --- GANs on the benchmarks ---------------------------------------------------------------------

BENCHMARKS = {"ring": ring, "grid": grid}


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

    benchmark: str                 # "ring" or "grid"
    seed: int = 0
    generator: str = "plain"       # "plain" or "batchnorm" (GENERATORS)
    pack: int = 1                  # PacGAN's packing; 1 is the plain GAN
    steps: int = 6000
    hidden: tuple[int, ...] = (128, 128, 128)
    batch_size: int = 256
    lr: float = 1e-3               # both players, cosine-annealed to 0
    snapshot_every: int = 0
    n_eval: int = 2500             # samples the metrics are measured on

    def __post_init__(self) -> None:
        if self.generator not in GENERATORS:
            raise ValueError(f"unknown generator {self.generator!r}; choose one of {sorted(GENERATORS)}")
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
    samples with :func:`mode_metrics`. Returns the report and the training history."""
    if run.benchmark not in BENCHMARKS:
        raise ValueError(f"unknown benchmark {run.benchmark!r}; choose one of {sorted(BENCHMARKS)}")
    mixture = BENCHMARKS[run.benchmark]()
    torch.manual_seed(run.seed)
    g, d = toy_players(run)
    config = GANConfig(steps=run.steps, batch_size=run.batch_size, lr_g=run.lr, lr_d=run.lr,
                       cosine_decay=True, seed=run.seed, snapshot_every=run.snapshot_every,
                       snapshot_size=run.n_eval, device="cpu", progress=False)
    history = train_gan(g, d, mixture.sample, config)
    samples = g.sample(run.n_eval, torch.Generator().manual_seed(10_000 + run.seed))
    return mode_metrics(samples, mixture), history


def run_toy_gans(runs: list[ToyRun], workers: int = 2) -> list[tuple[ModeReport, GANHistory]]:
    """:func:`run_toy_gan` for each run, ``workers`` at a time in separate processes
    (:func:`vaecore.parallel.map_in_processes`)."""
    return map_in_processes(run_toy_gan, runs, workers, desc="toy GANs")
