"""Does self-attention in the VAE's decoder improve it? The experiment of claim 4 in the chapter
"Questions readers ask": the convolutional VAE of "GANs on images" with one block added to its
decoder at 14 x 14, once :class:`~vaecore.models.attention.SelfAttention2d` and once its control
:class:`~vaecore.models.attention.Pointwise2d` (the same block without attention), trained alike
and measured like the VAEs of :mod:`vaecore.experiments.gan_vs_vae`
(:func:`vaecore.experiments.image_models.measure`): test NLL bound, and the judge's scores of
decoder means and of draws."""

from __future__ import annotations

from typing import Callable

import torch

from vaecore import checks
from vaecore.experiments.image_models import Trained, encoder_model
from vaecore.models.attention import Pointwise2d, SelfAttention2d
from vaecore.models.vae import ConvVAE
from vaecore.settings import Budget

__all__ = ["MODELS", "BENCHMARK", "FULL", "QUICK", "train_models"]

#: The two VAEs compared, ``K = 32``, channels (32, 64); the block sits on the 32 channels.
MODELS: dict[str, Callable[[], ConvVAE]] = {
    "conv VAE, pointwise block": lambda: ConvVAE(32, middle=Pointwise2d(32)),
    "conv VAE, self-attention": lambda: ConvVAE(32, middle=SelfAttention2d(32)),
}

#: The sizes of ``benchmarks/questions.py``, which trains both models over several seeds.
BENCHMARK = Budget(None, None, {"vae": 5}, {"samples": 10_000, "iwae_k": 100, "iwae_images": 1000})
#: The chapter's sizes in its full setting, the benchmark's with fewer epochs, so that the
#: chapter keeps within its time (self-attention triples the training time).
FULL = Budget(None, None, {"vae": 2}, BENCHMARK.sizes)
#: The chapter's sizes in quick mode.
QUICK = Budget(2_000, 1_000, {"vae": 1}, {"samples": 1_000, "iwae_k": 10, "iwae_images": 200})


@checks.arguments(seed=checks.SEED)
def train_models(x_train: torch.Tensor, budget: Budget, seed: int = 0) -> dict[str, Trained]:
    """Both models of :data:`MODELS` on ``x_train: (n, 784)`` (grey, dynamically binarised in
    training), ``budget.epochs["vae"]`` epochs each, each from ``torch.manual_seed(seed)``."""
    trained = {}
    for name, build in MODELS.items():
        torch.manual_seed(seed)
        trained[name] = encoder_model(name, build(), x_train, budget.epochs["vae"], seed)
    return trained
