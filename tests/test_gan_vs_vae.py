"""vaecore.experiments.gan_vs_vae: the recipes and measurements of the chapter "GANs on images"."""

import dataclasses
import json

import pytest
import torch
from stand_ins import FixedJudge

from vaecore.experiments.gan_vs_vae import MODELS, train_model, train_models
from vaecore.experiments.image_models import GAN_BATCH, Row, measure, sample_sets
from vaecore.models.gan import ConvDiscriminator, ConvGenerator
from vaecore.models.parts import count_parameters
from vaecore.models.vae import VAE, ConvVAE
from vaecore.settings import Budget


@pytest.fixture(scope="module")
def tiny():
    """Every model trained for one pass over 128 random images."""
    x = torch.rand(128, 784, generator=torch.Generator().manual_seed(0))
    return x, train_models(x, Budget(n_train=128, n_test=32, epochs={"passes": 1}))


def test_every_model_trains_for_the_same_passes_over_the_same_images(tiny):
    x, trained = tiny
    assert list(trained) == list(MODELS) == ["MLP GAN", "conv GAN", "MLP VAE", "conv VAE"]
    for name in ("MLP GAN", "conv GAN"):  # 128 images / 64 per step = 2 steps a pass
        assert len(trained[name].history.steps) == len(x) // GAN_BATCH
        assert trained[name].encode is None
    for name in ("MLP VAE", "conv VAE"):
        assert len(trained[name].history.epochs) == 1
    assert isinstance(trained["conv GAN"].model, ConvGenerator)
    assert type(trained["MLP VAE"].model) is VAE and isinstance(trained["conv VAE"].model, ConvVAE)
    # A GAN's count holds both players; a VAE's its two networks.
    torch.manual_seed(0)
    assert trained["conv GAN"].parameters == count_parameters(
        ConvGenerator(64), ConvDiscriminator()
    )
    assert trained["conv VAE"].parameters == count_parameters(ConvVAE(32))
    three = train_model("conv GAN", x, passes=3, snapshots=2)
    assert len(three.history.steps) == 3 * len(x) // GAN_BATCH
    assert [step for step, _ in three.history.snapshots] == [0, 3, 6]


def test_the_same_seed_trains_the_same_model():
    x = torch.rand(64, 784, generator=torch.Generator().manual_seed(1))
    a, b = (train_model("conv GAN", x, 1, seed=3) for _ in range(2))
    g = torch.Generator
    torch.testing.assert_close(a.sample(5, g().manual_seed(0)), b.sample(5, g().manual_seed(0)))


@pytest.mark.parametrize(
    "name, passes, snapshots, message",
    [
        (
            "VAE",
            1,
            0,
            "unknown model 'VAE': choose one of MLP GAN, conv GAN, MLP VAE, conv VAE",
        ),
        ("conv GAN", 0, 0, "passes must be a whole number >= 1, got 0"),
        ("conv VAE", 1.5, 0, "passes must be a whole number >= 1, got 1.5"),
        ("MLP GAN", 1, -1, "snapshots must be a whole number >= 0, got -1"),
    ],
)
def test_bad_choices_are_refused_before_training(name, passes, snapshots, message):
    with pytest.raises(ValueError, match=message):
        train_model(name, torch.rand(64, 784), passes, snapshots=snapshots)


def test_a_vae_is_judged_by_its_means_and_by_draws_from_them(tiny):
    _, trained = tiny
    assert list(sample_sets(trained["conv GAN"], 10)) == ["G(z)"]
    sets = sample_sets(trained["MLP VAE"], 4000)
    means, draws = sets["decoder means"], sets["draws from p(x | z)"]
    assert set(draws.unique().tolist()) <= {0.0, 1.0}  # black and white
    # Each pixel is drawn from its own mean: over 4,000 images the frequencies follow the means.
    torch.testing.assert_close(draws.mean(0), means.mean(0), atol=0.03, rtol=0)
    again = sample_sets(trained["MLP VAE"], 4000)
    for kind in sets:  # seeded: the same sets every time
        torch.testing.assert_close(sets[kind], again[kind])


def test_measure_gives_one_row_per_set_with_what_produced_it(tiny):
    _, trained = tiny
    x_test_binary = (torch.rand(20, 784, generator=torch.Generator().manual_seed(2)) > 0.5).float()
    uniform = torch.full((10,), 0.1, dtype=torch.float64)
    reference = torch.rand(50, 784, generator=torch.Generator().manual_seed(3))
    rows = {
        name: measure(trained[name], FixedJudge(), x_test_binary, uniform, reference, 3, 100)
        for name in ("MLP GAN", "conv VAE")
    }
    (gan,) = rows["MLP GAN"]
    assert (gan.label, gan.trained_on, gan.test_nll) == ("MLP GAN", "grey levels", None)
    means, draws = rows["conv VAE"]
    assert means.label == "conv VAE, decoder means"
    assert draws.label == "conv VAE, draws from p(x | z)"
    assert means.trained_on == draws.trained_on == "binarised digits"
    assert means.test_nll == draws.test_nll > 0  # the model's bound, not the samples'
    assert draws.greyness == 0.0 < means.greyness
    sets = sample_sets(trained["conv VAE"], 100)
    assert means.frechet == pytest.approx(FixedJudge().score(sets["decoder means"]))
    assert draws.frechet == pytest.approx(FixedJudge().score(sets["draws from p(x | z)"]))
    assert means.parameters == trained["conv VAE"].parameters
    assert means.seconds == trained["conv VAE"].seconds


def test_rows_read_back_from_a_result_file():
    means = Row(100.0, 0.6, 0.4, 8.0, 0.01, 0.2, 0.5, model="VAE", samples="decoder means")
    runs = [
        [dataclasses.replace(means, frechet=fd, test_nll=nll)]
        for fd, nll in ((100.0, 90.0), (110.0, 92.0))
    ]
    stored = json.loads(json.dumps([[dataclasses.asdict(r) for r in run] for run in runs]))
    assert [[Row(**r) for r in run] for run in stored] == runs
