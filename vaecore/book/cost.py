"""What a chapter costs to run: the note at its start, with its run time in each setting as the
book benchmark last measured it, and the sentence at its end, with this run's time and peak
memory.

``benchmarks/book.py`` reads the end's numbers from the built pages (``book.json``), so the
numbers a reader sees are the ones the book's limits are checked against, and the next reader's
note is computed from them.
"""

from __future__ import annotations

import math
import sys
import time

from vaecore import checks, settings
from vaecore.book import results
from vaecore.book.messages import Text, say

__all__ = ["peak_memory_bytes", "chapter_cost", "chapter_runtime"]


def peak_memory_bytes() -> int | None:
    """The most resident memory this process has held so far, in bytes (the kernel's, in a
    notebook), or ``None`` where the system does not say (Windows)."""
    try:
        import resource
    except ImportError:
        return None
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak if sys.platform == "darwin" else peak * 1024  # macOS counts bytes, Linux KiB


@checks.arguments(start=checks.number())
def chapter_cost(start: float) -> Text:
    """The chapter's last sentence: how long it ran since ``start`` (a ``time.perf_counter()``
    taken in its first cell), in which setting, and its process's peak memory."""
    seconds = f"{time.perf_counter() - start:.0f}"
    mode = say("quick mode") if settings.quick_mode() else say("full setting")
    peak = peak_memory_bytes()
    if peak is None:
        return Text([say("This chapter ran in {seconds} s ({mode}).", seconds=seconds, mode=mode)])
    return Text(
        [
            say(
                "This chapter ran in {seconds} s ({mode}), and its Python process held at most "
                "{memory} MB of memory.",
                seconds=seconds,
                mode=mode,
                memory=f"{peak / 2**20:,.0f}",
            )
        ]
    )


def chapter_runtime(chapter: str) -> Text:
    """The chapter's opening note on its cost: how long ``chapter`` (its file's name, e.g.
    ``"vae"``) runs in its full setting, in whole minutes rounded up, and in quick mode, in
    seconds, as the book benchmark last measured each (``book.json``), and on how many CPUs."""
    book = results.load("book")
    measured = {mode: book["results"][mode]["chapter_seconds"] for mode in ("full", "quick")}
    if chapter not in measured["full"] or chapter not in measured["quick"]:
        raise ValueError(
            f"book.json has no run time for {chapter!r}; the chapters it measured are "
            f"{sorted(measured['full'])} (benchmarks/book.py measures each chapter of _toc.yml)"
        )
    return Text(
        [
            say(
                "This chapter runs in about {full} minutes in its full setting, and in {quick} s "
                "in quick mode ({variable}=1), measured on a machine with {cpus} CPUs.",
                full=f"{math.ceil(measured['full'][chapter] / 60)}",
                quick=f"{measured['quick'][chapter]}",
                variable=settings.QUICK_ENV,
                cpus=f"{book['machine']['cpus']}",
            )
        ]
    )
