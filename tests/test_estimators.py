"""Both gradient estimators are unbiased; the reparameterised one has lower variance here."""

import math

import torch

from vaecore.losses import reparameterized_gradients, score_function_gradients


def test_both_estimators_agree_with_the_analytic_gradient():
    # f(z) = sum_j z_j^2: E[f] = ||mu||^2 + sum sigma^2, so grad_mu = 2 mu.
    mu = torch.tensor([0.5, -1.0], dtype=torch.float64)
    logvar = torch.tensor([math.log(0.3), 0.0], dtype=torch.float64)
    torch.manual_seed(0)
    n = 200_000
    for estimator in (reparameterized_gradients, score_function_gradients):
        g = estimator(lambda z: z.pow(2).sum(-1), mu, logvar, n)
        assert g.shape == (n, 2)
        se = g.std(0) / math.sqrt(n)
        assert ((g.mean(0) - 2 * mu).abs() < 4 * se).all(), estimator.__name__


def test_reparameterised_gradient_has_lower_variance_on_a_smooth_function():
    mu, logvar = torch.zeros(3, dtype=torch.float64), torch.zeros(3, dtype=torch.float64)
    torch.manual_seed(0)
    f = lambda z: torch.sin(z).sum(-1) + 3.0  # an offset makes REINFORCE noisier still
    var_rep = reparameterized_gradients(f, mu, logvar, 20_000).var(0)
    var_sf = score_function_gradients(f, mu, logvar, 20_000).var(0)
    assert (var_rep * 5 < var_sf).all()


def test_both_estimators_are_unbiased_where_the_noise_matters():
    """f(z) = sum_j exp(z_j): grad_mu E[f] = exp(mu + sigma^2 / 2), which depends on sigma, so an
    estimator that evaluated grad f at mu, or drew z with the wrong spread, would be biased
    (the quadratic above cannot tell: its gradient 2 mu does not involve sigma)."""
    mu = torch.tensor([0.3, -0.5], dtype=torch.float64)
    logvar = torch.tensor([math.log(1.0), math.log(0.5)], dtype=torch.float64)
    expected = torch.exp(mu + 0.5 * logvar.exp())
    torch.manual_seed(0)
    n = 200_000
    for estimator in (reparameterized_gradients, score_function_gradients):
        g = estimator(lambda z: z.exp().sum(-1), mu, logvar, n)
        se = g.std(0) / math.sqrt(n)
        assert ((g.mean(0) - expected).abs() < 4 * se).all(), estimator.__name__
        assert ((g.mean(0) - torch.exp(mu)).abs() > 10 * se).all()  # not the gradient at mu
