"""vaecore.models.vrnn: the VRNN's per-step ELBO, RNN-Gauss, their likelihood helpers, sampling."""

from __future__ import annotations

import pytest
import torch
from torch.distributions import Bernoulli, Normal

from vaecore.models.vrnn import (VRNN, RNNGauss, count_parameters, gaussian_params, matched_rnn,
                                 rnn_gauss_parameters, stroke_log_prob)
from vaecore.train import TrainConfig, fit


def strokes_batch(lengths: list[int], seed: int = 0, pad: float = 0.0) -> tuple[torch.Tensor, torch.Tensor]:
    """Random strokes ``(B, max(lengths), 3)`` and their mask; padded steps hold ``pad``."""
    g = torch.Generator().manual_seed(seed)
    T = max(lengths)
    x = torch.cat([torch.randn(len(lengths), T, 2, generator=g),
                   torch.bernoulli(torch.full((len(lengths), T, 1), 0.2), generator=g)], dim=-1)
    mask = (torch.arange(T) < torch.tensor(lengths)[:, None]).float()
    x = torch.where(mask[..., None].bool(), x, torch.full_like(x, pad))
    return x, mask


MODELS = [lambda: VRNN(z_dim=4, h_dim=16, feat_dim=8, hidden=16),
          lambda: RNNGauss(h_dim=16, feat_dim=8, hidden=16)]


def test_stroke_log_prob_matches_torch_distributions():
    g = torch.Generator().manual_seed(1)
    x = torch.cat([torch.randn(50, 2, generator=g), torch.bernoulli(torch.full((50, 1), 0.5), generator=g)], -1)
    out = torch.randn(50, 5, generator=g) * 2
    mu, logvar = gaussian_params(out[:, :4], 1e-3)
    expected = (Normal(mu, torch.exp(0.5 * logvar)).log_prob(x[:, :2]).sum(-1)
                + Bernoulli(logits=out[:, 4]).log_prob(x[:, 2]))
    torch.testing.assert_close(stroke_log_prob(x, out, 1e-3), expected)
    # the standard deviation is softplus(raw) + min_std
    torch.testing.assert_close(torch.exp(0.5 * logvar), torch.nn.functional.softplus(out[:, 2:4]) + 1e-3)


def test_standard_deviations_are_floored_so_the_density_stays_finite():
    out = torch.tensor([[0.0, 0.0, -1e4, -1e4, 0.0]])
    mu, logvar = gaussian_params(out[:, :4], 0.01)
    torch.testing.assert_close(torch.exp(0.5 * logvar), torch.full((1, 2), 0.01))
    assert torch.isfinite(stroke_log_prob(torch.tensor([[0.0, 0.0, 1.0]]), out, 0.01)).all()


@pytest.mark.parametrize("make", MODELS)
def test_padded_steps_count_for_nothing(make):
    model = make()
    lengths = [7, 3, 5, 1]
    zeros, mask = strokes_batch(lengths, pad=0.0)
    junk, _ = strokes_batch(lengths, pad=1e3)  # same real steps, absurd padding
    longer = torch.cat([junk, torch.full((4, 6, 3), -50.0)], dim=1)  # six more padded steps
    longer_mask = torch.cat([mask, torch.zeros(4, 6)], dim=1)
    values = []
    for x, m in ((zeros, mask), (junk, mask), (longer, longer_mask)):
        torch.manual_seed(3)
        values.append(model.log_weights(x, m))
    torch.testing.assert_close(values[0], values[1])
    torch.testing.assert_close(values[0], values[2])
    # and each sequence gets the value it has when the batch is cut to its own length
    for i, n in enumerate(lengths):
        torch.manual_seed(3)
        alone = model.log_weights(zeros[:, :n], mask[:, :n])
        torch.testing.assert_close(alone[i], values[0][i])


def test_elbo_is_the_sum_of_its_per_step_terms():
    model = VRNN(z_dim=4, h_dim=16, feat_dim=8, hidden=16)
    x, mask = strokes_batch([6, 4, 2])
    torch.manual_seed(0)
    terms = model.step_terms(x, mask)
    torch.manual_seed(0)
    loss = model.loss(x, mask)
    steps = mask.sum()
    torch.testing.assert_close(loss["loss"] * steps, -(terms["log_px"] - terms["kl"]).sum())
    torch.testing.assert_close(loss["nll"] * steps, -terms["log_px"].sum())
    torch.testing.assert_close(loss["kl"] * steps, terms["kl"].sum())
    assert (terms["kl"] >= 0).all() and (terms["kl"][mask == 0] == 0).all()


def test_the_sampled_log_ratio_averages_to_minus_the_kl():
    """E_q[log p(z) - log q(z)] = -KL(q || p): checks the KL's sign and the importance weights."""
    model = VRNN(z_dim=3, h_dim=8, feat_dim=8, hidden=8)
    x, mask = strokes_batch([2])
    x, mask = x.expand(40_000, 2, 3), mask.expand(40_000, 2)
    torch.manual_seed(0)
    with torch.no_grad():
        terms = model.step_terms(x, mask)
    for t in range(2):  # at t = 1 the KL depends on the drawn z_0 (through h): compare means
        kl = terms["kl"][:, t].mean()
        assert kl > 0.01
        assert abs(terms["log_ratio"][:, t].mean() + kl) < 0.02 * max(1.0, float(kl))


@pytest.mark.parametrize("make", MODELS)
def test_gradients_reach_the_first_step_through_the_recurrence(make):
    model = make()
    x, mask = strokes_batch([12, 12])
    x.requires_grad_(True)
    torch.manual_seed(0)
    terms = model.step_terms(x, mask)
    terms["log_px"][:, -1].sum().backward()  # the last step sees x_0 only through h
    assert x.grad[:, 0].abs().sum() > 0
    assert all(p.grad is not None for p in model.rnn.parameters())


@pytest.mark.parametrize("make", MODELS)
def test_generated_strokes_are_valid_and_reproducible(make):
    model = make()
    a = model.generate(5, 20, generator=torch.Generator().manual_seed(0))
    b = model.generate(5, 20, generator=torch.Generator().manual_seed(0))
    assert a.shape == (5, 20, 3) and torch.isfinite(a).all()
    assert set(a[..., 2].unique().tolist()) <= {0.0, 1.0}
    torch.testing.assert_close(a, b)


def test_vrnn_continues_a_prefix_and_one_latent_moves_the_rest():
    model = VRNN(z_dim=4, h_dim=16, feat_dim=8, hidden=16)
    prefix, _ = strokes_batch([5])
    u = torch.zeros(3, 4)
    u[1, 0], u[2, 0] = 2.0, -2.0
    out = model.generate(3, 12, generator=torch.Generator().manual_seed(0), prefix=prefix[0], z_at_end=u)
    torch.testing.assert_close(out[:, :5], prefix[0].expand(3, 5, 3))
    assert not torch.allclose(out[0, 5:, :2], out[1, 5:, :2])
    # the same latent gives the same continuation: the rows share every other draw
    same = model.generate(2, 12, generator=torch.Generator().manual_seed(0), prefix=prefix[0],
                          z_at_end=torch.zeros(2, 4))
    torch.testing.assert_close(same[0], same[1])
    torch.testing.assert_close(same[0], out[0])


def test_parameter_counts_and_the_matched_baseline():
    for h, f, k in ((5, 3, 7), (193, 64, 128)):
        assert rnn_gauss_parameters(h, f, k) == count_parameters(RNNGauss(h_dim=h, feat_dim=f, hidden=k))
    vrnn = VRNN()
    rnn = matched_rnn(count_parameters(vrnn), feat_dim=64, hidden=128)
    assert abs(count_parameters(rnn) / count_parameters(vrnn) - 1) < 0.01


@pytest.mark.parametrize("x, mask, message", [
    (torch.zeros(2, 5, 2), torch.ones(2, 5), "batch, steps, 3"),
    (torch.zeros(2, 5, 3), torch.ones(2, 4), "batch, steps, 3"),
    (torch.zeros(2, 5, 3), torch.zeros(2, 5), "no real step"),
    (torch.zeros(0, 5, 3), torch.zeros(0, 5), "no real step"),
])
def test_bad_batches_are_refused_clearly(x, mask, message):
    for make in MODELS:
        with pytest.raises(ValueError, match=message):
            make().loss(x, mask)


def test_bad_sizes_and_generate_arguments_are_refused():
    with pytest.raises(ValueError, match="positive"):
        VRNN(z_dim=0)
    with pytest.raises(ValueError, match="positive"):
        RNNGauss(min_std=0)
    model = VRNN(z_dim=4, h_dim=8, feat_dim=8, hidden=8)
    with pytest.raises(ValueError, match="prefix"):
        model.generate(2, 3, prefix=torch.zeros(3, 3))
    with pytest.raises(ValueError, match="z_at_end"):
        model.generate(2, 5, z_at_end=torch.zeros(3, 4))


def test_fit_trains_a_vrnn_on_padded_sequences_of_mixed_length():
    lengths = [3, 9, 5, 2, 8, 6, 4, 7] * 4
    x, mask = strokes_batch(lengths)
    model = VRNN(z_dim=2, h_dim=16, feat_dim=8, hidden=16)
    history = fit(model, (x, mask), TrainConfig(epochs=30, batch_size=8, lr=3e-3, progress=False),
                  test_data=(x, mask), lengths=torch.tensor(lengths))
    assert history.epochs[-1]["test_loss"] < history.epochs[0]["test_loss"] - 0.2
    with pytest.raises(ValueError, match="lengths"):
        fit(model, (x, mask), TrainConfig(epochs=1, progress=False), lengths=torch.tensor(lengths[:-1]))
