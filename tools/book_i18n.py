"""The book's two editions, on Sphinx's side (``tools/translation.py`` builds the Chinese one).

* **Printed outputs stay as the code wrote them.** What a cell prints (its numbers, its log
  lines) is neither extracted for translation nor translated, in either edition: a translation
  of one run's numbers would be wrong for the next run. Computed tables and verdicts are the
  exception, below: their words are templates, translated around the run's numbers. Figure
  captions and alt texts, which a chapter writes in its cells' metadata, are translated.
* **The API appendix's docstrings stay in English**, like the code they document: their text is
  not extracted either. The appendix's own prose is translated and says so. Nor are display
  maths and messages with no words (a formula, a code name, a citation alone in a cell).
* **The latent explorers' words are translated too.** An explorer's static face is computed
  output, shared by both editions (its frames and numbers), but every phrase it shows is one of
  ``vaecore.book.explore.static.PHRASES`` (templates, filled in with numbers) or one of its own
  phrases (its title and importance label). The gettext build extracts them, the fixed ones into
  the catalog ``explorer``, the explorer's own into its page's; the Chinese build writes each
  translation where its phrase stands in the page.
* **Computed tables and verdicts are translated as messages.** A chapter shows them with
  :class:`vaecore.book.messages.Table` and :class:`~vaecore.book.messages.Text`, whose HTML
  carries its messages (templates with their numbers) as JSON. Every template is a literal in
  ``vaecore/book`` and every name from the data is one of
  ``vaecore.book.findings.labels.LABELS``, so the gettext build lists them all in the catalog
  ``computed`` without running anything
  (:func:`computed_templates`), and the Chinese build writes each table and paragraph again in
  Chinese around the same numbers (:class:`ComputedText`).
* **The schematic figures' labels are translated** in the catalog ``diagrams``: the gettext
  build lists every label of ``tools/diagrams.py`` there (:class:`DiagramLabels`), and that
  script draws each figure's Chinese copy from it, which the Chinese build shows in the English
  one's place (Sphinx's ``figure_language_filename``).
* **The parts of the table of contents** get their Chinese captions too
  (:class:`TranslateTocCaptions`).
* **The page says its language** the way HTML spells it (``lang="zh-CN"``, not Sphinx's
  ``zh_CN``).
* **The theme speaks the edition's language** (:data:`THEME_LABELS`, the labels the theme's own
  Chinese catalog lacks). Its templates find them in :class:`ThemeLabels`, the last fallback of
  their catalog. The few components that hard-code an English label are overridden by
  ``tools/templates``' copies, which pass it through ``_()``: the gettext build extracts it
  into the catalog ``sphinx``, translated like the pages' catalogs. On a Chinese page the
  launch and download buttons say that the notebooks they open are in English, and the edit
  button edits the page's catalog (``locales/zh_CN/LC_MESSAGES/<page>.po``), where its Chinese
  text lives, not the English source.
* **A language switch on every page** (``tools/templates/language-switch.html``, styled by
  ``tools/static/language-switch.css``) links to the same page in the other edition: English at
  the root of the site, Chinese under ``zh_CN/``.

``_config.yml`` loads this file through ``local_extensions``.
"""

from __future__ import annotations

import ast
import gettext
import html
import json
import re
import string
from pathlib import Path
from typing import Any, Callable

from docutils import nodes
from sphinx import addnodes
from sphinx.builders.gettext import MsgOrigin
from sphinx.transforms import SphinxTransform
from sphinx.util import logging
from sphinx.util.i18n import docname_to_domain

from vaecore.book import messages
from vaecore.book.explore.static import PHRASES
from vaecore.book.findings.labels import LABELS

#: Each edition: its Sphinx language, the folder it is published in (relative to the site's
#: root), the HTML ``lang`` value, and the switch's label and tooltip, in its own language.
EDITIONS = {
    "en": {"folder": "", "lang": "en", "label": "English", "title": "Read this page in English"},
    "zh_CN": {"folder": "zh_CN", "lang": "zh-CN", "label": "中文", "title": "阅读本页的中文版"},
}
#: The header buttons' texts and tooltips in each edition other than English, by the theme's
#: English text: the labels sphinx-book-theme's own Chinese catalog lacks ("Launch on", "Live
#: Code", "Suggest edit", ...), with the launch buttons saying that they open English notebooks.
THEME_LABELS = {
    "zh_CN": {
        "Launch interactive content": "启动交互内容",
        "Binder": "Binder（英文笔记本）",
        "Colab": "Colab（英文笔记本）",
        "Launch on Binder": "在Binder上运行本章的英文笔记本",
        "Launch on Colab": "在Colab上运行本章的英文笔记本",
        "Live Code": "在本页运行代码",
        "Launch Thebe": "在本页运行代码（Thebe）",
        "Repository": "源码库",
        "Source repositories": "源码库",
        "Open issue": "报告问题",
        "Suggest edit": "改进本页译文",
        "Search": "搜索",
        # Labels the theme's templates pass through Sphinx's translations (``_()``) but its
        # catalog lacks.
        "Color mode": "配色模式",
        "System Settings": "跟随系统设置",
        "© Copyright %(copyright)s.": "© 版权所有 %(copyright)s。",
    }
}
#: The tooltips of the buttons that download a chapter's notebook, by the theme's name for each
#: button, in each edition other than English: the notebook is the English one, which the
#: theme's own translation ("下载源文件") does not say.
DOWNLOAD_NOTES = {
    "zh_CN": {
        "download-notebook-button": "下载本章的英文笔记本",
        "download-source-button": "下载本章的英文笔记本",
    }
}
CJK = re.compile(r"[\u4e00-\u9fff]")
#: Where a page's Chinese text lives: its catalog, relative to the repository.
CATALOG = "locales/{language}/LC_MESSAGES/{page}.po"
TEMPLATES = Path(__file__).resolve().parent / "templates"
STATIC = Path(__file__).resolve().parent / "static"  # the switch's style


def _is_output(node: nodes.Node) -> bool:
    return isinstance(node, nodes.container) and node.get("nb_element") == "cell_code_output"


#: A message made only of maths, code, roles, numbers and punctuation reads the same in every
#: language: it is neither extracted nor translated (nor counted as a missing translation).
_UNCHANGED = re.compile(r"\$[^$]*\$|`[^`]*`|\{[a-z:-]+\}|[\W\d_]")


def has_words(text: str) -> bool:
    """Whether ``text`` holds anything to translate besides maths, code, roles and numbers."""
    return bool(_UNCHANGED.sub("", text))


def needs_translating(template: str) -> bool:
    """Whether a computed message's template goes into the catalog ``computed``: it has words,
    or it joins its fields with punctuation or spaces (``"{a}, {b}"``, ``"{found} {cost}"``),
    which Chinese writes otherwise (``"{a}、{b}"``, ``"{found}{cost}"``). A bare field, ``"{a}"``,
    and a name without fields (a label such as ```z = sigma * eps```) have nothing to
    translate."""
    fields = re.findall(r"\{\w+\}", template)
    return has_words(template) or (bool(fields) and fields != [template])


def _from_docstring(node: nodes.Node) -> bool:
    return "docstring of " in (getattr(node, "source", None) or "")


def untranslatable(document: nodes.document) -> list[nodes.Element]:
    """The text nodes of ``document`` that are not prose a chapter writes: the text of cell
    outputs (figure captions aside), display maths, messages without words, and the API
    appendix's docstrings and the object descriptions built from them."""
    keep: list[nodes.Element] = list(document.findall(nodes.math_block))
    for output in document.findall(_is_output):
        captions = {id(c) for cap in output.findall(nodes.caption) for c in cap.findall()}
        keep += [n for n in output.findall(nodes.TextElement) if id(n) not in captions]
    for desc in document.findall(addnodes.desc):
        keep += list(desc.findall(nodes.TextElement))
    for node in document.findall(nodes.TextElement):
        if _from_docstring(node) or not has_words(node.rawsource or node.astext()):
            keep.append(node)
    return keep


class KeepUntranslated(SphinxTransform):
    """Mark :func:`untranslatable` nodes so, before Sphinx extracts or translates messages."""

    default_priority = 15  # before sphinx.transforms.i18n.Locale (20), which translates

    def apply(self, **kwargs: Any) -> None:
        for node in untranslatable(self.document):
            node["translatable"] = False


#: The catalog of the explorers' fixed phrases (their own phrases go in their page's catalog),
#: and where those are written.
EXPLORER_DOMAIN = "explorer"
PHRASES_SOURCE = "vaecore/book/explore/static.py"
_OWN = re.compile(r'<script type="application/json" class="vx-phrases">(.*?)</script>', re.S)
#: A phrase stands alone between a tag's ``>`` and the next ``<``, or between quotes.
_SEGMENT = re.compile(r'(?<=[>"])([^<>"]+)(?=[<"])')
_NUMBERS = r"[-+0-9.,eE ]+?"


def _explorers(document: nodes.document) -> list[nodes.raw]:
    """The static explorers in ``document``'s cell outputs (HTML, vaecore.book.explore)."""
    return [
        raw
        for raw in document.findall(nodes.raw)
        if raw.get("format") == "html" and 'class="vaecore-explorer"' in raw.astext()
    ]


def own_phrases(page: str) -> list[str]:
    """The phrases an explorer's HTML lists as its own (its title, its importance label)."""
    found = _OWN.search(page)
    return json.loads(found[1].replace("<\\/", "</")) if found else []


def translate_explorer(page: str, translate: Callable[[str], str]) -> str:
    """The explorer HTML ``page`` with each of its phrases replaced by ``translate(phrase)``: its
    own phrases, the templates of ``PHRASES`` filled in with the same numbers (and own phrases,
    translated), and the templates themselves, which the page's own model fills in
    (``explorer-live.mjs``). Text that is no phrase, such as the script, is left alone."""
    own = own_phrases(page)
    alternatives = "|".join(re.escape(p) for p in sorted(own, key=len, reverse=True))
    field = f"(?:{alternatives}|{_NUMBERS})" if own else _NUMBERS
    patterns, templates = [], set(PHRASES.values())
    for template in PHRASES.values():
        parts, seen = [], set()
        for literal, name, _, _ in string.Formatter().parse(template):
            parts.append(re.escape(literal))
            if name is not None:
                parts.append(f"(?P={name})" if name in seen else f"(?P<{name}>{field})")
                seen.add(name)
        patterns.append((template, re.compile("".join(parts))))

    def phrase(text: str) -> str | None:
        if text in own or text in templates:  # a bare template: the page fills it in itself
            return translate(text)
        for template, pattern in patterns:
            if found := pattern.fullmatch(text):
                fields = {k: translate(v) if v in own else v for k, v in found.groupdict().items()}
                return translate(template).format(**fields)
        return None

    def replace(segment: re.Match) -> str:
        new = phrase(html.unescape(segment[1]))
        if new is None:
            return segment[1]
        if any(c in new for c in '"<>&\\'):
            raise ValueError(f'a translated explorer phrase may not hold ", <, >, & or \\: {new!r}')
        return new

    return _SEGMENT.sub(replace, page)


def _translations(transform: SphinxTransform, domain: str) -> gettext.NullTranslations | None:
    """The catalog ``domain`` of the edition being built, or None in the English one."""
    language = transform.config.language
    if not language or language == "en" or transform.app.builder.name == "gettext":
        return None
    localedir = str(Path(transform.app.srcdir, transform.config.locale_dirs[0]))
    return gettext.translation(domain, localedir, [language], fallback=True)


class TranslateTocCaptions(SphinxTransform):
    """Translate the captions of the parts of the table of contents.

    sphinx-external-toc inserts the root page's toctrees after Sphinx translated the page (its
    transform runs at priority 100), so their captions, which the gettext build extracts from
    the table of contents, would stay English in the sidebar of every page."""

    default_priority = 110  # after sphinx_external_toc.events.InsertToctrees (100)

    def apply(self, **kwargs: Any) -> None:
        domain = docname_to_domain(self.env.docname, self.config.gettext_compact)
        catalog = _translations(self, domain)
        if catalog is None:
            return
        for toctree in self.document.findall(addnodes.toctree):
            if toctree.get("caption"):
                toctree["caption"] = catalog.gettext(toctree["caption"])


class ExplorerPhrases(SphinxTransform):
    """The gettext build: extract every explorer's phrases. The Chinese build: translate them in
    the page."""

    default_priority = 25  # after sphinx.transforms.i18n.Locale (20), like the page's text

    def apply(self, **kwargs: Any) -> None:
        explorers = _explorers(self.document)
        if not explorers:
            return
        domain = docname_to_domain(self.env.docname, self.config.gettext_compact)
        if self.app.builder.name == "gettext":
            catalogs = self.app.builder.catalogs  # type: ignore[attr-defined]
            for raw in explorers:
                origin = MsgOrigin(raw.source or self.env.docname, raw.line or 0)
                for text in own_phrases(raw.astext()):
                    if has_words(text):
                        catalogs[domain].add(text, origin)
                for text in PHRASES.values():
                    if has_words(text):
                        catalogs[EXPLORER_DOMAIN].add(text, MsgOrigin(PHRASES_SOURCE, 0))
            return
        page, fixed = _translations(self, domain), _translations(self, EXPLORER_DOMAIN)
        if page is None or fixed is None:
            return

        def translate(text: str) -> str:
            translated = page.gettext(text)
            return translated if translated != text else fixed.gettext(text)

        for raw in explorers:
            new = translate_explorer(raw.astext(), translate)
            raw.rawsource = new
            raw[0] = nodes.Text(new)


logger = logging.getLogger(__name__)

#: The catalog of the computed tables' and verdicts' messages, and the code they are written in.
COMPUTED_DOMAIN = "computed"
ROOT = Path(__file__).resolve().parent.parent
COMPUTED_SOURCES = ROOT / "vaecore" / "book"
#: The only places where a message may be made from a name held in a variable: the message type
#: itself, and :func:`vaecore.book.findings.label`, which accepts only :data:`LABELS`.
_DYNAMIC_ALLOWED = ("vaecore/book/messages.py", "vaecore/book/findings/__init__.py")


def computed_templates() -> list[tuple[str, str, int]]:
    """``(template, file, line)`` for every message the computed tables and verdicts can show:
    the literal templates of ``say(...)`` and ``Message(...)`` in ``vaecore/book``, then every
    name of :data:`LABELS`. Refuses a ``say`` or ``Message`` whose template is not a literal
    (outside :data:`_DYNAMIC_ALLOWED`): the catalog could not list it."""
    found: list[tuple[str, str, int]] = []
    for path in sorted(COMPUTED_SOURCES.rglob("*.py")):
        where = path.relative_to(ROOT).as_posix()
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Name)):
                continue
            if node.func.id not in ("say", "Message") or not node.args:
                continue
            first = node.args[0]
            if isinstance(first, ast.Constant) and isinstance(first.value, str):
                found.append((first.value, where, node.lineno))
            elif where not in _DYNAMIC_ALLOWED:
                raise ValueError(
                    f"{where}:{node.lineno}: a message's template must be a literal string, so "
                    "that the catalogs can list it; for a name from the data use "
                    "vaecore.book.findings.label"
                )
    found += [(name, "vaecore/book/findings/__init__.py", 0) for name in sorted(LABELS)]
    return found


def translate_computed(page: str, translate: Callable[[str], str]) -> str:
    """The HTML ``page`` with every computed table and paragraph
    (:func:`vaecore.book.messages.computed_html`) written again through ``translate``."""
    pattern = re.compile(
        rf'<div class="{messages.COMPUTED}">.*?<script type="application/json" '
        rf'class="{messages.MESSAGES}">(.*?)</script></div>',
        re.S,
    )

    def again(found: re.Match) -> str:
        data = json.loads(found[1].replace("<\\/", "</"))
        return messages.computed_html(messages.from_json(data), translate)

    return pattern.sub(again, page)


def _computed(document: nodes.document) -> list[nodes.raw]:
    return [
        raw
        for raw in document.findall(nodes.raw)
        if raw.get("format") == "html" and f'class="{messages.COMPUTED}"' in raw.astext()
    ]


class ComputedText(SphinxTransform):
    """The gettext build: list every computed message (once, with the root page). The Chinese
    build: write the computed tables and verdicts of the page again in Chinese."""

    default_priority = 25

    def apply(self, **kwargs: Any) -> None:
        if self.app.builder.name == "gettext":
            if self.env.docname == self.config.root_doc:
                catalog = self.app.builder.catalogs[COMPUTED_DOMAIN]  # type: ignore[attr-defined]
                for text, where, line in computed_templates():
                    if needs_translating(text):
                        catalog.add(text, MsgOrigin(where, line))
            return
        catalog = _translations(self, COMPUTED_DOMAIN)
        if catalog is None:
            return

        known = getattr(catalog, "_catalog", {})  # msgid -> msgstr, as compiled

        def translate(text: str) -> str:
            translated = catalog.gettext(text)
            if text not in known and needs_translating(text):
                logger.warning(
                    f"a computed message has no translation in the catalog "
                    f"{COMPUTED_DOMAIN!r}: {text!r} (run `make translations`)",
                    location=self.env.docname,
                )
            return translated

        for raw in _computed(self.document):
            new = translate_computed(raw.astext(), translate)
            raw.rawsource = new
            raw[0] = nodes.Text(new)


class DiagramLabels(SphinxTransform):
    """The gettext build: list every label of the schematic figures in the catalog
    ``diagrams`` (once, with the root page)."""

    default_priority = 25

    def apply(self, **kwargs: Any) -> None:
        if self.app.builder.name != "gettext" or self.env.docname != self.config.root_doc:
            return
        import diagrams  # tools/diagrams.py, beside this file (Sphinx has tools/ on its path)

        catalog = self.app.builder.catalogs[diagrams.DOMAIN]  # type: ignore[attr-defined]
        for label in diagrams.labels():
            catalog.add(label, MsgOrigin("tools/diagrams.py", 0))


def _extract_output_alt_texts(app: Any, doctree: nodes.document, docname: str) -> None:
    """Let the gettext builder extract the alt texts of figures in cell outputs.

    myst-nb copies an output's image when it picks the output's format, after Sphinx gave each
    translatable node the ``uid`` the catalog needs, and the copy has none: its alt text would
    silently stay English. The Chinese build translates it while reading, before that copy."""
    if app.builder.name != "gettext":
        return
    for image in doctree.findall(nodes.image):
        if image.get("alt") and not hasattr(image, "uid"):
            image.uid = ""


def _other(language: str) -> str:
    """The other edition's language."""
    if language not in EDITIONS:
        raise ValueError(f"the book has editions {sorted(EDITIONS)}, not {language!r}")
    return "zh_CN" if language == "en" else "en"


def switch_target(language: str, pagename: str) -> tuple[str, str]:
    """The relative URL of ``pagename`` in the other edition, from its page in this one, and
    the other edition's label.

    ``("en", "chapters/vae")`` gives ``("../zh_CN/chapters/vae.html", "中文")``;
    ``("zh_CN", "chapters/vae")`` gives ``("../../chapters/vae.html", "English")``."""
    other = _other(language)
    here, there = EDITIONS[language]["folder"], EDITIONS[other]["folder"]
    depth = pagename.count("/") + (1 if here else 0)
    prefix = "../" * depth + (there + "/" if there else "")
    return prefix + pagename + ".html", EDITIONS[other]["label"]


def _page_context(app: Any, pagename: str, templatename: str, context: dict, doctree: Any) -> None:
    language = app.config.language or "en"
    url, label = switch_target(language, pagename)
    other = _other(language)
    context["language"] = EDITIONS[language]["lang"]
    context["language_switch"] = {
        "url": url,
        "label": label,
        "lang": EDITIONS[other]["lang"],
        "title": EDITIONS[other]["title"],
    }
    alternate = f'<link rel="alternate" hreflang="{EDITIONS[other]["lang"]}" href="{url}">'
    context["metatags"] = context.get("metatags", "") + alternate


def translate_buttons(
    buttons: list[dict], labels: dict[str, str], notes: dict[str, str], edit_url: str
) -> None:
    """The theme's header ``buttons`` (nested dicts, as sphinx-book-theme builds them) with each
    text and tooltip in ``labels`` replaced, each button named in ``notes`` given that tooltip,
    and the edit button pointing at ``edit_url``.
    Raises ``ValueError`` for a label with no translation, so that a theme update that adds a
    button cannot leave it in English unnoticed."""
    for button in buttons:
        for key in ("text", "tooltip"):
            text = button.get(key, "")
            if has_words(text) and not CJK.search(text) and not text.startswith("."):
                if text not in labels:  # not the theme's own translation, nor ".ipynb"
                    raise ValueError(
                        f"the theme's button label {text!r} has no translation in THEME_LABELS "
                        "(tools/book_i18n.py): add one"
                    )
                button[key] = labels[text]
        if button.get("label") in notes:
            button["tooltip"] = notes[button["label"]]
        if button.get("label") == "source-edit-button":
            button["url"] = edit_url
        translate_buttons(button.get("buttons", []), labels, notes, edit_url)


def _translate_theme(
    app: Any, pagename: str, templatename: str, context: dict, doctree: Any
) -> None:
    """On a page of an edition other than English: the theme's labels in its language, and the
    edit button at the page's catalog (runs after the theme has made its buttons)."""
    language = app.config.language or "en"
    if language == "en":
        return
    labels = THEME_LABELS[language]
    repository = app.config.html_theme_options.get("repository_url", "").rstrip("/")
    branch = app.config.html_theme_options.get("repository_branch", "main")
    catalog = CATALOG.format(language=language, page=pagename)
    translate_buttons(
        context.get("header_buttons", []),
        labels,
        DOWNLOAD_NOTES[language],
        f"{repository}/edit/{branch}/{catalog}",
    )
    context["theme_search_bar_text"] = labels["Search"] + "..."


class ThemeLabels(gettext.NullTranslations):
    """The labels of :data:`THEME_LABELS` as a catalog: the last fallback of the one Sphinx's
    templates translate with, so a label the theme's catalog lacks is still translated."""

    def __init__(self, labels: dict[str, str]) -> None:
        super().__init__()
        self.labels = labels

    def gettext(self, message: str) -> str:
        return self.labels.get(message, message)


def _theme_catalog(app: Any) -> None:
    language = app.config.language or "en"
    if language != "en":
        app.translator.add_fallback(ThemeLabels(THEME_LABELS[language]))


def _add_switch(app: Any, config: Any) -> None:
    config.templates_path.insert(0, str(TEMPLATES))  # before the theme's own components
    config.html_static_path.append(str(STATIC))
    header = config.html_theme_options.setdefault(
        "article_header_end", ["article-header-buttons.html"]
    )
    if "language-switch.html" not in header:
        header.insert(0, "language-switch.html")


def setup(app: Any) -> dict[str, bool]:
    app.add_transform(KeepUntranslated)
    app.add_transform(ExplorerPhrases)
    app.add_transform(ComputedText)
    app.add_transform(DiagramLabels)
    app.add_transform(TranslateTocCaptions)
    app.connect("doctree-resolved", _extract_output_alt_texts)
    app.connect("config-inited", _add_switch)
    app.connect("builder-inited", _theme_catalog)
    app.connect("html-page-context", _page_context)
    app.connect("html-page-context", _translate_theme, priority=502)  # after the theme's 501
    app.add_css_file("language-switch.css")
    return {"parallel_read_safe": True, "parallel_write_safe": True}
