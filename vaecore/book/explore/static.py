"""The explorer's static face, for the rendered book: a self-contained piece of HTML with every
frame precomputed (PNG data URIs), HTML controls and the script in ``explorer.js``; no CDN and
no Python behind it. When the book's build exported the decoder (:mod:`~vaecore.book.explore.web`),
the data also says how to decode any setting in the page, and ``explorer.js`` hands the controls
to ``explorer-live.mjs`` on the reader's first interaction."""

from __future__ import annotations

import base64
import html
import json
from importlib import resources

from vaecore.book.explore.frames import OPTION, READOUT, READOUT_PAD, Frames

__all__ = ["PHRASES", "static_html"]

#: Every phrase the static explorer shows, as a template whose fields are numbers or the
#: explorer's own phrases (its title and importance label, listed in its ``vx-phrases``). Each
#: stands alone between tags or quotes, so that the Chinese edition can find it in a built page
#: and write its translation in its place (``tools/book_i18n.py``): both editions show the same
#: frames and numbers, computed once.
PHRASES = {
    "readout": READOUT,
    "option": OPTION,
    "dimension": "Dimension",
    "offset": "Offset",
    "reset": "Reset",
    "group": "Latent explorer",
    "alt": "Images decoded from the codes set by the controls above",
    "pad note": "Precomputed frames on a {steps}×{steps} grid.",
    "all dims note": "Precomputed frames.",
    "some dims note": "Precomputed frames for the {shown} most important of {k} dimensions "
    "and the least important one.",
    "top dims note": "Precomputed frames for the most important of {k} dimensions.",
    "live note": "Run the notebook to drive the model itself.",
    "browser note": "Move a control to run the model itself in this page.",
    "mode frames": "Precomputed",
    "mode loading": "Loading the model…",
    "mode live": "Live",
    "live now": "The model runs in this page: any setting, not only the grid's.",
    "no live": "The model cannot run in this page: precomputed frames.",
    "draw open": "Draw a digit",
    "draw clear": "Clear",
    "draw pad": "Drawing pad: draw with the mouse or a finger, or move the pen with the arrow "
    "keys and put it down or lift it with Space",
    "draw note": "As MNIST's digits were, the drawing is scaled to fit a 20×20 box and centred "
    "by its centre of mass in a 28×28 field before the encoder reads it.",
    "draw images": "Your drawing as the encoder reads it, and its reconstruction",
    "draw images vae": "Your drawing as the encoder reads it, its reconstruction from the mean "
    "of q(z | x), and four draws from q(z | x)",
    "draw empty": "Draw a digit on the pad.",
    "draw code": "Your drawing: z = ({values})",
    "draw posterior": "Your drawing: q(z | x) has mean ({means}) and standard deviation ({sds})",
}


def _asset(name: str) -> str:
    return resources.files("vaecore.book.explore").joinpath(name).read_text()


def _img_tag(frames: Frames, frame: str, n_images: int) -> str:
    """The ``<img>`` showing ``frame`` (base64 PNG), drawn three times its size in pixels."""
    h, w = frames.image_shape
    # "dark-light": the book's dark theme leaves the image undimmed (it is black ink on white).
    return (
        f'<img class="vx-image dark-light" src="data:image/png;base64,{frame}" '
        f'width="{((w + 2) * n_images - 2) * 3}" height="{h * 3}" '
        f'alt="{PHRASES["alt"]}">'
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
    note = PHRASES["pad note"].format(steps=f.steps)
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
        f"<label><span>{PHRASES['dimension']}</span> "
        f'<select class="vx-dim">{options}</select></label>'
        f"<label><span>{PHRASES['offset']}</span> "
        f'<input class="vx-value" type="range" min="0" max="{last}" '
        f'step="1" value="{mid}" aria-valuetext="{html.escape(text)}"></label>'
    )
    view = _img_tag(f, dims[0]["frames"][mid], len(f.base))  # type: ignore[index]
    if len(f.static_dims) == f.latent_dim:
        note = PHRASES["all dims note"]
    elif f.order[-1] in f.static_dims:
        note = PHRASES["some dims note"].format(shown=len(f.static_dims) - 1, k=f.latent_dim)
    else:
        note = PHRASES["top dims note"].format(k=f.latent_dim)
    return data, controls, view, text, note


def _script_json(value: object) -> str:
    """``value`` as JSON to put inside a ``<script>``: no ``</`` that would close it, and
    non-ASCII unescaped, so that a readout reads the same in the data and in the page."""
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False).replace("</", "<\\/")


def _live_part(frames: Frames, model: str) -> dict:
    """What ``explorer-live.mjs`` needs to decode a setting of the controls, continuous values
    included (``frames.codes_at`` for any grid position), and to say so."""
    f = frames
    return {
        "model": model,
        "shape": list(f.image_shape),
        "span": float(f.offsets[-1]),
        "centre": f.centre.tolist(),
        "scale": f.scale.tolist(),
        "base": f.base.tolist(),
        "readout": READOUT_PAD if f.pad else READOUT,
        "phrases": {
            key: PHRASES[key]
            for key in ("mode frames", "mode loading", "mode live", "live now", "no live")
        },
    }


def _draw_part(encoder: dict) -> str:
    """The drawing pad, hidden until the page's models run (``explorer-live.mjs``)."""
    alt = PHRASES["draw images vae" if encoder["outputs"] == ["mean", "log_var"] else "draw images"]
    return (
        f'<button type="button" class="vx-draw-open" hidden>{PHRASES["draw open"]}</button>'
        f'<div class="vx-draw" hidden><div class="vx-view">'
        f'<canvas class="vx-canvas" width="224" height="224" tabindex="0" role="application" '
        f'aria-label="{PHRASES["draw pad"]}"></canvas><div>'
        f'<div class="vx-drawn-row" data-alt="{alt}"></div>'
        f'<p class="vx-draw-readout" aria-live="polite">{PHRASES["draw empty"]}</p>'
        f'<button type="button" class="vx-clear">{PHRASES["draw clear"]}</button></div></div>'
        f'<p class="vx-note">{PHRASES["draw note"]}</p></div>'
    )


def static_html(frames: Frames, model: str | None = None, encoder: dict | None = None) -> str:
    """The self-contained static explorer: controls, every frame, and its script; with
    ``model`` (the exported decoder's file name), what the page needs to run it, and with
    ``encoder`` (:func:`~vaecore.book.explore.web.export_encoder`'s answer) a pad to draw on."""
    data, controls, view, text, note = (_pad_parts if frames.pad else _dims_parts)(frames)
    if model is not None:
        data["live"] = _live_part(frames, model)
        if encoder is not None:
            data["live"]["encoder"] = encoder
            data["live"]["readout draw"] = PHRASES[
                "draw posterior" if encoder["outputs"] == ["mean", "log_var"] else "draw code"
            ]
            data["live"]["phrases"]["draw empty"] = PHRASES["draw empty"]
    payload = _script_json(data)
    title = frames.title
    own = _script_json([p for p in (title, frames.importance_label) if p])
    return (
        f'<div class="vaecore-explorer" role="group" '
        f'aria-label="{html.escape(title or PHRASES["group"])}">'
        f"<style>{_asset('explorer.css')}</style>"
        + (f'<p class="vx-title">{html.escape(title)}</p>' if title else "")
        + f'<div class="vx-controls">{controls}'
        f'<button type="button" class="vx-reset">{PHRASES["reset"]}</button></div>'
        f'{view}<p class="vx-state" aria-live="polite"><span class="vx-mode">'
        f'{PHRASES["mode frames"]}</span> <span class="vx-readout">{html.escape(text)}</span></p>'
        f'<p class="vx-note"><span>{note}</span> '
        f"<span>{PHRASES['browser note' if model else 'live note']}</span></p>"
        + (_draw_part(encoder) if model is not None and encoder is not None else "")
        + f'<script type="application/json" class="vx-data">{payload}</script>'
        f'<script type="application/json" class="vx-phrases">{own}</script>'
        f"<script>{_asset('explorer.js')}</script></div>"
    )
