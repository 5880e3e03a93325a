"""vaecore.experiments.side_by_side: the measurements and recipes of the "Side by side" chapter."""

import math

import pytest
import torch
from stand_ins import FixedJudge

from vaecore.experiments.side_by_side import (
    LATENT_DIM,
    MODELS,
    Scores,
    Trained,
    interpolations,
    measure,
    recommendations,
    runs_from_result,
    sequence_choice,
    summarise,
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
    for bad in (torch.tensor([0, 4]), torch.tensor([-1, 0]), torch.tensor([], dtype=torch.long)):
        with pytest.raises(ValueError, match=r"need at least one label, each in 0\.\.3"):
            class_shares(bad, n_classes=4)


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


def _scores(model, mse, nll, fd, precision=0.5):
    return Scores(
        fd, precision, 0.5, 5.0, 0.1, 0.5, 1.0, model, 1, 1.0, reconstruction_mse=mse, test_nll=nll
    )


def _seeds(table):
    """``{model: [(mse, nll, fd), ...] per seed}`` -> one list of Scores per seed."""
    n = len(next(iter(table.values())))
    return [[_scores(model, *values[i]) for model, values in table.items()] for i in range(n)]


def test_recommendations_name_a_winner_only_when_its_lead_exceeds_the_spread():
    runs = _seeds(
        {
            "AE": [(0.010, None, 40.0), (0.011, None, 60.0), (0.012, None, 20.0)],
            "VAE": [(0.020, 90.0, 30.0), (0.021, 91.0, 31.0), (0.022, 92.0, 32.0)],
            "KL-free": [(0.0105, 140.0, 60.0), (0.0115, 150.0, 61.0), (0.0125, 160.0, 62.0)],
            "GAN": [(None, None, 50.0), (None, None, 51.0), (None, None, 52.0)],
        }
    )
    picks = {
        need.split(" (")[0]: (choice, evidence) for need, choice, evidence in recommendations(runs)
    }
    # AE 0.011 ± 0.001 and KL-free 0.0115 ± 0.001 overlap: no winner; the VAE is far behind.
    assert picks["compression"][0] == "no clear winner (AE, KL-free)"
    assert picks["compression"][1] == (
        "AE 0.01100 ± 0.00100; KL-free 0.01150 ± 0.00100; "
        "VAE 0.02100 ± 0.00100 (mean ± sd over 3 seeds)"
    )
    # 91 ± 1 against 150 ± 10: a clear lead; models without a density take no part.
    assert picks["likelihoods"] == (
        "VAE",
        ("VAE 91.0 ± 1.0; KL-free 150.0 ± 10.0 (mean ± sd over 3 seeds)"),
    )
    # The AE's mean (40) is not the best, the VAE's 31 ± 1 is, but the AE's spread (± 20)
    # reaches it.
    assert picks["samples close to the data"][0] == "no clear winner (VAE, AE)"


def test_recommendations_rank_higher_is_better_measurements_the_right_way():
    runs = [
        [_scores("a", 0.1, None, 1.0, precision=p), _scores("b", 0.2, None, 1.0, precision=q)]
        for p, q in ((0.90, 0.50), (0.91, 0.52), (0.92, 0.51))
    ]
    picks = {need.split(" (")[0]: choice for need, choice, _ in recommendations(runs)}
    assert picks["realistic samples"] == "a"
    assert picks["compression"] == "a"  # 0.1 < 0.2 with no spread


def test_recommendations_refuse_one_seed_and_mismatched_runs():
    one = [_scores("a", 0.1, None, 1.0), _scores("b", 0.2, None, 2.0)]
    with pytest.raises(ValueError, match="one seed ranks nothing"):
        recommendations([one])
    with pytest.raises(ValueError, match="same models"):
        recommendations([one, one, one[::-1]])


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


def test_summarise_gives_mean_and_sd_and_reads_back_a_result_file():
    import dataclasses
    import json

    runs = _seeds(
        {
            "AE": [(0.01, None, 1.0), (0.02, None, 2.0), (0.03, None, 6.0)],
            "VAE": [(0.02, 90.0, 3.0), (0.02, 92.0, 3.0), (0.02, 94.0, 3.0)],
        }
    )
    table = summarise(runs)
    assert table["AE"]["reconstruction_mse"] == pytest.approx((0.02, 0.01))
    assert table["AE"]["frechet"] == pytest.approx((3.0, math.sqrt(7.0)))  # sd with n - 1
    assert "test_nll" not in table["AE"] and table["VAE"]["test_nll"] == pytest.approx((92.0, 2.0))
    result = json.loads(
        json.dumps({"runs": [[dataclasses.asdict(s) for s in run] for run in runs]})
    )
    assert runs_from_result(result) == runs


def _vrnn_result(elbo, iw, gauss, gmm):
    def entry(values):
        return {"mean": sum(values) / len(values), "values": values}

    return {
        "results": {
            "vrnn": {"bound": entry(elbo), "iw_bound": entry(iw)},
            "rnn": {"bound": entry(gauss)},
            "rnn_gmm": {"bound": entry(gmm)},
        }
    }


def test_the_sequence_choice_follows_the_bounds_seed_by_seed():
    """The VRNN's ELBO and IWAE bound are lower bounds, the RNNs' numbers exact: a side wins only
    where every seed orders them the same way."""
    low = [-320.0, -321.0, -319.0]
    vrnn = _vrnn_result([-270, -272, -271], [-268, -270, -269], low, [-280, -281, -279])
    choice, evidence = sequence_choice(vrnn)
    assert choice == "VRNN" and "RNN-GMM" in evidence and "+10.0" in evidence
    gmm = _vrnn_result([-270, -272, -271], [-268, -270, -269], low, [-260, -259, -262])
    choice, evidence = sequence_choice(gmm)
    assert choice == "RNN-GMM" and "+8.0, +11.0, +7.0" in evidence
    # RNN-GMM between the VRNN's ELBO and its importance-weighted bound: nothing is measured
    between = _vrnn_result([-270, -272, -271], [-264, -266, -265], low, [-267, -269, -268])
    assert sequence_choice(between)[0] == "no clear winner (VRNN, RNN-GMM)"
    # one seed the other way
    mixed = _vrnn_result([-270, -272, -271], [-268, -270, -269], low, [-275, -265, -275])
    assert sequence_choice(mixed)[0].startswith("no clear winner")
    # the stronger baseline is the one compared, whichever it is
    weak_gmm = _vrnn_result([-270, -272, -271], [-268, -270, -269], [-300] * 3, [-330] * 3)
    assert "RNN-Gauss" in sequence_choice(weak_gmm)[1]
    with pytest.raises(ValueError, match="seeds"):
        sequence_choice(_vrnn_result([-1.0], [-1.0], [-2.0], [-2.0]))
