"""The papers appendix: each benchmark's result file (``vaecore/book/results/<name>.json``) as a
table, beside the papers' numbers (:mod:`vaecore.book.published`), with the sentences under it.

A published number is one value without its seeds: it is shown beside ours, both numbers
stated, and never weighed by the rule. Orders between our own models, over their seeds, are the
rule's (:mod:`vaecore.book.verdicts`), through the chapters' own findings
(:mod:`~vaecore.book.findings.gan`, :mod:`~vaecore.book.findings.gan_images`,
:mod:`~vaecore.book.findings.vrnn`). A goal (a speed, a number of nats, a time) is a threshold
on our measurement, said as met or not met.

At over 500 lines this module is longer than CONTRIBUTING's 350: it is one page's findings, a
section per result file, kept together so that the layout says where a page's tables live (one
module per page)."""

from __future__ import annotations

from typing import Any, Mapping

from vaecore.book.findings import gan, gan_images, label, vrnn
from vaecore.book.messages import Message, Table, Text, say, span
from vaecore.book.published import (
    BURDA_2016,
    MNIST_FID,
    MODE_COVERAGE,
    PACGAN4_REVERSE_KL,
)
from vaecore.book.results import where
from vaecore.book.spread import mean_sd
from vaecore.experiments.handwriting import MODELS as STROKE_MODELS
from vaecore.experiments.handwriting import StrokeRun
from vaecore.experiments.toy_gans import recipe

__all__ = [
    "Result",
    "met",
    "LOOPS",
    "speed_table",
    "speed_goals",
    "MODE_PAIRS",
    "mode_table",
    "mode_models",
    "mode_verdicts",
    "images_table",
    "images_verdict",
    "vrnn_table",
    "vrnn_verdict",
    "book_table",
    "BUSY_GOAL",
    "SETUPS",
    "RUNS",
    "busy_table",
    "busy_goal",
    "EXPLORER_GOAL_MS",
    "explorer_table",
    "explorer_goal",
    "BURDA_VAE",
    "burda_table",
    "burda_differences",
    "burda_goal",
]

Result = Mapping[str, Any]


def met(ok: bool) -> Message:
    """A goal's outcome in words."""
    return say("met") if ok else say("not met")


# --- training speed ----------------------------------------------------------------------

#: The three loops of ``benchmarks/train_speed.py``, by their keys in its result file.
LOOPS = {
    "reference": say("`pytorch/examples` style (`DataLoader`, per-image dataset)"),
    "vaecore": say("`vaecore.train.fit`"),
    "bare": say("bare compute limit"),
}
#: The goals, ``vaecore`` at least this many times the reference's samples per second, and at
#: least this share of the bare compute limit's.
SPEED_GOAL, SHARE_GOAL = 2.0, 0.9


def speed_table(result: Result) -> Table:
    """Samples per second and seconds of each loop of ``train_speed.json``."""
    r = result["results"]
    return Table(
        [say("loop"), say("samples per second"), say("seconds")],
        [
            [name, f"{r[key]['samples_per_second']:,.0f}", f"{r[key]['seconds']:.1f}"]
            for key, name in LOOPS.items()
        ],
    )


def speed_goals(result: Result) -> Text:
    """Whether the three loops computed the same losses, the two goals, and what the compute
    limit allows on this machine."""
    faster, share = result["vaecore_over_reference"], result["vaecore_over_bare"]
    r = result["results"]
    limit = r["bare"]["samples_per_second"] / r["reference"]["samples_per_second"]
    found = [
        say("The three loops computed identical losses at every step.")
        if result["identical_losses"]
        else say(
            "The three loops' losses differed, by up to {d}.",
            d=f"{result['max_loss_difference']:.2g}",
        ),
        say(
            "`vaecore` processed {faster} times the reference's samples per second (the goal, "
            "at least {goal} times: {met}) and {share} of the compute limit's (the goal, at "
            "least {share_goal}: {share_met}), over {epochs} epochs of {images} images.",
            faster=f"{faster:.2f}",
            goal=f"{SPEED_GOAL:g}",
            met=met(faster >= SPEED_GOAL),
            share=f"{share:.1%}",
            share_goal=f"{SHARE_GOAL:.0%}",
            share_met=met(share >= SHARE_GOAL),
            epochs=str(result["budget"]["epochs"]),
            images=f"{result['budget']['images']:,}",
        ),
        say(
            "The compute limit itself is {limit} times the reference: no loop on this machine "
            "can process more than that many times the reference's samples per second, whatever "
            "its data handling.",
            limit=f"{limit:.2f}",
        ),
    ]
    if limit < SPEED_GOAL:
        found.append(say("So the first goal cannot be met on this machine."))
    return Text([*found, where(result)])


# --- mode collapse on the 2-D benchmarks ---------------------------------------------------

#: Pairs of models of ``gan_modes.json`` that the rule compares where the file holds both: the
#: R1 penalty against the plain GAN trained as long, and LSGAN against its variant with the
#: squared error on a sigmoid's output.
MODE_PAIRS = (("r1", "plain-12k"), ("least-squares", "least-squares-on-sigmoid"))


def _toy_label(key: str) -> Message:
    """The name of a model of :data:`~vaecore.experiments.toy_gans.TOY_MODELS`, from its recipe
    (not from the label a result file stored, which may be older)."""
    return label(recipe(key).label)


def mode_table(result: Result) -> Table:
    """Every model of ``gan_modes.json`` on both benchmarks (each named by its recipe in
    :data:`~vaecore.experiments.toy_gans.TOY_MODELS`), below the published rows."""
    models = [gan.benchmark_runs(result, key) for key in result["results"]]
    return gan.table(models, MODE_COVERAGE)


def mode_models(result: Result) -> Text:
    """Each model of ``gan_modes.json``: its name, the recipe it was run with, its seconds."""
    found = []
    for key, model in result["results"].items():
        seconds = [model[bench]["seconds_per_run"]["mean"] for bench in gan.BENCHES]
        found.append(
            say(
                "{name}: `{recipe}`; {seconds} s of CPU per run on average.",
                name=_toy_label(key),
                recipe=model["model"],
                seconds=span(seconds),
            )
        )
    return Text([*found, where(result)])


def mode_verdicts(result: Result) -> tuple[Table | Text, ...]:
    """The rule's verdicts on the pairs of :data:`MODE_PAIRS` the file holds (a table each),
    and the R1 runs' means beside PacGAN4's published row."""
    held = result["results"]
    shown: list[Table | Text] = [
        gan.compare(gan.benchmark_runs(result, a), gan.benchmark_runs(result, b))
        for a, b in MODE_PAIRS
        if a in held and b in held
    ]
    if "r1" in held:
        beside = gan.beside_published(
            gan.benchmark_runs(result, "r1"), MODE_COVERAGE, PACGAN4_REVERSE_KL, "PacGAN4"
        )
        intro = say(
            "{name} beside the published row of {row}, with no verdict (a published row has "
            "no seeds):",
            name=_toy_label("r1"),
            row=label("PacGAN4"),
        )
        shown.append(Text([intro, *beside.sentences]))
    return tuple(shown)


# --- GANs against VAEs on MNIST ------------------------------------------------------------


def images_table(result: Result) -> Table:
    """``gan_vs_vae.json``: every set of samples, then the published rows."""
    return gan_images.seed_table(result, MNIST_FID)


def images_verdict(result: Result) -> Text:
    """Which samples are closest to the data, by the rule, beside the papers' order."""
    found = gan_images.closest_verdict(result, MNIST_FID).sentences
    return Text([*found, where(result)])


# --- the VRNN against the RNNs -------------------------------------------------------------


def _stroke_model(key: str) -> Message:
    name = label(STROKE_MODELS[key])
    if key == "vrnn":
        return say("{model} (ELBO, a lower bound)", model=name)
    if key == "rnn_gmm":
        return say(
            "{model}, {k} components (exact log-likelihood)",
            model=name,
            k=str(StrokeRun(key).components),
        )
    return say("{model} (exact log-likelihood)", model=name)


def vrnn_table(result: Result) -> Table:
    """``vrnn_vs_rnn.json``: each model's parameters, test bound per drawing and per step, and
    the VRNN's importance-weighted bound, mean ± sd over the seeds."""
    r = result["results"]
    rows: list[list[str | Message]] = []
    for key in r:
        iw = mean_sd(r[key]["iw_bound"]["values"]) if key == "vrnn" else say("same")
        rows.append(
            [
                _stroke_model(key),
                f"{r[key]['parameters']:,}",
                mean_sd(r[key]["bound"]["values"]),
                mean_sd(r[key]["bound_per_step"]["values"], 3),
                iw,
            ]
        )
    seeds = {len(r[key]["bound"]["values"]) for key in r}
    return Table(
        [
            say("model"),
            say("parameters"),
            say("test bound per drawing"),
            say("per step"),
            say("importance-weighted, per drawing"),
        ],
        rows,
        say(
            "Mean ± standard deviation over {n} seeds, {epochs} epochs each; nats of the integer "
            "strokes, higher is better.",
            n=span(sorted(seeds)),
            epochs=span(list(result["budget"]["epochs"].values())),
        ),
    )


def vrnn_verdict(result: Result) -> Text:
    """The VRNN chapter's verdict (:func:`vaecore.book.findings.vrnn.verdict`) on the seeds of
    ``vrnn_vs_rnn.json``."""
    found = vrnn.verdict(vrnn.sides_from_benchmark(result)).sentences
    return Text([*found, where(result)])


# --- the book itself -----------------------------------------------------------------------


def book_table(result: Result) -> Table:
    """``book.json``: each page's seconds in both settings, its kernel's peak memory in the full
    setting and its size, then the whole build and the Chinese edition."""
    full, quick = result["results"]["full"], result["results"]["quick"]
    peaks = full.get("chapter_peak_mb", {})
    rows: list[list[str | Message]] = [
        [
            f"`{page}`",
            str(full["chapter_seconds"].get(page, "")),
            str(quick["chapter_seconds"].get(page, "")),
            f"{peaks[page]:,}" if page in peaks else "",
            f"{size / 1e6:.2f}",
        ]
        for page, size in full["page_bytes"].items()
    ]
    rows.append(
        [say("**whole build**"), str(full["build_seconds"]), str(quick["build_seconds"]), "", ""]
    )
    chinese = [str(run.get("chinese_edition_seconds", "")) for run in (full, quick)]
    rows.append([say("**Chinese edition**, from the same outputs"), *chinese, "", ""])
    return Table(
        [
            say("page"),
            say("full setting (s)"),
            say("quick mode (s)"),
            say("peak memory, full (MB)"),
            say("page with images, full (MB)"),
        ],
        rows,
        where(result),
    )


# --- a busy machine --------------------------------------------------------------------------

#: The goal of ``benchmarks/busy_machine.py``: with vaecore's threading, CPU burners beside a run
#: slow it down at most this many times.
BUSY_GOAL = 1.5
#: The threading set-ups the benchmark compares, in words.
SETUPS = {
    "vaecore": say("vaecore's (threads follow the load)"),
    "passive": say("idle threads sleep at once"),
    "one thread": say("one thread"),
    "torch first": say("PyTorch's own (torch imported first)"),
}
#: What each part of the benchmark ran, in words.
RUNS = {"epoch": say("one epoch of the VAE"), "chapter": say("the autoencoder chapter, full")}


def busy_table(result: Result) -> Table:
    """``busy_machine.json``: for each run and threading set-up, its threads, its median seconds
    idle and beside the burners, and the ratio."""
    rows: list[list[str | Message]] = []
    for run, setups in result["results"].items():
        for setup, row in setups.items():
            rows.append(
                [
                    RUNS[run],
                    SETUPS[setup],
                    str(row.get("threads", "")),
                    f"{row['idle']['median_seconds']:.1f}",
                    f"{row['busy']['median_seconds']:.1f}",
                    f"{row['busy_over_idle']:.2f}",
                ]
            )
    return Table(
        [
            say("run"),
            say("threading"),
            say("threads"),
            say("idle (s)"),
            say("busy (s)"),
            say("busy / idle"),
        ],
        rows,
        where(result),
    )


def busy_goal(result: Result) -> Text:
    """vaecore's slow-down beside the burners against the goal, and PyTorch's own beside it."""
    runs = result["results"]
    ours = {run: setups["vaecore"]["busy_over_idle"] for run, setups in runs.items() if setups}
    worst = max(ours.values())
    sentences = [
        say(
            "Beside another program running {burners} processes that only spin, vaecore's "
            "threading took at most {worst} times as long as on the idle machine; the goal, at "
            "most {goal} times, is {met}.",
            burners=str(result["budget"]["burners"]),
            worst=f"{worst:.2f}",
            goal=f"{BUSY_GOAL}",
            met=met(worst <= BUSY_GOAL),
        )
    ]
    own = runs["epoch"].get("torch first")
    if own:
        sentences.append(
            say(
                "With PyTorch's own threading the epoch took {ratio} times as long: its idle "
                "threads spin, and take the processors from the threads with work.",
                ratio=f"{own['busy_over_idle']:.1f}",
            )
        )
    return Text([*sentences, where(result)])


# --- the latent explorers ------------------------------------------------------------------

#: The goal of ``benchmarks/explorer_update.py``: a median update under this many milliseconds.
EXPLORER_GOAL_MS = 100


def explorer_table(result: Result) -> Table:
    """``explorer_update.json``: each explorer's update times and static size. The explorers'
    names are the benchmark's, shown as written."""
    return Table(
        [
            say("explorer"),
            say("median update (ms)"),
            say("95th percentile (ms)"),
            say("static HTML (kB)"),
        ],
        [
            [f"`{name}`", f"{r['median_ms']:.1f}", f"{r['p95_ms']:.1f}", f"{r['static_kb']:.0f}"]
            for name, r in result["results"].items()
        ],
    )


def explorer_goal(result: Result) -> Text:
    """The slowest median update against the goal."""
    slowest = max(r["median_ms"] for r in result["results"].values())
    return Text(
        [
            say(
                "The goal, a median update under {goal} ms for every explorer, is {met}: the "
                "slowest median was {slowest} ms, over {moves} moves each.",
                goal=str(EXPLORER_GOAL_MS),
                met=met(slowest < EXPLORER_GOAL_MS),
                slowest=f"{slowest:.1f}",
                moves=str(result["budget"]["moves"]),
            ),
            say(
                "The weights are untrained, so the static sizes are those of noisy decoders; "
                "trained ones compress better."
            ),
            where(result),
        ]
    )


# --- a VAE's likelihood against Burda et al. -----------------------------------------------

#: The goal of ``benchmarks/burda_nll.py``: within this many nats of the paper's VAE, in at
#: most this many minutes of training.
BURDA_MARGIN, BURDA_MINUTES = 1.5, 60
#: The paper's row of the VAE that :data:`~vaecore.book.published.BURDA_2016` holds.
BURDA_VAE = "VAE, k=1 training, k=5000 test"


def burda_table(result: Result) -> Table:
    """``burda_nll.json``: the paper's VAE and IWAEs, and ours."""
    r, b = result["results"], result["budget"]
    epochs = say("{epochs} epochs", epochs=f"{BURDA_2016['epochs']:,.0f}")
    return Table(
        [say("model"), say("training"), say("test NLL (nats)")],
        [
            [say("VAE, Burda et al."), epochs, f"{BURDA_2016[BURDA_VAE]}"],
            [
                say("IWAE, k = 5 / k = 50, Burda et al."),
                epochs,
                f"{BURDA_2016['IWAE k=5']} / {BURDA_2016['IWAE k=50']}",
            ],
            [
                say("**VAE of their shape, ours** (differences below)"),
                say(
                    "{epochs} epochs, {minutes} minutes",
                    epochs=f"{b['epochs']:,}",
                    minutes=f"{r['train_minutes']:.1f}",
                ),
                f"{r['test_nll']:.2f}",
            ],
        ],
    )


def burda_differences(result: Result) -> Table:
    """What differs between the paper's VAE and ours (from ``benchmarks/burda_nll.py`` and from
    the paper and its code, github.com/yburda/iwae), and what is the same."""
    b = result["budget"]
    return Table(
        ["", say("Burda et al."), say("ours")],
        [
            [say("hidden units"), "tanh", "ReLU"],
            [say("optimiser"), say("Adam, ε = 10⁻⁴"), say("Adam, ε = 10⁻⁸ (PyTorch's default)")],
            [
                say("learning rate"),
                say("10⁻³ · 10^(−i/7) for 3^i epochs, i = 0, …, 7"),
                say("10⁻³, annealed to 0 by a cosine over the run"),
            ],
            [
                say("epochs"),
                f"{BURDA_2016['epochs']:,.0f}",
                say(
                    "{epochs}, as many as fit in {minutes} minutes",
                    epochs=f"{b['epochs']:,}",
                    minutes=f"{b['minutes']:.0f}",
                ),
            ],
            [say("batch size"), "20", "128"],
            [
                say("training images"),
                say("60,000 less 400 held out for validation (their code)"),
                f"{b['train_images']:,}",
            ],
            [
                say("initialisation"),
                say("decoder's output bias at the logit of the mean training pixel (their code)"),
                say("PyTorch's default"),
            ],
            [
                say("test NLL"),
                say("k = 5000 on 10,000 test images"),
                say(
                    "k = {k} on {images} test images",
                    k=str(b["k"]),
                    images=f"{b['test_images']:,}",
                ),
            ],
        ],
        say(
            "The same in both: 784–200–200–50, a Gaussian q(z | x), a Bernoulli decoder, "
            "training images binarised afresh each time they are seen, and test images "
            "binarised once with a fixed seed."
        ),
    )


def burda_goal(result: Result) -> Text:
    """Our test NLL and the paper's, both stated, and whether the goal was met."""
    r, b = result["results"], result["budget"]
    theirs = BURDA_2016[BURDA_VAE]
    goal = theirs + BURDA_MARGIN
    return Text(
        [
            say(
                "Test NLL: ours {ours} nats after {epochs} epochs ({minutes} minutes of "
                "training), theirs {theirs} nats after {their_epochs} epochs, with the "
                "differences above.",
                ours=f"{r['test_nll']:.2f}",
                epochs=f"{b['epochs']:,}",
                minutes=f"{r['train_minutes']:.1f}",
                theirs=f"{theirs}",
                their_epochs=f"{BURDA_2016['epochs']:,.0f}",
            ),
            say(
                "The goal, at most {goal} nats within {limit} minutes of training, is {met}.",
                goal=f"{goal:.2f}",
                limit=str(BURDA_MINUTES),
                met=met(r["test_nll"] <= goal and r["train_minutes"] <= BURDA_MINUTES),
            ),
            say(
                "Our final test −ELBO is {elbo} nats; the k = {k} estimate took {minutes} minutes.",
                elbo=f"{r['test_neg_elbo']:.2f}",
                k=str(b["k"]),
                minutes=f"{r['nll_minutes']:.1f}",
            ),
            where(result),
        ]
    )
