"""GAN mode coverage on the ring and grid benchmarks, many seeds, beside VEEGAN's and PacGAN's
tables.

One of the GAN chapter's two 2-D models, chosen by ``--generator``: by default (and in the committed
``results/gan_modes.json``) the GAN with a **batch-normalised generator**
(``vaecore.experiments.toy_gans.ToyRun(generator="batchnorm")``: hidden layers Linear, BatchNorm,
LeakyReLU), the chapter's second row; ``--generator plain`` trains the chapter's plain GAN (hidden
layers Linear, ReLU). Otherwise as in the chapter: MLPs of 3 x 128 units, an unpacked discriminator,
Adam 1e-3 annealed to 0, batches of 256, 6,000 steps. Trained with ``--seeds`` seeds on each
benchmark, two runs at a time; reports the mean and the standard error of the modes captured, the
share of high-quality samples and the reverse KL, on 2,500 samples per run.

    python benchmarks/gan_modes.py --quick                # seconds (CI)
    python benchmarks/gan_modes.py --out vaecore/book/results/gan_modes.json   # 10 seeds, ~5 min
"""

from __future__ import annotations

from _report import arguments, mean_se, write

from vaecore.book.published import MODE_COVERAGE
from vaecore.data.mixtures import BENCHMARKS
from vaecore.experiments.toy_gans import GENERATORS, ToyRun, run_toy_gans


def main() -> None:
    parser = arguments(__doc__, "2 seeds of 100 steps (CI)")
    parser.add_argument("--seeds", type=int, default=10)
    parser.add_argument("--steps", type=int, default=6000)
    parser.add_argument(
        "--generator",
        choices=sorted(GENERATORS),
        default="batchnorm",
        help="the generator's kind (default: batchnorm, as in results/gan_modes.json)",
    )
    args = parser.parse_args()
    seeds, steps = (2, 100) if args.quick else (args.seeds, args.steps)
    runs = [
        ToyRun(bench, seed=s, generator=args.generator, steps=steps)
        for bench in ("ring", "grid")
        for s in range(seeds)
    ]
    results = run_toy_gans(runs)
    table = {}
    for bench in ("ring", "grid"):
        reports = [r for run, (r, _) in zip(runs, results) if run.benchmark == bench]
        table[bench] = {
            "modes": len(BENCHMARKS[bench]().modes),
            "captured": mean_se([r.captured for r in reports]),
            "high_quality_percent": mean_se([100 * r.high_quality for r in reports]),
            "reverse_kl": mean_se([r.reverse_kl for r in reports]),
            "seconds_per_run": mean_se(
                [h.seconds for run, (_, h) in zip(runs, results) if run.benchmark == bench]
            ),
        }
    model = f"{runs[0].label}: ToyRun(generator={args.generator!r}, pack=1)"
    write(
        {
            "benchmark": "gan_modes",
            "budget": {"seeds": seeds, "steps": steps, "quick": args.quick, "model": model},
            "results": table,
            "published": MODE_COVERAGE,
        },
        args.out,
    )


if __name__ == "__main__":
    main()
