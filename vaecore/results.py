"""The benchmarks' committed result files, ``benchmarks/results/<name>.json``, for the pages that
render them (the book never reruns an hour-long benchmark at build time).

Each file holds the benchmark's numbers with its ``budget``, ``machine``, ``versions`` and the
``command`` that regenerates it (see ``benchmarks/_report.py``).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

#: Where the files are in a clone of the book's repository.
RESULTS_DIR = Path(__file__).resolve().parent.parent / "benchmarks" / "results"


def load(name: str, directory: Path = RESULTS_DIR) -> dict[str, Any]:
    """The result file ``<directory>/<name>.json`` as a dict, or a FileNotFoundError that says
    where the files come from."""
    path = directory / f"{name}.json"
    if not path.is_file():
        raise FileNotFoundError(
            f"{path} not found. The benchmark results live in the book's repository under "
            f"benchmarks/results/ (vaecore installed alone does not carry them): run this notebook "
            f"from a clone, or make the file with `python benchmarks/{name}.py --out {path}`")
    return json.loads(path.read_text())


def names(directory: Path = RESULTS_DIR) -> list[str]:
    """The names of the result files there, sorted."""
    return sorted(p.stem for p in directory.glob("*.json"))


def where(result: dict[str, Any]) -> str:
    """One sentence: the command, machine and versions a result was measured with."""
    m, v = result["machine"], result["versions"]
    return (f"Measured with `{result['command']}` on {m['platform']} ({m['cpus']} threads), "
            f"Python {v['python']}, PyTorch {v['torch']}.")


def plus_minus(stat: dict[str, Any], digits: int = 1) -> str:
    """``"mean ± se"`` of a ``{"mean": .., "se": ..}`` summary (``benchmarks/_report.mean_se``)."""
    return f"{stat['mean']:.{digits}f} ± {stat['se']:.{digits}f}"
