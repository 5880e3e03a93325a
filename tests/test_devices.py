"""The book runs wherever its reader's PyTorch computes: a chapter that trains on Colab's GPU
still calls its model on CPU tensors afterwards (issue 35, item 3).

Two rules, each checked here without a GPU:

* ``fit`` and ``train_gan`` train on the chosen device and put each model back on the device it
  came from. The test keeps the model "elsewhere" (PyTorch's ``meta`` device, which every CPU
  build has) and trains on the CPU: the model must end on ``meta`` again.
* Every public function that is handed a model and tensors moves the tensors to the model's
  device, computes there, and answers on the caller's. With the model on ``meta`` and the inputs
  on the CPU, such a function computes on ``meta`` and then fails only where it copies its
  answer back (a ``meta`` tensor holds no numbers); one that forgot to move its inputs fails
  earlier, on mixed devices. The functions are found by their annotations, not listed: a new
  one must be called here, or named as an objective that takes its batch on the model's device.
"""

from __future__ import annotations

import importlib
import inspect
import pkgutil
import re
import types
import typing
from collections.abc import Callable
from typing import Any

import pytest
import torch
from torch import nn

import vaecore
import vaecore.train
import vaecore.train_gan
from vaecore.book.explore import explore, output_sensitivity
from vaecore.data.datasets import StrokeSet
from vaecore.experiments.toy_gans import ToyRun, toy_players
from vaecore.metrics.batched import apply_in_batches, decode, encode, reconstruct
from vaecore.metrics.judge import classifier_features
from vaecore.metrics.likelihood import estimate_nll, sequence_bounds
from vaecore.models.classifier import ConvClassifier
from vaecore.models.parts import model_device
from vaecore.models.vae import VAE
from vaecore.models.vrnn import VRNN
from vaecore.train import TrainConfig, fit
from vaecore.train_gan import GANConfig, train_gan

ELSEWHERE = torch.device("meta")

#: A meta tensor reached the point where its numbers are needed: the work ran on the model's
#: device and the answer is on its way back to the caller's.
ANSWERED = re.compile(r"copy out of meta tensor|cannot be called on meta tensors")


def _elsewhere(model: nn.Module) -> nn.Module:
    return model.to(ELSEWHERE)


def _vae() -> VAE:
    return _elsewhere(VAE(3, hidden=(8,), data_dim=12))  # type: ignore[return-value]


def _strokes() -> StrokeSet:
    strokes = torch.zeros(2, 5, 3)
    strokes[..., 2] = torch.tensor([0.0, 0.0, 1.0, 0.0, 1.0])
    return StrokeSet(
        strokes=strokes, mask=torch.ones(2, 5), lengths=torch.tensor([5, 5]), scale=1.0
    )


#: How each model-taking public function is called with its model elsewhere and its tensors
#: on the CPU, by ``module:function``.
CALLS: dict[str, Callable[[], Any]] = {
    "vaecore.metrics.batched:apply_in_batches": lambda: apply_in_batches(
        vae := _vae(), vae.encode, torch.rand(5, 12), 2
    ),
    "vaecore.metrics.batched:reconstruct": lambda: reconstruct(_vae(), torch.rand(5, 12), 2),
    "vaecore.metrics.batched:encode": lambda: encode(_vae(), torch.rand(5, 12), 2),
    "vaecore.metrics.batched:decode": lambda: decode(_vae(), torch.randn(5, 3), 2),
    "vaecore.metrics.judge:classifier_features": lambda: classifier_features(
        _elsewhere(ConvClassifier()),  # type: ignore[arg-type]
        torch.rand(3, 784),
    ),
    "vaecore.metrics.likelihood:estimate_nll": lambda: estimate_nll(
        _vae(), torch.rand(4, 12).round(), k=2, batch_size=2, progress=False
    ),
    "vaecore.metrics.likelihood:sequence_bounds": lambda: sequence_bounds(
        _elsewhere(VRNN(z_dim=2, h_dim=8, feat_dim=6, hidden=10)),  # type: ignore[arg-type]
        _strokes(),
    ),
    "vaecore.book.explore:output_sensitivity": lambda: output_sensitivity(
        _vae().decode, torch.randn(4, 3)
    ),
    "vaecore.book.explore:explore": lambda: explore(
        _vae().decode, torch.randn(4, 3), image_shape=(3, 4)
    ),
}

#: Model-taking public functions that are not handed the caller's tensors to move, and why.
NOT_HANDED_TENSORS = {
    # objectives and steps: like a model's own forward, they take a batch that is already on
    # the model's device (fit and train_gan put it there)
    "vaecore.losses:elbo": "an objective",
    "vaecore.losses:iwae": "an objective",
    "vaecore.train:loss_terms": "an objective",
    "vaecore.train:train_step": "one step of fit, on fit's device",
    "vaecore.train_gan:gan_step": "one step of train_gan, on its device",
    "vaecore.loop_parts:check_gradients": "reads a loss already computed on the model's device",
    "vaecore.loop_parts:check_training_inputs": "fit's input checks: data, and the model's dtype",
    "vaecore.models.vrnn:run_steps": "the VRNN's forward over a batch on its device",
    "vaecore.models.parts:refuse_foreign_input": "a model's own input check",
    "vaecore.models.parts:check_batch": "a model's own input check",
    # trainers: they move the model and its data themselves (test_training_puts_... below)
    "vaecore.train:fit": "a trainer",
    "vaecore.train:evaluate_loss": "fit's test pass; moves its data to the model's device",
    "vaecore.train_gan:train_gan": "a trainer",
    "vaecore.train_gan:fit_discriminator": "a trainer of its own samplers",
    "vaecore.train_mistakes:fit_in_stages": "a trainer (fit, twice)",
    "vaecore.experiments.image_models:encoder_model": "a trainer (fit)",
    "vaecore.experiments.image_models:gan_model": "a trainer (train_gan)",
    # no tensors, or the model's own bookkeeping
    "vaecore.checkpoint:save": "writes the weights, moved to the CPU",
    "vaecore.checkpoint:load": "reads weights into the model where it is",
    "vaecore.checkpoint:settings_of": "reads the model's settings",
    "vaecore.loop_parts:evaluating": "sets modes",
    "vaecore.models.parts:model_device": "tells the device",
    "vaecore.models.parts:count_parameters": "counts",
    "vaecore.models.parts:first_linear_width": "reads a shape",
    "vaecore.book.explore.frames:module_of": "finds the module",
    "vaecore.book.explore.frames:device_of": "tells the device",
    "vaecore.book.explore.frames:in_eval_mode": "runs a function on inputs its caller moved",
    # experiments' own helpers, called on the models their trainers gave back
    "vaecore.experiments.vae_drawbacks:scores": "on the model measure() trained",
    "vaecore.experiments.vaegan:reconstructions": "on the model its experiment trained",
    "vaecore.experiments.discrete:mean_images": "on the model its experiment trained",
    "vaecore.experiments.discrete:generator_loss_of": "one step of its experiment's loop",
}

#: An annotation that means "a model": a module, a decoder, or a network class of vaecore
#: (each part of a union, ``VAE | Autoencoder``; not ``torch.Generator``, nor a callable that
#: makes a module).
MODEL = re.compile(
    r"nn\.Module|Module|Decode|LatentVariableModel|None|"
    r"\w*(VAE|VAEGAN|Autoencoder|Generator|Discriminator|Classifier|VRNN|StrokeModel)"
)


def _takes_a_model(annotation: Any) -> bool:
    """Whether a parameter's annotation means a model: a string (a module written with ``from
    __future__ import annotations``) read by :data:`MODEL`, or, in a module without it, the
    classes themselves (a subclass of ``nn.Module``, or a union of them and ``None``)."""
    if isinstance(annotation, type):
        return issubclass(annotation, nn.Module)
    kinds = typing.get_args(annotation) if isinstance(annotation, types.UnionType) else ()
    if kinds:
        models = [k for k in kinds if k is not type(None)]
        return bool(models) and all(_takes_a_model(k) for k in models)
    parts = [part.strip() for part in str(annotation).split("|")]
    return parts != ["None"] and all(MODEL.fullmatch(part) for part in parts)


def test_a_model_annotation_is_read_as_a_string_or_as_a_class():
    assert _takes_a_model("VAE | Autoencoder") and _takes_a_model("nn.Module")
    assert _takes_a_model(ConvClassifier) and _takes_a_model(ConvClassifier | None)
    assert not _takes_a_model(torch.Tensor) and not _takes_a_model("torch.Generator")
    assert not _takes_a_model(int | None) and not _takes_a_model(inspect.Parameter.empty)


def _model_taking_functions() -> set[str]:
    found = set()
    for info in pkgutil.walk_packages(vaecore.__path__, "vaecore."):
        if any(part.startswith("_") for part in info.name.split(".")):
            continue
        module = importlib.import_module(info.name)
        for name, obj in vars(module).items():
            if name.startswith("_") or not inspect.isfunction(obj):
                continue
            if obj.__module__ != module.__name__:
                continue
            params = inspect.signature(obj).parameters.values()
            if any(_takes_a_model(p.annotation) for p in params):
                found.add(f"{module.__name__}:{name}")
    return found


def test_every_model_taking_function_is_called_here_or_named():
    found = _model_taking_functions()
    unknown = found - set(CALLS) - set(NOT_HANDED_TENSORS)
    assert not unknown, f"call these with the model on another device in CALLS: {sorted(unknown)}"
    gone = (set(CALLS) | set(NOT_HANDED_TENSORS)) - found
    assert not gone, f"no longer in vaecore (or no longer take a model): {sorted(gone)}"


@pytest.mark.parametrize("name", sorted(CALLS))
def test_model_taking_functions_compute_on_the_models_device(name):
    with pytest.raises((NotImplementedError, RuntimeError)) as caught:
        CALLS[name]()
    assert ANSWERED.search(str(caught.value)), (
        f"{name} did not run on the model's device: {caught.value}"
    )


def test_a_function_that_forgets_to_move_its_inputs_is_caught():
    vae = _vae()
    with pytest.raises((RuntimeError, ValueError)) as caught:
        vae.encode(torch.rand(5, 12))  # the model's own forward: the caller's job to move
    assert not ANSWERED.search(str(caught.value))


def test_answers_come_back_on_the_callers_device():
    vae = VAE(3, hidden=(8,), data_dim=12)
    x = torch.rand(5, 12)
    assert encode(vae, x, 2).device == x.device
    assert output_sensitivity(vae.decode, torch.randn(4, 3)).device == x.device


def _kept_elsewhere(monkeypatch: pytest.MonkeyPatch, module: Any) -> None:
    """The caller keeps its models on ``ELSEWHERE``: that is where the trainer finds them."""
    monkeypatch.setattr(module, "model_device", lambda model: ELSEWHERE)


def test_fit_puts_the_model_back_where_it_found_it(monkeypatch):
    _kept_elsewhere(monkeypatch, vaecore.train)
    vae = VAE(3, hidden=(8,), data_dim=12)
    config = TrainConfig(epochs=1, batch_size=4, device="cpu", progress=False)
    fit(vae, torch.rand(8, 12).round(), config)
    assert model_device(vae) == ELSEWHERE and not vae.training


def test_fit_puts_the_model_back_after_a_failure_too(monkeypatch):
    _kept_elsewhere(monkeypatch, vaecore.train)
    vae = VAE(3, hidden=(8,), data_dim=12)
    config = TrainConfig(epochs=1, batch_size=4, device="cpu", progress=False)

    def fails(epoch: int) -> dict[str, float]:
        raise RuntimeError("planted")

    with pytest.raises(RuntimeError, match="planted"):
        fit(vae, torch.rand(8, 12).round(), config, after_epoch=fails)
    assert model_device(vae) == ELSEWHERE


def test_train_gan_puts_both_players_back(monkeypatch):
    _kept_elsewhere(monkeypatch, vaecore.train_gan)
    generator, discriminator = toy_players(ToyRun("ring"))
    config = GANConfig(steps=2, batch_size=8, device="cpu", progress=False, snapshot_every=0)
    train_gan(generator, discriminator, torch.randn(32, 2), config)
    assert model_device(generator) == model_device(discriminator) == ELSEWHERE
    assert not generator.training and not discriminator.training
