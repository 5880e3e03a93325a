"""What every benchmark records beside its numbers: the machine, the versions, the command."""

from __future__ import annotations

import argparse
import json
import math
import platform
import sys
from pathlib import Path

import numpy as np
import torch

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
        Path(out).parent.mkdir(parents=True, exist_ok=True)
        Path(out).write_text(text + "\n")


def mean_se(values: list[float]) -> dict:
    """Mean and standard error (sample standard deviation / sqrt(n)) of ``values``, and the
    values."""
    m = sum(values) / len(values)
    sd = (
        math.sqrt(sum((v - m) ** 2 for v in values) / (len(values) - 1)) if len(values) > 1 else 0.0
    )
    return {"mean": m, "se": sd / math.sqrt(len(values)), "values": values}
