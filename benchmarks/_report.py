"""What every benchmark records beside its numbers: the machine, the versions, the command."""

from __future__ import annotations

import argparse
import json
import math
import platform
import sys
from pathlib import Path
from typing import Any

import numpy as np
import torch

from vaecore import files
from vaecore.book.verdicts import MIN_RUNS

ROOT = Path(__file__).resolve().parent.parent


def command() -> str:
    """The command line that ran this benchmark, as typed in the repository's root."""
    line = "python " + " ".join(sys.argv)
    cwd = Path.cwd().resolve()
    if cwd == ROOT or not cwd.is_relative_to(ROOT):
        return line
    return f"cd {cwd.relative_to(ROOT)} && {line}"


def arguments(doc: str, quick: str) -> argparse.ArgumentParser:
    """The options every benchmark has: ``--quick`` (``quick`` says what it runs, in seconds, for
    CI) and ``--out`` (where to write the JSON result). The description is ``doc``'s first line."""
    parser = argparse.ArgumentParser(description=doc.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help=quick)
    parser.add_argument("--out", help="write the JSON result here too")
    return parser


#: Seeds of a ``--quick`` run: two, enough to run every step a verdict over seeds takes (the
#: spread needs two values) in CI, where a quick run only shows that the benchmark runs.
QUICK_SEEDS = 2


def seed_arguments(doc: str) -> argparse.Namespace:
    """The options of a benchmark that repeats a chapter over seeds, parsed: :func:`arguments`
    (``--quick`` runs the chapter's quick budget) and ``--seeds``, how many (default
    :data:`vaecore.book.verdicts.MIN_RUNS`, the book's rule; :data:`QUICK_SEEDS` with
    ``--quick``)."""
    parser = arguments(doc, "the chapter's quick budget (CI)")
    parser.add_argument("--seeds", type=int, help=f"default {MIN_RUNS}; {QUICK_SEEDS} with --quick")
    args = parser.parse_args()
    if args.seeds is None:
        args.seeds = QUICK_SEEDS if args.quick else MIN_RUNS
    return args


def environment() -> dict:
    """The machine and the versions a result was measured with, and the command."""
    return {
        "machine": {
            "platform": platform.platform(),
            "processor": platform.processor(),
            "cpus": torch.get_num_threads(),
        },
        "versions": {
            "python": platform.python_version(),
            "torch": torch.__version__,
            "numpy": np.__version__,
        },
        "command": command(),
    }


def write(report: dict, out: str | None) -> None:
    """Print ``report`` as JSON, and write it to ``out`` when given."""
    text = json.dumps({**report, **environment()}, indent=2)
    print(text)
    if out:
        files.write_text(out, text + "\n")  # atomically: a failed run keeps the old result


def mean_se(values: list[float]) -> dict:
    """Mean and standard error (sample standard deviation / sqrt(n)) of ``values``, and the
    values."""
    m = sum(values) / len(values)
    sd = (
        math.sqrt(sum((v - m) ** 2 for v in values) / (len(values) - 1)) if len(values) > 1 else 0.0
    )
    return {"mean": m, "se": sd / math.sqrt(len(values)), "values": values}


def seeded_runs(
    benchmark: str,
    args: argparse.Namespace,
    budget: Any,
    n_train: int,
    judge: Any,
    units: str,
    runs: list[list[dict]],
) -> dict:
    """The report of a benchmark that repeats a chapter's image models over seeds: its
    ``budget`` (the chapter's :class:`vaecore.settings.Budget`, the seeds, quick or not), the
    judge's accuracy and floor, what the numbers are, and one list of rows per seed."""
    return {
        "benchmark": benchmark,
        "budget": {
            "seeds": args.seeds,
            "quick": args.quick,
            "n_train": n_train,
            "epochs": budget.epochs,
            "sizes": budget.sizes,
        },
        "judge": {"test_accuracy_percent": judge.accuracy, "floor": judge.floor},
        "units": units,
        "runs": runs,
    }
