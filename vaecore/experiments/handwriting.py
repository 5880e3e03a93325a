"""Training the stroke models of the VRNN chapter, one run per model and seed, and loading a
trained run back; the runs are measured with :func:`vaecore.metrics.likelihood.sequence_bounds`.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

import torch

from vaecore import checks
from vaecore.data.datasets import dequantize, load_strokes
from vaecore.experiments.parallel import map_in_processes
from vaecore.metrics.likelihood import sequence_bounds
from vaecore.models.parts import count_parameters
from vaecore.models.vrnn import VRNN, StrokeModel, matched_rnn
from vaecore.settings import Budget
from vaecore.train import History, TrainConfig, fit

__all__ = [
    "FULL",
    "QUICK",
    "MODELS",
    "StrokeRun",
    "StrokeResult",
    "build_stroke_model",
    "train_stroke_model",
    "train_stroke_models",
    "load_trained",
]

#: The VRNN chapter's sizes in its full setting; ``benchmarks/vrnn_vs_rnn.py`` repeats it.
FULL = Budget(
    n_train=None,
    n_test=None,
    epochs={"vrnn": 3, "rnn": 3, "rnn_gmm": 3},
    sizes={"seeds": 3, "iw_k": 20},
)
#: The VRNN chapter's sizes in quick mode.
QUICK = Budget(
    n_train=1_000,
    n_test=100,
    epochs={"vrnn": 1, "rnn": 1, "rnn_gmm": 1},
    sizes={"seeds": 3, "iw_k": 4},
)

#: The models a :class:`StrokeRun` can train, by name, and what each is called in the book.
MODELS = {"vrnn": "VRNN", "rnn": "RNN-Gauss", "rnn_gmm": "RNN-GMM"}


@dataclass(frozen=True)
class StrokeRun:
    """One stroke model trained on the Omniglot strokes: every setting (see
    :func:`train_stroke_model`).

    ``model`` is one of :data:`MODELS`: ``"vrnn"``, ``"rnn"`` (RNN-Gauss) or ``"rnn_gmm"``
    (RNN-GMM, with ``components`` Gaussians); the two RNNs get the state size that matches the
    VRNN's parameter count (:func:`vaecore.models.vrnn.matched_rnn`)."""

    model: str
    seed: int = 0
    epochs: int = 3
    lr: float = 2e-3  # Adam, cosine-annealed to 0
    batch_size: int = 128
    clip_grad_norm: float = 10.0  # applied before each optimiser step
    z_dim: int = 16
    h_dim: int = 128
    feat_dim: int = 64
    hidden: int = 128
    components: int = 20  # RNN-GMM's mixture, as in Chung et al.
    n_train: int | None = None  # None: all 30,000 training sequences
    n_test: int | None = None  # None: all 1,000 test sequences
    iw_samples: int = 20  # k of the importance-weighted bound

    def __post_init__(self) -> None:
        counts = ("epochs", "batch_size", "z_dim", "h_dim", "feat_dim", "hidden", "components")
        checks.fields(self, **dict.fromkeys((*counts, "iw_samples"), checks.COUNT))
        checks.fields(self, seed=checks.SEED, lr=checks.POSITIVE, clip_grad_norm=checks.POSITIVE)
        checks.fields(self, **dict.fromkeys(("n_train", "n_test"), checks.optional(checks.COUNT)))


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


def build_stroke_model(run: StrokeRun) -> StrokeModel:
    """The untrained model of ``run``, initialised from ``run.seed``."""
    if run.model not in MODELS:
        raise ValueError(f"unknown model {run.model!r}; choose one of {list(MODELS)}")
    vrnn = VRNN(z_dim=run.z_dim, h_dim=run.h_dim, feat_dim=run.feat_dim, hidden=run.hidden)
    torch.manual_seed(run.seed)
    if run.model == "vrnn":
        return VRNN(z_dim=run.z_dim, h_dim=run.h_dim, feat_dim=run.feat_dim, hidden=run.hidden)
    components = run.components if run.model == "rnn_gmm" else 1
    return matched_rnn(
        count_parameters(vrnn), feat_dim=run.feat_dim, hidden=run.hidden, components=components
    )


def train_stroke_model(run: StrokeRun) -> StrokeResult:
    """Train ``run``'s model on the training strokes (fresh dequantization noise every batch,
    batches of similar length), watching the validation set's loss; then measure the test set
    with :func:`vaecore.metrics.likelihood.sequence_bounds` (``k = run.iw_samples`` for the
    VRNN)."""
    start = time.perf_counter()
    train = load_strokes("train", limit=run.n_train, progress=False)
    valid = load_strokes("valid", limit=run.n_test, progress=False)
    test = load_strokes("test", limit=run.n_test, progress=False)
    model = build_stroke_model(run)
    config = TrainConfig(
        epochs=run.epochs,
        batch_size=run.batch_size,
        lr=run.lr,
        clip_grad_norm=run.clip_grad_norm,
        seed=run.seed,
        device="cpu",
        progress=False,
    )
    valid_x = dequantize(valid.strokes, valid.scale, torch.Generator().manual_seed(1))
    history = fit(
        model,
        (train.strokes, train.mask),
        config,
        test_data=(valid_x, valid.mask),
        transform=lambda x: dequantize(x, train.scale),
        lengths=train.lengths,
    )
    k = run.iw_samples if run.model == "vrnn" else 1
    bounds = sequence_bounds(model, test, k=k)
    steps = float(test.lengths.sum())
    numbers = {name: float(v.mean()) for name, v in bounds.items()}
    numbers |= {f"{name}_per_step": float(v.sum()) / steps for name, v in bounds.items()}
    return StrokeResult(
        run,
        count_parameters(model),
        history,
        numbers,
        model.state_dict(),
        time.perf_counter() - start,
    )


@checks.arguments(workers=checks.COUNT)
def train_stroke_models(runs: list[StrokeRun], workers: int = 2) -> list[StrokeResult]:
    """:func:`train_stroke_model` for each run, ``workers`` at a time in separate processes."""
    return map_in_processes(train_stroke_model, runs, workers, desc="stroke models")


def load_trained(result: StrokeResult) -> StrokeModel:
    """The trained model of ``result``, rebuilt from its settings and weights, in evaluation
    mode."""
    model = build_stroke_model(result.run)
    model.load_state_dict(result.state)
    return model.eval()
