"""PyTorch on a busy machine: one epoch and one whole chapter, on an idle machine and beside CPU
burners, with vaecore's threading (vaecore.runtime) against one thread and against PyTorch's own.

A busy machine is this one with ``--burners`` other processes (default: one more than its
CPUs) that only spin, at normal priority, each stopped at a deadline. Each measurement runs in
a fresh process, since the threading is chosen before PyTorch loads:

- ``vaecore``: vaecore imported first, as the chapters do: idle threads sleep, as many threads
  as the CPUs this process may use;
- ``one thread``: the same with ``OMP_NUM_THREADS=1``;
- ``torch first``: PyTorch imported before vaecore, so OpenMP keeps its own spinning wait (what
  every chapter did before ``vaecore.runtime``). Only the epoch is measured this way: a whole
  chapter would take the better part of an hour.

The epoch is one epoch of the book's MLP VAE (``VAE(32)``, 784-512-256-32, batch 128) on
10,000 MNIST digits; the chapter is the autoencoder chapter in its full setting, run as the
book runs it (nbclient, a fresh kernel). The result says, for each set-up, the seconds and
the ratio busy / idle.

    python benchmarks/busy_machine.py --out vaecore/book/results/busy_machine.json  # ~20 min
    python benchmarks/busy_machine.py --quick     # epochs only, and fewer of them (CI)
"""

from __future__ import annotations

import json
import multiprocessing
import os
import statistics
import subprocess
import sys
import time
from contextlib import contextmanager
from typing import Iterator

from _report import ROOT, arguments, write

EPOCH = """
import json, sys, time
if sys.argv[1] == "torch first":
    import torch
import vaecore
import torch
from vaecore.data.datasets import load_images
from vaecore.models.vae import VAE
from vaecore.train import TrainConfig, fit

x = load_images("mnist", "train", limit=10_000).images.reshape(-1, 784)
torch.manual_seed(0)
model = VAE(32)
start = time.perf_counter()
fit(model, x, TrainConfig(epochs=1, batch_size=128, progress=False))
print(json.dumps({"seconds": time.perf_counter() - start, "threads": torch.get_num_threads()}))
"""

CHAPTER = ROOT / "chapters" / "autoencoder.ipynb"
SETUPS = {"vaecore": {}, "one thread": {"OMP_NUM_THREADS": "1"}, "torch first": {}}


def _burn(deadline: float) -> None:
    while time.time() < deadline:
        pass


@contextmanager
def burners(count: int, seconds: float) -> Iterator[None]:
    """``count`` processes that spin until the block ends, and at most ``seconds``."""
    deadline = time.time() + seconds
    context = multiprocessing.get_context("spawn")
    workers = [context.Process(target=_burn, args=(deadline,), daemon=True) for _ in range(count)]
    for w in workers:
        w.start()
    time.sleep(1)  # every burner spinning before the measurement starts
    try:
        yield
    finally:
        for w in workers:
            w.terminate()
            w.join()


def _environment(setup: str) -> dict[str, str]:
    """This process's environment without any OpenMP setting, plus the set-up's."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("OMP_")}
    return {**env, **SETUPS[setup], "VAECORE_PROGRESS": "0"}


def epoch(setup: str) -> dict:
    """One epoch in a fresh process: its seconds and PyTorch's threads."""
    run = subprocess.run(
        [sys.executable, "-c", EPOCH, setup],
        env=_environment(setup),
        capture_output=True,
        text=True,
        check=True,
        cwd=ROOT,
    )
    return json.loads(run.stdout.strip().splitlines()[-1])


def chapter(setup: str) -> float:
    """The autoencoder chapter in its full setting, in a fresh kernel: its seconds."""
    import nbformat
    from nbclient import NotebookClient

    env = {**_environment(setup), "VAECORE_QUICK": "0"}
    saved = dict(os.environ)
    os.environ.clear()
    os.environ.update(env)  # the kernel inherits this process's environment
    try:
        notebook = nbformat.read(CHAPTER, as_version=4)
        start = time.perf_counter()
        NotebookClient(
            notebook, timeout=3600, resources={"metadata": {"path": str(CHAPTER.parent)}}
        ).execute()
        return time.perf_counter() - start
    finally:
        os.environ.clear()
        os.environ.update(saved)


def measured(runs: list[float]) -> dict:
    return {
        "median_seconds": round(statistics.median(runs), 2),
        "seconds": [round(s, 2) for s in runs],
    }


def main() -> None:
    parser = arguments(__doc__, "epochs only, two of each (CI)")
    parser.add_argument("--burners", type=int, default=(os.cpu_count() or 1) + 1)
    parser.add_argument("--repeats", type=int, default=3, help="epochs per set-up and load")
    args = parser.parse_args()
    repeats = 2 if args.quick else args.repeats
    epochs: dict[str, dict] = {}
    for setup in SETUPS:
        idle = [epoch(setup) for _ in range(repeats)]
        with burners(args.burners, seconds=600):
            busy = [epoch(setup) for _ in range(repeats)]
        epochs[setup] = {
            "threads": idle[0]["threads"],
            "idle": measured([r["seconds"] for r in idle]),
            "busy": measured([r["seconds"] for r in busy]),
        }
    chapters: dict[str, dict] = {}
    if not args.quick:
        for setup in ("vaecore", "one thread"):
            idle_seconds = chapter(setup)
            with burners(args.burners, seconds=3600):
                busy_seconds = chapter(setup)
            chapters[setup] = {"idle": measured([idle_seconds]), "busy": measured([busy_seconds])}
    for table in (epochs, chapters):
        for row in table.values():
            row["busy_over_idle"] = round(
                row["busy"]["median_seconds"] / row["idle"]["median_seconds"], 2
            )
    write(
        {
            "benchmark": "busy_machine",
            "budget": {"burners": args.burners, "repeats": repeats, "chapter": CHAPTER.stem},
            "results": {"epoch": epochs, "chapter": chapters},
        },
        args.out,
    )


if __name__ == "__main__":
    main()
