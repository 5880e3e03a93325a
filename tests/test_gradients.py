"""Per-layer gradient norms (claim 5 of "Questions readers ask"): the recorder, the models it
watches, and the summary the chapter's verdict reads."""

import pytest
import torch
from torch import nn

from vaecore.experiments import gradients
from vaecore.metrics.gradients import GradientNorms
from vaecore.settings import Budget
from vaecore.train import TrainConfig, fit


def test_one_norm_per_weight_matrix_per_backward_pass_and_the_right_one():
    torch.manual_seed(0)
    net = nn.Sequential(nn.Linear(3, 4), nn.ReLU(), nn.Linear(4, 2))
    x = torch.randn(5, 3)
    with GradientNorms(net) as norms:
        for _ in range(3):
            net.zero_grad(set_to_none=True)
            net(x).pow(2).sum().backward()
            expected = float(net[2].weight.grad.norm())
    assert set(norms.norms) == {"0.weight", "2.weight"}  # biases are not watched
    assert [len(v) for v in norms.norms.values()] == [3, 3]
    assert norms.norms["2.weight"][-1] == pytest.approx(expected)
    net(x).sum().backward()  # after the block: no longer recorded
    assert len(norms.norms["0.weight"]) == 3


def test_it_watches_a_training_loop_without_changing_it():
    def train(watch):
        torch.manual_seed(0)
        net = nn.Sequential(nn.Linear(6, 6))
        net.loss = lambda x: {"loss": net(x).pow(2).mean()}
        if watch:
            with GradientNorms(net) as norms:
                fit(net, torch.randn(40, 6), TrainConfig(epochs=2, batch_size=10, progress=False))
            assert len(norms.norms["0.weight"]) == 8  # 4 steps per epoch
        else:
            fit(net, torch.randn(40, 6), TrainConfig(epochs=2, batch_size=10, progress=False))
        return net[0].weight

    assert torch.equal(train(True), train(False))


def test_a_module_without_weight_matrices_is_refused():
    with pytest.raises(ValueError, match="no weight matrix"):
        GradientNorms(nn.ReLU())


def test_spread_reads_the_first_and_last_tenths():
    watched = gradients.Watched(
        "m",
        {
            "a": [1.0] * 10 + [2.0] * 80 + [4.0] * 10,  # x4 from the first tenth to the last
            "b": [3.0] * 100,
        },
    )
    s = gradients.spread(watched)
    assert (s.lowest, s.highest, s.change, s.steps, s.diverged) == (3.0, 4.0, 4.0, 100, False)


def test_spread_skips_the_non_finite_norms_of_a_diverged_run():
    watched = gradients.Watched("m", {"a": [1.0] * 9 + [1e6, float("inf")]}, diverged=True)
    s = gradients.spread(watched)
    assert s.highest == 1e6 and s.change == 1e6 and s.diverged


TINY = Budget(n_train=None, n_test=None, epochs={"encoders": 3}, sizes={"gan_steps": 3})


def test_the_wrong_sign_kl_explodes_and_the_vae_does_not():
    x = torch.rand(1280, 784, generator=torch.Generator().manual_seed(0))
    vae = gradients.spread(gradients.watch("VAE", x, TINY))
    wrong = gradients.spread(gradients.watch("VAE, wrong-sign KL", x, TINY))
    assert not vae.diverged and vae.steps == 30 and vae.change < 100
    assert wrong.diverged and wrong.steps < 30 and wrong.change > 1e6


@pytest.mark.parametrize("name", ["GAN, non-saturating", "GAN, saturating", "autoencoder"])
def test_every_model_is_watched_layer_by_layer(name):
    x = torch.rand(256, 784, generator=torch.Generator().manual_seed(0))
    watched = gradients.watch(name, x, Budget(None, None, {"encoders": 1}, {"gan_steps": 3}))
    steps = 3 if name.startswith("GAN") else 2
    assert len(watched.norms) >= 4 and all(len(v) == steps for v in watched.norms.values())


def test_an_unknown_model_is_refused():
    with pytest.raises(ValueError, match="unknown model 'RNN'"):
        gradients.watch("RNN", torch.rand(8, 784), TINY)
