"""The book's words for its results: messages, tables and paragraphs that either edition can print.

A :class:`Message` is a template with its fields filled in (``say("{n} seeds", n="3")``); numbers
are formatted by the caller, so that a translation keeps them as the code wrote them, and a
field may itself be a message (a model's name). :class:`Table` and :class:`Text` show results as
a table or a paragraph of messages: in Jupyter and the book as HTML that carries its messages as
JSON (:func:`computed_html`), so that the Chinese edition writes the same table again in its own
words around the same numbers (:func:`from_json`; ``tools/book_i18n.py``). The verdicts these
words say are decided in :mod:`vaecore.book.verdicts`."""

from __future__ import annotations

import html
import json
import re
from dataclasses import dataclass, field
from typing import Any, Callable, Mapping, Sequence, Union

from vaecore import checks

__all__ = [
    "Field",
    "Message",
    "say",
    "listed",
    "series",
    "span",
    "Cell",
    "Translate",
    "inline_html",
    "Table",
    "Text",
    "computed_html",
    "from_json",
]

Field = Union[str, int, float, "Message"]


@dataclass(frozen=True)
class Message:
    """A sentence, a phrase or a table's fixed text: ``template`` (``str.format`` fields) and
    the values of its fields. Numbers are formatted by the caller (strings); a field that is
    itself a :class:`Message` (a model's name, a measure) is rendered in the same language.

    ``str(message)`` is its English; ``message.render(translate)`` passes every template through
    ``translate`` first (the Chinese edition's catalog)."""

    template: str
    fields: Mapping[str, Field] = field(default_factory=dict)

    def render(self, translate: Callable[[str], str] = lambda text: text) -> str:
        text = translate(self.template)
        if not self.fields:
            return text
        return text.format(
            **{
                k: v.render(translate) if isinstance(v, Message) else v
                for k, v in self.fields.items()
            }
        )

    def __str__(self) -> str:
        return self.render()

    def to_json(self) -> dict[str, Any]:
        """``{"t": template, "f": {name: value or message}}``, for :func:`from_json`."""
        return {
            "t": self.template,
            "f": {k: v.to_json() if isinstance(v, Message) else v for k, v in self.fields.items()},
        }


def say(template: str, **fields: Field) -> Message:
    """``Message(template, fields)``: ``say("{a} is ahead of {b}.", a=..., b=...)``."""
    return Message(template, fields)


def listed(items: Sequence[Field]) -> Message:
    """``"a"``, ``"a and b"``, ``"a, b and c"``, as one message (built from two templates, so
    that a translation needs only those two)."""
    if not items:
        raise ValueError("nothing to list")
    if len(items) == 1:
        return say("{a}", a=items[0])
    if len(items) == 2:
        return say("{a} and {b}", a=items[0], b=items[1])
    return say("{a}, {b}", a=items[0], b=listed(items[1:]))


def series(items: Sequence[Field]) -> Message:
    """``"a; b; c"``, as one message."""
    if not items:
        raise ValueError("nothing to list")
    if len(items) == 1:
        return say("{a}", a=items[0])
    return say("{a}; {b}", a=items[0], b=series(items[1:]))


@checks.arguments(digits=checks.whole(0))
def span(values: Sequence[float], digits: int = 0) -> Message:
    """``"lo to hi"`` of ``values``, or one number when they round alike."""
    lo, hi = f"{min(values):.{digits}f}", f"{max(values):.{digits}f}"
    return say("{lo}", lo=lo) if lo == hi else say("{lo} to {hi}", lo=lo, hi=hi)


# --- tables and paragraphs ----------------------------------------------------------------

Cell = Union[str, Message]
Translate = Callable[[str], str]


def _english(text: str) -> str:
    return text


_EMPHASIS = (
    (re.compile(r"\*\*(.+?)\*\*"), r"<strong>\1</strong>"),
    (re.compile(r"(?<![\w*])\*(?!\s)(.+?)(?<!\s)\*(?![\w*])"), r"<em>\1</em>"),
)


def inline_html(text: str) -> str:
    """``text`` as HTML: escaped, with Markdown's ``code``, ``**bold**`` and ``*italic*`` (not
    inside code)."""
    out = []
    for part in re.split(r"(`[^`]+`)", text):
        if len(part) > 1 and part[0] == part[-1] == "`":
            out.append(f"<code>{html.escape(part[1:-1], quote=False)}</code>")
            continue
        part = html.escape(part, quote=False)
        for pattern, replacement in _EMPHASIS:
            part = pattern.sub(replacement, part)
        out.append(part)
    return "".join(out)


def _capital(text: str) -> str:
    return text[:1].upper() + text[1:]


def _cell(c: Cell, translate: Translate) -> str:
    return c.render(translate) if isinstance(c, Message) else c


def _cell_json(c: Cell) -> Any:
    return c.to_json() if isinstance(c, Message) else c


@dataclass(frozen=True)
class Table:
    """A table of results: ``header`` and ``rows`` of cells (numbers already formatted, as
    strings; words as messages), the first column aligned left and the others right, and an
    optional ``note`` under it.

    It displays as HTML (the book, Jupyter) that carries its own messages, so that the Chinese
    edition can write it again in Chinese around the same numbers (:func:`from_json`), and as
    Markdown text (``str``)."""

    header: Sequence[Cell]
    rows: Sequence[Sequence[Cell]]
    note: Message | None = None

    def __post_init__(self) -> None:
        for row in self.rows:
            if len(row) != len(self.header):
                raise ValueError(f"a row of {len(row)} cells under {len(self.header)} headers")

    def numeric(self) -> list[bool]:
        """Which columns hold numbers (aligned right): those whose cells are all strings, the
        first column aside."""
        return [
            i > 0 and all(not isinstance(row[i], Message) for row in self.rows)
            for i in range(len(self.header))
        ]

    def render(self, translate: Translate = _english) -> str:
        """The table as Markdown."""

        def line(cells: Sequence[Cell]) -> str:
            return "| " + " | ".join(_cell(c, translate).replace("|", r"\|") for c in cells) + " |"

        rule = "".join("---:|" if right else "---|" for right in self.numeric())
        lines = [line(self.header), "|" + rule]
        lines += [line(row) for row in self.rows]
        if self.note is not None:
            lines += ["", self.note.render(translate)]
        return "\n".join(lines)

    def html(self, translate: Translate = _english) -> str:
        """The table as HTML, in the language of ``translate``."""

        align = ["right" if right else "left" for right in self.numeric()]

        def line(cells: Sequence[Cell], tag: str) -> str:
            return (
                "<tr>"
                + "".join(
                    f'<{tag} class="text-{align[i]}">{inline_html(_cell(c, translate))}</{tag}>'
                    for i, c in enumerate(cells)
                )
                + "</tr>"
            )

        body = "".join(line(row, "td") for row in self.rows)
        out = (
            '<table class="table vc-table"><thead>'
            + line(self.header, "th")
            + f"</thead><tbody>{body}</tbody></table>"
        )
        if self.note is not None:
            out += f"<p>{inline_html(self.note.render(translate))}</p>"
        return out

    def to_json(self) -> dict[str, Any]:
        return {
            "table": [_cell_json(c) for c in self.header],
            "rows": [[_cell_json(c) for c in row] for row in self.rows],
            "note": None if self.note is None else self.note.to_json(),
        }

    def _repr_html_(self) -> str:
        return computed_html(self)

    def __str__(self) -> str:
        return self.render()


@dataclass(frozen=True)
class Text:
    """Sentences shown together as one paragraph (verdicts, and the words around them)."""

    sentences: Sequence[Message]

    def render(self, translate: Translate = _english) -> str:
        """The paragraph as text (Markdown), each sentence starting with a capital."""
        return " ".join(_capital(s.render(translate)) for s in self.sentences)

    def html(self, translate: Translate = _english) -> str:
        return f"<p>{inline_html(self.render(translate))}</p>"

    def to_json(self) -> dict[str, Any]:
        return {"text": [s.to_json() for s in self.sentences]}

    def _repr_html_(self) -> str:
        return computed_html(self)

    def __str__(self) -> str:
        return self.render()


#: The class of the HTML element that holds a computed table or paragraph, and of the script
#: inside it that holds its messages.
COMPUTED, MESSAGES = "vaecore-computed", "vc-messages"


def computed_html(shown: Table | Text, translate: Translate = _english) -> str:
    """``shown`` as HTML, with its messages beside it as JSON (the Chinese edition reads them
    back with :func:`from_json` and writes the element again)."""
    data = json.dumps(shown.to_json(), ensure_ascii=False).replace("</", "<\\/")
    return (
        f'<div class="{COMPUTED}">{shown.html(translate)}'
        f'<script type="application/json" class="{MESSAGES}">{data}</script></div>'
    )


def _message(data: Any) -> Any:
    if isinstance(data, dict):
        return Message(data["t"], {k: _message(v) for k, v in data["f"].items()})
    return data


def from_json(data: Mapping[str, Any]) -> Table | Text:
    """The table or paragraph that :meth:`Table.to_json` or :meth:`Text.to_json` wrote."""
    if "text" in data:
        return Text([_message(m) for m in data["text"]])
    return Table(
        [_message(c) for c in data["table"]],
        [[_message(c) for c in row] for row in data["rows"]],
        None if data["note"] is None else _message(data["note"]),
    )
