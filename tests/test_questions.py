"""The verdicts of "Questions readers ask" follow the numbers they are given, seed by seed."""

import pytest

from vaecore.experiments import questions
from vaecore.experiments.gan_vs_vae import Row
from vaecore.experiments.side_by_side import lowest_on_every_seed


def _discrete(tvs, grads=None, floor=0.1):
    """A questions.json's discrete part: ``tvs[model] = [tv on each seed]``."""
    grads = grads or {}
    n = len(next(iter(tvs.values())))
    runs = [
        [
            {
                "model": m,
                "tv": tvs[m][s],
                "parameters": 100,
                "seconds": 1.0,
                "generator_gradient": None if m == "VAE" else grads.get(m, 0.5),
            }
            for m in tvs
        ]
        for s in range(n)
    ]
    return {"discrete": {"floor": floor, "runs": runs}}


GOOD = {
    "GAN, sample": [1.0, 1.0, 1.0],
    "GAN, Gumbel-softmax": [0.3, 0.25, 0.35],
    "GAN, score function": [0.28, 0.3, 0.32],
    "VAE": [0.15, 0.14, 0.16],
}


def test_lowest_on_every_seed():
    assert lowest_on_every_seed({"a": [1, 2, 3], "b": [2, 3, 4], "c": [0, 5, 5]}) == ("a", ["c"])
    assert lowest_on_every_seed({"a": [1, 2], "b": [2, 3]}) == ("a", [])
    with pytest.raises(ValueError, match="same seeds"):
        lowest_on_every_seed({"a": [1, 2], "b": [2]})


def test_the_discrete_verdict_follows_the_seeds():
    found = questions.discrete_verdict(_discrete(GOOD, {"GAN, sample": 0.0}))
    assert "no gradient reached the generator" in found[0] and "1.000 ± 0.000" in found[0]
    assert "Gumbel-softmax estimator, the GAN learned" in found[1]
    assert "score function estimator, the GAN learned" in found[2]
    assert found[3].startswith("Neither estimator")  # 0.3/0.28, 0.25/0.3: the order flips
    assert found[4].startswith("The VAE's samples are the closest") and "0.100" in found[4]


def test_the_discrete_verdict_says_so_when_the_numbers_differ():
    tvs = dict(GOOD)
    tvs["GAN, score function"] = [0.4, 0.3, 1.1]  # above the stuck GAN on one seed
    tvs["VAE"] = [0.15, 0.3, 0.16]  # not the closest on the second seed
    found = questions.discrete_verdict(_discrete(tvs, {"GAN, sample": 0.01}))
    assert "mean gradient norm was at most 0.01" in found[0]
    assert "did not learn on every seed" in found[2]
    assert found[3] == "The Gumbel-softmax GAN is the closer of the two on every seed."
    assert found[4].startswith("No model is closest on every seed (VAE, GAN, Gumbel-softmax")


def test_the_discrete_table_has_every_model_and_the_floor():
    lines = questions.discrete_table(_discrete(GOOD))
    assert len(lines) == 2 + 4 + 1
    assert lines[2].startswith("| GAN, sample | 1.000 ± 0.000 | 1.000, 1.000, 1.000 | 0.500")
    assert lines[-2].startswith("| VAE |") and "no generator" in lines[-2]
    assert lines[-1].startswith("| real training digits (floor) | 0.100 |")


@pytest.mark.parametrize("seeds", [1, 2])
def test_one_or_two_seeds_rank_nothing(seeds):
    result = _discrete({m: v[:seeds] for m, v in GOOD.items()})
    with pytest.raises(ValueError, match="one seed ranks nothing"):
        questions.discrete_verdict(result)


def test_seeds_with_different_models_are_refused():
    result = _discrete(GOOD)
    result["discrete"]["runs"][1].reverse()
    with pytest.raises(ValueError, match="same models in the same order"):
        questions.discrete_table(result)


def _spread(model, low, high, change, steps=100, diverged=False):
    return {
        "model": model,
        "lowest": low,
        "highest": high,
        "change": change,
        "steps": steps,
        "diverged": diverged,
    }


def _gradients(vae_change=8.0, wrong_diverged=True, saturating_high=0.5):
    run = [
        _spread("autoencoder", 6.0, 27.0, 2.0),
        _spread("VAE", 5.0, 17.0, vae_change),
        _spread("VAE, wrong-sign KL", 4e8, 1e18, 2e18, 20, wrong_diverged),
        _spread("GAN, non-saturating", 0.6, 2.0, 3.0),
        _spread("GAN, saturating", 0.15, saturating_high, 2.0),
    ]
    return {"gradients": {"runs": [run, run, run]}}


def test_the_gradient_verdict_follows_the_numbers():
    found = questions.gradient_verdict(_gradients())
    assert found[0].startswith("The autoencoder's gradients neither vanished nor exploded")
    assert "factor of 2.0 between" in found[0] and "factor of 4.5 of one another" in found[0]
    assert found[1].startswith("The VAE's gradients neither vanished nor exploded")
    assert "diverged on all 3 seeds, within 20 steps" in found[2] and "2e+18" in found[2]
    assert "between 4.0 and 4.0 times smaller with the saturating loss" in found[3]


def test_the_gradient_verdict_reports_a_vae_that_explodes_and_a_gan_that_does_not_order():
    found = questions.gradient_verdict(
        _gradients(vae_change=500.0, wrong_diverged=False, saturating_high=3.0)
    )
    assert found[1].startswith("The VAE's gradients did not stay steady")
    assert found[2] == "The VAE whose KL has the wrong sign diverged on 0 of 3 seeds."
    assert "does not order the two losses" in found[3]


def test_the_gradient_table():
    lines = questions.gradient_table(_gradients())
    assert len(lines) == 2 + 5
    assert lines[4] == "| VAE, wrong-sign KL | 4e+08 | 1e+18 | ×2e+18 | 20 | 3 of 3 |"


def _row(model, frechet, parameters, samples="G(z)"):
    scores = (frechet, 0.5, 0.5, 5.0, 0.1, 0.1, 1.0)  # FD, precision, recall, ...
    return Row(*scores, model=model, samples=samples, parameters=parameters, seconds=10.0)


def test_the_size_verdict_names_the_largest_model_and_the_closest():
    runs = [
        [_row("big", 400.0 + s, 2_000_000), _row("small", 240.0 - s, 280_000)] for s in range(3)
    ]
    assert questions.size_verdict(runs) == (
        "The largest model, big (2,000,000 parameters), did not make the closest samples: small "
        "did, on every seed, with 280,000 parameters, 7.1 times fewer."
    )
    lines = questions.size_table(runs)
    assert lines[2].startswith("| big | 2,000,000 |") and lines[3].startswith("| small | 280,000")
    runs[1][1] = _row("small", 500.0, 280_000)  # the small one loses one seed
    assert questions.size_verdict(runs).startswith("No set of samples is the closest on every seed")
    same = [[_row("big", 100.0, 2_000_000), _row("small", 240.0, 280_000)] for _ in range(3)]
    assert questions.size_verdict(same).startswith("The largest model, big (2,000,000 parameters)")


def test_the_headlines_follow_the_same_seeds():
    assert questions.discrete_headline(_discrete(GOOD)).startswith("Wrong about the VAE")
    assert "(Gumbel-softmax or score function, here)" in questions.discrete_headline(
        _discrete(GOOD)
    )
    stuck_everywhere = {m: [1.0, 1.0, 1.0] for m in GOOD}
    assert questions.discrete_headline(_discrete(stuck_everywhere)) == (
        "Not settled by these runs: the VAE did not learn the discrete digits on every seed, "
        "and no GAN did."
    )
    assert questions.gradient_headline(_gradients()).startswith("Not for the VAE's objective")
    assert questions.gradient_headline(_gradients(vae_change=500.0, wrong_diverged=False)) == (
        "Not as the claim puts it: the VAE's or the autoencoder's gradients changed by orders "
        "of magnitude, and the wrong-sign KL did not explode on every seed."
    )


def test_the_dcgan_verdict():
    runs = [
        [_row("MLP GAN", 430.0 + 10 * s, 2_014_225), _row("conv GAN", 240.0 + s, 280_002)]
        for s in range(3)
    ]
    assert questions.dcgan_verdict(runs) == (
        "With 280,002 parameters against the MLP players' 2,014,225 (7.2 times as many), the "
        "convolutional GAN's samples were closer to the data on all 3 seeds: Fréchet distance "
        "241.0 ± 1.0 against 440.0 ± 10.0 (mean ± sd), recall 0.50 ± 0.00 against 0.50 ± 0.00."
    )
    runs[2][1] = _row("conv GAN", 999.0, 280_002)
    assert "neither GAN's samples were closer to the data on every seed" in (
        questions.dcgan_verdict(runs)
    )


def _vaegan_seeds(fd, sharpness=None, nll=96.0):
    """Rows of three seeds: ``fd[label] = [Fréchet distance on each seed]`` for the VAE-GAN and
    its three rivals."""
    sharpness = sharpness or {}
    labels = {
        "conv GAN": ("conv GAN", "G(z)"),
        "conv VAE, decoder means": ("conv VAE", "decoder means"),
        "conv VAE, draws from p(x | z)": ("conv VAE", "draws from p(x | z)"),
        "VAE-GAN": ("VAE-GAN", "G(z)"),
    }
    runs = []
    for s in range(3):
        run = []
        for label, (model, samples) in labels.items():
            row = _row(model, fd[label][s], 300_000, samples)
            row.sharpness = sharpness.get(label, [1.0] * 3)[s]
            row.test_nll = nll if model == "conv VAE" else None
            run.append(row)
        runs.append(run)
    return runs


BOTH = {
    "conv GAN": [240.0, 245.0, 250.0],
    "conv VAE, decoder means": [430.0, 440.0, 450.0],
    "conv VAE, draws from p(x | z)": [400.0, 395.0, 410.0],
}


def test_the_vaegan_headline_follows_the_frechet_distances():
    best = _vaegan_seeds({**BOTH, "VAE-GAN": [200.0, 210.0, 220.0]})
    assert questions.vaegan_headline(best).startswith("In its samples, yes at this budget")
    worst = _vaegan_seeds({**BOTH, "VAE-GAN": [500.0, 510.0, 520.0]})
    assert questions.vaegan_headline(worst).startswith("No, at this budget")
    between = _vaegan_seeds({**BOTH, "VAE-GAN": [300.0, 310.0, 320.0]})
    assert questions.vaegan_headline(between) == (
        "Not the best of both at this budget: on every seed its samples were closer to the data "
        "than the conv VAE's decoder means and the conv VAE's draws, but further than the conv "
        "GAN's, by the Fréchet distance; and it gives up the VAE's likelihood bound."
    )
    mixed = _vaegan_seeds({**BOTH, "VAE-GAN": [230.0, 250.0, 320.0]})
    assert "against the conv GAN's, neither led on every seed" in questions.vaegan_headline(mixed)


def test_the_vaegan_verdict_reports_each_rival_sharpness_and_cost():
    runs = _vaegan_seeds(
        {**BOTH, "VAE-GAN": [200.0, 210.0, 220.0]},
        sharpness={"VAE-GAN": [1.1, 1.2, 0.9], "conv VAE, decoder means": [0.3, 0.4, 0.35]},
    )
    found = questions.vaegan_verdict(runs)
    assert found[0] == (
        "Against the conv GAN's, the VAE-GAN's samples were closer to the data on all 3 seeds: "
        "Fréchet distance 210.0 ± 10.0 against 245.0 ± 5.0."
    )
    assert found[3].startswith("Its samples were nearer real digits' sharpness on all 3 seeds")
    assert "no likelihood bound (the conv VAE's test NLL bound is 96.0 ± 0.0 nats)" in found[5]
    runs[0][3].sharpness = 0.3  # the VAE-GAN as blurred as the VAE's means on one seed
    assert questions.vaegan_verdict(runs)[3].startswith("Neither was nearer")


def test_vaegan_rows_measured_otherwise_are_refused():
    conv = {"budget": {"passes": 5}, "judge": {"floor": 1.0}, "runs": [[]] * 3}
    mine = {"budget": {"passes": 1}, "judge": {"floor": 1.0}, "runs": [[]] * 3}
    with pytest.raises(ValueError, match="another budget"):
        questions.vaegan_runs(conv, mine)
    with pytest.raises(ValueError, match="another judge"):
        questions.vaegan_runs(conv, {**conv, "judge": {"floor": 2.0}})
    assert questions.vaegan_runs(conv, conv) == [[], [], []]
