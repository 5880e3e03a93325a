"""A classic VAE mistake in how the model is trained rather than in the model (those are in
:mod:`vaecore.models.mistakes`), for the "VAE without its KL term" chapter; never to be used.

* :func:`fit_in_stages`: the encoder trained first against a fixed, untrained decoder, then the
  decoder with the encoder fixed, instead of both together.
"""

from __future__ import annotations

import torch

from vaecore import checks
from vaecore.data.datasets import binarize
from vaecore.models.vae import VAE
from vaecore.train import History, TrainConfig, fit

__all__ = ["fit_in_stages"]


@checks.arguments(epochs=checks.COUNT, seed=checks.SEED)
def fit_in_stages(model: VAE, x_train: torch.Tensor, epochs: int, seed: int = 0) -> list[History]:
    """WRONG: train ``model``'s encoder for ``epochs // 2`` epochs against its untrained decoder,
    then its decoder for the other epochs against the fixed encoder (each stage by
    :func:`vaecore.train.fit` on dynamically binarised ``x_train``), instead of both together.
    Returns the two stages' histories."""
    if epochs < 2:
        raise ValueError(f"two stages need at least 2 epochs, got {epochs}")
    histories = []
    for trained, frozen, n in (
        (model.encoder, model.decoder, epochs // 2),
        (model.decoder, model.encoder, epochs - epochs // 2),
    ):
        trained.requires_grad_(True)
        frozen.requires_grad_(False)  # this stage leaves it as it is
        histories.append(fit(model, x_train, TrainConfig(epochs=n, seed=seed), transform=binarize))
    model.requires_grad_(True)
    return histories
