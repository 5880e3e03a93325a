"""conftest.py's VAECORE_EXECUTED: nbval checks the outputs the book's build cached instead of
running each chapter again, and fails exactly where running it would have failed."""

import json
import os
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest
import tool_modules
from jupyter_cache import get_cache
from jupyter_cache.base import CacheBundleIn

ROOT = Path(__file__).resolve().parent.parent
CHAPTER = "chapters/appendix-papers.ipynb"  # small, with one NBVAL_CHECK_OUTPUT cell
chapter_cache = tool_modules.tool("chapter_cache")


def _checked_cell(nb) -> int:
    return next(i for i, c in enumerate(nb.cells) if "NBVAL_CHECK_OUTPUT" in c.get("source", ""))


def _build(tmp_path: Path, change=None, key: str | None = None, cached: bool = True) -> Path:
    """A build folder whose cache holds the chapter as committed (its stored outputs), changed
    by ``change(nb)``, with the chapter's key as now unless ``key`` is given."""
    build = tmp_path / "_build"
    build.mkdir()
    nb = nbformat.read(ROOT / CHAPTER, as_version=4)
    if change is not None:
        change(nb)
    if cached:
        get_cache(build / ".jupyter_cache").cache_notebook_bundle(
            CacheBundleIn(nb, str(ROOT / CHAPTER)), check_validity=False
        )
    now = chapter_cache.chapter_key(ROOT / CHAPTER, quick=True)[0]
    (build / chapter_cache.KEYS_FILE).write_text(json.dumps({CHAPTER: key or now}))
    return build


def _pytest(build: Path | None) -> subprocess.CompletedProcess:
    """pytest on the chapter, checking ``build``'s outputs, or (None) running it with nbval."""
    env = {k: v for k, v in os.environ.items() if k != "VAECORE_EXECUTED"}
    env |= {"VAECORE_QUICK": "1"} | ({"VAECORE_EXECUTED": str(build)} if build else {})
    return subprocess.run(
        [sys.executable, "-m", "pytest", CHAPTER, "-q", "-p", "no:xdist", "-p", "no:randomly"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )


def _wrong_number(nb) -> None:
    out = nb.cells[_checked_cell(nb)].outputs[0]
    out.text = out.text.replace("json", "jsn", 1)


def _raised(nb) -> None:
    after = next(c for c in nb.cells[_checked_cell(nb) + 1 :] if c.cell_type == "code")
    after.outputs = [
        nbformat.v4.new_output("error", ename="ValueError", evalue="planted", traceback=["planted"])
    ]


def test_the_cached_outputs_pass_when_they_are_the_stored_ones(tmp_path):
    run = _pytest(_build(tmp_path))
    assert run.returncode == 0, run.stdout + run.stderr
    assert " passed" in run.stdout


def test_without_it_nbval_runs_the_chapter_in_a_kernel():
    # CI checks the chapters from its build: this keeps nbval's own way, a teacher's, run there.
    run = _pytest(None)
    assert run.returncode == 0, run.stdout + run.stderr
    assert " passed" in run.stdout


@pytest.mark.parametrize(
    "kwargs, says",
    [
        ({"change": _wrong_number}, "Cell outputs differ"),
        ({"change": _raised}, "Cell execution caused an exception"),
        ({"key": "0123456789abcdef"}, "holds no outputs of chapters/appendix-papers.ipynb as it"),
        ({"cached": False}, "holds no executed copy of chapters/appendix-papers.ipynb"),
    ],
    ids=["other output", "a cell raised", "stale key", "not cached"],
)
def test_a_chapter_fails_where_running_it_would_or_when_its_outputs_are_not_current(
    tmp_path, kwargs, says
):
    run = _pytest(_build(tmp_path, **kwargs))
    assert run.returncode == 1, run.stdout + run.stderr
    assert says in run.stdout, run.stdout
