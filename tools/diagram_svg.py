"""The book's schematic figures, drawn as SVG from a small spec (``tools/diagrams.py``).

A :class:`Diagram` is a canvas of parts placed in pixel coordinates: boxes for networks,
variables, losses and noise (:class:`Box`), arrows between them (:class:`Arrow`), free text
(:class:`Note`), lines and curves (:class:`Line`), dots (:class:`Dot`) and framed panels
(:class:`Panel`). Every word goes through a ``translate`` function, so one spec draws both
editions; a label that is maths (:class:`Maths`) reads the same in both and is not translated.

Like the book's plots, a diagram has a white background, so it reads the same in the light and
dark themes, and its colours are the Okabe-Ito palette's. A label too wide for its box, in
either language, is an error rather than text running over a border.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from html import escape
from typing import Callable, Union


class Maths(str):
    """A label made of symbols (``q(z | x)``, ``ε ~ N(0, I)``): the same in every language."""


Label = Union[str, Maths]
Translate = Callable[[str], str]

#: Fill and border of each kind of box.
KINDS = {
    "network": ("#DCEBF7", "#0072B2"),  # a neural network (blue)
    "variable": ("#FFFFFF", "#333333"),  # data or a sample (white, round)
    "latent": ("#E1F3EA", "#009E73"),  # a latent variable (green, round)
    "loss": ("#FBE5D6", "#D55E00"),  # a term of the objective (vermillion)
    "noise": ("#FFFFFF", "#777777"),  # a draw of noise (dashed, round)
    "plain": ("#F4F4F4", "#999999"),  # anything else
}
ROUND = {"variable", "latent", "noise"}
FONT = (
    "system-ui, -apple-system, 'Segoe UI', 'Noto Sans', 'Noto Sans CJK SC', 'PingFang SC', "
    "'Microsoft YaHei', sans-serif"
)
INK = "#1A1A1A"
PAD = 8  # the least space between a label and its box's border, in pixels


def text_width(text: str, size: float) -> float:
    """An upper estimate of ``text``'s width in pixels at font ``size``: a CJK character is one
    em, a capital 0.7, other letters and digits 0.6, narrow marks 0.35, a space 0.3."""
    width = 0.0
    for ch in text:
        if ord(ch) >= 0x2E80:
            width += 1.0
        elif ch in " ":
            width += 0.3
        elif ch in "il|.,:;'!()[]jtf":
            width += 0.35
        elif ch.isupper() or ch in "mwMW—":
            width += 0.75
        else:
            width += 0.6
    return width * size


def _say(label: Label, translate: Translate) -> str:
    return str(label) if isinstance(label, Maths) else translate(label)


def _text(x: float, y: float, text: str, size: float, anchor: str = "middle", **style: str) -> str:
    extra = "".join(f' {k.replace("_", "-")}="{v}"' for k, v in style.items())
    return (
        f'<text x="{x:.1f}" y="{y:.1f}" font-size="{size:g}" text-anchor="{anchor}" '
        f'dominant-baseline="central"{extra}>{escape(text)}</text>'
    )


@dataclass(frozen=True)
class Box:
    """A box ``w`` x ``h`` centred at ``(x, y)`` with a ``label`` and an optional second line
    ``sub`` (usually maths), of a kind in :data:`KINDS`."""

    key: str
    x: float
    y: float
    w: float
    h: float
    label: Label
    sub: Label | None = None
    kind: str = "network"

    def edge(self, towards: tuple[float, float]) -> tuple[float, float]:
        """Where the straight line from the box's centre to ``towards`` leaves the box."""
        dx, dy = towards[0] - self.x, towards[1] - self.y
        if dx == 0 and dy == 0:
            return self.x, self.y
        scale = min(
            (self.w / 2) / abs(dx) if dx else math.inf, (self.h / 2) / abs(dy) if dy else math.inf
        )
        return self.x + dx * scale, self.y + dy * scale

    def svg(self, translate: Translate, where: str) -> str:
        if self.kind not in KINDS:
            raise ValueError(
                f"{where}: box {self.key!r} has kind {self.kind!r}, not one of {list(KINDS)}"
            )
        fill, stroke = KINDS[self.kind]
        radius = self.h / 2 if self.kind in ROUND else 6
        dash = ' stroke-dasharray="5 3"' if self.kind == "noise" else ""
        lines = [(_say(self.label, translate), 14.0)]
        if self.sub is not None:
            lines.append((_say(self.sub, translate), 12.5))
        for text, size in lines:
            if text_width(text, size) + 2 * PAD > self.w:
                raise ValueError(
                    f"{where}: {text!r} is too wide for box {self.key!r} ({self.w:g} px): "
                    "widen the box in tools/diagrams.py"
                )
        out = [
            f'<rect x="{self.x - self.w / 2:.1f}" y="{self.y - self.h / 2:.1f}" width="{self.w:g}" '
            f'height="{self.h:g}" rx="{radius:g}" fill="{fill}" stroke="{stroke}" '
            f'stroke-width="1.6"{dash}/>'
        ]
        step = 17.0
        top = self.y - step * (len(lines) - 1) / 2
        for i, (text, size) in enumerate(lines):
            style = {"font_style": "italic"} if i and isinstance(self.sub, Maths) else {}
            out.append(_text(self.x, top + i * step, text, size, **style))
        return "\n".join(out)


@dataclass(frozen=True)
class Arrow:
    """An arrow from box ``start`` to box ``end``, straight or through the points ``via``, with
    an optional ``label`` beside its middle (``offset`` pixels off it); ``dashed`` for a draw."""

    start: str
    end: str
    label: Label | None = None
    via: tuple[tuple[float, float], ...] = ()
    dashed: bool = False
    offset: tuple[float, float] = (0.0, -10.0)
    colour: str = "#444444"


@dataclass(frozen=True)
class Note:
    """Free text at ``(x, y)``: a title, an annotation, a formula."""

    x: float
    y: float
    text: Label
    size: float = 13.0
    anchor: str = "middle"
    colour: str = INK
    bold: bool = False


@dataclass(frozen=True)
class Line:
    """A polyline through ``points``; ``arrow`` puts a head at its end."""

    points: tuple[tuple[float, float], ...]
    colour: str = "#444444"
    width: float = 1.6
    dashed: bool = False
    arrow: bool = False


@dataclass(frozen=True)
class Dot:
    x: float
    y: float
    r: float = 4.0
    colour: str = "#0072B2"
    ring: bool = False  # an outline rather than a filled dot


@dataclass(frozen=True)
class Panel:
    """A light frame ``(x, y, w, h)`` (top-left corner) with a ``title`` at its top."""

    x: float
    y: float
    w: float
    h: float
    title: Label


Part = Union[Box, Arrow, Note, Line, Dot, Panel]


def _points(points: list[tuple[float, float]]) -> str:
    return " ".join(f"{x:.1f},{y:.1f}" for x, y in points)


def _polyline(
    points: list[tuple[float, float]], colour: str, width: float, dashed: bool, head: bool
) -> str:
    dash = ' stroke-dasharray="6 4"' if dashed else ""
    end = f' marker-end="url(#head-{colour[1:]})"' if head else ""
    return (
        f'<polyline points="{_points(points)}" fill="none" stroke="{colour}" '
        f'stroke-width="{width:g}"{dash}{end}/>'
    )


@dataclass
class Diagram:
    """A figure ``width`` x ``height`` pixels of ``parts``, drawn in the order given (panels
    first, so that they stay behind)."""

    name: str
    title: Label
    width: int
    height: int
    parts: list[Part] = field(default_factory=list)

    def labels(self) -> list[str]:
        """Every translatable label of the diagram, in drawing order, once each."""
        found: list[str] = []
        for part in self.parts:
            for text in (getattr(part, a, None) for a in ("title", "label", "sub", "text")):
                if isinstance(text, str) and not isinstance(text, Maths) and text not in found:
                    found.append(text)
        if not isinstance(self.title, Maths) and self.title not in found:
            found.insert(0, self.title)
        return found

    def svg(self, translate: Translate = str) -> str:
        """The diagram as a standalone SVG document, its words through ``translate``."""
        where = f"diagram {self.name!r}"
        boxes = {p.key: p for p in self.parts if isinstance(p, Box)}
        colours = sorted(
            {
                p.colour
                for p in self.parts
                if isinstance(p, (Arrow, Line)) and getattr(p, "arrow", True)
            }
        )
        out = [
            f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {self.width} {self.height}" '
            f'width="{self.width}" height="{self.height}" role="img" font-family="{FONT}" '
            f'fill="{INK}">',
            f"<title>{escape(_say(self.title, translate))}</title>",
            "<defs>",
            *(
                f'<marker id="head-{c[1:]}" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="8" '
                f'markerHeight="8" orient="auto-start-reverse"><path d="M0,0 L10,5 L0,10 z" '
                f'fill="{c}"/></marker>'
                for c in colours
            ),
            "</defs>",
            f'<rect x="0.5" y="0.5" width="{self.width - 1}" height="{self.height - 1}" rx="8" '
            'fill="#FFFFFF" stroke="#DDDDDD"/>',
        ]
        for part in sorted(self.parts, key=lambda p: not isinstance(p, Panel)):
            out.append(self._part(part, boxes, translate, where))
        out.append("</svg>")
        return "\n".join(out) + "\n"

    def _part(self, part: Part, boxes: dict[str, Box], translate: Translate, where: str) -> str:
        if isinstance(part, Box):
            return part.svg(translate, where)
        if isinstance(part, Panel):
            return "\n".join(
                [
                    f'<rect x="{part.x:g}" y="{part.y:g}" width="{part.w:g}" height="{part.h:g}" '
                    'rx="8" fill="#FAFAFA" stroke="#CCCCCC" stroke-width="1.2"/>',
                    _text(
                        part.x + 12,
                        part.y + 16,
                        _say(part.title, translate),
                        14,
                        "start",
                        font_weight="bold",
                    ),
                ]
            )
        if isinstance(part, Note):
            bold = {"font_weight": "bold"} if part.bold else {}
            return _text(
                part.x,
                part.y,
                _say(part.text, translate),
                part.size,
                part.anchor,
                fill=part.colour,
                **bold,
            )
        if isinstance(part, Line):
            return _polyline(list(part.points), part.colour, part.width, part.dashed, part.arrow)
        if isinstance(part, Dot):
            paint = (
                f'fill="#FFFFFF" stroke="{part.colour}" stroke-width="1.5"'
                if part.ring
                else f'fill="{part.colour}"'
            )
            return f'<circle cx="{part.x:.1f}" cy="{part.y:.1f}" r="{part.r:g}" {paint}/>'
        missing = [k for k in (part.start, part.end) if k not in boxes]
        if missing:
            raise ValueError(f"{where}: an arrow names no box {missing[0]!r}")
        start, end = boxes[part.start], boxes[part.end]
        route = list(part.via)
        a = start.edge(route[0] if route else (end.x, end.y))
        b = end.edge(route[-1] if route else (start.x, start.y))
        points = [a, *route, b]
        out = [_polyline(points, part.colour, 1.6, part.dashed, True)]
        if part.label is not None:
            mid = points[len(points) // 2 - 1], points[len(points) // 2]
            x = (mid[0][0] + mid[1][0]) / 2 + part.offset[0]
            y = (mid[0][1] + mid[1][1]) / 2 + part.offset[1]
            italic = {"font_style": "italic"} if isinstance(part.label, Maths) else {}
            out.append(_text(x, y, _say(part.label, translate), 12.5, **italic))
        return "\n".join(out)
