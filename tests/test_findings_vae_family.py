"""The tables and sentences of the autoencoder, KL-free VAE and VAE chapters
(vaecore.book.findings.autoencoder, .vae_without_kl and .vae), fed results shaped like the
chapters' full-setting ones. Each chapter trains one run per model, so nothing here may order two
models: the words say that run's numbers, and say that one seed ranks nothing."""

import json
import re
from pathlib import Path

import pytest
from computed import assert_listed

from vaecore.book.findings import autoencoder, vae, vae_without_kl
from vaecore.book.messages import Table, Text, from_json
from vaecore.book.verdicts import MIN_RUNS

CHAPTERS = Path(__file__).parent.parent / "chapters"
#: Words that state an order; none may appear where one run decides nothing.
ORDER_WORDS = re.compile(r"\b(better|worse|beats?|wins?|closer|best|worst|every seed)\b", re.I)


def english(shown: Table | Text) -> str:
    return str(shown)


def assert_orders_nothing(shown: Table | Text) -> None:
    assert not ORDER_WORDS.search(english(shown)), english(shown)


def assert_round_trips(shown: Table | Text) -> None:
    """What the Chinese edition reads back from the page renders the same."""
    again = from_json(json.loads(json.dumps(shown.to_json(), ensure_ascii=False)))
    assert english(again) == english(shown)


# --- the autoencoder chapter ------------------------------------------------------------

MSE = {
    "PCA": {2: 0.0557, 8: 0.0374, 32: 0.0168},
    "linear AE": {2: 0.0557, 8: 0.0375, 32: 0.0168},
    "MLP AE": {2: 0.0379, 8: 0.0170, 32: 0.0087},
}


def test_the_linear_table_gives_each_runs_ratio_and_angles():
    fits = [
        autoencoder.LinearFit(2, 0.0557, 0.0557, [0.1, 0.08], 16.0),
        autoencoder.LinearFit(8, 0.03751, 0.0374, [0.05, 0.1, 0.1, 0.1, 0.1, 0.1, 0.2, 43.8], 27),
    ]
    table = autoencoder.linear_table(fits)
    rows = [[str(c) for c in row] for row in table.rows]
    # the median as the chapter has always taken it (the upper middle one), and the largest
    assert rows[0] == ["K = 2", "0.0557", "1.0000", "0.1", "0.1", "16"]
    assert rows[1] == ["K = 8", "0.0375", "1.0029", "0.1", "43.8", "27"]
    assert "One run for each code size" in english(table)
    assert_orders_nothing(table)
    assert_round_trips(table)


def test_the_eigengap_table_names_the_component_it_leaks_onto():
    check = autoencoder.Eigengap(8, 1.044, 43.8, 9, 3.96e-5, 3.92e-5)
    table = autoencoder.eigengap_table([check])
    assert [str(c) for c in table.rows[0]] == [
        "K = 8",
        "1.044",
        "43.8",
        "u₉",
        "3.96e-05",
        "3.92e-05",
    ]
    assert table.numeric() == [False, True, True, True, True, True]
    assert_round_trips(table)


def test_the_mse_table_gives_the_mlp_autoencoder_as_a_multiple_of_pca():
    table = autoencoder.mse_table(MSE, n_test=10_000)
    assert [str(c) for c in table.header] == [
        "code size",
        "PCA",
        "linear AE",
        "MLP AE",
        "MLP AE / PCA",
    ]
    assert [str(c) for c in table.rows[1]] == ["K = 8", "0.0374", "0.0375", "0.0170", "0.45"]
    assert "on 10,000 test images; one run of each autoencoder" in english(table)
    assert_orders_nothing(table)


def test_the_two_losses_are_one_run_each_and_ordered_by_nothing():
    text = autoencoder.two_losses(0.0170, 0.0166, k=8)
    assert "0.0170 for the autoencoder trained on squared error and 0.0166" in english(text)
    assert "0.98 times as much" in english(text)
    assert "one run orders neither loss above the other" in english(text)
    assert_orders_nothing(text)
    assert_round_trips(text)


def test_the_typicality_table_counts_codes_beyond_the_test_codes_99th_percentile():
    test = [float(v) for v in range(1, 101)]  # the 99th percentile: 99.01
    prior = [256.0] * 50
    fitted = [5.0] * 90 + [100.0] * 10
    table = autoencoder.typicality_table(test, prior, fitted, k=32)
    rows = [[str(c) for c in row] for row in table.rows]
    assert rows == [
        ["codes of test images", "50.5", "1"],
        ["z ~ N(0, I)", "256.0", "100"],
        ["z ~ Gaussian fitted to the training codes", "5.0", "10"],
    ]
    assert "√K = 5.7 (K = 32)" in english(table)


# --- the KL-free chapter -------------------------------------------------------------------


def test_the_kl_free_encoders_noise_in_words():
    spreads = [3.1, 7.5, 14.2]
    text = vae_without_kl.posterior_noise(2.1e-3, 0.42, spreads, 38.5, k=32)
    words = english(text)
    assert "median posterior standard deviation σ is 2.1e-03 (the VAE's: 0.42)" in words
    assert "a standard deviation of 3.1 to 14.2 per coordinate" in words
    assert "lie 38.5 units from the origin on average (a draw from the prior: about √32 ≈ 5.7)" in (
        words
    )
    assert "about 7e-04 times the narrowest of those spreads" in words
    assert_orders_nothing(text)
    assert_round_trips(text)


def test_the_two_models_table_keeps_its_numbers_aligned_with_the_floor_among_them():
    free = {"rec": 61.2, "kl": 212.4, "sigma": 2.1e-3, "norm": 38.5, "fd": 120.3}
    vae_scores = {"rec": 72.0, "kl": 26.1, "sigma": 0.42, "norm": 5.2, "fd": 14.8}
    scale = {"blurred": 40.2, "noise": 912.6}
    table = vae_without_kl.two_models_table(free, vae_scores, floor=1.27, scale=scale)
    assert [str(c) for c in table.rows[0]] == [
        "KL-free VAE (β = 0)",
        "61.2",
        "212.4",
        "2.1e-03",
        "38.5",
        "120.3",
    ]
    assert [[str(c) for c in row] for row in table.rows[-3:]] == [
        ["real test images (the floor)", "", "", "", "", "1.27"],
        ["the same images, blurred twice", "", "", "", "", "40.2"],
        ["uniform noise", "", "", "", "", "912.6"],
    ]
    assert all(table.numeric()[1:])
    assert_orders_nothing(table)


def chapter_run_names() -> list[str]:
    """The names of the chapter's trained models, read from its code: the keys of ``runs`` and
    the staged model."""
    nb = json.loads((CHAPTERS / "vae-without-kl.ipynb").read_text(encoding="utf-8"))
    code = "\n".join("".join(c["source"]) for c in nb["cells"] if c["cell_type"] == "code")
    names = re.findall(r'^\s+"([^"]+)": lambda:', code, re.M)
    names += re.findall(r'trained\["([^"]+)"\] = VAE\(32\)', code)
    return names


def test_every_model_the_chapter_trains_has_a_name_and_a_fault():
    names = chapter_run_names()
    assert len(names) == len(vae_without_kl.MISTAKES) and set(names) == set(vae_without_kl.MISTAKES)


MISTAKE_SCORES = {
    "correct VAE": {"rec": 80.1, "kl": 25.3, "fd": 18.2},
    "z = sigma * eps": {"rec": 206.0, "kl": 0.31, "fd": 150.0},
    "KL averaged over z": {"rec": 61.5, "kl": 95.2, "fd": 40.7},
    "encoder, then decoder": {"rec": 80.6, "kl": 24.9, "fd": 18.0},  # within a nat: no order
}


@pytest.mark.parametrize("diverged_at", [1234, None])
def test_the_mistakes_table_gives_one_runs_numbers_and_ranks_nothing(diverged_at):
    table = vae_without_kl.mistakes_table(MISTAKE_SCORES, epochs=4, diverged_at=diverged_at)
    rows = [[str(c) for c in row] for row in table.rows]
    assert rows[0] == ["correct VAE", "nothing", "80.1", "25.3", "18.2"]
    assert rows[1][0] == "`z = sigma * eps`" and rows[1][3] == "0.31"
    assert len(rows) == len(MISTAKE_SCORES) + 1 and rows[-1][0] == "KL with the wrong sign"
    if diverged_at is None:
        assert rows[-1][1] == "the KL is rewarded; training did not diverge in this short run"
    else:
        assert rows[-1][1] == "the KL is rewarded; training diverged at step 1,234"
    # the number columns stay numbers (aligned right); the outcome is in the words' column
    assert table.numeric() == [False, False, True, True, True]
    note = str(table.note)
    assert "a budget of 4 epochs" in note and f"asks for {MIN_RUNS} seeds a side" in note
    assert "does not order the mistakes" in note
    assert_orders_nothing(table)
    assert_round_trips(table)


# --- the VAE chapter ---------------------------------------------------------------------


def likelihood(nll: float, neg_elbo: float) -> vae.Likelihood:
    return vae.Likelihood(neg_elbo, nll, k=1000, images=2000, latent_dim=32, epochs=25, seconds=612)


def test_the_published_table_sets_our_vae_beside_burdas():
    table = vae.published_table(likelihood(89.21, 93.67))
    ours, theirs = ([str(c) for c in row] for row in table.rows)
    assert ours == [
        "this VAE (K = 32, one stochastic layer)",
        "25 epochs, 612 s on this CPU",
        "93.67",
        "89.21",
        "−IWAE with k = 1,000 on the first 2,000 test images",
    ]
    assert theirs[1:4] == ["3,280 epochs", "", "86.76"]
    assert_round_trips(table)


def test_the_gap_to_the_published_number_is_said_either_way():
    above = english(vae.beside_published(likelihood(89.21, 93.67)))
    assert "25 epochs (10.2 minutes on this CPU) rather than 3,280" in above
    assert "its NLL estimate is 2.45 nats above the published number" in above
    assert "ours uses 1,000 importance samples on 2,000 test images" in above
    assert "our test −ELBO is 4.46 nats above our NLL estimate." in above
    below = english(vae.beside_published(likelihood(86.00, 85.90)))
    assert "0.76 nats below the published number" in below
    assert "our test −ELBO is 0.10 nats below our NLL estimate: both are estimates" in below
    assert_orders_nothing(vae.beside_published(likelihood(89.21, 93.67)))


def test_the_sweep_table_names_each_beta_and_the_free_bits_model():
    rows = [
        vae.SweepRow(0.0, None, 190.3, 58.1, 32, 96.8, 121.0),
        vae.SweepRow(0.5, None, 38.2, 66.0, 30, 88.9, 22.1),
        vae.SweepRow(4.0, None, 11.0, 104.2, 9, 106.4, 26.3),
        vae.SweepRow(4.0, 0.5, 18.4, 95.6, 24, 104.9, 30.8),
    ]
    table = vae.sweep_table(rows, floor=1.27)
    assert [str(r[0]) for r in table.rows] == [
        "β = 0",
        "β = 0.5",
        "β = 4",
        "β = 4 with free bits (λ = 0.5)",
    ]
    assert [str(c) for c in table.rows[3][1:]] == ["18.4", "95.6", "24", "104.9", "30.8"]
    assert "(the floor): 1.27. One run per model" in str(table.note)
    assert "not a ranking" in str(table.note)
    assert_orders_nothing(table)
    assert_round_trips(table)


def test_the_three_models_table_has_no_nll_for_the_autoencoder():
    table = vae.three_models_table(
        vae.SampleScores(55.2, None, 130.4),
        vae.SampleScores(58.0, 96.8, 121.0),
        vae.SampleScores(70.9, 89.6, 19.0),
        floor=1.27,
    )
    rows = [[str(c) for c in row] for row in table.rows]
    assert rows[0] == ["autoencoder", "55.2", "—", "130.4"]
    assert rows[2] == ["VAE (β = 1)", "70.9", "89.6", "19.0"]
    assert rows[3] == ["real test images (the floor)", "", "", "1.27"]
    assert all(table.numeric()[1:])
    assert "The autoencoder has no likelihood" in str(table.note)
    assert_orders_nothing(table)


# --- every message can be translated --------------------------------------------------------


def everything_shown() -> list[Table | Text]:
    """Every table and paragraph of the three modules, in each of its forms."""
    fits = [autoencoder.LinearFit(2, 0.0557, 0.0557, [0.1, 0.08], 16.0)]
    scores = {"rec": 61.2, "kl": 212.4, "sigma": 2.1e-3, "norm": 38.5, "fd": 120.3}
    mistakes = {key: {"rec": 80.0, "kl": 25.0, "fd": 18.0} for key in vae_without_kl.MISTAKES}
    rows = [vae.SweepRow(1.0, None, 25.0, 70.0, 20, 90.0, 19.0)]
    rows += [vae.SweepRow(4.0, 0.5, 18.4, 95.6, 24, 104.9, 30.8)]
    pair = vae.SampleScores(58.0, 96.8, 121.0)
    return [
        autoencoder.linear_table(fits),
        autoencoder.eigengap_table([autoencoder.Eigengap(8, 1.04, 43.8, 9, 4e-5, 4e-5)]),
        autoencoder.mse_table(MSE, 10_000),
        autoencoder.two_losses(0.0170, 0.0166, 8),
        autoencoder.typicality_table([1.0, 2.0], [3.0], [1.5], 32),
        vae_without_kl.posterior_noise(2.1e-3, 0.42, [3.1, 14.2], 38.5, 32),
        vae_without_kl.two_models_table(scores, scores, 1.27, {"blurred": 40.2, "noise": 912.6}),
        vae_without_kl.mistakes_table(mistakes, 4, 1234),
        vae_without_kl.mistakes_table(mistakes, 4, None),
        vae.published_table(likelihood(89.21, 93.67)),
        vae.beside_published(likelihood(89.21, 93.67)),
        vae.beside_published(likelihood(86.0, 85.9)),
        vae.sweep_table(rows, 1.27),
        vae.three_models_table(vae.SampleScores(55.2, None, 130.4), pair, pair, 1.27),
    ]


def test_every_message_is_listed_for_the_catalog():
    shown = everything_shown()
    assert_listed(shown)
    for s in shown:
        assert_orders_nothing(s)
        assert_round_trips(s)
