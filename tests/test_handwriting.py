"""vaecore.experiments.handwriting, vaecore.metrics.likelihood.sequence_bounds and
vaecore.book.strokes: the stroke runs, their bounds, and stroke pictures."""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch

from vaecore.book import strokes
from vaecore.data.datasets import StrokeSet, dequantize, load_strokes
from vaecore.experiments.handwriting import (
    StrokeRun,
    build_stroke_model,
    load_trained,
    train_stroke_model,
)
from vaecore.metrics.likelihood import sequence_bounds
from vaecore.models.parts import count_parameters
from vaecore.models.vrnn import RNNGMM, VRNN, RNNGauss


def tiny_set(n: int = 6) -> StrokeSet:
    s = load_strokes("test", limit=n, progress=False)
    cut = int(s.lengths.max())
    return StrokeSet(s.strokes[:, :cut], s.mask[:, :cut], s.lengths, s.scale)


def test_sequence_bounds_are_in_integer_units_and_ordered():
    s = tiny_set()
    rnn = RNNGauss(h_dim=8, feat_dim=8, hidden=8)
    b = sequence_bounds(rnn, s, k=1, seed=4)
    x = dequantize(s.strokes, s.scale, torch.Generator().manual_seed(4))
    exact = rnn.log_weights(x, s.mask).double() - 2 * math.log(s.scale) * s.lengths.double()
    torch.testing.assert_close(b["bound"], exact)
    torch.testing.assert_close(b["iw_bound"], exact)
    vrnn = VRNN(z_dim=2, h_dim=8, feat_dim=8, hidden=8)
    v = sequence_bounds(vrnn, s, k=16)
    assert (v["iw_bound"] >= v["bound"] - 1e-9).all()  # log-mean-exp >= mean
    again = sequence_bounds(vrnn, s, k=16)
    torch.testing.assert_close(v["bound"], again["bound"])  # seeded: the same numbers twice
    with pytest.raises(ValueError, match="k must be a whole number >= 1"):
        sequence_bounds(vrnn, s, k=0)


def test_a_tiny_run_trains_measures_and_reloads():
    run = StrokeRun(
        "vrnn",
        epochs=1,
        n_train=64,
        n_test=16,
        z_dim=2,
        h_dim=8,
        feat_dim=8,
        hidden=8,
        iw_samples=4,
    )
    result = train_stroke_model(run)
    assert result.parameters > 0 and len(result.history.epochs) == 1
    assert all(math.isfinite(v) for v in result.test.values())
    assert result.test["iw_bound"] >= result.test["bound"]
    model = load_trained(result)
    s = load_strokes("test", limit=16, progress=False)
    again = sequence_bounds(model, s, k=4)
    assert float(again["bound"].mean()) == pytest.approx(result.test["bound"])
    sizes = dict(z_dim=2, h_dim=8, feat_dim=8, hidden=8)
    rnn = build_stroke_model(StrokeRun("rnn", **sizes))
    assert type(rnn) is RNNGauss
    gmm = build_stroke_model(StrokeRun("rnn_gmm", components=5, **sizes))
    assert type(gmm) is RNNGMM and gmm.components == 5
    vrnn_size = count_parameters(build_stroke_model(StrokeRun("vrnn", **sizes)))
    for baseline in (rnn, gmm):  # matched to the VRNN's size, within one state unit's worth
        assert abs(count_parameters(baseline) - vrnn_size) < 0.05 * vrnn_size
    with pytest.raises(ValueError, match="unknown model"):
        build_stroke_model(StrokeRun("lstm"))


def test_polylines_break_where_the_pen_is_lifted():
    seq = torch.tensor([[1.0, 0, 0], [0, 1, 1], [2, 0, 0], [0, 2, 1], [5, 5, 1]])
    lines = strokes.polylines(seq)
    assert [len(p) for p in lines] == [2, 2, 1]
    np.testing.assert_array_equal(lines[0], [[1, 0], [1, 1]])
    np.testing.assert_array_equal(lines[1], [[3, 1], [3, 3]])
    np.testing.assert_array_equal(lines[2], [[8, 8]])
    assert [len(p) for p in strokes.polylines(seq, length=3)] == [2, 1]
    with pytest.raises(ValueError, match="steps, 3"):
        strokes.polylines(torch.zeros(2, 3, 3))


def test_render_draws_centred_ink_and_refuses_bad_input():
    seq = torch.tensor([[[0.0, 0, 0], [10, 0, 0], [0, 10, 1]]])  # an L turned over
    img = strokes.render(seq, size=32, margin=3).reshape(32, 32)
    assert set(img.unique().tolist()) == {0.0, 1.0}
    rows, cols = torch.nonzero(img, as_tuple=True)
    assert rows.min() >= 3 and rows.max() <= 29 and cols.min() >= 3 and cols.max() <= 28
    assert img[3, 3:29].all() and img[3:29, 28].all()  # the two segments, edge to edge
    with pytest.raises(ValueError, match="n, steps, 3"):
        strokes.render(torch.zeros(4, 3))
    with pytest.raises(ValueError, match="no room"):
        strokes.render(seq, size=6, margin=3)
