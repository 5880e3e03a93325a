"""The latent explorer: move one latent dimension, or a point on a 2-D pad, and watch the decoder.

``explore(decode, codes)`` returns one object with two faces:

* **live**, in a Jupyter kernel (JupyterLab, Notebook, Binder, Colab, VS Code): ipywidgets 8
  controls, and every move decodes on demand with the real model;
* **static**, in the rendered book (no kernel): a self-contained ``text/html`` fallback that
  carries precomputed frames (PNG data URIs), HTML controls and a few lines of JavaScript; no
  CDN, no Python behind it.

Its MIME bundle holds both. Jupyter front ends render the widget view; the book tells myst-nb to
skip widget views (``nb_mime_priority_overrides`` in ``_config.yml``), so the page shows the HTML.

Two layouts:

* ``K != 2``: a chooser of dimension, ordered by importance (for a VAE, each dimension's average
  KL), and one offset slider. Every base code moves along the chosen dimension by the same amount,
  ``z[:, d] = base[:, d] + offset * scale[d]``, so the row of images shows what the dimension does
  in general, not for one sample. Offset 0 shows the base codes' own decodings.
* ``K == 2``: a pad. Two sliders (and, in the static page, a click, a drag or the arrow keys on the
  pad) set the whole code ``z = centre + offset * scale``; the pad shows where the data's codes lie.

Live and static share one grid of offsets, and one set of frames: the live PNG for a setting is
byte for byte the static frame for it.
"""

from __future__ import annotations

import base64
import html
import json
import math
import struct
import zlib
from typing import Callable

import ipywidgets as widgets
import numpy as np
import torch

from .plots import image_grid

Decode = Callable[[torch.Tensor], torch.Tensor]


def encode_png(pixels: np.ndarray) -> bytes:
    """An 8-bit greyscale PNG of ``pixels: (h, w)`` uint8 (no filter, zlib level 9, deterministic)."""
    if pixels.dtype != np.uint8 or pixels.ndim != 2:
        raise ValueError(f"need a 2-D uint8 array, got {pixels.dtype} of shape {pixels.shape}")
    h, w = pixels.shape
    raw = b"".join(b"\x00" + row.tobytes() for row in pixels)

    def chunk(tag: bytes, data: bytes) -> bytes:
        return (struct.pack(">I", len(data)) + tag + data
                + struct.pack(">I", zlib.crc32(tag + data) & 0xFFFFFFFF))

    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", w, h, 8, 0, 0, 0, 0))
            + chunk(b"IDAT", zlib.compress(raw, 9)) + chunk(b"IEND", b""))


def _device_of(decode: Decode) -> torch.device:
    """Where ``decode`` wants its codes: the device of its module's parameters (CPU otherwise)."""
    module = decode if isinstance(decode, torch.nn.Module) else getattr(decode, "__self__", None)
    if isinstance(module, torch.nn.Module):
        param = next(module.parameters(), None)
        if param is not None:
            return param.device
    return torch.device("cpu")


def _as_per_dim(value: float | torch.Tensor | None, default: torch.Tensor, name: str) -> torch.Tensor:
    """A ``(K,)`` tensor from a scalar, a ``(K,)`` tensor or ``None`` (then ``default``)."""
    if value is None:
        return default
    t = torch.as_tensor(value, dtype=torch.float32).detach().cpu()
    t = t.expand_as(default).clone() if t.dim() == 0 else t
    if t.shape != default.shape:
        raise ValueError(f"{name} must be a number or have shape {tuple(default.shape)}, "
                         f"got shape {tuple(t.shape)}")
    if not torch.isfinite(t).all():
        raise ValueError(f"{name} must be finite, got {t.tolist()}")
    return t


class LatentExplorer:
    """Sliders over a decoder's latent space, live (ipywidgets) and static (HTML); see :func:`explore`.

    Live controls: ``dim_select`` and ``slider`` (``K != 2``) or ``sliders`` (``K == 2``, the two
    coordinates), ``reset_button``, and the outputs ``image`` (a PNG) and ``readout`` (the values).
    """

    def __init__(self, decode: Decode, codes: torch.Tensor, *, n_base: int,
                 importance: torch.Tensor | None, importance_label: str,
                 scale: float | torch.Tensor | None, centre: float | torch.Tensor | None,
                 span: float, steps: int | None, image_shape: tuple[int, int],
                 max_static_dims: int, title: str) -> None:
        codes = torch.as_tensor(codes, dtype=torch.float32).detach().cpu()
        if codes.dim() != 2 or len(codes) == 0:
            raise ValueError(f"codes must have shape (n, K) with n >= 1, got {tuple(codes.shape)}")
        if not torch.isfinite(codes).all():
            raise ValueError("codes contain NaN or infinite values")
        if not 1 <= n_base <= len(codes):
            raise ValueError(f"n_base must be between 1 and the number of codes ({len(codes)}), "
                             f"got {n_base}")
        if not (math.isfinite(span) and span > 0):
            raise ValueError(f"span must be a positive number, got {span}")
        self.latent_dim = k = codes.shape[1]
        self.pad = k == 2
        steps = steps if steps is not None else (21 if self.pad else 13)
        if steps < 3 or steps % 2 == 0:
            raise ValueError(f"steps must be odd and at least 3 (so that 0 is on the grid), got {steps}")
        if max_static_dims < 1:
            raise ValueError(f"max_static_dims must be at least 1, got {max_static_dims}")
        self.decode_fn, self.codes, self.base = decode, codes, codes[:n_base]
        self.device = _device_of(decode)  # codes live on the CPU; the decoder may not
        self.image_shape, self.title, self.steps = image_shape, title, steps
        self.offsets = np.linspace(-span, span, steps)
        self.scale = _as_per_dim(scale, codes.std(0) if len(codes) > 1 else torch.ones(k), "scale")
        self.centre = _as_per_dim(centre, codes.mean(0), "centre")
        self.importance = _as_per_dim(importance, codes.var(0) if len(codes) > 1 else torch.ones(k),
                                      "importance")
        self.importance_label = importance_label
        if self.pad and not (self.scale > 0).all():
            raise ValueError(f"a 2-D pad needs a positive scale on both axes, got {self.scale.tolist()} "
                             "(the codes do not vary along one of them: pass scale=)")
        # Dimensions by decreasing importance (ties: lower index first).
        self.order = sorted(range(k), key=lambda d: (-float(self.importance[d]), d))
        # The static page: the most important dimensions, and the least one to compare with.
        if k <= max_static_dims:
            self.static_dims = self.order
        elif max_static_dims == 1:
            self.static_dims = self.order[:1]
        else:
            self.static_dims = self.order[:max_static_dims - 1] + self.order[-1:]
        self._pad_dots: str | None = None
        self._decode_checked(self.base)  # fail now, with a clear message, not on the first move
        self._build_widgets()

    # --- frames: one per setting, shared by the live and static faces ---------------------------

    def _decode_checked(self, z: torch.Tensor) -> np.ndarray:
        """Decode ``z: (m, K)`` to ``(m, h * w)`` intensities in [0, 1], with clear errors."""
        h, w = self.image_shape
        with torch.no_grad():
            try:
                x = self.decode_fn(z.to(self.device))
            except RuntimeError as err:  # a shape mismatch inside the decoder's first layer
                raise ValueError(f"decode failed on codes of shape {tuple(z.shape)}: does the decoder "
                                 f"take {self.latent_dim}-dimensional codes? ({err})") from err
        if not isinstance(x, torch.Tensor):
            raise TypeError(f"decode must return a tensor, got {type(x).__name__}")
        if tuple(x.shape) not in ((len(z), h * w), (len(z), h, w)):
            raise ValueError(f"decode returned shape {tuple(x.shape)} for {len(z)} codes; expected "
                             f"({len(z)}, {h * w}) or ({len(z)}, {h}, {w}) for image_shape {(h, w)}")
        if not torch.isfinite(x).all():
            raise ValueError("decode returned NaN or infinite values")
        return x.detach().cpu().reshape(len(z), h * w).clamp(0, 1).numpy()

    def _png(self, z: torch.Tensor) -> bytes:
        """The images decoded from ``z: (m, K)`` in one row, black ink on white, as a PNG."""
        grid = image_grid(self._decode_checked(z), ncols=len(z), pad=2, shape=self.image_shape)
        return encode_png(np.round(255 * (1 - grid)).astype(np.uint8))

    def _dim_codes(self, dim: int, step: int) -> torch.Tensor:
        z = self.base.clone()
        z[:, dim] += float(self.offsets[step]) * self.scale[dim]
        return z

    def _pad_code(self, ix: int, iy: int) -> torch.Tensor:
        offsets = torch.tensor([self.offsets[ix], self.offsets[iy]], dtype=torch.float32)
        return (self.centre + offsets * self.scale)[None]

    def frame(self, a: int, b: int) -> bytes:
        """The PNG for one setting: ``(dim, step)``, or ``(ix, iy)`` on a 2-D pad (grid indices)."""
        return self._png(self._pad_code(a, b) if self.pad else self._dim_codes(a, b))

    def readout(self, a: int, b: int) -> str:
        """The values printed under the images for the same setting as :meth:`frame`."""
        if self.pad:
            z = self._pad_code(a, b)[0]
            return f"z = ({z[0]:.2f}, {z[1]:.2f})"
        z = self._dim_codes(a, b)[:, a]
        values = ", ".join(f"{v:.2f}" for v in z.tolist())
        return (f"z{a + 1} moved by {self.offsets[b]:+.2f} × {float(self.scale[a]):.2f}: "
                f"z{a + 1} = {values}")

    def _option_label(self, d: int) -> str:
        return f"z{d + 1} · {self.importance_label} {float(self.importance[d]):.3g}"

    # --- live face: ipywidgets ------------------------------------------------------------------

    def _build_widgets(self) -> None:
        step = float(self.offsets[1] - self.offsets[0])
        self.reset_button = widgets.Button(description="Reset", tooltip="Back to the starting codes")
        w = (self.image_shape[1] + 2) * (1 if self.pad else len(self.base)) * 3
        self.image = widgets.Image(format="png", layout=widgets.Layout(width=f"{w}px"))
        self.image.add_class("vx-image")
        self.readout_html = widgets.HTML()
        self.readout_html.add_class("vx-readout")
        style = widgets.HTML(f"<style>{_CSS}</style>")
        title = widgets.HTML(f"<p class='vx-title'>{html.escape(self.title)}</p>" if self.title else "")
        if self.pad:
            self.sliders = tuple(
                widgets.FloatSlider(value=float(self.centre[d]), step=step * float(self.scale[d]),
                                    min=float(self.centre[d] + self.offsets[0] * self.scale[d]),
                                    max=float(self.centre[d] + self.offsets[-1] * self.scale[d]),
                                    description=f"z{d + 1}", readout_format=".2f")
                for d in (0, 1))
            self.pad_html = widgets.HTML()
            for s in self.sliders:
                s.observe(lambda _: self._update(), names="value")
            controls = widgets.HBox([*self.sliders, self.reset_button])
            view = widgets.HBox([self.pad_html, self.image])
        else:
            self.dim_select = widgets.Dropdown(
                options=[(self._option_label(d), d) for d in self.order], value=self.order[0],
                description="Dimension")
            self.slider = widgets.FloatSlider(value=0.0, min=float(self.offsets[0]),
                                              max=float(self.offsets[-1]), step=step,
                                              description="Offset", readout_format="+.2f")
            self.slider.observe(lambda _: self._update(), names="value")
            self.dim_select.observe(self._on_dim, names="value")
            controls = widgets.HBox([self.dim_select, self.slider, self.reset_button])
            view = self.image
        self.reset_button.on_click(lambda _: self.reset())
        self.widget = widgets.VBox([style, title, controls, view, self.readout_html])
        self.widget.add_class("vaecore-explorer")
        self._update()

    def _index(self, value: float, lo: float, step: float) -> int:
        if not math.isfinite(value):
            raise ValueError(f"a slider value must be finite, got {value}")
        return min(max(round((value - lo) / step), 0), self.steps - 1)

    def state(self) -> tuple[int, int]:
        """The current setting as grid indices: ``(dim, step)``, or ``(ix, iy)`` on a 2-D pad."""
        if self.pad:
            return tuple(self._index(s.value, s.min, s.step) for s in self.sliders)  # type: ignore[return-value]
        return self.dim_select.value, self._index(self.slider.value, self.slider.min, self.slider.step)

    def _on_dim(self, _change: dict) -> None:
        if self.slider.value == 0.0:
            self._update()
        else:
            self.slider.value = 0.0  # triggers _update

    def _update(self) -> None:
        a, b = self.state()
        self.image.value = self.frame(a, b)
        self.readout_html.value = html.escape(self.readout(a, b))
        if self.pad:
            self.pad_html.value = self._pad_svg(a, b)

    def reset(self) -> None:
        """Back to the starting setting: the most important dimension at offset 0, or the pad's centre."""
        if self.pad:
            for d, s in enumerate(self.sliders):
                s.value = float(self.centre[d])
        else:
            self.dim_select.value = self.order[0]
            self.slider.value = 0.0
        self._update()

    # --- static face: HTML, frames and a few lines of JavaScript ----------------------------------

    def _pad_svg(self, ix: int, iy: int) -> str:
        """The pad: the codes' positions as dots, axes through the centre, and a marker at (ix, iy)."""
        if self._pad_dots is None:  # the codes do not move: draw their dots once
            lo = self.centre + self.offsets[0] * self.scale
            pos = ((self.codes[:500] - lo) / (self.scale * (self.offsets[-1] - self.offsets[0]))).clamp(0, 1)
            self._pad_dots = "".join(f'<circle cx="{x:.3f}" cy="{1 - y:.3f}" r="0.008"/>'
                                     for x, y in pos.tolist())
        dots = self._pad_dots
        last = self.steps - 1
        return (f'<svg class="vx-pad" viewBox="0 0 1 1" width="168" height="168" tabindex="0" '
                f'role="slider" aria-label="2-D latent pad: click, drag, or use the arrow keys" '
                f'aria-valuetext="{html.escape(self.readout(ix, iy))}">'
                f'<rect width="1" height="1" fill="none" stroke="currentColor" stroke-opacity="0.5" '
                f'vector-effect="non-scaling-stroke"/>'
                f'<path d="M0.5 0V1M0 0.5H1" stroke="currentColor" stroke-opacity="0.3" '
                f'vector-effect="non-scaling-stroke"/>'
                f'<g fill="#0072B2" fill-opacity="0.35">{dots}</g>'
                f'<circle class="vx-marker" cx="{ix / last:.4f}" cy="{1 - iy / last:.4f}" r="0.035" '
                f'fill="#D55E00" stroke="white" stroke-width="0.01"/></svg>')

    def _img_tag(self, frame: str, n_images: int) -> str:
        """The ``<img>`` showing ``frame`` (base64 PNG), drawn three times its size in pixels."""
        h, w = self.image_shape
        # "dark-light": the book's dark theme leaves the image undimmed (it is black ink on white).
        return (f'<img class="vx-image dark-light" src="data:image/png;base64,{frame}" '
                f'width="{((w + 2) * n_images - 2) * 3}" height="{h * 3}" '
                f'alt="Images decoded from the codes set by the controls above">')

    def to_html(self) -> str:
        """The self-contained static explorer: controls, every frame, and its script."""
        mid, last = (self.steps - 1) // 2, self.steps - 1
        def b64(a: int, b: int) -> str:
            return base64.b64encode(self.frame(a, b)).decode("ascii")

        data: dict[str, object]
        if self.pad:
            settings = [(ix, iy) for iy in range(self.steps) for ix in range(self.steps)]
            frames = [b64(*s) for s in settings]  # row iy, column ix
            data = {"mode": "pad", "steps": self.steps, "frames": frames,
                    "readouts": [self.readout(*s) for s in settings]}
            first, text = frames[mid * self.steps + mid], self.readout(mid, mid)
            controls = "".join(
                f'<label>z{d + 1} <input class="vx-{axis}" type="range" min="0" max="{last}" '
                f'step="1" value="{mid}"></label>' for d, axis in enumerate("xy"))
            view = f'<div class="vx-view">{self._pad_svg(mid, mid)}{self._img_tag(first, 1)}</div>'
            note = f"Precomputed frames on a {self.steps}×{self.steps} grid."
        else:
            dims = [{"dim": d, "frames": [b64(d, i) for i in range(self.steps)],
                     "readouts": [self.readout(d, i) for i in range(self.steps)]}
                    for d in self.static_dims]
            data = {"mode": "dims", "steps": self.steps, "dims": dims}
            first, text = b64(self.static_dims[0], mid), self.readout(self.static_dims[0], mid)
            options = "".join(f'<option value="{i}">{html.escape(self._option_label(d))}</option>'
                              for i, d in enumerate(self.static_dims))
            controls = (f'<label>Dimension <select class="vx-dim">{options}</select></label>'
                        f'<label>Offset <input class="vx-value" type="range" min="0" max="{last}" '
                        f'step="1" value="{mid}" aria-valuetext="{html.escape(text)}"></label>')
            view = self._img_tag(first, len(self.base))
            if len(self.static_dims) == self.latent_dim:
                note = "Precomputed frames."
            elif self.order[-1] in self.static_dims:
                note = (f"Precomputed frames for the {len(self.static_dims) - 1} most important of "
                        f"{self.latent_dim} dimensions and the least important one.")
            else:
                note = f"Precomputed frames for the most important of {self.latent_dim} dimensions."
        payload = json.dumps(data, separators=(",", ":")).replace("</", "<\\/")
        return (f'<div class="vaecore-explorer" role="group" '
                f'aria-label="{html.escape(self.title or "Latent explorer")}"><style>{_CSS}</style>'
                + (f'<p class="vx-title">{html.escape(self.title)}</p>' if self.title else "") +
                f'<div class="vx-controls">{controls}'
                f'<button type="button" class="vx-reset">Reset</button></div>'
                f'{view}<p class="vx-readout" aria-live="polite">{html.escape(text)}</p>'
                f'<p class="vx-note">{note} Run the notebook to drive the model itself.</p>'
                f'<script type="application/json" class="vx-data">{payload}</script>'
                f'<script>{_JS}</script></div>')

    def _repr_mimebundle_(self, include=None, exclude=None, **kwargs) -> dict:
        """The widget view for live front ends, and the static HTML for everything else."""
        bundle = dict(self.widget._repr_mimebundle_(**kwargs) or {})
        bundle["text/plain"] = repr(self)
        bundle["text/html"] = self.to_html()
        return bundle

    def __repr__(self) -> str:
        layout = "2-D pad" if self.pad else f"{self.latent_dim} dimensions"
        return f"LatentExplorer({layout}, {len(self.base)} base codes, {self.steps} steps)"


@torch.no_grad()
def output_sensitivity(decode: Decode, codes: torch.Tensor,
                       step: float | torch.Tensor = 1.0) -> torch.Tensor:
    """How much each latent dimension moves the output, for ordering an explorer's dimensions
    when there is no KL to go by (an autoencoder, a GAN's generator).

    ``codes: (n, K)`` -> ``(K,)``: for each ``d``, the root-mean-square change of the output,
    ``sqrt(mean_{i, pixels} (decode(z_i + step_d e_d) - decode(z_i))^2)``. ``step`` is one number
    or ``(K,)``, e.g. each dimension's standard deviation over the codes.
    """
    codes = torch.as_tensor(codes, dtype=torch.float32)
    if codes.dim() != 2 or len(codes) == 0:
        raise ValueError(f"codes must have shape (n, K) with n >= 1, got {tuple(codes.shape)}")
    steps = _as_per_dim(step, torch.ones(codes.shape[1]), "step")
    device = _device_of(decode)
    base = decode(codes.to(device))
    out = torch.empty(codes.shape[1])
    for d in range(codes.shape[1]):
        moved = codes.clone()
        moved[:, d] += steps[d]
        out[d] = (decode(moved.to(device)) - base).pow(2).mean().sqrt().cpu()
    return out


def explore(decode: Decode, codes: torch.Tensor | None = None, *,
            encode: Callable[[torch.Tensor], torch.Tensor | tuple[torch.Tensor, ...]] | None = None,
            data: torch.Tensor | None = None, latent_dim: int | None = None, n_base: int = 6,
            importance: torch.Tensor | None = None, importance_label: str = "variance",
            scale: float | torch.Tensor | None = None, centre: float | torch.Tensor | None = None,
            span: float = 3.0, steps: int | None = None, image_shape: tuple[int, int] = (28, 28),
            max_static_dims: int = 8, title: str = "") -> LatentExplorer:
    """A latent explorer over ``decode``, live in Jupyter and static in the book (module docstring).

    Codes, in order of precedence:

    - ``codes: (n, K)``: e.g. the encoder's means for test images, or draws from the prior;
    - ``encode`` and ``data: (n, D)``: ``codes = encode(data)`` (the first output if a tuple,
      i.e. the mean for a VAE's ``(mu, logvar)``);
    - ``latent_dim`` alone (a generator): 500 draws from ``N(0, I)`` (seed 0).

    The first ``n_base`` codes are the row of images shown; all of them set each dimension's
    default ``scale`` (their standard deviation), ``centre`` (their mean; used by the 2-D pad)
    and ``importance`` (their variance). For a VAE pass ``importance`` = the average KL of each
    dimension and ``scale=1.0`` (the prior's standard deviation).

    The offsets run over ``linspace(-span, span, steps)`` in units of ``scale`` (``steps`` odd:
    13 by default, 21 on a 2-D pad). ``decode`` maps ``(m, K)`` codes to ``(m, h * w)`` (or
    ``(m, h, w)``) intensities, drawn clipped to [0, 1]. The static page carries frames for at
    most ``max_static_dims`` dimensions: the most important ones and the least important one.
    """
    if codes is None:
        if encode is not None and data is not None:
            with torch.no_grad():
                out = encode(data)
            codes = out[0] if isinstance(out, tuple) else out
        elif latent_dim is not None:
            if latent_dim < 1:
                raise ValueError(f"latent_dim must be at least 1, got {latent_dim}")
            codes = torch.randn(500, latent_dim, generator=torch.Generator().manual_seed(0))
        else:
            raise ValueError("give codes, or encode and data, or latent_dim")
    elif latent_dim is not None and codes.shape[-1] != latent_dim:
        raise ValueError(f"codes have {codes.shape[-1]} dimensions but latent_dim is {latent_dim}")
    return LatentExplorer(decode, codes, n_base=n_base, importance=importance,
                          importance_label=importance_label, scale=scale, centre=centre, span=span,
                          steps=steps, image_shape=image_shape, max_static_dims=max_static_dims,
                          title=title)


# Styles shared by both faces; colours inherit the page's, so both book themes read well.
_CSS = """
.vaecore-explorer{border:1px solid rgba(128,128,128,.5);border-radius:6px;padding:.5em .8em;
  margin:.5em 0;color:inherit;font-size:.95em}
.vaecore-explorer .vx-title{font-weight:600;margin:0 0 .3em}
.vaecore-explorer .vx-controls{display:flex;flex-wrap:wrap;gap:.4em 1.2em;align-items:center}
.vaecore-explorer label{display:inline-flex;gap:.4em;align-items:center;margin:0}
.vaecore-explorer select,.vaecore-explorer button{font:inherit;color:inherit;background:transparent;
  border:1px solid rgba(128,128,128,.8);border-radius:4px;padding:.1em .5em}
.vaecore-explorer option{color:#000;background:#fff}
.vaecore-explorer input[type=range]{width:13em;accent-color:#0072B2}
.vaecore-explorer :focus-visible{outline:2px solid #E69F00;outline-offset:2px}
.vaecore-explorer .vx-view{display:flex;gap:1em;align-items:center;flex-wrap:wrap}
.vaecore-explorer img,.vaecore-explorer .vx-image img{image-rendering:pixelated;display:block;
  margin:.5em 0;border:1px solid rgba(128,128,128,.5);max-width:100%;height:auto}
.vaecore-explorer .vx-pad{touch-action:none;cursor:crosshair;flex:none}
.vaecore-explorer .vx-readout{font-family:monospace;margin:.2em 0}
.vaecore-explorer .vx-note{font-size:.85em;opacity:.75;margin:.2em 0 0}
"""

# The static face's behaviour: pick the precomputed frame for the controls' setting.
_JS = """(function (root) {
  var data = JSON.parse(root.querySelector("script.vx-data").textContent);
  var img = root.querySelector("img.vx-image"), out = root.querySelector(".vx-readout");
  var reset = root.querySelector("button.vx-reset"), mid = (data.steps - 1) / 2, last = data.steps - 1;
  function paint(frame, text, control) {
    img.src = "data:image/png;base64," + frame;
    out.textContent = text;
    control.setAttribute("aria-valuetext", text);
  }
  if (data.mode === "dims") {
    var dim = root.querySelector("select.vx-dim"), val = root.querySelector("input.vx-value");
    var showDim = function () {
      var d = data.dims[+dim.value], i = +val.value;
      paint(d.frames[i], d.readouts[i], val);
    };
    dim.addEventListener("change", function () { val.value = mid; showDim(); });
    val.addEventListener("input", showDim);
    reset.addEventListener("click", function () { dim.value = 0; val.value = mid; showDim(); });
  } else {
    var xs = root.querySelector("input.vx-x"), ys = root.querySelector("input.vx-y");
    var pad = root.querySelector("svg.vx-pad"), marker = pad.querySelector(".vx-marker");
    var showPad = function () {
      var i = +xs.value, j = +ys.value, k = j * data.steps + i;
      marker.setAttribute("cx", i / last);
      marker.setAttribute("cy", 1 - j / last);
      paint(data.frames[k], data.readouts[k], pad);
    };
    var moveTo = function (e) {
      var r = pad.getBoundingClientRect();
      xs.value = Math.round((e.clientX - r.left) / r.width * last);
      ys.value = Math.round((1 - (e.clientY - r.top) / r.height) * last);
      showPad();
    };
    xs.addEventListener("input", showPad);
    ys.addEventListener("input", showPad);
    pad.addEventListener("pointerdown", function (e) { pad.setPointerCapture(e.pointerId); moveTo(e); });
    pad.addEventListener("pointermove", function (e) { if (e.buttons) { moveTo(e); } });
    pad.addEventListener("keydown", function (e) {
      var step = {ArrowLeft: [-1, 0], ArrowRight: [1, 0], ArrowUp: [0, 1], ArrowDown: [0, -1]}[e.key];
      if (!step) { return; }
      e.preventDefault();
      xs.value = +xs.value + step[0];
      ys.value = +ys.value + step[1];
      showPad();
    });
    reset.addEventListener("click", function () { xs.value = mid; ys.value = mid; showPad(); });
  }
  root.setAttribute("data-ready", "true");
})(document.currentScript.parentElement);"""
