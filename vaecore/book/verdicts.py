"""How the book weighs evidence: the one rule that decides every "A against B", and the sentence
that says what it decided.

A comparison is declared, not improvised: a :class:`Measure` (its name, which direction is
better, how many digits to print) and two :class:`Side` s, each with its values on its seeds, the
:class:`Budget` each run had (steps or epochs, and seconds), whether a value is exact or only a
bound, and the seeds on which a setting of that side was chosen, if any. :func:`decide` applies
the rule:

    **A is ahead of B on a measure when every run of A is better than every run of B** (A's worst
    run beats B's best; a value known only as a bound counts at its least favourable end), each
    side with at least :data:`MIN_RUNS` runs. The verdict is **clean** only if the two sides had
    the same budget (the same steps or epochs, and seconds within a factor of
    :data:`SAME_TIME`) and the leader's settings were not chosen on a seed that is scored.
    Otherwise the sentence names the unequal budget or the tuning; where the runs interleave it
    says they overlap.

Two equally good models, n and m runs, fall into such a complete separation by chance with
probability ``2 / C(n + m, n)`` (:func:`chance_of_separation`): 1 in 10 for 3 runs each, 1 in
92,378 for 10 each. :func:`rank` applies the same rule to several sides at once.

A verdict's sentence is a :class:`~vaecore.book.messages.Message`, so that another edition can
print the same numbers in its own words. Nothing else in the package or on a page decides an
order between two models: each chapter's tables and verdicts (:mod:`vaecore.book.findings`) are
made with this rule.

Longer than CONTRIBUTING's 350 lines: it is the one rule that decides every comparison in the book,
with the words that say its verdicts; split, a second place could decide."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Sequence

from vaecore import checks
from vaecore.book.messages import Field, Message, Table, Text, listed, say
from vaecore.book.spread import mean_sd

__all__ = [
    "MIN_RUNS",
    "SAME_TIME",
    "KINDS",
    "UNITS",
    "Measure",
    "Budget",
    "Side",
    "chance_of_separation",
    "CAVEATS",
    "the_rule",
    "Verdict",
    "same_budget",
    "budget_difference",
    "decide",
    "verdict_table",
    "Ranking",
    "rank",
]

#: A verdict needs at least this many runs (seeds) on each side, since one seed ranks nothing.
MIN_RUNS = 3
#: Two runs had the same budget in time when their seconds are within this factor.
SAME_TIME = 1.5
#: How a value is known, exactly or as a lower or an upper bound on the true value.
KINDS = ("exact", "lower bound", "upper bound")
#: What a budget may count.
UNITS = ("steps", "epochs", "passes")


@dataclass(frozen=True)
class Measure:
    """What is compared: its ``name`` (a message: "the Fréchet distance"), whether ``higher``
    values are better, and how many ``digits`` to print."""

    name: Message
    higher: bool
    digits: int = 1

    def __post_init__(self) -> None:
        checks.fields(self, digits=checks.whole(0))

    @checks.arguments(x=checks.number(finite=False), y=checks.number(finite=False))
    def better(self, x: float, y: float) -> bool:
        """Whether ``x`` is strictly better than ``y`` on this measure."""
        return x > y if self.higher else x < y


@dataclass(frozen=True)
class Budget:
    """What each run of a side was given: ``amount`` of ``unit`` ("steps", "epochs") and, on
    average, ``seconds`` of training."""

    amount: float
    unit: str
    seconds: float

    def __post_init__(self) -> None:
        if self.unit not in UNITS:
            raise ValueError(f"a budget counts one of {sorted(UNITS)}, not {self.unit!r}")
        checks.fields(self, amount=checks.POSITIVE, seconds=checks.POSITIVE)


@dataclass(frozen=True)
class Side:
    """One side of a comparison: its ``name`` (a message), its ``values`` (one per run), the
    ``seeds`` of those runs (``0 .. n-1`` when not given), the ``budget`` of each run, the
    ``kind`` of its values (:data:`KINDS`: exact, or a lower or upper bound on the true value),
    and ``tuned_on``, the seeds on which any of its settings was chosen (empty: none was)."""

    name: Message
    values: Sequence[float]
    budget: Budget
    seeds: Sequence[int] = ()
    kind: str = "exact"
    tuned_on: Sequence[int] = ()

    def __post_init__(self) -> None:
        if self.kind not in KINDS:
            raise ValueError(f"kind must be one of {KINDS}, got {self.kind!r}")
        if not self.values:
            raise ValueError(f"{self.name}: a side needs the value of at least one run")
        if any(not math.isfinite(v) for v in self.values):
            raise ValueError(f"{self.name}: every value must be a finite number, got {self.values}")
        if self.seeds and len(self.seeds) != len(self.values):
            raise ValueError(f"{self.name}: {len(self.values)} values but seeds {self.seeds}")
        if not self.seeds:
            object.__setattr__(self, "seeds", tuple(range(len(self.values))))

    def worst(self, measure: Measure) -> float:
        """The least favourable value any run may truly have (a bound counts at its open end)."""
        open_below = self.kind == "lower bound"  # the truth is at least the value, maybe more
        open_above = self.kind == "upper bound"
        if measure.higher:
            return -math.inf if open_above else min(self.values)
        return math.inf if open_below else max(self.values)

    def best(self, measure: Measure) -> float:
        """The most favourable value any run may truly have."""
        if measure.higher:
            return math.inf if self.kind == "lower bound" else max(self.values)
        return -math.inf if self.kind == "upper bound" else min(self.values)

    def mean(self) -> float:
        return sum(self.values) / len(self.values)

    def summary(self, measure: Measure) -> str:
        """``"mean ± sd"``, with ``≥`` or ``≤`` in front of a bound."""
        mark = {"exact": "", "lower bound": "≥ ", "upper bound": "≤ "}[self.kind]
        return mark + mean_sd(self.values, measure.digits)


@checks.arguments(n=checks.COUNT, m=checks.COUNT)
def chance_of_separation(n: int, m: int) -> float:
    """The probability that ``n`` and ``m`` runs of two equally good models (all orders of the
    ``n + m`` values equally likely) come out completely separated, either way:
    ``2 / C(n + m, n)``."""
    return 2 / math.comb(n + m, n)


#: Why a lead is not clean, in a few words each (a table's cell).
CAVEATS = {
    "unequal budget": Message("not at an equal budget"),
    "tuned on a scored seed": Message("tuned on a scored seed"),
}


def the_rule() -> Text:
    """The rule's constants in words, with the chance of a separation between equal models."""
    return Text(
        [
            say(
                "Two equally good models fall into a complete separation by chance with "
                "probability {p3} with three runs each, and {p10} with ten each. Training times "
                "within a factor of {t} count as the same budget.",
                p3=f"{chance_of_separation(3, 3):.2f}",
                p10=f"{chance_of_separation(10, 10):.1e}",
                t=f"{SAME_TIME:g}",
            )
        ]
    )


@dataclass(frozen=True)
class Verdict:
    """What :func:`decide` found. ``leader`` is the side whose every run beat every run of the
    other (``None``: the runs overlap, or there are too few); ``caveats`` say why a lead is not
    clean: ``"unequal budget"``, ``"tuned on a scored seed"``."""

    measure: Measure
    a: Side
    b: Side
    leader: Side | None
    caveats: tuple[str, ...] = ()
    too_few: bool = False

    @property
    def winner(self) -> Side | None:
        """The leader when the lead is clean, else ``None``."""
        return self.leader if self.leader is not None and not self.caveats else None

    @property
    def other(self) -> Side:
        """The side that is not the leader (``b`` when there is none)."""
        return self.a if self.leader is self.b else self.b

    def short(self) -> Message:
        """The verdict in a few words, for a table's cell: who is ahead, and why not cleanly."""
        if self.too_few:
            return say("too few seeds")
        if self.leader is None:
            return say("overlap")
        if not self.caveats:
            return say("{leader} ahead", leader=self.leader.name)
        return say(
            "{leader} ahead, but {why}",
            leader=self.leader.name,
            why=listed(list(self._caveat_words())),
        )

    def sentence(self) -> Message:
        """The verdict in one sentence, with both sides' numbers (the leader's first)."""
        m = self.measure
        a, b = (self.leader, self.other) if self.leader is not None else (self.a, self.b)
        numbers = say(
            "{va} against {vb}, mean ± sd over {n} and {k} seeds",
            va=a.summary(m),
            vb=b.summary(m),
            n=str(len(a.values)),
            k=str(len(b.values)),
        )
        if self.too_few:
            return say(
                "{a} against {b} in {measure}: too few seeds to order them ({numbers}; the rule "
                "needs {min} on each side).",
                a=a.name,
                b=b.name,
                measure=m.name,
                numbers=numbers,
                min=str(MIN_RUNS),
            )
        if self.leader is None:
            return say(
                "{a} and {b} overlap in {measure}, so the runs do not order them: {numbers}.",
                a=a.name,
                b=b.name,
                measure=m.name,
                numbers=numbers,
            )
        # Whole sentences, each template with its own full stop: a template of no words, such
        # as "{lead}.", would join the catalogs only as punctuation.
        fields: dict[str, Field] = {
            "leader": self.leader.name,
            "other": self.other.name,
            "measure": m.name,
            "numbers": numbers,
        }
        if not self.caveats:
            return say(
                "Every run of {leader} was better than every run of {other} in {measure}: "
                "{numbers}.",
                **fields,
            )
        return say(
            "Every run of {leader} was better than every run of {other} in {measure}: "
            "{numbers}; but {why}.",
            why=listed(list(self._caveat_words())),
            **fields,
        )

    def _caveat_words(self) -> list[Message]:
        leader, other = self.leader, self.other
        assert leader is not None
        words = []
        if "unequal budget" in self.caveats:
            words.append(budget_difference(leader, other))
        if "tuned on a scored seed" in self.caveats:
            scored = sorted(set(leader.tuned_on) & set(leader.seeds))
            words.append(
                say(
                    "a setting of {leader} was chosen on seed {seeds}, which is scored too",
                    leader=leader.name,
                    seeds=", ".join(str(s) for s in scored),
                )
            )
        return words


def same_budget(a: Budget, b: Budget) -> bool:
    """Whether two runs had the same budget: the same amount of the same unit, and seconds within
    a factor of :data:`SAME_TIME`."""
    ratio = max(a.seconds, b.seconds) / min(a.seconds, b.seconds)
    return (a.amount, a.unit) == (b.amount, b.unit) and ratio <= SAME_TIME


def _amount(budget: Budget) -> Message:
    """``"12,000 steps"``, ``"10 epochs"``, ``"5 passes over the data"``."""
    n = f"{budget.amount:,g}"
    if budget.unit == "steps":
        return say("{n} steps", n=n)
    if budget.unit == "epochs":
        return say("{n} epochs", n=n)
    return say("{n} passes over the data", n=n)


def budget_difference(a: Side, b: Side) -> Message:
    """How ``a``'s budget differs from ``b``'s, in words."""
    x, y = a.budget, b.budget
    if (x.amount, x.unit) != (y.amount, y.unit):
        return say(
            "{a} had {amount_a} against {amount_b} of {b}",
            a=a.name,
            b=b.name,
            amount_a=_amount(x),
            amount_b=_amount(y),
        )
    return say(
        "{a} had {ratio} times the training time of {b} ({sa} s against {sb} s a run)",
        a=a.name,
        b=b.name,
        ratio=f"{x.seconds / y.seconds:.1f}",
        sa=f"{x.seconds:.0f}",
        sb=f"{y.seconds:.0f}",
    )


def decide(measure: Measure, a: Side, b: Side) -> Verdict:
    """The book's rule (see the module's docstring) applied to ``a`` against ``b``."""
    if len(a.values) < MIN_RUNS or len(b.values) < MIN_RUNS:
        return Verdict(measure, a, b, None, too_few=True)
    if measure.better(a.worst(measure), b.best(measure)):
        leader, other = a, b
    elif measure.better(b.worst(measure), a.best(measure)):
        leader, other = b, a
    else:
        return Verdict(measure, a, b, None)
    caveats = []
    if not same_budget(leader.budget, other.budget):
        caveats.append("unequal budget")
    if set(leader.tuned_on) & set(leader.seeds):
        caveats.append("tuned on a scored seed")
    return Verdict(measure, a, b, leader, tuple(caveats))


def verdict_table(
    verdicts: Sequence[Verdict], names: Sequence[Message] = (), first: Message | None = None
) -> Table:
    """Verdicts between the same two sides, one per row: the measure, each side's mean ± sd and
    the rule's verdict in short; with ``names``, a first column (headed ``first``) names each
    row, e.g. its benchmark."""
    if not verdicts:
        raise ValueError("no verdicts to show")
    a, b = verdicts[0].a, verdicts[0].b
    if any((str(v.a.name), str(v.b.name)) != (str(a.name), str(b.name)) for v in verdicts):
        raise ValueError("a verdict table is of verdicts between the same two sides")
    if names and (len(names) != len(verdicts) or first is None):
        raise ValueError("give a name for each verdict, and the header of their column")
    lead: list[Message] = [first] if names and first is not None else []
    rows: list[list[str | Message]] = [
        [
            *([names[i]] if names else []),
            v.measure.name,
            v.a.summary(v.measure),
            v.b.summary(v.measure),
            v.short(),
        ]
        for i, v in enumerate(verdicts)
    ]
    return Table(
        [*lead, say("measure"), a.name, b.name, say("verdict (the rule)")],
        rows,
        say(
            "Mean ± sd over {n} and {k} seeds; a side is ahead when every one of its runs beats "
            "every run of the other.",
            n=str(len(a.values)),
            k=str(len(b.values)),
        ),
    )


@dataclass(frozen=True)
class Ranking:
    """:func:`rank`'s result: ``first``, the side with the best mean; ``verdicts``, the rule's
    verdict of ``first`` against each other side, best mean first."""

    measure: Measure
    first: Side
    verdicts: tuple[Verdict, ...]

    @property
    def winner(self) -> Side | None:
        """``first`` when it won cleanly against every other side, else ``None``."""
        ok = all(v.winner is self.first for v in self.verdicts)
        return self.first if ok else None

    def choice(self) -> Message:
        """``first``'s name when it won cleanly; its name and the caveats when every run of it
        beat every run of the others but not cleanly; else "no clear winner (...)" with the
        sides the rule does not separate from it."""
        if self.winner is not None:
            return self.first.name
        if any(v.too_few for v in self.verdicts):
            return say("too few seeds to choose (the rule needs {min})", min=str(MIN_RUNS))
        if all(v.leader is self.first for v in self.verdicts):
            caveats = sorted({c for v in self.verdicts for c in v.caveats})
            return say(
                "{name} ({caveats})",
                name=self.first.name,
                caveats=listed([CAVEATS[c] for c in caveats]),
            )
        level = [v.other for v in self.verdicts if v.leader is not self.first]
        return say(
            "no clear winner ({names})", names=listed([s.name for s in [self.first, *level]])
        )


def rank(measure: Measure, sides: Sequence[Side]) -> Ranking:
    """The rule applied to several sides: the best mean against each of the others."""
    if len(sides) < 2:
        raise ValueError("a ranking needs two sides or more")
    order = sorted(sides, key=Side.mean, reverse=measure.higher)
    first = order[0]
    return Ranking(measure, first, tuple(decide(measure, first, s) for s in order[1:]))
