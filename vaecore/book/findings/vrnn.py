"""The VRNN chapter's verdict, which the side-by-side chapter's "sequences" row repeats: the VRNN
against the two RNNs without latent variables, by the rule of :mod:`vaecore.book.verdicts`.

The VRNN's log-likelihood is known only from below (its importance-weighted bound, the tighter of
its two bounds); the RNNs' exactly. So the VRNN can be found ahead of an RNN (its bound above the
RNN's log-likelihood on every run), but never behind one: where an RNN's log-likelihood is above
the bound, the VRNN's true value may still be higher.

Longer than CONTRIBUTING's 350 lines: one chapter's findings, a table and the verdict that reads it
side by side, kept together so that the layout says where a page's tables live (one module per
page)."""

from __future__ import annotations

import math
from typing import Any, Mapping, Sequence

import torch

from vaecore import checks
from vaecore.book.findings import label
from vaecore.book.messages import Field, Message, Table, Text, listed, say
from vaecore.book.published import CHUNG_2015, CHUNG_2015_ESTIMATES
from vaecore.book.spread import mean_sd, mean_se
from vaecore.book.verdicts import Budget, Measure, Ranking, Side, Verdict, decide, rank
from vaecore.experiments.handwriting import MODELS

__all__ = [
    "NAMES",
    "LOG_LIKELIHOOD",
    "sequence_sides",
    "sides_from_benchmark",
    "against_rnns",
    "sequence_choice",
    "verdict",
    "QUALIFIED",
    "benchmark_table",
    "chapter_sides",
    "chapter_table",
    "mixture_share",
    "MOVE_BINS",
    "kl_by_move",
    "published_shares",
    "chung_table",
    "chung_direction",
]

#: The models' names in a sentence, by their keys in :data:`vaecore.experiments.handwriting.MODELS`.
NAMES = {"vrnn": say("the VRNN"), "rnn": say("RNN-Gauss"), "rnn_gmm": say("RNN-GMM")}
LOG_LIKELIHOOD = Measure(say("the test log-likelihood per drawing"), higher=True)


def sequence_sides(
    bounds: Mapping[str, Sequence[float]],
    vrnn_iw_bound: Sequence[float],
    seconds: Mapping[str, Sequence[float]],
    epochs: Mapping[str, int],
) -> dict[str, Side]:
    """The three models as sides: ``bounds`` are the RNNs' exact test log-likelihoods per
    drawing (one per seed), ``vrnn_iw_bound`` the VRNN's importance-weighted bounds, ``seconds``
    each model's training time per seed, ``epochs`` each model's epochs."""
    sides = {}
    for model, name in NAMES.items():
        values = vrnn_iw_bound if model == "vrnn" else bounds[model]
        budget = Budget(epochs[model], "epochs", sum(seconds[model]) / len(seconds[model]))
        kind = "lower bound" if model == "vrnn" else "exact"
        sides[model] = Side(name, list(values), budget, kind=kind)
    return sides


def sides_from_benchmark(result: Mapping[str, Any]) -> dict[str, Side]:
    """:func:`sequence_sides` from the result file of ``benchmarks/vrnn_vs_rnn.py``."""
    r = result["results"]
    return sequence_sides(
        {m: r[m]["bound"]["values"] for m in NAMES},
        r["vrnn"]["iw_bound"]["values"],
        {m: r[m]["seconds_per_run"]["values"] for m in NAMES},
        result["budget"]["epochs"],
    )


def against_rnns(sides: Mapping[str, Side]) -> tuple[Verdict, Verdict]:
    """The rule's verdicts of the VRNN against RNN-Gauss and against RNN-GMM."""
    return (
        decide(LOG_LIKELIHOOD, sides["vrnn"], sides["rnn"]),
        decide(LOG_LIKELIHOOD, sides["vrnn"], sides["rnn_gmm"]),
    )


def sequence_choice(sides: Mapping[str, Side]) -> Ranking:
    """The three models ranked by the rule (the side-by-side chapter's "sequences" row)."""
    return rank(LOG_LIKELIHOOD, list(sides.values()))


def verdict(sides: Mapping[str, Side]) -> Text:
    """The chapter's verdict: the rule against each RNN, and, where RNN-GMM's exact
    log-likelihood is above the VRNN's bound on every run, what that does and does not say."""
    gauss, gmm = against_rnns(sides)
    found = [gauss.sentence(), gmm.sentence()]
    vrnn, mixture = sides["vrnn"], sides["rnn_gmm"]
    # The bound itself as a number, against RNN-GMM's: the rule on the values as measured.
    bound = Side(vrnn.name, vrnn.values, vrnn.budget)
    if gmm.leader is None and decide(LOG_LIKELIHOOD, mixture, bound).leader is mixture:
        found.append(
            say(
                "RNN-GMM's exact log-likelihood was above even the VRNN's importance-weighted "
                "bound on every seed; the VRNN's true log-likelihood lies above that bound by an "
                "amount not measured, so this does not show the VRNN worse, only that nothing "
                "measured here shows it better."
            )
        )
    return Text(found)


#: The models with what their numbers are, for the side-by-side chapter's table.
QUALIFIED = {
    "vrnn": say("VRNN (ELBO, a lower bound)"),
    "rnn": say("RNN-Gauss (exact log-likelihood)"),
    "rnn_gmm": say("RNN-GMM (exact log-likelihood)"),
}


def benchmark_table(result: Mapping[str, Any]) -> Table:
    """The three models of ``benchmarks/vrnn_vs_rnn.py``: parameters, test log-likelihood per
    drawing and per step (the VRNN's ELBO), mean ± standard error over the seeds."""
    r = result["results"]
    rows: list[list[str | Message]] = [
        [
            QUALIFIED[model],
            f"{r[model]['parameters']:,}",
            mean_se(r[model]["bound"]),
            mean_se(r[model]["bound_per_step"], 3),
        ]
        for model in QUALIFIED
    ]
    return Table(
        [
            say("model"),
            say("parameters"),
            say("test log-likelihood per drawing (nats)"),
            say("per step"),
        ],
        rows,
        say(
            "Mean ± standard error over {n} seeds.",
            n=str(len(r["vrnn"]["bound"]["values"])),
        ),
    )


def chapter_sides(
    results: Mapping[tuple[str, int], Any], seeds: Sequence[int], epochs: Mapping[str, int]
) -> dict[str, Side]:
    """:func:`sequence_sides` from the chapter's runs, ``{(model, seed): StrokeResult}``."""
    return sequence_sides(
        {m: [results[(m, s)].test["bound"] for s in seeds] for m in NAMES},
        [results[("vrnn", s)].test["iw_bound"] for s in seeds],
        {m: [results[(m, s)].seconds for s in seeds] for m in NAMES},
        epochs,
    )


def chapter_table(results: Mapping[tuple[str, int], Any], seeds: Sequence[int]) -> Table:
    """The chapter's runs: per model its parameters, test bound per drawing and per step (the
    VRNN's ELBO, the RNNs' exact log-likelihood) and the VRNN's importance-weighted bound,
    mean ± sd over ``seeds``."""
    rows: list[list[str | Message]] = []
    for model, name in MODELS.items():
        rs = [results[(model, s)] for s in seeds]
        if model == "vrnn":
            what = say("{v}: ELBO", v=mean_sd([r.test["bound"] for r in rs]))
            iw: list[str | Message] = [
                say(
                    "{v} (k = {k})",
                    v=mean_sd([r.test["iw_bound"] for r in rs]),
                    k=str(rs[0].run.iw_samples),
                ),
                mean_sd([r.test["iw_bound_per_step"] for r in rs], 3),
            ]
        else:
            what = say("{v}: log-likelihood (exact)", v=mean_sd([r.test["bound"] for r in rs]))
            iw = [say("same (exact)"), ""]
        rows.append(
            [
                say("**{name}**, ours, {n} seeds", name=label(name), n=str(len(rs))),
                f"{rs[0].parameters:,}",
                what,
                mean_sd([r.test["bound_per_step"] for r in rs], 3),
                *iw,
            ]
        )
    return Table(
        [
            say("model"),
            say("parameters"),
            say("test bound per drawing (nats)"),
            say("per step (nats)"),
            say("importance-weighted, per drawing"),
            say("per step"),
        ],
        rows,
        say("Ours: mean ± standard deviation over the seeds."),
    )


def mixture_share(sides: Mapping[str, Side]) -> Text:
    """How much of the VRNN's lead over RNN-Gauss RNN-GMM's mixture output recovers, seed by
    seed (the VRNN's importance-weighted bound standing for its log-likelihood)."""
    vrnn, gauss, gmm = (sides[m].values for m in ("vrnn", "rnn", "rnn_gmm"))
    shares = [(m - g) / (v - g) for v, g, m in zip(vrnn, gauss, gmm)]
    return Text(
        [
            say(
                "RNN-GMM's gain over RNN-Gauss is {lo} to {hi} of the VRNN's bound's gain over "
                "RNN-Gauss, seed by seed.",
                lo=f"{min(shares):.0%}",
                hi=f"{max(shares):.0%}",
            )
        ]
    )


#: The bins of a move's length within a stroke, in tablet units, for :func:`kl_by_move`.
MOVE_BINS = ((0.0, 25.0), (25.0, 50.0), (50.0, 100.0), (100.0, math.inf))


@checks.arguments(scale=checks.POSITIVE)
def kl_by_move(
    terms: Mapping[str, torch.Tensor], mask: torch.Tensor, strokes: torch.Tensor, scale: float
) -> Table:
    """Where the VRNN spends its latent nats: the mean KL and reconstruction term per step,
    over all real steps, over moves within a stroke by their length (:data:`MOVE_BINS`), and over
    the jumps to a new stroke. ``terms``: ``VRNN.step_terms``' ``"kl"`` and ``"log_px"``, ``(n,
    T)``; ``mask``, ``strokes``: the test set's, ``(n, T_max)`` and ``(n, T_max, 3)``."""
    kl, log_px = terms["kl"], terms["log_px"]
    steps = kl.shape[1]
    real = mask[:, :steps] > 0
    offsets, pen = strokes[:, :steps, :2], strokes[:, :steps, 2]
    jump = torch.zeros_like(real)
    jump[:, 1:] = pen[:, :-1] > 0.5  # the move to the first point of a new stroke
    jump &= real
    move = offsets.norm(dim=-1) * scale  # the length of each move, in tablet units

    def row(name: Message, chosen: torch.Tensor) -> list[str | Message]:
        share = float(chosen.sum() / real.sum())
        return [name, f"{share:.0%}", f"{kl[chosen].mean():.2f}", f"{log_px[chosen].mean():.2f}"]

    rows = [row(say("all"), real)]
    for lo, hi in MOVE_BINS:
        chosen = real & ~jump & (move >= lo) & (move < hi)
        name = (
            say("moves within a stroke of {lo} to {hi} units", lo=f"{lo:.0f}", hi=f"{hi:.0f}")
            if hi < math.inf
            else say("moves within a stroke of {lo} units or more", lo=f"{lo:.0f}")
        )
        rows.append(row(name, chosen))
    rows.append(
        row(
            say("jumps to a new stroke (median {m} units)", m=f"{move[jump].median():.0f}"),
            jump,
        )
    )
    return Table(
        [
            say("steps"),
            say("share of steps"),
            say("mean KL (nats)"),
            say("mean reconstruction term (nats, scaled units)"),
        ],
        rows,
    )


def published_shares(table: Mapping[str, Mapping[str, float]]) -> Text:
    """In Chung et al.'s table (``vaecore.book.published.CHUNG_2015``), how much of VRNN-Gauss's
    gain over RNN-Gauss RNN-GMM's mixture output reaches, dataset by dataset (the VRNN's lower
    bound standing for its log-likelihood)."""
    found = []
    for data in table["RNN-Gauss"]:
        gauss, gmm, vrnn = (table[m][data] for m in ("RNN-Gauss", "RNN-GMM", "VRNN-Gauss"))
        found.append(
            say(
                "{data}: RNN-GMM's gain over RNN-Gauss is {share} of VRNN-Gauss's.",
                data=label(data),
                share=f"{(gmm - gauss) / (vrnn - gauss):.0%}",
            )
        )
    return Text(found)


def chung_table(
    table: Mapping[str, Mapping[str, float]] = CHUNG_2015,
    estimates: Mapping[str, Mapping[str, float]] = CHUNG_2015_ESTIMATES,
) -> Table:
    """Chung et al.'s (2015) Table 1 as copied to :data:`~vaecore.book.published.CHUNG_2015`:
    the RNNs' exact log-likelihoods, the VRNNs' lower bounds with their estimates."""
    datasets = list(dict.fromkeys(d for row in table.values() for d in row))
    rows: list[list[str | Message]] = []
    for name, row in table.items():
        cells: list[str | Message] = [label(name)]
        for data in datasets:
            value = row[data]
            if name in estimates:
                cells.append(f"≥ {value:,.0f} (≈ {estimates[name][data]:,.0f})")
            else:
                cells.append(f"{value:,.0f}")
        rows.append(cells)
    return Table(
        [say("Chung et al. 2015, Table 1"), *(label(d) for d in datasets)],
        rows,
        say(
            "Average log-likelihood per test sequence: exact for the RNNs; for the VRNNs, the "
            "lower bound (≥) and the importance-sampled estimate (≈). Log-densities of "
            "real-valued speech frames and pen positions, on other data and other scales than "
            "ours."
        ),
    )


def chung_direction(
    table: Mapping[str, Mapping[str, float]] = CHUNG_2015,
    estimates: Mapping[str, Mapping[str, float]] = CHUNG_2015_ESTIMATES,
) -> Text:
    """Where, in Chung et al.'s numbers, each VRNN's lower bound lies against the RNNs' exact
    log-likelihoods, dataset by dataset. A bound above an exact value places the VRNN above it;
    a bound below one does not place it below, and the sentence gives the estimate beside it."""
    datasets = list(dict.fromkeys(d for row in table.values() for d in row))
    bounds = [name for name in table if name in estimates]
    exact = [name for name in table if name not in estimates]
    every: list[Message] = []
    found: list[Message] = []
    for data in datasets:
        short = [(v, e) for v in bounds for e in exact if table[v][data] <= table[e][data]]
        if not short:
            every.append(label(data))
            continue
        clear = [v for v in bounds if all(v != s for s, _ in short)]
        if clear:
            found.append(
                say(
                    "On {data}, the lower bound of {names} is above the exact log-likelihood of "
                    "every RNN in the table.",
                    data=label(data),
                    names=listed([label(v) for v in clear]),
                )
            )
        for v, e in short:
            numbers: dict[str, Field] = {
                "data": label(data),
                "vrnn": label(v),
                "bound": f"{table[v][data]:,.0f}",
                "rnn": label(e),
                "exact": f"{table[e][data]:,.0f}",
                "estimate": f"{estimates[v][data]:,.0f}",
            }
            found.append(
                say(
                    "On {data}, the lower bound of {vrnn}, {bound}, is below the exact "
                    "log-likelihood of {rnn}, {exact}, and so is its importance-sampled "
                    "estimate, {estimate}; a lower bound below an exact value does not order "
                    "the two.",
                    **numbers,
                )
                if estimates[v][data] <= table[e][data]
                else say(
                    "On {data}, the lower bound of {vrnn}, {bound}, is below the exact "
                    "log-likelihood of {rnn}, {exact}; its importance-sampled estimate, "
                    "{estimate}, is above it.",
                    **numbers,
                )
            )
    if every:
        found.insert(
            0,
            say(
                "In Chung et al.'s numbers, on {datasets}, the lower bound of every VRNN in the "
                "table is above the exact log-likelihood of every RNN.",
                datasets=listed(every),
            ),
        )
    return Text(found)
