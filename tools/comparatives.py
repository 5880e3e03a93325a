"""Prose may not outrun a verdict: comparative sentences beside computed verdicts, for a person to
confirm.

A chapter's verdicts are computed (``vaecore.book.findings``, by the rule of
``vaecore.book.verdicts``); the prose around them is typed, and typed prose drifts. This tool
finds every sentence of a chapter's Markdown that compares (better, worse, beats, wins, closer,
costs, every seed, ...) in a cell near a computed verdict, and asks that a person has confirmed
it: that it holds for any run of the chapter (a definition, a theorem, the method, what a
computed sentence will say) rather than for today's numbers. Confirmations live in
``tools/comparatives.json``, ``{page: {digest: "why it holds for any run"}}``; the digest is of
the sentence's words, so an edited sentence must be confirmed again.

    python tools/comparatives.py check       # fail on a comparative not confirmed (CI)
    python tools/comparatives.py list        # every flagged sentence, with its digest
"""

from __future__ import annotations

import argparse
import hashlib
import json
import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CHAPTERS = ROOT / "chapters"
CONFIRMED = Path(__file__).resolve().parent / "comparatives.json"

#: Words that make a sentence a comparison between models, settings or runs.
COMPARATIVE = re.compile(
    r"\b(better|worse|beats?|beating|beaten|wins?|won|winners?|outperform\w*|closer|closest|"
    r"sharper|blurrier|ahead of|more than|less than|fewer than|costs?|cheaper|faster|slower|"
    r"every seed|all seeds|each seed|on every run|higher than|lower than|improv\w*)\b",
    re.IGNORECASE,
)
#: A code cell that shows a computed verdict or table.
VERDICT = re.compile(r"\bfindings\.|\bdecide\(|\brank\(|\bthe_rule\(")
#: How many cells on each side of a verdict's cell count as beside it.
NEAR = 2


def _sentences(markdown: str) -> list[str]:
    """The sentences of a Markdown cell, with maths, code and roles' targets left in place."""
    text = re.sub(r"\$\$.*?\$\$", " ", markdown, flags=re.S)  # display maths
    text = re.sub(r":::.*?:::", " ", text, flags=re.S)  # exercises' solutions
    parts = re.split(r"(?<=[.!?:;])\s+(?=[A-Z*(`$])|\n\s*\n|\n\s*[-*] ", text)
    return [" ".join(p.split()) for p in parts if p.strip()]


def digest(sentence: str) -> str:
    """A short digest of the sentence's words (spacing ignored)."""
    return hashlib.sha1(" ".join(sentence.split()).encode()).hexdigest()[:12]


def flagged(notebook: Path) -> list[str]:
    """The comparative sentences of ``notebook``'s Markdown cells beside a computed verdict."""
    cells = json.loads(notebook.read_text(encoding="utf-8"))["cells"]
    verdicts = [
        i
        for i, c in enumerate(cells)
        if c["cell_type"] == "code" and VERDICT.search("".join(c["source"]))
    ]
    found = []
    for i, cell in enumerate(cells):
        if cell["cell_type"] != "markdown" or not any(abs(i - v) <= NEAR for v in verdicts):
            continue
        found += [s for s in _sentences("".join(cell["source"])) if COMPARATIVE.search(s)]
    return found


def report() -> dict[str, list[tuple[str, str, bool]]]:
    """``{page: [(digest, sentence, confirmed)]}`` for every chapter."""
    confirmed = json.loads(CONFIRMED.read_text(encoding="utf-8")) if CONFIRMED.is_file() else {}
    out = {}
    for notebook in sorted(CHAPTERS.glob("*.ipynb")):
        page = f"chapters/{notebook.stem}"
        mine = confirmed.get(page, {})
        out[page] = [(digest(s), s, digest(s) in mine) for s in flagged(notebook)]
    return out


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("command", choices=("check", "list"))
    args = parser.parse_args(argv)
    found = report()
    missing = 0
    for page, sentences in found.items():
        for key, sentence, ok in sentences:
            if args.command == "list" or not ok:
                print(f"{page} {key} {'confirmed' if ok else 'NOT CONFIRMED'}: {sentence}")
            missing += not ok
    total = sum(len(s) for s in found.values())
    print(f"comparatives beside computed verdicts: {total}, {missing} not confirmed")
    if args.command == "check" and missing:
        sys.exit(
            "a comparative sentence beside a computed verdict is not confirmed: check that it "
            "holds for any run of the chapter (else make it a computed verdict or reword it), "
            f"then add its digest and why to {CONFIRMED.relative_to(ROOT)}"
        )


if __name__ == "__main__":
    main()
