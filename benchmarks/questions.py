"""The experiments of the chapter "Questions readers ask" over several seeds: GANs and a VAE on
discrete digits (claim 1), self-attention in a VAE's decoder (claim 4), and the gradient norms of
five models' layers (claim 5).

The chapter trains each model once; one seed ranks nothing. This runs the chapter's recipes
(vaecore.experiments.discrete.train_models, vaecore.experiments.attention.train_models measured
with the book's judge as in gan_vs_vae, and vaecore.experiments.gradients.watch, their full
budgets; the attention models at attention.BENCHMARK, with more epochs than the chapter has
time for) with seeds 0, 1, 2, ... and records every seed's numbers. The chapter reads the result.

    python benchmarks/questions.py --quick      # seconds (CI)
    python benchmarks/questions.py --out vaecore/book/results/questions.json  # ~12 min
"""

from __future__ import annotations

import dataclasses

import torch
from _report import seed_arguments, write

from vaecore.data.datasets import binarize, load_images
from vaecore.experiments import attention, discrete, gradients, image_models
from vaecore.metrics.images import class_shares
from vaecore.metrics.judge import SampleJudge


def main() -> None:
    args = seed_arguments(__doc__)
    budgets = {
        "discrete": discrete.QUICK if args.quick else discrete.FULL,
        "gradients": gradients.QUICK if args.quick else gradients.FULL,
        "attention": attention.QUICK if args.quick else attention.BENCHMARK,
    }
    train_set, test_set = load_images("mnist", "train"), load_images("mnist", "test")
    b = budgets["discrete"]
    x_train = discrete.one_hot_rows(discrete.coarse_digits(train_set.images[: b.n_train]))
    x_test = discrete.one_hot_rows(discrete.coarse_digits(test_set.images[: b.n_test]))
    grey = train_set.images[: budgets["gradients"].n_train]
    a = budgets["attention"]
    judge = SampleJudge.load(train_set, test_set)
    x_test_binary = binarize(
        test_set.images[: a.sizes["iwae_images"]], torch.Generator().manual_seed(0)
    )
    test_share, reference = class_shares(test_set.labels), train_set.images[:10_000]
    k, n = a.sizes["iwae_k"], a.sizes["samples"]
    scores, spreads, rows = [], [], []
    for seed in range(args.seeds):
        runs = discrete.train_models(x_train, x_test, b, seed)
        scores.append([dataclasses.asdict(run.score()) for run in runs])
        watched = [gradients.watch(m, grey, budgets["gradients"], seed) for m in gradients.MODELS]
        spreads.append([dataclasses.asdict(gradients.spread(w)) for w in watched])
        measured = []
        for model in attention.train_models(train_set.images[: a.n_train], a, seed).values():
            measured += image_models.measure(
                model, judge, x_test_binary, test_share, reference, k, n
            )
        rows.append([dataclasses.asdict(row) for row in measured])
    report = {
        "benchmark": "questions",
        "budget": {
            "seeds": args.seeds,
            "quick": args.quick,
            **{
                name: {"n_train": budget.n_train, "epochs": budget.epochs, "sizes": budget.sizes}
                for name, budget in budgets.items()
            },
        },
        "units": "discrete: total variation distance to the test digits (0 to 1), seconds of "
        "training; gradients: Frobenius norms of each weight matrix's gradient; attention: the "
        "judge's Fréchet distance, precision and recall, test NLL as -IWAE_k in nats",
        "discrete": {
            "floor": discrete.real_floor(x_train, x_test, b.sizes["samples"]),
            "runs": scores,
        },
        "gradients": {"runs": spreads},
        "attention": {
            "judge": {"test_accuracy_percent": judge.accuracy, "floor": judge.floor},
            "runs": rows,
        },
    }
    write(report, args.out)


if __name__ == "__main__":
    main()
