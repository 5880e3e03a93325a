"""tools/chapter_cache.py: each chapter's cache key changes exactly when something the chapter runs
changes, so that `make book` re-executes only those chapters."""

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import tool_modules

ROOT = Path(__file__).resolve().parent.parent
tool = tool_modules.tool("chapter_cache")


@pytest.fixture
def repo(tmp_path, monkeypatch):
    """A copy of the package, the chapters and the pins, which the tool then reads."""
    shutil.copytree(
        ROOT / "vaecore", tmp_path / "vaecore", ignore=shutil.ignore_patterns("__pycache__")
    )
    (tmp_path / "chapters").mkdir()
    for nb in (ROOT / "chapters").glob("*.ipynb"):
        shutil.copy(nb, tmp_path / "chapters" / nb.name)
    shutil.copy(ROOT / "requirements.txt", tmp_path / "requirements.txt")
    monkeypatch.setattr(tool, "ROOT", tmp_path)
    monkeypatch.setattr(tool, "CHAPTERS", tmp_path / "chapters")
    return tmp_path


def users(repo: Path, module: str) -> set[str]:
    """The chapters whose closure of imports holds ``module``."""
    return {
        f"chapters/{nb.name}"
        for nb in (repo / "chapters").glob("*.ipynb")
        if module in tool.chapter_key(nb, quick=False)[1]
    }


def changed(before: dict, after: dict) -> set[str]:
    return {c for c in before if before[c] != after[c]}


def showing(repo: Path) -> set[str]:
    """The chapters that show package code on their pages."""
    return users(repo, "vaecore.book.source")


def test_a_docstring_edit_changes_no_key_and_a_comment_only_those_of_chapters_showing_code(repo):
    before = tool.chapter_keys(quick=False)
    path = repo / "vaecore" / "losses.py"
    text = path.read_text()
    path.write_text(text.replace('"""Every objective', '"""Edited. Every objective', 1))
    assert tool.chapter_keys(quick=False) == before  # docstrings are never on the page
    path.write_text(text.replace("def elbo(", "# a new comment\ndef elbo(", 1))
    after = tool.chapter_keys(quick=False)
    assert changed(before, after) == users(repo, "vaecore.losses") & showing(repo)
    # the plots are used by a chapter that shows no code (the papers appendix), whose key stays
    path = repo / "vaecore" / "book" / "plots.py"
    text = path.read_text()
    path.write_text(text.replace("def set_style(", "# a new comment\ndef set_style(", 1))
    again = tool.chapter_keys(quick=False)
    assert changed(after, again) == users(repo, "vaecore.book.plots") & showing(repo)
    assert users(repo, "vaecore.book.plots") - showing(repo)  # some chapters did not change


@pytest.mark.parametrize(
    "module",
    [
        "vaecore/models/vrnn.py",
        "vaecore/metrics/modes.py",
        "vaecore/data/mixtures.py",
        "vaecore/losses.py",
    ],
)
def test_a_code_edit_changes_the_keys_of_exactly_the_chapters_that_run_it(repo, module):
    name = module[: -len(".py")].replace("/", ".")
    expected = users(repo, name)
    before = tool.chapter_keys(quick=False)
    with (repo / module).open("a") as f:
        f.write("\nEDITED = 1\n")
    assert changed(before, tool.chapter_keys(quick=False)) == expected
    assert expected  # the module is used by some chapter


def test_a_chapter_runs_the_modules_its_imports_import(repo):
    # The GAN chapter imports the toy GAN recipe, which imports the mixtures it trains on.
    assert "chapters/gan.ipynb" in users(repo, "vaecore.data.mixtures")
    # Measuring a VAE's likelihood imports the VRNN's module only for type checkers.
    assert "chapters/vae.ipynb" not in users(repo, "vaecore.models.vrnn")
    assert "chapters/vrnn.ipynb" in users(repo, "vaecore.models.vrnn")


def test_data_files_count_for_the_modules_that_read_them(repo):
    before = tool.chapter_keys(quick=False)
    weights = repo / "vaecore" / "metrics" / "weights" / "mnist_judge.json"
    weights.write_text(weights.read_text() + " ")
    assert changed(before, tool.chapter_keys(quick=False)) == users(repo, "vaecore.metrics.judge")


def test_the_mode_and_the_pins_change_every_key(repo):
    before = tool.chapter_keys(quick=False)
    quick = tool.chapter_keys(quick=True)
    assert all(before[c] != quick[c] for c in before)
    with (repo / "requirements.txt").open("a") as f:
        f.write("\nsomething==1.0\n")
    assert all(before[c] != k for c, k in tool.chapter_keys(quick=False).items())


def test_every_data_file_in_the_package_is_listed():
    listed = {p for module in tool.DATA for p in tool.data_files(module)}
    listed |= {ROOT / p for p in tool.SERVED}
    present = {
        p
        for p in (ROOT / "vaecore").rglob("*")
        if p.is_file() and p.suffix not in (".py", ".pyc") and "__pycache__" not in p.parts
    }
    assert present <= listed, f"not in tools/chapter_cache.py DATA: {sorted(present - listed)}"


def test_prune_forgets_only_the_stale_chapters_and_marks_them_for_reading(repo):
    from jupyter_cache import get_cache

    build = repo / "_build"
    cache = get_cache(build / ".jupyter_cache")
    for name in ("vae", "gan"):
        nb = repo / "chapters" / f"{name}.ipynb"
        cache.cache_notebook_file(nb, uri=str(nb), check_validity=False)
    assert tool.prune(build, quick=False) == sorted(tool.chapter_keys(False))  # nothing recorded
    assert len(cache.list_cache_records()) == 0
    for name in ("vae", "gan"):
        nb = repo / "chapters" / f"{name}.ipynb"
        cache.cache_notebook_file(nb, uri=str(nb), check_validity=False)
    assert tool.prune(build, quick=False) == []  # nothing changed: both stay cached
    assert len(cache.list_cache_records()) == 2
    with (repo / "vaecore" / "metrics" / "modes.py").open("a") as f:
        f.write("\nEDITED = 1\n")  # the GAN chapter's mode metrics, not the VAE's
    gan = repo / "chapters" / "gan.ipynb"
    before = gan.stat().st_mtime_ns
    # the papers appendix names the 2-D models from their recipes, which import the metrics too
    stale = ["chapters/appendix-papers.ipynb", "chapters/gan.ipynb"]
    assert tool.prune(build, quick=False) == stale
    assert [Path(r.uri).name for r in cache.list_cache_records()] == ["vae.ipynb"]
    assert gan.stat().st_mtime_ns >= before
    keys = json.loads((build / tool.KEYS_FILE).read_text())
    assert keys == tool.chapter_keys(quick=False)


def test_prune_forgets_a_chapter_whose_pages_name_a_model_that_is_gone(repo, monkeypatch):
    """A chapter's explorer names its exported decoder (vaecore.book.explore.web); a cached
    chapter whose model file is missing runs again, so that the page gets its model."""
    import nbformat
    from jupyter_cache import get_cache

    monkeypatch.delenv("VAECORE_WEB_MODELS", raising=False)
    build = repo / "_build"
    cache = get_cache(build / ".jupyter_cache")
    name = "0123456789abcdef0123.onnx"
    for chapter in ("vae", "gan"):
        path = repo / "chapters" / f"{chapter}.ipynb"
        nb = nbformat.read(path, as_version=4)
        html = f'<script class="vx-data">{{"live":{{"model":"{name}"}}}}</script>'
        output = nbformat.v4.new_output("display_data", data={"text/html": html})
        code = next(c for c in nb.cells if c.cell_type == "code")
        code.outputs = [output] if chapter == "vae" else []
        nbformat.write(nb, path)
        cache.cache_notebook_file(path, uri=str(path), check_validity=False)
    tool.prune(build, quick=False)  # records the keys; forgets both
    for chapter in ("vae", "gan"):
        path = repo / "chapters" / f"{chapter}.ipynb"
        cache.cache_notebook_file(path, uri=str(path), check_validity=False)
    (build / "web-models").mkdir()
    (build / "web-models" / name).write_bytes(b"model")
    assert tool.prune(build, quick=False) == []  # the model is there: nothing to do
    (build / "web-models" / name).unlink()
    assert tool.prune(build, quick=False) == ["chapters/vae.ipynb"]
    assert [Path(r.uri).name for r in cache.list_cache_records()] == ["gan.ipynb"]


def test_the_command_line_runs_as_make_book_runs_it(tmp_path):
    # As a script, tools/ comes first on sys.path: the tool must not shadow jupyter_cache.
    out = subprocess.run(
        [sys.executable, str(ROOT / "tools" / "chapter_cache.py"), "prune", str(tmp_path)],
        check=True,
        capture_output=True,
        text=True,
    )
    assert out.stdout.startswith("re-executing: ")
    assert (
        json.loads((tmp_path / tool.KEYS_FILE).read_text()).keys()
        == tool.chapter_keys(tool.quick_mode()).keys()
    )


def test_a_chapter_that_shows_package_code_is_keyed_on_its_comments_too(repo):
    assert "chapters/vae.ipynb" in showing(repo)
    before = tool.chapter_keys(quick=False)
    path = repo / "vaecore" / "models" / "vae.py"
    text = path.read_text()
    path.write_text(
        text.replace('"""The variational autoencoder', '"""Edited. The variational autoencoder', 1)
    )
    assert tool.chapter_keys(quick=False) == before  # a docstring is not on the page
    path.write_text(
        text.replace("# (batch, k), computed once", "# (batch, k), computed once only", 1)
    )
    after = tool.chapter_keys(quick=False)
    expected = users(repo, "vaecore.models.vae") & showing(repo)
    assert "chapters/vae.ipynb" in expected
    assert changed(before, after) == expected  # a comment is, where code is shown


def _notebook(path: Path, code: str) -> None:
    import nbformat

    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3"}
    nb.cells = [nbformat.v4.new_code_cell(code)]
    nbformat.write(nb, path)


def test_execute_runs_the_chapters_the_cache_lacks_side_by_side_and_caches_them(
    tmp_path, monkeypatch
):
    import nbformat
    from jupyter_cache import get_cache

    chapters = tmp_path / "chapters"
    chapters.mkdir()
    shutil.copy(ROOT / "_config.yml", tmp_path / "_config.yml")
    for name in "ab":
        _notebook(chapters / f"{name}.ipynb", f"import os\nprint('{name}', os.getcwd())")
    monkeypatch.setattr(tool, "ROOT", tmp_path)
    monkeypatch.setattr(tool, "CHAPTERS", chapters)
    build = tmp_path / "_build"
    assert tool.execute(build, jobs=2, expected={"b": 9.0}) == ["b", "a"]  # the longest first
    cache = get_cache(build / ".jupyter_cache")
    for name in "ab":  # what the build finds: the outputs, run in the chapters' folder
        _, merged = cache.merge_match_into_notebook(
            nbformat.read(chapters / f"{name}.ipynb", as_version=4)
        )
        assert merged.cells[0].outputs[0]["text"] == f"{name} {chapters}\n"
    assert tool.execute(build, jobs=2) == []  # every chapter cached: none runs again
    _notebook(chapters / "c.ipynb", "raise ValueError('planted')")
    with pytest.raises(SystemExit, match=r"chapters/c.ipynb failed:(.|\n)*planted"):
        tool.execute(build, jobs=1)
    with pytest.raises(KeyError):  # a failed chapter is not cached: the build runs it, and says
        cache.match_cache_notebook(nbformat.read(chapters / "c.ipynb", as_version=4))
    # One chapter alone (what a catalog update needs after an edit to it), and a name refused.
    _notebook(chapters / "d.ipynb", "print('d')")
    assert tool.execute(build, jobs=1, only=["d"]) == ["d"]  # not c, which the cache lacks too
    with pytest.raises(SystemExit, match="no chapter nope: the chapters are a, b, c, d"):
        tool.execute(build, jobs=1, only=["nope"])
