"""The book itself: how long each chapter and the whole build take, quick and full, and how big
each built page is.

Builds the book from scratch (an empty output folder, so every notebook runs) in quick mode and
then in its full setting, each with ``jupyter-book build -W -n`` and then the Chinese edition
from the same outputs (``tools/translation.py build -W -n``, timed apart: it must add under two
minutes), and reads from the built pages the time each chapter reports at its end ("This
chapter ran in N s, and its Python process held at most M MB of memory") and the size of each
page with its images. Run nothing else meanwhile:
two busy processes on a 2-core machine slow each other down many times over.

    python benchmarks/book.py --quick            # the quick build only, a few minutes (CI)
    python benchmarks/book.py --out vaecore/book/results/book.json   # quick + full, ~55 minutes
    python benchmarks/book.py --keep /tmp/book   # also keep each build's pages, to read them
    python benchmarks/book.py --quick --path-output .   # build into ./_build and leave it (CI)
    python benchmarks/book.py --quick --jobs 2   # two chapters at a time, as `make book` runs them

By default the chapters run one after the other, so that each chapter's time is what a reader
who runs that chapter alone waits; ``--jobs N`` runs them N at a time first
(``tools/chapter_cache.py execute``) and then builds the two editions side by side, as
``make book`` does: the build's time is then what ``make book`` takes, and each chapter's time
(and the Chinese edition's) is longer than alone.

Each chapter's kernel also records every cell's seconds and the memory it held after it
(``_cell_times.py``, an IPython start-up file): ``chapter_cells`` in the result, where the
time and memory of a chapter go.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from _report import arguments, write

from vaecore import files, settings

ROOT = Path(__file__).resolve().parent.parent
#: Binder gives the server and the kernel about 2 GB together: a chapter's kernel stays under.
MEMORY_LIMIT_MB = 2048


def _quietly(command: list[str], env: dict[str, str]) -> None:
    """Run ``command`` with its output kept back; if it fails, show the end of that output and
    stop, so that the reason is on the screen, not only "returned non-zero exit status"."""
    run = subprocess.run(command, env=env, capture_output=True, text=True)
    if run.returncode != 0:
        sys.exit(
            f"{' '.join(command)} failed (exit status {run.returncode}); its output ended:\n"
            + (run.stdout + run.stderr)[-6000:]
        )


def _side_by_side(commands: list[list[str]], env: dict[str, str]) -> list[float]:
    """Run ``commands`` at the same time, each with its output kept back; return the seconds
    each one took. If one fails, stop the others, show the end of its output and stop, as
    :func:`_quietly` does."""
    start = time.perf_counter()
    logs = [tempfile.TemporaryFile("w+") for _ in commands]
    running = [
        subprocess.Popen(c, env=env, stdout=log, stderr=subprocess.STDOUT, text=True)
        for c, log in zip(commands, logs)
    ]
    seconds: list[float | None] = [None] * len(commands)
    while None in seconds:
        time.sleep(0.1)
        now = time.perf_counter() - start
        for i, (command, process, log) in enumerate(zip(commands, running, logs)):
            if seconds[i] is not None or process.poll() is None:
                continue
            seconds[i] = now
            if process.returncode != 0:
                for other in running:
                    other.kill()
                log.seek(0)
                sys.exit(
                    f"{' '.join(command)} failed (exit status {process.returncode}); its output "
                    f"ended:\n{log.read()[-6000:]}"
                )
    for log in logs:
        log.close()
    return [s for s in seconds if s is not None]


def page_sizes(html_dir: Path) -> dict[str, int]:
    """Bytes of each chapter page: its HTML plus the images it references."""
    sizes = {}
    for page in sorted((html_dir / "chapters").glob("*.html")):
        html = page.read_text()
        images = set(re.findall(r'src="\.\./(_images/[^"]+)"', html))
        sizes[page.stem] = page.stat().st_size + sum((html_dir / i).stat().st_size for i in images)
    return sizes


def label(source: str) -> str:
    """A cell's first line of code (not a comment), to name it in a profile."""
    lines = [line.strip() for line in source.splitlines()]
    return next((line for line in lines if line and not line.startswith("#")), "")[:80]


def profiles(times: Path) -> dict[str, list[dict]]:
    """Each chapter's cells in order, with their seconds and the kernel's peak memory after each
    (in MB), from the files ``_cell_times.py`` wrote in the kernels, matched to the chapters by
    their code."""
    chapters = {}
    for notebook in sorted((ROOT / "chapters").glob("*.ipynb")):
        cells = json.loads(notebook.read_text())["cells"]
        code = ["".join(c["source"]) for c in cells if c["cell_type"] == "code"]
        chapters[notebook.stem] = code
    found = {}
    for record in times.glob("*.json"):
        cells = json.loads(record.read_text())
        sources = [c["source"] for c in cells]
        for name, code in chapters.items():
            if sources == code:
                found[name] = [
                    {"cell": i, "code": label(c["source"]), "seconds": c["seconds"]}
                    | {"peak_mb": c["peak_mb"]}
                    for i, c in enumerate(cells)
                ]
    return found


def build(quick: bool, keep: Path | None = None, into: Path | None = None, jobs: int = 1) -> dict:
    """Build the whole book from scratch in one mode; return its timings and page sizes. With
    ``keep``, copy the built pages to ``keep/quick`` or ``keep/full``. With ``into``, build in
    ``into/_build`` (which must not exist) and leave the build there, as ``make book`` would
    have: a ``make book`` after it finds every chapter in its cache (CI builds the book once).
    With ``jobs`` above 1, the chapters run that many at a time before the build."""
    env = {**os.environ, "VAECORE_QUICK": "1" if quick else "0", "VAECORE_PROGRESS": "0"}
    jupyter_book = Path(sys.executable).parent / "jupyter-book"
    if into is not None and (into / "_build").exists():
        sys.exit(f"{into / '_build'} exists: remove it, so that every chapter runs")
    with tempfile.TemporaryDirectory() as scratch:
        out = str(into or scratch)
        # Record each chapter's key as `make book` does (tools/chapter_cache.py).
        (Path(out) / "_build").mkdir(parents=True)
        # The explorers' models, where `make book` puts them (tools/book_web.py).
        env[settings.WEB_MODELS_ENV] = str(Path(out) / "_build" / "web-models")
        _quietly(
            [sys.executable, str(ROOT / "tools" / "chapter_cache.py"), "prune"]
            + [str(Path(out) / "_build")],
            env,
        )
        # Every kernel reports its cells' times (IPython runs the start-up files of IPYTHONDIR).
        startup = Path(scratch) / "ipython" / "profile_default" / "startup"
        startup.mkdir(parents=True)
        timer = Path(__file__).with_name("_cell_times.py")
        files.write_text(startup / timer.name, timer.read_text())
        times = Path(scratch) / "cell_times"
        times.mkdir()
        env |= {"IPYTHONDIR": str(Path(scratch) / "ipython"), "VAECORE_CELL_TIMES": str(times)}
        start = time.perf_counter()
        if jobs > 1:
            _quietly(
                [sys.executable, str(ROOT / "tools" / "chapter_cache.py"), "execute"]
                + [str(Path(out) / "_build"), "--jobs", str(jobs)],
                env,
            )
        english = [str(jupyter_book), "build", str(ROOT), "--path-output", out]
        chinese = [sys.executable, str(ROOT / "tools" / "translation.py"), "build"]
        chinese += ["--path-output", out]
        flags = ["-W", "-n", "--keep-going"]
        if jobs > 1:
            # The chapters have run: the two editions are built side by side, as `make book`
            # builds them (each Sphinx build uses one CPU).
            executed = time.perf_counter() - start
            english_seconds, chinese_seconds = _side_by_side(
                [english + flags, chinese + flags], env
            )
            seconds = executed + english_seconds
        else:
            _quietly(english + flags, env)
            seconds = time.perf_counter() - start
            start = time.perf_counter()
            _quietly(chinese + flags, env)
            chinese_seconds = time.perf_counter() - start
        html = Path(out) / "_build" / "html"
        chapters, peaks = {}, {}
        for page in sorted((html / "chapters").glob("*.html")):
            text = page.read_text()
            m = re.search(r"This chapter ran in (\d+) s", text)
            if m:
                chapters[page.stem] = int(m.group(1))
            m = re.search(r"held at most ([\d,]+) MB of memory", text)
            if m:
                peaks[page.stem] = int(m.group(1).replace(",", ""))
        if keep is not None:
            shutil.copytree(html, keep / ("quick" if quick else "full"), dirs_exist_ok=True)
        return {
            "chapters_at_a_time": jobs,
            "build_seconds": round(seconds),
            "chinese_edition_seconds": round(chinese_seconds),
            "chapter_seconds": chapters,
            "chapter_peak_mb": peaks,
            "page_bytes": page_sizes(html),
            "chapter_cells": profiles(times),
        }


def main() -> None:
    parser = arguments(__doc__, "the quick build only (CI)")
    parser.add_argument("--keep", type=Path, help="copy each build's HTML pages into this folder")
    parser.add_argument(
        "--path-output",
        type=Path,
        help="with --quick: build in PATH/_build (it must not exist) and leave it there",
    )
    parser.add_argument(
        "--jobs", type=int, default=1, help="chapters run at a time (default 1: each alone)"
    )
    args = parser.parse_args()
    if args.jobs < 1:
        parser.error(f"--jobs must be at least 1, got {args.jobs}")
    if args.path_output is not None and not args.quick:
        parser.error("--path-output goes with --quick (two builds would share one folder)")
    results = {"quick": build(quick=True, keep=args.keep, into=args.path_output, jobs=args.jobs)}
    if not args.quick:
        results["full"] = build(quick=False, keep=args.keep, jobs=args.jobs)
    write(
        {
            "benchmark": "book",
            "budget": {"modes": list(results), "flags": "-W -n"},
            "limits_seconds": {"autoencoder": 180, "other chapters": 360, "quick chapter": 60},
            "limits_mb": {"chapter": MEMORY_LIMIT_MB},
            "results": results,
        },
        args.out,
    )


if __name__ == "__main__":
    main()
