"""vaecore.compare: the measurements and recipes of the "Side by side" chapter."""

import math

import pytest
import torch

from vaecore import compare
from vaecore.compare import Scores, Trained
from vaecore.models import VAE, mlp_autoencoder
from vaecore.settings import Budget


def test_fitted_gaussian_has_the_codes_mean_and_covariance():
    g = torch.Generator().manual_seed(0)
    a = torch.tensor([[2.0, 0.0, 0.0], [1.0, 0.5, 0.0], [0.0, -1.0, 0.2]])
    codes = torch.randn(20_000, 3, generator=g) @ a.T + torch.tensor([1.0, -2.0, 3.0])
    z = compare.fitted_gaussian(codes)(50_000, torch.Generator().manual_seed(1))
    assert z.shape == (50_000, 3)
    torch.testing.assert_close(z.mean(0), codes.mean(0), atol=0.03, rtol=0)
    torch.testing.assert_close(torch.cov(z.T), torch.cov(codes.T), atol=0.06, rtol=0)


def test_class_shares_and_their_kl():
    shares = compare.class_shares(torch.tensor([0, 0, 1, 3]), n_classes=4)
    torch.testing.assert_close(shares, torch.tensor([0.5, 0.25, 0.0, 0.25], dtype=torch.float64))
    uniform = torch.full((4,), 0.25, dtype=torch.float64)
    assert compare.class_kl(uniform, uniform) == 0.0
    # KL(s || u) = 0.5 log 2 + 0.25 log 1 + 0.25 log 1 (the empty class adds nothing)
    assert compare.class_kl(shares, uniform) == pytest.approx(0.5 * math.log(2))
    assert compare.class_kl(uniform, shares.clamp(min=1e-12)) > compare.class_kl(shares, uniform)


def test_blur_is_zero_for_black_and_white_and_one_for_grey():
    assert compare.blur(torch.tensor([[0.0, 1.0, 1.0, 0.0]])) == 0.0
    assert compare.blur(torch.full((2, 5), 0.5)) == 1.0
    assert compare.blur(torch.tensor([[0.25]])) == pytest.approx(0.75)


def _trained(name, model, encode, sample):
    return Trained(name, model, model.decode, encode, sample, "prior", compare.count_parameters(model), 1.0)


def test_interpolations_decode_each_model_on_the_line_between_its_codes():
    torch.manual_seed(0)
    ae, vae = mlp_autoencoder(3, hidden=(8,)).eval(), VAE(2, hidden=(8,)).eval()
    trained = {"ae": _trained("ae", ae, ae.encode, None), "vae": _trained("vae", vae, None, None)}
    starts = {"ae": torch.randn(2, 3), "vae": torch.randn(2, 2)}
    ends = {"ae": torch.randn(2, 3), "vae": torch.randn(2, 2)}
    decode, shape = compare.interpolations(trained, starts, ends, gap=3)
    assert shape == (2 * 28, 2 * 28 + 3)
    out = decode(torch.tensor([[0.0], [0.25], [1.0]]))
    assert out.shape == (3, shape[0] * shape[1])
    grid = out.reshape(3, 2, 28, 2 * 28 + 3)  # (t, pair, row, column)
    assert (grid[:, :, :, 28:31] == 0).all()  # the blank gap between the models
    with torch.no_grad():
        for t_index, t in ((0, 0.0), (1, 0.25), (2, 1.0)):
            for columns, (name, model) in ((slice(0, 28), ("ae", ae)), (slice(31, 59), ("vae", vae))):
                z = (1 - t) * starts[name] + t * ends[name]
                torch.testing.assert_close(grid[t_index, :, :, columns], model.decode(z).reshape(2, 28, 28))


class FixedJudge:
    """A stand-in for SampleJudge: labels by the first pixel, score = mean intensity."""

    def predict(self, images):
        return (images[:, 0] * 10).round().long()

    def score(self, images):
        return float(images.mean())


def test_measure_gives_each_model_the_measurements_defined_for_it():
    torch.manual_seed(0)
    ae, vae = mlp_autoencoder(4, hidden=(16,)).eval(), VAE(4, hidden=(16,)).eval()
    x = torch.rand(50, 784)
    xb = (x > 0.5).float()
    uniform = torch.full((10,), 0.1, dtype=torch.float64)
    spread = lambda m, g: torch.arange(m).float()[:, None].remainder(10).div(10).expand(m, 784).clone()
    rows = {}
    for name, model, encode in (("ae", ae, ae.encode), ("vae", vae, lambda x: vae.encode(x)[0]),
                                ("gan", ae, None)):
        rows[name] = compare.measure(_trained(name, model, encode, spread), FixedJudge(), x, xb,
                                     uniform, k=5, n_samples=100)
    with torch.no_grad():
        assert rows["ae"].reconstruction_mse == pytest.approx(float(((ae(x) - x) ** 2).mean()))
        assert rows["vae"].reconstruction_mse == pytest.approx(float(((vae(x) - x) ** 2).mean()))
    assert rows["gan"].reconstruction_mse is None  # no encoder
    assert rows["ae"].test_nll is None and rows["gan"].test_nll is None  # no density
    assert rows["vae"].test_nll > 0
    for r in rows.values():  # every class once in ten: balanced samples
        assert r.rarest_class_percent == pytest.approx(10.0) and r.class_kl == pytest.approx(0.0)
        assert r.frechet == pytest.approx(0.45)  # mean of 0, 0.1, ..., 0.9


def _scores(model, mse, nll, fd, kl):
    return Scores(model, 1, 1.0, mse, nll, fd, 5.0, kl, 0.5)


def test_recommendations_pick_the_best_defined_value_and_cite_the_others():
    scores = [_scores("AE", 0.010, None, 40.0, 0.30), _scores("VAE", 0.020, 90.0, 20.0, 0.05),
              _scores("KL-free", 0.015, 140.0, 60.0, 0.40), _scores("GAN", None, None, 10.0, 0.10)]
    picks = {need.split(" (")[0]: (model, evidence) for need, model, evidence in compare.recommendations(scores)}
    assert picks["compression"][0] == "AE"
    assert picks["compression"][1] == "0.0100 (others: KL-free 0.0150; VAE 0.0200)"
    assert picks["generation"][0] == "GAN"
    assert picks["balanced samples"][0] == "VAE"
    assert picks["likelihoods"] == ("VAE", "90.0 (others: KL-free 140.0)")


def test_train_models_trains_all_four_with_samplers_of_the_right_shape():
    budget = Budget(n_train=256, n_test=64, epochs={"encoders": 1}, sizes={"gan_steps": 3})
    x = torch.rand(256, 784)
    trained = compare.train_models(x, budget)
    assert list(trained) == list(compare.MODELS)
    for t in trained.values():
        sample = t.sample(7, torch.Generator().manual_seed(0))
        assert sample.shape == (7, 784) and 0 <= sample.min() and sample.max() <= 1
        torch.testing.assert_close(sample, t.sample(7, torch.Generator().manual_seed(0)))
        assert t.parameters > 0 and t.seconds > 0
    assert trained["GAN"].encode is None
    assert trained["autoencoder"].codes == "fitted Gaussian" and trained["VAE"].codes == "prior"
    assert trained["autoencoder"].encode(x[:5]).shape == (5, compare.LATENT_DIM)
    assert trained["VAE"].model.beta == 1.0 and trained["KL-free VAE"].model.beta == 0.0
    # The GAN's count holds both players; the others' their one network.
    assert trained["VAE"].parameters == compare.count_parameters(VAE(compare.LATENT_DIM))
