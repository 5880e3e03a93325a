"""The explorer's static face, for the rendered book: a self-contained piece of HTML with every
frame precomputed (PNG data URIs), HTML controls and the script in ``explorer.js``; no CDN and
no Python behind it."""

from __future__ import annotations

import base64
import html
import json
from importlib import resources

from vaecore.book.explore.frames import Frames


def _asset(name: str) -> str:
    return resources.files("vaecore.book.explore").joinpath(name).read_text()


def _img_tag(frames: Frames, frame: str, n_images: int) -> str:
    """The ``<img>`` showing ``frame`` (base64 PNG), drawn three times its size in pixels."""
    h, w = frames.image_shape
    # "dark-light": the book's dark theme leaves the image undimmed (it is black ink on white).
    return (
        f'<img class="vx-image dark-light" src="data:image/png;base64,{frame}" '
        f'width="{((w + 2) * n_images - 2) * 3}" height="{h * 3}" '
        f'alt="Images decoded from the codes set by the controls above">'
    )


def _b64(frames: Frames, a: int, b: int) -> str:
    return base64.b64encode(frames.frame(a, b)).decode("ascii")


def _pad_parts(frames: Frames) -> tuple[dict, str, str, str, str]:
    """The data, controls, view, first readout and note of a 2-D pad."""
    f, mid, last = frames, frames.middle, frames.steps - 1
    settings = [(ix, iy) for iy in range(f.steps) for ix in range(f.steps)]
    images = [_b64(f, *s) for s in settings]  # row iy, column ix
    data = {
        "mode": "pad",
        "steps": f.steps,
        "frames": images,
        "readouts": [f.readout(*s) for s in settings],
    }
    controls = "".join(
        f'<label>z{d + 1} <input class="vx-{axis}" type="range" min="0" max="{last}" '
        f'step="1" value="{mid}"></label>'
        for d, axis in enumerate("xy")
    )
    first = images[mid * f.steps + mid]
    view = f'<div class="vx-view">{f.pad_svg(mid, mid)}{_img_tag(f, first, 1)}</div>'
    note = f"Precomputed frames on a {f.steps}×{f.steps} grid."
    return data, controls, view, f.readout(mid, mid), note


def _dims_parts(frames: Frames) -> tuple[dict, str, str, str, str]:
    """The data, controls, view, first readout and note of a dimension chooser."""
    f, mid, last = frames, frames.middle, frames.steps - 1
    dims = [
        {
            "dim": d,
            "frames": [_b64(f, d, i) for i in range(f.steps)],
            "readouts": [f.readout(d, i) for i in range(f.steps)],
        }
        for d in f.static_dims
    ]
    data = {"mode": "dims", "steps": f.steps, "dims": dims}
    text = f.readout(f.static_dims[0], mid)
    options = "".join(
        f'<option value="{i}">{html.escape(f.option_label(d))}</option>'
        for i, d in enumerate(f.static_dims)
    )
    controls = (
        f'<label>Dimension <select class="vx-dim">{options}</select></label>'
        f'<label>Offset <input class="vx-value" type="range" min="0" max="{last}" '
        f'step="1" value="{mid}" aria-valuetext="{html.escape(text)}"></label>'
    )
    view = _img_tag(f, dims[0]["frames"][mid], len(f.base))  # type: ignore[index]
    if len(f.static_dims) == f.latent_dim:
        note = "Precomputed frames."
    elif f.order[-1] in f.static_dims:
        note = (
            f"Precomputed frames for the {len(f.static_dims) - 1} most important of "
            f"{f.latent_dim} dimensions and the least important one."
        )
    else:
        note = f"Precomputed frames for the most important of {f.latent_dim} dimensions."
    return data, controls, view, text, note


def static_html(frames: Frames) -> str:
    """The self-contained static explorer: controls, every frame, and its script."""
    data, controls, view, text, note = (_pad_parts if frames.pad else _dims_parts)(frames)
    payload = json.dumps(data, separators=(",", ":")).replace("</", "<\\/")
    title = frames.title
    return (
        f'<div class="vaecore-explorer" role="group" '
        f'aria-label="{html.escape(title or "Latent explorer")}">'
        f"<style>{_asset('explorer.css')}</style>"
        + (f'<p class="vx-title">{html.escape(title)}</p>' if title else "")
        + f'<div class="vx-controls">{controls}'
        f'<button type="button" class="vx-reset">Reset</button></div>'
        f'{view}<p class="vx-readout" aria-live="polite">{html.escape(text)}</p>'
        f'<p class="vx-note">{note} Run the notebook to drive the model itself.</p>'
        f'<script type="application/json" class="vx-data">{payload}</script>'
        f"<script>{_asset('explorer.js')}</script></div>"
    )
