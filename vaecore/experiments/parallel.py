"""Independent runs in parallel processes: the seeds of an experiment on a 2-core machine."""

from __future__ import annotations

import multiprocessing
from concurrent.futures import ProcessPoolExecutor
from typing import Callable, Sequence, TypeVar

import torch
from tqdm.auto import tqdm

from vaecore import checks, settings

__all__ = ["Item", "Result", "map_in_processes"]

Item = TypeVar("Item")


Result = TypeVar("Result")


def _one_thread() -> None:
    torch.set_num_threads(1)


@checks.arguments(workers=checks.COUNT)
def map_in_processes(
    fn: Callable[[Item], Result], items: Sequence[Item], workers: int = 2, desc: str | None = None
) -> list[Result]:
    """``[fn(item) for item in items]``, ``workers`` at a time in separate one-thread processes.

    For small networks a run gains little from a second thread, but runs are independent: on a
    2-core machine two processes halve the wall time. ``fn`` must be importable (a module-level
    function) and its arguments and results picklable. The processes are started with "spawn", which
    is safe with torch's thread pools, unlike "fork"; they inherit the environment
    (``VAECORE_DATA_DIR``, ...). A progress bar counts finished runs."""
    context = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(workers, mp_context=context, initializer=_one_thread) as pool:
        results = pool.map(fn, items)
        return list(
            tqdm(results, total=len(items), desc=desc, disable=not settings.show_progress(None))
        )
