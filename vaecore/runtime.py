"""How PyTorch uses this machine's processors, chosen once when ``vaecore`` is imported.

PyTorch's CPU operations run on OpenMP threads, one per core by default, and an idle OpenMP
thread spins for a while before it sleeps. On a machine where other work runs (Binder and
Colab share their nodes; a laptop has a browser open; CI runs jobs side by side) or inside a
CPU quota smaller than the cores it sees, threads that cannot all run wait for each other and
spin on the processors the others need: beside another program that kept both processors
busy, one epoch of the book's autoencoder took about sixteen times as long
(``benchmarks/busy_machine.py`` measures it). So, unless the reader chose otherwise:

- PyTorch (and NumPy's OpenBLAS) use as many threads as the CPUs this process may really use:
  the cores of its affinity mask, and no more than its CPU quota (cgroup v2 ``cpu.max``, v1
  ``cpu.cfs_quota_us``);
- on Linux, the threads follow the machine's load from one run to the next: one thread while
  other programs keep the processors busy, all of them again once processors are idle.
  :func:`follow_load`, called when a training run starts and in a notebook before each cell,
  looks at how many processors this process used and how many stayed idle since its last look
  (or, when that look is older than :data:`RECENT`, over the next :data:`SAMPLE` seconds), and
  takes that many threads. Beside a busy program one thread is faster than two; on an idle
  machine two are. The count never changes while a run trains: the order in which a sum's
  parts are added depends on it, so a run's numbers depend only on its seed, its data, its
  settings and the threads it started with;
- an idle OpenMP thread spins a tenth as long as GNU OpenMP's default before it sleeps
  (``GOMP_SPINCOUNT``, :data:`SPIN_COUNT`), which bounds what a busy moment costs before the
  threads follow it; elsewhere ``OMP_WAIT_POLICY=PASSIVE``, as other OpenMPs have no spin
  count. This must be in place before PyTorch loads OpenMP: the chapters and the tests import
  ``vaecore`` before ``torch``, and ``make`` sets it for everything it runs.

A reader's ``OMP_WAIT_POLICY``, ``GOMP_SPINCOUNT``, ``OMP_NUM_THREADS`` and
``OPENBLAS_NUM_THREADS`` are kept, and ``torch.set_num_threads`` called after importing
``vaecore`` wins, even with the count vaecore had chosen: where the threads follow the load,
``vaecore`` puts a wrapper in ``torch.set_num_threads``'s place that stops the following, and
the threads stay as the reader set them. The choice is said once per
process (not in the worker processes of :mod:`vaecore.experiments.parallel`).
"""

from __future__ import annotations

import functools
import math
import multiprocessing
import os
import sys
import time
from collections.abc import Callable
from pathlib import Path

__all__ = [
    "WAIT_ENV",
    "SPIN_ENV",
    "SPIN_COUNT",
    "THREADS_ENV",
    "BLAS_THREADS_ENV",
    "CGROUP",
    "LOOK_EVERY",
    "RECENT",
    "SAMPLE",
    "FREE_MARGIN",
    "cpu_quota",
    "usable_cpus",
    "configure",
    "follow_load",
]

WAIT_ENV = "OMP_WAIT_POLICY"
SPIN_ENV = "GOMP_SPINCOUNT"
#: The busy-loop turns an idle GNU OpenMP thread makes before it sleeps (its own default is
#: 300,000). Timed on an epoch of the autoencoder: 2,000 turns made an idle machine's epoch a
#: quarter slower, 30,000 kept its speed; ``benchmarks/busy_machine.py`` compares it with none
#: (``OMP_WAIT_POLICY=PASSIVE``) and with GNU's default.
SPIN_COUNT = 30_000
THREADS_ENV = "OMP_NUM_THREADS"
BLAS_THREADS_ENV = "OPENBLAS_NUM_THREADS"
CGROUP = Path("/sys/fs/cgroup")
#: :func:`follow_load` looks at the machine at most once per this many seconds.
LOOK_EVERY = 0.25
#: A last look older than this many seconds says little of the load now (a reader paused; a
#: long run ended): :func:`follow_load` then looks afresh over :data:`SAMPLE` seconds.
RECENT = 2.0
#: The seconds this process waits while :func:`follow_load` looks afresh at the machine.
SAMPLE = 0.05
#: The processors this process could have used since the last look are those it used and those
#: left idle; it takes that many threads, rounded to the nearest (so adding this, rounded down).
FREE_MARGIN = 0.5

_said: str | None = None
#: What :func:`follow_load` needs: the threads it may use (``None``: it does not follow, as the
#: reader chose the threads, or the system does not say its load), the count it set last, and the
#: last look (time, this process's processor seconds, the machine's idle seconds).
_most: int | None = None
_set: int = 0
_look: tuple[float, float, float] | None = None
#: PyTorch's own ``set_num_threads``, which :func:`follow_load` calls; ``torch.set_num_threads``
#: is the reader's wrapper while the threads follow the load.
_set_threads: Callable[[int], None] | None = None


def cpu_quota(root: Path = CGROUP) -> float | None:
    """The CPUs this process's cgroup may use per period (``1.5``: one and a half), or ``None``
    when there is no quota or none can be read: cgroup v2's ``cpu.max`` (``"150000 100000"``,
    or ``"max 100000"`` for none), else v1's ``cpu.cfs_quota_us / cpu.cfs_period_us`` (a quota
    of ``-1`` for none)."""
    for folder in _own_cgroup_folders(root):
        try:
            quota, period = (folder / "cpu.max").read_text().split()[:2]
            if quota == "max":
                return None
            quota_us, period_us = int(quota), int(period)
        except (OSError, ValueError):
            continue
        return quota_us / period_us if quota_us > 0 and period_us > 0 else None
    for name in ("cpu", "cpu,cpuacct", "cpuacct,cpu"):
        try:
            quota_us = int((root / name / "cpu.cfs_quota_us").read_text())
            period_us = int((root / name / "cpu.cfs_period_us").read_text())
        except (OSError, ValueError):
            continue
        return None if quota_us <= 0 or period_us <= 0 else quota_us / period_us
    return None


def _own_cgroup_folders(root: Path) -> list[Path]:
    """This process's cgroup v2 folder (from ``/proc/self/cgroup``'s ``0::/path``), then the
    root, where a container usually sees its own limits."""
    folders = []
    try:
        for line in Path("/proc/self/cgroup").read_text().splitlines():
            if line.startswith("0::/") and line.strip() != "0::/":
                folders.append(root / line[4:].strip())
    except OSError:
        pass
    return [*folders, root]


def usable_cpus(root: Path = CGROUP) -> int:
    """How many CPUs this process can keep busy: the cores its affinity mask allows, no more
    than its CPU quota (rounded down), and at least one."""
    if hasattr(os, "sched_getaffinity"):
        allowed = len(os.sched_getaffinity(0))
    else:  # macOS and Windows have no affinity mask to read
        allowed = os.cpu_count() or 1
    quota = cpu_quota(root)
    if quota is not None:
        allowed = min(allowed, math.floor(quota))
    return max(1, allowed)


def configure() -> str:
    """Choose PyTorch's threads for this machine (see the module's notes), once per process;
    return the sentence that says the choice, which is printed the first time."""
    global _said
    if _said is not None:
        return _said
    readers = {name: os.environ.get(name, "").strip() for name in (WAIT_ENV, SPIN_ENV)}
    ours = not any(readers.values()) and "torch" not in sys.modules
    if ours:  # OpenMP reads how to wait when PyTorch loads it
        if sys.platform.startswith("linux"):
            os.environ[SPIN_ENV] = str(SPIN_COUNT)
        else:  # not GNU OpenMP: no spin count to set
            os.environ[WAIT_ENV] = "PASSIVE"
    cpus = usable_cpus()
    if "numpy" not in sys.modules and not os.environ.get(BLAS_THREADS_ENV, "").strip():
        os.environ[BLAS_THREADS_ENV] = str(cpus)  # OpenBLAS reads it when NumPy loads
    import torch

    if os.environ.get(THREADS_ENV, "").strip():
        threads = f"{_count(torch.get_num_threads(), 'thread')}, as {THREADS_ENV} says"
    else:
        if torch.get_num_threads() > cpus:
            torch.set_num_threads(cpus)
        threads = f"{_count(torch.get_num_threads(), 'thread')} ({_count(cpus, 'CPU')} usable here)"
        if cpus > 1 and _idle_seconds() is not None:
            _follow(torch)
            threads += ", one while other programs keep the CPUs busy"
    if ours and SPIN_ENV in os.environ:
        waiting = f"idle threads spin briefly, then sleep ({SPIN_ENV}={SPIN_COUNT})"
    elif ours:
        waiting = f"idle threads sleep ({WAIT_ENV}=PASSIVE)"
    elif any(readers.values()):
        set_ = [f"{name}={value}" for name, value in readers.items() if value]
        waiting = f"idle threads wait as {' and '.join(set_)} {'says' if len(set_) == 1 else 'say'}"
    else:
        waiting = (
            "idle threads spin, which a busy machine pays for: import vaecore before torch, "
            f"or set {WAIT_ENV}=PASSIVE"
        )
    _said = f"vaecore: PyTorch uses {threads}; {waiting}."
    if multiprocessing.parent_process() is None:
        # a notebook shows stdout as plain text; a script keeps its stdout for its results
        print(_said, file=sys.stdout if _in_notebook() else sys.stderr)
    return _said


def _follow(torch) -> None:  # noqa: ANN001 (the module, imported late on purpose)
    """Start following the load: the first look, the reader's ``torch.set_num_threads`` wrapped,
    and in a notebook a look before each cell."""
    global _most, _set, _set_threads, _look
    _most = _set = torch.get_num_threads()
    _set_threads = getattr(torch.set_num_threads, "__wrapped__", torch.set_num_threads)

    @functools.wraps(_set_threads)
    def set_num_threads(threads: int) -> None:
        global _most
        _most = None  # the reader chose: theirs win from now on
        _set_threads(threads)

    torch.set_num_threads = set_num_threads
    _look = _look_now()  # the first look: the next call decides
    if _in_notebook():
        sys.modules["IPython"].get_ipython().events.register(
            "pre_run_cell", lambda info: follow_load()
        )


def follow_load() -> int:
    """Fit PyTorch's threads to the machine's load now (see the module's notes) and return how
    many it uses. Called where work starts (a training run, a notebook cell), never inside a
    run. Cheap: it reads ``/proc`` at most once per :data:`LOOK_EVERY` seconds (waiting
    :data:`SAMPLE` seconds when its last look is older than :data:`RECENT`), and does nothing
    where the reader chose the threads or the system does not say its load."""
    global _most, _look
    import torch

    if _most is None or _set_threads is None:
        return torch.get_num_threads()
    if torch.get_num_threads() != _set:  # set behind the wrapper's back (torch._C): theirs win
        _most = None
        return torch.get_num_threads()
    if _look is not None and time.monotonic() - _look[0] < LOOK_EVERY:
        return _set
    look = _look_now()
    if look is None:
        _most = None
        return _set
    if _look is None or look[0] - _look[0] > RECENT:
        time.sleep(SAMPLE)
        _look, look = look, _look_now()
        if look is None:
            _most = None
            return _set
    seconds = look[0] - _look[0]
    free = (look[1] - _look[1] + look[2] - _look[2]) / seconds  # processors we could have had
    _use(max(1, min(_most, math.floor(free + FREE_MARGIN))))
    _look = look
    return _set


def _look_now() -> tuple[float, float, float] | None:
    """(time, this process's processor seconds, the machine's idle seconds), or ``None`` where
    the system does not say its load."""
    idle = _idle_seconds()
    return None if idle is None else (time.monotonic(), time.process_time(), idle)


def _use(threads: int) -> None:
    global _set
    if threads != _set and _set_threads is not None:
        _set_threads(threads)
        _set = threads


def _idle_seconds() -> float | None:
    """The seconds the machine's processors have been idle since boot, all added (Linux's
    ``/proc/stat``: idle and waiting for input or output), or ``None`` where unreadable."""
    try:
        fields = Path("/proc/stat").read_text().split("\n", 1)[0].split()
        return (int(fields[4]) + int(fields[5])) / os.sysconf("SC_CLK_TCK")
    except (OSError, ValueError, IndexError):
        return None


def _count(n: int, thing: str) -> str:
    return f"{n} {thing}{'' if n == 1 else 's'}"


def _in_notebook() -> bool:
    """Whether this process is a Jupyter kernel running a notebook's cells."""
    ipython = sys.modules.get("IPython")
    shell = ipython.get_ipython() if ipython is not None else None
    return type(shell).__name__ == "ZMQInteractiveShell"
