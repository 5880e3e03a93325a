"""What makes a translation of the book faulty (``tools/translation.py check`` reports it).

A translation must keep what the English message holds that no language changes: its maths,
code, the targets of its roles, the fields of a template and its numbers; it must add no number
(a count the English writes in words is written in Chinese words too) and no raw HTML;
Markdown must see the same bold, italics, roles, maths, code and links in it (``**“x”**`` is
not bold); and it must render every glossary term as the book's terminology,
``locales/zh_CN/terms.yml``, says.
"""

from __future__ import annotations

import functools
import re
from collections import Counter
from pathlib import Path
from typing import Any

TERMS = Path(__file__).resolve().parent.parent / "locales" / "zh_CN" / "terms.yml"


def terms() -> list[dict[str, str]]:
    """The book's English-Chinese terminology, ``locales/zh_CN/terms.yml``."""
    import yaml

    return yaml.safe_load(TERMS.read_text(encoding="utf-8"))


#: What a translation must carry over from its English message unchanged: the target of every
#: role (a citation, a cross-reference, a glossary term), inline code, inline maths, the fields
#: of a template and every number (thousands separators aside). Each is looked for in what the
#: ones before it leave.
_KEPT = {
    "role target": re.compile(
        r"\{(?:cite:[a-z]+|doc|eq|numref|ref|term)\}`(?:[^`<]*<)?([^`>]+)>?`"
    ),
    "code": re.compile(r"``?[^`]+``?"),
    "maths": re.compile(r"\$[^$]+\$"),
    "field": re.compile(r"\{[a-z_]+\}"),  # of the explorer's templates, "{steps}"
    "number": re.compile(r"(?<![A-Za-z0-9_.])\d[\d,]*(?:\.\d+)?"),
}


#: "2-D" is a word, not a number: Chinese writes it 二维.
_DIMENSIONS = re.compile(r"(?<![\w.])[1-3]-D\b")


def kept_parts(message: str) -> dict[str, list[str]]:
    """The parts of ``message`` that its translation must keep, by kind (see ``_KEPT``)."""
    parts: dict[str, list[str]] = {}
    message = _DIMENSIONS.sub(" ", message)
    for kind, pattern in _KEPT.items():
        found = [m.group(m.lastindex or 0) for m in pattern.finditer(message)]
        if kind == "number":
            found = [n.replace(",", "") for n in found]
        parts[kind] = sorted(found)
        message = pattern.sub(" ", message)
    return parts


_MARKUP = ("strong_open", "em_open", "myst_role", "math_inline", "code_inline", "link_open")


@functools.cache
def _parser() -> Any:
    """MyST's Markdown parser, with the book's extensions (``_config.yml``)."""
    from markdown_it.renderer import RendererHTML
    from myst_parser.config.main import MdParserConfig
    from myst_parser.parsers.mdit import create_md_parser

    config = MdParserConfig(enable_extensions={"dollarmath", "amsmath", "colon_fence", "deflist"})
    return create_md_parser(config, RendererHTML)


def markup(message: str) -> dict[str, int]:
    """How many of each kind of inline markup MyST sees in ``message`` (bold, italics, roles,
    maths, code, links)."""
    tokens = [t for block in _parser().parseInline(message) for t in block.children or []]
    return {kind: sum(t.type == kind for t in tokens) for kind in _MARKUP}


def raw_html(message: str) -> list[str]:
    """Every raw HTML tag MyST would pass through to the page from ``message`` (``<script>``,
    ``<img onerror=...>``), as written."""
    tokens = [t for block in _parser().parseInline(message) for t in block.children or []]
    return [t.content for t in tokens if t.type == "html_inline"]


def problems(msgid: str, msgstr: str) -> list[str]:
    """What is wrong with ``msgstr`` as the translation of ``msgid``: each part it must keep
    and lost (a changed formula, number, code span or link target), a number the English does
    not have (write "eight" as 八, not 8), raw HTML the English does not have (it would reach
    the page as it is), and markup that Markdown no longer sees (e.g. ``**“x”**``, whose quotes
    stop the bold)."""
    want, have = kept_parts(msgid), kept_parts(msgstr)
    out = []
    for kind, parts in want.items():
        missing = list(parts)
        for part in have[kind]:
            if part in missing:
                missing.remove(part)
        out += [f"{kind} {part!r} is missing" for part in missing]
    extra = sorted(set(have["number"]) - set(want["number"]))
    out += [f"number {number!r} is not in the English" for number in extra]
    added = Counter(raw_html(msgstr)) - Counter(raw_html(msgid))
    out += [f"raw HTML {tag!r} is not in the English" for tag in sorted(added.elements())]
    before, after = markup(msgid), markup(msgstr)
    out += [
        f"{before[k]} {k.removesuffix('_open').replace('_', ' ')} in the English, {after[k]} here"
        for k in _MARKUP
        if before[k] != after[k]
    ]
    return out


@functools.cache
def _glossary_terms() -> tuple[tuple[re.Pattern, str, str], ...]:
    """The glossary's terms that must be translated alike everywhere: a pattern that finds the
    English (plural too), the English and the Chinese."""
    return tuple(
        (re.compile(rf"(?<![\w-]){re.escape(t['en'])}(?:e?s)?(?![\w-])", re.I), t["en"], t["zh"])
        for t in terms()
        if t.get("definition_zh") and not t.get("ambiguous")
    )


def term_problems(msgid: str, msgstr: str) -> list[str]:
    """Each glossary term that ``msgid``'s prose uses (not in maths, code or a template's
    ``{field}``) and ``msgstr`` does not render as ``terms.yml`` says."""
    prose = re.sub(r"\$[^$]*\$|`[^`]*`|\{[a-z_]+\}", " ", msgid)
    return [
        f"the term {en!r} is not translated {zh!r} (locales/zh_CN/terms.yml)"
        for pattern, en, zh in _glossary_terms()
        if pattern.search(prose) and zh not in msgstr
    ]
