"""Every name that may come from the data: the names the catalogs must list beside the templates
(``tools/book_i18n.py``), gathered from where each kind of name is defined (the models of each
experiment, the sets of samples, the 2-D benchmarks and models, the published rows), never typed
twice.

A chapter never imports this module: gathering the names imports every experiment, and a
chapter's cached outputs must depend only on the modules it runs."""

from __future__ import annotations

import torch

import vaecore.experiments.attention
import vaecore.experiments.discrete
import vaecore.experiments.gan_vs_vae
import vaecore.experiments.gradients
import vaecore.experiments.handwriting
import vaecore.experiments.image_models
import vaecore.experiments.side_by_side
import vaecore.experiments.toy_gans
import vaecore.experiments.vaegan
from vaecore.book.published import CHUNG_2015, MNIST_FID, MODE_COVERAGE
from vaecore.data.mixtures import BENCHMARKS
from vaecore.metrics.judge import known_cases

__all__ = ["SAMPLE_KINDS", "JUDGE_CASES", "LABELS"]

#: What a set of samples is, beside its model's name (``Row.samples``), and where a model of
#: the side-by-side chapter draws its codes from (``Trained.codes``).
SAMPLE_KINDS = ("decoder means", "draws from p(x | z)", "prior", "fitted Gaussian")
#: The damaged digits on which the sample judge is checked (the keys of ``known_cases``).
JUDGE_CASES = tuple(known_cases(torch.zeros(2, 784), torch.tensor([0, 1])))

#: Every name that may come from data (the models of each experiment, the sets of samples, the
#: 2-D models and benchmarks, the published rows and the datasets of their columns).
LABELS: frozenset[str] = frozenset(
    {
        *vaecore.experiments.side_by_side.MODELS,
        *vaecore.experiments.gan_vs_vae.MODELS,
        vaecore.experiments.vaegan.NAME,
        *vaecore.experiments.attention.MODELS,
        *vaecore.experiments.discrete.MODELS,
        *vaecore.experiments.gradients.MODELS,
        *SAMPLE_KINDS,
        *JUDGE_CASES,
        *vaecore.experiments.image_models.TRAINED_ON,
        *vaecore.experiments.handwriting.MODELS.values(),
        *BENCHMARKS,
        *(
            vaecore.experiments.toy_gans.recipe(model).label
            for model in vaecore.experiments.toy_gans.TOY_MODELS
        ),
        *(name for rows in MODE_COVERAGE.values() for name in rows),
        *MNIST_FID,
        *CHUNG_2015,
        *(data for row in CHUNG_2015.values() for data in row),
    }
)
