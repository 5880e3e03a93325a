"""The book's PDFs (``tools/book_pdf.py``, ``make pdf``; issue 35, item 5): one per edition, beside
its index page, with every page of the table of contents in reading order, each a bookmark under
its own title, and every figure of every chapter in it (its caption's words are in the PDF's
text).

The PDFs exist only after ``make pdf``; ``VAECORE_PDF`` names the built site they are in (CI sets
it once they are printed), and without it these tests are skipped.
"""

from __future__ import annotations

import os
import re
import unicodedata
from pathlib import Path

import pytest
from tool_modules import tool

book_pdf = tool("book_pdf")

SITE = os.environ.get("VAECORE_PDF")
pytestmark = pytest.mark.skipif(not SITE, reason="VAECORE_PDF is not set (make pdf first)")


def _squeezed(text: str) -> str:
    """Text without spaces or line breaks, ligatures undone (fi, not the ligature)."""
    return re.sub(r"\s+", "", unicodedata.normalize("NFKC", text))


@pytest.fixture(scope="module", params=book_pdf.EDITIONS, ids=lambda e: e or "en")
def edition(request) -> tuple[Path, object]:
    from pypdf import PdfReader

    folder = Path(str(SITE)) / request.param
    return folder, PdfReader(folder / book_pdf.NAME)


def _chapters(reader) -> list[tuple[str, range]]:
    """Each bookmark's title and the PDF's pages from it to the next."""
    starts = [(item.title, reader.get_destination_page_number(item)) for item in reader.outline]
    ends = [start for _, start in starts[1:]] + [len(reader.pages)]
    return [(title, range(start, end)) for (title, start), end in zip(starts, ends)]


def _images(page) -> int:
    """The pictures drawn on a PDF page (its image XObjects)."""
    objects = page.get("/Resources", {}).get("/XObject", {})
    return sum(1 for ref in objects.values() if ref.get_object().get("/Subtype") == "/Image")


def test_every_page_is_a_bookmark_under_its_title_in_reading_order(edition):
    folder, reader = edition
    titles = [book_pdf.page_title(folder / f"{page}.html") for page in book_pdf.reading_order()]
    assert [title for title, _ in _chapters(reader)] == titles
    for title, pages in _chapters(reader):
        assert len(pages) >= 1, f"{title}: no page"
        first = _squeezed(reader.pages[pages[0]].extract_text())
        assert _squeezed(title)[:20] in first, f"{title}: not on its first page"


def test_every_figure_of_every_chapter_is_in_the_pdf(edition):
    """Each page's figures (its captioned pictures) are drawn in its part of the PDF."""
    folder, reader = edition
    short = []
    for page, (title, pages) in zip(book_pdf.reading_order(), _chapters(reader)):
        built = (folder / f"{page}.html").read_text(encoding="utf-8")
        figures = len(re.findall(r"<figure\b[^>]*>\s*<img\b", built))
        drawn = sum(_images(reader.pages[i]) for i in pages)
        if drawn < figures:
            short.append(f"{title}: {figures} figures, {drawn} pictures")
    assert not short, f"{folder / book_pdf.NAME}: {short}"
