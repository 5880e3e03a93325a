"""PyTorch on a busy machine: one epoch and one whole chapter, on an idle machine and beside
another program that keeps every processor busy, with vaecore's threading (vaecore.runtime)
against the alternatives.

The other program is one process group in a session of its own (as a program started
elsewhere is: Linux shares the processors fairly between sessions first), running
``--burners`` processes (default: one more than the CPUs) that only spin, at normal priority,
until a deadline. Each measurement runs in a fresh process, since the threading is chosen
before PyTorch loads:

- ``vaecore``: vaecore imported first, as the chapters do: as many threads as the CPUs this
  process may use, following the machine's load when each training run starts (one while
  the other program runs), and an idle thread spins briefly before it sleeps
  (``GOMP_SPINCOUNT``);
- ``passive``: the same, but idle threads sleep at once (``OMP_WAIT_POLICY=PASSIVE``);
- ``one thread``: ``OMP_NUM_THREADS=1``;
- ``torch first``: PyTorch's own threading, what every chapter did before ``vaecore.runtime``:
  PyTorch imported before vaecore, so OpenMP keeps its own long spin, and one thread per CPU
  set by ``OMP_NUM_THREADS``, so the threads do not follow the load.

The epoch is one epoch of the book's MLP VAE (``VAE(32)``, 784-512-256-32, batch 128) on
10,000 MNIST digits, with every set-up; the chapter is the autoencoder chapter in its full
setting, run as the book runs it (nbclient, a fresh kernel), with vaecore's threading and one
thread. The result gives, for each, the seconds and the ratio busy / idle.

    python benchmarks/busy_machine.py --out vaecore/book/results/busy_machine.json  # ~20 min
    python benchmarks/busy_machine.py --quick     # epochs only, one of each, 2,000 digits (CI)
"""

from __future__ import annotations

import json
import os
import signal
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

x = load_images("mnist", "train", limit=int(sys.argv[2])).images.reshape(-1, 784)
torch.manual_seed(0)
model = VAE(32)
start = time.perf_counter()
fit(model, x, TrainConfig(epochs=1, batch_size=128, progress=False))
print(json.dumps({"seconds": time.perf_counter() - start, "threads": torch.get_num_threads()}))
"""

CHAPTER = ROOT / "chapters" / "autoencoder.ipynb"
SETUPS = {
    "vaecore": {},
    "passive": {"OMP_WAIT_POLICY": "PASSIVE"},
    "one thread": {"OMP_NUM_THREADS": "1"},
    "torch first": {"OMP_NUM_THREADS": str(len(os.sched_getaffinity(0)))},
}
#: The other program: ``count`` processes that spin until ``deadline``, in its own session.
BURNERS = """
import multiprocessing, sys, time

def burn(deadline):
    while time.time() < deadline:
        pass

if __name__ == "__main__":
    deadline, count = float(sys.argv[1]), int(sys.argv[2])
    workers = [multiprocessing.Process(target=burn, args=(deadline,)) for _ in range(count)]
    for w in workers:
        w.start()
    for w in workers:
        w.join()
"""


@contextmanager
def burners(count: int, seconds: float) -> Iterator[None]:
    """Another program, in a session of its own, keeping ``count`` processes spinning until the
    block ends (and at most ``seconds``)."""
    deadline = time.time() + seconds
    program = subprocess.Popen(
        [sys.executable, "-c", BURNERS, str(deadline), str(count)], start_new_session=True
    )
    time.sleep(1.5)  # every burner spinning before the measurement starts
    try:
        yield
    finally:
        os.killpg(program.pid, signal.SIGKILL)
        program.wait()


def _environment(setup: str) -> dict[str, str]:
    """This process's environment without any OpenMP setting, plus the set-up's."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("OMP_", "GOMP_"))}
    return {**env, **SETUPS[setup], "VAECORE_PROGRESS": "0"}


def epoch(setup: str, images: int) -> dict:
    """One epoch over ``images`` digits in a fresh process: its seconds and PyTorch's
    threads."""
    run = subprocess.run(
        [sys.executable, "-c", EPOCH, setup, str(images)],
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
    parser = arguments(__doc__, "epochs only, one of each on 2,000 digits (CI)")
    parser.add_argument("--burners", type=int, default=(os.cpu_count() or 1) + 1)
    parser.add_argument("--repeats", type=int, default=3, help="epochs per set-up and load")
    args = parser.parse_args()
    repeats, images = (1, 2_000) if args.quick else (args.repeats, 10_000)
    epochs: dict[str, dict] = {}
    for setup in SETUPS:
        idle = [epoch(setup, images) for _ in range(repeats)]
        with burners(args.burners, seconds=600):
            busy = [epoch(setup, images) for _ in range(repeats)]
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
            "budget": {
                "burners": args.burners,
                "repeats": repeats,
                "epoch_images": images,
                "chapter": None if args.quick else CHAPTER.stem,
                "quick": args.quick,
            },
            "results": {"epoch": epochs, "chapter": chapters},
        },
        args.out,
    )


if __name__ == "__main__":
    main()
