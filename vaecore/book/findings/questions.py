"""The tables and verdicts of the chapter "Questions readers ask", computed from benchmark results
over several seeds, never typed: ``questions.json`` (``benchmarks/questions.py``: discrete data,
gradient norms, attention) and ``gan_vs_vae.json`` and ``vaegan.json`` (DCGAN's players, model
size, the VAE-GAN).

Every order between two models is decided by the book's rule,
:func:`vaecore.book.verdicts.decide`: every run of one better than every run of the other, and
named as clean only at an equal budget and without tuning on a scored seed. Each function returns
a :class:`~vaecore.book.messages.Table` or a :class:`~vaecore.book.messages.Text` that the chapter
shows with one call; a section's verdict opens with "Verdict.".

At over 800 lines this module is longer than CONTRIBUTING's 350: it is one chapter's findings,
six questions each with its table, its sentences and its headline, kept together so that the
layout says where a chapter's verdicts live (one module per chapter)."""

from __future__ import annotations

import math
from dataclasses import dataclass
from operator import attrgetter
from typing import Any, Callable, Mapping, Sequence

from vaecore import checks
from vaecore.book.findings import by_seed, label, row_label
from vaecore.book.findings.gan_images import BLUR, FRECHET, RAREST, RECALL, SEED_COLUMNS
from vaecore.book.messages import Message, Table, Text, listed, say
from vaecore.book.spread import mean_sd
from vaecore.book.verdicts import (
    MIN_RUNS,
    SAME_TIME,
    Budget,
    Measure,
    Side,
    Verdict,
    budget_difference,
    decide,
    rank,
)
from vaecore.experiments.image_models import Row

__all__ = [
    "EXPLODES",
    "headline",
    "TV",
    "STUCK",
    "ESTIMATOR_NAMES",
    "discrete_table",
    "discrete_verdict",
    "discrete_headline",
    "GENERATOR_GRADIENT",
    "gradient_table",
    "gradient_verdict",
    "gradient_headline",
    "TUNED_ON",
    "Seeds",
    "conv_seeds",
    "vaegan_seeds",
    "attention_seeds",
    "dcgan_verdict",
    "size_table",
    "size_verdict",
    "ATTENTION_MEASURES",
    "attention_table",
    "attention_verdict",
    "attention_headline",
    "VAEGAN",
    "VAEGAN_RIVALS",
    "vaegan_table",
    "vaegan_verdict",
    "vaegan_headline",
    "SCORE",
    "CHANCE_SDS",
    "chance_band",
    "drawbacks_table",
    "drawbacks_headline",
]

#: A layer's gradient norm that changes by this factor or more, between the first and the last
#: tenth of training, is said to vanish or explode (two orders of magnitude).
EXPLODES = 100.0


def headline(verdict: Message) -> Text:
    """A section's verdict, in bold words first, as the chapter shows it under its claim."""
    return Text([say("**Verdict.** {verdict}", verdict=verdict)])


def _seeds(
    runs: Sequence[Sequence[Any]], what: str, key: Callable[[Any], str] = lambda row: row["model"]
) -> dict[str, list[Any]]:
    """``{key(row): [its row on each seed]}``, after checking that there are enough seeds and
    that every seed has the same rows in the same order."""
    if len(runs) < MIN_RUNS:
        raise ValueError(
            f"one seed ranks nothing: {what} needs at least {MIN_RUNS} seeds, got {len(runs)}"
        )
    return by_seed(runs, key)


def _mean(values: Sequence[float]) -> float:
    return sum(values) / len(values)


# --- discrete data ------------------------------------------------------------------------

#: The total variation distance to the test digits (lower is better).
TV = Measure(say("the total variation distance to the test digits"), higher=False, digits=3)
#: The GAN trained through a plain sample, and the GANs trained through an estimator, each with
#: how a sentence names its estimator.
STUCK = "GAN, sample"
ESTIMATOR_NAMES = {
    "GAN, Gumbel-softmax": say("the Gumbel-softmax"),
    "GAN, score function": say("the score function"),
}


def _discrete_sides(result: Mapping[str, Any]) -> dict[str, Side]:
    """The discrete-data models as sides of the rule: the GANs' steps, the VAE's epochs."""
    rows = _seeds(result["discrete"]["runs"], "the discrete-data verdict")
    budget = result["budget"]["discrete"]
    sides = {}
    for name, seeds in rows.items():
        amount, unit = (
            (budget["epochs"]["vae"], "epochs")
            if name == "VAE"
            else (budget["sizes"]["gan_steps"], "steps")
        )
        sides[name] = Side(
            label(name),
            [r["tv"] for r in seeds],
            Budget(amount, unit, _mean([r["seconds"] for r in seeds])),
        )
    return sides


def _ahead(verdict: Verdict, side: Side) -> bool:
    """Whether the rule put ``side`` ahead (cleanly or not)."""
    return verdict.leader is side


def discrete_table(result: Mapping[str, Any]) -> Table:
    """The discrete-data runs: per model the total variation distance (mean ± sd over the seeds,
    then each seed's), the generator's mean gradient norm, the parameters and the training time;
    last, the floor of real digits."""
    rows = _seeds(result["discrete"]["runs"], "the discrete-data table")
    cells: list[list[str | Message]] = []
    for name, seeds in rows.items():
        grads = [r["generator_gradient"] for r in seeds]
        cells.append(
            [
                label(name),
                mean_sd([r["tv"] for r in seeds], 3),
                ", ".join(f"{r['tv']:.3f}" for r in seeds),
                say("no generator") if grads[0] is None else mean_sd(grads, 3),
                f"{seeds[0]['parameters']:,}",
                mean_sd([r["seconds"] for r in seeds], 0),
            ]
        )
    floor = f"{result['discrete']['floor']:.3f}"
    cells.append([say("real training digits (floor)"), floor, "", "", "", ""])
    return Table(
        [
            say("model"),
            say("TV to the test digits"),
            say("on each seed"),
            say("generator's gradient"),
            say("parameters"),
            say("training (s)"),
        ],
        cells,
        say("Mean ± sd over {n} seeds.", n=str(len(result["discrete"]["runs"]))),
    )


def discrete_verdict(result: Mapping[str, Any]) -> Text:
    """What the discrete-data runs show over the seeds, one sentence per finding: the plain
    sample's gradient, each estimator's GAN against it, the two estimators against each other,
    and the rule's order of all four models beside the floor."""
    rows = _seeds(result["discrete"]["runs"], "the discrete-data verdict")
    sides = _discrete_sides(result)
    n = str(len(rows[STUCK]))
    stuck_tv = mean_sd(sides[STUCK].values, 3)
    stuck_grad = max(r["generator_gradient"] for r in rows[STUCK])  # one model's largest
    found = [
        say(
            "Through a plain sample, no gradient reached the generator, at any step of any seed, "
            "and its samples ended {tv} away from the test digits in total variation (mean ± sd "
            "over {n} seeds).",
            tv=stuck_tv,
            n=n,
        )
        if stuck_grad == 0
        else say(
            "Through a plain sample, the generator's mean gradient norm was at most {grad}, and "
            "its samples ended {tv} away from the test digits in total variation (mean ± sd over "
            "{n} seeds).",
            grad=f"{stuck_grad:.3g}",
            tv=stuck_tv,
            n=n,
        )
    ]
    for name in ESTIMATOR_NAMES:
        verdict = decide(TV, sides[name], sides[STUCK])
        found.append(
            say("{model} learned: {verdict}", model=label(name), verdict=verdict.sentence())
            if _ahead(verdict, sides[name])
            else verdict.sentence()
        )
    gumbel, score = ESTIMATOR_NAMES
    found.append(decide(TV, sides[gumbel], sides[score]).sentence())
    ranking = rank(TV, list(sides.values()))
    found.append(
        say(
            "Closest to the test digits, by the rule: {choice}; real training digits are {floor} "
            "away, the floor that {m} samples of a perfect model would reach.",
            choice=ranking.choice(),
            floor=f"{result['discrete']['floor']:.3f}",
            m=f"{result['budget']['discrete']['sizes']['samples']:,}",
        )
    )
    found.append(ranking.verdicts[0].sentence())
    return Text(found)


def discrete_headline(result: Mapping[str, Any]) -> Text:
    """The section's verdict in one sentence, from the same seeds as :func:`discrete_verdict`."""
    sides = _discrete_sides(result)
    learned = [
        ESTIMATOR_NAMES[name]
        for name in ESTIMATOR_NAMES
        if _ahead(decide(TV, sides[name], sides[STUCK]), sides[name])
    ]
    vae = _ahead(decide(TV, sides["VAE"], sides[STUCK]), sides["VAE"])
    if vae and learned:
        return headline(
            say(
                "Wrong about the VAE and incomplete about the GAN: a VAE models discrete data "
                "directly, while a GAN learns it only through a gradient estimator that reaches "
                "past the discrete sample (here, {estimators}).",
                estimators=listed(learned),
            )
        )
    vae_part = (
        say("every run of the VAE was closer to the test digits than every run of the GAN")
        if vae
        else say("the VAE's runs were not all closer to the test digits than the GAN's")
    )
    gan_part = (
        say("only with {estimators} did the GAN learn", estimators=listed(learned))
        if learned
        else say("no estimator's GAN was ahead of it")
    )
    return headline(
        say(
            "Not settled by these runs: against the GAN trained through a plain sample, {vae}, "
            "and {gan}.",
            vae=vae_part,
            gan=gan_part,
        )
    )


# --- gradients ----------------------------------------------------------------------------

#: The size of the gradient that reaches a GAN's generator, its largest layer norm late in
#: training (its direction is a choice of words; a larger gradient moves the generator more).
GENERATOR_GRADIENT = Measure(
    say("the size of the gradient that reaches the generator (its largest layer norm, last tenth)"),
    higher=True,
    digits=2,
)


def gradient_table(result: Mapping[str, Any]) -> Table:
    """The gradient norms: per model, its layers' norms late in training (smallest and largest,
    means over the seeds), the largest change of a layer's norm (over layers and seeds), the
    steps, and on how many seeds training diverged."""
    rows = _seeds(result["gradients"]["runs"], "the gradient table")
    cells: list[list[str | Message]] = []
    for name, seeds in rows.items():
        cells.append(
            [
                label(name),
                f"{_mean([r['lowest'] for r in seeds]):.3g}",
                f"{_mean([r['highest'] for r in seeds]):.3g}",
                f"×{max(r['change'] for r in seeds):.3g}",
                ", ".join(sorted({str(r["steps"]) for r in seeds})),
                say(
                    "{k} of {n}",
                    k=str(sum(bool(r["diverged"]) for r in seeds)),
                    n=str(len(seeds)),
                ),
            ]
        )
    return Table(
        [
            say("model"),
            say("smallest layer norm, last tenth"),
            say("largest"),
            say("largest change of a layer"),
            say("steps"),
            say("diverged"),
        ],
        cells,
        say(
            "Norms: means over {n} seeds; the change: the largest over the layers and the seeds, "
            "between the first and the last tenth of training.",
            n=str(len(result["gradients"]["runs"])),
        ),
    )


def _steady(seeds: Sequence[Mapping[str, Any]]) -> bool:
    """Whether a model's gradients neither vanished nor exploded on any of its seeds: no layer's
    norm changed by :data:`EXPLODES` or more, and training never diverged."""
    return all(r["change"] < EXPLODES and not r["diverged"] for r in seeds)


def _gan_sides(rows: Mapping[str, list[Mapping[str, Any]]]) -> tuple[Side, Side]:
    """The two GAN losses as sides of the rule on :data:`GENERATOR_GRADIENT`. They are the same
    players for the same steps, differing only in the generator's loss; the runs record no
    seconds, so both are given the same."""
    sides = []
    for name in ("GAN, non-saturating", "GAN, saturating"):
        seeds = rows[name]
        steps = seeds[0]["steps"]
        sides.append(Side(label(name), [r["highest"] for r in seeds], Budget(steps, "steps", 1.0)))
    return sides[0], sides[1]


def gradient_verdict(result: Mapping[str, Any]) -> Text:
    """What the gradient norms show over the seeds, one sentence per finding: each encoder model
    on its own, then the two GAN losses by the rule."""
    rows = _seeds(result["gradients"]["runs"], "the gradient verdict")
    n = str(len(rows["VAE"]))
    found = []
    for name in ("autoencoder", "VAE"):
        seeds = rows[name]
        change = max(r["change"] for r in seeds)
        ratio = max(r["highest"] / r["lowest"] for r in seeds)
        found.append(
            say(
                "The {model}'s gradients neither vanished nor exploded: on all {n} seeds no "
                "layer's norm changed by more than a factor of {change} between the first and the "
                "last tenth of training, and late in training its layers' norms were within a "
                "factor of {ratio} of one another.",
                model=label(name),
                n=n,
                change=f"{change:.1f}",
                ratio=f"{ratio:.1f}",
            )
            if _steady(seeds)
            else say(
                "The {model}'s gradients did not stay steady: a layer's norm changed by up to a "
                "factor of {change} between the first and the last tenth of training, and "
                "training diverged on {k} of {n} seeds.",
                model=label(name),
                change=f"{change:.3g}",
                k=str(sum(bool(r["diverged"]) for r in seeds)),
                n=n,
            )
        )
    wrong = rows["VAE, wrong-sign KL"]
    diverged = sum(bool(r["diverged"]) for r in wrong)
    found.append(
        say(
            "The VAE whose KL has the wrong sign diverged on all {n} seeds, within {steps} steps; "
            "its gradient norms grew by a factor of {change} or more on the way.",
            n=n,
            steps=str(max(r["steps"] for r in wrong)),
            change=f"{min(r['change'] for r in wrong):.0e}",
        )
        if diverged == len(wrong)
        else say(
            "The VAE whose KL has the wrong sign diverged on {k} of {n} seeds.",
            k=str(diverged),
            n=n,
        )
    )
    found.append(decide(GENERATOR_GRADIENT, *_gan_sides(rows)).sentence())
    return Text(found)


def gradient_headline(result: Mapping[str, Any]) -> Text:
    """The section's verdict, from the same seeds as :func:`gradient_verdict`, for what was run:
    the MLP VAE with a Bernoulli decoder on binarised MNIST, for the steps of the result."""
    rows = _seeds(result["gradients"]["runs"], "the gradient verdict")
    steady = _steady(rows["autoencoder"]) and _steady(rows["VAE"])
    exploded = all(r["diverged"] for r in rows["VAE, wrong-sign KL"])
    scope = say(
        "the MLP VAE with a Bernoulli decoder on binarised MNIST, {steps} steps, {n} seeds",
        steps=", ".join(sorted({f"{r['steps']:,}" for r in rows["VAE"]})),
        n=str(len(rows["VAE"])),
    )
    if steady and exploded:
        return headline(
            say(
                "Not for the VAE run here ({scope}): no layer's gradient norm, in it or in the "
                "autoencoder, changed by a factor of {explodes} or more, and neither diverged; a "
                "KL term with the wrong sign made them explode on every seed. That is not true of "
                "every VAE: what can make a VAE's gradients blow up is below.",
                scope=scope,
                explodes=f"{EXPLODES:g}",
            )
        )
    return headline(
        say(
            "Not settled by these runs ({scope}): {encoders}, and {wrong}.",
            scope=scope,
            encoders=say("the VAE's and the autoencoder's gradients stayed steady")
            if steady
            else say("the VAE's or the autoencoder's gradients changed by orders of magnitude"),
            wrong=say("the wrong-sign KL exploded on every seed")
            if exploded
            else say("the wrong-sign KL did not explode on every seed"),
        )
    )


# --- the rows of gan_vs_vae.json, vaegan.json and the attention runs ----------------------

#: The seeds on which a model's setting was chosen, where those seeds are also scored (the
#: VAE-GAN's gamma, :data:`vaecore.experiments.vaegan.GAMMA`, was chosen in a sweep on seed 0).
TUNED_ON = {"VAE-GAN": (0,)}


@dataclass(frozen=True)
class Seeds:
    """The rows of a result file by label, ``rows[label] = [its row on each seed]``, and what
    each run was given: ``amount`` of ``unit`` (passes over the images, or epochs)."""

    rows: dict[str, list[Row]]
    amount: float
    unit: str

    def __post_init__(self) -> None:
        checks.fields(self, amount=checks.POSITIVE)

    @property
    def n(self) -> int:
        """The number of seeds."""
        return len(next(iter(self.rows.values())))

    def side(self, name: str, value: Callable[[Row], float], called: Message | None = None) -> Side:
        """The rows of ``name`` as a side of the rule, with the settings chosen on a scored seed
        (:data:`TUNED_ON`), called by its label or by ``called``."""
        rows = self.rows[name]
        return Side(
            called or row_label(rows[0].model, rows[0].samples),
            [value(r) for r in rows],
            Budget(self.amount, self.unit, _mean([r.seconds for r in rows])),
            tuned_on=TUNED_ON.get(rows[0].model, ()),
        )

    def decide(self, measure: Measure, a: str, b: str, value: Callable[[Row], float]) -> Verdict:
        """The rule's verdict of ``a`` against ``b`` on ``value``, which ``measure`` names."""
        return decide(measure, self.side(a, value), self.side(b, value))


def _rows(runs: Sequence[Sequence[Mapping[str, Any]]], what: str) -> dict[str, list[Row]]:
    rows = [[Row(**row) for row in run] for run in runs]
    return _seeds(rows, what, key=lambda row: row.label)


def conv_seeds(conv_result: Mapping[str, Any]) -> Seeds:
    """The models of ``gan_vs_vae.json``, each trained for the result's passes over the images."""
    passes = conv_result["budget"]["epochs"]["passes"]
    return Seeds(_rows(conv_result["runs"], "gan_vs_vae"), passes, "passes")


def vaegan_seeds(conv_result: Mapping[str, Any], vaegan_result: Mapping[str, Any]) -> Seeds:
    """The rows of ``gan_vs_vae.json`` and of ``vaegan.json``, seed by seed: each seed's models
    of the chapter "GANs on images", then the VAE-GAN. Refuses results that were not measured
    alike: another budget (images, passes, samples, seeds) or another judge."""
    for part in ("budget", "judge"):
        if conv_result[part] != vaegan_result[part]:
            raise ValueError(
                f"the VAE-GAN was measured with another {part} than the models of gan_vs_vae "
                f"({vaegan_result[part]} against {conv_result[part]}): rerun "
                "benchmarks/vaegan.py with the same settings"
            )
    runs = [
        list(conv) + list(mine) for conv, mine in zip(conv_result["runs"], vaegan_result["runs"])
    ]
    passes = conv_result["budget"]["epochs"]["passes"]
    return Seeds(_rows(runs, "the VAE-GAN verdict"), passes, "passes")


def attention_seeds(result: Mapping[str, Any]) -> Seeds:
    """The attention runs of ``questions.json``, each VAE trained for the result's epochs."""
    epochs = result["budget"]["attention"]["epochs"]["vae"]
    return Seeds(_rows(result["attention"]["runs"], "the attention verdict"), epochs, "epochs")


def _seed_table(seeds: Seeds, note: Message) -> Table:
    """One row per set of samples, sorted by the mean Fréchet distance, each column of
    :data:`~vaecore.book.findings.gan_images.SEED_COLUMNS` as mean ± sd over the seeds ("none"
    where a measure is not defined, as a GAN's NLL)."""
    order = sorted(seeds.rows, key=lambda name: _mean([r.frechet for r in seeds.rows[name]]))
    cells: list[list[str | Message]] = []
    for name in order:
        rows = seeds.rows[name]
        line: list[str | Message] = [row_label(rows[0].model, rows[0].samples)]
        for _, field, digits in SEED_COLUMNS:
            values = [getattr(r, field) for r in rows]
            line.append(say("none") if values[0] is None else mean_sd(values, digits))
        cells.append(line)
    return Table([say("samples"), *(header for header, _, _ in SEED_COLUMNS)], cells, note)


# --- DCGAN and model size -----------------------------------------------------------------


def dcgan_verdict(conv_result: Mapping[str, Any]) -> Text:
    """What the convolutional players bought over the MLP players, from ``gan_vs_vae.json``'s
    seeds: their parameters, and the rule on the Fréchet distance and on recall."""
    seeds = conv_seeds(conv_result)
    mlp, conv = seeds.rows["MLP GAN"][0].parameters, seeds.rows["conv GAN"][0].parameters
    return Text(
        [
            say(
                "The convolutional players have {conv} parameters, the MLP players {mlp} ({ratio} "
                "times as many).",
                conv=f"{conv:,}",
                mlp=f"{mlp:,}",
                ratio=f"{mlp / conv:.1f}",
            ),
            seeds.decide(FRECHET, "conv GAN", "MLP GAN", lambda r: r.frechet).sentence(),
            seeds.decide(RECALL, "conv GAN", "MLP GAN", lambda r: r.recall).sentence(),
        ]
    )


def size_table(conv_result: Mapping[str, Any]) -> Table:
    """The models of ``gan_vs_vae.json`` by their size: parameters, training time and Fréchet
    distance (mean ± sd), largest model first."""
    seeds = conv_seeds(conv_result)
    cells: list[list[str | Message]] = []
    for rows in sorted(seeds.rows.values(), key=lambda rs: -rs[0].parameters):
        cells.append(
            [
                row_label(rows[0].model, rows[0].samples),
                f"{rows[0].parameters:,}",
                mean_sd([r.seconds for r in rows], 0),
                mean_sd([r.frechet for r in rows]),
            ]
        )
    return Table(
        [say("samples"), say("trained parameters"), say("training (s)"), say("Fréchet distance")],
        cells,
        say("Mean ± sd over {n} seeds.", n=str(seeds.n)),
    )


def size_verdict(conv_result: Mapping[str, Any]) -> Text:
    """What the models of ``gan_vs_vae.json`` can say about size: they differ in architecture as
    well as in size, so they rank architectures, not sizes."""
    seeds = conv_seeds(conv_result)
    size = {rows[0].model: rows[0].parameters for rows in seeds.rows.values()}
    smallest, biggest = min(size, key=size.__getitem__), max(size, key=size.__getitem__)
    return headline(
        say(
            "These runs cannot say. The models range from {small} parameters ({smallest}) to "
            "{big} ({biggest}), but each size comes with its own architecture: the runs rank "
            "architectures, not sizes. Within one architecture no width was varied, so they do "
            "not say whether a wider network of the same kind makes better samples.",
            small=f"{size[smallest]:,}",
            smallest=label(smallest),
            big=f"{size[biggest]:,}",
            biggest=label(biggest),
        )
    )


# --- attention ----------------------------------------------------------------------------

#: The two decoders of the attention experiment (:mod:`vaecore.experiments.attention`).
ATTENTION, CONTROL = "conv VAE, self-attention", "conv VAE, pointwise block"
#: The measures the attention experiment compares, each with the samples whose row holds it and
#: its field.
ATTENTION_MEASURES: tuple[tuple[Measure, str, str], ...] = (
    (Measure(say("the test NLL bound"), higher=False), "decoder means", "test_nll"),
    (
        Measure(say("the Fréchet distance of the decoder means"), higher=False),
        "decoder means",
        "frechet",
    ),
    (
        Measure(say("the Fréchet distance of the draws"), higher=False),
        "draws from p(x | z)",
        "frechet",
    ),
)


def _seconds(row: Row) -> float:
    return row.seconds


def _attention_sides(
    seeds: Seeds, samples: str, value: Callable[[Row], float], by_model: bool
) -> tuple[Side, Side]:
    """Self-attention's and the pointwise block's rows of ``samples`` as sides, called by their
    model's name when ``by_model`` (a measure of the model, such as its NLL bound), else by the
    rows' label."""
    return (
        seeds.side(f"{ATTENTION}, {samples}", value, label(ATTENTION) if by_model else None),
        seeds.side(f"{CONTROL}, {samples}", value, label(CONTROL) if by_model else None),
    )


def _attention_verdicts(seeds: Seeds) -> list[Verdict]:
    """The rule's verdict of self-attention against the pointwise block on each of
    :data:`ATTENTION_MEASURES`."""
    return [
        decide(measure, *_attention_sides(seeds, samples, attrgetter(field), field == "test_nll"))
        for measure, samples, field in ATTENTION_MEASURES
    ]


def attention_table(result: Mapping[str, Any]) -> Table:
    """The attention runs of ``questions.json``, one row per set of samples (mean ± sd)."""
    seeds = attention_seeds(result)
    return _seed_table(
        seeds,
        say(
            "Mean ± sd over {n} seeds, {epochs} epochs for both VAEs.",
            n=str(seeds.n),
            epochs=f"{seeds.amount:g}",
        ),
    )


def attention_verdict(result: Mapping[str, Any]) -> Text:
    """What the attention experiment shows over the seeds, one sentence per finding: the
    parameter counts, the training times, and the rule on each measure."""
    seeds = attention_seeds(result)
    size = {m: seeds.rows[f"{m}, decoder means"][0].parameters for m in (ATTENTION, CONTROL)}
    gap = size[ATTENTION] - size[CONTROL]
    found = [
        say(
            "The two VAEs differ by {gap} parameters: {a} with self-attention, {b} with the "
            "pointwise block ({pct}%).",
            gap=f"{gap:,}",
            a=f"{size[ATTENTION]:,}",
            b=f"{size[CONTROL]:,}",
            pct=f"{100 * gap / size[CONTROL]:.2f}",
        ),
        say(
            "Cost: {difference}.",
            difference=budget_difference(*_attention_sides(seeds, "decoder means", _seconds, True)),
        ),
    ]
    found += [v.sentence() for v in _attention_verdicts(seeds)]
    return Text(found)


def attention_headline(result: Mapping[str, Any]) -> Text:
    """The section's verdict in one sentence, from the same seeds as :func:`attention_verdict`."""
    seeds = attention_seeds(result)
    verdicts = _attention_verdicts(seeds)
    wins = [v.measure.name for v in verdicts if v.leader is v.a]
    losses = [v.measure.name for v in verdicts if v.leader is v.b]
    if not wins and not losses:
        return headline(
            say(
                "Not measurably at this scale: on MNIST, with the parameter count held fixed, the "
                "runs with and without self-attention overlap on every measure."
            )
        )
    if wins and not losses:
        found = (
            say(
                "Yes, at this scale: every run with self-attention was better than every run "
                "without in {measures}.",
                measures=listed(wins),
            )
            if len(wins) == len(verdicts)
            else say(
                "In part, at this scale: every run with self-attention was better than every run "
                "without in {measures}, and the runs overlap in the rest.",
                measures=listed(wins),
            )
        )
    elif losses and not wins:
        found = say(
            "No, at this scale: every run with self-attention was worse than every run without "
            "in {measures}.",
            measures=listed(losses),
        )
    else:
        found = say(
            "Not as a rule: every run with self-attention was better than every run without in "
            "{wins}, but worse in {losses}.",
            wins=listed(wins),
            losses=listed(losses),
        )
    caveats = sorted({c for v in verdicts for c in v.caveats})
    if not caveats:
        return headline(found)
    return headline(
        say(
            "{found} The budgets differ: {difference}.",
            found=found,
            difference=budget_difference(*_attention_sides(seeds, "decoder means", _seconds, True)),
        )
    )


# --- the VAE-GAN ----------------------------------------------------------------------------

#: The VAE-GAN's label in its rows (``vaegan.json``).
VAEGAN = "VAE-GAN"
#: The rows of ``gan_vs_vae.json`` the VAE-GAN is set against, each with how a sentence names
#: its samples. The conv GAN has the VAE-GAN's decoder and discriminator without the encoder,
#: the conv VAE its encoder with a pixel likelihood.
VAEGAN_RIVALS = {
    "conv GAN": say("the conv GAN"),
    "conv VAE, decoder means": say("the conv VAE's decoder means"),
    "conv VAE, draws from p(x | z)": say("the conv VAE's draws"),
}


def vaegan_table(conv_result: Mapping[str, Any], vaegan_result: Mapping[str, Any]) -> Table:
    """The VAE-GAN beside the models of ``gan_vs_vae.json``, one row per set of samples."""
    seeds = vaegan_seeds(conv_result, vaegan_result)
    return _seed_table(
        seeds,
        say(
            "Mean ± sd over {n} seeds, {passes} passes over the training images for every model; "
            "none: not defined (a GAN, and the VAE-GAN, have no likelihood bound).",
            n=str(seeds.n),
            passes=f"{seeds.amount:g}",
        ),
    )


def vaegan_verdict(conv_result: Mapping[str, Any], vaegan_result: Mapping[str, Any]) -> Text:
    """What the VAE-GAN's runs show against :data:`VAEGAN_RIVALS`, by the rule, one sentence per
    finding: the Fréchet distance against each rival, sharpness against the conv VAE's means,
    the rarest digit and recall against the conv GAN, and what it costs."""
    seeds = vaegan_seeds(conv_result, vaegan_result)
    found = [
        seeds.decide(FRECHET, VAEGAN, rival, lambda r: r.frechet).sentence()
        for rival in VAEGAN_RIVALS
    ]
    means, gan = "conv VAE, decoder means", "conv GAN"
    mine = seeds.rows[VAEGAN]
    found.append(
        say(
            "Sharpness, where 1 is as sharp as real digits: {a} for the VAE-GAN, {b} for the conv "
            "VAE's decoder means.",
            a=mean_sd([r.sharpness for r in mine], 2),
            b=mean_sd([r.sharpness for r in seeds.rows[means]], 2),
        )
    )
    found.append(seeds.decide(BLUR, VAEGAN, means, lambda r: abs(math.log(r.sharpness))).sentence())
    found.append(seeds.decide(RAREST, VAEGAN, gan, lambda r: r.rarest_class_percent).sentence())
    found.append(seeds.decide(RECALL, VAEGAN, gan, lambda r: r.recall).sentence())
    nll = [r.test_nll for r in seeds.rows[means] if r.test_nll is not None]
    found.append(
        say(
            "It has no likelihood bound (the conv VAE's test NLL bound is {nll} nats), and it has "
            "{params} parameters with its discriminator, the conv GAN {gan_params}.",
            nll=mean_sd(nll, 1),
            params=f"{mine[0].parameters:,}",
            gan_params=f"{seeds.rows[gan][0].parameters:,}",
        )
    )
    return Text(found)


def vaegan_headline(conv_result: Mapping[str, Any], vaegan_result: Mapping[str, Any]) -> Text:
    """The section's verdict, from the Fréchet distances of the same seeds as
    :func:`vaegan_verdict`, with what it cost and what was not measured: its training time as a
    multiple of the conv GAN's, the seed its gamma was chosen on, the likelihood bound it gives
    up, and the steadier training the claim promises."""
    seeds = vaegan_seeds(conv_result, vaegan_result)
    verdicts = {
        rival: seeds.decide(FRECHET, VAEGAN, rival, lambda r: r.frechet) for rival in VAEGAN_RIVALS
    }
    ahead = [VAEGAN_RIVALS[r] for r, v in verdicts.items() if v.leader is v.a]
    behind = [VAEGAN_RIVALS[r] for r, v in verdicts.items() if v.leader is v.b]
    level = [VAEGAN_RIVALS[r] for r, v in verdicts.items() if v.leader is None]
    if len(ahead) == len(verdicts):
        clean = all(v.winner is not None for v in verdicts.values())
        found = (
            say(
                "In its samples, yes at this budget: every run of the VAE-GAN was closer to the "
                "data than every run of {rivals}, by the Fréchet distance.",
                rivals=listed(ahead),
            )
            if clean
            else say(
                "In its samples, ahead, but not cleanly: every run of the VAE-GAN was closer to "
                "the data than every run of {rivals}, by the Fréchet distance.",
                rivals=listed(ahead),
            )
        )
    elif len(behind) == len(verdicts):
        found = say(
            "No, at this budget: every run of {rivals} was closer to the data than every run of "
            "the VAE-GAN, by the Fréchet distance.",
            rivals=listed(behind),
        )
    elif not ahead and not behind:
        found = say(
            "Not measurably at this budget: the runs of the VAE-GAN and of {rivals} overlap in "
            "the Fréchet distance.",
            rivals=listed(level),
        )
    else:
        parts = []
        if ahead:
            parts.append(
                say(
                    "every run of it was closer to the data than every run of {rivals}",
                    rivals=listed(ahead),
                )
            )
        if behind:
            parts.append(
                say(
                    "every run of {rivals} was closer to the data than every run of it",
                    rivals=listed(behind),
                )
            )
        if level:
            parts.append(say("its runs and those of {rivals} overlap", rivals=listed(level)))
        found = say(
            "Not the best of both at this budget: by the Fréchet distance, {parts}.",
            parts=listed(parts),
        )
    return headline(say("{found} {cost}", found=found, cost=_vaegan_cost(seeds)))


def _vaegan_cost(seeds: Seeds) -> Message:
    """What the VAE-GAN's verdict cannot leave out: its training time against the conv GAN's, the
    seed its gamma was chosen on, the likelihood bound, and the training it did not measure."""
    gan = seeds.side("conv GAN", lambda r: r.frechet)
    mine = seeds.side(VAEGAN, lambda r: r.frechet)
    tuned = TUNED_ON[VAEGAN]
    scored = sorted(set(tuned) & set(mine.seeds))
    seed = (
        say(
            "its gamma was chosen on seed {seeds}, one of the {n} seeds scored",
            seeds=", ".join(str(s) for s in scored),
            n=str(len(mine.seeds)),
        )
        if scored
        else say(
            "its gamma was chosen on seed {seeds}, which is not scored",
            seeds=", ".join(str(s) for s in tuned),
        )
    )
    return say(
        "It had {ratio} times the training time of {gan} ({mine} s against {theirs} s a run), "
        "{seed}, it gives up the VAE's likelihood bound, and the steadier training the claim also "
        "promises was not measured.",
        ratio=f"{mine.budget.seconds / gan.budget.seconds:.1f}",
        gan=VAEGAN_RIVALS["conv GAN"],
        mine=f"{mine.budget.seconds:.0f}",
        theirs=f"{gan.budget.seconds:.0f}",
        seed=seed,
    )


# --- the VAE's drawbacks ------------------------------------------------------------------

#: The score of an image under the drawbacks' VAE, ``-IWAE_k(x)`` in nats, lower is better. It
#: is an upper bound on ``-log p(x)``, but also the very score a user of the model would compare,
#: so two sets of images are ordered by it as it is.
SCORE = Measure(say("the score -IWAE_k in nats"), higher=False)


def _drawback_runs(result: Mapping[str, Any]) -> list[Mapping[str, Any]]:
    """The runs of a ``vae_drawbacks`` result, after checking there are enough of them."""
    runs = list(result["runs"])
    if len(runs) < MIN_RUNS:
        raise ValueError(
            f"one seed ranks nothing: the drawbacks need at least {MIN_RUNS} seeds, got {len(runs)}"
        )
    return runs


def _score_side(result: Mapping[str, Any], field: str, name: Message) -> Side:
    """The score of one set of images, one value per seed; every set is scored by the same
    model, so every side has that model's budget."""
    runs = _drawback_runs(result)
    epochs = result["budget"]["epochs"]["vae"]
    seconds = _mean([r["seconds"] for r in runs])
    return Side(name, [r[field] for r in runs], Budget(epochs, "epochs", seconds))


#: A share of samples further from 1/2 than this many standard deviations of a fair coin's share
#: is "more than chance allows".
CHANCE_SDS = 3.0


@checks.arguments(samples=checks.COUNT)
def chance_band(samples: int) -> float:
    """How far from 1/2 a share of ``samples`` fair coin flips may fall by chance:
    :data:`CHANCE_SDS` standard deviations, ``CHANCE_SDS * sqrt(1/4 / samples)``."""
    return CHANCE_SDS * math.sqrt(0.25 / samples)


def drawbacks_table(result: Mapping[str, Any]) -> Table:
    """What the drawbacks' runs measured, one row per measurement: mean ± sd over the seeds."""
    runs = _drawback_runs(result)
    k = result["budget"]["sizes"]["k"]

    def cell(field: str, scale: float = 1.0, digits: int = 1) -> str:
        return mean_sd([scale * r[field] for r in runs], digits)

    rows: list[list[str | Message]] = [
        [say("training, seconds a run"), cell("seconds", digits=0)],
        [say("scoring the test images with the ELBO, seconds"), cell("elbo_seconds", digits=2)],
        [say("scoring them with IWAE_{k}, seconds", k=str(k)), cell("iwae_seconds", digits=2)],
        [say("score of training garments, nats"), cell("train_score")],
        [say("score of test garments, nats"), cell("test_score")],
        [say("score of MNIST test digits, nats"), cell("foreign_score")],
        [say("pairs in which the digit scores better, %"), cell("foreign_ahead", 100.0)],
        [
            say("active code dimensions, of {k}", k=str(runs[0]["latent_dim"])),
            cell("active", digits=1),
        ],
        [
            say("samples nearer a training image than a test image, %"),
            cell("closer_to_train", 100.0),
        ],
    ]
    return Table(
        [say("measure"), say("mean ± sd")],
        rows,
        say(
            "One MLP VAE trained on Fashion-MNIST for {epochs} epochs, {n} seeds; scores are "
            "-IWAE_{k} per image (lower is better) on {scored} images of each set.",
            epochs=str(result["budget"]["epochs"]["vae"]),
            n=str(len(runs)),
            k=str(k),
            scored=f"{result['budget']['sizes']['scored']:,}",
        ),
    )


def _cost(result: Mapping[str, Any], side_by_side: Mapping[str, Any]) -> Message:
    """Training against the autoencoder with the same networks (``side_by_side_seeds.json``),
    and scoring with the bound against the ELBO."""
    rows = _seeds(side_by_side["runs"], "the cost of training")
    vae, ae = (_mean([r["seconds"] for r in rows[name]]) for name in ("VAE", "autoencoder"))
    runs = _drawback_runs(result)
    elbo, bound = (_mean([r[f] for r in runs]) for f in ("elbo_seconds", "iwae_seconds"))
    ratio = vae / ae
    numbers: dict[str, str | Message] = {
        "side_by_side": say("the side-by-side comparison"),
        "ratio": f"{ratio:.2f}",
        "vae": f"{vae:.0f}",
        "ae": f"{ae:.0f}",
        "epochs": str(side_by_side["budget"]["epochs"]["encoders"]),
    }
    if ratio <= SAME_TIME:
        training = say(
            "**Cost.** Training costs what the autoencoder's does: with the same networks, the VAE "
            "of {side_by_side} trained in {ratio} times the autoencoder's time ({vae} s against "
            "{ae} s a run, {epochs} epochs), within the book's factor of {same} for equal time.",
            same=f"{SAME_TIME:g}",
            **numbers,
        )
    else:
        training = say(
            "**Cost.** With the same networks, the VAE of {side_by_side} trained in {ratio} times "
            "the autoencoder's time ({vae} s against {ae} s a run, {epochs} epochs).",
            **numbers,
        )
    return say(
        "{training} Estimating the likelihood costs more: the bound IWAE_{k} took {bound} times "
        "as long as the ELBO to score the same images.",
        training=training,
        k=str(result["budget"]["sizes"]["k"]),
        bound=f"{bound / elbo:.0f}",
    )


def _generalisation(result: Mapping[str, Any]) -> Message:
    """Training garments against test garments, by the rule."""
    train = _score_side(result, "train_score", say("the training garments"))
    test = _score_side(result, "test_score", say("the test garments"))
    verdict = decide(SCORE, train, test)
    gap = test.mean() - train.mean()
    if verdict.leader is train:
        return say(
            "**Generalisation.** {sentence} The gap is {gap} nats, {share}% of the test score.",
            sentence=verdict.sentence(),
            gap=f"{gap:.1f}",
            share=f"{100 * gap / test.mean():.1f}",
        )
    return say("**Generalisation.** {sentence}", sentence=verdict.sentence())


def _interpretability(result: Mapping[str, Any]) -> Message:
    runs = _drawback_runs(result)
    active = sorted(r["active"] for r in runs)
    return say(
        "**Interpretability.** {low} to {high} of its {k} code dimensions were active. The "
        "likelihood is the same after any rotation of the codes, so nothing in it asks one "
        "dimension to mean one thing; what each means was not measured.",
        low=str(active[0]),
        high=str(active[-1]),
        k=str(runs[0]["latent_dim"]),
    )


def _security(result: Mapping[str, Any]) -> Message:
    """MNIST digits against test garments, by the rule, and the samples' nearest images."""
    runs = _drawback_runs(result)
    digits = _score_side(result, "foreign_score", say("MNIST's test digits"))
    test = _score_side(result, "test_score", say("the test garments"))
    verdict = decide(SCORE, digits, test)
    through = min(r["foreign_ahead"] for r in runs)
    if verdict.leader is digits:
        foreign = say(
            "**Security.** A likelihood is no guard against foreign inputs. {sentence} The model "
            "scored a digit it had never seen better than one of its own test garments in at "
            "least {share}% of pairs.",
            sentence=verdict.sentence(),
            share=f"{100 * through:.0f}",
        )
    else:
        foreign = say(
            "**Security.** {sentence} The model scored a digit better than a test garment in at "
            "most {share}% of pairs.",
            sentence=verdict.sentence(),
            share=f"{100 * max(r['foreign_ahead'] for r in runs):.0f}",
        )
    shares = sorted(r["closer_to_train"] for r in runs)
    band = chance_band(result["budget"]["sizes"]["samples"])
    copying = shares[0] > 0.5 + band
    memory = say(
        "Of its samples, {low}% to {high}% were nearer a training image than a test image; "
        "{meaning}",
        low=f"{100 * shares[0]:.1f}",
        high=f"{100 * shares[-1]:.1f}",
        meaning=(
            say("more than the 50% of chance on every run: a sign of copying.")
            if copying
            else say(
                "not above chance (50% ± {band}%) on every run: no sign of copying.",
                band=f"{100 * band:.1f}",
            )
        ),
    )
    return say("{foreign} {memory}", foreign=foreign, memory=memory)


def drawbacks_headline(result: Mapping[str, Any], side_by_side: Mapping[str, Any]) -> Text:
    """The verdict on the four drawbacks, one finding each, from ``vae_drawbacks.json`` and, for
    the cost of training, ``side_by_side_seeds.json``."""
    return Text(
        [
            say(
                "**Verdict.** Measured on one MLP VAE trained on Fashion-MNIST, over {n} seeds.",
                n=str(len(_drawback_runs(result))),
            ),
            _cost(result, side_by_side),
            _generalisation(result),
            _interpretability(result),
            _security(result),
        ]
    )
