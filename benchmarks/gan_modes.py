"""GAN mode coverage on the ring and grid benchmarks, many seeds, beside VEEGAN's and PacGAN's
tables.

The GAN chapter's 2-D models (``vaecore.experiments.toy_gans.TOY_MODELS``), chosen by
``--models``: by default (and in the committed ``results/gan_modes.json``) the GAN with a
**batch-normalised generator** (hidden layers Linear, BatchNorm, LeakyReLU; 6,000 steps), the
GAN with the **R1 penalty** (the plain players, gamma ``R1_GAMMA``, 12,000 steps), **LSGAN**
(the plain players on the least-squares loss; 6,000 steps), the same loss on a
**sigmoid-output discriminator** (the popular variant; 6,000 steps), and ``plain-12k``, the
**plain GAN trained as long as the R1 GAN** (12,000 steps), against which the penalty is
judged; ``plain`` is the plain GAN (hidden layers Linear, ReLU; 6,000 steps). Otherwise as in
the chapter: MLPs of 3 x 128 units, an unpacked discriminator, Adam 1e-3 annealed to 0,
batches of 256. Each model is trained
with ``--seeds`` seeds on each benchmark, two runs at a time; the report gives the mean and the
standard error of the modes captured, the share of high-quality samples and the reverse KL, on
2,500 samples per run.

    python benchmarks/gan_modes.py --quick                # seconds (CI)
    python benchmarks/gan_modes.py --out vaecore/book/results/gan_modes.json   # 10 seeds, ~50 min
    python benchmarks/gan_modes.py --models plain-12k --workers 1 \
        --into vaecore/book/results/gan_modes.json       # add one model to the committed file

``--into`` adds the models' results to an existing result file measured with the same seeds,
keeping its other models, and records each command that wrote the file (``commands``).
"""

from __future__ import annotations

import json
from pathlib import Path

from _report import QUICK_SEEDS, arguments, command, mean_se, write

from vaecore.book.published import MODE_COVERAGE, PACGAN4_REVERSE_KL
from vaecore.data.mixtures import BENCHMARKS
from vaecore.experiments.toy_gans import TOY_MODELS, ToyRun, run_toy_gans


def main() -> None:
    parser = arguments(__doc__, "2 seeds of 100 steps (CI)")
    parser.add_argument("--seeds", type=int, default=10)
    default = "batchnorm,r1,least-squares,least-squares-on-sigmoid,plain-12k"
    parser.add_argument(
        "--models",
        default=default,
        help=f"comma-separated, from {sorted(TOY_MODELS)} (default: {default})",
    )
    parser.add_argument("--workers", type=int, default=2, help="runs at a time (default 2)")
    parser.add_argument("--into", help="add the results to this result file (same seeds)")
    args = parser.parse_args()
    models = args.models.split(",")
    unknown = sorted(set(models) - set(TOY_MODELS))
    if unknown:
        parser.error(f"unknown models {unknown}; choose from {sorted(TOY_MODELS)}")
    seeds = QUICK_SEEDS if args.quick else args.seeds
    runs = {
        (model, bench, s): ToyRun(
            bench, seed=s, **{**TOY_MODELS[model], **({"steps": 100} if args.quick else {})}
        )
        for model in models
        for bench in ("ring", "grid")
        for s in range(seeds)
    }
    into = json.loads(Path(args.into).read_text()) if args.into else None
    measured = None if into is None else (into["budget"]["seeds"], into["budget"]["quick"])
    if measured is not None and measured != (seeds, args.quick):
        parser.error(f"{args.into} was measured with another budget: {into['budget']}")
    reports = dict(zip(runs, run_toy_gans(list(runs.values()), workers=args.workers)))
    table: dict[str, dict] = {}
    for model in models:
        recipe = repr(runs[model, "ring", 0]).replace("benchmark='ring', seed=0, ", "")
        table[model] = {"label": runs[model, "ring", 0].label, "model": recipe}
        for bench in ("ring", "grid"):
            done = [reports[model, bench, s] for s in range(seeds)]
            table[model][bench] = {
                "modes": len(BENCHMARKS[bench]().modes),
                "captured": mean_se([r.captured for r, _ in done]),
                "high_quality_percent": mean_se([100 * r.high_quality for r, _ in done]),
                "reverse_kl": mean_se([r.reverse_kl for r, _ in done]),
                "seconds_per_run": mean_se([h.seconds for _, h in done]),
            }
    report = {
        "benchmark": "gan_modes",
        "budget": {"seeds": seeds, "quick": args.quick, "models": models},
        "results": table,
        "published": MODE_COVERAGE,
        "published_reverse_kl": {"PacGAN4": PACGAN4_REVERSE_KL},
    }
    if into is not None:
        kept = [m for m in into["budget"]["models"] if m not in models]
        report["budget"]["models"] = kept + models
        report["results"] = {**{m: into["results"][m] for m in kept}, **table}
        report["commands"] = into.get("commands", [into["command"]]) + [command()]
    write(report, args.out or args.into)


if __name__ == "__main__":
    main()
