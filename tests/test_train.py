"""vaecore.train: the training loop, seeding, devices and the history."""

import itertools
import math
import time

import numpy as np
import pytest
import torch

from vaecore import train as train_module
from vaecore.data.datasets import ImageSet
from vaecore.loop_parts import TrainingDiverged, choose_device
from vaecore.models.autoencoder import linear_autoencoder, mlp_autoencoder
from vaecore.train import History, TrainConfig, evaluate_loss, fit

QUICK = TrainConfig(epochs=3, batch_size=64, lr=3e-3, progress=False)


def _data(n=512, d=784, seed=0):
    """Images-like data with 4-D structure: sigmoid(z A), z ~ N(0, I_4), one fixed A."""
    a = torch.randn(4, d, generator=torch.Generator().manual_seed(99))
    z = torch.randn(n, 4, generator=torch.Generator().manual_seed(seed))
    return torch.sigmoid(z @ a)


def test_training_reduces_the_test_loss():
    train, test = _data(), _data(seed=1)
    model = mlp_autoencoder(4, hidden=(64,))
    before = evaluate_loss(model, test)["loss"]
    history = fit(
        model, train, TrainConfig(epochs=4, batch_size=32, lr=3e-3, progress=False), test_data=test
    )
    assert history.last["test_loss"] < 0.9 * before
    assert [row["epoch"] for row in history.epochs] == [1, 2, 3, 4]
    assert set(history.last) == {"epoch", "train_loss", "test_loss", "seconds"}


def test_same_seed_gives_the_same_losses_and_weights():
    runs = []
    for _ in range(2):
        torch.manual_seed(123)  # model initialisation
        model = linear_autoencoder(2)
        runs.append(
            (fit(model, _data(), QUICK).series("train_loss"), model.decoder.weight.detach())
        )
    assert runs[0][0] == runs[1][0]
    torch.testing.assert_close(runs[0][1], runs[1][1], rtol=0, atol=0)


class OneWeight(torch.nn.Module):
    """A model with one parameter ``w`` whose loss is ``loss_fn(w, x)``."""

    def __init__(self, loss_fn, w=1.0):
        super().__init__()
        self.w = torch.nn.Parameter(torch.tensor(w))
        self.loss_fn = loss_fn

    def loss(self, *batch):
        return self.loss_fn(self.w, *batch)


def test_dict_losses_are_minimised_on_loss_and_all_terms_recorded():
    def two_terms(w, x):
        a, b = w**2, (w - 1) ** 2
        return {"loss": a + b, "a": a, "b": b}

    model = OneWeight(two_terms, w=3.0)
    config = TrainConfig(epochs=10, batch_size=1, lr=0.05, progress=False)  # 640 steps
    history = fit(model, _data(64, 1), config)
    assert abs(model.w.item() - 0.5) < 0.05
    assert {"train_a", "train_b", "train_loss"} <= set(history.last)


def test_after_epoch_adds_its_metrics_untimed_in_evaluation_mode(monkeypatch):
    clock = [0.0]  # fit's clock: real time, plus an hour for every call of the slow metric
    monkeypatch.setattr(train_module.time, "perf_counter", lambda: time.monotonic() + clock[0])
    model = mlp_autoencoder(4, hidden=(16,))
    seen, modes = [], []

    def slow_metric(epoch):
        seen.append((epoch, model.training, torch.is_grad_enabled()))
        model.train()  # whatever the metric does to the mode, training goes on in training mode
        clock[0] += 3600.0
        return {"extra": 10.0 * epoch}

    history = fit(
        model,
        _data(128),
        QUICK,
        before_epoch=lambda e: modes.append(model.training),
        after_epoch=slow_metric,
    )
    assert history.series("extra") == [10.0, 20.0, 30.0]
    assert seen == [(1, False, False), (2, False, False), (3, False, False)]
    assert modes == [True, True, True]
    assert max(history.series("seconds")) < 3600.0  # the metric's time is not training time


def test_before_epoch_runs_before_each_epoch_within_one_run():
    steps = []

    def counted(w, x):
        steps.append(1)
        return (w * x).pow(2).mean()

    seen = []
    config = TrainConfig(epochs=3, batch_size=16, progress=False)  # 4 steps per epoch
    fit(
        OneWeight(counted),
        _data(64, 1),
        config,
        before_epoch=lambda e: seen.append((e, len(steps))),
    )
    assert seen == [(1, 0), (2, 4), (3, 8)]


def test_a_warm_up_through_before_epoch_keeps_one_optimiser():
    # Three epochs in one call differ from three calls of one epoch each: the calls restart
    # Adam's moments and the cosine schedule. before_epoch keeps the single run.
    def run(one_call):
        torch.manual_seed(0)
        model = mlp_autoencoder(4, hidden=(16,))
        if one_call:
            fit(
                model,
                _data(64),
                TrainConfig(epochs=3, batch_size=16, progress=False),
                before_epoch=lambda e: None,
            )
        else:
            for _ in range(3):
                fit(model, _data(64), TrainConfig(epochs=1, batch_size=16, progress=False))
        return torch.cat([p.detach().flatten() for p in model.parameters()])

    torch.manual_seed(0)
    plain = mlp_autoencoder(4, hidden=(16,))
    fit(plain, _data(64), TrainConfig(epochs=3, batch_size=16, progress=False))
    weights = torch.cat([p.detach().flatten() for p in plain.parameters()])
    torch.testing.assert_close(run(one_call=True), weights)
    assert not torch.allclose(run(one_call=False), weights)


def test_non_finite_loss_stops_with_the_step_named_and_keeps_the_history():
    calls = itertools.count()

    def explodes_at_step_5(w, x):
        loss = (w * x).pow(2).mean()
        return {"loss": loss * float("inf") if next(calls) == 5 else loss, "w": w}

    with pytest.raises(TrainingDiverged, match="step 5") as err:
        fit(
            OneWeight(explodes_at_step_5),
            _data(64, 1),
            TrainConfig(epochs=2, batch_size=16, progress=False),
        )
    steps = err.value.history.steps
    assert len(steps) == 6 and math.isinf(steps[-1]["loss"]) and "w" in steps[-1]
    assert len(err.value.history.epochs) == 1  # the first epoch (4 steps) finished
    assert isinstance(err.value, FloatingPointError)


def test_non_finite_gradient_stops_before_the_step_and_keeps_the_weights():
    def sqrt_at_zero(w, x):  # finite loss, infinite gradient where w = 0
        return (w * x).abs().sqrt().mean()

    model = OneWeight(sqrt_at_zero, w=0.0)
    with pytest.raises(TrainingDiverged, match="at step 0 .*the gradient became") as err:
        fit(model, _data(64, 1), TrainConfig(epochs=1, batch_size=16, progress=False))
    assert model.w.item() == 0.0 and len(err.value.history.steps) == 1
    assert "weights from before this step" in str(err.value)


def test_keyboard_interrupt_keeps_model_and_finished_epochs():
    calls = itertools.count(1)

    def stop_in_second_epoch(w, x):
        if next(calls) > 8:  # 8 batches of 64 = one epoch of 512
            raise KeyboardInterrupt
        return (w * x).pow(2).mean()

    history = fit(OneWeight(stop_in_second_epoch), _data(512, 1), QUICK)
    assert history.interrupted and len(history.epochs) == 1
    assert "interrupted" in str(history)


def test_a_model_without_a_loss_method_is_refused_clearly():
    with pytest.raises(TypeError, match="no loss"):
        fit(torch.nn.Linear(2, 2), _data(8, 2), QUICK)


def test_empty_training_set_is_refused():
    with pytest.raises(ValueError, match="empty"):
        fit(linear_autoencoder(2), torch.zeros(0, 784), QUICK)


def test_choose_device(monkeypatch):
    monkeypatch.delenv("VAECORE_DEVICE", raising=False)
    assert choose_device("cpu") == torch.device("cpu")
    monkeypatch.setenv("VAECORE_DEVICE", "cpu")
    assert choose_device() == torch.device("cpu")
    with pytest.raises(ValueError, match="is not a device"):
        choose_device("tpu")


def test_history_prints_a_table():
    h = History([{"epoch": 1, "train_loss": 0.5, "seconds": 1.0}])
    assert "train_loss" in str(h) and "0.5000" in str(h)
    assert History().last == {} and "no finished epoch" in str(History())


def test_tuples_of_tensors_are_batched_together():
    seen = []

    def record(w, x, y):
        seen.append(torch.equal(x[:, 0].long(), y))  # each row's label came with its own row
        return (w * x).pow(2).mean()

    x = torch.arange(50.0)[:, None]
    fit(
        OneWeight(record),
        (x, torch.arange(50)),
        TrainConfig(epochs=2, batch_size=8, progress=False),
    )
    assert seen and all(seen)
    with pytest.raises(ValueError, match="one length"):
        fit(OneWeight(record), (x, torch.arange(49)), QUICK)


def test_gradients_are_clipped_before_the_optimiser_step(monkeypatch):
    """The optimiser must see the clipped gradients (clipping after its step clips nothing used)."""
    seen = []
    original_step = torch.optim.Adam.step

    def recording_step(self, *args, **kwargs):
        grads = [
            p.grad for group in self.param_groups for p in group["params"] if p.grad is not None
        ]
        seen.append(float(torch.linalg.vector_norm(torch.stack([g.norm() for g in grads]))))
        return original_step(self, *args, **kwargs)

    monkeypatch.setattr(torch.optim.Adam, "step", recording_step)
    model = mlp_autoencoder(4, hidden=(16,), likelihood="gaussian")
    data = 1000 * _data(n=64)  # targets far off: very large gradients
    fit(model, data, TrainConfig(epochs=2, batch_size=32, progress=False, clip_grad_norm=0.5))
    assert len(seen) == 4 and max(seen) <= 0.5 + 1e-4
    seen.clear()
    fit(
        mlp_autoencoder(4, hidden=(16,), likelihood="gaussian"),
        data,
        TrainConfig(epochs=1, batch_size=32, progress=False),
    )
    assert min(seen) > 0.5  # without clipping the same gradients are far larger


def test_a_metric_recorded_on_some_epochs_only_shows_as_blank_and_nan():
    """An after_epoch metric computed now and then, as fit's docstring suggests."""
    history = History(
        epochs=[
            {"epoch": 1, "train_loss": 2.0, "seconds": 1.0},
            {"epoch": 2, "train_loss": 1.5, "seconds": 1.0, "test_nll": 90.0},
        ]
    )
    assert history.keys() == ["epoch", "train_loss", "seconds", "test_nll"]
    nll = history.series("test_nll")
    assert math.isnan(nll[0]) and nll[1] == 90.0
    lines = str(history).splitlines()
    assert lines[0].split() == ["epoch", "train_loss", "seconds", "test_nll"]
    assert lines[1].split() == ["1", "2.0000", "1.0000"] and lines[2].split()[-1] == "90.0000"
    with pytest.raises(KeyError, match="no epoch recorded 'test_kl'; the metrics are"):
        history.series("test_kl")


@pytest.mark.parametrize(
    ("data", "fix"),
    [
        (np.zeros((8, 4), dtype=np.float32), r"torch\.from_numpy\(array\)\.float\(\)"),
        ([[0.0] * 4] * 8, r"torch\.tensor\(values, dtype=torch\.float32\)"),
        (ImageSet(torch.zeros(8, 4), torch.zeros(8), ("a",)), r"load_images\(\.\.\.\)\.images"),
    ],
)
def test_fit_given_something_other_than_tensors_says_what_to_pass(data, fix):
    with pytest.raises(TypeError, match=rf"must be torch tensors, got a \w+: .*{fix}"):
        fit(linear_autoencoder(2, data_dim=4), data, TrainConfig(epochs=1, progress=False))


class _Loss(torch.nn.Module):
    def __init__(self, returns):
        super().__init__()
        self.w, self.returns = torch.nn.Parameter(torch.ones(4)), returns

    def loss(self, x):
        per_example = ((x - self.w) ** 2).sum(1)
        return {"per_example": per_example} if self.returns == "dict" else per_example


@pytest.mark.parametrize(
    ("returns", "said"),
    [
        ("dict", r"returned a dict without 'loss' \(keys \['per_example'\]\)"),
        ("per example", r"one scalar tensor to minimise, got \(8,\): .*losses\.mean\(\)"),
    ],
)
def test_a_loss_of_the_wrong_form_is_refused_with_what_to_return(returns, said):
    with pytest.raises(TypeError, match=said):
        fit(_Loss(returns), torch.zeros(8, 4), TrainConfig(epochs=1, progress=False))
