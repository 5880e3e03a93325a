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
