"""Checking what a public function is given, one way for the whole package, so that a wrong
argument is refused at the door with a message that names it, not deep inside PyTorch.

>>> rows(x, "x")              # a tensor with at least one row
>>> rows(codes, "codes", 2)   # a covariance needs two
"""

from __future__ import annotations

import torch


def rows(value: object, name: str, at_least: int = 1) -> None:
    """Refuse ``value`` unless it is a tensor whose first dimension has ``at_least`` entries (a
    set of ``n`` examples); the message names ``name`` and says how many it needs."""
    if not isinstance(value, torch.Tensor):
        raise TypeError(f"{name} must be a tensor, got a {type(value).__name__}")
    n = len(value) if value.dim() else 0
    if n < at_least:
        held = "is empty" if n == 0 else f"has {n} row{'s' if n != 1 else ''}"
        raise ValueError(
            f"{name} {held}: it needs at least {at_least} row{'s' if at_least != 1 else ''}"
        )
