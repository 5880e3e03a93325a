"""vaecore.book.verdicts: the one rule, fed constructed results, and the sentences it gives."""

import itertools
import math

import pytest

from vaecore.book.messages import Message, Table, inline_html, listed, say
from vaecore.book.verdicts import (
    MIN_RUNS,
    Budget,
    Measure,
    Side,
    chance_of_separation,
    decide,
    rank,
    verdict_table,
)

FD = Measure(say("the Fréchet distance"), higher=False)
MODES = Measure(say("modes captured"), higher=True)
STEPS = Budget(6000, "steps", 30.0)


def side(name, values, budget=STEPS, **kw):
    return Side(say(name), values, budget, **kw)


def test_ahead_on_every_seed_is_a_clean_lead():
    v = decide(FD, side("A", [10, 11, 12]), side("B", [13, 14, 15]))
    assert v.winner is v.a and not v.caveats
    text = str(v.sentence())
    assert text.startswith("Every run of A was better than every run of B in the Fréchet distance")
    assert "11.0 ± 1.0 against 14.0 ± 1.0, mean ± sd over 3 and 3 seeds" in text
    # the direction of the measure decides who is ahead, and the leader's numbers come first
    v = decide(MODES, side("A", [10, 11, 12]), side("B", [13, 14, 15]))
    assert v.winner.name == say("B")
    assert "of A in modes captured: 14.0 ± 1.0 against 11.0 ± 1.0" in str(v.sentence())


def test_better_means_are_not_enough_when_the_runs_overlap():
    v = decide(FD, side("A", [10, 11, 15]), side("B", [13, 14, 16]))
    assert v.leader is None and v.winner is None
    assert str(v.sentence()).startswith("A and B overlap in the Fréchet distance, so the runs")
    # a tie between a worst and a best run is an overlap too
    assert decide(FD, side("A", [1, 2, 3]), side("B", [3, 4, 5])).leader is None


def test_winning_each_paired_seed_is_not_a_separation():
    # A beats B seed by seed, yet B's best run beats A's worst: the rule sees an overlap
    v = decide(FD, side("A", [1, 5, 9]), side("B", [2, 6, 10]))
    assert v.leader is None


def test_an_unequal_budget_is_named_in_steps_or_in_seconds():
    long = Budget(12_000, "steps", 100.0)
    v = decide(FD, side("R1", [1, 2, 3], long), side("plain", [5, 6, 7]))
    assert v.leader is v.a and v.winner is None and v.caveats == ("unequal budget",)
    assert "but R1 had 12,000 steps against 6,000 steps of plain." in str(v.sentence())
    slow = Budget(6000, "steps", 57.0)  # the same steps, 1.9 times the seconds
    v = decide(FD, side("VAE-GAN", [1, 2, 3], slow), side("GAN", [5, 6, 7]))
    assert v.winner is None
    assert "VAE-GAN had 1.9 times the training time of GAN (57 s against 30 s a run)" in str(
        v.sentence()
    )
    # a loser with the larger budget takes nothing away from the leader
    v = decide(FD, side("A", [1, 2, 3]), side("B", [5, 6, 7], Budget(6000, "steps", 31.0)))
    assert v.winner is v.a


def test_a_setting_chosen_on_a_scored_seed_is_named():
    v = decide(FD, side("A", [1, 2, 3], tuned_on=[0]), side("B", [5, 6, 7]))
    assert v.leader is v.a and v.caveats == ("tuned on a scored seed",)
    assert "a setting of A was chosen on seed 0, which is scored too" in str(v.sentence())
    # tuned on seeds that are not scored: a clean lead
    assert decide(FD, side("A", [1, 2, 3], seeds=[1, 2, 3], tuned_on=[0]), side("B", [5, 6, 7]))
    v = decide(FD, side("A", [1, 2, 3], seeds=[1, 2, 3], tuned_on=[0]), side("B", [5, 6, 7]))
    assert v.winner is v.a
    # both caveats at once, in one sentence
    v = decide(FD, side("A", [1, 2, 3], Budget(1, "epochs", 9), tuned_on=[2]), side("B", [5, 6, 7]))
    assert v.caveats == ("unequal budget", "tuned on a scored seed")
    assert " and a setting of A was chosen on seed 2" in str(v.sentence())


def test_too_few_seeds_order_nothing():
    v = decide(FD, side("A", [1] * (MIN_RUNS - 1)), side("B", [9] * MIN_RUNS))
    assert v.too_few and v.leader is None
    assert "too few seeds to order them" in str(v.sentence())


def test_a_bound_counts_at_its_least_favourable_end():
    ll = Measure(say("the log-likelihood"), higher=True)
    # a lower bound above every exact value: ahead, since the truth is higher still
    vrnn = side("VRNN", [-10, -9, -8], kind="lower bound")
    assert decide(ll, vrnn, side("RNN", [-20, -19, -18])).winner is vrnn
    # an exact value above the bound: nothing is measured, the truth may be anywhere above it
    assert decide(ll, vrnn, side("RNN", [-1, -1, -1])).leader is None
    assert "≥ -9.0 ± 1.0" in str(decide(ll, vrnn, side("RNN", [-1, -1, -1])).sentence())
    # an upper bound on a loss (lower is better) wins when it is below the other's values
    nll = side("VAE", [80, 81, 82], kind="upper bound")
    assert decide(FD, nll, side("other", [90, 91, 92])).winner is nll
    assert decide(FD, side("other", [70, 71, 72]), nll).leader is None


def test_rank_names_a_winner_only_when_it_beats_every_other_side():
    r = rank(FD, [side("B", [5, 6, 7]), side("A", [1, 2, 3]), side("C", [9, 9, 9])])
    assert r.first.name == say("A") and r.winner is r.first and str(r.choice()) == "A"
    r = rank(FD, [side("B", [2, 6, 7]), side("A", [1, 2, 3]), side("C", [9, 9, 9])])
    assert r.winner is None and str(r.choice()) == "no clear winner (A and B)"
    slow = Budget(6000, "steps", 100.0)
    r = rank(FD, [side("B", [5, 6, 7]), side("A", [1, 2, 3], slow), side("C", [9, 9, 9])])
    assert r.winner is None and str(r.choice()) == "A (not at an equal budget)"
    with pytest.raises(ValueError, match="two sides"):
        rank(FD, [side("A", [1, 2, 3])])
    one_seed = rank(FD, [side("A", [1]), side("B", [5])])
    assert str(one_seed.choice()) == "too few seeds to choose (the rule needs 3)"


@pytest.mark.parametrize("n, m", [(3, 3), (3, 10), (10, 10)])
def test_the_chance_of_a_separation_counts_the_orders(n, m):
    if n + m <= 8:  # count every order of n + m distinct values
        orders = list(itertools.permutations(range(n + m)))
        separated = sum(max(o[:n]) < min(o[n:]) or min(o[:n]) > max(o[n:]) for o in orders)
        assert chance_of_separation(n, m) == pytest.approx(separated / len(orders))
    assert chance_of_separation(n, m) == pytest.approx(2 / math.comb(n + m, n))


def test_values_and_budgets_are_checked():
    with pytest.raises(ValueError, match="finite"):
        side("A", [1, float("nan"), 3])
    with pytest.raises(ValueError, match="seeds"):
        side("A", [1, 2, 3], seeds=[0, 1])
    with pytest.raises(ValueError, match="at least one run"):
        side("A", [])
    with pytest.raises(ValueError, match="kind"):
        side("A", [1, 2, 3], kind="estimate")
    with pytest.raises(ValueError, match=r"Budget.amount must be a finite number > 0"):
        Budget(0, "steps", 1.0)


def test_messages_render_through_a_translation_with_the_same_numbers():
    message = say(
        "{a} beat {b} by {x}.", a=say("conv GAN"), b=listed([say("one"), say("two")]), x="1.5"
    )
    assert str(message) == "conv GAN beat one and two by 1.5."
    zh = {
        "{a} beat {b} by {x}.": "{a}比{b}好{x}。",
        "conv GAN": "卷积GAN",
        "{a} and {b}": "{a}和{b}",
    }
    assert message.render(lambda t: zh.get(t, t)) == "卷积GAN比one和two好1.5。"
    assert isinstance(listed(["x"]), Message) and str(listed(["a", "b", "c"])) == "a, b and c"


def test_a_table_escapes_bars_and_checks_its_rows():
    t = Table([say("samples"), say("FD")], [[say("draws from p(x | z)"), "1.0 ± 0.1"]])
    assert t.render().splitlines() == [
        "| samples | FD |",
        "|---|---:|",
        r"| draws from p(x \| z) | 1.0 ± 0.1 |",
    ]
    with pytest.raises(ValueError, match="cells"):
        Table(["a", "b"], [["1"]]).render()


def test_a_verdict_table_gives_each_verdict_in_short():
    a, b = side("A", [1, 2, 3]), side("B", [5, 6, 7])
    slow = side("A", [1, 2, 3], Budget(6000, "steps", 90.0))
    table = verdict_table(
        [decide(FD, a, b), decide(MODES, a, b), decide(FD, slow, b)],
        [say("ring"), say("ring"), say("grid")],
        say("benchmark"),
    )
    lines = table.render().splitlines()
    assert lines[0] == "| benchmark | measure | A | B | verdict (the rule) |"
    assert lines[2].endswith("| 2.0 ± 1.0 | 6.0 ± 1.0 | A ahead |")
    assert lines[3].endswith("| B ahead |")
    assert lines[4].endswith(
        "| A ahead, but A had 3.0 times the training time of B (90 s against 30 s a run) |"
    )
    assert decide(FD, side("A", [1, 6, 3]), b).short() == say("overlap")
    with pytest.raises(ValueError, match="same two sides"):
        verdict_table([decide(FD, a, b), decide(FD, a, side("C", [9, 9, 9]))])


def test_markdown_in_a_cell_becomes_html_but_not_inside_code():
    assert inline_html("**bold** and *it* <b>") == "<strong>bold</strong> and <em>it</em> &lt;b&gt;"
    assert inline_html("`a*b*c` then *x*") == "<code>a*b*c</code> then <em>x</em>"
    assert inline_html("p(x | z) × 3") == "p(x | z) × 3"
