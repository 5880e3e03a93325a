"""Generative adversarial networks (Goodfellow et al., 2014): the two players, their losses, the
optimal discriminator, and one plain alternating training loop.

The game. A generator ``G`` maps noise ``z ~ N(0, I)`` to data; a discriminator ``D`` says how
likely an input is to be real. With ``D(x) = sigmoid(a(x))`` (``a`` a logit),

    V(D, G) = E_data[log D(x)] + E_z[log(1 - D(G(z)))],   D maximises it, G minimises it.

In logits, using ``log sigmoid(a) = -softplus(-a)`` and ``log(1 - sigmoid(a)) = -softplus(a)``:

- discriminator loss ``-V = softplus(-a_real) + softplus(a_fake)``;
- **saturating** generator loss (the minimax game itself) ``log(1 - D(G(z))) = -softplus(a_fake)``,
  whose gradient in ``a``, ``-sigmoid(a)``, vanishes when D confidently rejects the fakes;
- **non-saturating** generator loss ``-log D(G(z)) = softplus(-a_fake)``, gradient
  ``-(1 - sigmoid(a))``, close to -1 in the same situation.

For a fixed G the best D is ``D*(x) = p_data(x) / (p_data(x) + p_g(x))``, and then
``V(D*, G) = -log 4 + 2 JS(p_data || p_g)``.

**PacGAN** (Lin et al., 2018): the discriminator judges ``pack`` samples at once, all real or all
fake, concatenated into one input. A generator that puts everything on a few modes makes packs
that look unlike real packs, so D can punish mode collapse; ``pack=1`` is the plain GAN.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass, field
from typing import Callable, Iterator

import torch
import torch.nn.functional as F
from torch import nn
from tqdm.auto import tqdm

from vaecore import settings
from vaecore.models.mlp import mlp
from vaecore.data import batch_indices
from vaecore.train import TrainingDiverged, choose_device, cosine_factor, seed_everything

# --- the players -------------------------------------------------------------------------------


class Generator(nn.Module):
    """``G: z (n, noise_dim) -> x (n, data_dim)``, an MLP with ReLU; ``output="sigmoid"`` for
    images in [0, 1], ``"linear"`` for points in the plane. With ``batchnorm`` each hidden layer
    is Linear, BatchNorm, LeakyReLU(0.2) instead (as in the common MNIST MLP-GAN recipe)."""

    def __init__(self, noise_dim: int, data_dim: int, hidden: tuple[int, ...] = (128, 128),
                 output: str = "linear", batchnorm: bool = False) -> None:
        super().__init__()
        if noise_dim < 1 or data_dim < 1:
            raise ValueError(f"need noise_dim >= 1 and data_dim >= 1, got {noise_dim} and {data_dim}")
        if output not in ("linear", "sigmoid"):
            raise ValueError(f"output must be 'linear' or 'sigmoid', got {output!r}")
        self.noise_dim, self.data_dim, self.output = noise_dim, data_dim, output
        if batchnorm:
            sizes = [noise_dim, *hidden]
            layers: list[nn.Module] = []
            for a, b in zip(sizes[:-1], sizes[1:]):
                layers += [nn.Linear(a, b), nn.BatchNorm1d(b), nn.LeakyReLU(0.2)]
            self.net = nn.Sequential(*layers, nn.Linear(sizes[-1], data_dim))
        else:
            self.net = mlp([noise_dim, *hidden, data_dim])

    def forward(self, z: torch.Tensor) -> torch.Tensor:
        if z.dim() != 2 or z.shape[1] != self.noise_dim:
            raise ValueError(f"z must have shape (n, {self.noise_dim}), got {tuple(z.shape)}")
        x = self.net(z)
        return torch.sigmoid(x) if self.output == "sigmoid" else x

    def noise(self, n: int, generator: torch.Generator | None = None) -> torch.Tensor:
        """``(n, noise_dim)`` draws from ``N(0, I)``, on the generator's device."""
        device = next(self.parameters()).device
        return torch.randn(n, self.noise_dim, generator=generator).to(device)

    @torch.no_grad()
    def sample(self, n: int, generator: torch.Generator | None = None) -> torch.Tensor:
        """``(n, data_dim)`` samples ``G(z)``, ``z ~ N(0, I)``, on the CPU."""
        return self(self.noise(n, generator)).cpu()


class Discriminator(nn.Module):
    """``D: x (n, data_dim) -> logits (n // pack,)``, an MLP with LeakyReLU(0.2).

    With ``pack > 1`` (PacGAN) consecutive groups of ``pack`` rows are concatenated and judged
    together, so ``n`` must be a multiple of ``pack``.
    """

    def __init__(self, data_dim: int, hidden: tuple[int, ...] = (128, 128), pack: int = 1,
                 spectral_norm: bool = False) -> None:
        super().__init__()
        if data_dim < 1 or pack < 1:
            raise ValueError(f"need data_dim >= 1 and pack >= 1, got {data_dim} and {pack}")
        self.data_dim, self.pack = data_dim, pack
        self.net = mlp([pack * data_dim, *hidden, 1], activation=lambda: nn.LeakyReLU(0.2))
        if spectral_norm:  # Miyato et al. (2018): every layer 1-Lipschitz, so D is too
            for layer in self.net:
                if isinstance(layer, nn.Linear):
                    nn.utils.parametrizations.spectral_norm(layer)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if x.dim() != 2 or x.shape[1] != self.data_dim:
            raise ValueError(f"x must have shape (n, {self.data_dim}), got {tuple(x.shape)}")
        if len(x) % self.pack:
            raise ValueError(f"{len(x)} samples cannot be split into packs of {self.pack}")
        return self.net(x.reshape(len(x) // self.pack, self.pack * self.data_dim)).squeeze(1)


def mnist_players() -> tuple[Generator, Discriminator]:
    """The GAN chapter's MNIST players: a batch-normalised generator 64-256-512-1024-784 with a
    sigmoid output (noise ``(n, 64)`` -> images ``(n, 784)`` in [0, 1]) and a discriminator
    784-512-256-1. Call ``torch.manual_seed`` first for reproducible weights."""
    return (Generator(64, 784, hidden=(256, 512, 1024), output="sigmoid", batchnorm=True),
            Discriminator(784, hidden=(512, 256)))


# --- the losses and the optimum ----------------------------------------------------------------


def discriminator_loss(real_logits: torch.Tensor, fake_logits: torch.Tensor) -> torch.Tensor:
    """``-V`` estimated on a batch: ``mean softplus(-a_real) + mean softplus(a_fake)``."""
    return F.softplus(-real_logits).mean() + F.softplus(fake_logits).mean()


def generator_loss(fake_logits: torch.Tensor, saturating: bool = False) -> torch.Tensor:
    """Non-saturating ``mean softplus(-a)`` = ``-log D(G(z))``, or saturating
    ``mean -softplus(a)`` = ``log(1 - D(G(z)))`` (module docstring)."""
    return (-F.softplus(fake_logits) if saturating else F.softplus(-fake_logits)).mean()


def optimal_discriminator(log_p_data: torch.Tensor, log_p_g: torch.Tensor) -> torch.Tensor:
    """``D*(x) = p_data / (p_data + p_g) = sigmoid(log p_data - log p_g)``, elementwise."""
    return torch.sigmoid(log_p_data - log_p_g)


def js_divergence(log_p: torch.Tensor, log_q: torch.Tensor, dx: float) -> float:
    """Jensen-Shannon divergence of two densities on a uniform 1-D grid of spacing ``dx``, in nats:
    ``JS = 1/2 KL(p || m) + 1/2 KL(q || m)``, ``m = (p + q) / 2`` (Riemann sum)."""
    if log_p.shape != log_q.shape or log_p.dim() != 1:
        raise ValueError(f"need two 1-D grids of one length, got {tuple(log_p.shape)} and {tuple(log_q.shape)}")
    log_m = torch.logaddexp(log_p, log_q) - math.log(2)
    p, q = log_p.exp(), log_q.exp()
    kl_pm = (p * (log_p - log_m)).sum() * dx
    kl_qm = (q * (log_q - log_m)).sum() * dx
    return float(0.5 * (kl_pm + kl_qm))


# --- training ----------------------------------------------------------------------------------

Sampler = Callable[[int, torch.Generator], torch.Tensor]


@dataclass
class GANConfig:
    """Everything :func:`train_gan` needs besides the players and the data."""

    steps: int = 2000
    batch_size: int = 128          # samples per player per step; a multiple of D's pack
    lr_g: float = 2e-4
    lr_d: float = 2e-4
    betas: tuple[float, float] = (0.5, 0.999)  # Adam, as in DCGAN (Radford et al., 2016)
    cosine_decay: bool = False     # anneal both learning rates to 0 over the run
    saturating: bool = False       # True: the minimax generator loss
    seed: int = 0
    snapshot_every: int = 0        # > 0: record G on fixed noise every so many steps
    snapshot_size: int = 500
    device: str | None = None
    progress: bool | None = None   # None: settings.show_progress()


@dataclass
class GANHistory:
    """``steps``: one dict per step (``d_loss``, ``g_loss``, ``d_real`` and ``d_fake``, the mean
    of D on the real and the fake batch); ``snapshots``: ``(step, samples)`` pairs, G (in
    evaluation mode) on one fixed noise batch, step 0 being before training; ``seconds`` of
    training."""

    steps: list[dict[str, float]] = field(default_factory=list)
    snapshots: list[tuple[int, torch.Tensor]] = field(default_factory=list)
    seconds: float = 0.0
    interrupted: bool = False


def _real_batches(real: torch.Tensor | Sampler, batch_size: int,
                  generator: torch.Generator) -> Callable[[], torch.Tensor]:
    """A function returning the next real batch: from a sampler, or from a data tensor in
    reshuffled passes (the last partial batch of each pass is dropped, so packs stay whole)."""
    if callable(real):
        return lambda: real(batch_size, generator)
    if real.dim() != 2 or len(real) < batch_size:
        raise ValueError(f"real data must have shape (n, d) with n >= batch_size ({batch_size}), "
                         f"got {tuple(real.shape)}")

    def passes() -> Iterator[torch.Tensor]:
        while True:
            for idx in batch_indices(len(real), batch_size, generator=generator):
                if len(idx) == batch_size:  # drop the short last batch
                    yield real[idx]

    batches = passes()
    return lambda: next(batches)


def train_gan(generator: Generator, discriminator: Discriminator, real: torch.Tensor | Sampler,
              config: GANConfig,
              transform: Callable[[torch.Tensor], torch.Tensor] | None = None) -> GANHistory:
    """Alternate one discriminator step and one generator step, ``config.steps`` times.

    ``real`` is a data tensor ``(n, d)`` or a sampler ``(batch, torch.Generator) -> (batch, d)``;
    ``transform`` is applied to each real batch (e.g. dynamic binarisation). Adam for both players.
    A non-finite loss raises :class:`~vaecore.train.TrainingDiverged` with the history so far;
    Ctrl-C stops cleanly and keeps both players. Both are left in evaluation mode.
    """
    if config.batch_size % discriminator.pack:
        raise ValueError(f"batch_size {config.batch_size} is not a multiple of the pack size "
                         f"{discriminator.pack}")
    if generator.data_dim != discriminator.data_dim:
        raise ValueError(f"G makes {generator.data_dim}-dimensional samples but D judges "
                         f"{discriminator.data_dim}-dimensional ones")
    rng = seed_everything(config.seed)
    device = choose_device(config.device)
    generator.to(device).train()
    discriminator.to(device).train()
    opt_g = torch.optim.Adam(generator.parameters(), lr=config.lr_g, betas=config.betas)
    opt_d = torch.optim.Adam(discriminator.parameters(), lr=config.lr_d, betas=config.betas)
    next_real = _real_batches(real, config.batch_size, rng)
    # The snapshots' noise has its own generator, so taking snapshots does not change training.
    fixed_noise = (generator.noise(config.snapshot_size, torch.Generator().manual_seed(config.seed + 1))
                   if config.snapshot_every else None)
    history = GANHistory()

    def snapshot(step: int) -> None:
        # In evaluation mode, as G will be sampled, and so that batch norm's running statistics
        # are not touched by the fixed batch.
        if fixed_noise is not None and step % config.snapshot_every == 0:
            generator.eval()
            with torch.no_grad():
                history.snapshots.append((step, generator(fixed_noise).cpu()))
            generator.train()

    snapshot(0)
    start = time.perf_counter()
    bar = tqdm(total=config.steps, desc="GAN", disable=not settings.show_progress(config.progress))
    try:
        for step in range(1, config.steps + 1):
            if config.cosine_decay:
                decay = cosine_factor(step - 1, config.steps)
                for opt, lr in ((opt_g, config.lr_g), (opt_d, config.lr_d)):
                    for group in opt.param_groups:
                        group["lr"] = lr * decay
            x = next_real().to(device)
            if transform is not None:
                x = transform(x)
            # Discriminator: one step on -V, with the fakes detached from G.
            fake = generator(generator.noise(config.batch_size, rng))
            real_logits, fake_logits = discriminator(x), discriminator(fake.detach())
            d_loss = discriminator_loss(real_logits, fake_logits)
            opt_d.zero_grad(set_to_none=True)
            d_loss.backward()
            opt_d.step()
            # Generator: one step on its loss, through D's updated judgement of fresh fakes.
            fake_logits = discriminator(generator(generator.noise(config.batch_size, rng)))
            g_loss = generator_loss(fake_logits, config.saturating)
            opt_g.zero_grad(set_to_none=True)
            g_loss.backward()
            opt_g.step()
            row = {"d_loss": d_loss.item(), "g_loss": g_loss.item(),
                   "d_real": torch.sigmoid(real_logits).mean().item(),
                   "d_fake": torch.sigmoid(fake_logits).mean().item()}
            history.steps.append(row)
            if not (math.isfinite(row["d_loss"]) and math.isfinite(row["g_loss"])):
                raise TrainingDiverged(f"GAN losses became non-finite at step {step}: {row}", history)
            snapshot(step)
            bar.update()
    except KeyboardInterrupt:
        history.interrupted = True
    finally:
        bar.close()
        history.seconds = time.perf_counter() - start
        generator.eval()
        discriminator.eval()
    return history


def fit_discriminator(discriminator: Discriminator, real: Sampler, fake: Sampler, steps: int,
                      batch_size: int = 256, lr: float = 1e-3, seed: int = 0) -> list[float]:
    """Train D alone against a fixed fake distribution (so its optimum is known); return the
    loss ``-V`` per step. Used to check ``D*(x) = p_data / (p_data + p_g)``."""
    rng = seed_everything(seed)
    optimiser = torch.optim.Adam(discriminator.parameters(), lr=lr)
    losses = []
    discriminator.train()
    for _ in range(steps):
        loss = discriminator_loss(discriminator(real(batch_size, rng)),
                                  discriminator(fake(batch_size, rng)))
        optimiser.zero_grad(set_to_none=True)
        loss.backward()
        optimiser.step()
        losses.append(loss.item())
    discriminator.eval()
    return losses
