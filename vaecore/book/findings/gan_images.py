"""The verdicts and tables of the chapter "GANs on images", from the seeds of
``benchmarks/gan_vs_vae.py`` (``gan_vs_vae.json``), decided by the rule of
:mod:`vaecore.book.verdicts`: every model had the same passes over the same images, and its
seconds are part of its budget."""

from __future__ import annotations

import math
from operator import attrgetter
from typing import Any, Callable, Mapping, Sequence

from vaecore import checks
from vaecore.book.findings import by_seed, label, row_label
from vaecore.book.messages import Message, Table, Text, say
from vaecore.book.spread import mean_sd
from vaecore.book.verdicts import Budget, Measure, Ranking, Side, decide, rank, verdict_table
from vaecore.experiments.gan_vs_vae import GANS
from vaecore.experiments.image_models import Row, SampleScores

__all__ = [
    "SEED_COLUMNS",
    "FRECHET",
    "RECALL",
    "RAREST",
    "BLUR",
    "by_label",
    "rows_of",
    "side",
    "closest_samples",
    "seed_table",
    "closest_verdict",
    "MATCHED",
    "which_to_use",
    "one_seed_table",
]

#: The columns of :func:`seed_table`: ``(header, Row field, digits)``.
SEED_COLUMNS: tuple[tuple[Message, str, int], ...] = (
    (say("Fréchet distance"), "frechet", 1),
    (say("precision"), "precision", 2),
    (say("recall"), "recall", 2),
    (say("rarest digit (%)"), "rarest_class_percent", 1),
    (say("sharpness"), "sharpness", 2),
    (say("test NLL bound (nats)"), "test_nll", 1),
    (say("training time (s)"), "seconds", 0),
)

FRECHET = Measure(say("the Fréchet distance"), higher=False)
RECALL = Measure(say("recall"), higher=True, digits=2)
RAREST = Measure(say("the rarest digit's share"), higher=True)
#: How far a set's sharpness is from real digits' (1), either way, in log units.
BLUR = Measure(say("how far the sharpness is from real digits' (|log sharpness|)"), False, 2)


def by_label(runs: list[list[Row]]) -> dict[str, list[Row]]:
    """``{row label: [its row on each seed]}``, after checking that every seed has the same rows
    in the same order."""
    return by_seed(runs, attrgetter("label"))


def rows_of(result: Mapping[str, Any]) -> list[list[Row]]:
    """The :class:`~vaecore.experiments.image_models.Row` s of a ``gan_vs_vae``-shaped result
    file, one list per seed."""
    return [[Row(**row) for row in run] for run in result["runs"]]


@checks.arguments(tuned_on=checks.Each(checks.SEED))
def side(
    result: Mapping[str, Any],
    rows: list[Row],
    value: Callable[[Row], float],
    tuned_on: tuple[int, ...] = (),
) -> Side:
    """One set of samples as a side: its values, and the budget of its runs (the result's
    passes over the images, and the rows' mean seconds)."""
    seconds = sum(r.seconds for r in rows) / len(rows)
    passes = result["budget"]["epochs"]["passes"]
    return Side(
        row_label(rows[0].model, rows[0].samples),
        [value(r) for r in rows],
        Budget(passes, "passes", seconds),
        tuned_on=tuned_on,
    )


def closest_samples(result: Mapping[str, Any]) -> Ranking:
    """Every set of samples ranked by the Fréchet distance, by the rule."""
    rows = by_label(rows_of(result))
    return rank(FRECHET, [side(result, rs, lambda r: r.frechet) for rs in rows.values()])


def seed_table(result: Mapping[str, Any], published: Mapping[str, tuple[float, float]]) -> Table:
    """One row per set of samples, sorted by the mean Fréchet distance, each column's mean ± sd
    over the seeds ("none" where a measure is not defined, as a GAN's NLL); then the
    ``published`` rows, ``{name: (Fréchet Inception distance, its spread)}``, in italics."""
    rows = by_label(rows_of(result))
    order = sorted(rows, key=lambda name: sum(r.frechet for r in rows[name]))
    cells: list[list[str | Message]] = []
    for name in order:
        line: list[str | Message] = [row_label(rows[name][0].model, rows[name][0].samples)]
        for _, field, digits in SEED_COLUMNS:
            values = [getattr(r, field) for r in rows[name]]
            line.append(say("none") if values[0] is None else mean_sd(values, digits))
        cells.append(line)
    for name, (fid, sd) in published.items():
        line = [
            say(
                "*{name}: Fréchet Inception distance {fid} ± {sd}*",
                name=label(name),
                fid=f"{fid}",
                sd=f"{sd}",
            )
        ]
        cells.append(line + [""] * len(SEED_COLUMNS))
    budget = result["budget"]
    return Table(
        [say("samples"), *(header for header, _, _ in SEED_COLUMNS)],
        cells,
        say(
            "Ours: mean ± standard deviation over {n} seeds, {passes} passes over {images} "
            "images for every model; the papers' rows in Inception features, another scale.",
            n=str(len(result["runs"])),
            passes=str(budget["epochs"]["passes"]),
            images=f"{budget['n_train']:,}",
        ),
    )


def closest_verdict(
    result: Mapping[str, Any], published: Mapping[str, tuple[float, float]]
) -> Text:
    """Which samples are closest to the data, by the rule, beside the direction of the papers'
    rows (``published``: the GAN's row first, then the VAE's)."""
    ranking = closest_samples(result)
    (gan_name, (gan_fid, _)), (vae_name, (vae_fid, _)) = list(published.items())[:2]
    found = [say("Closest to the data, by the rule: {choice}.", choice=ranking.choice())]
    found += [v.sentence() for v in ranking.verdicts[:2]]
    papers: dict[str, str | Message] = {
        "gan": label(gan_name),
        "g": f"{gan_fid}",
        "vae": label(vae_name),
        "v": f"{vae_fid}",
    }
    gan_first = ranking.winner is not None and str(ranking.first.name) in GANS
    found.append(
        say(
            "That is the direction of the papers' rows: in Inception features, {gan} reached {g} "
            "on MNIST and {vae} {v}.",
            **papers,
        )
        if gan_first
        else say(
            "In the papers' rows, in Inception features, {gan} reached {g} on MNIST and {vae} "
            "{v}; these seeds do not reproduce that order at this budget.",
            **papers,
        )
    )
    return Text(found)


#: The architecture-matched sets of "Which to use", the convolutional GAN against the
#: convolutional VAE's two kinds of samples.
MATCHED = ("conv GAN", "conv VAE, decoder means", "conv VAE, draws from p(x | z)")


def which_to_use(result: Mapping[str, Any]) -> tuple[Table, ...]:
    """The architecture-matched comparison behind the chapter's advice: the convolutional GAN
    against each set of the convolutional VAE's samples, by the rule, on sharpness, recall and
    the rarest digit's share; a table per set."""
    rows = by_label(rows_of(result))
    gan = rows[MATCHED[0]]
    measures = (
        (BLUR, lambda r: abs(math.log(r.sharpness))),
        (RECALL, lambda r: r.recall),
        (RAREST, lambda r: r.rarest_class_percent),
    )
    return tuple(
        verdict_table(
            [
                decide(m, side(result, gan, value), side(result, rows[name], value))
                for m, value in measures
            ]
        )
        for name in MATCHED[1:]
    )


@checks.arguments(k=checks.COUNT)
def one_seed_table(rows: Sequence[Row], real: SampleScores, k: int) -> Table:
    """The chapter's table of one seed: every set of samples, then real test images."""
    cells: list[list[str | Message]] = []
    for r in [*rows, real]:
        if isinstance(r, Row):
            own: list[str | Message] = [
                label(r.model),
                label(r.trained_on),
                label(r.samples) if r.samples != "G(z)" else "G(z)",
                f"{r.parameters:,}",
                f"{r.seconds:.0f}",
            ]
            nll: str | Message = (
                say("none: no density") if r.test_nll is None else f"{r.test_nll:.1f}"
            )
        else:
            own = [say("real test images"), "", say("grey-level digits"), "", ""]
            nll = ""
        cells.append(
            [
                *own,
                f"{r.frechet:.1f}",
                f"{r.precision:.2f}, {r.recall:.2f}",
                f"{r.rarest_class_percent:.1f}",
                f"{r.class_kl:.3f}",
                f"{r.greyness:.2f}",
                f"{r.sharpness:.2f}",
                nll,
            ]
        )
    return Table(
        [
            say("model"),
            say("trained on"),
            say("samples judged"),
            say("parameters"),
            say("training time (s)"),
            say("Fréchet distance"),
            say("precision, recall"),
            say("rarest digit (%)"),
            say("KL of digit shares to the test set's (nats)"),
            say("greyness"),
            say("sharpness"),
            say("test NLL bound (nats, −IWAE, k = {k})", k=str(k)),
        ],
        cells,
    )
