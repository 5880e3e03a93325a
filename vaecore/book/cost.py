"""What a chapter cost to run: the sentence at its end, with its time and its peak memory.

``benchmarks/book.py`` reads both from the built pages (``book.json``), so the numbers a
reader sees are the ones the book's limits are checked against.
"""

from __future__ import annotations

import sys
import time

from vaecore import checks, settings
from vaecore.book.messages import Text, say


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
