"""The VAE-GAN of "Questions readers ask" (claim 3) over several seeds, on the scale of the
chapter "GANs on images".

Larsen et al.'s VAE-GAN (vaecore.models.vaegan) is trained with the recipe and the full budget
of benchmarks/gan_vs_vae.py (vaegan.train_model, as gan_vs_vae.train_model trains a GAN: five passes
over the 60,000 training images, batch 64, Adam as DCGAN), from the same seeds 0, 1, 2, ...,
and its samples G(z) are scored with the same judge (SampleJudge.load). The chapter puts these
rows beside the rows of vaecore/book/results/gan_vs_vae.json, seed by seed.

    python benchmarks/vaegan.py --quick      # seconds (CI)
    python benchmarks/vaegan.py --out vaecore/book/results/vaegan.json  # ~15 min
"""

from __future__ import annotations

from _report import seed_arguments, seeded_runs, write
from gan_vs_vae import measured_runs

from vaecore.experiments import vaegan
from vaecore.experiments.gan_vs_vae import FULL, QUICK

#: What the numbers are.
UNITS = (
    "samples: the judge's Fréchet distance, precision and recall; the VAE-GAN has no likelihood "
    "bound (test_nll is null)"
)


def main() -> None:
    args = seed_arguments(__doc__)
    budget = QUICK if args.quick else FULL
    passes = budget.epochs["passes"]
    runs, judge, n_train = measured_runs(
        budget, args.seeds, lambda x, seed: [vaegan.train_model(x, passes, seed=seed)]
    )
    report = seeded_runs("vaegan", args, budget, n_train, judge, UNITS, runs)
    write({**report, "gamma": vaegan.GAMMA}, args.out)


if __name__ == "__main__":
    main()
