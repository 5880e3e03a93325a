"""vaecore.losses and vaecore.models.autoencoder: formulas, shapes and errors."""

import math

import pytest
import torch

from vaecore.loop_parts import evaluating
from vaecore.losses import bernoulli_nll, squared_error
from vaecore.metrics.batched import encode, reconstruct
from vaecore.metrics.likelihood import estimate_nll
from vaecore.models.autoencoder import Autoencoder, linear_autoencoder, mlp_autoencoder
from vaecore.models.parts import mlp
from vaecore.models.vae import VAE
from vaecore.train import evaluate_loss


def test_squared_error_is_the_per_image_sum_and_a_scaled_gaussian_nll():
    torch.manual_seed(0)
    x_hat, x = torch.rand(4, 784), torch.rand(4, 784)
    se = squared_error(x_hat, x)
    assert se.shape == (4,)
    torch.testing.assert_close(se, ((x_hat - x) ** 2).sum(1))
    # -log N(x; x_hat, s^2 I) = se / (2 s^2) + d/2 log(2 pi s^2)
    s = 0.3
    nll = -torch.distributions.Normal(x_hat, s).log_prob(x).sum(1)
    torch.testing.assert_close(nll, se / (2 * s**2) + 784 / 2 * math.log(2 * math.pi * s**2))


def test_bernoulli_nll_matches_torch_distributions_and_the_formula():
    torch.manual_seed(0)
    logits = torch.randn(3, 784, dtype=torch.float64) * 3
    x = torch.bernoulli(torch.rand(3, 784, dtype=torch.float64))
    expected = -torch.distributions.Bernoulli(logits=logits).log_prob(x).sum(1)
    torch.testing.assert_close(bernoulli_nll(logits, x), expected)
    # grey-scale targets: the cross-entropy -[x log p + (1 - x) log(1 - p)]
    xg, p = torch.rand(3, 784, dtype=torch.float64), torch.sigmoid(logits)
    manual = -(xg * p.log() + (1 - xg) * (1 - p).log()).sum(1)
    torch.testing.assert_close(bernoulli_nll(logits, xg), manual)


def test_bernoulli_nll_is_finite_for_saturated_logits():
    logits = torch.tensor([[200.0, -200.0]])
    assert torch.isfinite(bernoulli_nll(logits, torch.tensor([[0.0, 1.0]]))).all()


@pytest.mark.parametrize("loss", [squared_error, bernoulli_nll])
def test_losses_reject_mismatched_shapes(loss):
    with pytest.raises(ValueError, match="shape"):
        loss(torch.zeros(2, 784), torch.zeros(2, 783))
    with pytest.raises(ValueError, match="shape"):
        loss(torch.zeros(784), torch.zeros(784))


@pytest.mark.parametrize(
    "make",
    [linear_autoencoder, mlp_autoencoder, lambda k: mlp_autoencoder(k, likelihood="gaussian")],
)
@pytest.mark.parametrize("k", [2, 8])
def test_autoencoder_shapes_and_range(make, k):
    model = make(k)
    x = torch.rand(5, 784)
    z = model.encode(x)
    assert z.shape == (5, k)
    x_hat = model.decode(z)
    assert x_hat.shape == (5, 784)
    torch.testing.assert_close(model(x), x_hat)
    assert model.loss(x).shape == ()
    if make is not linear_autoencoder:  # MLP outputs pass through a sigmoid
        assert 0 <= x_hat.min() and x_hat.max() <= 1


def test_bernoulli_autoencoder_loss_reads_decoder_output_as_logits():
    model = mlp_autoencoder(3)
    x = torch.rand(4, 784)
    logits = model.decoder(model.encode(x))
    torch.testing.assert_close(model.loss(x), bernoulli_nll(logits, x).mean())
    torch.testing.assert_close(model(x), torch.sigmoid(logits))


def test_gaussian_autoencoder_loss_is_mean_squared_error_per_image():
    model = linear_autoencoder(3)
    x = torch.rand(4, 784)
    torch.testing.assert_close(model.loss(x), ((model(x) - x) ** 2).sum(1).mean())


def test_unknown_likelihood_is_refused():
    with pytest.raises(ValueError, match="likelihood"):
        Autoencoder(torch.nn.Identity(), torch.nn.Identity(), "poisson")


def test_gradients_with_respect_to_the_logit():
    # d BCE / d a = sigmoid(a) - x ;  d (sigmoid(a) - x)^2 / d a = 2 (sigmoid(a) - x) sigmoid'(a)
    a = torch.linspace(-8, 8, 17, dtype=torch.float64, requires_grad=True)
    x = torch.ones_like(a)
    (g_bce,) = torch.autograd.grad(bernoulli_nll(a[None], x[None]).sum(), a)
    (g_mse,) = torch.autograd.grad(squared_error(torch.sigmoid(a)[None], x[None]).sum(), a)
    s = torch.sigmoid(a.detach())
    torch.testing.assert_close(g_bce, s - 1)
    torch.testing.assert_close(g_mse, 2 * (s - 1) * s * (1 - s))
    # A confidently wrong logit (a = -8 for a white pixel): BCE still pushes, MSE hardly does.
    assert g_bce[0].abs() > 0.99 and g_mse[0].abs() < 1e-3


def test_bernoulli_formula_on_grey_pixels_is_not_normalised():
    from vaecore.losses import bernoulli_mass_on_unit_interval

    p = torch.tensor([0.01, 0.2, 0.5, 0.7, 0.999], dtype=torch.float64)
    x = torch.linspace(0, 1, 200_001, dtype=torch.float64)[:, None]
    numeric = torch.trapezoid(p**x * (1 - p) ** (1 - x), x, dim=0)
    mass = bernoulli_mass_on_unit_interval(p)
    torch.testing.assert_close(mass, numeric, rtol=1e-8, atol=1e-10)
    assert mass[2] == 0.5 and (mass[[0, 1, 3, 4]] < 0.5).all()  # never more than half
    # its inverse is the continuous Bernoulli's normaliser: log C(p) = log p_CB(x) - log p^x
    # (1-p)^(1-x)
    cb = torch.distributions.ContinuousBernoulli(probs=p)
    xs = torch.full_like(p, 0.3)
    log_c = cb.log_prob(xs) - (xs * p.log() + (1 - xs) * (1 - p).log())
    torch.testing.assert_close(log_c, -mass.log(), rtol=1e-6, atol=1e-6)


def test_linear_autoencoder_is_an_affine_map_through_k_numbers():
    """x_hat = W_d (W_e x + b_e) + b_d: affine in x (it maps affine combinations to affine
    combinations), with a Jacobian W_d W_e of rank k."""
    torch.manual_seed(0)
    model = linear_autoencoder(3, data_dim=10)
    x1, x2 = torch.randn(4, 10), torch.randn(4, 10)
    with torch.no_grad():
        torch.testing.assert_close(model(0.3 * x1 + 0.7 * x2), 0.3 * model(x1) + 0.7 * model(x2))
        torch.testing.assert_close(model(2.5 * x1 - 1.5 * x2), 2.5 * model(x1) - 1.5 * model(x2))
    jacobian = torch.autograd.functional.jacobian(lambda v: model(v[None])[0], x1[0])
    assert torch.linalg.matrix_rank(jacobian).item() == 3


@pytest.mark.parametrize("likelihood", ["bernoulli", "gaussian"])
def test_the_mlp_autoencoders_code_is_linear(likelihood):
    """ReLU between the layers, none on the code: an MLP autoencoder's codes take any sign
    (the autoencoder chapter's code space is not confined to a quadrant)."""
    torch.manual_seed(0)
    model = mlp_autoencoder(4, hidden=(16,), data_dim=10, likelihood=likelihood)
    with torch.no_grad():
        z = model.encode(torch.randn(200, 10))
    assert (z < 0).any(dim=0).all() and (z > 0).any(dim=0).all()


def test_the_mlps_last_layer_has_no_activation():
    """mlp([...]): an activation between the layers, none after the last, whose output (a code,
    logits, a mean and a log-variance) takes any sign."""
    torch.manual_seed(0)
    net = mlp([5, 16, 16, 3])
    with torch.no_grad():
        out = net(torch.randn(200, 5))
    assert (out < 0).any(dim=0).all() and (out > 0).any(dim=0).all()
    assert sum(isinstance(m, torch.nn.ReLU) for m in net) == 2


def test_evaluating_restores_every_layers_mode_even_after_an_error():
    model = mlp_autoencoder(4, hidden=(16,))
    model.train()
    model.decoder.eval()  # a frozen part stays frozen
    with pytest.raises(RuntimeError, match="boom"):
        with evaluating(model):
            assert not model.training and not model.encoder.training
            assert not torch.is_grad_enabled()
            raise RuntimeError("boom")
    assert model.training and model.encoder.training and not model.decoder.training
    assert torch.is_grad_enabled()


def test_measuring_helpers_leave_a_training_model_in_training_mode():
    model = VAE(4, hidden=(16,)).train()
    x = torch.rand(8, 784).round()
    reconstruct(model, x)
    encode(model, x)
    estimate_nll(model, x, k=2, progress=False)
    evaluate_loss(model, x)
    assert model.training and all(layer.training for layer in model.modules())
