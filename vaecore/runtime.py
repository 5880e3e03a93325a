"""How PyTorch uses this machine's processors, chosen once when ``vaecore`` is imported.

PyTorch's CPU operations run on OpenMP threads, one per core by default, and an idle OpenMP
thread spins for a while before it sleeps. On a machine where other work runs (Binder and
Colab share their nodes; a laptop has a browser open; CI runs jobs side by side) or inside a
CPU quota smaller than the cores it sees, the spinning threads take the CPU from the ones with
work: beside another program that kept both processors busy, one epoch of the book's VAE took
about ten times as long (``benchmarks/busy_machine.py`` measures it). So, unless the reader chose
otherwise:

- an idle OpenMP thread spins only briefly, then sleeps: ``GOMP_SPINCOUNT=2000`` busy-loop
  turns (a few microseconds) for GNU OpenMP, PyTorch's on Linux, instead of 300,000; elsewhere
  ``OMP_WAIT_POLICY=PASSIVE``, which sleeps at once. Sleeping at once was safe on a busy
  machine but made an idle one's epoch half as slow again: the short spin keeps most of the
  idle speed (the benchmark compares them). This must be in place before PyTorch loads
  OpenMP: the chapters and the tests import ``vaecore`` before ``torch``, and ``make`` sets
  it for everything it runs;
- PyTorch uses as many threads as the CPUs this process may really use: the cores of its
  affinity mask, and no more than its CPU quota (cgroup v2 ``cpu.max``, v1
  ``cpu.cfs_quota_us``).

A reader's ``OMP_WAIT_POLICY``, ``GOMP_SPINCOUNT`` and ``OMP_NUM_THREADS`` are kept, and
``torch.set_num_threads`` called after importing ``vaecore`` wins. The choice is said once per
process (not in the worker processes of :mod:`vaecore.experiments.parallel`).
"""

from __future__ import annotations

import math
import multiprocessing
import os
import sys
from pathlib import Path

WAIT_ENV = "OMP_WAIT_POLICY"
SPIN_ENV = "GOMP_SPINCOUNT"
#: The busy-loop turns an idle GNU OpenMP thread makes before it sleeps (its own default is
#: 300,000), chosen by timing 1,000 to 50,000 turns idle and busy; ``benchmarks/busy_machine.py``
#: compares it with none (``OMP_WAIT_POLICY=PASSIVE``) and with GNU's default.
SPIN_COUNT = 2000
THREADS_ENV = "OMP_NUM_THREADS"
CGROUP = Path("/sys/fs/cgroup")

_said: str | None = None


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
    import torch

    cpus = usable_cpus()
    if os.environ.get(THREADS_ENV, "").strip():
        threads = f"{_count(torch.get_num_threads(), 'thread')}, as {THREADS_ENV} says"
    else:
        if torch.get_num_threads() > cpus:
            torch.set_num_threads(cpus)
        threads = f"{_count(torch.get_num_threads(), 'thread')} ({_count(cpus, 'CPU')} usable here)"
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


def _count(n: int, thing: str) -> str:
    return f"{n} {thing}{'' if n == 1 else 's'}"


def _in_notebook() -> bool:
    """Whether this process is a Jupyter kernel running a notebook's cells."""
    ipython = sys.modules.get("IPython")
    shell = ipython.get_ipython() if ipython is not None else None
    return type(shell).__name__ == "ZMQInteractiveShell"
