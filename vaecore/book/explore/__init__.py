"""The latent explorer: move one latent dimension, or a point on a 2-D pad, and watch the decoder.

``explore(decode, codes)`` returns one object with two faces:

* **live**, in a Jupyter kernel (JupyterLab, Notebook, Binder, Colab, VS Code): ipywidgets 8
  controls, and every move decodes on demand with the real model;
* **static**, in the rendered book (no kernel): a self-contained ``text/html`` fallback that
  carries precomputed frames (PNG data URIs), HTML controls and a few lines of JavaScript; no
  CDN, no Python behind it. In the built book the decoder itself, exported to ONNX, runs in the
  page from the reader's first interaction on (:mod:`~vaecore.book.explore.web`), and decodes
  any setting; until then, and without WebAssembly, the page shows its frames.

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
byte for byte the static frame for it. The parts: :mod:`~vaecore.book.explore.frames` (the
settings and their frames), :mod:`~vaecore.book.explore.live` (the widgets) and
:mod:`~vaecore.book.explore.static` (the HTML, with ``explorer.js`` and ``explorer.css``).
"""

from __future__ import annotations

from typing import Any, Callable

import torch

from vaecore import checks, settings
from vaecore.book.explore.frames import Decode, Frames, device_of, in_eval_mode, per_dim
from vaecore.book.explore.live import LiveView
from vaecore.book.explore.static import static_html
from vaecore.book.explore.web import export, export_encoder

__all__ = ["LatentExplorer", "explore", "output_sensitivity"]


class LatentExplorer:
    """One explorer, two faces over the same :class:`~vaecore.book.explore.frames.Frames`:
    ``live`` (a :class:`~vaecore.book.explore.live.LiveView`, drawn by Jupyter) and
    :meth:`to_html` (the static page, drawn by the book)."""

    def __init__(
        self,
        decode: Decode,
        codes: torch.Tensor,
        *,
        browser: bool = True,
        draw: Callable[[torch.Tensor], Any] | None = None,
        **options: Any,
    ) -> None:
        self.frames = Frames(decode, codes, **options)
        self.live = LiveView(self.frames)
        # In the book's build, the decoder itself goes with the page (vaecore.book.explore.web),
        # and the encoder to draw with.
        folder = settings.web_models_dir()
        self.model: str | None = None
        self.encoder: dict | None = None
        if browser and folder is not None:
            self.model = export(self.frames, folder)
            if draw is not None:
                self.encoder = export_encoder(self.frames, draw, folder)

    def to_html(self) -> str:
        """The self-contained static explorer: controls, every frame, and its script."""
        return static_html(self.frames, self.model, self.encoder)

    def _repr_mimebundle_(self, include=None, exclude=None, **kwargs) -> dict:
        """The widget view for live front ends, and the static HTML for everything else."""
        bundle = dict(self.live.widget._repr_mimebundle_(**kwargs) or {})
        bundle["text/plain"] = repr(self)
        bundle["text/html"] = self.to_html()
        return bundle

    def __repr__(self) -> str:
        f = self.frames
        layout = "2-D pad" if f.pad else f"{f.latent_dim} dimensions"
        return f"LatentExplorer({layout}, {len(f.base)} base codes, {f.steps} steps)"


@checks.arguments(
    image_shape=checks.PAIR,
    latent_dim=checks.optional(checks.COUNT),
    n_base=checks.optional(checks.COUNT),
    span=checks.POSITIVE,
    steps=checks.optional(checks.COUNT),
    max_static_dims=checks.COUNT,
)
def explore(
    decode: Decode,
    codes: torch.Tensor | None = None,
    *,
    encode: Callable[[torch.Tensor], torch.Tensor] | None = None,
    data: torch.Tensor | None = None,
    latent_dim: int | None = None,
    n_base: int | None = None,
    importance: torch.Tensor | None = None,
    importance_label: str = "variance",
    scale: float | torch.Tensor | None = None,
    centre: float | torch.Tensor | None = None,
    span: float = 3.0,
    steps: int | None = None,
    image_shape: tuple[int, int] = (28, 28),
    max_static_dims: int = 8,
    title: str = "",
    browser: bool = True,
    draw: Callable[[torch.Tensor], Any] | None = None,
) -> LatentExplorer:
    """A latent explorer over ``decode``, live in Jupyter and static in the book (module docstring).

    Codes, in order of precedence:

    - ``codes: (n, K)``: e.g. the encoder's means for test images, or draws from the prior;
    - ``encode`` and ``data: (n, D)``: ``codes = encode(data)`` (a model's ``encode``: the
      autoencoder's codes, a VAE's posterior means);
    - ``latent_dim`` alone (a generator): 500 draws from ``N(0, I)`` (seed 0).

    The first ``n_base`` codes (by default 6, or all when there are fewer) are the row of
    images shown; all of them set each dimension's
    default ``scale`` (their standard deviation), ``centre`` (their mean; used by the 2-D pad)
    and ``importance`` (their variance). For a VAE pass ``importance`` = the average KL of each
    dimension and ``scale=1.0`` (the prior's standard deviation).

    The offsets run over ``linspace(-span, span, steps)`` in units of ``scale`` (``steps`` odd:
    13 by default, 21 on a 2-D pad). ``decode`` maps ``(m, K)`` codes to ``(m, h * w)`` (or
    ``(m, h, w)``) intensities, drawn clipped to [0, 1]. The static page carries frames for at
    most ``max_static_dims`` dimensions: the most important ones and the least important one.

    When the book is built, ``decode`` is also exported to ONNX, so that the page decodes any
    setting in the reader's browser (:mod:`~vaecore.book.explore.web`); ``browser=False`` keeps
    the precomputed frames only, for a decode that cannot leave PyTorch. With ``draw``, an
    encoder of 28 x 28 images (``(n, 784)`` in [0, 1] -> codes ``(n, K)``, or a VAE's
    ``posterior`` -> ``(means, log-variances)``), the built page also offers a pad to draw a
    digit on: made into an MNIST digit (:mod:`~vaecore.book.explore.drawing`), encoded, shown
    beside its reconstruction (and, for a VAE, four draws from ``q(z | x)``), and on a 2-D pad
    as a point among the data's codes (with the spread of ``q(z | x)``).
    """
    if codes is None:
        if encode is not None and data is not None:
            codes = in_eval_mode(encode, data)
            if not isinstance(codes, torch.Tensor):
                raise TypeError(
                    f"encode must return codes, a tensor (n, K), got {type(codes).__name__}; "
                    "pass a model's encode (a VAE's gives its posterior means)"
                )
        elif latent_dim is not None:
            if latent_dim < 1:
                raise ValueError(f"latent_dim must be at least 1, got {latent_dim}")
            codes = torch.randn(500, latent_dim, generator=torch.Generator().manual_seed(0))
        else:
            raise ValueError("give codes, or encode and data, or latent_dim")
    elif latent_dim is not None and codes.shape[-1] != latent_dim:
        raise ValueError(f"codes have {codes.shape[-1]} dimensions but latent_dim is {latent_dim}")
    return LatentExplorer(
        decode,
        codes,
        n_base=n_base,
        importance=importance,
        importance_label=importance_label,
        scale=scale,
        centre=centre,
        span=span,
        steps=steps,
        image_shape=image_shape,
        max_static_dims=max_static_dims,
        title=title,
        browser=browser,
        draw=draw,
    )


@torch.no_grad()
def output_sensitivity(
    decode: Decode, codes: torch.Tensor, step: float | torch.Tensor = 1.0
) -> torch.Tensor:
    """How much each latent dimension moves the output, for ordering an explorer's dimensions
    when there is no KL to go by (an autoencoder, a GAN's generator).

    ``codes: (n, K)`` -> ``(K,)``: for each ``d``, the root-mean-square change of the output,
    ``sqrt(mean_{i, pixels} (decode(z_i + step_d e_d) - decode(z_i))^2)``. ``step`` is one number
    or ``(K,)``, e.g. each dimension's standard deviation over the codes.
    """
    codes = torch.as_tensor(codes, dtype=torch.float32)
    if codes.dim() != 2 or len(codes) == 0:
        raise ValueError(f"codes must have shape (n, K) with n >= 1, got {tuple(codes.shape)}")
    steps = per_dim(step, torch.ones(codes.shape[1]), "step")
    device = device_of(decode)
    base = in_eval_mode(decode, codes.to(device))
    out = torch.empty(codes.shape[1])
    for d in range(codes.shape[1]):
        moved = codes.clone()
        moved[:, d] += steps[d]
        out[d] = (in_eval_mode(decode, moved.to(device)) - base).pow(2).mean().sqrt().cpu()
    return out.to(codes.device)
