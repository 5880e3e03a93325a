"""The explorer's state: which codes it moves, along which dimensions, by how much, and the frame
(a PNG) and the readout for every setting. The live and the static face draw the same frames.
"""

from __future__ import annotations

import html
import io
import re
from typing import Callable

import numpy as np
import torch
from PIL import Image

from vaecore import checks
from vaecore.book.plots import image_grid
from vaecore.loop_parts import evaluating
from vaecore.models.parts import model_device

__all__ = [
    "Decode",
    "READOUT",
    "READOUT_PAD",
    "OPTION",
    "png",
    "module_of",
    "device_of",
    "in_eval_mode",
    "per_dim",
    "Frames",
]

Decode = Callable[[torch.Tensor], torch.Tensor]

#: The templates of the readouts and of the chooser's entries. The static page of the Chinese
#: edition finds each filled-in phrase and writes its translation in its place
#: (``static.PHRASES``).
READOUT = "z{d} moved by {offset} × {scale}: z{d} = {values}"
READOUT_PAD = "z = ({x}, {y})"
OPTION = "z{d} · {importance} {value}"


def png(pixels: np.ndarray) -> bytes:
    """An 8-bit greyscale PNG of ``pixels: (h, w)`` uint8 (Pillow, zlib level 9: the same bytes
    for the same pixels)."""
    if pixels.dtype != np.uint8 or pixels.ndim != 2:
        raise ValueError(f"need a 2-D uint8 array, got {pixels.dtype} of shape {pixels.shape}")
    buffer = io.BytesIO()
    Image.fromarray(pixels).save(buffer, format="PNG", compress_level=9)
    return buffer.getvalue()


def module_of(decode: Decode) -> torch.nn.Module | None:
    """The module behind ``decode`` (a module, or a module's bound method), else None."""
    module = decode if isinstance(decode, torch.nn.Module) else getattr(decode, "__self__", None)
    return module if isinstance(module, torch.nn.Module) else None


def device_of(decode: Decode) -> torch.device:
    """Where ``decode`` wants its codes: the device of its module's parameters (CPU otherwise)."""
    module = module_of(decode)
    return model_device(module) if module is not None else torch.device("cpu")


def in_eval_mode(fn: Decode, x: torch.Tensor) -> torch.Tensor:
    """``fn(x)`` without gradients, with ``fn``'s module (a decoder, an encoder; when it has
    one) in evaluation mode and put back in its mode afterwards, so batch norm uses and keeps
    its running statistics. A plain function's model is the caller's to put in evaluation
    mode."""
    module = module_of(fn)
    with evaluating(*([module] if module is not None else [])):
        return fn(x)


def per_dim(value: float | torch.Tensor | None, default: torch.Tensor, name: str) -> torch.Tensor:
    """A ``(K,)`` tensor from a scalar, a ``(K,)`` tensor or ``None`` (then ``default``)."""
    if value is None:
        return default
    t = torch.as_tensor(value, dtype=torch.float32).detach().cpu()
    t = t.expand_as(default).clone() if t.dim() == 0 else t
    if t.shape != default.shape:
        raise ValueError(
            f"{name} must be a number or have shape {tuple(default.shape)}, "
            f"got shape {tuple(t.shape)}"
        )
    if not torch.isfinite(t).all():
        raise ValueError(f"{name} must be finite, got {t.tolist()}")
    return t


class Frames:
    """The settings of an explorer and the frame of each (see :func:`vaecore.book.explore.explore`
    for the arguments).

    A setting is two grid indices: ``(dim, step)``, the dimension moved and the offset's index,
    or ``(ix, iy)`` on a 2-D pad. ``offsets`` is the grid, ``linspace(-span, span, steps)`` in
    units of each dimension's ``scale``; ``order`` lists the dimensions by decreasing
    ``importance``; ``static_dims`` are those the static page carries frames for.
    """

    @checks.arguments(
        image_shape=checks.PAIR,
        n_base=checks.optional(checks.COUNT),
        span=checks.POSITIVE,
        steps=checks.optional(checks.COUNT),
        max_static_dims=checks.COUNT,
    )
    def __init__(
        self,
        decode: Decode,
        codes: torch.Tensor,
        *,
        n_base: int | None,
        importance: torch.Tensor | None,
        importance_label: str,
        scale: float | torch.Tensor | None,
        centre: float | torch.Tensor | None,
        span: float,
        steps: int | None,
        image_shape: tuple[int, int],
        max_static_dims: int,
        title: str,
    ) -> None:
        codes = torch.as_tensor(codes, dtype=torch.float32).detach().cpu()
        if codes.dim() != 2 or len(codes) == 0:
            raise ValueError(f"codes must have shape (n, K) with n >= 1, got {tuple(codes.shape)}")
        if not torch.isfinite(codes).all():
            raise ValueError("codes contain NaN or infinite values")
        n_base = min(6, len(codes)) if n_base is None else n_base
        if not 1 <= n_base <= len(codes):
            raise ValueError(
                f"n_base must be between 1 and the number of codes ({len(codes)}), got {n_base}"
            )
        self.latent_dim = k = codes.shape[1]
        self.pad = k == 2
        steps = steps if steps is not None else (21 if self.pad else 13)
        if steps < 3 or steps % 2 == 0:
            raise ValueError(
                f"steps must be odd and at least 3 (so that 0 is on the grid), got {steps}"
            )
        self.decode_fn, self.codes, self.base = decode, codes, codes[:n_base]
        self.device = device_of(decode)  # codes live on the CPU; the decoder may not
        self.image_shape, self.title, self.steps = image_shape, title, steps
        self.offsets = np.linspace(-span, span, steps)
        self.scale = per_dim(scale, codes.std(0) if len(codes) > 1 else torch.ones(k), "scale")
        self.centre = per_dim(centre, codes.mean(0), "centre")
        self.importance = per_dim(
            importance, codes.var(0) if len(codes) > 1 else torch.ones(k), "importance"
        )
        self.importance_label = importance_label
        if self.pad and not (self.scale > 0).all():
            raise ValueError(
                f"a 2-D pad needs a positive scale on both axes, got {self.scale.tolist()} "
                "(the codes do not vary along one of them: pass scale=)"
            )
        # Dimensions by decreasing importance (ties: lower index first).
        self.order = sorted(range(k), key=lambda d: (-float(self.importance[d]), d))
        # The static page: the most important dimensions, and the least one to compare with.
        if k <= max_static_dims:
            self.static_dims = self.order
        elif max_static_dims == 1:
            self.static_dims = self.order[:1]
        else:
            self.static_dims = self.order[: max_static_dims - 1] + self.order[-1:]
        self._dots: str | None = None  # the pad's dots, drawn once
        self.decoded(self.base)  # fail now, with a clear message, not on the first move

    @property
    def middle(self) -> int:
        """The grid index of offset 0."""
        return (self.steps - 1) // 2

    def decoded(self, z: torch.Tensor) -> np.ndarray:
        """Decode ``z: (m, K)`` to ``(m, h * w)`` intensities in [0, 1], with clear errors."""
        h, w = self.image_shape
        try:
            x = in_eval_mode(self.decode_fn, z.to(self.device))
        except RuntimeError as err:
            if re.search(r"shapes cannot be multiplied|size mismatch", str(err)):
                raise ValueError(
                    f"decode failed on codes of shape {tuple(z.shape)}: does the decoder "
                    f"take {self.latent_dim}-dimensional codes? ({err})"
                ) from err
            err.add_note(f"(raised by decode on codes of shape {tuple(z.shape)})")
            raise
        if not isinstance(x, torch.Tensor):
            raise TypeError(f"decode must return a tensor, got {type(x).__name__}")
        if tuple(x.shape) not in ((len(z), h * w), (len(z), h, w)):
            raise ValueError(
                f"decode returned shape {tuple(x.shape)} for {len(z)} codes; expected "
                f"({len(z)}, {h * w}) or ({len(z)}, {h}, {w}) for image_shape {(h, w)}"
            )
        if not torch.isfinite(x).all():
            raise ValueError("decode returned NaN or infinite values")
        return x.detach().cpu().reshape(len(z), h * w).clamp(0, 1).numpy()

    @checks.arguments(a=checks.whole(0), b=checks.whole(0))
    def codes_at(self, a: int, b: int) -> torch.Tensor:
        """The codes decoded for a setting: the base codes with dimension ``a`` moved by offset
        ``b``, ``z[:, a] = base[:, a] + offsets[b] * scale[a]``; or on a pad the one code
        ``centre + (offsets[a], offsets[b]) * scale``."""
        if self.pad:
            offsets = torch.tensor([self.offsets[a], self.offsets[b]], dtype=torch.float32)
            return (self.centre + offsets * self.scale)[None]
        z = self.base.clone()
        z[:, a] += float(self.offsets[b]) * self.scale[a]
        return z

    @checks.arguments(a=checks.whole(0), b=checks.whole(0))
    def frame(self, a: int, b: int) -> bytes:
        """The PNG for one setting: the decoded images in one row, black ink on white."""
        z = self.codes_at(a, b)
        grid = image_grid(self.decoded(z), ncols=len(z), pad=2, shape=self.image_shape)
        return png(np.round(255 * (1 - grid)).astype(np.uint8))

    @checks.arguments(a=checks.whole(0), b=checks.whole(0))
    def readout(self, a: int, b: int) -> str:
        """The values printed under the images for the same setting as :meth:`frame`."""
        if self.pad:
            z = self.codes_at(a, b)[0]
            return READOUT_PAD.format(x=f"{z[0]:.2f}", y=f"{z[1]:.2f}")
        values = ", ".join(f"{v:.2f}" for v in self.codes_at(a, b)[:, a].tolist())
        offset, scale = f"{self.offsets[b]:+.2f}", f"{float(self.scale[a]):.2f}"
        return READOUT.format(d=a + 1, offset=offset, scale=scale, values=values)

    @checks.arguments(d=checks.whole(0))
    def option_label(self, d: int) -> str:
        """How dimension ``d`` is listed in the chooser: its name and importance."""
        value = f"{float(self.importance[d]):.3g}"
        return OPTION.format(d=d + 1, importance=self.importance_label, value=value)

    @checks.arguments(ix=checks.whole(0), iy=checks.whole(0))
    def pad_svg(self, ix: int, iy: int) -> str:
        """The 2-D pad as SVG: the codes' positions as dots, axes through the centre, and a marker
        at the setting ``(ix, iy)``."""
        if self._dots is None:  # the codes do not move: draw their dots once
            lo = self.centre + self.offsets[0] * self.scale
            width = self.scale * (self.offsets[-1] - self.offsets[0])
            pos = ((self.codes[:500] - lo) / width).clamp(0, 1)
            self._dots = "".join(
                f'<circle cx="{x:.3f}" cy="{1 - y:.3f}" r="0.008"/>' for x, y in pos.tolist()
            )
        last = self.steps - 1
        return (
            f'<svg class="vx-pad" viewBox="0 0 1 1" width="168" height="168" tabindex="0" '
            f'role="slider" aria-label="2-D latent pad: click, drag, or use the arrow keys" '
            f'aria-valuetext="{html.escape(self.readout(ix, iy))}">'
            f'<rect width="1" height="1" fill="none" stroke="currentColor" stroke-opacity="0.5" '
            f'vector-effect="non-scaling-stroke"/>'
            f'<path d="M0.5 0V1M0 0.5H1" stroke="currentColor" stroke-opacity="0.3" '
            f'vector-effect="non-scaling-stroke"/>'
            f'<g fill="#0072B2" fill-opacity="0.35">{self._dots}</g>'
            f'<circle class="vx-marker" cx="{ix / last:.4f}" cy="{1 - iy / last:.4f}" r="0.035" '
            f'fill="#D55E00" stroke="white" stroke-width="0.01"/></svg>'
        )
