"""The Side by side chapter's four image models over several seeds: which one is best at what.

The chapter trains each model once; one seed ranks nothing. This runs the chapter's recipe
(vaecore.experiments.side_by_side.train_models, its full budget) with seeds 0, 1, 2, ..., scores
every run with the book's judge (SampleJudge.load: the measuring instrument stays the same), and
records every seed's scores, so that ``recommendations`` can name a winner only where the lead
exceeds the spread over the seeds. The chapter reads the result.

    python benchmarks/side_by_side_seeds.py --quick      # seconds (CI)
    python benchmarks/side_by_side_seeds.py --out vaecore/book/results/side_by_side_seeds.json  #
    ~15 min
"""

from __future__ import annotations

import dataclasses

import torch
from _report import seed_arguments, seeded_runs, write

from vaecore.data.datasets import binarize, load_images
from vaecore.experiments.side_by_side import FULL, QUICK, measure, train_models
from vaecore.metrics.images import class_shares
from vaecore.metrics.judge import SampleJudge


def main() -> None:
    args = seed_arguments(__doc__)
    budget = QUICK if args.quick else FULL
    train_set, test_set = load_images("mnist", "train"), load_images("mnist", "test")
    x_train, x_test = train_set.images[: budget.n_train], test_set.images[: budget.n_test]
    x_test_binary = binarize(x_test, torch.Generator().manual_seed(0))
    judge = SampleJudge.load(train_set, test_set)
    test_share = class_shares(test_set.labels)
    k, n_nll = budget.sizes["iwae_k"], budget.sizes["iwae_images"]
    runs = []
    for seed in range(args.seeds):
        trained = train_models(x_train, budget, seed=seed)
        runs.append(
            [
                dataclasses.asdict(
                    measure(
                        model,
                        judge,
                        x_test,
                        x_test_binary[:n_nll],
                        test_share,
                        k=k,
                        n_samples=budget.sizes["samples"],
                    )
                )
                for model in trained.values()
            ]
        )
    units = (
        "reconstruction: MSE per grey pixel; test NLL: -IWAE_k in nats of binarised "
        "digits; samples: the judge's Fréchet distance, precision and recall"
    )
    report = seeded_runs("side_by_side_seeds", args, budget, len(x_train), judge, units, runs)
    write(report, args.out)


if __name__ == "__main__":
    main()
