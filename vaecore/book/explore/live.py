"""The explorer's live face: ipywidgets controls that decode with the real model on every move."""

from __future__ import annotations

import html
import math
from importlib import resources

import ipywidgets as widgets

from vaecore.book.explore.frames import Frames

__all__ = ["LiveView"]


class LiveView:
    """Widgets over ``frames``: ``dim_select`` and ``slider`` (``K != 2``) or ``sliders``
    (``K == 2``, the two coordinates), ``reset_button``, and the outputs ``image`` (a PNG),
    ``readout_html`` and, on a pad, ``pad_html``; ``widget`` holds them all."""

    def __init__(self, frames: Frames) -> None:
        self.frames = f = frames
        step = float(f.offsets[1] - f.offsets[0])
        self.reset_button = widgets.Button(description="Reset", tooltip="Back to the start")
        width = (f.image_shape[1] + 2) * (1 if f.pad else len(f.base)) * 3
        self.image = widgets.Image(format="png", layout=widgets.Layout(width=f"{width}px"))
        self.image.add_class("vx-image")
        self.readout_html = widgets.HTML()
        self.readout_html.add_class("vx-readout")
        css = resources.files("vaecore.book.explore").joinpath("explorer.css").read_text()
        title = f"<p class='vx-title'>{html.escape(f.title)}</p>" if f.title else ""
        if f.pad:
            self.sliders = tuple(
                widgets.FloatSlider(
                    value=float(f.centre[d]),
                    step=step * float(f.scale[d]),
                    min=float(f.centre[d] + f.offsets[0] * f.scale[d]),
                    max=float(f.centre[d] + f.offsets[-1] * f.scale[d]),
                    description=f"z{d + 1}",
                    readout_format=".2f",
                )
                for d in (0, 1)
            )
            self.pad_html = widgets.HTML()
            for s in self.sliders:
                s.observe(lambda _: self.update(), names="value")
            controls = widgets.HBox([*self.sliders, self.reset_button])
            view: widgets.Widget = widgets.HBox([self.pad_html, self.image])
        else:
            self.dim_select = widgets.Dropdown(
                options=[(f.option_label(d), d) for d in f.order],
                value=f.order[0],
                description="Dimension",
            )
            self.slider = widgets.FloatSlider(
                value=0.0,
                min=float(f.offsets[0]),
                max=float(f.offsets[-1]),
                step=step,
                description="Offset",
                readout_format="+.2f",
            )
            self.slider.observe(lambda _: self.update(), names="value")
            self.dim_select.observe(self._on_dim, names="value")
            controls = widgets.HBox([self.dim_select, self.slider, self.reset_button])
            view = self.image
        self.reset_button.on_click(lambda _: self.reset())
        parts = [widgets.HTML(f"<style>{css}</style>"), widgets.HTML(title), controls, view]
        self.widget = widgets.VBox([*parts, self.readout_html])
        self.widget.add_class("vaecore-explorer")
        self.update()

    def _index(self, value: float, lo: float, step: float) -> int:
        if not math.isfinite(value):
            raise ValueError(f"a slider value must be finite, got {value}")
        return min(max(round((value - lo) / step), 0), self.frames.steps - 1)

    def state(self) -> tuple[int, int]:
        """The current setting as grid indices: ``(dim, step)``, or ``(ix, iy)`` on a 2-D pad."""
        if self.frames.pad:
            ix, iy = (self._index(s.value, s.min, s.step) for s in self.sliders)
            return ix, iy
        return self.dim_select.value, self._index(
            self.slider.value, self.slider.min, self.slider.step
        )

    def _on_dim(self, _change: dict) -> None:
        if self.slider.value == 0.0:
            self.update()
        else:
            self.slider.value = 0.0  # triggers update

    def update(self) -> None:
        """Draw the current setting's frame and readout (and the pad's marker)."""
        a, b = self.state()
        self.image.value = self.frames.frame(a, b)
        self.readout_html.value = html.escape(self.frames.readout(a, b))
        if self.frames.pad:
            self.pad_html.value = self.frames.pad_svg(a, b)

    def reset(self) -> None:
        """Back to the start: the most important dimension at offset 0, or the pad's centre."""
        if self.frames.pad:
            for d, s in enumerate(self.sliders):
                s.value = float(self.frames.centre[d])
        else:
            self.dim_select.value = self.frames.order[0]
            self.slider.value = 0.0
        self.update()
