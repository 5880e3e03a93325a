"""The chapters as plain notebooks, for the places that do not read MyST: Colab, and a notebook a
reader downloads from the book. A Sphinx extension; ``_config.yml`` loads it through
``local_extensions``.

The chapters are written in MyST, which only the built book renders. Opened elsewhere, their
Markdown shows as markup, with every exercise's solution in plain sight. After the English
build, this writes each chapter again, as plain CommonMark, to ``notebooks/<page>.ipynb`` in the
built site, from the build's own knowledge of the book (one source: the chapters; nothing here
is kept by hand):

* a folded solution (``:::{admonition} Solution`` with ``:class: dropdown``) becomes
  ``<details>``, still folded; another admonition becomes a quotation under its title;
* ``{cite:t}`` and ``{cite:p}`` become "Kingma and Welling (2014)" and "(Kingma and Welling,
  2014)", each linked to the book's bibliography, and the chapter ends with the entries it cites;
* ``{term}``, ``{doc}``, ``{ref}`` and ``{numref}`` become links to the published book, with the
  text the book shows (a chapter's title, a section's title, "Fig. 3");
* a target line ``(label)=`` goes; an ``<img>`` points at the published copy of its picture;
* the hidden first cell installs ``vaecore`` from the commit the pages were built from, not the
  tip of the branch.

Any other directive or role stops the build with a message that names it: a chapter that uses a
new one needs a rule here first (``tests/test_plain_notebooks.py`` checks every chapter).

The book's buttons then offer these copies: the download button, and the launch buttons, which
open them from the branch :data:`BRANCH` that the publish workflow pushes them to. Binder builds
its image from that branch too, so the folder gets a ``binder/`` of its own (:func:`binder_files`):
the repository's, installing ``vaecore`` from the same commit as the notebooks' first cell.
(JupyterLab with jupyterlab-myst, as the repository's own ``binder/`` gives it, renders most of
the MyST but not the citations, which it cannot find without Sphinx.)
"""

from __future__ import annotations

import copy
import json
import posixpath
import re
import subprocess
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from vaecore import files

#: The folder of the built site that holds the plain notebooks, and the branch the publish
#: workflow pushes that folder to, for Colab (which opens notebooks from GitHub only) and Binder.
FOLDER = "notebooks"
BRANCH = "notebooks"
#: How ``binder/postBuild`` installs vaecore in the repository, from its checkout.
INSTALL_FROM_CHECKOUT = "pip install --no-cache-dir --no-deps -e ."

ROLE = re.compile(r"\{([\w:-]+)\}`([^`]*)`")
DIRECTIVE = re.compile(
    r"^(?P<indent>[ \t]*)(?P<fence>`{3,}|:{3,})\{(?P<name>[\w:-]+)\}[ \t]*(?P<arg>.*)$"
)
TARGET = re.compile(r"^[ \t]*\(([^()\s]+)\)=[ \t]*$")
IMAGE = re.compile(r'(<img\b[^>]*\bsrc=")([^":]+)(")')


@dataclass
class Book:
    """What the build knows about the book, for resolving references: the published site's
    URL (ending in ``/``) and, by name, each page's title, each label's page, anchor and title,
    each glossary term's page and anchor, each figure label's number, each citation's authors,
    year, anchor and entry, and each picture's published path."""

    url: str
    titles: dict[str, str] = field(default_factory=dict)
    labels: dict[str, tuple[str, str, str]] = field(default_factory=dict)
    terms: dict[str, tuple[str, str]] = field(default_factory=dict)
    figures: dict[str, str] = field(default_factory=dict)
    citations: dict[str, tuple[str, str, str, str]] = field(default_factory=dict)
    images: dict[str, str] = field(default_factory=dict)
    bibliography: str = "chapters/bibliography"

    def link(self, docname: str, anchor: str = "") -> str:
        return f"{self.url}{docname}.html" + (f"#{anchor}" if anchor else "")


def _text_and_target(content: str) -> tuple[str | None, str]:
    """``"text <target>"`` -> ``("text", "target")``; ``"target"`` -> ``(None, "target")``."""
    found = re.fullmatch(r"(.*?)\s*<([^<>]+)>", content.strip(), re.S)
    return (found[1], found[2]) if found else (None, content.strip())


def _cite(kind: str, keys: str, book: Book, cited: list[str]) -> str:
    parts = []
    for key in (k.strip() for k in keys.split(",")):
        if key not in book.citations:
            raise ValueError(f"{{{kind}}}`{keys}`: no bibliography entry {key!r}")
        authors, year, anchor, _ = book.citations[key]
        if key not in cited:
            cited.append(key)
        link = book.link(book.bibliography, anchor)
        parts.append(
            f"[{authors} ({year})]({link})" if kind == "cite:t" else f"[{authors}, {year}]({link})"
        )
    return "; ".join(parts) if kind == "cite:t" else "(" + "; ".join(parts) + ")"


def _role(kind: str, content: str, docname: str, book: Book, cited: list[str]) -> str:
    """One role, as a Markdown link (or a citation's text and link)."""
    try:
        return _resolved(kind, content, docname, book, cited)
    except KeyError as missing:
        raise ValueError(
            f"{docname}: {{{kind}}}`{content}` names {missing}, which the book does not define"
        ) from None


def _resolved(kind: str, content: str, docname: str, book: Book, cited: list[str]) -> str:
    if kind in ("cite:p", "cite:t"):
        return _cite(kind, content, book, cited)
    text, target = _text_and_target(content)
    if kind == "term":
        page, anchor = book.terms[target.lower()]
        return f"[{text or target}]({book.link(page, anchor)})"
    if kind == "doc":
        page = posixpath.normpath(
            target.lstrip("/")
            if target.startswith("/")
            else posixpath.join(posixpath.dirname(docname), target)
        )
        return f"[{text or book.titles[page]}]({book.link(page)})"
    if kind in ("ref", "numref"):
        page, anchor, title = book.labels[target]
        shown = text or (book.figures[target] if kind == "numref" else title)
        return f"[{shown}]({book.link(page, anchor)})"
    raise ValueError(f"{docname}: no plain form for the role {{{kind}}}`{content}`; add one")


def _admonitions(lines: list[str], docname: str) -> list[str]:
    """Admonitions as ``<details>`` (a dropdown) or a quotation under the title (any other)."""
    out: list[str] = []
    i = 0
    while i < len(lines):
        found = DIRECTIVE.match(lines[i])
        if not found:
            out.append(lines[i])
            i += 1
            continue
        indent, fence, name, title = found["indent"], found["fence"], found["name"], found["arg"]
        if name != "admonition":
            raise ValueError(f"{docname}: no plain form for the directive {{{name}}}; add one")
        i += 1
        options = {}
        while i < len(lines) and (option := re.match(rf"^{indent}:(\w+):\s*(.*)$", lines[i])):
            options[option[1]] = option[2]
            i += 1
        body = []
        while i < len(lines) and lines[i].rstrip() != indent + fence:
            body.append(lines[i])
            i += 1
        if i == len(lines):
            raise ValueError(f"{docname}: the admonition {title!r} is never closed")
        i += 1  # the closing fence
        body = _admonitions(body, docname)
        while body and not body[0].strip():
            body.pop(0)
        if "dropdown" in options.get("class", "").split():
            out += [f"{indent}<details>", f"{indent}<summary>{title}</summary>", ""]
            out += body + ["", f"{indent}</details>"]
        else:
            out += [f"{indent}> **{title}**", f"{indent}>"]
            out += [f"{indent}> {line[len(indent) :]}".rstrip() for line in body]
    return out


def plain_markdown(text: str, docname: str, book: Book, cited: list[str]) -> str:
    """A Markdown cell's MyST ``text``, on page ``docname``, as CommonMark; the citation keys it
    cites are added to ``cited``, in order."""
    lines = [line for line in text.split("\n") if not TARGET.match(line)]
    text = "\n".join(_admonitions(lines, docname))
    text = ROLE.sub(lambda m: _role(m[1], m[2], docname, book, cited), text)
    folder = posixpath.dirname(docname)
    return IMAGE.sub(
        lambda m: (
            m[1] + book.url + book.images[posixpath.normpath(posixpath.join(folder, m[2]))] + m[3]
        ),
        text,
    )


def plain_notebook(notebook: dict, docname: str, book: Book, install: str) -> dict:
    """A chapter notebook (nbformat's JSON) with every Markdown cell in CommonMark, its
    references at the end, and ``install`` (a pip requirement) in its first code cell's
    ``git+<repository>`` instead of the repository's tip."""
    notebook = copy.deepcopy(notebook)
    cited: list[str] = []
    first_code = True
    for cell in notebook["cells"]:
        source = "".join(cell["source"]) if isinstance(cell["source"], list) else cell["source"]
        if cell["cell_type"] == "markdown":
            source = plain_markdown(source, docname, book, cited)
        elif cell["cell_type"] == "code" and first_code:
            first_code = False
            source = re.sub(r"git\+https://\S+?(?=[\"'\s])", install, source)
        cell["source"] = source
    if cited:
        entries = [f"- {book.citations[key][3]}" for key in cited]
        references = "## References\n\n" + "\n".join(entries)
        notebook["cells"].append({"cell_type": "markdown", "metadata": {}, "source": references})
    return notebook


def book_of(app: Any) -> Book:
    """The :class:`Book` of a finished Sphinx build."""
    env = app.env
    std = env.get_domain("std")
    book = Book(url=app.config.book_url.rstrip("/") + "/")
    book.titles = {doc: title.astext() for doc, title in env.titles.items()}
    for name, (doc, anchor, title) in std.labels.items():
        book.labels[name] = (doc, anchor, title)
    for name, (doc, anchor) in std.anonlabels.items():
        book.labels.setdefault(name, (doc, anchor, book.titles.get(doc, name)))
    for (kind, name), (doc, anchor) in std.objects.items():
        if kind == "term":
            book.terms[name.lower()] = (doc, anchor)
    number_format = app.config.numfig_format["figure"]
    for name, (doc, anchor, _) in book.labels.items():
        number = env.toc_fignumbers.get(doc, {}).get("figure", {}).get(anchor)
        if number:
            book.figures[name] = number_format % ".".join(map(str, number))
    for citation in env.get_domain("cite").citations:
        names = [p.last_names[0] for p in citation.entry.persons.get("author", [])]
        authors = {1: names[0], 2: " and ".join(names)}.get(len(names), f"{names[0]} et al.")
        year = citation.entry.fields["year"]
        text = " ".join(citation.formatted_entry.text.render_as("markdown").split())
        book.citations[citation.key] = (authors, year, citation.citation_id, text)
        book.bibliography = citation.bibliography_key[0]  # the page of the bibliography
    for path, (_, published) in env.images.items():
        book.images[path] = f"_images/{published}"
    return book


def _commit(srcdir: str) -> str | None:
    try:
        done = subprocess.run(
            ["git", "rev-parse", "HEAD"], cwd=srcdir, capture_output=True, text=True, check=True
        )
    except (OSError, subprocess.CalledProcessError):
        return None
    return done.stdout.strip() or None


def _write(app: Any, exception: Exception | None) -> None:
    if (
        exception is not None
        or app.builder.format != "html"
        or (app.config.language or "en") != "en"
    ):
        return
    book = book_of(app)
    repository = app.config.html_theme_options.get("repository_url", "").rstrip("/")
    commit = _commit(app.srcdir)
    install = f"git+{repository}" + (f"@{commit}" if commit else "")
    for docname in sorted(app.env.found_docs):
        source = Path(app.env.doc2path(docname))
        if source.suffix != ".ipynb":
            continue
        notebook = plain_notebook(
            json.loads(source.read_text(encoding="utf-8")), docname, book, install
        )
        target = Path(app.outdir) / FOLDER / f"{docname}.ipynb"
        target.parent.mkdir(parents=True, exist_ok=True)
        files.write_text(target, json.dumps(notebook, indent=1, ensure_ascii=False) + "\n")
    _write_binder(Path(app.outdir), Path(app.srcdir), install)


def binder_files(binder: Path, install: str) -> dict[str, str]:
    """The repository's ``binder/`` folder (file name -> text) for the branch of plain notebooks,
    which holds no package: ``postBuild`` installs vaecore from ``install`` (a pip requirement)
    instead of the checkout. Raises ``ValueError`` where ``postBuild`` no longer installs it the
    way :data:`INSTALL_FROM_CHECKOUT` says, rather than leave Binder without vaecore."""
    texts = {p.name: p.read_text(encoding="utf-8") for p in sorted(binder.iterdir()) if p.is_file()}
    if texts.get("postBuild", "").count(INSTALL_FROM_CHECKOUT) != 1:
        raise ValueError(
            f"{binder / 'postBuild'} does not run {INSTALL_FROM_CHECKOUT!r} once: say in "
            "tools/plain_notebooks.py how the branch of plain notebooks installs vaecore"
        )
    texts["postBuild"] = texts["postBuild"].replace(
        INSTALL_FROM_CHECKOUT, f'pip install --no-cache-dir --no-deps "{install}"'
    )
    return texts


def _write_binder(outdir: Path, srcdir: Path, install: str) -> None:
    for name, text in binder_files(srcdir / "binder", install).items():
        files.write_text(outdir / FOLDER / "binder" / name, text)
    (outdir / FOLDER / "binder" / "postBuild").chmod(0o755)


def _buttons(buttons: list[dict]) -> list[dict]:
    """Every button, those inside groups too."""
    return [b for button in buttons for b in [button, *_buttons(button.get("buttons", []))]]


def _offer_plain_copies(
    app: Any, pagename: str, templatename: str, context: dict, doctree: Any
) -> None:
    """On a chapter's page: the download button's notebook and the launch buttons, Binder's and
    Colab's, open the plain copy (runs after the theme has made its buttons). Another edition
    than English is published one folder below the site's root (``tools/book_i18n.py``) and
    offers the English copies."""
    if context.get("page_source_suffix") != ".ipynb":
        return
    up = "" if (app.config.language or "en") == "en" else "../"
    repository = app.config.html_theme_options.get("repository_url", "").rstrip("/")
    org, repo = repository.split("/")[-2:]
    launch = app.config.html_theme_options["launch_buttons"]
    colab = launch["colab_url"].rstrip("/")
    binder = f"{launch['binderhub_url'].rstrip('/')}/v2/gh/{org}/{repo}/"
    for button in _buttons(context.get("header_buttons", [])):
        url = str(button.get("url", ""))
        if button.get("label") in ("download-notebook-button", "download-source-button"):
            button["url"] = f"{up}{context['pathto'](FOLDER, 1)}/{pagename}.ipynb"
        if url.startswith(f"{colab}/github/"):
            button["url"] = f"{colab}/github/{org}/{repo}/blob/{BRANCH}/{pagename}.ipynb"
        if url.startswith(binder):
            button["url"] = f"{binder}{BRANCH}?urlpath=lab/tree/{pagename}.ipynb"


def setup(app: Any) -> dict[str, bool]:
    app.add_config_value("book_url", "", "html")
    app.connect("build-finished", _write)
    app.connect("html-page-context", _offer_plain_copies, priority=502)  # after the theme's 501
    return {"parallel_read_safe": True, "parallel_write_safe": True}
