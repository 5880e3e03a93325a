"""The exercises' check: it accepts a correct function written another way, refuses a wrong
one with a message that says what differs, and waits for an unwritten one."""

import pytest
import torch
import torch.nn.functional as F

from vaecore.book.exercises import (
    check,
    feature_sets,
    gaussian_codes,
    logits_and_pixels,
    real_and_fake_logits,
)
from vaecore.losses import bernoulli_nll, discriminator_loss, kl_per_dimension, reparameterize
from vaecore.metrics.judge import frechet_distance


def test_a_correct_function_written_another_way_agrees(capsys):
    def my_kl(mu, logvar):
        q = torch.distributions.Normal(mu, (0.5 * logvar).exp())
        return torch.distributions.kl_divergence(q, torch.distributions.Normal(0.0, 1.0))

    check(my_kl, kl_per_dimension, gaussian_codes)
    assert "my_kl agrees with kl_per_dimension on 5 random inputs" in capsys.readouterr().out


def test_the_book_s_other_exercises_agree_with_their_solutions(capsys):
    def my_nll(logits, x):
        return (F.softplus(logits) - x * logits).sum(dim=1)

    def my_d_loss(real, fake):
        bce = F.binary_cross_entropy_with_logits
        return bce(real, torch.ones_like(real)) + bce(fake, torch.zeros_like(fake))

    def my_fd(a, b):
        import scipy.linalg

        s_a, s_b = torch.cov(a.T).numpy(), torch.cov(b.T).numpy()
        root = scipy.linalg.sqrtm(s_a @ s_b).real
        return float(((a.mean(0) - b.mean(0)) ** 2).sum()) + (s_a + s_b - 2 * root).trace()

    for yours, reference, inputs in [
        (my_nll, bernoulli_nll, logits_and_pixels),
        (my_d_loss, discriminator_loss, real_and_fake_logits),
        (my_fd, frechet_distance, feature_sets),
    ]:
        check(yours, reference, inputs)
        assert f"agrees with {reference.__name__}" in capsys.readouterr().out


def test_a_planted_mistake_is_named():
    def kl_without_the_one(mu, logvar):  # the classic slip: "- 1" forgotten
        return 0.5 * (mu.pow(2) + logvar.exp() - logvar)

    with pytest.raises(AssertionError, match=r"differs from kl_per_dimension .* by up to 0.5"):
        check(kl_without_the_one, kl_per_dimension, gaussian_codes)


def test_a_summed_result_is_refused_by_its_shape():
    with pytest.raises(AssertionError, match=r"shape \(16,\), expected \(16, 8\)"):
        check(lambda m, lv: kl_per_dimension(m, lv).sum(-1), kl_per_dimension, gaussian_codes)


def test_both_calls_draw_the_same_noise(capsys):
    def my_sample(mu, logvar):
        return mu + (0.5 * logvar).exp() * torch.randn(mu.shape)

    def transposed_noise(mu, logvar):  # noise of another shape is other noise
        return mu + (0.5 * logvar).exp() * torch.randn(mu.T.shape).T

    check(my_sample, reparameterize, gaussian_codes)
    assert "agrees" in capsys.readouterr().out
    with pytest.raises(AssertionError, match="differs"):
        check(transposed_noise, reparameterize, gaussian_codes)


def test_dicts_and_tuples_are_compared_entry_by_entry(capsys):
    def reference(mu, logvar):
        return {"kl": kl_per_dimension(mu, logvar), "pair": (mu, 1.0)}

    def answer(extra):
        return lambda mu, lv: {"kl": kl_per_dimension(mu, lv), "pair": (mu, 1.0)} | extra

    check(answer({}), reference, gaussian_codes)
    assert "agrees" in capsys.readouterr().out
    with pytest.raises(AssertionError, match="keys"):
        check(answer({"z": 0.0}), reference, gaussian_codes)
    with pytest.raises(AssertionError, match=r"\['pair'\]\[1\] is 2, expected 1"):
        check(lambda mu, lv: answer({})(mu, lv) | {"pair": (mu, 2.0)}, reference, gaussian_codes)


def unwritten(mu, logvar): ...  # your code here


def not_implemented(mu, logvar):
    raise NotImplementedError


@pytest.mark.parametrize("stub", [unwritten, not_implemented])
def test_an_unwritten_function_is_waited_for(stub, capsys):
    check(stub, kl_per_dimension, gaussian_codes)  # no error: the reader has not written it yet
    assert f"{stub.__name__} is not written yet" in capsys.readouterr().out


def test_no_trials_is_refused():
    with pytest.raises(ValueError, match="trials"):
        check(kl_per_dimension, kl_per_dimension, gaussian_codes, trials=0)
