"""vaecore.book.plots: image grids, and the facts the figures state."""

import math
import re

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402
import torch  # noqa: E402
from matplotlib.animation import FuncAnimation  # noqa: E402

from vaecore.book import plots


def test_image_grid_places_images_row_by_row_with_padding():
    images = torch.stack([torch.full((784,), float(i)) for i in range(5)])
    grid = plots.image_grid(images, ncols=3, pad=1)
    assert grid.shape == (2 * 28 + 1, 3 * 28 + 2)
    assert grid[0, 0] == 0 and grid[0, 29] == 1 and grid[0, 58] == 2
    assert grid[29, 0] == 3 and grid[29, 29] == 4
    assert grid[28, :].max() == 0 and grid[29:, 58:].max() == 0  # padding and the empty cell
    with pytest.raises(ValueError):
        plots.image_grid(torch.zeros(0, 784), ncols=3)


def test_prior_contours_hold_the_stated_mass():
    # N(0, I_2): P(||z|| <= r) = 1 - exp(-r^2 / 2): 39%, 86% and 99% for r = 1, 2, 3.
    z = torch.randn(400_000, 2, generator=torch.Generator().manual_seed(0))
    for r, stated in [(1, 0.39), (2, 0.86), (3, 0.99)]:
        assert (z.norm(dim=1) <= r).float().mean().item() == pytest.approx(
            1 - math.exp(-r * r / 2), abs=0.003
        )
        assert round(1 - math.exp(-r * r / 2), 2) == stated
    fig, ax = plt.subplots()
    plots.prior_contours(ax)
    assert len(ax.patches) == 3
    plt.close(fig)


def test_latent_scatter_and_show_rows_draw():
    fig, ax = plt.subplots()
    plots.latent_scatter(
        ax, np.random.default_rng(0).normal(size=(50, 2)), np.arange(50) % 10, "0123456789"
    )
    assert len(ax.collections) == 10
    with pytest.raises(ValueError, match=r"\(n, 2\)"):
        plots.latent_scatter(ax, np.zeros((5, 3)), np.zeros(5), "0")
    plt.close(fig)
    fig = plots.show_rows({"a": torch.rand(4, 784), "b": torch.rand(4, 784)})
    assert len(fig.axes) == 2
    plt.close(fig)


def test_animation_html_needs_no_network_and_is_labelled():
    fig, ax = plt.subplots(figsize=(1, 1), dpi=20)
    points = ax.scatter([0], [0])
    animation = FuncAnimation(fig, lambda i: [points.set_offsets([[i, i]])], frames=3)
    html = plots.animation_html(animation, alt='One dot moving "up" the diagonal')
    with pytest.raises(ValueError, match="alt"):
        plots.animation_html(animation, alt=" ")
    plt.close(fig)
    assert "http" not in html and "<i class" not in html
    assert "\u25b6" in html and 'aria-label="Play"' in html  # the play button, now a text symbol
    assert html.count("data:image/png;base64") >= 3  # every frame is embedded
    # what an accessibility check asks of it: the image described, the slider named
    assert re.search(
        r'<img id="_anim_img\w+" alt="One dot moving &quot;up&quot; the diagonal">', html
    )
    assert re.search(
        r'<input id="_anim_slider\w+" type="range" class="anim-slider" aria-label="Frame"', html
    )
