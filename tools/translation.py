"""The Chinese edition: keep its translations in step with the English text, check them, build it.

The book is written in English; every page's Chinese text lives in a gettext catalog,
``locales/zh_CN/LC_MESSAGES/<page>.po``, one message per paragraph, heading, caption, alt text
or table cell. Sphinx reads the catalogs when it builds with ``language = "zh_CN"``; a message
whose translation is missing or marked fuzzy would show in English, so ``check`` fails on any.

    python tools/translation.py update     # extract the English messages, merge them into the
                                           # catalogs, list what needs translating
    python tools/translation.py check      # fail unless every message is translated, none fuzzy
                                           # (--fresh: and the catalogs hold today's English)
    python tools/translation.py build      # the Chinese edition, into _build/html/zh_CN
                                           # (-W -n: warnings are errors, as in CI); left
                                           # as it is if nothing it is built from changed

Both ``update`` and ``build`` read the chapters' outputs from the Jupyter cache that the English
build left (``make book`` builds English first, then Chinese), rather than execute a chapter a
second time: ``build`` refuses to start if a chapter's current code is not in it, and
``update`` leaves that chapter's catalog as it was and says how to run the chapter alone.
Computed outputs are not translated (``tools/book_i18n.py``), but figure captions and alt texts
are, and so are the latent explorers' phrases (the catalog ``explorer``). The API appendix's
docstrings stay in English (its page says so in Chinese): their messages are not extracted. The
glossary's terms and definitions are translated in ``locales/zh_CN/terms.yml``, the book's
English-Chinese terminology, and ``update`` writes them into the glossary's catalog (edit them
there).

What makes one translation faulty is ``tools/translation_faults.py``. This file is longer than
the 350 lines CONTRIBUTING asks a module to justify: it is one command-line tool, and its
commands share the catalogs' paths, the cache check and the Sphinx call.
"""

from __future__ import annotations

import argparse
import io
import os
import re
import sys
from pathlib import Path
from typing import Any

from translation_faults import TERMS, problems, term_problems, terms

from vaecore import files

ROOT = Path(__file__).resolve().parent.parent
LANGUAGE = "zh_CN"
LOCALES = ROOT / "locales"
CATALOGS = LOCALES / LANGUAGE / "LC_MESSAGES"
BUILD = ROOT / "_build"  # as `jupyter-book build .` writes it; `build --path-output` elsewhere
POT = BUILD / "gettext"


def _sphinx(
    builder: str,
    outdir: Path,
    overrides: dict,
    strict: bool = False,
    nitpicky: bool = False,
    build: Path = BUILD,
) -> None:
    """Run Sphinx on the book with Jupyter Book's configuration and ``overrides``."""
    from jupyter_book.sphinx import build_sphinx

    config = {
        "external_toc_path": (ROOT / "_toc.yml").as_posix(),
        "latex_individualpages": False,
        # The English build's cache, wherever this edition is written.
        "nb_execution_cache_path": str(build / ".jupyter_cache"),
        **overrides,
    }
    if nitpicky:
        config["nitpicky"] = True
    result = build_sphinx(
        ROOT,
        outdir,
        noconfig=True,
        path_config=str(ROOT / "_config.yml"),
        confoverrides=config,
        builder=builder,
        doctreedir=build / f".doctrees-{builder}-{overrides.get('language', 'en')}",
        warningiserror=strict,
        keep_going=strict,
        quiet=builder == "gettext",
        # Read every page again: the catalogs must list every message, not only those of pages
        # changed since last time, and a page must not keep outputs, translations or transforms
        # older than its English build's. Reading from the cache takes seconds.
        freshenv=True,
    )
    if result:
        sys.exit(f"the {builder} build failed ({result}); the messages above say why")


def _pages() -> list[str]:
    """Every page the table of contents lists, e.g. ``chapters/vae``."""
    from sphinx_external_toc.parsing import parse_toc_yaml

    return sorted(parse_toc_yaml(ROOT / "_toc.yml"))


def unexecuted_chapters(build: Path = BUILD) -> list[str]:
    """The chapters (as pages, ``chapters/vae``) whose current code the Jupyter cache in
    ``build`` lacks: the English build has not executed them since they changed."""
    import nbformat
    from jupyter_cache import get_cache

    cache = get_cache(str(build / ".jupyter_cache"))
    missing = []
    for page in _pages():
        path = ROOT / f"{page}.ipynb"
        if not path.is_file():
            continue
        try:
            cache.match_cache_notebook(nbformat.read(path, as_version=4))
        except KeyError:
            missing.append(page)
    return missing


def _cached_chapters_or_exit(build: Path = BUILD) -> None:
    """Exit, saying what to do, unless the Jupyter cache holds every chapter's current code."""
    missing = [f"{page}.ipynb" for page in unexecuted_chapters(build)]
    if missing:
        sys.exit(
            "the English build has not executed "
            + ", ".join(missing)
            + f" with its current code (its outputs are not in {build / '.jupyter_cache'}); this "
            "edition reuses them rather than execute the chapters again: run `make book` first "
            "(VAECORE_QUICK=1 for the quick setting)"
        )


def catalog_report() -> dict[str, dict[str, list]]:
    """For every catalog: its messages, and those untranslated, fuzzy or faulty."""
    from babel.messages.pofile import read_po

    report = {}
    for path in sorted(CATALOGS.rglob("*.po")):
        with path.open("rb") as f:
            catalog = read_po(f)
        entry: dict[str, list] = {"messages": [], "untranslated": [], "fuzzy": [], "faulty": []}
        for message in catalog:
            if not message.id:
                continue  # the header
            entry["messages"].append(message.id)
            if not message.string:
                entry["untranslated"].append(message.id)
            elif message.fuzzy:
                entry["fuzzy"].append(message.id)
            else:
                found = problems(message.id, message.string)
                if path.stem != "glossary":  # the glossary's terms are "中文（English）"
                    found += term_problems(message.id, message.string)
                entry["faulty"] += [(message.id, p) for p in found]
        report[path.relative_to(CATALOGS).with_suffix("").as_posix()] = entry
    return report


def _short(text: str, width: int = 90) -> str:
    text = " ".join(text.split())
    return text if len(text) <= width else text[: width - 1] + "…"


def check(verbose: bool = True) -> bool:
    """Print the coverage of every catalog and what remains; True when nothing does."""
    report = catalog_report()
    missing_catalogs = [p for p in _pages() if p not in report]
    total = sum(len(e["messages"]) for e in report.values())
    done = sum(
        len(e["messages"]) - len(e["untranslated"]) - len(e["fuzzy"]) for e in report.values()
    )
    for page, e in report.items():
        left = len(e["untranslated"]) + len(e["fuzzy"])
        print(
            f"{page}: {len(e['messages']) - left}/{len(e['messages'])} translated"
            + (f", {len(e['untranslated'])} untranslated" if e["untranslated"] else "")
            + (f", {len(e['fuzzy'])} fuzzy" if e["fuzzy"] else "")
            + (f", {len(e['faulty'])} faulty" if e["faulty"] else "")
        )
        if verbose:
            for kind in ("untranslated", "fuzzy"):
                for msgid in e[kind]:
                    print(f"    {kind}: {_short(msgid)}")
            for msgid, problem in e["faulty"]:
                print(f"    faulty ({problem}): {_short(msgid)}")
    for page in missing_catalogs:
        print(f"{page}: no catalog (run `python tools/translation.py update`)")
    faulty = sum(len(e["faulty"]) for e in report.values())
    share = 100 * done / total if total else 0.0
    print(f"coverage: {done}/{total} messages translated ({share:.1f}%), {faulty} faulty")
    return done == total and not faulty and not missing_catalogs and english_in_edition(verbose)


def english_in_edition(verbose: bool = True) -> bool:
    """Print the English words on every page of the built Chinese edition (nothing when it is
    not built); True when no page has more than :data:`ENGLISH_WORDS_LIMIT`."""
    report = english_word_report()
    for page, words in report.items():
        why = f" (by design: {ENGLISH_BY_DESIGN[page]})" if page in ENGLISH_BY_DESIGN else ""
        print(f"{page}: {len(words)} English words in the Chinese edition{why}")
        if verbose and len(words) > ENGLISH_WORDS_LIMIT and not why:
            print("    " + _short(" ".join(words), 300))
    held = {p: w for p, w in report.items() if p not in ENGLISH_BY_DESIGN}
    over = [page for page, words in held.items() if len(words) > ENGLISH_WORDS_LIMIT]
    if held:
        print(
            f"English words per Chinese page: at most {max(len(w) for w in held.values())} "
            f"(limit {ENGLISH_WORDS_LIMIT})" + (f"; over it: {', '.join(over)}" if over else "")
        )
    return not over


#: At most this many English words on a page of the Chinese edition (:func:`english_words`).
ENGLISH_WORDS_LIMIT = 30
#: Pages whose English is by design, and why: they are measured, but not held to the limit.
ENGLISH_BY_DESIGN = {
    "chapters/appendix-api": "the package's docstrings stay English, like its code (issue 21)"
}


#: Latin words the Chinese edition keeps by convention besides the terminology's own (function
#: names that Chinese machine-learning writing, d2l-zh included, leaves as they are).
KEPT_LATIN = ("sigmoid", "softmax", "argmax", "tanh", "logits", "logit")


def _kept_latin() -> set[str]:
    """Words the Chinese edition keeps in Latin script on purpose: those of the terminology's
    Chinese renderings (Adam, LeakyReLU, Gumbel-softmax, ...) and :data:`KEPT_LATIN`."""
    found = {w for term in terms() for w in re.findall(r"[A-Za-z]+", term["zh"])}
    return found | set(KEPT_LATIN)


def english_words(page: str) -> list[str]:
    """The English words a reader meets in the prose and tables of a built page of the Chinese
    edition. A word is a run of two or more Latin letters with a lower-case one, not a name
    (a capitalised word: Adam, Dirac, ImageNet; acronyms such as VAE have no lower case) and not
    a word the edition keeps in Latin script on purpose (:func:`_kept_latin`). Left out: code
    and printed outputs (``pre``, ``code``), the headers of code listings and the API's
    descriptions (names and docstrings, English by design), maths, citations and the
    bibliography, scripts, images (their text is in pixels), and glosses, the English in
    full-width parentheses after a Chinese term (“后验坍塌（posterior collapse）”)."""
    from html.parser import HTMLParser

    void = {"br", "img", "hr", "input", "meta", "link", "source", "wbr", "col", "area", "embed"}

    def skipped(tag: str, attrs: dict) -> bool:
        classes = (attrs.get("class") or "").split()
        return (
            tag in ("pre", "code", "script", "style", "svg", "math", "kbd", "samp")
            or bool({"math", "vx-where", "citation", "bibtex-citation", "py"} & set(classes))
            or (tag == "a" and "bibliography" in (attrs.get("href") or ""))
        )

    class Text(HTMLParser):
        def __init__(self) -> None:
            super().__init__()
            self.inside, self.parts = False, []  # type: ignore[var-annotated]
            self.skip: tuple[str, int] | None = None  # the skipped element's tag, and its depth

        def handle_starttag(self, tag: str, attrs: list) -> None:
            if tag in void:
                return
            a = dict(attrs)
            if tag == "article" and "bd-article" in (a.get("class") or "").split():
                self.inside = True
            if self.skip is not None:
                if tag == self.skip[0]:
                    self.skip = (tag, self.skip[1] + 1)
            elif skipped(tag, a):
                self.skip = (tag, 1)

        def handle_endtag(self, tag: str) -> None:
            if self.skip is not None and tag == self.skip[0]:
                self.skip = None if self.skip[1] == 1 else (tag, self.skip[1] - 1)
            elif tag == "article" and self.skip is None:
                self.inside = False

        def handle_data(self, data: str) -> None:
            if self.inside and self.skip is None:
                self.parts.append(data)

    parser = Text()
    parser.feed(page)
    text = re.sub(r"（[^（）\u4e00-\u9fff]*）", " ", " ".join(parser.parts))  # glosses
    kept = _kept_latin()
    words = re.findall(r"(?<![A-Za-z0-9_])[A-Za-z]*[a-z][A-Za-z]*(?![A-Za-z0-9_])", text)
    return [w for w in words if len(w) >= 2 and not w[0].isupper() and w not in kept]


def english_word_report(build: Path = BUILD) -> dict[str, list[str]]:
    """:func:`english_words` of every page of the built Chinese edition (empty if not built)."""
    edition = build / "html" / LANGUAGE
    return {
        page: english_words((edition / f"{page}.html").read_text(encoding="utf-8"))
        for page in _pages()
        if (edition / f"{page}.html").is_file()
    }


def glossary_entries(source: str) -> list[tuple[str, str]]:
    """Each term of the ``{glossary}`` in ``source`` (Markdown) and its definition, as the
    definition's message reads (its lines joined by spaces)."""
    block = re.search(r"^```\{glossary\}\n(.*?)^```$", source, re.M | re.S)
    if block is None:
        raise ValueError("no {glossary} block")
    entries: list[tuple[str, list[str]]] = []
    for line in block[1].splitlines():
        if line and not line[0].isspace():
            entries.append((line.strip(), []))
        elif line.strip():
            entries[-1][1].append(line.strip())
    return [(term, " ".join(lines)) for term, lines in entries]


def glossary_translations() -> dict[str, str]:
    """The glossary page's translations, from ``terms.yml``: each term as ``中文（English）``
    (the English alone when Chinese writes it the same) and its ``definition_zh``."""
    by_term = {t["en"].casefold(): t for t in terms()}
    out = {}
    for term, definition in glossary_entries((ROOT / "chapters/glossary.md").read_text()):
        entry = by_term.get(term.casefold())
        if entry is None or not entry.get("definition_zh"):
            sys.exit(
                f"the glossary's term {term!r} has no Chinese definition in "
                f"{TERMS.relative_to(ROOT)}: add it (en, zh, source, note, definition_zh)"
            )
        out[term] = term if entry["zh"] == term else f"{entry['zh']}（{term}）"
        out[definition] = " ".join(entry["definition_zh"].split())
    return out


def _write_glossary() -> None:
    """Write the glossary's terms and definitions into its catalog, from ``terms.yml``."""
    from babel.messages.pofile import read_po

    path = CATALOGS / "chapters" / "glossary.po"
    with path.open("rb") as f:
        catalog = read_po(f)
    for msgid, msgstr in glossary_translations().items():
        message = catalog.get(msgid)
        if message is None:
            sys.exit(f"the glossary's catalog has no message {_short(msgid)!r}")
        message.string = msgstr
        message.flags.discard("fuzzy")
    _write_catalog(path, catalog)


def _extract(skip: list[str] | None = None) -> None:
    """The English messages of every page, into ``_build/gettext/<page>.pot``.

    A chapter's figure captions, alt texts and explorer phrases are messages only where its
    outputs are, so every chapter must be in the Jupyter cache, or, with ``skip``, the chapters
    it names (those the cache lacks) are not executed and leave no ``.pot``: their messages
    would be incomplete, and merging them would drop translations."""
    import shutil

    if skip is None:
        _cached_chapters_or_exit()
    shutil.rmtree(POT, ignore_errors=True)
    # myst-nb keeps no output for the gettext builder unless told which formats it may keep:
    # the figures, whose alt texts are messages.
    figures = [("gettext", f"image/{kind}", 10) for kind in ("svg+xml", "png", "jpeg", "gif")]
    overrides: dict[str, Any] = {"nb_mime_priority_overrides": figures}
    if skip:
        overrides["nb_execution_excludepatterns"] = [f"{page}.ipynb" for page in skip]
    _sphinx("gettext", POT, overrides)
    for page in skip or []:
        (POT / f"{page}.pot").unlink(missing_ok=True)


def stale_catalogs() -> dict[str, tuple[list[str], list[str]]]:
    """Extract the English messages again and compare: for every page whose catalog is out of
    step with its text, the messages the catalog lacks and those it has but the page no longer
    does."""
    from babel.messages.pofile import read_po

    _extract()
    out = {}
    for pot in sorted(POT.rglob("*.pot")):
        page = pot.relative_to(POT).with_suffix("").as_posix()
        with pot.open("rb") as f:
            english = {m.id for m in read_po(f) if m.id}
        path = CATALOGS / f"{page}.po"
        translated: set[str] = set()
        if path.is_file():
            with path.open("rb") as f:
                translated = {m.id for m in read_po(f) if m.id}
        if english != translated:
            out[page] = (sorted(english - translated), sorted(translated - english))
    return out


def update() -> None:
    """Extract the English messages, merge them into the catalogs, and say what is left.

    Only the chapters the English build has executed with their current code are extracted;
    each other chapter's catalog is left as it was, and named, with the command that executes
    it alone. So a new section in one chapter needs that chapter run, not the whole book."""
    import subprocess

    skipped = unexecuted_chapters()
    _extract(skip=skipped)
    # New messages are added untranslated; a changed one keeps its old translation, marked
    # fuzzy until someone checks it; a removed one is dropped.
    subprocess.run(
        [sys.executable, "-m", "sphinx_intl", "update", "--pot-dir", str(POT)]
        + ["--locale-dir", str(LOCALES), "--language", LANGUAGE, "--no-obsolete"],
        check=True,
        stdout=subprocess.DEVNULL,
    )
    pages = {p.relative_to(POT).with_suffix("").as_posix() for p in POT.rglob("*.pot")}
    kept = set(skipped) | (set(DOMAINS) if skipped else set())
    for path in CATALOGS.rglob("*.po"):
        page = path.relative_to(CATALOGS).with_suffix("").as_posix()
        if page not in pages and page not in kept:
            path.unlink()  # a page that no longer exists
    _write_glossary()
    check()
    if skipped:
        names = " ".join(Path(page).stem for page in skipped)
        print(
            f"not updated, since the English build has not executed them with their current "
            f"code: {', '.join(skipped)}. Run them alone, then update again: "
            f"`VAECORE_QUICK=1 .venv/bin/python tools/chapter_cache.py execute --only {names}`"
        )


#: Settings of the Chinese edition that are not messages of a page.
EDITION = {
    "language": LANGUAGE,
    "html_title": "隐变量生成模型",
    # myst-nb's toggles of folded code (the book folds code cells' source only, never outputs).
    "nb_code_prompt_show": "显示代码",
    "nb_code_prompt_hide": "隐藏代码",
    # Reuse the English build's outputs; _cached_chapters_or_exit makes sure they are there.
    "nb_execution_mode": "cache",
    # The explorers' models and runtime: the English edition's, one folder up (tools/book_web.py).
    "vaecore_web_root": "../",
}


def build(strict: bool = False, nitpicky: bool = False, build_dir: Path = BUILD) -> None:
    """The Chinese edition, into ``_build/html/zh_CN``, from the English build's outputs (in
    ``build_dir``, the ``_build`` folder of ``jupyter-book build``). Sphinx reads every page
    again each time (see :func:`_sphinx`), so when nothing the edition is built from has changed
    since its last build with the same flags (:func:`_inputs`), it is left as it is."""
    _cached_chapters_or_exit(build_dir)
    output = build_dir / "html" / LANGUAGE
    stamp = build_dir / f".{LANGUAGE}-inputs"
    inputs = _inputs(build_dir, f"strict={strict} nitpicky={nitpicky}")
    built = [output / f"{page}.html" for page in _pages()]
    if inputs is not None and stamp.is_file() and stamp.read_text() == inputs:
        if all(path.is_file() for path in built):
            print(f"the Chinese edition in {output} is current: nothing it is built from changed")
            return
    stamp.unlink(missing_ok=True)  # a build that fails leaves no stamp
    _sphinx("html", output, EDITION, strict=strict, nitpicky=nitpicky, build=build_dir)
    if inputs is not None:
        files.write_text(stamp, inputs)
    print(f"the Chinese edition is in {output}; open {output / 'index.html'}")


def _inputs(build: Path, flags: str) -> str | None:
    """A digest of all the Chinese edition is built from: every file of this checkout that git
    tracks or would track (the pages, the catalogs, the configuration, the extensions, vaecore's
    docstrings), the chapters' outputs in the Jupyter cache of ``build`` (the mode they ran in
    shows there), the installed packages and the build's ``flags``. None where git cannot list
    the files (not a checkout): then the edition is always built."""
    import hashlib
    import subprocess
    import sysconfig

    try:
        listed = subprocess.run(
            ["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
            cwd=ROOT,
            capture_output=True,
            check=True,
        ).stdout
    except (OSError, subprocess.CalledProcessError):
        return None
    digest = hashlib.sha256(flags.encode())
    names = sorted(set(listed.split(b"\0")) - {b""})
    executed = sorted((build / ".jupyter_cache" / "executed").glob("*/*.ipynb"))
    for name, path in [(n, ROOT / os.fsdecode(n)) for n in names] + [
        (os.fsencode(p.relative_to(build)), p) for p in executed
    ]:
        digest.update(name + b"\0")
        digest.update(path.read_bytes() if path.is_file() else b"(none)")
    site = Path(sysconfig.get_paths()["purelib"])
    digest.update(" ".join(sorted(p.name for p in site.glob("*.dist-info"))).encode())
    return digest.hexdigest()


#: The plain-text form of a catalog for translating in any editor (``export`` and ``apply``):
#: a block per message, its English on one line and its Chinese on the next, no escaping.
_HEAD = re.compile(r"@@ (?P<page>\S+) \d+")


def blocks(text: str) -> list[tuple[str, str, str]]:
    """The ``(page, English, Chinese)`` of each block of ``text`` (from :func:`export`). Exits
    naming the first line that fits no block, such as a translation broken over two lines,
    whose second line would otherwise be lost."""
    out = []
    lines = text.splitlines()
    i = 0
    while i < len(lines):
        if not lines[i].strip():
            i += 1
            continue
        head = _HEAD.fullmatch(lines[i])
        en, zh = (lines[i + 1 : i + 3] + ["", ""])[:2]
        if head is None or not en.startswith("EN: ") or not zh.startswith("ZH:"):
            sys.exit(
                f"line {i + 1} is not the start of a block (@@ page n, then one EN: line and one "
                f"ZH: line): {_short(lines[i])!r}; keep each translation on its one ZH: line"
            )
        if i + 3 < len(lines) and lines[i + 3].strip():
            sys.exit(
                f"line {i + 4} follows a block's ZH: line: {_short(lines[i + 3])!r}; keep "
                "each translation on its one ZH: line"
            )
        out.append((head["page"], en.removeprefix("EN: "), zh.removeprefix("ZH:").strip()))
        i += 3
    if not out:
        sys.exit("no block (@@ page n, EN:, ZH:) in the file: write it with `export`")
    return out


#: The catalogs that are not a page's: the computed tables and verdicts, the diagrams' labels
#: and the latent explorers' phrases.
DOMAINS = ("computed", "diagrams", "explorer")


def _catalog_path(page: str) -> Path:
    """The catalog of ``page``, a page of ``_toc.yml`` or one of :data:`DOMAINS`, named exactly
    (nothing else, so that no name such as ``../x`` reaches a file outside the catalogs)."""
    known = [*_pages(), *DOMAINS]
    if page not in known:
        sys.exit(f"no catalog for {page!r}: the catalogs are {', '.join(known)}")
    path = CATALOGS / f"{page}.po"
    if not path.is_file():
        sys.exit(f"no catalog for {page!r} yet: run `python tools/translation.py update`")
    return path


def _write_catalog(path: Path, catalog: Any) -> None:
    """Write ``catalog`` to ``path`` atomically: a failed write leaves the old catalog whole."""
    from babel.messages.pofile import write_po

    buffer = io.BytesIO()
    write_po(buffer, catalog, width=76)
    files.write_bytes(path, buffer.getvalue())


def export(pages: list[str], everything: bool = False) -> str:
    """The messages of ``pages`` still to translate (all of them with ``everything``), as text
    blocks: ``@@ page n``, then ``EN: ...`` and ``ZH: ...`` (empty, or the fuzzy old one)."""
    from babel.messages.pofile import read_po

    found = []
    for page in pages:
        with _catalog_path(page).open("rb") as f:
            catalog = read_po(f)
        for n, message in enumerate(m for m in catalog if m.id):
            if everything or not message.string or message.fuzzy:
                found.append(f"@@ {page} {n}\nEN: {message.id}\nZH: {message.string}")
    return "\n\n".join(found) + "\n"


def apply(text: str) -> int:
    """Write the ``ZH:`` lines of ``text`` (from :func:`export`) into the catalogs; a message
    given a translation is no longer fuzzy. Returns how many were written. All or nothing: a
    block that names no message stops it before any catalog is written."""
    from babel.messages.pofile import read_po

    by_page: dict[str, dict[str, str]] = {}
    for page, english, chinese in blocks(text):
        if chinese:
            by_page.setdefault(page, {})[english] = chinese
    written, changed = 0, []
    for page, translations in by_page.items():  # every block checked before anything is written
        path = _catalog_path(page)
        with path.open("rb") as f:
            catalog = read_po(f)
        for msgid, msgstr in translations.items():
            if msgid not in catalog:
                sys.exit(
                    f"{page} has no message {_short(msgid)!r}: run `update` and export again "
                    "(no catalog was changed)"
                )
            message = catalog[msgid]
            message.string = msgstr
            message.flags.discard("fuzzy")
            written += 1
        changed.append((path, catalog))
    for path, catalog in changed:
        _write_catalog(path, catalog)
    return written


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    commands = parser.add_subparsers(dest="command", required=True)
    commands.add_parser("update", help="extract, merge into the catalogs, list what is left")
    checking = commands.add_parser("check", help="fail unless every message is translated")
    checking.add_argument("--quiet", action="store_true", help="only the coverage per page")
    checking.add_argument(
        "--fresh",
        action="store_true",
        help="also extract the English again and fail if a catalog is out of step with it",
    )
    exporting = commands.add_parser("export", help="messages to translate, as plain text")
    exporting.add_argument("pages", nargs="+", help="e.g. chapters/vae")
    exporting.add_argument("--all", action="store_true", help="translated ones too")
    applying = commands.add_parser("apply", help="write translations from export's text")
    applying.add_argument("file", type=Path)
    building = commands.add_parser("build", help="build the Chinese edition")
    # The flags of `jupyter-book build` that `make book BOOKFLAGS=...` passes to both editions.
    building.add_argument("-W", dest="strict", action="store_true", help="warnings are errors")
    building.add_argument("-n", dest="nitpicky", action="store_true", help="nitpicky mode")
    building.add_argument("--keep-going", action="store_true", help="(always, with -W)")
    building.add_argument(
        "--path-output", type=Path, help="the English build's --path-output (default: here)"
    )
    args = parser.parse_args(argv)
    if getattr(args, "path_output", None) is not None:
        args.path_output = args.path_output.resolve()  # before leaving the caller's folder
    if getattr(args, "file", None) is not None:
        args.file = args.file.resolve()
    os.chdir(ROOT)
    if args.command == "update":
        update()
    elif args.command == "check":
        stale = stale_catalogs() if args.fresh else {}
        for page, (new, gone) in stale.items():
            print(f"{page}: the catalog lacks {len(new)} and no longer needs {len(gone)} messages")
            for msgid in new:
                print(f"    new English: {_short(msgid)}")
        if stale:
            sys.exit(
                "the English text changed since the catalogs were updated: run "
                "`python tools/translation.py update`, translate what it lists, and commit "
                "locales/ (CONTRIBUTING.md, 'The Chinese edition')"
            )
        if not check(verbose=not args.quiet):
            sys.exit(
                "some messages are untranslated, fuzzy or faulty, or a page of the built Chinese "
                "edition has too many English words (listed above): translate them in "
                "locales/zh_CN/LC_MESSAGES (CONTRIBUTING.md, 'The Chinese edition')"
            )
    elif args.command == "export":
        sys.stdout.write(export(args.pages, everything=args.all))
    elif args.command == "apply":
        print(f"{apply(args.file.read_text(encoding='utf-8'))} translations written")
        check(verbose=False)
    else:
        build_dir = BUILD if args.path_output is None else args.path_output / "_build"
        build(strict=args.strict, nitpicky=args.nitpicky, build_dir=build_dir)


if __name__ == "__main__":
    main()
