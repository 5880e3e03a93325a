"""The training loop of every model with a ``loss``, to read top to bottom: its settings
(:class:`TrainConfig`), what it records (:class:`History`), the loop (:func:`fit`) and one step
of it (:func:`train_step`). What it is built from (seeding, device choice, the schedule, the
checks that stop a run gone wrong) is in :mod:`vaecore.loop_parts`, shared with the GAN's loop.

>>> model = mlp_autoencoder(8)
>>> history = fit(model, train.images, TrainConfig(epochs=5), test_data=test.images)

``fit`` calls ``model.loss(*batch)``, which returns the batch's mean loss, either a scalar tensor or
a dict of named scalar tensors whose ``"loss"`` entry is minimised (the other entries, e.g. the two
terms of an ELBO, are recorded too). The data is one tensor, or a tuple of tensors indexed together
(images and labels, sequences and masks)."""

from __future__ import annotations

import math
import time
from dataclasses import dataclass, field
from typing import Callable, Iterator

import torch
from torch import nn
from tqdm.auto import tqdm

from vaecore import checks, runtime
from vaecore.data.batches import batch_indices, length_batches
from vaecore.loop_parts import (
    Data,
    RunConfig,
    TrainingDiverged,
    as_tensors,
    attach_history,
    check_finite_rows,
    check_training_inputs,
    choose_device,
    cosine_factor,
    evaluating,
    progress_bar,
    seed_everything,
    set_learning_rate,
)
from vaecore.models.parts import model_device

__all__ = ["TrainConfig", "History", "loss_terms", "evaluate_loss", "fit", "train_step"]


@dataclass
class TrainConfig(RunConfig):
    """Everything ``fit`` needs to know besides the model and the data: these fields, and the
    ``seed``, ``device`` and ``progress`` of every run (:class:`~vaecore.loop_parts.RunConfig`).
    Each field is checked when the config is made and again when ``fit`` starts."""

    epochs: int = 10
    batch_size: int = 128
    lr: float = 1e-3
    cosine_decay: bool = True  # anneal the learning rate to 0 over the run
    clip_grad_norm: float | None = None

    def check(self) -> None:
        """Raise :class:`ValueError` naming the first field outside its accepted range."""
        super().check()
        checks.fields(self, epochs=checks.COUNT, batch_size=checks.COUNT, lr=checks.POSITIVE)
        checks.fields(self, clip_grad_norm=checks.optional(checks.POSITIVE))
        checks.fields(self, cosine_decay=checks.FLAG)


@dataclass
class History:
    """What training recorded.

    ``epochs``: one dict per finished epoch (``epoch``, ``train_<term>``, ``test_<term>``,
    ``seconds``); ``steps``: one dict of the loss terms per optimiser step, including the steps of
    an epoch that did not finish."""

    epochs: list[dict[str, float]] = field(default_factory=list)
    steps: list[dict[str, float]] = field(default_factory=list)
    interrupted: bool = False

    def series(self, key: str) -> list[float]:
        """The values of one metric over the epochs: NaN for an epoch that did not record it (an
        ``after_epoch`` metric computed only now and then). Raises ``KeyError`` naming the
        metrics recorded when no epoch has ``key``."""
        if self.epochs and not any(key in row for row in self.epochs):
            raise KeyError(f"no epoch recorded {key!r}; the metrics are {self.keys()}")
        return [row.get(key, math.nan) for row in self.epochs]

    def keys(self) -> list[str]:
        """Every metric any epoch recorded, in the order they first appear."""
        return list(dict.fromkeys(k for row in self.epochs for k in row))

    @property
    def last(self) -> dict[str, float]:
        return self.epochs[-1] if self.epochs else {}

    def __str__(self) -> str:
        if not self.epochs:
            return "History(no finished epoch)"
        keys = self.keys()

        def cell(row: dict[str, float], k: str) -> str:
            if k not in row:
                return f"{'':>12}"  # a metric this epoch did not compute
            return f"{row[k]:>12d}" if k == "epoch" else f"{row[k]:>12.4f}"

        lines = ["  ".join(f"{k:>12}" for k in keys)]
        lines += ["  ".join(cell(row, k) for k in keys) for row in self.epochs]
        if self.interrupted:
            lines.append("(interrupted: the model keeps its last weights)")
        return "\n".join(lines)


def loss_terms(model: nn.Module, *batch: torch.Tensor) -> dict[str, torch.Tensor]:
    """``model.loss(*batch)`` as a dict of named scalar tensors, the minimised one under
    ``"loss"``; a loss of another form is refused, saying what ``loss`` must return."""
    loss = getattr(model, "loss", None)
    if not callable(loss):
        raise TypeError(f"{type(model).__name__} has no loss(x) method for fit to minimise")
    out = loss(*batch)
    terms = out if isinstance(out, dict) else {"loss": out}
    name = f"{type(model).__name__}.loss"
    if "loss" not in terms:
        raise TypeError(
            f"{name} returned a dict without 'loss' (keys {sorted(terms)}): put the value to "
            "minimise under 'loss'"
        )
    value = terms["loss"]
    if not isinstance(value, torch.Tensor) or value.dim() != 0:
        shape = tuple(value.shape) if isinstance(value, torch.Tensor) else type(value).__name__
        raise TypeError(
            f"{name} must return one scalar tensor to minimise, got {shape}: average the "
            "per-example losses over the batch, e.g. losses.mean()"
        )
    return terms


@checks.arguments(batch_size=checks.COUNT)
def evaluate_loss(
    model: nn.Module, data: Data, batch_size: int = 1000, device: torch.device | None = None
) -> dict[str, float]:
    """Mean of each term of ``model.loss`` over ``data`` (``(n, d)`` or a tuple), in evaluation
    mode, leaving ``model`` in the mode it was in."""
    tensors = as_tensors(data)
    n = len(tensors[0])
    device = device or model_device(model)
    sums: dict[str, float] = {}
    with evaluating(model):
        for idx in batch_indices(n, batch_size, shuffle=False):
            for k, v in loss_terms(model, *(t[idx].to(device) for t in tensors)).items():
                sums[k] = sums.get(k, 0.0) + float(v) * len(idx)
    return {k: v / n for k, v in sums.items()}


def fit(
    model: nn.Module,
    train_data: Data,
    config: TrainConfig,
    test_data: Data | None = None,
    transform: Callable[[torch.Tensor], torch.Tensor] | None = None,
    lengths: torch.Tensor | None = None,
    before_epoch: Callable[[int], None] | None = None,
    after_epoch: Callable[[int], dict[str, float]] | None = None,
) -> History:
    """Train ``model`` on ``train_data`` with Adam; return the per-epoch :class:`History`.

    ``train_data`` is ``x: (n, d)`` or a tuple of tensors of length ``n`` indexed together (e.g.
    ``(images, labels)``); each batch is passed as ``model.loss(*batch)``. Each epoch visits
    every example once in a fresh random order. The learning rate follows a cosine from ``lr``
    to 0 when ``cosine_decay``; gradients are clipped (if asked) before the optimiser step.

    - ``test_data``: evaluated after every epoch, as it is, in evaluation mode.
    - ``transform``: applied to the first tensor of every training batch as it is drawn (e.g.
      :func:`vaecore.data.datasets.binarize`, so each epoch sees a new binary sample of every
      image).
    - ``lengths: (n,)``: for padded sequences, batches of sequences of similar length
      (:func:`vaecore.data.batches.length_batches`), so little time goes into padding.
    - ``before_epoch(epoch)``: runs before each epoch (counted from 1), e.g. to raise a VAE's
      ``beta`` during a KL warm-up; training goes on with the same optimiser and schedule, which
      calling ``fit`` once per epoch would restart.
    - ``after_epoch(epoch)``: runs after each epoch's timing ends (its time is not in
      ``seconds``), in evaluation mode and without gradients; the dict it returns joins that
      epoch's row, e.g. an expensive test metric computed only now and then.

    A non-finite loss or gradient stops training with
    :class:`~vaecore.loop_parts.TrainingDiverged`, before the optimiser step, so the model keeps
    its last finite weights; the error names the step and the terms and carries the history up to
    it. Ctrl-C stops cleanly, keeping the model and the
    history of the finished epochs. The model trains on the chosen device (a GPU when there is
    one) and ends back on the device it came from, in evaluation mode, so that the caller's
    tensors still fit it: a chapter trains on Colab's GPU and then calls ``vae.decode`` on CPU
    codes.
    """
    config.check()
    train = as_tensors(train_data)
    n = len(train[0])
    check_training_inputs(model, train, test_data, lengths)
    generator = seed_everything(config.seed)
    home, device = model_device(model), choose_device(config.device)
    model.to(device).train()
    optimiser = torch.optim.Adam(model.parameters(), lr=config.lr)
    total_steps = config.epochs * math.ceil(n / config.batch_size)
    history = History()
    runtime.follow_load()  # threads for this machine's load now, fixed for the run (runtime)
    bar = progress_bar(total_steps, type(model).__name__, config.progress)
    try:
        for epoch in range(1, config.epochs + 1):
            if before_epoch is not None:
                before_epoch(epoch)
            start, sums = time.perf_counter(), dict[str, float]()
            for idx in _epoch_batches(n, lengths, config.batch_size, generator):
                if config.cosine_decay:
                    lr = config.lr * cosine_factor(len(history.steps), total_steps)
                    set_learning_rate(optimiser, lr)
                batch = [t[idx].to(device) for t in train]
                if transform is not None:
                    batch[0] = transform(batch[0])
                values = train_step(model, optimiser, batch, config.clip_grad_norm, history)
                _add(sums, values, weight=len(idx))
                _show_progress(bar, values)
            row: dict[str, float] = {"epoch": epoch} | {
                f"train_{k}": v / n for k, v in sums.items()
            }
            row |= _test_terms(model, test_data, device)
            row["seconds"] = time.perf_counter() - start
            row |= _after_epoch(model, after_epoch, epoch)
            history.epochs.append(row)
    except KeyboardInterrupt:
        history.interrupted = True
        print(f"Interrupted after {len(history.epochs)} finished epoch(s); model and history kept.")
    except Exception as err:
        attach_history(err, history)
        raise
    finally:
        bar.close()
        model.to(home).eval()
    return history


@checks.arguments(clip_grad_norm=checks.optional(checks.POSITIVE))
def train_step(
    model: nn.Module,
    optimiser: torch.optim.Optimizer,
    batch: list[torch.Tensor],
    clip_grad_norm: float | None = None,
    history: History | None = None,
) -> dict[str, float]:
    """One step of gradient descent on ``model.loss(*batch)``; returns the loss terms' values.

    The loss and its gradient are checked before the optimiser uses them, so a non-finite one
    raises :class:`~vaecore.loop_parts.TrainingDiverged` with the model's weights still finite.
    The values are recorded in ``history.steps`` (if given) before any check, so a failed step is
    kept too.
    """
    terms = loss_terms(model, *batch)  # the batch's mean loss, and its parts
    values = {k: v.item() for k, v in terms.items()}
    if history is not None:
        history.steps.append(values)
    _check_loss(values, batch, history)
    optimiser.zero_grad(set_to_none=True)
    terms["loss"].backward()  # the loss's gradient, in every parameter's .grad
    _clip_gradients(model, clip_grad_norm, values, history)  # clipped if asked; checked
    optimiser.step()  # one Adam update
    return values


def _test_terms(model: nn.Module, test_data: Data | None, device: torch.device) -> dict[str, float]:
    """The epoch's ``test_<term>`` entries (none without test data)."""
    if test_data is None:
        return {}
    return {f"test_{k}": v for k, v in evaluate_loss(model, test_data, device=device).items()}


def _after_epoch(
    model: nn.Module, after_epoch: Callable[[int], dict[str, float]] | None, epoch: int
) -> dict[str, float]:
    """What the caller's ``after_epoch`` adds to the epoch's row, run in evaluation mode."""
    if after_epoch is None:
        return {}
    with evaluating(model):
        return after_epoch(epoch)


def _show_progress(bar: tqdm, values: dict[str, float]) -> None:
    bar.update()
    bar.set_postfix(loss=f"{values['loss']:.4g}", refresh=False)


def _epoch_batches(
    n: int, lengths: torch.Tensor | None, batch_size: int, generator: torch.Generator
) -> Iterator[torch.Tensor]:
    """One epoch's batches: shuffled indices, or (for sequences) batches of similar lengths."""
    if lengths is None:
        return batch_indices(n, batch_size, generator=generator)
    return length_batches(lengths, batch_size, generator=generator)


def _add(sums: dict[str, float], values: dict[str, float], weight: int) -> None:
    for k, v in values.items():
        sums[k] = sums.get(k, 0.0) + v * weight


def _where(history: History | None) -> str:
    """Which step failed, counted over the whole run, for the error message."""
    if history is None:
        return ""
    return f"at step {len(history.steps) - 1} (epoch {len(history.epochs) + 1}), "


def _check_loss(
    values: dict[str, float], batch: list[torch.Tensor], history: History | None
) -> None:
    if not math.isfinite(values["loss"]):
        check_finite_rows(tuple(batch), f"{_where(history)}the batch (after any transform)")
        terms = ", ".join(f"{k}={v:.4g}" for k, v in values.items())
        raise TrainingDiverged(
            f"{_where(history)}the loss became {values['loss']} ({terms}); lower the learning "
            "rate or clip gradients",
            history,
        )


def _clip_gradients(
    model: nn.Module, max_norm: float | None, values: dict[str, float], history: History | None
) -> None:
    """Clip the gradient to ``max_norm`` (if given) and refuse a non-finite one, before the
    optimiser can use it."""
    grads = [p.grad for p in model.parameters() if p.grad is not None]
    norm = nn.utils.get_total_norm(grads)
    if max_norm is not None:
        nn.utils.clip_grads_with_norm_(model.parameters(), max_norm, norm)
    if not math.isfinite(norm):
        raise TrainingDiverged(
            f"{_where(history)}the gradient became {float(norm)} while the loss was "
            f"{values['loss']:.4g}; the model keeps its weights from before this step. Lower the "
            "learning rate or clip gradients",
            history,
        )
