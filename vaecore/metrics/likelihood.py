"""Likelihoods measured on test data, in nats: the importance-weighted estimate of a VAE's
negative log-likelihood, and the per-sequence bounds of the stroke models.

**Images.** ``-IWAE_k(x)`` (:func:`vaecore.losses.iwae`) with large ``k`` is an upper bound on
``-log p(x)`` that tightens as ``k`` grows (Burda et al. 2016).

**Strokes.** The numbers are **nats per sequence of the integer pen offsets**: the models are
densities on the scaled, dequantized offsets (:func:`vaecore.data.datasets.dequantize`), so

``log P(x) >= E_u[ log p(x + u) ] = E_u[ log p_scaled((x + u) / s) ] - 2 T log s``

for a sequence of ``T`` steps and scale ``s``: a lower bound on the log-probability of the
recorded integer strokes, comparable between any two models (higher is better). For RNN-Gauss
``log p`` is exact; for the VRNN we report its ELBO and the importance-weighted bound
(Burda et al. 2016) with ``k`` samples, ``log (1/k) sum_i p(x, z_i) / q(z_i | x)``, both below
its ``log p``. Every run draws the same dequantization noise for the test set.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

import torch
from tqdm.auto import tqdm

from vaecore import checks, settings
from vaecore.checks import rows
from vaecore.data.batches import batch_indices, length_batches
from vaecore.data.datasets import StrokeSet, dequantize
from vaecore.loop_parts import evaluating
from vaecore.losses import LatentVariableModel, iwae
from vaecore.models.parts import model_device

__all__ = ["DECODES_AT_ONCE", "estimate_nll", "sequence_bounds"]

#: The decodes :func:`estimate_nll` runs at once (samples times images): a self-attention
#: decoder holds ``(h w)^2`` weights per image, and 10,000 at once held over 4 GB.
DECODES_AT_ONCE = 1000

if TYPE_CHECKING:  # for the annotation only: measuring images does not import the VRNN
    from vaecore.models.vrnn import StrokeModel


@torch.no_grad()
@checks.arguments(k=checks.COUNT, batch_size=checks.COUNT)
def estimate_nll(
    model: LatentVariableModel,
    x: torch.Tensor,
    k: int = 1000,
    batch_size: int = 100,
    progress: bool | None = None,
) -> float:
    """The IWAE estimate of the mean negative log-likelihood of ``x: (n, d)``, in nats.

    ``-mean_n IWAE_k(x_n)``: an upper bound on the true NLL, tighter for larger ``k``. Runs in
    evaluation mode and leaves ``model`` in the mode it was in."""
    rows(x, "x")
    total, device = 0.0, model_device(model)  # type: ignore[arg-type]
    batches = list(batch_indices(len(x), batch_size, shuffle=False))
    bar = tqdm(batches, desc=f"IWAE, k={k}", disable=not settings.show_progress(progress))
    with evaluating(model):  # type: ignore[arg-type]
        for idx in bar:
            chunk = max(1, DECODES_AT_ONCE // len(idx))  # the same draws, fewer at once
            total += float(iwae(model, x[idx].to(device), k, chunk).sum())
    return -total / len(x)


@torch.no_grad()
@checks.arguments(k=checks.COUNT, seed=checks.SEED, batch_size=checks.COUNT)
def sequence_bounds(
    model: StrokeModel, strokes: StrokeSet, k: int = 1, seed: int = 0, batch_size: int = 100
) -> dict[str, torch.Tensor]:
    """Per-sequence bounds on ``log P`` of the integer strokes, ``(n,)`` each, in nats.

    ``bound``: the mean of ``k`` draws of ``log p(x, z) - log q(z | x)`` (the ELBO; for RNN-Gauss
    the exact ``log p``); ``iw_bound``: ``logsumexp`` of the same draws minus ``log k``. Both
    include the change of units ``-2 T log s`` and use dequantization noise drawn from ``seed``.
    """
    rows(strokes.strokes, "strokes")
    x_all = dequantize(strokes.strokes, strokes.scale, torch.Generator().manual_seed(seed))
    device = model_device(model)
    bound = torch.empty(len(strokes))
    iw = torch.empty(len(strokes))
    # The latents' draws, seeded, leaving the global random state alone.
    with torch.random.fork_rng(devices=[]), evaluating(model):
        torch.manual_seed(seed)
        for idx in length_batches(strokes.lengths, batch_size, shuffle=False):
            x, mask = x_all[idx].to(device), strokes.mask[idx].to(device)
            w = model.log_weights(x.repeat(k, 1, 1), mask.repeat(k, 1)).view(k, len(idx)).cpu()
            bound[idx] = w.mean(dim=0)
            iw[idx] = torch.logsumexp(w, dim=0) - math.log(k)
    units = -2 * math.log(strokes.scale) * strokes.lengths.double()
    return {"bound": bound.double() + units, "iw_bound": iw.double() + units}
