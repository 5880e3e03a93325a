"""The book as one PDF per edition, bound from the built pages: ``book.pdf`` at the root of each
edition of the site (``_build/html/book.pdf``, ``_build/html/zh_CN/book.pdf``), which the front
page links to.

Chromium prints every page of ``_toc.yml``, in reading order, as a reader's browser would print
it (``tests/browser/print-pages.mjs``: the theme's print style, the maths typeset, the
explorers' pictures), and this binds the pages into one file with a bookmark per page. It needs
a built book (``make book``), Node.js with the browser tests' packages and Debian's chromium
(``CHROMIUM`` to use another), and for the Chinese edition a font with Chinese characters
(CI installs ``fonts-wqy-microhei``).

Run: ``make pdf``, or ``python tools/book_pdf.py [_build/html]``.
"""

from __future__ import annotations

import html
import io
import os
import re
import subprocess
import sys
import tempfile
from pathlib import Path

import yaml
from pypdf import PdfWriter

from vaecore import files

ROOT = Path(__file__).resolve().parent.parent
PRINTER = ROOT / "tests" / "browser" / "print-pages.mjs"
#: Each edition's folder in the built site (the Chinese one as tools/book_i18n.py publishes it).
EDITIONS = ("", "zh_CN")
NAME = "book.pdf"


def reading_order(toc: Path = ROOT / "_toc.yml") -> list[str]:
    """Every page of the table of contents, in reading order: ``["intro", "chapters/...", ...]``."""
    spec = yaml.safe_load(toc.read_text(encoding="utf-8"))
    pages = [spec["root"]]
    for part in spec.get("parts", []):
        pages += [chapter["file"] for chapter in part["chapters"]]
    return pages


def page_title(page: Path) -> str:
    """A built page's own title (its ``<title>`` before the book's name)."""
    found = re.search(r"<title>(.*?)</title>", page.read_text(encoding="utf-8"), re.S)
    if not found:
        raise ValueError(f"{page} has no <title>")
    return html.unescape(found[1]).split(" — ")[0].strip()


def _check_font(edition: str) -> None:
    """Chinese pages need a font with Chinese characters, or they print as empty boxes."""
    if not edition.startswith("zh"):
        return
    try:
        fonts = subprocess.run(["fc-list", ":lang=zh"], capture_output=True, text=True).stdout
    except OSError:
        return  # no fontconfig to ask: Chromium finds its fonts elsewhere
    if not fonts.strip():
        raise RuntimeError(
            "the Chinese edition's PDF needs a font with Chinese characters, and this machine "
            "has none: apt-get install fonts-wqy-microhei (or any Noto CJK font)"
        )


def bind(site: Path, edition: str) -> Path:
    """Print ``edition``'s pages of the built ``site`` and bind them into its ``book.pdf``."""
    _check_font(edition)
    folder = site / edition
    pages = [f"{edition}/{name}.html".lstrip("/") for name in reading_order()]
    missing = [p for p in pages if not (site / p).is_file()]
    if missing:
        raise FileNotFoundError(f"not built: {missing}; run make book first")
    with tempfile.TemporaryDirectory() as out:
        subprocess.run(
            ["node", str(PRINTER), out, *pages],
            cwd=PRINTER.parent,
            env={**os.environ, "BOOK_DIR": str(site)},
            check=True,
        )
        writer = PdfWriter()
        for i, page in enumerate(pages):
            writer.append(Path(out, f"{i}.pdf"), outline_item=page_title(site / page))
    writer.add_metadata({"/Title": page_title(folder / "intro.html")})
    buffer = io.BytesIO()
    writer.write(buffer)
    return files.write_bytes(folder / NAME, buffer.getvalue())


def main(argv: list[str]) -> None:
    site = Path(argv[0] if argv else ROOT / "_build" / "html").resolve()
    for edition in EDITIONS:
        if (site / edition / "index.html").is_file():
            path = bind(site, edition)
            print(f"{path}: {path.stat().st_size / 2**20:.1f} MB")


if __name__ == "__main__":
    main(sys.argv[1:])
