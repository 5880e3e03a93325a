"""The GAN chapter's tables and verdicts on the 2-D benchmarks: the chapter's own runs and the
seeds of ``benchmarks/gan_modes.py``, beside the published rows, decided by the rule of
:mod:`vaecore.book.verdicts`."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Mapping, Sequence

from vaecore import checks
from vaecore.book.findings import label
from vaecore.book.messages import Message, Table, Text, listed, say, span
from vaecore.book.spread import mean_sd
from vaecore.book.verdicts import Budget, Measure, Side, decide, verdict_table
from vaecore.data.mixtures import BENCHMARKS
from vaecore.experiments.toy_gans import recipe
from vaecore.metrics.modes import ModeReport
from vaecore.train_gan import GANHistory

__all__ = [
    "BENCHES",
    "CAPTURED",
    "HIGH_QUALITY",
    "REVERSE_KL",
    "ModeRuns",
    "from_reports",
    "from_benchmark",
    "benchmark_runs",
    "chapter_runs",
    "table",
    "compare",
    "plain_gan",
    "beside_published",
    "every_mode",
]

#: The chapter's own runs, by name.
PLAIN, R1 = say("plain GAN"), say("GAN + R1")
#: The two benchmarks, in the order of the tables.
BENCHES = ("ring", "grid")

CAPTURED = Measure(say("modes captured"), higher=True)
HIGH_QUALITY = Measure(say("the high-quality share"), higher=True)
REVERSE_KL = Measure(say("the reverse KL"), higher=False, digits=2)


@dataclass(frozen=True)
class ModeRuns:
    """Several runs of one 2-D model on one benchmark: its ``name``, each run's modes captured,
    high-quality share (%) and reverse KL, and the budget of a run."""

    name: Message
    captured: Sequence[float]
    high_quality: Sequence[float]
    reverse_kl: Sequence[float]
    budget: Budget

    def side(self, measure: Measure) -> Side:
        """The runs as a side of the rule on ``measure`` (one of this module's three)."""
        if measure is CAPTURED:
            return Side(self.name, list(self.captured), self.budget)
        if measure is HIGH_QUALITY:
            return Side(self.name, list(self.high_quality), self.budget)
        return Side(self.name, list(self.reverse_kl), self.budget)


@checks.arguments(steps=checks.COUNT)
def from_reports(
    name: Message, runs: Sequence[tuple[ModeReport, GANHistory]], steps: int
) -> ModeRuns:
    """The chapter's own runs: ``(report, history)`` pairs of one model on one benchmark."""
    seconds = sum(h.seconds for _, h in runs) / len(runs)
    return ModeRuns(
        name,
        [r.captured for r, _ in runs],
        [100 * r.high_quality for r, _ in runs],
        [r.reverse_kl for r, _ in runs],
        Budget(steps, "steps", seconds),
    )


def from_benchmark(result: Mapping[str, Any], model: str, bench: str) -> ModeRuns:
    """One model's seeds on ``bench`` from ``gan_modes.json`` (``model``: a key of
    ``vaecore.experiments.toy_gans.TOY_MODELS``, whose recipe gives its name and steps)."""
    b = result["results"][model][bench]
    run = recipe(model, bench)
    return ModeRuns(
        label(run.label),
        b["captured"]["values"],
        b["high_quality_percent"]["values"],
        b["reverse_kl"]["values"],
        Budget(run.steps, "steps", b["seconds_per_run"]["mean"]),
    )


def benchmark_runs(result: Mapping[str, Any], model: str) -> dict[str, ModeRuns]:
    """:func:`from_benchmark` on both benchmarks: ``{bench: runs}``."""
    return {bench: from_benchmark(result, model, bench) for bench in BENCHES}


@checks.arguments(steps=checks.COUNT)
def chapter_runs(
    name: Message, runs: Mapping[tuple[Any, ...], tuple[ModeReport, GANHistory]], steps: int
) -> dict[str, ModeRuns]:
    """:func:`from_reports` on both benchmarks, from the chapter's runs of one model, keyed by
    tuples whose first item is the benchmark (``(bench, seed)`` or ``(bench, kind, seed)``)."""
    return {
        bench: from_reports(name, [r for key, r in sorted(runs.items()) if key[0] == bench], steps)
        for bench in BENCHES
    }


def table(
    models: Sequence[Mapping[str, ModeRuns]],
    published: Mapping[str, Mapping[str, tuple[float, float]]] | None = None,
    names: Sequence[str] | None = None,
    published_kl: Mapping[str, Mapping[str, float]] | None = None,
) -> Table:
    """Modes captured, high-quality share and reverse KL on each benchmark: the ``published``
    rows (``{bench: {name: (modes, high quality %)}}``; only ``names`` if given; the reverse KLs
    of some, ``{name: {bench: kl}}``, from ``published_kl``), then each of ``models``
    (``{bench: runs}``), mean ± sd over the seeds."""
    cells: list[list[str | Message]] = []
    for bench in BENCHES:
        n_modes = str(len(BENCHMARKS[bench]().modes))
        for name, (modes, hq) in (published or {}).get(bench, {}).items():
            if names is not None and name not in names:
                continue
            kl = (published_kl or {}).get(name, {}).get(bench)
            cells.append(
                [
                    label(bench),
                    say("{name}, published", name=label(name)),
                    say("{m} of {n}", m=f"{modes}", n=n_modes),
                    f"{hq}",
                    "" if kl is None else f"{kl}",
                ]
            )
        for model in models:
            runs = model[bench]
            cells.append(
                [
                    label(bench),
                    say("**{name}, ours** ({n} seeds)", name=runs.name, n=str(len(runs.captured))),
                    say("{m} of {n}", m=mean_sd(runs.captured), n=n_modes),
                    mean_sd(runs.high_quality),
                    mean_sd(runs.reverse_kl, 2),
                ]
            )
    return Table(
        [
            say("benchmark"),
            say("model"),
            say("modes captured"),
            say("high quality (%)"),
            say("reverse KL (nats)"),
        ],
        cells,
        say("Ours: mean ± standard deviation over the seeds."),
    )


def compare(a: Mapping[str, ModeRuns], b: Mapping[str, ModeRuns]) -> Table:
    """The rule's verdicts of ``a`` against ``b`` (each ``{bench: runs}``), on each benchmark
    and each measure, as a table."""
    pairs = [(bench, m) for bench in BENCHES for m in (CAPTURED, HIGH_QUALITY, REVERSE_KL)]
    return verdict_table(
        [decide(m, a[bench].side(m), b[bench].side(m)) for bench, m in pairs],
        [label(bench) for bench, _ in pairs],
        say("benchmark"),
    )


@checks.arguments(steps=checks.COUNT)
def plain_gan(
    plain: Mapping[str, ModeRuns],
    published: Mapping[str, Mapping[str, tuple[float, float]]],
    steps: int,
) -> Text:
    """What the chapter's plain GAN did on each benchmark, beside the papers' baseline GANs."""

    def paper(bench: str, name: str) -> Message:
        modes, hq = published[bench][name]
        return say("modes captured {m}, high quality {hq}%", m=f"{modes:g}", hq=f"{hq}")

    ring, grid = plain["ring"], plain["grid"]
    found = [
        say(
            "At {steps} steps (about {s} s a run here), over {n} seeds, the plain GAN captured "
            "{ring_modes} of the 8 modes of the ring, with {ring_hq}% of its samples of high "
            "quality (the baseline GAN of VEEGAN's table: {veegan}; of PacGAN's: {pacgan}).",
            steps=f"{steps:,}",
            s=f"{ring.budget.seconds:.0f}",
            n=str(len(ring.captured)),
            ring_modes=span(ring.captured),
            ring_hq=span(ring.high_quality),
            veegan=paper("ring", "GAN (VEEGAN's Table 1)"),
            pacgan=paper("ring", "GAN (PacGAN's Table 1)"),
        )
    ]
    if min(ring.captured) > 1:
        found.append(say("No seed collapsed onto a single mode the way VEEGAN's baseline did."))
    found.append(
        say(
            "On the grid it captured {modes} of the 25 modes, and {hq}% of its samples lie "
            "within 3σ of a mode (PacGAN's baseline: {pacgan}).",
            modes=span(grid.captured),
            hq=span(grid.high_quality),
            pacgan=paper("grid", "GAN (PacGAN's Table 1)"),
        )
    )
    return Text(found)


def beside_published(
    runs: Mapping[str, ModeRuns],
    published: Mapping[str, Mapping[str, tuple[float, float]]],
    published_kl: Mapping[str, float],
    name: str,
) -> Text:
    """Our runs' means beside one published row, number by number, with no verdict: a published
    row is one number without its seeds, and the rule needs the runs of both sides."""
    found = []
    for bench, r in runs.items():
        modes, hq = published[bench][name]
        found.append(
            say(
                "On the {bench}, the mean of our runs: {m} modes ({name}: {pm}), {hq}% of high "
                "quality ({phq}%), reverse KL {kl} ({pkl}).",
                bench=label(bench),
                name=label(name),
                m=f"{sum(r.captured) / len(r.captured):.1f}",
                pm=f"{modes}",
                hq=f"{sum(r.high_quality) / len(r.high_quality):.1f}",
                phq=f"{hq}",
                kl=f"{sum(r.reverse_kl) / len(r.reverse_kl):.3f}",
                pkl=f"{published_kl[bench]}",
            )
        )
    every = all(min(r.captured) == len(BENCHMARKS[b]().modes) for b, r in runs.items())
    found.append(
        say("Every seed captured every mode on both benchmarks.")
        if every
        else say(
            "Not every seed captured every mode: {which}.",
            which=listed(
                [
                    say("{bench} {modes}", bench=label(b), modes=span(r.captured))
                    for b, r in runs.items()
                ]
            ),
        )
    )
    return Text(found)


def every_mode(models: Sequence[Mapping[str, ModeRuns]]) -> Text:
    """On how many of its seeds each model captured every mode of each benchmark: a count of
    one model's runs, not a comparison (the rule's verdicts are :func:`compare`'s)."""
    found = []
    for bench in BENCHES:
        n_modes = len(BENCHMARKS[bench]().modes)
        for model in models:
            runs = model[bench]
            found.append(
                say(
                    "On the {bench}, {name} captured every mode on {k} of its {n} seeds.",
                    bench=label(bench),
                    name=runs.name,
                    k=str(sum(c == n_modes for c in runs.captured)),
                    n=str(len(runs.captured)),
                )
            )
    return Text(found)
