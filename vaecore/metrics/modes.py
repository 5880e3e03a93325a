"""The mode metrics of VEEGAN and PacGAN, on samples from a 2-D mixture
(:mod:`vaecore.data.mixtures`).

The metrics, on (by convention) 2,500 generated samples:

- a sample is **high quality** if it lies within ``3 sigma`` of its nearest mode;
- a mode is **captured** if at least one high-quality sample has it as nearest mode;
- the **reverse KL** ``KL(q || p)`` between the histogram ``q`` of the samples' nearest modes
  (every sample counts) and the true, uniform ``p``: ``sum_k q_k log(q_k M)``, with
  ``0 log 0 = 0``. It is 0 for perfectly balanced modes and ``log M`` when every sample sits
  on one mode.
"""

from __future__ import annotations

from dataclasses import dataclass

import torch

from vaecore.checks import rows
from vaecore.data.mixtures import Mixture

__all__ = ["ModeReport", "mode_metrics"]


@dataclass(frozen=True)
class ModeReport:
    """What :func:`mode_metrics` measured: modes captured (of ``n_modes``), the share of
    high-quality samples, the reverse KL in nats, and how many samples fell nearest each mode."""

    captured: int
    n_modes: int
    high_quality: float
    reverse_kl: float
    counts: torch.Tensor


def _checked_samples(samples: torch.Tensor, d: int) -> torch.Tensor:
    samples = torch.as_tensor(samples, dtype=torch.float32)
    if samples.dim() != 2 or samples.shape[1] != d:
        raise ValueError(f"samples must have shape (n, {d}), got {tuple(samples.shape)}")
    rows(samples, "samples")
    if not torch.isfinite(samples).all():
        raise ValueError("samples contain NaN or infinite values")
    return samples


def mode_metrics(samples: torch.Tensor, mixture: Mixture) -> ModeReport:
    """VEEGAN's and PacGAN's numbers for ``samples: (n, d)`` against ``mixture`` (module
    docstring)."""
    samples = _checked_samples(samples, mixture.modes.shape[1])
    distance, nearest = torch.cdist(samples, mixture.modes).min(dim=1)
    good = distance <= 3 * mixture.sigma
    m = len(mixture.modes)
    counts = torch.bincount(nearest, minlength=m)
    q = counts.double() / len(samples)
    reverse_kl = float(torch.where(q > 0, q * torch.log(q * m), torch.zeros_like(q)).sum())
    return ModeReport(
        captured=int(torch.unique(nearest[good]).numel()),
        n_modes=m,
        high_quality=float(good.double().mean()),
        reverse_kl=reverse_kl,
        counts=counts,
    )
