"""Writing files so that nothing is lost. Every file that vaecore and the book's tools write
(checkpoints, downloads, translation catalogs, benchmark results, drawings, cache keys, notebooks)
goes through :func:`atomic_file`, or :func:`write_text` and :func:`write_bytes` built on it;
``tests/test_files.py`` finds every writer in the project and fails on one that does not.

>>> write_text("results.json", text)              # all of it, or the old file untouched
>>> with atomic_file("model.pt") as f:            # streamed: the same promise
...     torch.save(payload, f)

The bytes go to a temporary file beside the target, ``.NAME.<random>.tmp``, locked while it is
written. Only when every byte is written and flushed to disk (``fsync``) is it renamed over the
target, one atomic step, with the permissions the umask allows. So

- a write that fails (a full disk, an error, Ctrl-C) leaves the old file as it was, and removes
  its temporary;
- a process killed mid-write leaves its temporary behind, and the next write of the same file
  removes it (the lock died with the process), as :func:`remove_stale_temporaries` does;
- a reader never sees half a file under the final name.
"""

from __future__ import annotations

import os
import tempfile
import time
from contextlib import contextmanager
from pathlib import Path
from typing import BinaryIO, Iterator

from vaecore import settings

__all__ = [
    "SUFFIXES",
    "STALE_SECONDS",
    "WriteError",
    "remove_stale_temporaries",
    "atomic_file",
    "write_bytes",
    "write_text",
]

try:  # POSIX: a temporary in use is locked, so that only abandoned ones are removed
    import fcntl
except ImportError:  # Windows: only a temporary a day old is surely abandoned
    fcntl = None  # type: ignore[assignment]

#: How the temporaries of ``NAME`` are named: ``.NAME.<random><suffix>``.
SUFFIXES = (".tmp", ".part")  # .part: the downloads' temporaries of earlier versions
#: Without file locks, a temporary untouched for this long is taken as abandoned.
STALE_SECONDS = 24 * 3600


class WriteError(OSError):
    """A file could not be written where it was asked to be: the message names the folder."""


def _temporary(path: Path, suffix: str) -> tuple[int, Path]:
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, name = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=suffix)
    except OSError as err:
        raise WriteError(
            err.errno, f"cannot write {path.name} in {path.parent} ({err.strerror or err})"
        ) from err
    return fd, Path(name)


def remove_stale_temporaries(path: str | os.PathLike) -> int:
    """Delete the temporaries of ``path`` that no running write holds; return how many."""
    path = Path(path)
    removed = 0
    for suffix in SUFFIXES:
        for tmp in path.parent.glob(f".{path.name}.*{suffix}"):
            try:
                with open(tmp, "rb") as f:
                    if fcntl is not None:
                        fcntl.flock(f, fcntl.LOCK_EX | fcntl.LOCK_NB)
                    elif time.time() - tmp.stat().st_mtime < STALE_SECONDS:
                        continue
                tmp.unlink()
                removed += 1
            except OSError:  # held by a running write, or already gone
                continue
    return removed


@contextmanager
def atomic_file(path: str | os.PathLike, suffix: str = ".tmp") -> Iterator[BinaryIO]:
    """A binary file to write ``path``'s new content into; the content replaces ``path`` only when
    the block ends without an exception (then flushed to disk and renamed over it). Removes the
    temporaries a killed writer of ``path`` left. Raises :class:`WriteError` naming the folder
    when no file can be created there, or the finished file cannot be put in place."""
    path = Path(path)
    remove_stale_temporaries(path)
    fd, tmp = _temporary(path, suffix)
    try:
        with os.fdopen(fd, "wb") as f:
            if fcntl is not None:
                fcntl.flock(f, fcntl.LOCK_EX)  # in use until closed
            yield f
            _finish(f, tmp, path)
    finally:
        tmp.unlink(missing_ok=True)


def _finish(f: BinaryIO, tmp: Path, path: Path) -> None:
    """Flush ``tmp`` to disk and rename it over ``path``; a failure here (a disk that fills at
    the last moment) is a :class:`WriteError` that names the folder."""
    try:
        f.flush()
        os.fsync(f.fileno())
        os.chmod(tmp, settings.file_mode())  # as the umask allows, not the temporary's 0600
        os.replace(tmp, path)
    except OSError as err:
        raise WriteError(
            err.errno, f"cannot write {path.name} in {path.parent} ({err.strerror or err})"
        ) from err


def write_bytes(path: str | os.PathLike, data: bytes) -> Path:
    """Replace ``path``'s content with ``data``, atomically (:func:`atomic_file`); return it."""
    with atomic_file(path) as f:
        f.write(data)
    return Path(path)


def write_text(path: str | os.PathLike, text: str, encoding: str = "utf-8") -> Path:
    """Replace ``path``'s content with ``text`` in ``encoding``, atomically; return the path."""
    return write_bytes(path, text.encode(encoding))
