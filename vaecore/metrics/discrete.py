"""How far apart two samples of discrete data are: the total variation distance between their
empirical distributions, ``TV(p, q) = 1/2 sum_s |p(s) - q(s)|`` over every state ``s`` (a whole
row: every pixel's value). It is 0 for the same distribution and 1 for distributions with no
state in common.

From samples it is biased upwards: two samples of one distribution are apart by chance, more so
the more states hold little mass. So a distance is read beside the floor, the distance between two
real samples of the same sizes."""

from __future__ import annotations

import torch

__all__ = ["total_variation"]


def total_variation(a: torch.Tensor, b: torch.Tensor) -> float:
    """``TV`` between the empirical distributions of the rows of ``a: (n, d)`` and ``b: (m, d)``
    (integer values or one-hot rows; two rows are one state when they are equal)."""
    for name, rows in (("a", a), ("b", b)):
        if rows.dim() != 2 or len(rows) == 0:
            raise ValueError(f"{name} must be a non-empty (n, d) tensor, got {tuple(rows.shape)}")
    if a.shape[1] != b.shape[1]:
        raise ValueError(f"the rows have {a.shape[1]} and {b.shape[1]} values: not one space")
    states, index = torch.unique(torch.cat([a, b]), dim=0, return_inverse=True)
    p = torch.bincount(index[: len(a)], minlength=len(states)).double() / len(a)
    q = torch.bincount(index[len(a) :], minlength=len(states)).double() / len(b)
    return 0.5 * float((p - q).abs().sum())
