"""The side-by-side chapter's tables and its "which model for what" verdicts, from the seeds of
``benchmarks/side_by_side_seeds.py`` (and of the VRNN and "GANs on images" benchmarks), decided
by the rule of :mod:`vaecore.book.verdicts`."""

from __future__ import annotations

from operator import attrgetter
from typing import Any, Sequence

import torch

from vaecore import checks
from vaecore.book.findings import by_seed, gan_images, label, vrnn
from vaecore.book.messages import Message, Table, Text, say, series
from vaecore.book.spread import mean_sd
from vaecore.book.verdicts import Budget, Measure, Ranking, Side, rank
from vaecore.experiments.side_by_side import Scores
from vaecore.metrics.images import greyness, sharpness
from vaecore.metrics.judge import SampleJudge

__all__ = [
    "NEEDS",
    "COLUMNS",
    "runs_from_result",
    "sides",
    "seed_table",
    "evidence",
    "recommendations",
    "judge_check",
    "one_seed_tables",
    "burda_sentence",
    "one_seed_note",
]

#: The needs the table decides, each with the field of
#: :class:`~vaecore.experiments.side_by_side.Scores` that measures it.
NEEDS: tuple[tuple[Message, str, Measure], ...] = (
    (
        say("compression (reconstruction error per pixel)"),
        "reconstruction_mse",
        Measure(say("the reconstruction error"), higher=False, digits=5),
    ),
    (
        say("likelihoods (test NLL bound, nats)"),
        "test_nll",
        Measure(say("the test NLL bound"), higher=False, digits=1),
    ),
    (
        say("samples close to the data (Fréchet distance)"),
        "frechet",
        Measure(say("the Fréchet distance"), higher=False, digits=1),
    ),
    (
        say("realistic samples (precision)"),
        "precision",
        Measure(say("precision"), higher=True, digits=2),
    ),
    (
        say("samples that cover the data (recall)"),
        "recall",
        Measure(say("recall"), higher=True, digits=2),
    ),
    (
        say("balanced digits (KL of digit shares, nats)"),
        "class_kl",
        Measure(say("the KL of the digit shares"), higher=False, digits=3),
    ),
)

#: The columns of :func:`seed_table`: the field and its header.
COLUMNS: tuple[tuple[str, Message, int], ...] = (
    ("reconstruction_mse", say("reconstruction error per pixel"), 5),
    ("test_nll", say("test NLL bound (nats)"), 1),
    ("frechet", say("Fréchet distance"), 1),
    ("precision", say("precision"), 2),
    ("recall", say("recall"), 2),
    ("class_kl", say("KL of digit shares (nats)"), 3),
    ("sharpness", say("sharpness"), 2),
)


def runs_from_result(result: dict[str, Any]) -> list[list[Scores]]:
    """The per-seed :class:`~vaecore.experiments.side_by_side.Scores` of a
    ``side_by_side_seeds`` result file (``"runs"``)."""
    return [[Scores(**row) for row in run] for run in result["runs"]]


def _by_model(result: dict[str, Any]) -> dict[str, list[Scores]]:
    return by_seed(runs_from_result(result), attrgetter("model"))


def _budget(result: dict[str, Any], model: str, rows: Sequence[Scores]) -> Budget:
    """What each run of ``model`` was given: the GAN its steps, the encoder models their epochs."""
    seconds = sum(r.seconds for r in rows) / len(rows)
    if model == "GAN":
        return Budget(result["budget"]["sizes"]["gan_steps"], "steps", seconds)
    return Budget(result["budget"]["epochs"]["encoders"], "epochs", seconds)


def sides(result: dict[str, Any], field: str) -> list[Side]:
    """One side per model for which ``field`` is defined (the GAN has no NLL)."""
    return [
        Side(label(model), [getattr(r, field) for r in rows], _budget(result, model, rows))
        for model, rows in _by_model(result).items()
        if getattr(rows[0], field) is not None
    ]


def seed_table(result: dict[str, Any]) -> Table:
    """Each model's mean ± sd over the seeds, column by column (:data:`COLUMNS`)."""
    by_model = _by_model(result)
    rows = []
    for model, scores in by_model.items():
        cells: list[str | Message] = [label(model)]
        for field, _, digits in COLUMNS:
            values = [getattr(s, field) for s in scores]
            cells.append("" if values[0] is None else mean_sd(values, digits))
        rows.append(cells)
    return Table(
        [say("model"), *(header for _, header, _ in COLUMNS)],
        rows,
        say("Mean ± sd over {n} seeds.", n=str(len(next(iter(by_model.values()))))),
    )


def evidence(ranking: Ranking) -> Message:
    """Every side's mean ± sd, best first, as one cell."""
    order = [ranking.first, *(v.b for v in ranking.verdicts)]
    n = len(ranking.first.values)
    return say(
        "{values} (mean ± sd over {n} seeds)",
        values=series([say("{a} {v}", a=s.name, v=s.summary(ranking.measure)) for s in order]),
        n=str(n),
    )


def recommendations(
    result: dict[str, Any], sequences: dict[str, Any], conv: dict[str, Any]
) -> Table:
    """The chapter's verdict table: for each of :data:`NEEDS` the rule's choice over the seeds of
    ``result`` (``side_by_side_seeds``), then sequences from ``sequences`` (``vrnn_vs_rnn``) and
    samples with convolutional players from ``conv`` (``gan_vs_vae``)."""
    rows: list[list[str | Message]] = []
    for need, field, measure in NEEDS:
        ranking = rank(measure, sides(result, field))
        rows.append([need, ranking.choice(), evidence(ranking)])
    seq = vrnn.sequence_choice(vrnn.sides_from_benchmark(sequences))
    rows.append([say("sequences (Omniglot pen strokes)"), seq.choice(), evidence(seq)])
    closest = gan_images.closest_samples(conv)
    rows.append(
        [
            say(
                "samples close to the data, with convolutional players too (the GANs on images "
                "chapter)"
            ),
            closest.choice(),
            evidence(closest),
        ]
    )
    return Table([say("need"), say("choose"), say("evidence")], rows)


def judge_check(judge: SampleJudge, cases: dict[str, torch.Tensor], x_test: torch.Tensor) -> Table:
    """The judge on cases whose order is known (:func:`vaecore.metrics.judge.known_cases`): each
    case's Fréchet distance, precision, recall, sharpness (against ``x_test``) and greyness."""
    rows: list[list[str | Message]] = []
    for case, images in cases.items():
        precision, recall = judge.precision_recall(images)
        rows.append(
            [
                label(case),
                f"{judge.score(images):.1f}",
                f"{precision:.2f}",
                f"{recall:.2f}",
                f"{sharpness(images, x_test):.2f}",
                f"{greyness(images):.2f}",
            ]
        )
    return Table(
        [
            say("test digits"),
            say("Fréchet distance"),
            say("precision"),
            say("recall"),
            say("sharpness"),
            say("greyness"),
        ],
        rows,
    )


@checks.arguments(pca_error=checks.AT_LEAST_ZERO, latent_dim=checks.COUNT)
def one_seed_tables(
    scores: Sequence[Scores],
    codes: Sequence[str],
    sequences: dict[str, Any],
    pca_error: float,
    latent_dim: int,
    real: tuple[float, float, float, float, float],
    note: Message,
) -> tuple[Table, Table]:
    """The chapter's two tables of one seed: what each model costs and how well it codes
    (with the VRNN's row from its benchmark, ``sequences``, and PCA's reconstruction error as a
    baseline), then its samples beside the real test digits' ``real``: ``(floor, precision,
    recall, rarest digit %, greyness)``. ``codes``: where each model's samples come from."""
    missing = {"reconstruction_mse": say("no encoder"), "test_nll": say("no density")}
    rows: list[list[str | Message]] = []
    for s in scores:
        rows.append(
            [
                label(s.model),
                f"{s.parameters:,}",
                f"{s.seconds:.0f}",
                missing["reconstruction_mse"]
                if s.reconstruction_mse is None
                else f"{s.reconstruction_mse:.4f}",
                missing["test_nll"] if s.test_nll is None else f"{s.test_nll:.1f}",
            ]
        )
    v = sequences["results"]["vrnn"]
    rows.append(
        [
            say("VRNN, on Omniglot pen strokes (from its benchmark)"),
            f"{v['parameters']:,}",
            f"{v['seconds_per_run']['mean']:.0f}",
            say("not images"),
            say(
                "{nll} per drawing (k = {k})",
                nll=f"{-v['iw_bound']['mean']:.1f}",
                k=str(sequences["budget"]["iw_k"]),
            ),
        ]
    )
    rows.append([say("PCA, {k} components", k=str(latent_dim)), "", "", f"{pca_error:.4f}", ""])
    costs = Table(
        [
            say("model"),
            say("trained parameters"),
            say("training (s)"),
            say("reconstruction error per pixel"),
            say("test NLL bound (nats)"),
        ],
        rows,
    )
    samples: list[list[str | Message]] = [
        [
            say("{model} (from {codes})", model=label(s.model), codes=label(code)),
            f"{s.frechet:.1f}",
            f"{s.precision:.2f}",
            f"{s.recall:.2f}",
            f"{s.rarest_class_percent:.1f}",
            f"{s.class_kl:.3f}",
            f"{s.greyness:.2f}",
            f"{s.sharpness:.2f}",
        ]
        for s, code in zip(scores, codes)
    ]
    floor, precision, recall, rarest, grey = real
    samples.append(
        [
            say("real test digits"),
            say("{floor} (the floor)", floor=f"{floor:.2f}"),
            f"{precision:.2f}",
            f"{recall:.2f}",
            f"{rarest:.1f}",
            "0",
            f"{grey:.2f}",
            "1",
        ]
    )
    return costs, Table(
        [
            say("samples of"),
            say("Fréchet distance"),
            say("precision"),
            say("recall"),
            say("rarest digit (%)"),
            say("KL of digit shares (nats)"),
            say("greyness"),
            say("sharpness"),
        ],
        samples,
        note,
    )


def burda_sentence(burda: dict[str, Any], published: dict[str, float]) -> Text:
    """The long run of ``benchmarks/burda_nll.py`` beside Burda et al.'s number."""
    return Text(
        [
            say(
                "Trained for {minutes} minutes on this CPU, a VAE of Burda et al.'s size "
                "(784-200-200-50; the papers appendix lists how it differs from theirs) reaches "
                "a test NLL of {nll} nats with k = {k} (paper: {paper} after {epochs} epochs).",
                minutes=f"{burda['results']['train_minutes']:.0f}",
                nll=f"{burda['results']['test_nll']:.2f}",
                k=f"{burda['budget']['k']:,}",
                paper=f"{published['VAE, k=1 training, k=5000 test']}",
                epochs=f"{published['epochs']:,}",
            )
        ]
    )


@checks.arguments(k=checks.COUNT, n_nll=checks.COUNT, samples=checks.COUNT, n_test=checks.COUNT)
def one_seed_note(
    k: int, n_nll: int, samples: int, n_test: int, sequences: dict[str, Any]
) -> Message:
    """What the one-seed tables measured, in one sentence."""
    return say(
        "Test NLL: −IWAE with k = {k} on the first {n} binarised test digits; {s} samples per "
        "model; reconstructions of {t} test digits; one seed. VRNN: mean of {v} seeds.",
        k=f"{k:,}",
        n=f"{n_nll:,}",
        s=f"{samples:,}",
        t=f"{n_test:,}",
        v=str(sequences["budget"]["seeds"]),
    )
