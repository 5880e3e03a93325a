"""Discrete data (claim 1 of "Questions readers ask"): the categorical likelihood, the categorical
generator and VAE, the three ways a GAN's generator gets a gradient through a discrete sample, and
the total variation distance they are judged by."""

import pytest
import torch
import torch.nn.functional as F
from torch import nn

from vaecore.experiments import discrete
from vaecore.losses import bernoulli_nll, categorical_log_prob, iwae
from vaecore.metrics.discrete import total_variation
from vaecore.models.discrete import CategoricalGenerator, CategoricalVAE, draw_one_hot
from vaecore.models.gan import Discriminator
from vaecore.settings import Budget


def _one_hot(n, pixels, levels, seed=0):
    values = torch.randint(levels, (n, pixels), generator=torch.Generator().manual_seed(seed))
    return F.one_hot(values, levels).flatten(1).float(), values


# --- eq. (CAT) -----------------------------------------------------------------------------------


def test_the_categorical_log_prob_is_torchs_categorical_summed_over_pixels():
    x, values = _one_hot(32, 5, 4)
    logits = 3 * torch.randn(32, 20, generator=torch.Generator().manual_seed(1))
    want = torch.distributions.Categorical(logits=logits.reshape(32, 5, 4)).log_prob(values)
    torch.testing.assert_close(categorical_log_prob(logits, x, 4), want.sum(-1))


def test_two_levels_are_the_bernoulli_of_the_logit_difference():
    # Cat over (black, white) with logits (a, b) is Bernoulli(white; sigmoid(b - a)).
    x, values = _one_hot(16, 7, 2, seed=2)
    logits = 4 * torch.randn(16, 14, generator=torch.Generator().manual_seed(3))
    pairs = logits.reshape(16, 7, 2)
    bernoulli = -bernoulli_nll(pairs[..., 1] - pairs[..., 0], values.float())
    torch.testing.assert_close(categorical_log_prob(logits, x, 2), bernoulli)


@pytest.mark.parametrize(
    "x, message",
    [
        (torch.full((2, 6), 0.5), "one-hot"),
        (torch.zeros(2, 6), "one-hot"),
        (torch.ones(2, 6), "one-hot"),
    ],
)
def test_rows_that_are_not_one_hot_are_refused(x, message):
    with pytest.raises(ValueError, match=message):
        categorical_log_prob(torch.zeros(2, 6), x, 3)


def test_entries_that_do_not_split_into_pixels_are_refused():
    with pytest.raises(ValueError, match="cannot be split into pixels of 4 levels"):
        categorical_log_prob(torch.zeros(2, 6), torch.zeros(2, 6), 4)


# --- the models ----------------------------------------------------------------------------------


def test_a_draw_follows_the_softmax_and_carries_no_gradient():
    probs = torch.tensor([0.1, 0.3, 0.6])
    logits = probs.log().expand(100_000, 1, 3).clone().requires_grad_(True)
    x = draw_one_hot(logits, torch.Generator().manual_seed(0))
    assert x.shape == (100_000, 3) and not x.requires_grad
    torch.testing.assert_close(x.mean(0), probs, atol=0.005, rtol=0)


def test_the_generator_gives_logits_and_one_hot_samples():
    torch.manual_seed(0)
    g = CategoricalGenerator(4, pixels=5, levels=3)
    assert g(torch.zeros(7, 4)).shape == (7, 5, 3)
    x = g.sample(9, torch.Generator().manual_seed(1))
    assert x.shape == (9, 15) and (x.reshape(9, 5, 3).sum(-1) == 1).all()


@pytest.mark.parametrize("cls", [CategoricalGenerator, CategoricalVAE])
def test_a_model_of_fewer_than_two_levels_is_refused(cls):
    with pytest.raises(ValueError, match="levels must be a whole number >= 2"):
        cls(4, 5, 1)


def test_the_vae_decodes_a_distribution_per_pixel_and_its_bounds_work():
    torch.manual_seed(0)
    vae = CategoricalVAE(3, pixels=5, levels=4)
    x, _ = _one_hot(6, 5, 4)
    probs = vae.decode(torch.randn(2, 6, 3)).reshape(2, 6, 5, 4)
    torch.testing.assert_close(probs.sum(-1), torch.ones(2, 6, 5))
    assert vae.log_likelihood(x, torch.randn(8, 6, 3)).shape == (8, 6)
    bound = iwae(vae, x, k=10)
    assert bound.shape == (6,) and (bound < 0).all()
    assert torch.isfinite(vae.loss(x)["loss"])
    sample = vae.sample(11, torch.Generator().manual_seed(0))
    assert sample.shape == (11, 20) and (sample.reshape(11, 5, 4).sum(-1) == 1).all()


def test_the_vae_likelihood_is_eq_cat_of_its_decoder():
    torch.manual_seed(0)
    vae = CategoricalVAE(3, pixels=5, levels=4)
    x, _ = _one_hot(6, 5, 4)
    z = torch.randn(6, 3)
    want = categorical_log_prob(vae.decoder(z), x, 4)
    torch.testing.assert_close(vae.log_likelihood(x, z), want)


# --- the three estimators ------------------------------------------------------------------------


def _players(pixels=1, levels=3):
    torch.manual_seed(0)
    return CategoricalGenerator(2, pixels, levels, hidden=(8,)), Discriminator(pixels * levels)


def test_through_a_plain_sample_no_gradient_reaches_the_generator():
    g, d = _players()
    discrete.generator_loss_of("sample", g, d, 64, torch.Generator().manual_seed(0)).backward()
    assert all(p.grad is None for p in g.parameters())
    assert any(p.grad is not None for p in d.parameters())


class _Seen(nn.Module):
    """D, keeping what it was shown."""

    def __init__(self, d):
        super().__init__()
        self.d, self.seen = d, []

    def forward(self, x):
        self.seen.append(x.detach())
        return self.d(x)


@pytest.mark.parametrize("estimator", discrete.ESTIMATORS)
def test_every_estimator_shows_d_one_hot_fakes(estimator):
    g, d = _players(pixels=4)
    seen = _Seen(d)
    discrete.generator_loss_of(estimator, g, seen, 64, torch.Generator().manual_seed(0))
    (x,) = seen.seen
    assert x.shape == (64, 12) and ((x == 0) | (x == 1)).all()
    assert (x.reshape(64, 4, 3).sum(-1) == 1).all()


def test_gumbel_softmax_gives_the_generator_a_gradient():
    g, d = _players(pixels=4)
    loss = discrete.generator_loss_of("Gumbel-softmax", g, d, 64, torch.Generator().manual_seed(0))
    loss.backward()
    assert all(p.grad is not None and p.grad.abs().sum() > 0 for p in g.parameters())


def test_the_score_function_gradient_is_the_exact_gradient_in_expectation():
    # With one pixel of three levels, E[log D(x)] = sum_k p_k(z) log D(e_k) has an exact gradient.
    g, d = _players()
    n = 200_000
    loss = discrete.generator_loss_of("score function", g, d, n, torch.Generator().manual_seed(0))
    estimate = torch.autograd.grad(loss, list(g.parameters()))
    z = g.noise(n, torch.Generator().manual_seed(0))  # the same noise: drawn first, same seed
    log_d = F.logsigmoid(d(torch.eye(3))).detach()  # (3,), log D of each value
    exact_loss = -(torch.softmax(g(z)[:, 0], -1) * log_d).sum(-1).mean()
    exact = torch.autograd.grad(exact_loss, list(g.parameters()))
    for e, x in zip(estimate, exact):
        torch.testing.assert_close(e, x, atol=2e-3, rtol=0.05)


def test_an_unknown_estimator_is_refused():
    x, _ = _one_hot(300, 16, 3)
    with pytest.raises(ValueError, match="unknown estimator 'argmax'"):
        discrete.gan_run("argmax", x, x, discrete.QUICK)
    g, d = _players()
    with pytest.raises(ValueError, match="unknown estimator 'Gumbel'"):
        discrete.generator_loss_of("Gumbel", g, d, 8, torch.Generator().manual_seed(0))


# --- the experiment ------------------------------------------------------------------------------

TINY = Budget(None, None, {"vae": 1}, {"gan_steps": 20, "samples": 200, "curve_points": 2})


def test_coarse_digits_average_blocks_into_levels():
    images = torch.zeros(3, 28, 28)
    images[1] = 1.0
    images[2, :7, :7] = 0.5  # top-left block: the middle level of 3
    images[2, :7, 7:14] = 0.4  # 0.4 * 3 = 1.2: the middle level too
    values = discrete.coarse_digits(images.reshape(3, 784))
    assert values.shape == (3, 16) and values.dtype == torch.long
    assert (values[0] == 0).all() and (values[1] == 2).all()
    assert values[2].tolist() == [1, 1] + [0] * 14


@pytest.mark.parametrize("images", [torch.zeros(2, 100), torch.zeros(784)])
def test_coarse_digits_refuse_what_is_not_a_batch_of_mnist_images(images):
    with pytest.raises(ValueError, match=r"need \(n, 784\) images"):
        discrete.coarse_digits(images)


@pytest.mark.parametrize(
    "rows", [torch.zeros(4, 48), torch.ones(4, 48), torch.zeros(4, 47), torch.zeros(48), "rows"]
)
def test_the_runs_refuse_rows_that_are_not_one_hot(rows):
    x, _ = _one_hot(64, 16, 3)
    with pytest.raises(ValueError, match="one-hot|one 1 per pixel"):
        discrete.vae_run(rows, x, TINY)
    with pytest.raises(ValueError, match="one-hot|one 1 per pixel"):
        discrete.gan_run("sample", x, rows, TINY)


def test_the_runs_train_measure_and_repeat_with_their_seed():
    x, _ = _one_hot(512, 16, 3)
    runs = discrete.train_models(x, x[:200], TINY, seed=1)
    assert [r.model for r in runs] == list(discrete.MODELS)
    for run in runs:
        assert 0 <= run.tv <= 1 and run.parameters > 0 and run.seconds > 0
        assert run.samples.shape == (200, 16) and run.samples.max() <= 2
        assert run.tv == total_variation(run.samples, discrete._values(x[:200]))
    stuck, gumbel = runs[0], runs[1]
    assert stuck.grad_norms == [0.0] * 20  # nothing reaches G through a plain sample
    assert len({tv for _, tv in stuck.curve}) == 1  # so its samples never change
    assert min(gumbel.grad_norms) > 0
    assert isinstance(runs[-1].network, CategoricalVAE) and runs[0].network is not None
    again = discrete.gan_run("Gumbel-softmax", x, x[:200], TINY, seed=1)
    assert torch.equal(again.samples, gumbel.samples) and again.curve == gumbel.curve


# --- total variation -----------------------------------------------------------------------------


def test_total_variation_of_known_samples():
    a = torch.tensor([[0, 1], [0, 1], [1, 1], [2, 0]])
    assert total_variation(a, a) == 0.0
    assert total_variation(a, a[torch.tensor([3, 2, 1, 0])]) == 0.0  # order does not matter
    assert total_variation(a, torch.tensor([[5, 5]])) == 1.0  # no state in common
    # p = (1/2, 1/4, 1/4) on states (0,1), (1,1), (2,0); q = (1, 0, 0): TV = 1/2
    assert total_variation(a, torch.tensor([[0, 1]])) == pytest.approx(0.5)


def test_total_variation_refuses_rows_of_different_spaces():
    with pytest.raises(ValueError, match="not one space"):
        total_variation(torch.zeros(3, 2), torch.zeros(3, 4))
    with pytest.raises(ValueError, match="non-empty"):
        total_variation(torch.zeros(0, 2), torch.zeros(3, 2))


def test_coarse_images_are_blocks_at_their_level():
    images = discrete.coarse_images(torch.tensor([[0] * 15 + [2], [1] * 16]))
    assert images.shape == (2, 784)
    grid = images.reshape(2, 28, 28)
    assert (grid[0, 21:, 21:] == 1).all() and grid[0, :21].sum() == 0
    assert (grid[1] == 0.5).all()


def test_mean_images_weigh_the_levels_greys_by_their_probabilities():
    torch.manual_seed(0)
    vae = CategoricalVAE(2, pixels=4, levels=3)
    z = torch.randn(5, 2)
    probs = vae.decode(z).reshape(5, 4, 3)
    want = probs[..., 1] * 0.5 + probs[..., 2]  # greys 0, 1/2, 1
    images = discrete.mean_images(vae, z).reshape(5, 28, 28)
    torch.testing.assert_close(images[:, 0, 0], want[:, 0])  # top-left block
    torch.testing.assert_close(images[:, 27, 27], want[:, 3])  # bottom-right block


def test_the_floor_takes_as_many_real_digits_as_a_model_has_samples():
    x, _ = _one_hot(100, 16, 3)
    assert discrete.real_floor(x, x, 100) == 0.0
    with pytest.raises(ValueError, match="needs 200 training digits"):
        discrete.real_floor(x, x, 200)
