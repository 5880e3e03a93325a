"""The parts both training loops are built from, so that each loop's file is the loop itself:
:func:`vaecore.train.fit` (every model with a ``loss``) and :func:`vaecore.train_gan.train_gan`
(the GAN's two players).

* **The run's set-up**: what every run's settings share (:class:`RunConfig`: seed, device,
  progress), :func:`seed_everything` (Python, NumPy and PyTorch, and the generator
  that orders the batches) and :func:`choose_device` (the device asked for, else a GPU, else the
  CPU). How many threads the CPU runs is :mod:`vaecore.runtime`'s choice.
* **The schedule**: :func:`cosine_factor` and :func:`set_learning_rate`.
* **Stopping a run that went wrong**, with the weights kept finite and what was recorded kept:
  :class:`TrainingDiverged`, :func:`check_gradients`, :func:`check_finite_rows`,
  :func:`attach_history`.
* **The data, checked before the first step** (:func:`as_tensors`,
  :func:`check_training_inputs`): tensors, finite, of the model's dtype, test data shaped like
  the training data, each refusal saying what to pass instead.
* **A progress bar**, which the reader can turn off (:func:`progress_bar`).
* **Measuring between steps** (:func:`evaluating`): a model in evaluation mode, without
  gradients, and back in its training mode after, as the loops evaluate and sample and as the
  metrics measure.
"""

from __future__ import annotations

import math
import os
import random
import re
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Iterator

import numpy as np
import torch
from torch import nn
from tqdm.auto import tqdm

from vaecore import checks, settings

__all__ = [
    "RunConfig",
    "seed_everything",
    "cosine_factor",
    "choose_device",
    "TrainingDiverged",
    "check_finite_rows",
    "attach_history",
    "progress_bar",
    "set_learning_rate",
    "check_gradients",
    "Data",
    "as_tensors",
    "check_training_inputs",
    "evaluating",
]


@dataclass(kw_only=True)
class RunConfig:
    """What the settings of every training run share, whichever the loop: its seed, its device
    and its progress bar (keyword-only, after each loop's own fields). Each field is checked
    when the config is made and again when the loop starts; a loop's config adds the checks of
    its own fields to :meth:`check`."""

    seed: int = 0
    device: str | None = None  # None: choose_device()
    progress: bool | None = None  # None: settings.show_progress() (VAECORE_PROGRESS)

    def __post_init__(self) -> None:
        self.check()

    def check(self) -> None:
        """Raise :class:`ValueError` naming the first field outside its accepted range."""
        checks.fields(self, seed=checks.SEED, device=checks.DEVICE, progress=checks.OPTIONAL_FLAG)


@checks.arguments(seed=checks.SEED)
def seed_everything(seed: int) -> torch.Generator:
    """Seed Python, NumPy and PyTorch; return a generator for batch order seeded the same way."""
    random.seed(seed)
    np.random.seed(seed)
    torch.manual_seed(seed)
    return torch.Generator().manual_seed(seed)


@checks.arguments(step=checks.whole(0), total=checks.COUNT)
def cosine_factor(step: int, total: int) -> float:
    """The cosine learning-rate schedule: ``(1 + cos(pi * step / total)) / 2``, from 1 at step 0
    towards 0 at ``total``."""
    return 0.5 * (1 + math.cos(math.pi * step / total))


def choose_device(preferred: str | None = None) -> torch.device:
    """``preferred``, else ``$VAECORE_DEVICE``, else CUDA, then Apple's MPS, then the CPU."""
    env = os.environ.get(settings.DEVICE_ENV, "").strip()
    name = preferred or env or None
    if name is not None:
        asked = f"device={name!r}" if preferred else f"{settings.DEVICE_ENV}={name!r}"
        if not re.fullmatch(r"cpu|mps|cuda(:\d+)?", name):
            raise ValueError(f"{asked} is not a device; choose cpu, cuda, cuda:N or mps")
        _check_available(name, asked)
        return torch.device(name)
    if torch.cuda.is_available():
        return torch.device("cuda")
    if torch.backends.mps.is_available():
        return torch.device("mps")
    return torch.device("cpu")


def _check_available(name: str, asked: str) -> None:
    """Refuse a device this machine's PyTorch cannot use, naming who asked for it."""
    if name.startswith("cuda"):
        count = torch.cuda.device_count() if torch.cuda.is_available() else 0
        if int(name.partition(":")[2] or 0) >= count:
            raise ValueError(
                f"{asked}, but this PyTorch sees {count} CUDA device(s); use cpu (or unset "
                f"{settings.DEVICE_ENV} to choose automatically)"
            )
    elif name == "mps" and not torch.backends.mps.is_available():
        raise ValueError(
            f"{asked}, but Apple's MPS is not available here; use cpu (or unset "
            f"{settings.DEVICE_ENV} to choose automatically)"
        )


class TrainingDiverged(FloatingPointError):
    """The minimised loss became NaN or infinite. ``history`` holds everything up to that step
    (a :class:`vaecore.train.History`, or a :class:`vaecore.train_gan.GANHistory`)."""

    def __init__(self, message: str, history: object) -> None:
        super().__init__(message)
        self.history = history


def check_finite_rows(tensors: tuple[torch.Tensor, ...], what: str) -> None:
    """Refuse NaN or infinite values in floating-point ``tensors`` (each ``(n, ...)``), naming
    the first rows that hold them."""
    for i, t in enumerate(tensors):
        if not t.is_floating_point():
            continue
        bad = (~torch.isfinite(t)).reshape(len(t), -1).any(dim=1).nonzero().flatten()
        if len(bad):
            which = f" (tensor {i} of {len(tensors)})" if len(tensors) > 1 else ""
            rows = ", ".join(str(int(r)) for r in bad[:5]) + (", ..." if len(bad) > 5 else "")
            raise ValueError(
                f"{what}{which} contains NaN or infinite values in {len(bad)} row(s): {rows}. "
                "Drop or repair those rows before training."
            )


def attach_history(err: BaseException, history: object) -> None:
    """Attach what training recorded to an error raised during it, as ``err.history`` (a
    :class:`TrainingDiverged` may carry it already)."""
    if getattr(err, "history", None) is None:
        setattr(err, "history", history)  # noqa: B010 (an attribute exceptions do not declare)
    err.add_note("The history recorded until this error is in its .history attribute.")


@checks.arguments(total=checks.COUNT)
def progress_bar(total: int, desc: str, asked: bool | None) -> tqdm:
    """A progress bar of ``total`` steps, shown unless ``asked`` (or, when it is None,
    ``$VAECORE_PROGRESS``) says not to (:func:`vaecore.settings.show_progress`)."""
    return tqdm(total=total, desc=desc, disable=not settings.show_progress(asked))


@checks.arguments(lr=checks.AT_LEAST_ZERO)
def set_learning_rate(optimiser: torch.optim.Optimizer, lr: float) -> None:
    """Set every parameter group of ``optimiser`` to the learning rate ``lr``."""
    for group in optimiser.param_groups:
        group["lr"] = lr


def check_gradients(module: nn.Module, loss: torch.Tensor, what: str) -> None:
    """Raise :class:`TrainingDiverged` when ``loss`` or a gradient of ``module`` is not finite.
    Called between ``backward()`` and the optimiser's step, it keeps the weights finite."""
    grads = [p.grad for p in module.parameters() if p.grad is not None]
    norm = float(nn.utils.get_total_norm(grads)) if grads else 0.0
    if not (math.isfinite(loss.item()) and math.isfinite(norm)):
        raise TrainingDiverged(
            f"{what}'s loss is {loss.item():.4g} and its gradient's norm {norm:.4g}; its weights "
            "are kept from before this step. Lower the learning rate or check the data",
            None,
        )


Data = torch.Tensor | tuple[torch.Tensor, ...]


def as_tensors(data: Data) -> tuple[torch.Tensor, ...]:
    """One tensor or several of one length, as a tuple; refuse anything else, saying what to
    pass, and an empty or ragged set."""
    tensors = data if isinstance(data, tuple) else (data,)
    for t in tensors:
        if not isinstance(t, torch.Tensor):
            raise TypeError(_not_a_tensor(t))
    if not tensors or len(tensors[0]) == 0:
        raise ValueError("the data set is empty")
    if any(len(t) != len(tensors[0]) for t in tensors):
        raise ValueError(
            f"tensors indexed together need one length, got {[len(t) for t in tensors]}"
        )
    return tensors


def _not_a_tensor(value: object) -> str:
    """What to pass instead of ``value``, which is not a tensor."""
    kind = type(value).__name__
    if hasattr(value, "images"):  # an ImageSet of vaecore.data.datasets.load_images
        fix = "pass its images tensor, e.g. load_images(...).images (and .labels if needed)"
    elif isinstance(value, np.ndarray):
        fix = "convert it with torch.from_numpy(array).float()"
    elif isinstance(value, (list, tuple)):
        fix = "convert it with torch.tensor(values, dtype=torch.float32) (a tuple of tensors is "
        fix += "indexed together: (x, labels))"
    else:
        fix = "pass an (n, d) tensor, or a tuple of tensors of one length n"
    return f"the data must be torch tensors, got a {kind}: {fix}"


def check_training_inputs(
    model: nn.Module,
    train: tuple[torch.Tensor, ...],
    test_data: Data | None,
    lengths: torch.Tensor | None,
) -> None:
    """Everything a loop is given, checked before the first step: finite training data of the
    model's dtype, test data shaped like it, and one length per training example."""
    n = len(train[0])
    weight = next(model.parameters(), None)
    if weight is None:
        raise ValueError(f"{type(model).__name__} has no parameters to train")
    for t in train:
        if t.is_floating_point() and t.dtype != weight.dtype:
            raise TypeError(
                f"the training data has dtype {t.dtype} but the model's weights are "
                f"{weight.dtype}: convert it with .to({weight.dtype}) (torch.from_numpy keeps "
                "NumPy's float64; .float() gives float32)"
            )
    if lengths is not None and lengths.shape != (n,):
        raise ValueError(
            f"lengths must be ({n},), one per training example, got {tuple(lengths.shape)}"
        )
    check_finite_rows(train, "the training data")
    if test_data is None:
        return
    test = as_tensors(test_data)
    if _kinds(test) != _kinds(train):
        raise ValueError(
            f"test_data must be shaped like the training data: the training data is "
            f"{_kinds(train)}, the test data {_kinds(test)}"
        )
    check_finite_rows(test, "the test data")


def _kinds(data: tuple[torch.Tensor, ...]) -> list[str]:
    """Per tensor its dimensions and dtype, and the data's (the first tensor's) features: what
    test data must share with the training data (a padded length may differ)."""
    return [
        f"{t.dim()}-D {t.dtype}" + (f", {t.shape[-1]} features" if i == 0 else "")
        for i, t in enumerate(data)
    ]


@contextmanager
def evaluating(*modules: nn.Module) -> Iterator[None]:
    """Inside the block: every module (and each of its layers) in evaluation mode, and no
    gradients. After it: each layer back in the mode it was in, so that a helper that measures a
    model leaves it as it found it, even when the block fails."""
    modes = [(layer, layer.training) for m in modules for layer in m.modules()]
    for m in modules:
        m.eval()
    try:
        with torch.no_grad():
            yield
    finally:
        for layer, mode in modes:
            layer.training = mode
