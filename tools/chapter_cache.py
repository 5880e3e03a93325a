"""Keep the Jupyter cache honest, chapter by chapter.

jupyter-cache re-runs a notebook only when its code cells change. A chapter's outputs also
depend on the mode (``VAECORE_QUICK``), on the ``vaecore`` modules it imports (directly or
through other modules), on the data files those modules read (the judge's weights, the
benchmarks' results) and on the pinned environment (``requirements.txt``), none of which
jupyter-cache sees. This tool gives each chapter a key over exactly those things, with the
modules' docstrings and comments left out (their code is compared, not their text; a chapter
that shows package code on its pages is keyed on the comments too), and before a build
forgets the chapters whose key changed, so that ``make book`` re-executes those and only those.

    python tools/chapter_cache.py keys            # each chapter's key and the modules it runs
    python tools/chapter_cache.py prune _build    # forget the chapters whose key changed
    python tools/chapter_cache.py execute _build  # run the chapters the cache lacks, in parallel
    python tools/chapter_cache.py key             # one key over all chapters (the deploy cache)

``execute`` runs the chapters the cache lacks, as many at a time as ``--jobs`` says (the usable
CPUs by default), each in its own kernel, and caches their outputs as the build would have:
the build that follows finds every chapter executed. Two chapters side by side on two CPUs take
less time than one after the other with two threads each, since a kernel's Python code runs on
one CPU and each kernel's threads follow the load (``vaecore.runtime``).

``keys`` and ``key`` need only the standard library; ``prune`` and ``execute`` need jupyter-cache
(installed with the book's requirements)."""

from __future__ import annotations

import argparse
import ast
import concurrent.futures
import functools
import hashlib
import json
import os
import re
import sys
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = ROOT / "vaecore"
CHAPTERS = ROOT / "chapters"
#: The data files a module reads (files, or folders of them) under the repository; every file of
#: vaecore that is not Python code must be listed here (tests/test_chapter_cache.py checks it).
DATA = {
    "vaecore.metrics.judge": ("vaecore/metrics/weights",),
    "vaecore.book.results": ("vaecore/book/results",),
    "vaecore.book.explore.live": ("vaecore/book/explore/explorer.css",),
    "vaecore.book.explore.static": (
        "vaecore/book/explore/explorer.css",
        "vaecore/book/explore/explorer.js",
    ),
}
#: ... or here, when no chapter reads it: the built page loads it (tools/book_web.py copies it).
SERVED = ("vaecore/book/explore/explorer-live.mjs",)
KEYS_FILE = ".jupyter_cache_keys.json"


def module_file(name: str) -> Path | None:
    """The file of module ``name`` (``vaecore.x.y``), or None if it is not a vaecore module."""
    parts = name.split(".")
    if parts[0] != "vaecore":
        return None
    base = ROOT.joinpath(*parts)
    for path in (base.with_suffix(".py"), base / "__init__.py"):
        if path.is_file():
            return path
    return None


def _runs(tree: ast.AST):
    """Every node of ``tree`` except those under ``if TYPE_CHECKING:`` (never run)."""
    for node in ast.iter_child_nodes(tree):
        if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
            yield from (n for s in node.orelse for n in [s, *_runs(s)])
            continue
        yield node
        yield from _runs(node)


def imported_modules(tree: ast.AST, package: str | None = None) -> set[str]:
    """The vaecore modules an AST imports when it runs: ``import vaecore.x``,
    ``from vaecore.x import y`` (``vaecore.x.y`` too when it is a module) and, inside ``package``,
    relative imports; imports for type checkers only are left out."""
    names: set[str] = set()
    for node in _runs(tree):
        if isinstance(node, ast.Import):
            names |= {a.name for a in node.names}
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level and package:
                parts = package.split(".")
                base = ".".join(parts[: len(parts) - node.level + 1] + ([base] if base else []))
            names.add(base)
            names |= {f"{base}.{a.name}" for a in node.names}
    return {n for n in names if module_file(n) is not None}


def with_parents(name: str) -> set[str]:
    """``vaecore.a.b`` -> itself and the packages Python imports first: ``vaecore``,
    ``vaecore.a``."""
    parts = name.split(".")
    return {".".join(parts[: i + 1]) for i in range(len(parts))}


def closure(modules: set[str]) -> set[str]:
    """Every vaecore module that importing ``modules`` runs."""
    seen: set[str] = set()
    todo = set().union(*(with_parents(m) for m in modules)) if modules else set()
    while todo:
        name = todo.pop()
        if name in seen:
            continue
        seen.add(name)
        path = module_file(name)
        assert path is not None
        package = name if path.name == "__init__.py" else name.rsplit(".", 1)[0]
        for found in _imports_of_text(path.read_text(), package):
            todo |= with_parents(found) - seen
    return seen


# A module's text is parsed once per process, however many chapters run it: the memo is keyed
# by the text itself, so an edited file is parsed afresh.
@functools.lru_cache(maxsize=None)
def _imports_of_text(text: str, package: str) -> frozenset[str]:
    return frozenset(imported_modules(ast.parse(text), package))


def _is_docstring(statement: ast.stmt) -> bool:
    return (
        isinstance(statement, ast.Expr)
        and isinstance(statement.value, ast.Constant)
        and isinstance(statement.value.value, str)
    )


def code_of(path: Path, shown: bool = False) -> str:
    """What of a module can change a chapter's outputs. Its code, without docstrings and
    comments: its AST with every bare string statement removed, dumped without line numbers (so
    reformatting does not count either). For a chapter that shows package code on its pages
    (``shown``): the module's text with only its docstrings removed, since comments and layout
    are on the page."""
    return _code_of_text(path.read_text(), shown)


@functools.lru_cache(maxsize=None)
def _code_of_text(text: str, shown: bool) -> str:
    tree = ast.parse(text)
    if shown:
        docstring_lines = {
            i
            for node in ast.walk(tree)
            if isinstance(getattr(node, "body", None), list)
            for s in node.body[:1]  # type: ignore[attr-defined]
            if _is_docstring(s)
            for i in range(s.lineno, (s.end_lineno or s.lineno) + 1)
        }
        lines = text.split("\n")
        return "\n".join(line for i, line in enumerate(lines, 1) if i not in docstring_lines)
    for node in ast.walk(tree):
        body = getattr(node, "body", None)
        if isinstance(body, list):
            node.body = [s for s in body if not _is_docstring(s)] or [ast.Pass()]  # type: ignore[attr-defined]
    return ast.dump(tree, include_attributes=False)


def notebook_imports(notebook: Path) -> set[str]:
    """The vaecore modules a notebook's code cells import (IPython magics skipped)."""
    cells = json.loads(notebook.read_text())["cells"]
    code = "\n".join("".join(c["source"]) for c in cells if c["cell_type"] == "code")
    code = "\n".join("pass" if re.match(r"\s*[%!]", line) else line for line in code.split("\n"))
    return imported_modules(ast.parse(code))


def data_files(module: str) -> list[Path]:
    """The files listed for ``module`` in :data:`DATA`, folders expanded, sorted."""
    files = []
    for entry in DATA.get(module, ()):
        path = ROOT / entry
        files += sorted(p for p in path.rglob("*") if p.is_file()) if path.is_dir() else [path]
    return files


def chapter_key(notebook: Path, quick: bool) -> tuple[str, list[str]]:
    """16 hex digits over the mode, the environment, and the code and data of every vaecore
    module the chapter runs; and those modules' names, sorted."""
    modules = sorted(closure(notebook_imports(notebook)))
    shown = "vaecore.book.source" in modules  # the chapter shows package code on its pages
    h = hashlib.sha256(b"quick" if quick else b"full")
    h.update(f"python {sys.version_info[0]}.{sys.version_info[1]}\0".encode())
    h.update((ROOT / "requirements.txt").read_bytes())
    for name in modules:
        h.update(f"\0{name}\0{code_of(module_file(name), shown)}".encode())  # type: ignore[arg-type]
        for path in data_files(name):
            h.update(f"\0{path.relative_to(ROOT)}\0".encode() + path.read_bytes())
    return h.hexdigest()[:16], modules


def chapter_keys(quick: bool) -> dict[str, str]:
    """``{"chapters/<name>.ipynb": key}`` for every executed chapter."""
    return {
        str(nb.relative_to(ROOT)): chapter_key(nb, quick)[0]
        for nb in sorted(CHAPTERS.glob("*.ipynb"))
    }


def quick_mode() -> bool:
    """The mode ``make book`` builds in, read as vaecore.settings reads it."""
    sys.path.insert(0, str(ROOT))
    from vaecore import settings  # standard library only

    return settings.quick_mode()


def _html_outputs(nb: Any) -> str:
    """Every HTML output of the executed notebook ``nb``, one after the other."""
    texts = []
    for cell in nb.cells:
        for output in cell.get("outputs", []):
            html = output.get("data", {}).get("text/html", "")
            texts.append("".join(html) if isinstance(html, list) else html)
    return "\n".join(texts)


def prune(build: Path, quick: bool) -> list[str]:
    """Forget the cached outputs of every chapter whose key changed since the last build (all of
    them when no keys were recorded), mark those notebooks for Sphinx to read again, and record
    the new keys. Returns the chapters forgotten."""
    import book_web  # tools/: the explorers' models in the built book
    from jupyter_cache import get_cache

    keys = chapter_keys(quick)
    keys_file = build / KEYS_FILE
    old = json.loads(keys_file.read_text()) if keys_file.is_file() else {}
    stale = [chapter for chapter, key in keys.items() if old.get(chapter) != key]
    cache_dir = build / ".jupyter_cache"
    if cache_dir.is_dir():
        cache = get_cache(cache_dir)
        records = {}
        for record in cache.list_cache_records():
            uri = Path(record.uri)
            records[str(uri.relative_to(ROOT)) if uri.is_relative_to(ROOT) else uri.name] = record
        # A chapter whose pages name a model the folder lacks runs again, to write it.
        models = book_web.models_folder(build)
        for chapter, record in records.items():
            if chapter in keys and chapter not in stale:
                pages = _html_outputs(cache.get_cache_bundle(record.pk).nb)
                if any(not (models / name).is_file() for name in book_web.MODEL.findall(pages)):
                    stale.append(chapter)
        for chapter, record in records.items():
            if chapter in stale or chapter not in keys:
                cache.remove_cache(record.pk)
    for chapter in stale:
        os.utime(ROOT / chapter)  # newer than the built page: Sphinx reads it, and executes it
    from vaecore import files  # here: `keys` and `key` need only the standard library

    files.write_text(keys_file, json.dumps(keys, indent=1) + "\n")
    return stale


def execution_timeout() -> int:
    """The seconds a cell may take, from ``_config.yml`` (``execute: timeout``), as the build
    reads it."""
    import yaml

    config = yaml.safe_load((ROOT / "_config.yml").read_text())
    return int(config["execute"]["timeout"])


def _run(notebook: Path, timeout: int) -> tuple[object, float, str | None]:
    """Execute one chapter in a fresh kernel, in its folder, as myst-nb's cache mode does;
    return the executed notebook, the seconds it took and the error's traceback, if any."""
    import nbformat
    from jupyter_cache.executors.utils import single_nb_execution

    nb = nbformat.read(notebook, as_version=4)
    result = single_nb_execution(
        nb, cwd=str(notebook.parent), timeout=timeout, allow_errors=False, meta_override=True
    )
    return nb, result.time, None if result.err is None else result.exc_string


def execute(
    build: Path,
    jobs: int,
    expected: dict[str, float] | None = None,
    only: list[str] | None = None,
) -> list[str]:
    """Run every chapter whose outputs the cache in ``build`` lacks (with ``only``, those of
    the chapters it names by stem, ``vae``), ``jobs`` at a time (the longest first, by
    ``expected`` seconds per chapter stem), and cache each that succeeds. Returns the chapters
    run; raises ``SystemExit`` naming each that failed, with its traceback, once all have
    finished."""
    import book_web  # tools/: the explorers' models in the built book
    import nbformat
    from jupyter_cache import get_cache
    from jupyter_cache.base import CacheBundleIn

    from vaecore import settings

    cache = get_cache(build / ".jupyter_cache")
    # Each latent explorer exports its decoder here, for the page to run (tools/book_web.py).
    os.environ[settings.WEB_MODELS_ENV] = str(book_web.models_folder(build).resolve())
    chapters = sorted(CHAPTERS.glob("*.ipynb"))
    unknown = sorted(set(only or []) - {nb.stem for nb in chapters})
    if unknown:
        raise SystemExit(
            f"no chapter {', '.join(unknown)}: the chapters are "
            + ", ".join(nb.stem for nb in chapters)
        )
    missing = []
    for notebook in chapters:
        if only is not None and notebook.stem not in only:
            continue
        try:
            cache.match_cache_notebook(nbformat.read(notebook, as_version=4))
        except KeyError:
            missing.append(notebook)
    missing.sort(key=lambda nb: -(expected or {}).get(nb.stem, 0.0))
    timeout, failed = execution_timeout(), []
    with concurrent.futures.ProcessPoolExecutor(max(1, jobs)) as pool:
        runs = {pool.submit(_run, notebook, timeout): notebook for notebook in missing}
        for run in concurrent.futures.as_completed(runs):
            notebook = runs[run]
            nb, seconds, error = run.result()
            if error is not None:
                failed.append(f"{notebook.relative_to(ROOT)} failed:\n{error}")
                continue
            cache.cache_notebook_bundle(
                CacheBundleIn(nb, str(notebook), data={"execution_seconds": seconds}),
                check_validity=False,
                overwrite=True,
            )
            print(f"executed {notebook.stem} in {seconds:.0f} s", flush=True)
    if failed:
        raise SystemExit("\n\n".join(failed))
    return [nb.stem for nb in missing]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("command", choices=("keys", "key", "prune", "execute"))
    parser.add_argument(
        "build",
        nargs="?",
        type=Path,
        default=ROOT / "_build",
        help="the build folder that holds .jupyter_cache (prune, execute)",
    )
    parser.add_argument(
        "--jobs", type=int, help="execute: chapters run at a time (default: the usable CPUs)"
    )
    parser.add_argument(
        "--only", nargs="+", metavar="CHAPTER", help="execute: only these chapters (e.g. vae)"
    )
    args = parser.parse_args()
    if args.jobs is not None and args.jobs < 1:
        parser.error(f"--jobs must be at least 1, got {args.jobs}")
    quick = quick_mode()
    if args.command == "keys":
        for nb in sorted(CHAPTERS.glob("*.ipynb")):
            key, modules = chapter_key(nb, quick)
            print(f"{nb.stem}: {key}  ({len(modules)} modules: {', '.join(modules)})")
    elif args.command == "key":
        everything = json.dumps(chapter_keys(quick), sort_keys=True).encode()
        print(hashlib.sha256(everything).hexdigest()[:16])
    elif args.command == "prune":
        stale = prune(args.build, quick)
        print("re-executing: " + (", ".join(Path(c).stem for c in stale) or "none"))
    else:
        from vaecore import runtime
        from vaecore.book import results

        mode = "quick" if quick else "full"
        expected = results.load("book")["results"].get(mode, {}).get("chapter_seconds", {})
        jobs = args.jobs or runtime.usable_cpus()
        ran = execute(args.build, jobs, expected, args.only)
        print(f"executed {len(ran)} chapters, {jobs} at a time")


if __name__ == "__main__":
    main()
