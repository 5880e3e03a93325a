"""vaecore.experiments.vae_drawbacks: the measures of "The VAE's drawbacks" say what they are
named for, on inputs whose answer is known."""

import pytest
import torch

from vaecore.experiments import vae_drawbacks
from vaecore.settings import Budget


def test_share_ahead_counts_the_pairs_in_which_the_first_scores_better():
    a, b = torch.tensor([1.0, 5.0]), torch.tensor([2.0, 3.0, 5.0])
    # 1 beats 2, 3 and 5; 5 beats nothing (a tie is a miss): 3 of 6 pairs
    assert vae_drawbacks.share_ahead(a, b) == pytest.approx(0.5)
    assert vae_drawbacks.share_ahead(b, a) == pytest.approx(2 / 6)


def test_samples_that_copy_the_training_set_are_all_nearer_to_it():
    torch.manual_seed(0)
    train, test = torch.rand(50, 784), torch.rand(50, 784)
    copies = train[:20] + 0.01 * torch.randn(20, 784)
    assert vae_drawbacks.closer_to_train(copies, train, test) == 1.0
    assert vae_drawbacks.closer_to_train(test[:20] + 0.01, train, test) == 0.0
    with pytest.raises(ValueError, match="as many training as test images"):
        vae_drawbacks.closer_to_train(copies, train, test[:10])


def test_the_score_with_one_code_is_minus_the_elbo_and_more_codes_tighten_it():
    torch.manual_seed(0)
    model = vae_drawbacks.VAE(4, hidden=(16,))
    x = (torch.rand(1, 784) < 0.3).float().expand(4000, 784)
    one = vae_drawbacks.scores(model, x, 1, batch_size=1000)
    with torch.no_grad():
        mu, logvar = model.posterior(x)
        z = mu + (0.5 * logvar).exp() * torch.randn_like(mu)
        kl = 0.5 * (mu**2 + logvar.exp() - logvar - 1).sum(-1)  # the closed form
        elbo = (model.log_likelihood(x, z) - kl).mean()
    assert one.shape == (4000,)
    assert float(one.mean()) == pytest.approx(-float(elbo), abs=4 * float(one.std()) / 4000**0.5)
    assert float(vae_drawbacks.scores(model, x[:500], 50).mean()) < float(one.mean())
    assert model.training  # scoring leaves the model as it found it


def test_one_tiny_run_measures_everything():
    torch.manual_seed(0)
    tiny = Budget(
        n_train=None,
        n_test=None,
        epochs={"vae": 1},
        sizes={"scored": 20, "k": 3, "samples": 10, "neighbours": 30},
    )
    images = [torch.rand(n, 784) for n in (60, 40, 40)]
    run = vae_drawbacks.measure(*images, tiny, seed=0)
    assert run.latent_dim == 32 and 0 <= run.active <= 32
    assert 0 <= run.foreign_ahead <= 1 and 0 <= run.closer_to_train <= 1
    assert run.seconds > 0 and run.iwae_seconds > 0 and run.elbo_seconds > 0
    for score in (run.train_score, run.test_score, run.foreign_score):
        assert 0 < score < 784 * 2  # nats per binary image, far from 0 after one epoch
