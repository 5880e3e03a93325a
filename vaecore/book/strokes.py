"""Pen strokes as pictures: stroke-3 offsets to polylines, and to small raster images.

A sequence ``(T, 3)`` holds per step the offset ``(dx, dy)`` of a point from the previous one
and ``pen`` (1: the pen is lifted after this point). The points are the running sums of the
offsets, starting at the origin; consecutive points are joined unless the pen was lifted after
the first of them. ``dy`` grows downwards, as on a screen, so pictures flip the y axis.
"""

from __future__ import annotations

import numpy as np
import torch

from vaecore import checks

__all__ = ["polylines", "render"]


@checks.arguments(length=checks.optional(checks.COUNT))
def polylines(strokes: torch.Tensor | np.ndarray, length: int | None = None) -> list[np.ndarray]:
    """``strokes: (T, 3)`` -> the pen-down polylines, each ``(k, 2)`` in absolute coordinates.

    ``length`` keeps only the first ``length`` steps (the rest is padding). A lone point (a dot) is
    a polyline of one point."""
    s = np.asarray(strokes, dtype=np.float64)
    if s.ndim != 2 or s.shape[1] != 3:
        raise ValueError(f"expected one sequence (steps, 3), got shape {s.shape}")
    s = s[:length]
    points = np.cumsum(s[:, :2], axis=0)
    cuts = np.flatnonzero(s[:, 2] > 0.5) + 1
    return [p for p in np.split(points, cuts) if len(p)]


@checks.arguments(size=checks.COUNT, margin=checks.whole(0))
def render(
    strokes: torch.Tensor, lengths: torch.Tensor | None = None, size: int = 48, margin: int = 3
) -> torch.Tensor:
    """Draw each sequence into a ``size x size`` grey image: ``(n, T, 3)`` -> ``(n, size * size)``.

    Each drawing is centred and scaled to fit inside ``margin`` pixels of the border, keeping
    its aspect ratio; lines are one to two pixels wide, ink is 1 on a 0 background.
    """
    if strokes.dim() != 3 or strokes.shape[-1] != 3:
        raise ValueError(f"expected sequences (n, steps, 3), got {tuple(strokes.shape)}")
    if size <= 2 * margin + 1:
        raise ValueError(f"size {size} leaves no room inside a margin of {margin}")
    out = np.zeros((len(strokes), size, size), dtype=np.float32)
    box = size - 1 - 2 * margin
    for i, seq in enumerate(strokes.detach().cpu().numpy()):
        lines = polylines(seq, None if lengths is None else int(lengths[i]))
        if not lines:
            continue
        allp = np.concatenate(lines)
        lo, hi = allp.min(0), allp.max(0)
        zoom = box / max(float((hi - lo).max()), 1e-9)
        offset = margin + (box - (hi - lo) * zoom) / 2
        for line in lines:
            p = (line - lo) * zoom + offset
            if len(p) == 1:
                p = np.repeat(p, 2, axis=0)
            for a, b in zip(p[:-1], p[1:]):  # sample each segment every half pixel
                k = int(np.ceil(2 * np.abs(b - a).max())) + 1
                t = np.linspace(0, 1, k)[:, None]
                xy = np.rint(a + t * (b - a)).astype(int)
                out[i, xy[:, 1], xy[:, 0]] = 1.0
                out[i, np.minimum(xy[:, 1] + 1, size - 1), xy[:, 0]] = 1.0  # a second pixel row
    return torch.from_numpy(out.reshape(len(strokes), size * size))
