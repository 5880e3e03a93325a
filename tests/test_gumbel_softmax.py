"""vaecore.losses.gumbel_softmax: a categorical draw with a gradient (Jang et al. 2017)."""

import math

import pytest
import torch
import torch.nn.functional as F

from vaecore.losses import gumbel_softmax

PROBS = torch.tensor([0.1, 0.2, 0.7], dtype=torch.float64)


def _draws(n, tau, hard=False, seed=0, logits=None):
    logits = PROBS.log() if logits is None else logits
    g = torch.Generator().manual_seed(seed)
    return gumbel_softmax(logits.expand(n, -1), tau, hard=hard, generator=g)


def test_the_argmax_of_a_draw_follows_the_categorical():
    # The Gumbel-max trick: argmax(logits + g) is an exact draw, at any temperature.
    for tau in (0.1, 1.0, 10.0):
        shares = torch.bincount(_draws(200_000, tau).argmax(-1), minlength=3).double() / 200_000
        torch.testing.assert_close(shares, PROBS, atol=0.005, rtol=0)  # sd about 0.001


def test_draws_lie_on_the_simplex_and_tend_to_one_hot_as_tau_falls():
    for tau in (0.01, 1.0, 100.0):
        y = _draws(5000, tau)
        assert y.shape == (5000, 3) and (y >= 0).all()
        torch.testing.assert_close(y.sum(-1), torch.ones(5000, dtype=torch.float64))
    assert (_draws(5000, 0.01).max(-1).values > 0.99).double().mean() > 0.95  # nearly one-hot
    hot = _draws(5000, 100.0)
    assert (hot.max(-1).values - hot.min(-1).values).max() < 0.1  # nearly uniform


def test_any_leading_shape_and_the_same_draws_from_the_same_seed():
    logits = torch.randn(2, 4, 5)
    a = gumbel_softmax(logits, 0.5, generator=torch.Generator().manual_seed(3))
    b = gumbel_softmax(logits, 0.5, generator=torch.Generator().manual_seed(3))
    assert a.shape == (2, 4, 5) and torch.equal(a, b)


def test_hard_draws_are_one_hot_forward_with_the_soft_gradient_backward():
    logits = PROBS.log().expand(64, -1).clone().requires_grad_(True)
    weights = torch.randn(64, 3, dtype=torch.float64, generator=torch.Generator().manual_seed(1))
    hard = gumbel_softmax(logits, 0.5, hard=True, generator=torch.Generator().manual_seed(2))
    soft = gumbel_softmax(logits, 0.5, generator=torch.Generator().manual_seed(2))
    assert set(hard.detach().unique().tolist()) == {0.0, 1.0} and (hard.sum(-1) == 1).all()
    assert torch.equal(hard.argmax(-1), soft.argmax(-1))
    (grad_hard,) = torch.autograd.grad((weights * hard).sum(), logits)
    (grad_soft,) = torch.autograd.grad((weights * soft).sum(), logits)
    torch.testing.assert_close(grad_hard, grad_soft)
    assert grad_hard.abs().sum() > 0


def test_a_plain_one_hot_sample_has_no_gradient_the_relaxed_one_does():
    # Why a GAN's generator cannot learn through a discrete sample: the argmax is flat.
    logits = torch.zeros(8, 3, requires_grad=True)
    assert not F.one_hot(logits.argmax(-1), 3).float().requires_grad
    relaxed = gumbel_softmax(logits, 1.0, generator=torch.Generator().manual_seed(0))
    (grad,) = torch.autograd.grad(relaxed[:, 0].sum(), logits)
    assert grad.abs().sum() > 0


@pytest.mark.parametrize("tau", [0, -1.0, math.nan, math.inf, True, "1"])
def test_a_temperature_that_is_not_a_positive_number_is_refused(tau):
    with pytest.raises((ValueError, TypeError), match=r"tau must be a finite number > 0, got"):
        gumbel_softmax(torch.zeros(2, 3), tau)
