"""vaecore.experiments.side_by_side: the measurements and recipes of the "Side by side" chapter."""

import math

import pytest
import torch
from stand_ins import FixedJudge

from vaecore.experiments.image_models import Trained
from vaecore.experiments.side_by_side import (
    LATENT_DIM,
    MODELS,
    interpolations,
    measure,
    train_models,
)
from vaecore.metrics.images import (
    class_kl,
    class_shares,
    greyness,
    laplacian_energy,
    sharpness,
)
from vaecore.metrics.judge import known_cases, mean_filtered, shuffled_pixels
from vaecore.metrics.latents import fitted_gaussian
from vaecore.models.autoencoder import mlp_autoencoder
from vaecore.models.parts import count_parameters
from vaecore.models.vae import VAE
from vaecore.settings import Budget


def test_fitted_gaussian_has_the_codes_mean_and_covariance():
    g = torch.Generator().manual_seed(0)
    a = torch.tensor([[2.0, 0.0, 0.0], [1.0, 0.5, 0.0], [0.0, -1.0, 0.2]])
    codes = torch.randn(20_000, 3, generator=g) @ a.T + torch.tensor([1.0, -2.0, 3.0])
    z = fitted_gaussian(codes)(50_000, torch.Generator().manual_seed(1))
    assert z.shape == (50_000, 3)
    torch.testing.assert_close(z.mean(0), codes.mean(0), atol=0.03, rtol=0)
    torch.testing.assert_close(torch.cov(z.T), torch.cov(codes.T), atol=0.06, rtol=0)


def test_class_shares_and_their_kl():
    shares = class_shares(torch.tensor([0, 0, 1, 3]), n_classes=4)
    torch.testing.assert_close(shares, torch.tensor([0.5, 0.25, 0.0, 0.25], dtype=torch.float64))
    uniform = torch.full((4,), 0.25, dtype=torch.float64)
    assert class_kl(uniform, uniform) == 0.0
    # KL(s || u) = 0.5 log 2 + 0.25 log 1 + 0.25 log 1 (the empty class adds nothing)
    assert class_kl(shares, uniform) == pytest.approx(0.5 * math.log(2))
    assert class_kl(uniform, shares.clamp(min=1e-12)) > class_kl(shares, uniform)
    for bad in (torch.tensor([0, 4]), torch.tensor([-1, 0])):
        with pytest.raises(ValueError, match=r"labels must each be in 0\.\.3"):
            class_shares(bad, n_classes=4)
    with pytest.raises(ValueError, match="labels is empty"):
        class_shares(torch.tensor([], dtype=torch.long), n_classes=4)


def test_greyness_is_zero_for_black_and_white_and_one_for_grey():
    assert greyness(torch.tensor([[0.0, 1.0, 1.0, 0.0]])) == 0.0
    assert greyness(torch.full((2, 5), 0.5)) == 1.0
    assert greyness(torch.tensor([[0.25]])) == pytest.approx(0.75)


def test_laplacian_energy_by_hand_and_zero_on_linear_images():
    # One bright pixel in the middle: the Laplacian is -4 there and 1 at its four neighbours,
    # over the 26x26 valid positions.
    x = torch.zeros(1, 784)
    x[0, 14 * 28 + 14] = 1.0
    assert laplacian_energy(x) == pytest.approx((16 + 4) / 26**2)
    ramp = torch.arange(28.0).repeat(28, 1).reshape(1, 784) / 27  # linear: no curvature
    assert laplacian_energy(ramp) == pytest.approx(0.0, abs=1e-12)


def test_sharpness_is_one_for_the_reference_below_for_blurred_above_for_noisy():
    g = torch.Generator().manual_seed(0)
    x = (torch.rand(64, 784, generator=g) < 0.2).float()  # sharp black-and-white speckle
    assert sharpness(x, x) == pytest.approx(1.0)
    blurred = mean_filtered(x)
    assert sharpness(blurred, x) < 0.5
    assert sharpness(mean_filtered(blurred), x) < sharpness(blurred, x)
    # greyness cannot tell these apart: a blurred image and a sharp one of the same greys
    assert sharpness(x * 0.5 + 0.25, x) > sharpness(blurred, x)


def _trained(name, model, encode, sample):
    return Trained(name, model, model.decode, encode, sample, "prior", count_parameters(model), 1.0)


def test_interpolations_decode_each_model_on_the_line_between_its_codes():
    torch.manual_seed(0)
    ae, vae = mlp_autoencoder(3, hidden=(8,)).eval(), VAE(2, hidden=(8,)).eval()
    trained = {"ae": _trained("ae", ae, ae.encode, None), "vae": _trained("vae", vae, None, None)}
    starts = {"ae": torch.randn(2, 3), "vae": torch.randn(2, 2)}
    ends = {"ae": torch.randn(2, 3), "vae": torch.randn(2, 2)}
    decode, shape = interpolations(trained, starts, ends, gap=3)
    assert shape == (2 * 28, 2 * 28 + 3)
    out = decode(torch.tensor([[0.0], [0.25], [1.0]]))
    assert out.shape == (3, shape[0] * shape[1])
    grid = out.reshape(3, 2, 28, 2 * 28 + 3)  # (t, pair, row, column)
    assert (grid[:, :, :, 28:31] == 0).all()  # the blank gap between the models
    with torch.no_grad():
        for t_index, t in ((0, 0.0), (1, 0.25), (2, 1.0)):
            for columns, (name, model) in (
                (slice(0, 28), ("ae", ae)),
                (slice(31, 59), ("vae", vae)),
            ):
                z = (1 - t) * starts[name] + t * ends[name]
                torch.testing.assert_close(
                    grid[t_index, :, :, columns], model.decode(z).reshape(2, 28, 28)
                )


def test_measure_gives_each_model_the_measurements_defined_for_it():
    torch.manual_seed(0)
    ae, vae = mlp_autoencoder(4, hidden=(16,)).eval(), VAE(4, hidden=(16,)).eval()
    x = torch.rand(50, 784)
    xb = (x > 0.5).float()
    uniform = torch.full((10,), 0.1, dtype=torch.float64)
    spread = lambda m, g: (
        torch.arange(m).float()[:, None].remainder(10).div(10).expand(m, 784).clone()
    )
    rows = {}
    for name, model, encode in (("ae", ae, ae.encode), ("vae", vae, vae.encode), ("gan", ae, None)):
        rows[name] = measure(
            _trained(name, model, encode, spread), FixedJudge(), x, xb, uniform, k=5, n_samples=100
        )
    with torch.no_grad():
        assert rows["ae"].reconstruction_mse == pytest.approx(float(((ae(x) - x) ** 2).mean()))
        assert rows["vae"].reconstruction_mse == pytest.approx(float(((vae(x) - x) ** 2).mean()))
    assert rows["gan"].reconstruction_mse is None  # no encoder
    assert rows["ae"].test_nll is None and rows["gan"].test_nll is None  # no density
    assert rows["vae"].test_nll > 0
    for r in rows.values():  # every class once in ten: balanced samples
        assert r.rarest_class_percent == pytest.approx(10.0) and r.class_kl == pytest.approx(0.0)
        assert r.frechet == pytest.approx(0.45)  # mean of 0, 0.1, ..., 0.9
        assert (r.precision, r.recall) == pytest.approx((0.4, 0.6))  # 0.6, 0.7, 0.8, 0.9 of ten
        assert r.greyness == pytest.approx(greyness(spread(100, None)))
        assert r.sharpness == pytest.approx(sharpness(spread(100, None), x))


def test_train_models_trains_all_four_with_samplers_of_the_right_shape():
    budget = Budget(n_train=256, n_test=64, epochs={"encoders": 1}, sizes={"gan_steps": 3})
    x = torch.rand(256, 784)
    trained = train_models(x, budget)
    assert list(trained) == list(MODELS)
    for t in trained.values():
        sample = t.sample(7, torch.Generator().manual_seed(0))
        assert sample.shape == (7, 784) and 0 <= sample.min() and sample.max() <= 1
        torch.testing.assert_close(sample, t.sample(7, torch.Generator().manual_seed(0)))
        assert t.parameters > 0 and t.seconds > 0
    assert trained["GAN"].encode is None
    assert trained["autoencoder"].codes == "fitted Gaussian" and trained["VAE"].codes == "prior"
    assert trained["autoencoder"].encode(x[:5]).shape == (5, LATENT_DIM)
    assert trained["VAE"].model.beta == 1.0 and trained["KL-free VAE"].model.beta == 0.0
    # The GAN's count holds both players; the others' their one network.
    assert trained["VAE"].parameters == count_parameters(VAE(LATENT_DIM))


def test_known_cases_spoil_real_images_as_named():
    g = torch.Generator().manual_seed(0)
    x, labels = torch.rand(40, 784, generator=g), torch.arange(40) % 4
    cases = known_cases(x, labels)
    assert cases["real test digits"] is x
    assert len(cases["one digit missing (no 1s)"]) == 30
    shuffled = cases["all pixels shuffled"]
    assert not torch.equal(shuffled, x)
    torch.testing.assert_close(shuffled.sort(dim=1).values, x.sort(dim=1).values)  # same greys
    partly = shuffled_pixels(x, 0.1, torch.Generator().manual_seed(1))
    assert (partly != x).any(dim=0).sum() <= 78  # at most 10% of the positions moved
    assert (cases["noised (sd 0.3)"] - x).std() > (cases["noised (sd 0.1)"] - x).std()
    assert 0 <= cases["noised (sd 0.3)"].min() and cases["noised (sd 0.3)"].max() <= 1
