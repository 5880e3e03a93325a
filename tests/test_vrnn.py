"""vaecore.models.vrnn: the VRNN's per-step ELBO, RNN-Gauss and RNN-GMM, their likelihood helpers,
sampling."""

from __future__ import annotations

import pytest
import torch
from torch.distributions import Bernoulli, Normal, kl_divergence

from vaecore.losses import (
    gaussian_params,
    mixture_parts,
    mixture_stroke_log_prob,
    stroke_log_prob,
)
from vaecore.models.parts import count_parameters
from vaecore.models.vrnn import RNNGMM, VRNN, RNNGauss, matched_rnn, rnn_gauss_parameters
from vaecore.train import TrainConfig, fit


def strokes_batch(
    lengths: list[int], seed: int = 0, pad: float = 0.0
) -> tuple[torch.Tensor, torch.Tensor]:
    """Random strokes ``(B, max(lengths), 3)`` and their mask; padded steps hold ``pad``."""
    g = torch.Generator().manual_seed(seed)
    T = max(lengths)
    x = torch.cat(
        [
            torch.randn(len(lengths), T, 2, generator=g),
            torch.bernoulli(torch.full((len(lengths), T, 1), 0.2), generator=g),
        ],
        dim=-1,
    )
    mask = (torch.arange(T) < torch.tensor(lengths)[:, None]).float()
    x = torch.where(mask[..., None].bool(), x, torch.full_like(x, pad))
    return x, mask


MODELS = [
    lambda: VRNN(z_dim=4, h_dim=16, feat_dim=8, hidden=16),
    lambda: RNNGauss(h_dim=16, feat_dim=8, hidden=16),
    lambda: RNNGMM(3, h_dim=16, feat_dim=8, hidden=16),
]


def test_stroke_log_prob_matches_torch_distributions():
    g = torch.Generator().manual_seed(1)
    x = torch.cat(
        [torch.randn(50, 2, generator=g), torch.bernoulli(torch.full((50, 1), 0.5), generator=g)],
        -1,
    )
    out = torch.randn(50, 5, generator=g) * 2
    mu, logvar = gaussian_params(out[:, :4], 1e-3)
    expected = Normal(mu, torch.exp(0.5 * logvar)).log_prob(x[:, :2]).sum(-1) + Bernoulli(
        logits=out[:, 4]
    ).log_prob(x[:, 2])
    torch.testing.assert_close(stroke_log_prob(x, out, 1e-3), expected)
    # the standard deviation is softplus(raw) + min_std
    torch.testing.assert_close(
        torch.exp(0.5 * logvar), torch.nn.functional.softplus(out[:, 2:4]) + 1e-3
    )


def random_points(n: int, seed: int = 1) -> torch.Tensor:
    g = torch.Generator().manual_seed(seed)
    pen = torch.bernoulli(torch.full((n, 1), 0.5), generator=g)
    return torch.cat([torch.randn(n, 2, generator=g), pen], -1)


def test_a_one_component_mixture_is_the_gaussian_output():
    """K = 1: the weight's logit is irrelevant (softmax of one number is 1), and the mixture's
    density is stroke_log_prob's, whatever that logit is."""
    x = random_points(40)
    out = torch.randn(40, 5, generator=torch.Generator().manual_seed(2)) * 2
    for w in (-30.0, 0.0, 7.5):
        mixture_out = torch.cat([torch.full((40, 1), w), out], -1)
        torch.testing.assert_close(
            mixture_stroke_log_prob(x, mixture_out, 1e-3), stroke_log_prob(x, out, 1e-3)
        )


def test_the_mixture_matches_torch_distributions_and_its_weights_sum_to_one():
    g = torch.Generator().manual_seed(3)
    K, x = 4, random_points(30)
    out = torch.randn(30, 5 * K + 1, generator=g) * 2
    log_pi, mu, logvar, pen_logit = mixture_parts(out, 1e-3)
    torch.testing.assert_close(log_pi.exp().sum(-1), torch.ones(30))
    rows = out[:, :-1].reshape(30, K, 5)
    offsets = torch.distributions.MixtureSameFamily(
        torch.distributions.Categorical(logits=rows[..., 0]),
        torch.distributions.Independent(
            Normal(rows[..., 1:3], torch.nn.functional.softplus(rows[..., 3:5]) + 1e-3), 1
        ),
    )
    expected = offsets.log_prob(x[:, :2]) + Bernoulli(logits=out[:, -1]).log_prob(x[:, 2])
    torch.testing.assert_close(mixture_stroke_log_prob(x, out, 1e-3), expected)


def test_the_mixture_density_integrates_to_one_over_the_offsets():
    """Summed over a fine grid of offsets and both pen values, the density comes to 1."""
    g = torch.Generator().manual_seed(4)
    out = torch.randn(1, 5 * 3 + 1, generator=g)
    grid = torch.linspace(-8, 8, 321)  # spacing 0.05; the components' sigmas are 0.3 to 2
    dx, dy, pen = torch.meshgrid(grid, grid, torch.tensor([0.0, 1.0]), indexing="ij")
    x = torch.stack([dx, dy, pen], -1).reshape(-1, 3)
    p = mixture_stroke_log_prob(x, out.expand(len(x), -1), 1e-3).exp()
    assert float(p.sum() * 0.05**2) == pytest.approx(1.0, abs=2e-3)


def test_drawn_points_follow_the_mixtures_weights_and_components():
    """Two narrow components far apart, weights 0.3 and 0.7, pen probability 0.2: the drawn
    points fall near each mean in those shares, with each component's spread."""
    model = RNNGMM(2, h_dim=4, feat_dim=4, hidden=4)
    w = torch.log(torch.tensor([0.3, 0.7]))
    raw = torch.log(torch.expm1(torch.tensor(0.1)))  # softplus(raw) = 0.1 (+ min_std)
    rows = torch.stack(
        [torch.tensor([w[0], -5.0, 0.0, raw, raw]), torch.tensor([w[1], 5.0, 2.0, raw, raw])]
    )
    out = torch.cat([rows.flatten(), torch.logit(torch.tensor([0.2]))])[None].expand(20_000, -1)
    x = model.draw(out, torch.Generator().manual_seed(0))
    right = x[:, 0] > 0
    assert float(right.float().mean()) == pytest.approx(0.7, abs=0.01)
    assert float(x[right, 1].mean()) == pytest.approx(2.0, abs=0.01)
    assert float(x[~right, 0].std()) == pytest.approx(0.101, abs=0.005)
    assert float(x[:, 2].mean()) == pytest.approx(0.2, abs=0.01)
    assert set(x[:, 2].unique().tolist()) == {0.0, 1.0}


@pytest.mark.parametrize("size", [0, 5, 7, 12])
def test_a_mixture_output_of_the_wrong_size_is_refused(size):
    with pytest.raises(ValueError, match="5K \\+ 1"):
        mixture_stroke_log_prob(torch.zeros(2, 3), torch.zeros(2, size), 1e-3)


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
    out = model.generate(
        3, 12, generator=torch.Generator().manual_seed(0), prefix=prefix[0], z_at_end=u
    )
    torch.testing.assert_close(out[:, :5], prefix[0].expand(3, 5, 3))
    assert not torch.allclose(out[0, 5:, :2], out[1, 5:, :2])
    # the same latent gives the same continuation: the rows share every other draw
    same = model.generate(
        2,
        12,
        generator=torch.Generator().manual_seed(0),
        prefix=prefix[0],
        z_at_end=torch.zeros(2, 4),
    )
    torch.testing.assert_close(same[0], same[1])
    torch.testing.assert_close(same[0], out[0])


def test_parameter_counts_and_the_matched_baseline():
    for h, f, k in ((5, 3, 7), (193, 64, 128)):
        assert rnn_gauss_parameters(h, f, k) == count_parameters(
            RNNGauss(h_dim=h, feat_dim=f, hidden=k)
        )
        assert rnn_gauss_parameters(h, f, k, components=20) == count_parameters(
            RNNGMM(20, h_dim=h, feat_dim=f, hidden=k)
        )
    vrnn = VRNN()
    for components, kind in ((1, RNNGauss), (20, RNNGMM)):
        rnn = matched_rnn(count_parameters(vrnn), feat_dim=64, hidden=128, components=components)
        assert type(rnn) is kind
        assert abs(count_parameters(rnn) / count_parameters(vrnn) - 1) < 0.01


@pytest.mark.parametrize(
    "x, mask, message",
    [
        (torch.zeros(2, 5, 2), torch.ones(2, 5), "batch, steps, 3"),
        (torch.zeros(2, 5, 3), torch.ones(2, 4), "batch, steps, 3"),
        (torch.zeros(2, 5, 3), torch.zeros(2, 5), "no real step"),
        (torch.zeros(0, 5, 3), torch.zeros(0, 5), "no real step"),
    ],
)
def test_bad_batches_are_refused_clearly(x, mask, message):
    for make in MODELS:
        with pytest.raises(ValueError, match=message):
            make().loss(x, mask)


def test_bad_sizes_and_generate_arguments_are_refused():
    with pytest.raises(ValueError, match="z_dim must be a whole number >= 1"):
        VRNN(z_dim=0)
    with pytest.raises(ValueError, match="min_std must be a finite number > 0"):
        RNNGauss(min_std=0)
    with pytest.raises(ValueError, match="components must be a whole number >= 1"):
        RNNGMM(0)
    model = VRNN(z_dim=4, h_dim=8, feat_dim=8, hidden=8)
    with pytest.raises(ValueError, match="prefix"):
        model.generate(2, 3, prefix=torch.zeros(3, 3))
    with pytest.raises(ValueError, match="z_at_end"):
        model.generate(2, 5, z_at_end=torch.zeros(3, 4))


def test_fit_trains_a_vrnn_on_padded_sequences_of_mixed_length():
    lengths = [3, 9, 5, 2, 8, 6, 4, 7] * 4
    x, mask = strokes_batch(lengths)
    model = VRNN(z_dim=2, h_dim=16, feat_dim=8, hidden=16)
    history = fit(
        model,
        (x, mask),
        TrainConfig(epochs=30, batch_size=8, lr=3e-3, progress=False),
        test_data=(x, mask),
        lengths=torch.tensor(lengths),
    )
    assert history.epochs[-1]["test_loss"] < history.epochs[0]["test_loss"] - 0.2
    with pytest.raises(ValueError, match="lengths"):
        fit(
            model,
            (x, mask),
            TrainConfig(epochs=1, progress=False),
            lengths=torch.tensor(lengths[:-1]),
        )


# ------------------------------------------------------ the chapter's structure, by perturbation
#
# The VRNN chapter's table gives each network of step t its inputs: prior p(z_t | h_{t-1}),
# posterior q(z_t | x_t, h_{t-1}), decoder p(x_t | z_t, h_{t-1}), recurrence
# h_t = f(x_t, z_t, h_{t-1}); RNN-Gauss predicts x_t from h_{t-1} alone. The tests below perturb
# one of x_t, z_t, h_{t-1} at a time and watch which networks' outputs move. The latent that the
# decoder and the recurrence read (the input of phi_z) is held fixed, so nothing random is left.

STEP = 2  # the step whose inputs are perturbed, in drawings of 4 steps


def _trace(model, x, names, clamp_z=None, bump_h=None):
    """Run ``model.step_terms(x, all-ones mask)`` and return ``(seen, terms)``: ``seen[name]`` is
    the list of ``(input, output)`` of the network ``name``, one pair per step.

    ``clamp_z: (B, T, z_dim)``: phi_z reads ``clamp_z[:, t]`` at step t instead of the drawn
    z_t. ``bump_h = (t, delta)``: ``delta`` is added to the state h_t the recurrence returns at
    step t (what step t + 1 reads as h_{t-1}); the recorded output is the one before the bump.
    """
    seen = {name: [] for name in names}
    handles, calls = [], {"phi_z": 0, "rnn": 0}

    def recorder(name):
        def hook(module, args, out):
            seen[name].append((args[0].detach().clone(), out.detach().clone()))

        return hook

    for name in names:
        handles.append(getattr(model, name).register_forward_hook(recorder(name)))
    if clamp_z is not None:

        def clamp(module, args):
            calls["phi_z"] += 1
            return (clamp_z[:, calls["phi_z"] - 1],)

        handles.append(model.phi_z.register_forward_pre_hook(clamp))
    if bump_h is not None:

        def bump(module, args, out):
            calls["rnn"] += 1
            return out + bump_h[1] if calls["rnn"] - 1 == bump_h[0] else None

        handles.append(model.rnn.register_forward_hook(bump))
    try:
        torch.manual_seed(0)
        with torch.no_grad():
            terms = model.step_terms(x, torch.ones(x.shape[:2]))
    finally:
        for handle in handles:
            handle.remove()
    return seen, terms


def _perturbed_pair(model, names, source, z_dim=None):
    """Trace ``model`` twice: as it is, and with ``source`` ("x_t", "z_t" or "h_{t-1}") of step
    STEP moved by 1 in every coordinate."""
    x, _ = strokes_batch([4, 4, 4], seed=5)
    x2, bump = x.clone(), None
    z = z2 = None
    if z_dim is not None:
        z = torch.randn(3, 4, z_dim, generator=torch.Generator().manual_seed(6))
        z2 = z.clone()
    if source == "x_t":
        x2[:, STEP, :2] += 1.0
    elif source == "z_t":
        z2[:, STEP] += 1.0
    else:
        bump = (STEP - 1, 1.0)
    base = _trace(model, x, names, clamp_z=z)[0]
    return base, _trace(model, x2, names, clamp_z=z2, bump_h=bump)[0]


VRNN_READERS = {  # which of the VRNN's networks read each input of step t (the chapter's table)
    "x_t": {"posterior", "rnn"},
    "z_t": {"decoder", "rnn"},
    "h_{t-1}": {"prior", "posterior", "decoder", "rnn"},
}


@pytest.mark.parametrize("source", list(VRNN_READERS))
def test_each_vrnn_network_reads_exactly_the_inputs_the_chapter_gives_it(source):
    """Prior from h_{t-1} only; posterior from x_t and h_{t-1}; decoder from z_t and h_{t-1};
    recurrence from x_t, z_t and h_{t-1}. Moving one input of step t moves exactly the networks
    that read it, and nothing of the earlier steps."""
    torch.manual_seed(0)
    model = VRNN(z_dim=3, h_dim=8, feat_dim=6, hidden=8)
    names = ["prior", "posterior", "decoder", "rnn"]
    base, moved = _perturbed_pair(model, names, source, z_dim=3)
    changed = {n for n in names if not torch.allclose(base[n][STEP][1], moved[n][STEP][1])}
    assert changed == VRNN_READERS[source]
    for n in names:
        for t in range(STEP):
            assert torch.equal(base[n][t][1], moved[n][t][1]), (n, t)


RNN_READERS = {"x_t": {"rnn"}, "h_{t-1}": {"output", "rnn"}}


@pytest.mark.parametrize("source", list(RNN_READERS))
@pytest.mark.parametrize("kind", [RNNGauss, RNNGMM])
def test_the_rnns_predict_each_point_from_the_past_only(source, kind):
    """RNN-Gauss and RNN-GMM: p(x_t | h_{t-1}), h_t = f(phi_x(x_t), h_{t-1}). The output
    distribution of step t reads h_{t-1} and not x_t (the point it scores); the recurrence reads
    both."""
    torch.manual_seed(0)
    model = kind(h_dim=8, feat_dim=6, hidden=8)
    names = ["output", "rnn"]
    base, moved = _perturbed_pair(model, names, source)
    changed = {n for n in names if not torch.allclose(base[n][STEP][1], moved[n][STEP][1])}
    assert changed == RNN_READERS[source]


def test_both_models_start_from_a_zero_state():
    """h_0 = 0: the first step's prior (VRNN) and output distribution (RNN-Gauss) read zeros."""
    torch.manual_seed(0)
    x, _ = strokes_batch([3, 3], seed=2)
    seen, _ = _trace(VRNN(z_dim=3, h_dim=8, feat_dim=6, hidden=8), x, ["prior"])
    assert torch.equal(seen["prior"][0][0], torch.zeros(2, 8))
    seen, _ = _trace(RNNGauss(h_dim=8, feat_dim=6, hidden=8), x, ["output"])
    assert torch.equal(seen["output"][0][0], torch.zeros(2, 8))


def test_vrnn_step_terms_follow_the_chapters_equations():
    """Every per-step term recomputed from the chapter's equations with the model's networks
    and the z_t that step_terms drew: log p(x_t | z_t, h_{t-1}), KL(q(z_t | x_t, h_{t-1}) ||
    p(z_t | h_{t-1})), log p(z_t | h_{t-1}) - log q(z_t | x_t, h_{t-1}), and the recurrence
    h_t = f([phi_x(x_t), phi_z(z_t)], h_{t-1}) from h_0 = 0; zero on padded steps."""
    torch.manual_seed(0)
    model = VRNN(z_dim=3, h_dim=8, feat_dim=6, hidden=8)
    x, mask = strokes_batch([5, 3, 4], seed=1)
    torch.manual_seed(0)
    with torch.no_grad():
        terms = model.step_terms(x, mask)
        h = torch.zeros(3, 8)
        for t in range(5):
            fx, z = model.phi_x(x[:, t]), terms["z"][:, t]
            fz = model.phi_z(z)
            p_mu, p_logvar = gaussian_params(model.prior(h), model.min_std)
            q_mu, q_logvar = gaussian_params(model.posterior(torch.cat([fx, h], -1)), model.min_std)
            p, q = Normal(p_mu, torch.exp(0.5 * p_logvar)), Normal(q_mu, torch.exp(0.5 * q_logvar))
            log_px = stroke_log_prob(x[:, t], model.decoder(torch.cat([fz, h], -1)), model.min_std)
            m = mask[:, t]
            torch.testing.assert_close(terms["log_px"][:, t], log_px * m)
            torch.testing.assert_close(terms["kl"][:, t], kl_divergence(q, p).sum(-1) * m)
            torch.testing.assert_close(
                terms["log_ratio"][:, t], (p.log_prob(z).sum(-1) - q.log_prob(z).sum(-1)) * m
            )
            h = model.rnn(torch.cat([fx, fz], -1), h)


def _terms_under_two_seeds(term, lengths, batch_seed):
    """One VRNN (seed 0) on one batch, its per-step ``term`` with the latents drawn under seeds
    0 and 1."""
    torch.manual_seed(0)
    model = VRNN(z_dim=3, h_dim=8, feat_dim=6, hidden=8)
    x, mask = strokes_batch(lengths, seed=batch_seed)
    values = []
    for seed in (0, 1):
        torch.manual_seed(seed)
        with torch.no_grad():
            values.append(model.step_terms(x, mask)[term])
    return values


def test_later_kl_terms_depend_on_the_earlier_draws_through_the_recurrence():
    """Step 1 involves no draw before it (h_0 = 0), so its KL is the same whatever the seed; from
    step 2 on, prior and posterior read h_{t-1}, which the recurrence builds from the drawn
    z_{t-1}: another draw gives another KL. (With a recurrence that ignored z_t every KL would
    be fixed by the strokes.)"""
    kls = _terms_under_two_seeds("kl", [4, 4, 4], batch_seed=3)
    torch.testing.assert_close(kls[0][:, 0], kls[1][:, 0])
    assert ((kls[0][:, 1:] - kls[1][:, 1:]).abs() > 1e-6).all()


def test_the_first_steps_likelihood_depends_on_the_drawn_latent():
    """log p(x_1 | z_1, h_0): h_0 = 0 is fixed, so a second seed changes only z_1, and the
    decoder, which reads z_1, must give the step another likelihood."""
    values = [v[:, 0] for v in _terms_under_two_seeds("log_px", [2, 2, 2], batch_seed=4)]
    assert ((values[0] - values[1]).abs() > 1e-6).all()


def test_the_posterior_reads_the_current_point_and_no_step_reads_a_later_one():
    """Same draws, last point moved: every term of the earlier steps stays the same (the model
    reads the past only), while the last step's posterior, hence its z_t and KL, move with x_t."""
    torch.manual_seed(0)
    model = VRNN(z_dim=3, h_dim=8, feat_dim=6, hidden=8)
    x, mask = strokes_batch([4, 4, 4], seed=6)
    moved = x.clone()
    moved[:, -1, :2] += 1.0
    out = []
    for strokes in (x, moved):
        torch.manual_seed(0)
        with torch.no_grad():
            out.append(model.step_terms(strokes, mask))
    for key in ("log_px", "kl", "log_ratio", "z"):
        torch.testing.assert_close(out[0][key][:, :-1], out[1][key][:, :-1])
    assert ((out[0]["z"][:, -1] - out[1]["z"][:, -1]).abs() > 1e-6).all()
    assert ((out[0]["kl"][:, -1] - out[1]["kl"][:, -1]).abs() > 1e-6).all()


@pytest.mark.parametrize("kind", [RNNGauss, RNNGMM])
def test_each_rnn_step_is_a_normalised_distribution_of_the_next_point(kind):
    """log p(x_1..T) = sum_t log p(x_t | h_{t-1}) is exact only if each step is a distribution
    of x_t that does not read x_t: summed over a fine grid of offsets and both pen values,
    p(x_2 | x_1) must come to 1."""
    torch.manual_seed(0)
    model = kind(h_dim=8, feat_dim=8, hidden=8)
    grid = torch.linspace(-8, 8, 161)  # spacing 0.1; the output's sigma is about 0.7 here
    dx, dy, pen = torch.meshgrid(grid, grid, torch.tensor([0.0, 1.0]), indexing="ij")
    second = torch.stack([dx, dy, pen], -1).reshape(-1, 1, 3)
    first = torch.tensor([[[0.4, -0.3, 0.0]]]).expand(len(second), 1, 3)
    x = torch.cat([first, second], dim=1)
    with torch.no_grad():
        log_p = model.step_terms(x, torch.ones(x.shape[:2]))["log_px"][:, 1]
    assert float(log_p.exp().sum() * 0.1**2) == pytest.approx(1.0, abs=1e-3)


def test_generation_draws_each_latent_from_the_prior_given_the_past():
    """generate: the prefix is fed with z_t at the posterior mean; the first free latent is
    z_t0 = mu_0(h_{t0-1}) + sigma_0(h_{t0-1}) * u (the explorer's coordinates); every later z_t
    is mu_0 + sigma_0 * noise with noise shared by the rows."""
    torch.manual_seed(0)
    model = VRNN(z_dim=3, h_dim=8, feat_dim=6, hidden=8)
    prefix, _ = strokes_batch([3], seed=7)
    u = torch.tensor([[0.0, 0.0, 0.0], [1.5, -1.0, 0.5]])
    seen = {"prior": [], "posterior": [], "z": [], "rnn": []}
    handles = [
        getattr(model, n).register_forward_hook(
            lambda m, a, o, n=n: seen[n].append((a[0].clone(), o.clone()))
        )
        for n in ("prior", "posterior", "rnn")
    ]
    handles.append(
        model.phi_z.register_forward_pre_hook(lambda m, a: seen["z"].append(a[0].clone()))
    )
    try:
        model.generate(
            2, 6, generator=torch.Generator().manual_seed(0), prefix=prefix[0], z_at_end=u
        )
    finally:
        for handle in handles:
            handle.remove()
    assert len(seen["posterior"]) == 3 and len(seen["prior"]) == 3 and len(seen["z"]) == 6
    for t in range(3):  # the given points: z_t is the posterior mean
        mean, _ = gaussian_params(seen["posterior"][t][1], model.min_std)
        torch.testing.assert_close(seen["z"][t], mean)
    scaled = []
    for i, t in enumerate(range(3, 6)):  # the free steps: z_t from the prior of the state so far
        torch.testing.assert_close(seen["prior"][i][0], seen["rnn"][t - 1][1])
        mu, logvar = gaussian_params(seen["prior"][i][1], model.min_std)
        scaled.append((seen["z"][t] - mu) / torch.exp(0.5 * logvar))
    torch.testing.assert_close(scaled[0], u)
    for s in scaled[1:]:
        torch.testing.assert_close(s[0], s[1])
    assert not torch.allclose(seen["z"][4][0], seen["z"][4][1])  # the rows' priors differ


@pytest.mark.parametrize("make", MODELS)
def test_padded_steps_get_no_gradient(make):
    """Padded steps count for nothing, in the gradient too: the loss does not move with them."""
    model = make()
    x, mask = strokes_batch([5, 2, 4], seed=8)
    x.requires_grad_(True)
    torch.manual_seed(0)
    model.loss(x, mask)["loss"].backward()
    assert (x.grad[mask == 0] == 0).all() and (x.grad[mask == 1] != 0).any()


def test_log_weights_are_log_p_x_z_minus_log_q_z_over_the_real_steps():
    """log_weights, the importance weight of the whole drawing that the importance-weighted
    bound averages, is sum_t [log p(x_t | z_t, h_{t-1}) + log p(z_t | h_{t-1}) -
    log q(z_t | x_t, h_{t-1})] at the drawn z, not the ELBO's closed-form KL."""
    torch.manual_seed(0)
    model = VRNN(z_dim=3, h_dim=8, feat_dim=6, hidden=8)
    x, mask = strokes_batch([5, 3, 4], seed=9)
    torch.manual_seed(0)
    terms = model.step_terms(x, mask)
    torch.manual_seed(0)
    weights = model.log_weights(x, mask)
    torch.testing.assert_close(weights, (terms["log_px"] + terms["log_ratio"]).sum(1))
    assert not torch.allclose(weights, terms["bound"].sum(1))
