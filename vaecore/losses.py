"""Reconstruction losses as per-example negative log-likelihoods.

Each function returns one number per example, ``(batch,)``, summed over the 784 pixels; a
training loss is their mean over the batch.

* :func:`squared_error` is ``sum_i (x_hat_i - x_i)^2``: the negative log-likelihood of a
  Gaussian ``N(x; x_hat, sigma^2 I)`` times ``2 sigma^2``, minus its constant.
* :func:`bernoulli_nll` is ``-sum_i [x_i log p_i + (1 - x_i) log(1 - p_i)]`` with
  ``p = sigmoid(logits)``: the binary cross-entropy, computed from the logits for stability.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F


def _same_shape(a: torch.Tensor, x: torch.Tensor) -> None:
    if a.shape != x.shape or a.dim() != 2:
        raise ValueError(f"expected two (batch, pixels) tensors of one shape, got "
                         f"{tuple(a.shape)} and {tuple(x.shape)}")


def squared_error(x_hat: torch.Tensor, x: torch.Tensor) -> torch.Tensor:
    """``x_hat, x: (batch, d)`` -> ``(batch,)``, the sum over pixels of ``(x_hat - x)^2``."""
    _same_shape(x_hat, x)
    return (x_hat - x).pow(2).sum(dim=1)


def bernoulli_nll(logits: torch.Tensor, x: torch.Tensor) -> torch.Tensor:
    """``logits, x: (batch, d)``, ``x`` in [0, 1] -> ``(batch,)``, ``-log Bernoulli(x; sigmoid(logits))``.

    For grey-scale ``x`` this is the cross-entropy, not a normalised likelihood (see the VAE
    chapter on the continuous Bernoulli).
    """
    _same_shape(logits, x)
    return F.binary_cross_entropy_with_logits(logits, x, reduction="none").sum(dim=1)
