"""The book's figures: one style, image grids, rows of images with labels, latent scatters.

Figures have a white background on purpose: they then read the same in the book's light and
dark themes. Colours come from the Okabe-Ito palette, which colour-blind readers can tell apart.
"""

from __future__ import annotations

import re
from html import escape
from typing import Sequence

import matplotlib as mpl
import matplotlib.pyplot as plt
import numpy as np
import torch
from cycler import cycler
from matplotlib.animation import Animation

from vaecore import checks

__all__ = [
    "OKABE_ITO",
    "CLASS_COLOURS",
    "set_style",
    "image_grid",
    "show_images",
    "show_rows",
    "latent_scatter",
    "prior_contours",
    "animation_html",
    "draw_strokes",
]

OKABE_ITO = ("#0072B2", "#E69F00", "#009E73", "#D55E00", "#CC79A7", "#56B4E9", "#F0E442", "#000000")
# Ten distinguishable colours for the ten classes of MNIST-like data.
CLASS_COLOURS = (
    "#0072B2",
    "#E69F00",
    "#009E73",
    "#D55E00",
    "#CC79A7",
    "#56B4E9",
    "#B8A200",
    "#000000",
    "#999999",
    "#882255",
)


def set_style() -> None:
    """Apply the book's matplotlib style (call once at the top of a notebook)."""
    mpl.rcParams.update(
        {
            "figure.facecolor": "white",
            "savefig.facecolor": "white",
            "axes.facecolor": "white",
            "figure.dpi": 100,
            "font.size": 11,
            "axes.titlesize": 12,
            "axes.labelsize": 11,
            "axes.grid": True,
            "grid.alpha": 0.3,
            "axes.spines.top": False,
            "axes.spines.right": False,
            "axes.prop_cycle": cycler(color=OKABE_ITO),
            "legend.frameon": False,
            "image.cmap": "gray_r",
        }
    )


@checks.arguments(shape=checks.PAIR, ncols=checks.COUNT, pad=checks.whole(0))
def image_grid(
    images: torch.Tensor | np.ndarray, ncols: int, pad: int = 1, shape: tuple[int, int] = (28, 28)
) -> np.ndarray:
    """Tile ``images: (n, h * w)`` (or ``(n, h, w)``) into one ``(H, W)`` array, row by row.

    ``shape`` is ``(h, w)``, MNIST's ``(28, 28)`` by default. Cells are separated by ``pad`` pixels
    of 0 (white with the ``gray_r`` colour map)."""
    h, w = shape
    x = np.asarray(
        images.detach().cpu() if isinstance(images, torch.Tensor) else images, dtype=np.float32
    ).reshape(len(images), h, w)
    if len(x) == 0:
        raise ValueError("need at least one image, got none")
    nrows = -(-len(x) // ncols)
    grid = np.zeros((nrows * (h + pad) - pad, ncols * (w + pad) - pad), dtype=np.float32)
    for i, img in enumerate(x):
        r, c = divmod(i, ncols)
        grid[r * (h + pad) : r * (h + pad) + h, c * (w + pad) : c * (w + pad) + w] = img
    return grid


@checks.arguments(ncols=checks.COUNT)
def show_images(
    ax: plt.Axes,
    images: torch.Tensor | np.ndarray,
    ncols: int,
    title: str | None = None,
    signed: bool = False,
) -> None:
    """Draw ``images: (n, 784)`` as a grid on ``ax``.

    Intensities in [0, 1] are drawn as black ink on white; with ``signed`` (e.g. principal
    components), values are drawn red (positive) and blue (negative) around a white zero.
    """
    grid = image_grid(images, ncols)
    if signed:
        m = float(np.abs(grid).max()) or 1.0
        ax.imshow(grid, vmin=-m, vmax=m, cmap="RdBu_r", interpolation="nearest")
    else:
        ax.imshow(grid, vmin=0, vmax=1, cmap="gray_r", interpolation="nearest")
    ax.set_xticks([])
    ax.set_yticks([])
    ax.grid(False)
    for spine in ax.spines.values():
        spine.set_visible(False)
    if title:
        ax.set_title(title)


@checks.arguments(width=checks.POSITIVE)
def show_rows(rows: dict[str, torch.Tensor], width: float = 10.0) -> plt.Figure:
    """One row of images per entry of ``rows`` (label -> ``(n, 784)``), labelled on the left."""
    ncols = max(len(v) for v in rows.values())
    fig, axes = plt.subplots(
        len(rows), 1, figsize=(width, 0.95 * width / ncols * len(rows) + 0.2), squeeze=False
    )
    for ax, (label, images) in zip(axes[:, 0], rows.items()):
        show_images(ax, images, ncols)
        ax.set_ylabel(label, rotation=0, ha="right", va="center", labelpad=8)
    fig.subplots_adjust(hspace=0.08, left=0.2, right=0.99, top=0.99, bottom=0.01)
    return fig


@checks.arguments(s=checks.POSITIVE)
def latent_scatter(
    ax: plt.Axes,
    z: torch.Tensor | np.ndarray,
    labels: torch.Tensor | np.ndarray,
    classes: Sequence[str],
    s: float = 2.0,
) -> None:
    """Scatter 2-D codes ``z: (n, 2)`` coloured by ``labels: (n,)``, with a legend of
    ``classes``."""
    z, labels = np.asarray(z), np.asarray(labels)
    if z.ndim != 2 or z.shape[1] != 2:
        raise ValueError(f"latent_scatter needs codes of shape (n, 2), got {z.shape}")
    for c, name in enumerate(classes):
        pts = z[labels == c]
        ax.scatter(
            pts[:, 0],
            pts[:, 1],
            s=s,
            color=CLASS_COLOURS[c % len(CLASS_COLOURS)],
            label=name,
            alpha=0.6,
            linewidths=0,
            rasterized=True,
        )
    ax.set_xlabel("$z_1$")
    ax.set_ylabel("$z_2$")
    ax.legend(
        markerscale=4 / max(s, 0.1) * 2, loc="center left", bbox_to_anchor=(1.0, 0.5), title="label"
    )


def prior_contours(ax: plt.Axes, radii: Sequence[float] = (1, 2, 3)) -> None:
    """Draw the standard normal prior's contours ``||z|| = r`` (dashed circles) on a 2-D axis.

    For ``N(0, I_2)``, the circles at 1, 2 and 3 hold 39%, 86% and 99% of the mass.
    """
    for r in radii:
        ax.add_patch(plt.Circle((0, 0), r, fill=False, ls="--", lw=1.2, color="black"))
    ax.plot(
        [], [], ls="--", color="black", label=f"prior N(0, I): radius {', '.join(map(str, radii))}"
    )
    ax.set_aspect("equal", adjustable="datalim")


# matplotlib's player draws its buttons with Font Awesome icons loaded from a CDN; offline they
# vanish. These text symbols, from fonts every system has, stand in for them (the buttons keep
# their aria-labels).
_PLAYER_SYMBOLS = {
    "minus": "\u2212",
    "fast-backward": "|\u25c0\u25c0",
    "step-backward": "|\u25c0",
    "play fa-flip-horizontal": "\u25c0",
    "pause": "||",
    "play": "\u25b6",
    "step-forward": "\u25b6|",
    "fast-forward": "\u25b6\u25b6|",
    "plus": "+",
}


def animation_html(animation: Animation, alt: str) -> str:
    """The animation as self-contained HTML (frames, player and script) for a static page.

    ``animation.to_jshtml()`` without its one external resource, Font Awesome from a CDN: the
    player's icons become plain text symbols, so the page needs no network. ``alt`` describes
    the frames for readers who cannot see them; the frame slider is labelled.
    """
    if len(alt.strip()) < 10:
        raise ValueError(f"alt must describe the animation in words, got {alt!r}")
    html = animation.to_jshtml(default_mode="once")
    html = re.sub(r'<link rel="stylesheet"\s*href="https?://[^"]*font-awesome[^"]*">', "", html)
    html, images = re.subn(
        r'<img (id="_anim_img\w+")>', lambda m: f'<img {m.group(1)} alt="{escape(alt)}">', html
    )
    html, sliders = re.subn(r'class="anim-slider"', 'class="anim-slider" aria-label="Frame"', html)
    if (images, sliders) != (1, 1):  # matplotlib changed its player: look at it again
        raise RuntimeError("the animation player's image or slider was not found to label")
    return re.sub(
        r'<i class="fa fa-([a-z -]+)"></i>',
        lambda m: f'<span aria-hidden="true">{_PLAYER_SYMBOLS.get(m.group(1), "?")}</span>',
        html,
    )


@checks.arguments(length=checks.optional(checks.COUNT), linewidth=checks.POSITIVE)
def draw_strokes(
    ax: plt.Axes,
    strokes: torch.Tensor | np.ndarray,
    length: int | None = None,
    colour: str = "#000000",
    linewidth: float = 1.5,
) -> None:
    """Draw one pen-stroke sequence ``(T, 3)`` (stroke-3, see :mod:`vaecore.book.strokes`) on
    ``ax``, its first ``length`` steps, with the y axis pointing up and equal scales, without axes.
    """
    from vaecore.book.strokes import polylines

    for line in polylines(strokes, length):
        ax.plot(
            line[:, 0],
            -line[:, 1],
            color=colour,
            linewidth=linewidth,
            marker="o" if len(line) == 1 else None,
            markersize=2,
            solid_capstyle="round",
            solid_joinstyle="round",
        )
    ax.set_aspect("equal")
    ax.axis("off")
