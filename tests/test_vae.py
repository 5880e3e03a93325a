"""The VAE's maths: Gaussian KL and log-density, reparameterisation, ELBO and IWAE bounds.

The bounds are checked on probabilistic PCA, a linear-Gaussian model whose marginal likelihood
and posterior are known exactly: p(z) = N(0, I), p(x | z) = N(W z + b, s2 I), so
p(x) = N(b, W W^T + s2 I) and p(z | x) = N(M^-1 W^T (x - b), s2 M^-1) with M = W^T W + s2 I.
"""

import math

import pytest
import torch

import vaecore.train_mistakes
from vaecore.data.datasets import binarize, load_images
from vaecore.loop_parts import TrainingDiverged
from vaecore.losses import (
    bernoulli_nll,
    elbo,
    gaussian_kl,
    gaussian_log_prob,
    iwae,
    kl_per_dimension,
    kl_to_standard_normal,
    reparameterize,
)
from vaecore.metrics.latents import active_units
from vaecore.metrics.likelihood import estimate_nll
from vaecore.models import mistakes
from vaecore.models.autoencoder import mlp_autoencoder
from vaecore.models.parts import count_parameters
from vaecore.models.vae import VAE, ConvVAE, FreeBitsVAE
from vaecore.train import TrainConfig, evaluate_loss, fit
from vaecore.train_mistakes import fit_in_stages

D64 = torch.float64


def _gaussians(n=6, k=4, seed=0):
    g = torch.Generator().manual_seed(seed)
    return [torch.randn(n, k, generator=g, dtype=D64) for _ in range(4)]


# ------------------------------------------------------------------------- KL and densities


def test_gaussian_kl_matches_torch_distributions():
    mu_q, lv_q, mu_p, lv_p = _gaussians()
    q = torch.distributions.Normal(mu_q, torch.exp(0.5 * lv_q))
    p = torch.distributions.Normal(mu_p, torch.exp(0.5 * lv_p))
    expected = torch.distributions.kl_divergence(q, p).sum(-1)
    torch.testing.assert_close(gaussian_kl(mu_q, lv_q, mu_p, lv_p), expected)


def test_gaussian_kl_equals_a_monte_carlo_estimate_within_its_standard_error():
    mu_q, lv_q, mu_p, lv_p = (t[:1] for t in _gaussians(seed=1))
    z = reparameterize(mu_q, lv_q, 200_000, torch.Generator().manual_seed(0))
    log_ratio = gaussian_log_prob(z, mu_q, lv_q) - gaussian_log_prob(z, mu_p, lv_p)  # (n, 1)
    estimate, se = log_ratio.mean(), log_ratio.std() / math.sqrt(len(log_ratio))
    assert abs(estimate - gaussian_kl(mu_q, lv_q, mu_p, lv_p)[0]) < 4 * se


def test_kl_is_zero_only_for_identical_gaussians():
    mu, lv, other_mu, other_lv = _gaussians(seed=2)
    torch.testing.assert_close(gaussian_kl(mu, lv, mu, lv), torch.zeros(6, dtype=D64))
    assert (gaussian_kl(mu, lv, other_mu, other_lv) > 0).all()
    assert (gaussian_kl(mu, lv, mu + 1e-3, lv) > 0).all()
    assert (gaussian_kl(mu, lv, mu, lv + 1e-3) > 0).all()


def test_kl_to_standard_normal_is_the_special_case_summed_over_dimensions():
    mu, lv, _, _ = _gaussians(seed=3)
    zeros = torch.zeros_like(mu)
    torch.testing.assert_close(kl_to_standard_normal(mu, lv), gaussian_kl(mu, lv, zeros, zeros))
    torch.testing.assert_close(
        kl_to_standard_normal(mu, lv), 0.5 * (mu**2 + lv.exp() - lv - 1).sum(-1)
    )
    assert kl_to_standard_normal(zeros, zeros).abs().max() == 0


def test_gaussian_log_prob_matches_torch_distributions():
    z, mu, lv, _ = _gaussians(seed=4)
    expected = torch.distributions.Normal(mu, torch.exp(0.5 * lv)).log_prob(z).sum(-1)
    torch.testing.assert_close(gaussian_log_prob(z, mu, lv), expected)


@pytest.mark.parametrize("fn", [kl_to_standard_normal, lambda a, b: gaussian_log_prob(a, a, b)])
def test_gaussian_helpers_reject_mismatched_shapes(fn):
    with pytest.raises(ValueError, match="one shape"):
        fn(torch.zeros(3, 2), torch.zeros(3, 4))


def test_gaussian_log_prob_takes_samples_in_leading_dimensions_only():
    z, mu, lv, _ = _gaussians(seed=5)
    stacked = torch.stack([z, z + 1])  # (2, batch, k)
    torch.testing.assert_close(
        gaussian_log_prob(stacked, mu, lv)[1], gaussian_log_prob(z + 1, mu, lv)
    )
    with pytest.raises(ValueError, match="does not end with"):
        gaussian_log_prob(z[:, :2], mu, lv)


# ----------------------------------------------------------------------- reparameterisation


def test_reparameterize_has_the_right_mean_and_variance():
    mu, lv = torch.tensor([[1.0, -2.0]]), torch.tensor([[0.0, math.log(4.0)]])
    z = reparameterize(mu, lv, 100_000, torch.Generator().manual_seed(0))
    assert z.shape == (100_000, 1, 2)
    torch.testing.assert_close(z.mean(0), mu, atol=0.03, rtol=0)
    torch.testing.assert_close(z.var(0), torch.tensor([[1.0, 4.0]]), atol=0.05, rtol=0)


def test_reparameterised_gradient_agrees_with_the_analytic_gradient():
    # E_{z ~ N(mu, s^2)}[z^2] = mu^2 + s^2, so d/dmu = 2 mu and d/dlogvar = s^2.
    mu = torch.tensor([[0.7]], dtype=D64, requires_grad=True)
    lv = torch.tensor([[math.log(0.5)]], dtype=D64, requires_grad=True)
    z = reparameterize(mu, lv, 200_000, torch.Generator().manual_seed(0))
    g_mu, g_lv = torch.autograd.grad(z.pow(2).mean(), (mu, lv))
    assert g_mu.item() == pytest.approx(2 * 0.7, abs=0.01)
    assert g_lv.item() == pytest.approx(0.5, abs=0.01)


# ----------------------------------------------------------------- bounds on a known model


class ProbabilisticPCA(torch.nn.Module):
    """p(z) = N(0, I_2), p(x | z) = N(W z + b, s2 I_5); W has orthogonal columns, so the exact
    posterior is diagonal. q(z | x) is the exact posterior, its mean shifted by ``shift`` and its
    variance scaled by ``scale``."""

    def __init__(self, shift=0.0, scale=1.0):
        super().__init__()
        g = torch.Generator().manual_seed(0)
        u, _ = torch.linalg.qr(torch.randn(5, 2, generator=g, dtype=D64))
        self.w = u * torch.tensor([2.0, 1.0], dtype=D64)
        self.b = torch.randn(5, generator=g, dtype=D64)
        self.s2 = 0.5
        self.m = (self.w**2).sum(0) + self.s2  # diagonal of W^T W + s2 I
        self.shift, self.scale = shift, scale

    def true_posterior(self, x):
        return (x - self.b) @ self.w / self.m, torch.log(self.s2 / self.m).expand(len(x), 2)

    def posterior(self, x):
        mu, lv = self.true_posterior(x)
        return mu + self.shift, lv + math.log(self.scale)

    def log_likelihood(self, x, z):
        mean = z @ self.w.T + self.b
        return gaussian_log_prob(x.expand_as(mean), mean, torch.full_like(mean, math.log(self.s2)))

    def log_marginal(self, x):
        cov = self.w @ self.w.T + self.s2 * torch.eye(5, dtype=D64)
        return torch.distributions.MultivariateNormal(self.b, cov).log_prob(x)

    def sample(self, n):
        g = torch.Generator().manual_seed(1)
        z = torch.randn(n, 2, generator=g, dtype=D64)
        return (
            z @ self.w.T + self.b + math.sqrt(self.s2) * torch.randn(n, 5, generator=g, dtype=D64)
        )


def _elbo_standard_error(model, x, n):
    """The standard error of elbo with n samples: that of the mean of log p(x | z)."""
    mu, lv = model.posterior(x)
    return model.log_likelihood(x, reparameterize(mu, lv, n)).std(dim=0) / math.sqrt(n)


def test_bounds_are_exact_when_q_is_the_true_posterior():
    model = ProbabilisticPCA()
    x = model.sample(50)
    torch.manual_seed(0)
    log_p = model.log_marginal(x)
    # Every importance weight p(x, z) / q(z | x) equals p(x): IWAE is exact for any k.
    torch.testing.assert_close(iwae(model, x, 1), log_p)
    torch.testing.assert_close(iwae(model, x, 10), log_p)
    # The ELBO (sampled likelihood, closed-form KL) is exact in expectation.
    n = 20_000
    error = (elbo(model, x, n_samples=n) - log_p).abs()
    assert (error < 4 * _elbo_standard_error(model, x, n)).all()


def test_log_p_equals_elbo_plus_kl_to_the_true_posterior():
    model = ProbabilisticPCA(shift=0.4, scale=2.0)
    x = model.sample(20)
    torch.manual_seed(0)
    n = 20_000
    gap = model.log_marginal(x) - elbo(model, x, n_samples=n)
    kl = gaussian_kl(*model.posterior(x), *model.true_posterior(x))
    assert ((gap - kl).abs() < 4 * _elbo_standard_error(model, x, n)).all()
    assert (kl > 0.1).all()


def test_elbo_below_iwae_below_log_p_and_iwae_rises_with_k_towards_log_p():
    model = ProbabilisticPCA(shift=0.4, scale=2.0)
    x = model.sample(400)
    torch.manual_seed(0)
    log_p = model.log_marginal(x).mean().item()
    elbo_mean = elbo(model, x, n_samples=100).mean().item()
    iwae_mean = {k: iwae(model, x, k).mean().item() for k in (1, 10, 100, 1000)}
    assert iwae_mean[1] == pytest.approx(elbo_mean, abs=0.1)  # IWAE_1 is an estimate of the ELBO
    assert elbo_mean < iwae_mean[10] < iwae_mean[100] < iwae_mean[1000] <= log_p
    assert log_p - iwae_mean[1000] < 0.02 < log_p - elbo_mean


def test_iwae_rejects_k_below_one():
    with pytest.raises(ValueError, match="k must be"):
        iwae(ProbabilisticPCA(), ProbabilisticPCA().sample(2), 0)


# ----------------------------------------------------------------------------- the VAE model


def test_vae_shapes_and_loss_terms():
    torch.manual_seed(0)
    model = VAE(3, hidden=(32,), data_dim=20)
    x = torch.bernoulli(torch.rand(7, 20))
    mu, logvar = model.posterior(x)
    assert mu.shape == logvar.shape == (7, 3)
    assert model.decode(mu).shape == model(x).shape == (7, 20)
    assert model.log_likelihood(x, torch.zeros(4, 7, 3)).shape == (4, 7)
    terms = model.loss(x)
    assert set(terms) == {"loss", "rec", "kl", "log_std", "code_norm"}
    torch.testing.assert_close(terms["log_std"], 0.5 * logvar.mean())
    torch.testing.assert_close(terms["code_norm"], mu.norm(dim=1).mean())
    assert terms["loss"].item() == pytest.approx((terms["rec"] + terms["kl"]).item(), rel=1e-5)


def test_vae_log_likelihood_is_the_bernoulli_log_prob_of_the_decoder():
    torch.manual_seed(0)
    model = VAE(3, hidden=(16,), data_dim=10)
    x, z = torch.bernoulli(torch.rand(5, 10)), torch.randn(2, 5, 3)
    expected = torch.distributions.Bernoulli(logits=model.decoder(z)).log_prob(x).sum(-1)
    torch.testing.assert_close(model.log_likelihood(x, z), expected)


def test_beta_zero_drops_the_kl_from_the_loss_but_still_reports_it():
    torch.manual_seed(0)
    model = VAE(3, hidden=(16,), data_dim=10, beta=0.0)
    x = torch.bernoulli(torch.rand(5, 10))
    torch.manual_seed(1)
    terms = model.loss(x)
    assert terms["loss"].item() == pytest.approx(terms["rec"].item())
    assert terms["kl"].item() > 0


def test_vae_rejects_bad_settings():
    with pytest.raises(ValueError):
        VAE(0)
    with pytest.raises(ValueError):
        VAE(2, beta=-1.0)


def test_training_a_vae_on_binarized_mnist_raises_its_test_elbo():
    train = load_images("mnist", "train", limit=3000, progress=False).images
    test = binarize(
        load_images("mnist", "test", limit=500, progress=False).images,
        torch.Generator().manual_seed(0),
    )
    torch.manual_seed(0)
    model = VAE(8, hidden=(128,))
    before = evaluate_loss(model, test)["loss"]
    history = fit(
        model,
        train,
        TrainConfig(epochs=3, batch_size=100, progress=False),
        test_data=test,
        transform=binarize,
    )
    assert history.last["test_loss"] < before - 200  # from ~543 nats (uniform pixels) downwards
    assert {"train_rec", "train_kl", "test_rec", "test_kl"} <= set(history.last)


# ------------------------------------------------------------------- the classic mistakes


def _mistake(cls):
    torch.manual_seed(0)
    model = cls(4, hidden=(16,), data_dim=10)
    x = torch.bernoulli(torch.rand(6, 10, generator=torch.Generator().manual_seed(1)))
    mu, logvar = model.posterior(x)
    return model, x, mu, logvar


def test_no_mean_mistake_draws_sigma_times_eps():
    model, _, mu, logvar = _mistake(mistakes.NoMeanVAE)
    torch.manual_seed(5)
    z = model.sample_code(mu, logvar)
    torch.manual_seed(5)
    torch.testing.assert_close(z, reparameterize(torch.zeros_like(mu), logvar))


def test_softmax_mistake_is_a_deterministic_point_on_the_simplex():
    model, _, mu, logvar = _mistake(mistakes.SoftmaxCodeVAE)
    z = model.sample_code(mu, logvar)
    torch.testing.assert_close(z, model.sample_code(mu, logvar))
    assert (z > 0).all()
    torch.testing.assert_close(z.sum(-1), torch.ones(len(z)))


@pytest.mark.parametrize(
    "cls, factor", [(mistakes.WrongSignKLVAE, -1.0), (mistakes.AveragedKLVAE, 0.25)]
)
def test_kl_mistakes_change_only_the_weight_of_the_kl(cls, factor):
    model, x, mu, logvar = _mistake(cls)
    torch.manual_seed(3)
    terms = model.loss(x)
    assert terms["loss"].item() == pytest.approx(
        terms["rec"].item() + factor * terms["kl"].item(), rel=1e-5
    )
    assert terms["kl"].item() > 0  # the true KL is still what is reported


def test_the_code_as_image_has_no_decoder_and_runs_only_at_the_data_size():
    torch.manual_seed(0)
    model = mistakes.CodeAsImageVAE(10, hidden=(16,), data_dim=10)  # a code of 10, 10 pixels
    x = torch.bernoulli(torch.rand(6, 10, generator=torch.Generator().manual_seed(1)))
    z = model.sample_code(*model.posterior(x))
    assert count_parameters(model.decoder) == 0
    torch.testing.assert_close(model.log_likelihood(x, z), -bernoulli_nll(z, x))
    torch.testing.assert_close(model.decode(z), torch.sigmoid(z))
    with pytest.raises(RuntimeError, match="must match"):  # a code of 4 numbers, 10 pixels
        _mistake(mistakes.CodeAsImageVAE)[0].loss(x)


def _loss_and_reconstruction(cls):
    """A small mistake model's loss terms, and the reconstruction loss of the same draw."""
    model, x, mu, logvar = _mistake(cls)
    torch.manual_seed(3)
    terms = model.loss(x)
    torch.manual_seed(3)
    rec = -model.log_likelihood(x, model.sample_code(mu, logvar))
    return model, x, mu, logvar, terms, rec


def test_the_log_variance_penalty_replaces_the_kl():
    model, x, mu, logvar, terms, rec = _loss_and_reconstruction(mistakes.LogVarPenaltyVAE)
    torch.testing.assert_close(terms["loss"], (rec + logvar.mean(-1)).mean())
    torch.testing.assert_close(terms["kl"], kl_per_dimension(mu, logvar).sum(-1).mean())
    # the penalty rewards a smaller log-variance, one for one, without a floor
    (grad,) = torch.autograd.grad((terms["loss"] - terms["rec"]), model.encoder[-1].bias)
    torch.testing.assert_close(grad[4:], torch.full((4,), 1 / 4))


def test_the_broken_kl_formula_is_no_number_once_sigma_is_below_one():
    model, x, mu, logvar, terms, rec = _loss_and_reconstruction(mistakes.BrokenKLFormulaVAE)
    broken = mu**2 + logvar**2 - 1 - math.log(2 * math.pi) - torch.log(logvar + 1e-8)
    torch.testing.assert_close(terms["loss"], (rec + broken.sum(-1)).mean(), equal_nan=True)
    torch.testing.assert_close(terms["kl"], kl_per_dimension(mu, logvar).sum(-1).mean())
    assert (logvar < 0).any() and torch.isnan(terms["loss"])  # log of a negative log-variance
    # where it is a number it is not the KL: at mu = 0, sigma = 1 the KL is 0, this 15.6 a dimension
    at_prior = torch.zeros(1, 4)
    formula = at_prior**2 + at_prior**2 - 1 - math.log(2 * math.pi) - torch.log(at_prior + 1e-8)
    assert kl_per_dimension(at_prior, at_prior).sum() == 0 and formula.sum() > 60
    with pytest.raises(TrainingDiverged):
        fit(model, x, TrainConfig(epochs=1, batch_size=6, progress=False))


def test_the_shared_head_uses_the_same_outputs_twice():
    model, x, mu, logvar = _mistake(mistakes.SharedHeadVAE)
    assert torch.equal(mu, logvar)
    torch.testing.assert_close(mu, model.encoder(x)[:, :4])


def test_a_likelihood_that_ignores_the_code_gives_the_decoder_nothing_to_learn():
    model, x, mu, logvar = _mistake(mistakes.IgnoresCodeVAE)
    z = torch.randn(3, 6, 4)
    want = -0.5 * (math.log(2 * math.pi) + x**2).sum(-1)
    torch.testing.assert_close(model.log_likelihood(x, z), want.expand(3, 6))
    model.loss(x)["loss"].backward()
    assert all(p.grad is None for p in model.decoder.parameters())
    assert all(p.grad is not None for p in model.encoder.parameters())


def test_training_in_stages_moves_one_network_at_a_time(monkeypatch):
    torch.manual_seed(0)
    model = VAE(4, hidden=(16,), data_dim=10)
    x = torch.rand(64, 10, generator=torch.Generator().manual_seed(1))
    states = [{k: v.clone() for k, v in model.state_dict().items()}]

    def fit_and_keep(m, *args, **kwargs):  # the weights after each stage
        history = fit(m, *args, **kwargs)
        states.append({k: v.clone() for k, v in m.state_dict().items()})
        return history

    monkeypatch.setattr(vaecore.train_mistakes, "fit", fit_and_keep)
    histories = fit_in_stages(model, x, epochs=3)
    assert [len(h.epochs) for h in histories] == [1, 2]
    for name in states[0]:
        changed_first = not torch.equal(states[0][name], states[1][name])
        changed_second = not torch.equal(states[1][name], states[2][name])
        assert changed_first == name.startswith("encoder"), name
        assert changed_second == name.startswith("decoder"), name
    assert all(p.requires_grad for p in model.parameters())
    with pytest.raises(ValueError, match="at least 2 epochs"):
        fit_in_stages(model, x, epochs=1)


# ----------------------------------------------------------- free bits and active units


def test_free_bits_penalty_is_sum_of_max_of_lambda_and_the_batch_mean_kl():
    torch.manual_seed(0)
    model = FreeBitsVAE(4, free_bits=0.5, hidden=(16,), data_dim=10)
    mu = torch.tensor(
        [[0.0, 2.0, 0.1, 1.5], [0.0, -2.0, 0.1, 1.0]], requires_grad=True
    )  # KL means 0, 2, 0.005, 0.81
    logvar = torch.zeros(2, 4)
    kl = kl_per_dimension(mu, logvar)
    expected = torch.maximum(kl.mean(0), torch.tensor(0.5)).sum()
    penalty = model.kl_penalty(kl)
    torch.testing.assert_close(penalty.mean(), expected)
    (grad,) = torch.autograd.grad(penalty.mean(), mu)
    assert (grad[:, [0, 2]] == 0).all() and (grad[:, [1, 3]] != 0).all()  # no pull below lambda
    with pytest.raises(ValueError):
        FreeBitsVAE(4, free_bits=-1.0)


def test_active_units_counts_dimensions_whose_mean_varies():
    mu = torch.stack(
        [torch.linspace(-1, 1, 100), torch.full((100,), 3.0), 0.05 * torch.randn(100)], 1
    )
    assert active_units(mu).tolist() == [True, False, False]
    with pytest.raises(ValueError):
        active_units(torch.zeros(1, 3))


# ------------------------------------------------------ what the VAE's loss is made of


def test_the_vae_decodes_a_reparameterised_draw_from_q_in_training():
    """The code the decoder sees in VAE.loss is z = mu + sigma * eps with eps ~ N(0, I), one draw
    per image, differentiable in mu (dz/dmu = 1) and in log sigma^2 (dz/dlogvar = sigma eps / 2)."""
    torch.manual_seed(0)
    model = VAE(2, hidden=(8,), data_dim=6)
    with torch.no_grad():
        model.encoder[-1].bias[2:] = math.log(0.25)  # sigma near 0.5, so sigma and sigma^2 differ
    n = 4000
    x = torch.bernoulli(torch.rand(1, 6, generator=torch.Generator().manual_seed(1))).repeat(n, 1)
    seen = {}
    hooks = [
        model.encoder.register_forward_hook(lambda m, a, out: seen.__setitem__("q", out)),
        model.decoder.register_forward_pre_hook(lambda m, a: seen.__setitem__("z", a[0])),
    ]
    try:
        torch.manual_seed(2)
        model.loss(x)
    finally:
        for hook in hooks:
            hook.remove()
    mu, logvar = seen["q"].chunk(2, dim=-1)
    z = seen["z"]
    eps = ((z - mu) * torch.exp(-0.5 * logvar)).detach()
    assert z.shape == (n, 2)
    assert (eps.mean(0).abs() < 4 / math.sqrt(n)).all()
    assert ((eps.var(0) - 1).abs() < 4 * math.sqrt(2 / n)).all()
    (grad,) = torch.autograd.grad(z.sum(), seen["q"])
    torch.testing.assert_close(grad[:, :2], torch.ones(n, 2))
    torch.testing.assert_close(grad[:, 2:], (0.5 * (z - mu)).detach())


@pytest.mark.parametrize("beta", [0.0, 0.25, 1.0, 4.0])
def test_beta_weighs_the_kl_term_and_nothing_else(beta):
    """The KL-free VAE (beta = 0), the VAE (beta = 1) and the beta-VAE share their networks and
    their reconstruction term; the loss is rec + beta * KL."""
    torch.manual_seed(0)
    vae = VAE(3, hidden=(16,), data_dim=10)
    model = VAE(3, hidden=(16,), data_dim=10, beta=beta)
    model.load_state_dict(vae.state_dict())  # the same architecture, weight for weight
    x = torch.bernoulli(torch.rand(6, 10, generator=torch.Generator().manual_seed(1)))
    torch.manual_seed(2)
    reference = vae.loss(x)
    torch.manual_seed(2)
    terms = model.loss(x)
    torch.testing.assert_close(terms["rec"], reference["rec"])
    torch.testing.assert_close(terms["kl"], reference["kl"])
    torch.testing.assert_close(terms["loss"], terms["rec"] + beta * terms["kl"])
    torch.testing.assert_close(reference["loss"], reference["rec"] + reference["kl"])


def test_the_vae_kl_term_is_the_kl_of_its_encoder_to_the_prior():
    """The loss's KL is KL(N(mu, sigma^2) || N(0, I)) of the encoder's own q(z | x), summed over
    dimensions and averaged over the batch (checked with torch.distributions)."""
    torch.manual_seed(0)
    model = VAE(3, hidden=(16,), data_dim=10)
    x = torch.bernoulli(torch.rand(6, 10, generator=torch.Generator().manual_seed(1)))
    mu, logvar = model.posterior(x)
    q = torch.distributions.Normal(mu, torch.exp(0.5 * logvar))
    p = torch.distributions.Normal(torch.zeros_like(mu), torch.ones_like(mu))
    expected = torch.distributions.kl_divergence(q, p).sum(-1).mean()
    torch.testing.assert_close(model.loss(x)["kl"], expected)


def test_vae_reconstructs_through_the_posterior_mean_and_decodes_to_bernoulli_means():
    """forward(x) = decode(mu(x)), no sampling; decode(z) is the mean of p(x | z), the Bernoulli
    probabilities sigmoid(g(z)) in [0, 1]."""
    torch.manual_seed(0)
    model = VAE(3, hidden=(16,), data_dim=10)
    x = torch.bernoulli(torch.rand(6, 10, generator=torch.Generator().manual_seed(1)))
    z = torch.randn(6, 3) * 3
    means = torch.distributions.Bernoulli(logits=model.decoder(z)).mean
    torch.testing.assert_close(model.decode(z), means)
    torch.manual_seed(2)
    first = model(x)
    torch.manual_seed(3)
    torch.testing.assert_close(first, model(x))
    torch.testing.assert_close(first, model.decode(model.encode(x)))


def test_the_vae_is_the_autoencoder_plus_a_log_variance_head():
    """Side by side: with the same hidden sizes the VAE has 256 * 32 + 32 more parameters than the
    autoencoder, the half of the encoder's last layer that outputs log sigma^2."""

    def count(model):
        return sum(p.numel() for p in model.parameters())

    assert count(VAE(32)) - count(mlp_autoencoder(32)) == 256 * 32 + 32


# ------------------------------------------------------ estimate_nll and active units


def test_estimate_nll_is_minus_the_mean_log_likelihood_where_it_is_known():
    """With q the exact posterior every importance weight is p(x), so estimate_nll must return
    -mean log p(x) exactly (in batches that do not divide the data); with a poorer q it lies
    between -log p(x) and -ELBO: an upper bound on the NLL, tighter than the ELBO's."""
    exact = ProbabilisticPCA()
    x = exact.sample(23)
    torch.manual_seed(0)
    assert estimate_nll(exact, x, k=3, batch_size=5, progress=False) == pytest.approx(
        -exact.log_marginal(x).mean().item(), rel=1e-9
    )
    poor = ProbabilisticPCA(shift=0.4, scale=2.0)
    nll = estimate_nll(poor, x, k=200, batch_size=5, progress=False)
    minus_elbo = -elbo(poor, x, n_samples=2000).mean().item()
    # IWAE_k <= log p(x) in expectation; one estimate may overshoot by its noise (~0.01 nats here)
    assert -poor.log_marginal(x).mean().item() - 0.05 < nll < minus_elbo - 0.5


def test_active_units_threshold_is_burda_et_al_s_0_01():
    """A dimension is active when the variance of its posterior mean over the inputs exceeds
    0.01 (by default): 0.0105 is active, 0.0095 is not; an explicit threshold is honoured."""
    s = torch.randn(200, generator=torch.Generator().manual_seed(0), dtype=D64)
    s = (s - s.mean()) / s.std()  # sample variance exactly 1
    mu = torch.stack([math.sqrt(0.0105) * s, math.sqrt(0.0095) * s], dim=1)
    assert active_units(mu).tolist() == [True, False]
    assert active_units(mu, threshold=0.009).tolist() == [True, True]
    assert active_units(mu, threshold=0.011).tolist() == [False, False]


def test_free_bits_floor_applies_to_the_batch_average_of_each_dimension():
    """Free bits compare each dimension's batch-average KL with lambda, not each example's:
    a dimension averaging above lambda is charged its KL, with a gradient for every example
    (even one below lambda); one averaging below is charged lambda, with no gradient (even for
    an example above lambda)."""
    torch.manual_seed(0)
    model = FreeBitsVAE(2, free_bits=0.5, hidden=(8,), data_dim=4)
    kl_wanted = torch.tensor([[0.1, 0.1], [1.5, 0.7]])  # batch means 0.8 and 0.4
    mu = (2 * kl_wanted).sqrt().requires_grad_(True)  # with logvar = 0, KL_j = mu_j^2 / 2
    kl = kl_per_dimension(mu, torch.zeros(2, 2))
    penalty = model.kl_penalty(kl).mean()
    assert penalty.item() == pytest.approx(0.8 + 0.5)
    (grad,) = torch.autograd.grad(penalty, mu)
    assert (grad[:, 0] != 0).all() and (grad[:, 1] == 0).all()
    x = torch.bernoulli(torch.rand(5, 4, generator=torch.Generator().manual_seed(1)))
    model.beta = 4.0
    torch.manual_seed(2)
    terms = model.loss(x)
    mu_x, logvar_x = model.posterior(x)
    floor = torch.clamp(kl_per_dimension(mu_x, logvar_x).mean(0), min=0.5).sum()
    torch.testing.assert_close(terms["loss"], terms["rec"] + 4.0 * floor)


def test_the_convolutional_vae_has_the_vaes_interface_and_shapes():
    """ConvVAE: the encoder halves 28 -> 14 -> 7, the decoder doubles back; codes of any leading
    shape decode (the IWAE bound draws (k, batch, latent)); every parameter gets a gradient."""
    torch.manual_seed(0)
    model = ConvVAE(4, channels=(4, 8))
    x = torch.rand(6, 784).bernoulli()
    mu, logvar = model.posterior(x)
    assert mu.shape == logvar.shape == (6, 4)
    assert model.decode(torch.randn(3, 6, 4)).shape == (3, 6, 784)
    assert model.log_likelihood(x, torch.randn(5, 6, 4)).shape == (5, 6)
    out = model.loss(x)
    out["loss"].backward()
    assert all(p.grad is not None and p.grad.abs().sum() > 0 for p in model.parameters())
    # the loss is the VAE's: rec - (-KL), with the convolutional networks
    torch.manual_seed(1)
    again = model.loss(x)
    assert torch.isfinite(again["loss"]) and again["kl"] >= 0
    k_bound = iwae(model, x, k=8)
    assert k_bound.shape == (6,) and torch.isfinite(k_bound).all()
    with pytest.raises(ValueError, match="784"):
        model.posterior(torch.rand(6, 28, 28))
