"""Training and measuring the stroke models of the VRNN chapter, one run per model and seed.

The numbers are **nats per sequence of the integer pen offsets**: the models are densities on
the scaled, dequantized offsets (:func:`vaecore.data.dequantize`), so

``log P(x) >= E_u[ log p(x + u) ] = E_u[ log p_scaled((x + u) / s) ] - 2 T log s``

for a sequence of ``T`` steps and scale ``s``: a lower bound on the log-probability of the
recorded integer strokes, comparable between any two models (higher is better). For RNN-Gauss
``log p`` is exact; for the VRNN we report its ELBO and the importance-weighted bound
(Burda et al. 2016) with ``k`` samples, ``log (1/k) sum_i p(x, z_i) / q(z_i | x)``, both below
its ``log p``. Every run draws the same dequantization noise for the test set.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass

import torch

from vaecore import data
from vaecore.models.vrnn import VRNN, StrokeModel, count_parameters, matched_rnn
from vaecore.parallel import map_in_processes
from vaecore.train import History, TrainConfig, fit

MODELS = ("vrnn", "rnn")


@dataclass(frozen=True)
class StrokeRun:
    """One stroke model trained on the Omniglot strokes: every setting (see :func:`train_stroke_model`).

    ``model`` is ``"vrnn"`` or ``"rnn"``; the RNN-Gauss gets the state size that matches the
    VRNN's parameter count (:func:`vaecore.models.vrnn.matched_rnn`).
    """

    model: str
    seed: int = 0
    epochs: int = 3
    lr: float = 2e-3             # Adam, cosine-annealed to 0
    batch_size: int = 128
    clip_grad_norm: float = 10.0  # applied before each optimiser step
    z_dim: int = 16
    h_dim: int = 128
    feat_dim: int = 64
    hidden: int = 128
    n_train: int | None = None   # None: all 30,000 training sequences
    n_test: int | None = None    # None: all 1,000 test sequences
    iw_samples: int = 20         # k of the importance-weighted bound


@dataclass
class StrokeResult:
    """What a run returns: its settings, size, training history, test numbers and weights.

    ``test`` holds, in nats of the integer strokes (see the module's docstring), the means over
    the test set of ``bound`` (RNN: ``log p``; VRNN: the ELBO) and ``iw_bound`` (RNN: ``log p``
    again), per sequence and, with the suffix ``_per_step``, per step.
    """

    run: StrokeRun
    parameters: int
    history: History
    test: dict[str, float]
    state: dict[str, torch.Tensor]
    seconds: float


def build(run: StrokeRun) -> StrokeModel:
    """The untrained model of ``run``, initialised from ``run.seed``."""
    if run.model not in MODELS:
        raise ValueError(f"unknown model {run.model!r}; choose one of {MODELS}")
    vrnn = VRNN(z_dim=run.z_dim, h_dim=run.h_dim, feat_dim=run.feat_dim, hidden=run.hidden)
    torch.manual_seed(run.seed)
    if run.model == "vrnn":
        return VRNN(z_dim=run.z_dim, h_dim=run.h_dim, feat_dim=run.feat_dim, hidden=run.hidden)
    return matched_rnn(count_parameters(vrnn), feat_dim=run.feat_dim, hidden=run.hidden)


@torch.no_grad()
def sequence_bounds(model: StrokeModel, strokes: data.StrokeSet, k: int = 1, seed: int = 0,
                    batch_size: int = 100) -> dict[str, torch.Tensor]:
    """Per-sequence bounds on ``log P`` of the integer strokes, ``(n,)`` each, in nats.

    ``bound``: the mean of ``k`` draws of ``log p(x, z) - log q(z | x)`` (the ELBO; for RNN-Gauss
    the exact ``log p``); ``iw_bound``: ``logsumexp`` of the same draws minus ``log k``. Both
    include the change of units ``-2 T log s`` and use dequantization noise drawn from ``seed``.
    """
    if k <= 0:
        raise ValueError(f"k must be positive, got {k}")
    x_all = data.dequantize(strokes.strokes, strokes.scale, torch.Generator().manual_seed(seed))
    device = next(model.parameters()).device
    bound = torch.empty(len(strokes))
    iw = torch.empty(len(strokes))
    with torch.random.fork_rng(devices=[]):  # the latents' draws, seeded, leaving the global RNG alone
        torch.manual_seed(seed)
        for idx in data.length_batches(strokes.lengths, batch_size, shuffle=False):
            x, mask = x_all[idx].to(device), strokes.mask[idx].to(device)
            w = model.log_weights(x.repeat(k, 1, 1), mask.repeat(k, 1)).view(k, len(idx)).cpu()
            bound[idx] = w.mean(dim=0)
            iw[idx] = torch.logsumexp(w, dim=0) - math.log(k)
    units = -2 * math.log(strokes.scale) * strokes.lengths.double()
    return {"bound": bound.double() + units, "iw_bound": iw.double() + units}


def train_stroke_model(run: StrokeRun) -> StrokeResult:
    """Train ``run``'s model on the training strokes (fresh dequantization noise every batch,
    batches of similar length), watching the validation set's loss; then measure the test set
    with :func:`sequence_bounds` (``k = run.iw_samples`` for the VRNN)."""
    start = time.perf_counter()
    train = data.load_strokes("train", limit=run.n_train, progress=False)
    valid = data.load_strokes("valid", limit=run.n_test, progress=False)
    test = data.load_strokes("test", limit=run.n_test, progress=False)
    model = build(run)
    config = TrainConfig(epochs=run.epochs, batch_size=run.batch_size, lr=run.lr,
                         clip_grad_norm=run.clip_grad_norm, seed=run.seed, device="cpu",
                         progress=False)
    valid_x = data.dequantize(valid.strokes, valid.scale, torch.Generator().manual_seed(1))
    history = fit(model, (train.strokes, train.mask), config, test_data=(valid_x, valid.mask),
                  transform=lambda x: data.dequantize(x, train.scale), lengths=train.lengths)
    k = run.iw_samples if run.model == "vrnn" else 1
    bounds = sequence_bounds(model, test, k=k)
    steps = float(test.lengths.sum())
    numbers = {name: float(v.mean()) for name, v in bounds.items()}
    numbers |= {f"{name}_per_step": float(v.sum()) / steps for name, v in bounds.items()}
    return StrokeResult(run, count_parameters(model), history, numbers, model.state_dict(),
                        time.perf_counter() - start)


def train_stroke_models(runs: list[StrokeRun], workers: int = 2) -> list[StrokeResult]:
    """:func:`train_stroke_model` for each run, ``workers`` at a time in separate processes."""
    return map_in_processes(train_stroke_model, runs, workers, desc="stroke models")


def load_trained(result: StrokeResult) -> StrokeModel:
    """The trained model of ``result``, rebuilt from its settings and weights, in evaluation mode."""
    model = build(result.run)
    model.load_state_dict(result.state)
    return model.eval()
