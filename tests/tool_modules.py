"""The book's tools (``tools/*.py``) are scripts, not a package: a test loads one as a module."""

import importlib
import sys
from pathlib import Path
from types import ModuleType

TOOLS = Path(__file__).resolve().parent.parent / "tools"


def tool(name: str) -> ModuleType:
    """``tools/<name>.py`` as a module, imported once. ``tools/`` goes on the path first, as when
    the script runs, so that one tool can import another (``translation`` imports
    ``translation_faults``)."""
    if str(TOOLS) not in sys.path:
        sys.path.append(str(TOOLS))  # last: a tool must not shadow an installed package
    module = importlib.import_module(name)
    if Path(module.__file__ or "").parent != TOOLS:
        raise ImportError(f"{name!r} is {module.__file__}, not a tool: rename tools/{name}.py")
    return module
