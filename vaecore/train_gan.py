"""The GAN's training loop: one discriminator step and one generator step, alternating, with the
losses of :mod:`vaecore.losses` (Goodfellow et al., 2014), and a loop that trains a
discriminator alone against a fixed fake distribution, whose optimum is known.

Longer than CONTRIBUTING's 350 lines: one game in one file, its settings, its loop, its round
(gan_step) and the discriminator trained alone, which the GAN chapter reads together; what it shares
with fit is in loop_parts."""

from __future__ import annotations

import functools
import numbers
import time
from dataclasses import dataclass, field
from typing import Callable, Iterator

import torch

from vaecore import checks, runtime
from vaecore.data.batches import batch_indices
from vaecore.loop_parts import (
    RunConfig,
    TrainingDiverged,
    attach_history,
    check_finite_rows,
    check_gradients,
    choose_device,
    cosine_factor,
    evaluating,
    progress_bar,
    seed_everything,
    set_learning_rate,
)
from vaecore.losses import (
    discriminator_loss,
    generator_loss,
    least_squares_discriminator_loss,
    least_squares_generator_loss,
    r1_penalty,
)
from vaecore.models.gan import Discriminator, Generator
from vaecore.models.parts import check_batch, model_device

__all__ = [
    "Sampler",
    "Step",
    "GAN_LOSSES",
    "GANConfig",
    "GANHistory",
    "train_gan",
    "gan_step",
    "fit_discriminator",
]

Sampler = Callable[[int, torch.Generator], torch.Tensor]
#: One round of the game on a real batch, ``step(generator, discriminator, opt_g, opt_d, real,
#: rng)``, returning its values by name (:func:`gan_step` is the GAN's).
Step = Callable[
    [
        Generator,
        Discriminator,
        torch.optim.Optimizer,
        torch.optim.Optimizer,
        torch.Tensor,
        torch.Generator,
    ],
    dict[str, float],
]

#: The losses :func:`gan_step` can train with (:mod:`vaecore.losses`).
GAN_LOSSES = ("logistic", "least squares")


@dataclass
class GANConfig(RunConfig):
    """Everything :func:`train_gan` needs besides the players and the data: these fields, and
    the ``seed``, ``device`` and ``progress`` of every run
    (:class:`~vaecore.loop_parts.RunConfig`)."""

    steps: int = 2000
    batch_size: int = 128  # samples per player per step; a multiple of D's pack
    lr_g: float = 2e-4
    lr_d: float = 2e-4
    betas: tuple[float, float] = (0.5, 0.999)  # Adam, as in DCGAN (Radford et al., 2016)
    cosine_decay: bool = False  # anneal both learning rates to 0 over the run
    saturating: bool = False  # True: the minimax generator loss
    loss: str = "logistic"  # or "least squares": LSGAN (Mao et al., 2017), D gives raw scores
    r1_gamma: float = 0.0  # > 0: add the R1 gradient penalty on real data (Mescheder et al., 2018)
    snapshot_every: int = 0  # > 0: record G on fixed noise every so many steps
    snapshot_size: int = 500

    def check(self) -> None:
        """Raise :class:`ValueError` naming the first field outside its accepted range."""
        super().check()
        checks.fields(self, steps=checks.COUNT, batch_size=checks.COUNT)
        checks.fields(self, lr_g=checks.POSITIVE, lr_d=checks.POSITIVE, betas=_ADAM_BETAS)
        checks.fields(self, loss=checks.Kind(GAN_LOSSES.__contains__, f"one of {GAN_LOSSES}"))
        checks.fields(self, cosine_decay=checks.FLAG, saturating=checks.FLAG)
        checks.fields(self, r1_gamma=checks.AT_LEAST_ZERO)  # 0: no penalty
        checks.fields(self, snapshot_every=checks.whole(0), snapshot_size=checks.COUNT)  # 0: none
        if self.saturating and self.loss != "logistic":
            raise ValueError(
                f"saturating=True is a variant of the logistic loss; the {self.loss} loss has "
                "no saturating form: set saturating=False"
            )


def _adam_betas(v: object) -> bool:
    return (
        isinstance(v, (tuple, list))
        and len(v) == 2
        and all(
            isinstance(b, numbers.Real) and not isinstance(b, bool) and 0 <= float(b) < 1 for b in v
        )
    )


_ADAM_BETAS = checks.Kind(_adam_betas, "two numbers in [0, 1), e.g. (0.5, 0.999)")


@dataclass
class GANHistory:
    """``steps``: one dict per step (``d_loss``, ``g_loss``, ``d_real`` and ``d_fake``, the mean
    of D on the real and the fake batch; another step's own values, such as a VAE-GAN's
    :meth:`~vaecore.models.vaegan.VAEGAN.train_step`; and what ``after_step`` added);
    ``snapshots``: ``(step, samples)`` pairs, G (in evaluation mode) on one fixed noise batch,
    step 0 being before training; ``seconds`` of training."""

    steps: list[dict[str, float]] = field(default_factory=list)
    snapshots: list[tuple[int, torch.Tensor]] = field(default_factory=list)
    seconds: float = 0.0
    interrupted: bool = False


def _real_batches(
    real: torch.Tensor | Sampler, batch_size: int, generator: torch.Generator
) -> Callable[[], torch.Tensor]:
    """A function returning the next real batch: from a sampler, or from a data tensor in
    reshuffled passes (the last partial batch of each pass is dropped, so packs stay whole)."""
    if callable(real):
        return lambda: real(batch_size, generator)
    if real.dim() != 2 or len(real) < batch_size:
        raise ValueError(
            f"real data must have shape (n, d) with n >= batch_size ({batch_size}), "
            f"got {tuple(real.shape)}"
        )
    check_finite_rows((real,), "the real data")

    def passes() -> Iterator[torch.Tensor]:
        while True:
            for idx in batch_indices(len(real), batch_size, generator=generator):
                if len(idx) == batch_size:  # drop the short last batch
                    yield real[idx]

    batches = passes()
    return lambda: next(batches)


def train_gan(
    generator: Generator,
    discriminator: Discriminator,
    real: torch.Tensor | Sampler,
    config: GANConfig,
    transform: Callable[[torch.Tensor], torch.Tensor] | None = None,
    step: Step | None = None,
    after_step: Callable[[int], dict[str, float]] | None = None,
) -> GANHistory:
    """Play ``config.steps`` rounds of the game, each one discriminator step and one generator
    step (:func:`gan_step`), with Adam for both players.

    ``real`` is a data tensor ``(n, d)`` or a sampler ``(batch, torch.Generator) -> (batch, d)``;
    ``transform`` is applied to each real batch (e.g. dynamic binarisation).

    - ``step``: another round instead of :func:`gan_step` (a :data:`Step`). Without it, a
      generator that has a game of its own plays it: its ``train_step(discriminator, opt_g,
      opt_d, real, rng)`` (the VAE-GAN's, Larsen et al.'s Algorithm 1). Another step ignores
      ``config``'s choice of game, which must then be the default (logistic, non-saturating,
      no R1).
    - ``after_step(step)``: runs after each round (counted from 1), with both players in
      evaluation mode and without gradients; its time is not in ``seconds``, and the dict it
      returns joins that round's row, e.g. a measurement taken now and then.

    A non-finite loss raises :class:`~vaecore.loop_parts.TrainingDiverged` with the history so far;
    Ctrl-C stops cleanly and keeps both players. Both train on the chosen device and end back on
    the device each came from, in evaluation mode (as :func:`~vaecore.train.fit`).
    """
    config.check()
    if config.batch_size % discriminator.pack:
        raise ValueError(
            f"batch_size {config.batch_size} is not a multiple of the pack size "
            f"{discriminator.pack}"
        )
    if generator.data_dim != discriminator.data_dim:
        raise ValueError(
            f"G makes {generator.data_dim}-dimensional samples but D judges "
            f"{discriminator.data_dim}-dimensional ones"
        )
    play = _the_step(generator, config, step)
    rng = seed_everything(config.seed)
    homes, device = (
        [model_device(generator), model_device(discriminator)],
        choose_device(config.device),
    )
    generator.to(device).train()
    discriminator.to(device).train()
    opt_g = torch.optim.Adam(generator.parameters(), lr=config.lr_g, betas=config.betas)
    opt_d = torch.optim.Adam(discriminator.parameters(), lr=config.lr_d, betas=config.betas)
    next_real = _real_batches(real, config.batch_size, rng)
    # The snapshots' noise has its own generator, so taking snapshots does not change training.
    fixed_noise = (
        generator.noise(config.snapshot_size, torch.Generator().manual_seed(config.seed + 1))
        if config.snapshot_every
        else None
    )
    history = GANHistory()

    def snapshot(step: int) -> None:
        # In evaluation mode, as G will be sampled, and so that batch norm's running statistics
        # are not touched by the fixed batch.
        if fixed_noise is not None and step % config.snapshot_every == 0:
            with evaluating(generator):
                history.snapshots.append((step, generator(fixed_noise).cpu()))

    runtime.follow_load()  # threads for this machine's load now, fixed for the run (runtime)
    snapshot(0)
    start = time.perf_counter()
    bar = progress_bar(config.steps, "GAN", config.progress)
    try:
        for k in range(1, config.steps + 1):  # the k-th round
            if config.cosine_decay:
                decay = cosine_factor(k - 1, config.steps)
                set_learning_rate(opt_g, config.lr_g * decay)
                set_learning_rate(opt_d, config.lr_d * decay)
            x = next_real().to(device)
            if transform is not None:
                x = transform(x)
            check_batch(x, discriminator.data_dim, discriminator, "the real batch")
            check_finite_rows((x,), f"at step {k}, the real batch (after any transform)")
            row = play(generator, discriminator, opt_g, opt_d, x, rng)
            if after_step is not None:
                began = time.perf_counter()
                with evaluating(generator), evaluating(discriminator), torch.no_grad():
                    row |= after_step(k)
                start += time.perf_counter() - began  # not training time
            history.steps.append(row)
            snapshot(k)
            bar.update()
    except KeyboardInterrupt:
        history.interrupted = True
    except TrainingDiverged as err:
        err.args = (f"at step {len(history.steps) + 1}, {err.args[0]}",)
        err.history = history
        raise
    except Exception as err:
        attach_history(err, history)
        raise
    finally:
        bar.close()
        history.seconds = time.perf_counter() - start
        generator.to(homes[0]).eval()
        discriminator.to(homes[1]).eval()
    return history


def _the_step(generator: Generator, config: GANConfig, step: Step | None) -> Step:
    """The round :func:`train_gan` plays: ``step``, else the generator's own ``train_step``,
    else :func:`gan_step` with ``config``'s game."""
    whose = "the step given" if step is not None else f"{type(generator).__name__}.train_step"
    step = step or _own_step(generator)
    if step is None:
        return functools.partial(
            gan_step, saturating=config.saturating, r1_gamma=config.r1_gamma, loss=config.loss
        )
    if config.saturating or config.r1_gamma or config.loss != "logistic":
        raise ValueError(
            f"{whose} plays a game of its own: leave GANConfig's saturating=False, r1_gamma=0 "
            "and loss='logistic'"
        )
    return step


def _own_step(generator: Generator) -> Step | None:
    """The generator's own ``train_step(discriminator, opt_g, opt_d, real, rng)``, as a
    :data:`Step`; None where it has none."""
    own = getattr(generator, "train_step", None)
    if own is None:
        return None
    return lambda _generator, discriminator, opt_g, opt_d, real, rng: own(
        discriminator, opt_g, opt_d, real, rng
    )


@checks.arguments(r1_gamma=checks.AT_LEAST_ZERO)
def gan_step(
    generator: Generator,
    discriminator: Discriminator,
    opt_g: torch.optim.Optimizer,
    opt_d: torch.optim.Optimizer,
    real: torch.Tensor,
    rng: torch.Generator,
    saturating: bool = False,
    r1_gamma: float = 0.0,
    loss: str = "logistic",
) -> dict[str, float]:
    """One round of the game on a batch of ``real`` data: a discriminator step on ``-V`` (plus the
    R1 penalty when ``r1_gamma > 0``), then a generator step on its loss; as many fakes as real
    examples. ``loss="least squares"`` plays LSGAN's game instead (eqs. LS-D and LS-G), on D's
    raw outputs. Returns both losses and the mean of D on the real and on the fake batch
    (``sigmoid`` of its logits; for LSGAN its raw scores)."""
    n = len(real)
    least_squares = loss == "least squares"
    real = real.detach().requires_grad_(r1_gamma > 0)  # R1 differentiates D by the real batch
    # Discriminator: one step on -V, with the fakes held fixed (detached from G).
    fake = generator(generator.noise(n, rng))
    real_logits, fake_logits = discriminator(real), discriminator(fake.detach())
    if least_squares:  # LSGAN: squared errors to the targets 1 (real) and 0 (fake)
        d_loss = least_squares_discriminator_loss(real_logits, fake_logits)
    else:
        d_loss = discriminator_loss(real_logits, fake_logits)
    if r1_gamma > 0:
        d_loss = d_loss + r1_penalty(real_logits, real, r1_gamma)  # eq. (R1)
    opt_d.zero_grad(set_to_none=True)
    d_loss.backward()
    check_gradients(discriminator, d_loss, "the discriminator")  # finite, or no step
    opt_d.step()
    # Generator: one step on its loss, through D's updated judgement of fresh fakes.
    fake_logits = discriminator(generator(generator.noise(n, rng)))
    if least_squares:
        g_loss = least_squares_generator_loss(fake_logits)
    else:
        g_loss = generator_loss(fake_logits, saturating)
    opt_g.zero_grad(set_to_none=True)
    g_loss.backward()
    check_gradients(generator, g_loss, "the generator")
    opt_g.step()
    judged = (lambda out: out) if least_squares else torch.sigmoid
    return {
        "d_loss": d_loss.item(),
        "g_loss": g_loss.item(),
        "d_real": judged(real_logits).mean().item(),
        "d_fake": judged(fake_logits).mean().item(),
    }


@checks.arguments(steps=checks.COUNT, batch_size=checks.COUNT, lr=checks.POSITIVE, seed=checks.SEED)
def fit_discriminator(
    discriminator: Discriminator,
    real: Sampler,
    fake: Sampler,
    steps: int,
    batch_size: int = 256,
    lr: float = 1e-3,
    seed: int = 0,
) -> list[float]:
    """Train D alone against a fixed fake distribution (so its optimum is known); return the
    loss ``-V`` per step. Used to check ``D*(x) = p_data / (p_data + p_g)``."""
    rng = seed_everything(seed)
    optimiser = torch.optim.Adam(discriminator.parameters(), lr=lr)
    losses = []
    discriminator.train()
    for _ in range(steps):
        loss = discriminator_loss(
            discriminator(real(batch_size, rng)), discriminator(fake(batch_size, rng))
        )
        optimiser.zero_grad(set_to_none=True)
        loss.backward()
        optimiser.step()
        losses.append(loss.item())
    discriminator.eval()
    return losses
