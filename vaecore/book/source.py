"""Package code on the page: :func:`show_code` displays the source of a vaecore function, class or
method, highlighted and numbered, read from the installed package, so a chapter never holds a
copy of the code it teaches (and the code shown is the code the tests check).

The listing is HTML with its own colours for light and dark pages (the book's two themes and
JupyterLab's), so it reads the same in the built book, in Jupyter, in Binder and in Colab; where
HTML is not shown it prints as numbered plain text.
"""

from __future__ import annotations

import ast
import hashlib
import html
import inspect
import textwrap
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Sequence

from pygments import highlight
from pygments.formatters import HtmlFormatter
from pygments.lexers import PythonLexer

import vaecore

__all__ = ["Listing", "show_code"]

#: Colours by token kind (Pygments' short class names), light then dark: keywords, strings,
#: comments, numbers, names being defined, built-ins and decorators, operators.
_PALETTE = {
    "k": ("#8250df", "#d2a8ff"),
    "s": ("#116329", "#c3e88d"),
    "c": ("#59636e", "#9da7b1"),
    "m": ("#953800", "#ffa657"),
    "nf": ("#0550ae", "#82aaff"),
    "nc": ("#0550ae", "#82aaff"),
    "nb": ("#0a6b61", "#89ddff"),
    "nd": ("#0a6b61", "#89ddff"),
    "o": ("#b42318", "#89ddff"),
}
# background, text, line numbers, marked line; every colour here and above has a contrast of
# at least 4.5 against both backgrounds of its theme (WCAG AA, checked by the browser test)
_LIGHT = ("#f6f8fa", "#1f2328", "#57606a", "#fff8c5")
_DARK = ("#1e2228", "#e6edf3", "#a3acb5", "#3b3417")
_NUMBERS, _GUTTER = "2.2em", "3em"  # the line numbers' width; it and their margin
_DARK_PAGES = ('html[data-theme="dark"]', 'body[data-jp-theme-light="false"]')


def _css() -> str:
    """The listing's styles: light by default, dark on the book's and JupyterLab's dark pages."""

    def rules(scope: str, colours: tuple[str, str, str, str], dark: bool) -> str:
        bg, fg, numbers, marked = colours
        out = [
            f"{scope}{{background:{bg};color:{fg};border:1px solid rgba(128,128,128,.35);"
            "border-radius:6px;margin:.6em 0;overflow-x:auto}",
            f"{scope} pre{{margin:0;padding:.6em .8em;background:transparent;color:inherit;"
            "font-size:.85em;line-height:1.45}",
            # one block per line, wrapped under its code rather than under its number
            f"{scope} pre>span[id]{{display:block;white-space:pre-wrap;padding-left:{_GUTTER};"
            f"text-indent:-{_GUTTER}}}",
            # the theme dims line numbers (opacity .8, !important), below AA contrast
            f"{scope} .linenos{{color:{numbers};opacity:1!important;user-select:none;"
            f"display:inline-block;width:{_NUMBERS};padding:0;margin-right:.8em;"
            "text-align:right;text-indent:0;white-space:pre}",
            f"{scope} .hll{{background:{marked};display:block;margin-left:-{_GUTTER};"
            f"padding-left:{_GUTTER}}}",
        ]
        for token, (light, dark_colour) in _PALETTE.items():
            out.append(f'{scope} span[class^="{token}"]{{color:{dark_colour if dark else light}}}')
        return "".join(out)

    head = (
        ".vx-code .vx-where{font-size:.8em;opacity:.75;padding:.3em .8em 0;margin:0}"
        # the book's frame for HTML outputs (light grey on dark pages): the listing has its own
        "html .bd-content div.cell_output div.output.text_html.text_html:has(>.vx-code)"
        "{background:transparent;padding:0}"
    )
    dark = "".join(rules(f"{page} .vx-code", _DARK, True) for page in _DARK_PAGES)
    return head + rules(".vx-code", _LIGHT, False) + dark


def _without_docstring(code: str) -> str:
    """``code`` (one definition) with its docstring's lines removed, the rest untouched."""
    tree = ast.parse(code)
    body = getattr(tree.body[0], "body", [])
    first = body[0] if body else None
    if not (
        isinstance(first, ast.Expr)
        and isinstance(first.value, ast.Constant)
        and isinstance(first.value.value, str)
    ):
        return code
    lines = code.split("\n")
    del lines[first.lineno - 1 : first.end_lineno]
    return "\n".join(lines)


@dataclass
class Listing:
    """Source code to display: ``code`` (dedented), where it lives (``where``: the file and the
    qualified name) and the listing's lines to mark (``marked``, counted from 1)."""

    code: str
    where: str
    marked: Sequence[int] = field(default_factory=tuple)

    @property
    def lines(self) -> list[str]:
        return self.code.rstrip("\n").split("\n")

    def _repr_html_(self) -> str:
        # one span per line (its id from the listing's content), so long lines wrap readably
        spans = (
            "vx" + hashlib.sha1(f"{self.where}{self.code}{self.marked}".encode()).hexdigest()[:8]
        )
        formatter = HtmlFormatter(
            linenos="inline", hl_lines=list(self.marked), cssclass="vx-hl", linespans=spans
        )
        # each line is a block of its own: its newline would add an empty line under it
        body = highlight(self.code, PythonLexer(), formatter).replace("\n</span>", "</span>")
        where = html.escape(self.where)
        return (
            f'<div class="vx-code"><style>{_css()}</style>'
            f'<p class="vx-where">{where}</p>{body}</div>'
        )

    def __repr__(self) -> str:
        width = len(str(len(self.lines)))
        numbered = "\n".join(f"{i:>{width}}  {line}" for i, line in enumerate(self.lines, 1))
        return f"# {self.where}\n{numbered}"


def _marked_lines(lines: list[str], mark: Sequence[int | str]) -> tuple[int, ...]:
    """The listing's line numbers (from 1) that ``mark`` names, by number or by text."""
    found: list[int] = []
    for m in mark:
        if isinstance(m, str):
            hits = [i for i, line in enumerate(lines, 1) if m in line]
            if not hits:
                raise ValueError(f"no line of the listing contains {m!r}")
            found += hits
        elif 1 <= m <= len(lines):
            found.append(m)
        else:
            raise ValueError(f"mark line {m} is outside the listing's 1..{len(lines)}")
    return tuple(sorted(set(found)))


def show_code(
    obj: Any,
    lines: tuple[int, int] | None = None,
    mark: Sequence[int | str] = (),
    docstring: bool = False,
) -> Listing:
    """The source of ``obj`` (a vaecore function, class or method) as a :class:`Listing`, which
    a notebook displays highlighted with line numbers.

    ``docstring=False`` leaves the docstring out (the chapter's text says what it says);
    ``lines=(a, b)`` keeps the listing's lines ``a`` to ``b`` (from 1, both included, counted
    after the docstring is removed); ``mark`` highlights lines of the listing as shown, so the
    text can point at them: a number is a line of the listing (from 1), a string marks every
    line that contains it (e.g. ``mark=["self.beta"]``), which stays right when the code moves.
    """
    obj = inspect.unwrap(obj)
    try:
        source_file = inspect.getsourcefile(obj)
        raw, _ = inspect.getsourcelines(obj)
    except (TypeError, OSError) as err:
        raise TypeError(f"no source to show for {obj!r}: give a vaecore function or class") from err
    package = Path(vaecore.__file__).resolve().parent
    path = Path(source_file or "").resolve()
    if not path.is_relative_to(package):
        raise ValueError(f"{obj!r} is not vaecore's: the book shows its own code only")
    code = textwrap.dedent("".join(raw))
    if not docstring:
        code = _without_docstring(code)
    shown = code.rstrip("\n").split("\n")
    if lines is not None:
        a, b = lines
        if not 1 <= a <= b <= len(shown):
            raise ValueError(f"lines must be within 1..{len(shown)} with a <= b, got {lines}")
        shown = textwrap.dedent("\n".join(shown[a - 1 : b])).split("\n")
    marked = _marked_lines(shown, mark)
    where = f"{path.relative_to(package.parent).as_posix()}: {obj.__qualname__}"
    return Listing("\n".join(shown) + "\n", where, marked)
