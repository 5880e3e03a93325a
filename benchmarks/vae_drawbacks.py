"""The VAE's drawbacks, measured over several seeds: the experiment of the section "The VAE's
drawbacks" in "Questions readers ask" (vaecore.experiments.vae_drawbacks): its cost, its
generalisation, its code's active dimensions, how its likelihood scores a dataset it never saw,
and whether its samples copy its training images.

The chapter only reads the result. This runs the recipe with seeds 0, 1, 2, ... and records every
seed's numbers.

    python benchmarks/vae_drawbacks.py --quick      # seconds (CI)
    python benchmarks/vae_drawbacks.py --out vaecore/book/results/vae_drawbacks.json  # ~5 min
"""

from __future__ import annotations

import dataclasses

from _report import seed_arguments, write

from vaecore.data.datasets import load_images
from vaecore.experiments import vae_drawbacks


def main() -> None:
    args = seed_arguments(__doc__)
    budget = vae_drawbacks.QUICK if args.quick else vae_drawbacks.FULL
    train = load_images("fashion-mnist", "train").images[: budget.n_train]
    test = load_images("fashion-mnist", "test").images
    foreign = load_images("mnist", "test").images
    runs = [
        dataclasses.asdict(vae_drawbacks.measure(train, test, foreign, budget, seed))
        for seed in range(args.seeds)
    ]
    report = {
        "benchmark": "vae_drawbacks",
        "budget": {
            "seeds": args.seeds,
            "quick": args.quick,
            "n_train": len(train),
            "epochs": budget.epochs,
            "sizes": budget.sizes,
        },
        "units": "scores: mean -IWAE_k per image in nats (lower is better), of Fashion-MNIST's "
        "training and test images and of MNIST's test digits; seconds: of training, and of "
        "scoring the test images with the ELBO and with IWAE_k; foreign_ahead and "
        "closer_to_train: shares from 0 to 1",
        "runs": runs,
    }
    write(report, args.out)


if __name__ == "__main__":
    main()
