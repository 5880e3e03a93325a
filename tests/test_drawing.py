"""A reader's drawing made into an MNIST digit (vaecore.book.explore.drawing): MNIST's own test
digits come back unchanged, and a drawing anywhere, of any size, comes out scaled to the 20 x 20
box and centred by its mass."""

import numpy as np
import pytest

from vaecore.book.explore.drawing import BOX, FIELD, mnist_box
from vaecore.data.datasets import load_images


def test_every_mnist_test_digit_comes_back_unchanged():
    """Except those the field cuts off (their ink reaches its edge, and their box is shorter
    than 20 pixels): three of the 10,000."""
    digits = load_images("mnist", "test", progress=False).images.reshape(-1, 28, 28).numpy()

    def longer_side(d: np.ndarray) -> int:
        rows, cols = np.nonzero(d)
        return max(rows.max() - rows.min(), cols.max() - cols.min()) + 1

    inside = [i for i, d in enumerate(digits) if longer_side(d) == BOX]
    cut = [digits[i] for i in sorted(set(range(len(digits))) - set(inside))]
    assert len(cut) <= 3 and all(d[-1].any() or d[:, -1].any() for d in cut)
    changed = [i for i in inside if not np.allclose(mnist_box(digits[i]), digits[i], atol=1e-6)]
    assert changed == [], f"{len(changed)} of {len(inside)} digits moved or changed: {changed[:5]}"


def _blob(shape, top, left, h, w) -> np.ndarray:
    ink = np.zeros(shape)
    ink[top : top + h, left : left + w] = 1.0
    ink[top + h // 3, left : left + w] = 0.5  # not a uniform block: a centre of mass to find
    return ink


@pytest.mark.parametrize(
    "shape, top, left, h, w",
    [((112, 112), 5, 60, 80, 30), ((112, 112), 70, 3, 17, 40), ((28, 28), 0, 0, 5, 3)],
)
def test_a_drawing_is_scaled_to_the_box_and_centred_by_its_mass(shape, top, left, h, w):
    ink = _blob(shape, top, left, h, w)
    out = mnist_box(ink)
    rows, cols = np.nonzero(out > 1e-9)
    extent = max(rows.max() - rows.min() + 1, cols.max() - cols.min() + 1)
    assert extent in (BOX, BOX + 1)  # the scaled box, plus a pixel it may straddle
    ratio = (rows.max() - rows.min() + 1) / (cols.max() - cols.min() + 1)
    assert ratio == pytest.approx(h / w, rel=0.25)  # the aspect, to a pixel's rounding
    mass = out.sum()
    cy = (out.sum(1) * np.arange(FIELD)).sum() / mass
    cx = (out.sum(0) * np.arange(FIELD)).sum() / mass
    assert abs(cy - FIELD / 2) <= 0.5 and abs(cx - FIELD / 2) <= 0.5
    # Area averaging keeps the ink: the mass shrinks by the square of the scale.
    scale = BOX / max(h, w)
    assert mass == pytest.approx(ink.sum() * scale**2, rel=0.02)
    # Where the drawing sits on the canvas does not matter.
    elsewhere = _blob(shape, shape[0] - h - top, shape[1] - w - left, h, w)
    np.testing.assert_allclose(mnist_box(elsewhere), out, atol=1e-12)


def test_an_empty_drawing_is_an_empty_field_and_a_bad_one_is_refused():
    assert not mnist_box(np.zeros((50, 60))).any()
    with pytest.raises(ValueError, match="one"):
        mnist_box(np.zeros((2, 28, 28)))
