"""Print the key of the Jupyter cache: what, besides a notebook's own code, shapes its outputs.

jupyter-cache re-runs a notebook only when its code cells change. The outputs also depend on
the mode (``VAECORE_QUICK``), on ``vaecore``'s code and on the pinned environment, which it
does not see; ``make book`` empties the cache when this key changes, and the deploy workflow
keys its saved cache on it. Needs only the standard library (it runs before any install).

Usage: python tools/jupyter_cache_key.py
"""

from __future__ import annotations

import hashlib
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from vaecore import settings  # noqa: E402  (standard library only)


def cache_key() -> str:
    """16 hex digits of SHA-256 over the mode, every file of the package (its code and the judge's
    weights, vaecore/weights/), requirements.txt and pyproject.toml."""
    h = hashlib.sha256(b"quick" if settings.quick_mode() else b"full")
    package = [p for p in (ROOT / "vaecore").rglob("*") if p.is_file() and "__pycache__" not in p.parts]
    files = sorted(package) + [ROOT / "requirements.txt", ROOT / "pyproject.toml"]
    for path in files:
        h.update(str(path.relative_to(ROOT)).encode() + b"\0" + path.read_bytes())
    return h.hexdigest()[:16]


if __name__ == "__main__":
    print(cache_key())
