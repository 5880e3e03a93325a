"""An IPython start-up file that ``book.py`` gives every chapter's kernel: after each cell it
writes, to ``$VAECORE_CELL_TIMES/<pid>.json``, every cell run so far with its seconds and the
process's peak memory after it, so that ``book.py`` can say where a chapter's time and memory go.
"""

import json
import os
import time
from pathlib import Path

from IPython import get_ipython


def _record_cells() -> None:
    shell = get_ipython()
    out = Path(os.environ["VAECORE_CELL_TIMES"]) / f"{os.getpid()}.json"
    cells: list[dict] = []
    started = [0.0]

    def before(info) -> None:
        started[0] = time.perf_counter()

    def after(result) -> None:
        from vaecore import files  # after the chapter's first cell has set up vaecore
        from vaecore.book.cost import peak_memory_bytes

        peak = peak_memory_bytes()
        cells.append(
            {
                "source": result.info.raw_cell,
                "seconds": round(time.perf_counter() - started[0], 2),
                "peak_mb": None if peak is None else round(peak / 2**20),
            }
        )
        files.write_text(out, json.dumps(cells))

    shell.events.register("pre_run_cell", before)
    shell.events.register("post_run_cell", after)


_record_cells()
