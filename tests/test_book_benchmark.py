"""benchmarks/book.py: a step of the build that fails says why, not only that it failed."""

import importlib
import os
import sys
from pathlib import Path

import pytest

BENCHMARKS = Path(__file__).resolve().parent.parent / "benchmarks"


@pytest.fixture(scope="module")
def book():
    sys.path.insert(0, str(BENCHMARKS))  # as when the script runs: it imports _report
    try:
        yield importlib.import_module("book")
    finally:
        sys.path.remove(str(BENCHMARKS))


def test_a_failing_step_shows_the_end_of_its_output(book):
    failing = [sys.executable, "-c", "import sys; print('the reason'); sys.exit(3)"]
    with pytest.raises(SystemExit) as stop:
        book._quietly(failing, dict(os.environ))
    assert "exit status 3" in str(stop.value) and "the reason" in str(stop.value)


def test_a_step_that_succeeds_says_nothing(book, capfd):
    book._quietly([sys.executable, "-c", "print('chatter')"], dict(os.environ))
    assert "chatter" not in capfd.readouterr().out


def test_steps_side_by_side_run_together_and_each_is_timed(book, capfd, tmp_path):
    """The first step waits for a file that only the second writes: one after the other, the
    first would never end."""
    marker = tmp_path / "written"
    waits = [
        sys.executable,
        "-c",
        f"import pathlib, sys, time\nfor _ in range(600):\n    time.sleep(0.05)\n"
        f"    if pathlib.Path({str(marker)!r}).exists(): sys.exit(0)\nsys.exit(1)",
    ]
    writes = [
        sys.executable,
        "-c",
        f"import pathlib; print('chatter'); pathlib.Path({str(marker)!r}).touch()",
    ]
    seconds = book._side_by_side([waits, writes], dict(os.environ))
    assert 0 < seconds[1] <= seconds[0], seconds
    assert "chatter" not in capfd.readouterr().out


def test_a_failing_step_side_by_side_stops_the_other_and_says_why(book):
    failing = [sys.executable, "-c", "import sys; print('the reason'); sys.exit(3)"]
    sleeping = [sys.executable, "-c", "import time; time.sleep(60)"]
    with pytest.raises(SystemExit) as stop:
        book._side_by_side([sleeping, failing], dict(os.environ))
    assert "exit status 3" in str(stop.value) and "the reason" in str(stop.value)
