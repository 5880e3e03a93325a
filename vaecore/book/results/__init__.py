"""The benchmarks' results, ``vaecore/book/results/<name>.json``, for the pages that render them
(the book never reruns an hour-long benchmark at build time). They ship inside the package, so
the chapters that read them work wherever vaecore is installed (Colab, a wheel), not only in a
clone; the scripts in ``benchmarks/`` write them here.

Each file holds the benchmark's numbers with its ``budget``, ``machine``, ``versions`` and the
``command`` that regenerates it (see ``benchmarks/_report.py``)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, Mapping

from vaecore.book.messages import Message, say

__all__ = ["RESULTS_DIR", "load", "names", "where"]

#: The folder of the result files, beside this module (they ship as package data).
RESULTS_DIR = Path(__file__).resolve().parent


def load(name: str, directory: Path = RESULTS_DIR) -> dict[str, Any]:
    """The result file ``<directory>/<name>.json`` as a dict, or a FileNotFoundError that says
    where the files come from."""
    path = directory / f"{name}.json"
    if not path.is_file():
        raise FileNotFoundError(
            f"{path} not found: there is no benchmark result called {name!r} (the files there are "
            f"{names(directory)}). Make it with `python benchmarks/{name}.py --out {path}`"
        )
    return json.loads(path.read_text())


def names(directory: Path = RESULTS_DIR) -> list[str]:
    """The names of the result files there, sorted."""
    return sorted(p.stem for p in directory.glob("*.json"))


def where(result: Mapping[str, Any]) -> Message:
    """One sentence: the command, machine and versions a result was measured with."""
    m, v = result["machine"], result["versions"]
    return say(
        "Measured with `{command}` on `{platform}` ({cpus} threads), Python {python}, PyTorch "
        "{torch}.",
        command=result["command"],
        platform=m["platform"],
        cpus=str(m["cpus"]),
        python=v["python"],
        torch=v["torch"],
    )
