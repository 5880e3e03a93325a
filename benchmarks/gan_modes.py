"""GAN mode coverage on the ring and grid benchmarks, many seeds, beside VEEGAN's and PacGAN's tables.

One of the GAN chapter's two 2-D models, chosen by ``--generator``: by default (and in the
committed ``results/gan_modes.json``) the GAN with a **batch-normalised generator**
(``vaecore.toy.ToyRun(generator="batchnorm")``: hidden layers Linear, BatchNorm, LeakyReLU),
the chapter's second row; ``--generator plain`` trains the chapter's plain GAN (hidden layers
Linear, ReLU). Otherwise as in the chapter: MLPs of 3 x 128 units, an unpacked discriminator,
Adam 1e-3 annealed to 0, batches of 256, 6,000 steps. Trained with ``--seeds`` seeds on each
benchmark, two runs at a time; reports the mean and the standard error of the modes captured,
the share of high-quality samples and the reverse KL, on 2,500 samples per run.

    python benchmarks/gan_modes.py --quick                # seconds (CI)
    python benchmarks/gan_modes.py --out benchmarks/results/gan_modes.json   # 10 seeds, ~5 min
"""

from __future__ import annotations


from _report import arguments, mean_se, write

from vaecore import toy

PUBLISHED = {  # (modes captured, % high quality), Table 1 of each paper
    "ring": {"GAN (VEEGAN)": (1, 99.3), "Unrolled GAN (VEEGAN)": (7.6, 35.6), "VEEGAN": (8, 52.9),
             "GAN (PacGAN)": (6.3, 98.2), "PacGAN4": (7.8, 95.9)},
    "grid": {"GAN (VEEGAN)": (3.3, 0.5), "VEEGAN": (24.6, 40), "GAN (PacGAN)": (17.3, 94.8),
             "PacGAN4": (24.8, 93.6)},
}


def main() -> None:
    parser = arguments(__doc__, "2 seeds of 100 steps (CI)")
    parser.add_argument("--seeds", type=int, default=10)
    parser.add_argument("--steps", type=int, default=6000)
    parser.add_argument("--generator", choices=sorted(toy.GENERATORS), default="batchnorm",
                        help="the generator's kind (default: batchnorm, as in results/gan_modes.json)")
    args = parser.parse_args()
    seeds, steps = (2, 100) if args.quick else (args.seeds, args.steps)
    runs = [toy.ToyRun(bench, seed=s, generator=args.generator, steps=steps)
            for bench in ("ring", "grid") for s in range(seeds)]
    results = toy.run_toy_gans(runs)
    table = {}
    for bench in ("ring", "grid"):
        reports = [r for run, (r, _) in zip(runs, results) if run.benchmark == bench]
        table[bench] = {"modes": len(toy.BENCHMARKS[bench]().modes),
                        "captured": mean_se([r.captured for r in reports]),
                        "high_quality_percent": mean_se([100 * r.high_quality for r in reports]),
                        "reverse_kl": mean_se([r.reverse_kl for r in reports]),
                        "seconds_per_run": mean_se([h.seconds for run, (_, h) in zip(runs, results)
                                                    if run.benchmark == bench])}
    model = f"{runs[0].label}: toy.ToyRun(generator={args.generator!r}, pack=1)"
    write({"benchmark": "gan_modes", "budget": {"seeds": seeds, "steps": steps, "quick": args.quick,
                                                "model": model},
           "results": table, "published": PUBLISHED}, args.out)


if __name__ == "__main__":
    main()
