"""A reader's drawing as MNIST's digits were made: the ink's bounding box scaled to fit a 20 x 20
box, its aspect kept, with anti-aliasing, and set in a 28 x 28 field so that its centre of mass
lies at the field's centre (LeCun et al., "The MNIST database"). The built page does the same in
JavaScript (``mnistBox`` in ``explorer-live.mjs``) before its encoder reads a drawing; this is
the reference the browser test holds it to, step for step:

1. the bounding box of the pixels with ink, ``L`` pixels on its longer side;
2. each pixel ``(i, j)`` of the ``(h * 20 / L, w * 20 / L)`` result (rounded half up) is the mean
   of the ink over its square of side ``s = L / 20`` in the box, each input pixel weighted by
   the area it shares with that square (area averaging: the anti-aliasing);
3. the centre of mass ``(cy, cx)`` of the result, in pixel indices, goes to pixel ``(14, 14)``:
   the result is pasted at ``round(14 - cy), round(14 - cx)`` (rounded half up), what falls
   outside the field cut off.

MNIST's own digits pass through unchanged (``tests/test_drawing.py``: every test digit), which
pins down the conventions: the longer side is 20 pixels already, and the rounding and the
pixel that the centre of mass goes to are those that put every digit back where it was.
"""

from __future__ import annotations

import math

import numpy as np

__all__ = ["FIELD", "BOX", "mnist_box"]

#: The side of MNIST's field, in pixels.
FIELD = 28
#: The side of the box MNIST's digits are scaled to fit, in pixels.
BOX = 20


def _weights(start: float, size: float, n_in: int, n_out: int) -> np.ndarray:
    """``(n_out, n_in)``: the length input pixel ``k`` shares with output pixel ``i``'s
    interval ``[start + i * size, start + (i + 1) * size)``, divided by ``size``."""
    w = np.zeros((n_out, n_in))
    for i in range(n_out):
        lo, hi = start + i * size, start + (i + 1) * size
        for k in range(max(0, math.floor(lo)), min(n_in, math.ceil(hi))):
            w[i, k] = (min(hi, k + 1) - max(lo, k)) / size
    return w


def mnist_box(ink: np.ndarray) -> np.ndarray:
    """``ink: (H, W)`` in [0, 1] (1 is ink) -> ``(28, 28)`` float64, as MNIST's digits; all
    zeros when there is no ink."""
    ink = np.asarray(ink, dtype=np.float64)
    if ink.ndim != 2:
        raise ValueError(f"a drawing is one (H, W) array, got shape {ink.shape}")
    rows, cols = np.nonzero(ink > 0)
    out = np.zeros((FIELD, FIELD))
    if len(rows) == 0:
        return out
    top, left = rows.min(), cols.min()
    h, w = rows.max() - top + 1, cols.max() - left + 1
    size = max(h, w) / BOX  # input pixels per output pixel
    out_h, out_w = max(1, math.floor(h / size + 0.5)), max(1, math.floor(w / size + 0.5))
    # Centre the shorter side's squares on the box, so that the aspect is kept about its middle.
    start_y, start_x = top + (h - out_h * size) / 2, left + (w - out_w * size) / 2
    box = (
        _weights(start_y, size, ink.shape[0], out_h)
        @ ink
        @ _weights(start_x, size, ink.shape[1], out_w).T
    )
    total = box.sum()
    cy = (box.sum(1) * np.arange(out_h)).sum() / total
    cx = (box.sum(0) * np.arange(out_w)).sum() / total
    dy, dx = math.floor(FIELD / 2 - cy + 0.5), math.floor(FIELD / 2 - cx + 0.5)
    y0, x0 = max(0, dy), max(0, dx)  # the part of the box that falls inside the field
    y1, x1 = min(FIELD, dy + out_h), min(FIELD, dx + out_w)
    if y0 < y1 and x0 < x1:
        out[y0:y1, x0:x1] = box[y0 - dy : y1 - dy, x0 - dx : x1 - dx]
    return out
