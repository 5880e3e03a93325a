"""Faults and bad input, tried on purpose: checkpoints, model inputs, reproducibility, and
property-based checks of the loss helpers and of batching. (Data faults, interrupted downloads
and training faults are in test_data.py and test_train.py, beside the code they test.)"""

from __future__ import annotations

import math
import re

import pytest
import torch
from hypothesis import given
from hypothesis import settings as hsettings
from hypothesis import strategies as st

from vaecore import checkpoint, losses
from vaecore.checkpoint import CheckpointError
from vaecore.data.batches import batch_indices, length_batches
from vaecore.data.datasets import binarize
from vaecore.experiments.handwriting import StrokeRun, train_stroke_model
from vaecore.experiments.toy_gans import ToyRun, run_toy_gan
from vaecore.losses import elbo, iwae
from vaecore.models.autoencoder import mlp_autoencoder
from vaecore.models.gan import Generator
from vaecore.models.vae import VAE
from vaecore.models.vrnn import VRNN, RNNGauss
from vaecore.train import TrainConfig, fit

# ----------------------------------------------------------------------------- checkpoints


def test_checkpoint_round_trip_keeps_weights_and_metadata(tmp_path):
    model = VAE(4, hidden=(16,))
    path = checkpoint.save(model, tmp_path / "sub" / "vae.pt", epochs=3, note="x", sizes=[1, 2])
    other = VAE(4, hidden=(16,))
    meta = checkpoint.load(other, path)
    assert meta == {"epochs": 3, "note": "x", "sizes": [1, 2]}
    for a, b in zip(model.state_dict().values(), other.state_dict().values()):
        assert torch.equal(a, b)
    assert [p.name for p in path.parent.iterdir()] == ["vae.pt"]  # no temporary left


def test_an_interrupted_save_leaves_the_old_checkpoint_whole(tmp_path, monkeypatch):
    path = checkpoint.save(VAE(4, hidden=(16,)), tmp_path / "vae.pt", epochs=1)
    before = path.read_bytes()

    def power_cut(*args, **kwargs):
        raise OSError("disk full, half way through")

    monkeypatch.setattr(torch, "save", power_cut)
    with pytest.raises(OSError, match="disk full"):
        checkpoint.save(VAE(4, hidden=(16,)), path, epochs=2)
    assert path.read_bytes() == before and list(tmp_path.iterdir()) == [path]


def test_a_checkpoint_carrying_code_is_refused_not_run(tmp_path):
    ran = tmp_path / "ran"

    class Payload:
        def __reduce__(self):
            return (ran.write_text, ("the pickle ran code",))

    bad = tmp_path / "evil.pt"
    torch.save(
        {
            "format": checkpoint.FORMAT,
            "version": 1,
            "model": "VAE",
            "state": {},
            "metadata": {},
            "x": Payload(),
        },
        bad,
    )
    with pytest.raises(CheckpointError, match="refused rather than run"):
        checkpoint.load(VAE(4, hidden=(16,)), bad)
    assert not ran.exists()


@pytest.mark.parametrize(
    "make_file, message",
    [
        (lambda p: p.write_bytes(b"not a checkpoint at all"), "not a readable checkpoint"),
        (lambda p: torch.save({"weights": torch.zeros(2)}, p), "not a vaecore checkpoint"),
        (
            lambda p: torch.save(
                {
                    "format": checkpoint.FORMAT,
                    "version": 99,
                    "model": "VAE",
                    "state": {},
                    "metadata": {},
                },
                p,
            ),
            "newer than this vaecore",
        ),
        (
            lambda p: torch.save(
                {
                    "format": checkpoint.FORMAT,
                    "version": 1,
                    "model": "GAN",
                    "state": {},
                    "metadata": {},
                },
                p,
            ),
            "holds a GAN, not a VAE",
        ),
    ],
)
def test_foreign_or_future_checkpoints_are_refused_clearly(tmp_path, make_file, message):
    path = tmp_path / "c.pt"
    make_file(path)
    with pytest.raises(CheckpointError, match=message):
        checkpoint.load(VAE(4, hidden=(16,)), path)


def test_a_truncated_checkpoint_is_refused(tmp_path):
    path = checkpoint.save(VAE(4, hidden=(16,)), tmp_path / "vae.pt")
    path.write_bytes(path.read_bytes()[:200])
    with pytest.raises(CheckpointError, match="not a readable checkpoint"):
        checkpoint.load(VAE(4, hidden=(16,)), path)


def test_a_shape_mismatch_names_every_tensor_and_both_shapes_and_leaves_the_model(tmp_path):
    path = checkpoint.save(VAE(4, hidden=(16,)), tmp_path / "vae.pt")
    target = VAE(8, hidden=(16,))
    before = {k: v.clone() for k, v in target.state_dict().items()}
    with pytest.raises(CheckpointError) as err:
        checkpoint.load(target, path)
    assert "tensor 'encoder.2.weight': the checkpoint has shape (8, 16), the model (16, 16)" in str(
        err.value
    )
    assert "decoder.0.weight" in str(err.value)
    assert "latent_dim: the checkpoint has 4, the model 8" in str(err.value)
    assert all(torch.equal(before[k], v) for k, v in target.state_dict().items())
    with pytest.raises(FileNotFoundError):
        checkpoint.load(target, tmp_path / "missing.pt")
    with pytest.raises(TypeError, match="metadata"):
        checkpoint.save(target, tmp_path / "x.pt", layer=target)


def test_checkpoints_are_plain_data_for_weights_only_loading(tmp_path):
    path = checkpoint.save(VAE(4, hidden=(16,)), tmp_path / "vae.pt", epochs=2)
    payload = torch.load(path, weights_only=True)  # would raise if anything but plain data
    assert payload["format"] == checkpoint.FORMAT and payload["model"] == "VAE"


# -------------------------------------------------------------------------- model inputs

BAD_INPUTS = [
    ("a list", lambda: [[0.0] * 784], TypeError, "torch.Tensor"),
    ("integer pixels", lambda: torch.zeros(4, 784, dtype=torch.uint8), TypeError, "floating-point"),
    ("booleans", lambda: torch.zeros(4, 784, dtype=torch.bool), TypeError, "floating-point"),
    ("unflattened images", lambda: torch.zeros(4, 28, 28), ValueError, "flatten"),
    ("wrong width", lambda: torch.zeros(4, 100), ValueError, r"\(batch, 784\)"),
    ("one image without a batch", lambda: torch.zeros(784), ValueError, r"\(batch, 784\)"),
    ("an empty batch", lambda: torch.zeros(0, 784), ValueError, "empty batch"),
    ("the meta device", lambda: torch.zeros(4, 784, device="meta"), ValueError, "move it with"),
]


@pytest.mark.parametrize("what, make, error, message", BAD_INPUTS, ids=[b[0] for b in BAD_INPUTS])
@pytest.mark.parametrize(
    "model",
    [lambda: VAE(4, hidden=(16,)), lambda: mlp_autoencoder(4, hidden=(16,))],
    ids=["VAE", "autoencoder"],
)
def test_bad_model_inputs_say_what_was_expected(model, what, make, error, message):
    with pytest.raises(error, match=message):
        model().loss(make())


@pytest.mark.parametrize(
    "x, message",
    [
        (torch.full((2, 3), 255.0), r"\[0, 1\].*/ 255"),
        (torch.full((2, 3), -0.5), r"\[0, 1\]"),
        (torch.full((2, 3), float("nan")), r"\[0, 1\]"),
    ],
)
def test_bernoulli_likelihood_refuses_pixels_outside_0_1(x, message):
    with pytest.raises(ValueError, match=message):
        losses.bernoulli_nll(torch.zeros(2, 3), x)


def test_loss_helpers_refuse_integer_tensors():
    with pytest.raises(TypeError, match="floating-point"):
        losses.squared_error(torch.zeros(2, 3), torch.zeros(2, 3, dtype=torch.long))


def test_vrnn_refuses_integer_strokes():
    with pytest.raises(TypeError, match="floating-point"):
        VRNN(z_dim=2, h_dim=8, feat_dim=8, hidden=8).loss(
            torch.zeros(2, 3, 3, dtype=torch.int16), torch.ones(2, 3)
        )


# ------------------------------------------------------------------------ reproducibility


def test_the_same_seed_gives_the_same_vae_losses_and_figure_data():
    x = binarize(
        torch.rand(256, 784, generator=torch.Generator().manual_seed(0)),
        torch.Generator().manual_seed(1),
    )
    runs = []
    for _ in range(2):
        torch.manual_seed(5)
        model = VAE(4, hidden=(32,))
        history = fit(model, x, TrainConfig(epochs=2, batch_size=64, seed=5, progress=False))
        with torch.no_grad():  # what a figure would show: samples from the prior
            samples = model.decode(torch.randn(8, 4, generator=torch.Generator().manual_seed(2)))
        runs.append(([s["loss"] for s in history.steps], samples))
    assert runs[0][0] == runs[1][0]
    assert torch.equal(runs[0][1], runs[1][1])


def test_the_same_seed_gives_the_same_stroke_run_and_toy_gan():
    run = StrokeRun(
        "vrnn", epochs=1, n_train=48, n_test=8, z_dim=2, h_dim=8, feat_dim=8, hidden=8, iw_samples=2
    )
    a, b = train_stroke_model(run), train_stroke_model(run)
    assert a.test == b.test and a.history.steps == b.history.steps
    gan = ToyRun("ring", seed=3, steps=30, hidden=(16, 16), n_eval=200)
    (ra, ha), (rb, hb) = run_toy_gan(gan), run_toy_gan(gan)
    assert (ra.captured, ra.high_quality, ra.reverse_kl) == (
        rb.captured,
        rb.high_quality,
        rb.reverse_kl,
    )
    assert ha.steps == hb.steps


# ---------------------------------------------------------------- properties (hypothesis)

finite = st.floats(-4, 4, allow_nan=False, width=32)
vectors = st.lists(st.tuples(finite, finite, finite, finite), min_size=1, max_size=5)


@hsettings(max_examples=200, deadline=None)
@given(vectors)
def test_gaussian_kl_is_never_negative_and_zero_only_at_equality(rows):
    t = torch.tensor(rows, dtype=torch.float64)
    mu_q, lv_q, mu_p, lv_p = t.T[:, None, :].unbind(0)
    kl = losses.gaussian_kl(mu_q, lv_q, mu_p, lv_p)
    assert (kl >= -1e-12).all()
    assert torch.allclose(losses.gaussian_kl(mu_q, lv_q, mu_q, lv_q), torch.zeros_like(kl))
    different = ((mu_q - mu_p).abs() + (lv_q - lv_p).abs()).sum(-1) > 1e-3
    assert (kl[different] > 0).all()


class LinearGaussian(torch.nn.Module):
    """``p(z) = N(0, I_k)``, ``p(x | z) = N(W z + b, s^2 I_d)``, with a fixed Gaussian ``q``:
    ``log p(x) = log N(x; b, W W^T + s^2 I)`` is known exactly."""

    def __init__(self, w, b, s, q_mu, q_logvar):
        super().__init__()
        self.w, self.b, self.s, self.q_mu, self.q_logvar = w, b, s, q_mu, q_logvar

    def posterior(self, x):
        return self.q_mu.expand(len(x), -1), self.q_logvar.expand(len(x), -1)

    def log_likelihood(self, x, z):
        mean = z @ self.w.T + self.b
        return torch.distributions.Normal(mean, self.s).log_prob(x.expand_as(mean)).sum(-1)

    def log_marginal(self, x):
        cov = self.w @ self.w.T + self.s**2 * torch.eye(len(self.b), dtype=self.w.dtype)
        return torch.distributions.MultivariateNormal(self.b, cov).log_prob(x)


@hsettings(max_examples=25, deadline=None)
@given(st.integers(0, 10_000))
def test_elbo_and_iwae_never_exceed_log_p_on_the_linear_gaussian_model(seed):
    g = torch.Generator().manual_seed(seed)
    k, d = 2, 3
    model = LinearGaussian(
        torch.randn(d, k, generator=g, dtype=torch.float64),
        torch.randn(d, generator=g, dtype=torch.float64),
        0.5 + torch.rand(1, generator=g).item(),
        torch.randn(1, k, generator=g, dtype=torch.float64),
        torch.randn(1, k, generator=g, dtype=torch.float64) - 1,
    )
    x = torch.randn(1, d, generator=g, dtype=torch.float64) * 2
    log_p = float(model.log_marginal(x))
    # The ELBO in closed form: E_q[log N(x; W z + b, s^2 I)] - KL(q || N(0, I)), with vaecore's KL.
    var = model.q_logvar.exp()
    residual = x - model.q_mu @ model.w.T - model.b
    expected_log_lik = -0.5 * d * math.log(2 * math.pi * model.s**2) - (
        (residual**2).sum() + (model.w**2 * var).sum()
    ) / (2 * model.s**2)
    elbo_exact = float(
        expected_log_lik - losses.kl_to_standard_normal(model.q_mu, model.q_logvar).sum()
    )
    assert elbo_exact <= log_p + 1e-9
    torch.manual_seed(seed)
    elbo_estimate = float(elbo(model, x, n_samples=20_000).mean())
    assert abs(elbo_estimate - elbo_exact) <= 0.05 * max(
        1.0, abs(elbo_exact)
    )  # the Monte Carlo estimate
    # IWAE_k <= log p holds in expectation (one estimate may overshoot when q is poor): average
    # 200 independent estimates and allow four standard errors.
    estimates = iwae(model, x.expand(200, d), k=100)
    iwae_mean, se = float(estimates.mean()), float(estimates.std() / math.sqrt(len(estimates)))
    assert iwae_mean <= log_p + 4 * se + 1e-6
    assert iwae_mean >= elbo_exact - 4 * se - 1e-6


@hsettings(max_examples=100, deadline=None)
@given(st.integers(0, 300), st.integers(1, 64), st.integers(0, 2**31 - 1))
def test_batch_indices_cover_every_example_exactly_once(n, batch_size, seed):
    batches = list(batch_indices(n, batch_size, generator=torch.Generator().manual_seed(seed)))
    seen = torch.cat(batches).tolist() if batches else []
    assert sorted(seen) == list(range(n)) and all(0 < len(b) <= batch_size for b in batches)
    assert len(batches) == math.ceil(n / batch_size)


@hsettings(max_examples=100, deadline=None)
@given(
    st.lists(st.integers(1, 150), min_size=1, max_size=300),
    st.integers(1, 64),
    st.integers(0, 2**31 - 1),
)
def test_length_batches_cover_every_example_exactly_once(lengths, batch_size, seed):
    batches = list(
        length_batches(
            torch.tensor(lengths), batch_size, generator=torch.Generator().manual_seed(seed)
        )
    )
    assert sorted(torch.cat(batches).tolist()) == list(range(len(lengths)))
    assert len(batches) == math.ceil(len(lengths) / batch_size)


@pytest.mark.parametrize(
    ("change", "said"),
    [
        ({"version": "2"}, "version is a str, not int"),
        ({"model": None}, "model is a NoneType, not str"),
        ({"state": {"encoder.0.weight": [[0.0]]}}, "the weight 'encoder.0.weight' is a list"),
    ],
)
def test_a_checkpoint_with_a_malformed_field_is_a_checkpoint_error(tmp_path, change, said):
    path = tmp_path / "c.pt"
    payload = {"format": checkpoint.FORMAT, "version": 1, "model": "VAE", "state": {}}
    torch.save({**payload, "metadata": {}, **change}, path)
    with pytest.raises(CheckpointError, match=rf"not written by vaecore\.checkpoint\.save: {said}"):
        checkpoint.load(VAE(4, hidden=(16,)), path)


@pytest.mark.parametrize(
    ("saved", "built", "said"),
    [
        (
            lambda: Generator(4, 8, output="sigmoid"),
            lambda: Generator(4, 8, output="linear"),
            "output: the checkpoint has 'sigmoid', the model 'linear'",
        ),
        (
            lambda: mlp_autoencoder(2, likelihood="bernoulli"),
            lambda: mlp_autoencoder(2, likelihood="gaussian"),
            "likelihood: the checkpoint has 'bernoulli', the model 'gaussian'",
        ),
        (
            lambda: RNNGauss(hidden=8, min_std=0.01),
            lambda: RNNGauss(hidden=8, min_std=0.1),
            "min_std: the checkpoint has 0.01, the model 0.1",
        ),
        (lambda: VAE(2, beta=4.0), lambda: VAE(2), "beta: the checkpoint has 4.0, the model 1.0"),
    ],
)
def test_a_checkpoint_loads_only_into_a_model_built_with_its_settings(tmp_path, saved, built, said):
    """Settings the weights do not show (an output, a likelihood, a floor, beta) are kept with
    them, and a model built otherwise is refused and left as it was."""
    path = checkpoint.save(saved(), tmp_path / "m.pt")
    model = built()
    before = {k: v.clone() for k, v in model.state_dict().items()}
    with pytest.raises(
        CheckpointError,
        match=rf"does not fit this \w+: build .* settings and sizes:\n  {re.escape(said)}",
    ):
        checkpoint.load(model, path)
    assert all(torch.equal(v, before[k]) for k, v in model.state_dict().items())
    checkpoint.load(saved(), path)  # the same settings load
