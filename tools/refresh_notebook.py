"""Execute notebooks in quick mode and keep only the outputs that nbval compares.

Usage (from the repository root, in the project's environment):

    python tools/refresh_notebook.py chapters/autoencoder.ipynb [more.ipynb ...]

Cells whose source starts with ``# NBVAL_CHECK_OUTPUT`` keep their fresh outputs: nbval compares
them on every test run, so they must print the same thing in quick and full mode (shapes, parameter
counts, closed-form numbers), and keep their execution counts, without which nbval takes them for
unrun cells. Every other cell is committed without outputs or execution counts, which keeps the
repository small and its diffs readable. tests/test_notebooks.py checks that committed notebooks
follow these rules."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import nbformat
from nbclient import NotebookClient

from vaecore import files

CHECK_MARKER = "# NBVAL_CHECK_OUTPUT"


def is_checked(cell: nbformat.NotebookNode) -> bool:
    return cell.cell_type == "code" and cell.source.lstrip().startswith(CHECK_MARKER)


def refresh(path: Path) -> None:
    nb = nbformat.read(path, as_version=4)
    os.environ["VAECORE_QUICK"] = "1"
    os.environ["VAECORE_PROGRESS"] = "0"
    NotebookClient(
        nb, timeout=3600, kernel_name="python3", resources={"metadata": {"path": str(path.parent)}}
    ).execute()
    for cell in nb.cells:
        cell.metadata.pop("execution", None)  # nbclient's timestamps: noise in every diff
        if cell.cell_type == "code" and not is_checked(cell):
            # nbval needs the execution count of a checked cell ("unrun" cells have none).
            cell.outputs, cell.execution_count = [], None
    nb.metadata.pop("widgets", None)
    text = nbformat.writes(nb)  # as nbformat.write does, ending in one newline
    files.write_text(path, text if text.endswith("\n") else text + "\n")
    print(f"{path}: refreshed")


if __name__ == "__main__":
    if len(sys.argv) < 2:
        sys.exit(__doc__)
    for name in sys.argv[1:]:
        refresh(Path(name))
