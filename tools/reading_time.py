"""How long each chapter of the built English book takes to read: its main path and the whole page.

    python tools/reading_time.py            # after `make book`; reads _build/html

Prose is what a reader reads as text: paragraphs, lists, headings, captions, and the computed
sentences and tables of the chapters' outputs. Code, maths, printed logs, figures and the
latent explorers are not prose and are not counted. The **main path** is the page less what a
reader may skip: the exercises, every folded block (a dropdown, such as a solution), and every
section whose heading starts with "How we know" (its conclusion is stated before it). Times are
at 200 words a minute, the rate the book's reading-time goal is set in (12 minutes of main path
per core chapter).
"""

from __future__ import annotations

import argparse
import sys
from html.parser import HTMLParser
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
HTML = ROOT / "_build" / "html" / "chapters"
WORDS_PER_MINUTE = 200
#: The core chapters, whose main path the goal bounds, in reading order.
CORE = ("autoencoder", "vae-without-kl", "vae", "gan", "gan-images", "vrnn")
GOAL_MINUTES = 12.0
#: Skipped everywhere: code, printed outputs, maths, figures and scripts.
NOT_PROSE = ("cell_input", "cell_output", "math", "highlight")
#: Skipped on the main path only (sections, by the id Sphinx gives their English heading).
SKIPPABLE_SECTIONS = ("exercises", "how-we-know")
COMPUTED = "vaecore-computed"  # vaecore.book.messages.COMPUTED: read, although an output
VOID = {"br", "img", "hr", "input", "meta", "link", "col", "area", "base", "source", "wbr"}


class _Counter(HTMLParser):
    """Counts the words of prose inside the article, on the main path and in all."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.stack: list[tuple[str, str]] = []  # (tag, what it does: "", "skip", "aside", "read")
        self.in_article = False
        self.main = 0
        self.whole = 0

    def _state(self) -> tuple[bool, bool]:
        """(counted at all, counted on the main path) for text at the current place: the
        innermost mark decides, so a computed sentence inside an output is read and code inside
        it is not."""
        counted = True
        for _, kind in reversed(self.stack):
            if kind in ("skip", "read"):
                counted = kind == "read"
                break
        return counted, counted and all(kind != "aside" for _, kind in self.stack)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "article":
            self.in_article = True
        if tag in VOID:
            return
        found = dict(attrs)
        classes = (found.get("class") or "").split()
        kind = ""
        if COMPUTED in classes:
            kind = "read"
        elif tag in ("script", "style", "pre", "svg") or any(c in classes for c in NOT_PROSE):
            kind = "skip"
        elif "dropdown" in classes or tag == "details":
            kind = "aside"
        elif tag == "section" and (found.get("id") or "").startswith(SKIPPABLE_SECTIONS):
            kind = "aside"
        self.stack.append((tag, kind))

    def handle_endtag(self, tag: str) -> None:
        if tag == "article":
            self.in_article = False
        for i in range(len(self.stack) - 1, -1, -1):
            if self.stack[i][0] == tag:
                del self.stack[i:]
                return

    def handle_data(self, data: str) -> None:
        if not self.in_article:
            return
        counted, main = self._state()
        words = len(data.split())
        self.whole += words if counted else 0
        self.main += words if main else 0


def words(page: Path) -> tuple[int, int]:
    """``(main path, whole page)``: the words of prose of one built page."""
    counter = _Counter()
    counter.feed(page.read_text(encoding="utf-8"))
    return counter.main, counter.whole


def report(folder: Path = HTML) -> list[tuple[str, float, float]]:
    """``(chapter, main path minutes, whole page minutes)`` for every built chapter."""
    out = []
    for page in sorted(folder.glob("*.html")):
        main, whole = words(page)
        out.append((page.stem, main / WORDS_PER_MINUTE, whole / WORDS_PER_MINUTE))
    return out


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--html", type=Path, default=HTML, help="the built chapters' folder")
    args = parser.parse_args(argv)
    rows = report(args.html)
    if not rows:
        sys.exit(f"no built chapters in {args.html}: run `make book` first")
    print(
        f"reading time at {WORDS_PER_MINUTE} words a minute (main path goal: {GOAL_MINUTES:g} min)"
    )
    print(f"{'chapter':<18} {'main path':>10} {'whole page':>11}")
    for name, main, whole in rows:
        mark = "  over the goal" if name in CORE and main > GOAL_MINUTES else ""
        print(f"{name:<18} {main:>8.1f} m {whole:>9.1f} m{mark}")


if __name__ == "__main__":
    main()
