"""The chapter "GANs on images" over several seeds: MLP and convolutional GANs against MLP and
convolutional VAEs on MNIST, at one training budget.

The chapter trains each model once; one seed ranks nothing. This runs the chapter's recipe
(vaecore.experiments.gan_vs_vae.train_models, its full budget: five passes over the 60,000
training images for every model) with seeds 0, 1, 2, ..., scores every set of samples with the
book's judge (SampleJudge.load: the measuring instrument stays the same; each VAE by its decoder
means and by its draws), and records every seed's rows, so that ``closest_samples`` names a
winner only where it wins on every seed. The chapter reads the result.

    python benchmarks/gan_vs_vae.py --quick      # seconds (CI)
    python benchmarks/gan_vs_vae.py --out vaecore/book/results/gan_vs_vae.json  # ~15 min
"""

from __future__ import annotations

import dataclasses
from typing import Callable, Iterable

import torch
from _report import seed_arguments, seeded_runs, write

from vaecore.data.datasets import binarize, load_images
from vaecore.experiments.gan_vs_vae import FULL, QUICK, train_models
from vaecore.experiments.image_models import Trained, measure
from vaecore.metrics.images import class_shares
from vaecore.metrics.judge import SampleJudge
from vaecore.settings import Budget

#: What the numbers are.
UNITS = (
    "samples: the judge's Fréchet distance, precision and recall; test NLL: -IWAE_k in nats of "
    "binarised digits (VAEs only)"
)


def measured_runs(
    budget: Budget, seeds: int, train: Callable[[torch.Tensor, int], Iterable[Trained]]
) -> tuple[list[list[dict]], SampleJudge, int]:
    """Every seed's rows: the models ``train(x_train, seed)`` returns, for seeds 0, 1, ...,
    ``seeds - 1``, each measured on the book's scale (``measure``, with the sizes of ``budget``).
    Also returns the judge and the number of training images."""
    train_set, test_set = load_images("mnist", "train"), load_images("mnist", "test")
    x_train = train_set.images[: budget.n_train]
    n_nll = budget.sizes["iwae_images"]
    x_test_binary = binarize(test_set.images[:n_nll], torch.Generator().manual_seed(0))
    judge = SampleJudge.load(train_set, test_set)
    test_share = class_shares(test_set.labels)
    reference = train_set.images[:10_000]  # of sharpness, as of the judge
    k, n_samples = budget.sizes["iwae_k"], budget.sizes["samples"]
    runs = []
    for seed in range(seeds):
        rows = []
        for model in train(x_train, seed):
            rows += measure(model, judge, x_test_binary, test_share, reference, k, n_samples)
        runs.append([dataclasses.asdict(row) for row in rows])
    return runs, judge, len(x_train)


def main() -> None:
    args = seed_arguments(__doc__)
    budget = QUICK if args.quick else FULL
    runs, judge, n_train = measured_runs(
        budget, args.seeds, lambda x, seed: train_models(x, budget, seed=seed).values()
    )
    write(seeded_runs("gan_vs_vae", args, budget, n_train, judge, UNITS, runs), args.out)


if __name__ == "__main__":
    main()
