"""The tables and verdicts of "Questions readers ask" (vaecore.book.findings.questions) follow the
numbers they are given, by the book's rule: constructed results where one side is ahead on every
run, and where the runs overlap."""

import dataclasses

import pytest
from computed import assert_listed

from vaecore.book.findings import questions
from vaecore.book.messages import Table, Text, from_json
from vaecore.experiments.image_models import Row


def _discrete(tvs, grads=None, floor=0.1, seconds=None):
    """A questions.json's discrete part: ``tvs[model] = [tv on each seed]``."""
    grads = grads or {}
    seconds = seconds or {}
    n = len(next(iter(tvs.values())))
    runs = [
        [
            {
                "model": m,
                "tv": tvs[m][s],
                "parameters": 100,
                "seconds": seconds.get(m, 1.0),
                "generator_gradient": None if m == "VAE" else grads.get(m, 0.5),
            }
            for m in tvs
        ]
        for s in range(n)
    ]
    budget = {"epochs": {"vae": 10}, "sizes": {"gan_steps": 3000, "samples": 10_000}}
    return {"budget": {"discrete": budget}, "discrete": {"floor": floor, "runs": runs}}


GOOD = {
    "GAN, sample": [1.0, 1.0, 1.0],
    "GAN, Gumbel-softmax": [0.3, 0.25, 0.35],
    "GAN, score function": [0.28, 0.3, 0.32],
    "VAE": [0.15, 0.14, 0.16],
}


def _sentences(text):
    assert isinstance(text, Text)
    return [str(s) for s in text.sentences]


def test_the_discrete_verdict_follows_the_seeds():
    found = _sentences(questions.discrete_verdict(_discrete(GOOD, {"GAN, sample": 0.0})))
    assert found[0].startswith("Through a plain sample, no gradient reached the generator")
    assert "1.000 ± 0.000" in found[0]
    # ahead on every run: the rule says so, and the sentence says the GAN learned
    assert found[1].startswith(
        "GAN, Gumbel-softmax learned: Every run of GAN, Gumbel-softmax was better than every run "
        "of GAN, sample in the total variation distance to the test digits: 0.300 ± 0.050 "
        "against 1.000 ± 0.000"
    )
    assert found[2].startswith("GAN, score function learned: Every run of GAN, score function")
    # 0.25-0.35 against 0.28-0.32: the runs overlap
    assert found[3].startswith("GAN, Gumbel-softmax and GAN, score function overlap")
    # the VAE is ahead of every GAN, but with epochs against steps: not cleanly
    assert found[4].startswith("Closest to the test digits, by the rule: VAE (not at an equal")
    assert "real training digits are 0.100 away" in found[4] and "10,000 samples" in found[4]
    assert found[5].startswith("Every run of VAE was better than every run of GAN, Gumbel-softmax")
    assert found[5].endswith("but VAE had 10 epochs against 3,000 steps of GAN, Gumbel-softmax.")


def test_the_discrete_verdict_says_so_when_the_runs_overlap():
    tvs = dict(GOOD)
    tvs["GAN, score function"] = [0.4, 0.36, 1.1]  # above the stuck GAN on one seed
    found = _sentences(questions.discrete_verdict(_discrete(tvs, {"GAN, sample": 0.01})))
    assert "mean gradient norm was at most 0.01" in found[0]
    assert found[2].startswith("GAN, score function and GAN, sample overlap")
    # the Gumbel-softmax GAN's runs all beat the score function's: the leader is named first
    assert found[3].startswith(
        "Every run of GAN, Gumbel-softmax was better than every run of GAN, score function"
    )
    assert "0.300 ± 0.050 against 0.620 ± 0.416" in found[3]


def test_the_discrete_table_has_every_model_and_the_floor():
    table = questions.discrete_table(_discrete(GOOD))
    assert isinstance(table, Table) and len(table.rows) == 4 + 1
    assert [str(c) for c in table.rows[0][:4]] == [
        "GAN, sample",
        "1.000 ± 0.000",
        "1.000, 1.000, 1.000",
        "0.500 ± 0.000",
    ]
    assert str(table.rows[3][0]) == "VAE" and str(table.rows[3][3]) == "no generator"
    assert [str(c) for c in table.rows[-1][:2]] == ["real training digits (floor)", "0.100"]
    assert str(table.note) == "Mean ± sd over 3 seeds."


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


def test_the_discrete_headline_follows_the_same_seeds():
    headline = str(questions.discrete_headline(_discrete(GOOD)))
    assert headline.startswith("**Verdict.** Wrong about the VAE and incomplete about the GAN")
    assert headline.endswith("(here, the Gumbel-softmax and the score function).")
    stuck_everywhere = {m: [1.0, 1.0, 1.0] for m in GOOD}
    assert str(questions.discrete_headline(_discrete(stuck_everywhere))) == (
        "**Verdict.** Not settled by these runs: against the GAN trained through a plain sample, "
        "the VAE's runs were not all closer to the test digits than the GAN's, and no "
        "estimator's GAN was ahead of it."
    )


def _spread(model, low, high, change, steps=100, diverged=False):
    return {
        "model": model,
        "lowest": low,
        "highest": high,
        "change": change,
        "steps": steps,
        "diverged": diverged,
    }


def _gradients(vae_change=8.0, wrong_diverged=True, saturating_high=(0.5, 0.5, 0.5)):
    runs = [
        [
            _spread("autoencoder", 6.0, 27.0, 2.0, 938),
            _spread("VAE", 5.0, 17.0, vae_change, 938),
            _spread("VAE, wrong-sign KL", 4e8, 1e18, 2e18, 20, wrong_diverged),
            _spread("GAN, non-saturating", 0.6, 2.0, 3.0, 1500),
            _spread("GAN, saturating", 0.15, high, 2.0, 1500),
        ]
        for high in saturating_high
    ]
    return {"gradients": {"runs": runs}}


def test_the_gradient_verdict_follows_the_numbers():
    found = _sentences(questions.gradient_verdict(_gradients()))
    assert found[0].startswith("The autoencoder's gradients neither vanished nor exploded")
    assert "factor of 2.0 between" in found[0] and "factor of 4.5 of one another" in found[0]
    assert found[1].startswith("The VAE's gradients neither vanished nor exploded")
    assert "diverged on all 3 seeds, within 20 steps" in found[2] and "2e+18" in found[2]
    # every non-saturating run's generator gradient above every saturating one's: by the rule
    assert found[3].startswith(
        "Every run of GAN, non-saturating was better than every run of GAN, saturating in the "
        "size of the gradient that reaches the generator"
    )


def test_the_gradient_verdict_reports_a_vae_that_explodes_and_gans_that_overlap():
    found = _sentences(
        questions.gradient_verdict(
            _gradients(vae_change=500.0, wrong_diverged=False, saturating_high=(0.5, 3.0, 1.0))
        )
    )
    assert found[1].startswith("The VAE's gradients did not stay steady")
    assert found[2] == "The VAE whose KL has the wrong sign diverged on 0 of 3 seeds."
    assert found[3].startswith("GAN, non-saturating and GAN, saturating overlap")


def test_the_gradient_table():
    table = questions.gradient_table(_gradients())
    assert len(table.rows) == 5
    assert [str(c) for c in table.rows[2]] == [
        "VAE, wrong-sign KL",
        "4e+08",
        "1e+18",
        "×2e+18",
        "20",
        "3 of 3",
    ]


def test_the_gradient_headline_says_what_was_run():
    headline = str(questions.gradient_headline(_gradients()))
    assert headline.startswith(
        "**Verdict.** Not for the VAE run here (the MLP VAE with a Bernoulli decoder on "
        "binarised MNIST, 938 steps, 3 seeds)"
    )
    assert "That is not true of every VAE" in headline
    assert str(questions.gradient_headline(_gradients(vae_change=500.0, wrong_diverged=False))) == (
        "**Verdict.** Not settled by these runs (the MLP VAE with a Bernoulli decoder on "
        "binarised MNIST, 938 steps, 3 seeds): the VAE's or the autoencoder's gradients changed "
        "by orders of magnitude, and the wrong-sign KL did not explode on every seed."
    )


def _row(model, frechet, parameters, samples="G(z)", seconds=10.0, recall=0.5):
    scores = (frechet, 0.5, recall, 5.0, 0.1, 0.1, 1.0)  # FD, precision, recall, ...
    return Row(*scores, model=model, samples=samples, parameters=parameters, seconds=seconds)


def _result(runs, passes=5):
    """A gan_vs_vae-shaped result of ``runs``, one list of rows per seed."""
    return {
        "budget": {"epochs": {"passes": passes}, "seeds": len(runs)},
        "judge": {"floor": 1.0},
        "runs": [[dataclasses.asdict(r) for r in run] for run in runs],
    }


def test_the_size_verdict_says_the_runs_rank_architectures():
    runs = [
        [_row("MLP GAN", 400.0 + s, 2_000_000), _row("conv GAN", 240.0 - s, 280_000)]
        for s in range(3)
    ]
    verdict = str(questions.size_verdict(_result(runs)))
    assert verdict.startswith(
        "**Verdict.** These runs cannot say. The models range from 280,000 parameters (conv GAN) "
        "to 2,000,000 (MLP GAN)"
    )
    assert "the runs rank architectures, not sizes" in verdict
    table = questions.size_table(_result(runs))
    assert [str(c) for c in table.rows[0][:2]] == ["MLP GAN", "2,000,000"]
    assert [str(c) for c in table.rows[1][:2]] == ["conv GAN", "280,000"]


def test_the_dcgan_verdict():
    runs = [
        [_row("MLP GAN", 430.0 + 10 * s, 2_014_225), _row("conv GAN", 240.0 + s, 280_002)]
        for s in range(3)
    ]
    found = _sentences(questions.dcgan_verdict(_result(runs)))
    assert found[0] == (
        "The convolutional players have 280,002 parameters, the MLP players 2,014,225 (7.2 times "
        "as many)."
    )
    assert found[1] == (
        "Every run of conv GAN was better than every run of MLP GAN in the Fréchet distance: "
        "241.0 ± 1.0 against 440.0 ± 10.0, mean ± sd over 3 and 3 seeds."
    )
    assert found[2].startswith("conv GAN and MLP GAN overlap in recall")
    runs[2][1] = _row("conv GAN", 999.0, 280_002)
    found = _sentences(questions.dcgan_verdict(_result(runs)))
    assert found[1].startswith("conv GAN and MLP GAN overlap in the Fréchet distance")


VAEGAN_ROWS = {
    "conv GAN": ("conv GAN", "G(z)"),
    "conv VAE, decoder means": ("conv VAE", "decoder means"),
    "conv VAE, draws from p(x | z)": ("conv VAE", "draws from p(x | z)"),
}


def _vaegan(fd, sharpness=None, nll=96.0, seconds=None):
    """``(conv_result, vaegan_result)`` of three seeds: ``fd[label] = [Fréchet distance on each
    seed]`` for the VAE-GAN and its three rivals."""
    sharpness = sharpness or {}
    seconds = seconds or {"VAE-GAN": 180.0, "conv GAN": 96.0}
    conv, mine = [], []
    for s in range(3):
        run = []
        for name, (model, samples) in VAEGAN_ROWS.items():
            row = _row(model, fd[name][s], 300_000, samples, seconds.get(name, 42.0))
            row.sharpness = sharpness.get(name, [1.0] * 3)[s]
            row.test_nll = nll if model == "conv VAE" else None
            run.append(row)
        conv.append(run)
        vaegan = _row("VAE-GAN", fd["VAE-GAN"][s], 400_000, seconds=seconds["VAE-GAN"])
        vaegan.sharpness = sharpness.get("VAE-GAN", [1.0] * 3)[s]
        mine.append([vaegan])
    return _result(conv), _result(mine)


BOTH = {
    "conv GAN": [240.0, 245.0, 250.0],
    "conv VAE, decoder means": [430.0, 440.0, 450.0],
    "conv VAE, draws from p(x | z)": [400.0, 395.0, 410.0],
}


def test_the_vaegan_headline_carries_its_cost_and_its_tuning():
    best = str(questions.vaegan_headline(*_vaegan({**BOTH, "VAE-GAN": [200.0, 210.0, 220.0]})))
    assert best == (
        "**Verdict.** In its samples, ahead, but not cleanly: every run of the VAE-GAN was closer "
        "to the data than every run of the conv GAN, the conv VAE's decoder means and the conv "
        "VAE's draws, by the Fréchet distance. It had 1.9 times the training time of the conv GAN "
        "(180 s against 96 s a run), its gamma was chosen on seed 0, one of the 3 seeds scored, "
        "it gives up the VAE's likelihood bound, and the steadier training the claim also "
        "promises was not measured."
    )
    worst = str(questions.vaegan_headline(*_vaegan({**BOTH, "VAE-GAN": [500.0, 510.0, 520.0]})))
    assert worst.startswith("**Verdict.** No, at this budget: every run of the conv GAN")
    between = questions.vaegan_headline(*_vaegan({**BOTH, "VAE-GAN": [300.0, 310.0, 320.0]}))
    assert str(between).startswith(
        "**Verdict.** Not the best of both at this budget: by the Fréchet distance, every run of "
        "it was closer to the data than every run of the conv VAE's decoder means and the conv "
        "VAE's draws and every run of the conv GAN was closer to the data than every run of it. "
        "It had 1.9 times"
    )
    mixed = questions.vaegan_headline(*_vaegan({**BOTH, "VAE-GAN": [230.0, 250.0, 320.0]}))
    assert "its runs and those of the conv GAN overlap" in str(mixed)


def test_the_vaegan_verdict_reports_each_rival_sharpness_and_cost():
    results = _vaegan(
        {**BOTH, "VAE-GAN": [200.0, 210.0, 220.0]},
        sharpness={"VAE-GAN": [1.1, 1.2, 0.9], "conv VAE, decoder means": [0.3, 0.4, 0.35]},
    )
    found = _sentences(questions.vaegan_verdict(*results))
    assert found[0].startswith(
        "Every run of VAE-GAN was better than every run of conv GAN in the Fréchet distance: "
        "210.0 ± 10.0 against 245.0 ± 5.0, mean ± sd over 3 and 3 seeds; but VAE-GAN had 1.9 "
        "times the training time of conv GAN"
    )
    assert found[0].endswith("a setting of VAE-GAN was chosen on seed 0, which is scored too.")
    assert found[3].startswith("Sharpness, where 1 is as sharp as real digits: 1.07 ± 0.15")
    assert found[4].startswith("Every run of VAE-GAN was better than every run of conv VAE")
    assert "no likelihood bound (the conv VAE's test NLL bound is 96.0 ± 0.0 nats)" in found[-1]
    conv, mine = results
    mine["runs"][0][0]["sharpness"] = 0.3  # the VAE-GAN as blurred as the VAE's means on one seed
    assert " overlap in " in _sentences(questions.vaegan_verdict(conv, mine))[4]


def test_vaegan_rows_measured_otherwise_are_refused():
    conv = {"budget": {"epochs": {"passes": 5}}, "judge": {"floor": 1.0}, "runs": [[]] * 3}
    mine = {"budget": {"epochs": {"passes": 1}}, "judge": {"floor": 1.0}, "runs": [[]] * 3}
    with pytest.raises(ValueError, match="another budget"):
        questions.vaegan_seeds(conv, mine)
    with pytest.raises(ValueError, match="another judge"):
        questions.vaegan_seeds(conv, {**conv, "judge": {"floor": 2.0}})


def test_every_table_and_verdict_survives_its_messages():
    """What the Chinese edition reads back from the page is the same table or paragraph."""
    results = _vaegan({**BOTH, "VAE-GAN": [200.0, 210.0, 220.0]})
    for shown in (
        questions.discrete_table(_discrete(GOOD)),
        questions.discrete_verdict(_discrete(GOOD)),
        questions.gradient_verdict(_gradients()),
        questions.vaegan_table(*results),
        questions.vaegan_headline(*results),
    ):
        assert str(from_json(shown.to_json())) == str(shown)


def test_the_committed_results_give_messages_the_catalog_lists():
    """Every table and verdict of the chapter, from the committed results, is made of templates
    the gettext build lists without running the chapter (tools/book_i18n.py)."""
    from vaecore.book import results

    result, conv, vaegan = (results.load(n) for n in ("questions", "gan_vs_vae", "vaegan"))
    drawbacks, sbs = results.load("vae_drawbacks"), results.load("side_by_side_seeds")
    shown = [
        questions.drawbacks_headline(drawbacks, sbs),
        questions.drawbacks_table(drawbacks),
        questions.discrete_headline(result),
        questions.discrete_table(result),
        questions.discrete_verdict(result),
        questions.dcgan_verdict(conv),
        questions.vaegan_headline(conv, vaegan),
        questions.vaegan_table(conv, vaegan),
        questions.vaegan_verdict(conv, vaegan),
        questions.attention_headline(result),
        questions.attention_table(result),
        questions.attention_verdict(result),
        questions.gradient_headline(result),
        questions.gradient_table(result),
        questions.gradient_verdict(result),
        questions.size_verdict(conv),
        questions.size_table(conv),
    ]
    assert_listed(shown)


# --- the VAE's drawbacks ------------------------------------------------------------------


def _drawbacks(
    train=(230.0, 231.0, 232.0),
    test=(235.0, 236.0, 237.0),
    foreign=(190.0, 195.0, 200.0),
    closer=(0.49, 0.5, 0.51),
    ahead=(0.7, 0.72, 0.75),
):
    """A vae_drawbacks.json: one run per seed, 2,000 samples."""
    runs = [
        {
            "seconds": 50.0,
            "elbo_seconds": 0.05,
            "iwae_seconds": 2.5,
            "train_score": train[s],
            "test_score": test[s],
            "foreign_score": foreign[s],
            "foreign_ahead": ahead[s],
            "active": 24 + s,
            "latent_dim": 32,
            "closer_to_train": closer[s],
        }
        for s in range(len(train))
    ]
    budget = {"epochs": {"vae": 5}, "sizes": {"scored": 2000, "k": 100, "samples": 2000}}
    return {"budget": budget, "runs": runs}


def _side_by_side(vae=(62.0, 60.0, 61.0), ae=(60.0, 59.0, 61.0)):
    runs = [
        [{"model": "autoencoder", "seconds": ae[s]}, {"model": "VAE", "seconds": vae[s]}]
        for s in range(3)
    ]
    return {"budget": {"epochs": {"encoders": 10}}, "runs": runs}


def _said(result, sbs=None):
    return str(questions.drawbacks_headline(result, sbs or _side_by_side()))


def test_the_drawbacks_verdict_follows_the_numbers():
    said = _said(_drawbacks())
    assert "**Cost.** Training costs what the autoencoder's does" in said
    assert "1.02 times the autoencoder's time (61 s against 60 s a run, 10 epochs)" in said
    assert "IWAE_100 took 50 times as long as the ELBO" in said
    assert (
        "Every run of the training garments was better than every run of the test garments" in said
    )
    assert "The gap is 5.0 nats, 2.1% of the test score" in said
    assert "24 to 26 of its 32 code dimensions were active" in said
    assert "A likelihood is no guard against foreign inputs" in said
    assert "better than one of its own test garments in at least 70% of pairs" in said
    assert "49.0% to 51.0% were nearer a training image" in said
    assert "no sign of copying" in said and "(50% ± 3.4%)" in said


def test_the_drawbacks_verdict_says_what_else_the_numbers_could_say():
    said = _said(
        _drawbacks(
            train=(236.0, 230.0, 233.0),
            foreign=(260.0, 270.0, 265.0),
            closer=(0.9, 0.95, 0.92),
            ahead=(0.1, 0.05, 0.2),
        ),
        _side_by_side(vae=(120.0, 121.0, 119.0)),
    )
    assert "**Cost.** With the same networks, the VAE" in said and "costs what" not in said
    assert "the training garments and the test garments overlap" in said
    assert "The gap" not in said
    assert "no guard" not in said
    assert "Every run of the test garments was better than every run of MNIST's test digits" in said
    assert "in at most 20% of pairs" in said
    assert "a sign of copying" in said and "no sign" not in said


def test_the_drawbacks_need_three_seeds_and_their_table_has_every_measure():
    with pytest.raises(ValueError, match="one seed ranks nothing"):
        _said({**_drawbacks(), "runs": _drawbacks()["runs"][:2]})
    table = questions.drawbacks_table(_drawbacks())
    assert len(table.rows) == 9 and "-IWAE_100 per image" in str(table)
    assert "| pairs in which the digit scores better, % | 72.3 ± 2.5 |" in str(table)
    for shown in (table, questions.drawbacks_headline(_drawbacks(), _side_by_side())):
        assert str(from_json(shown.to_json())) == str(shown)


def test_the_chance_band_is_three_standard_deviations_of_a_fair_share():
    assert questions.chance_band(2500) == pytest.approx(3 * 0.01)
