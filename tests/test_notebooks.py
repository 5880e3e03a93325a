"""The committed notebooks follow the book's rules (nbval itself runs them: see pyproject.toml).

- Outputs are committed only on ``# NBVAL_CHECK_OUTPUT`` cells, and every such cell has them,
  so nbval has something to compare (refresh with tools/refresh_notebook.py).
- Every figure has a caption, a name to refer to it by, and alt text.
- Each chapter shows, with ``show_code``, the package code it teaches (``SHOWN``), from the
  package itself: nothing is pasted into a notebook.
- Each chapter opens with what to read first and its run time in both settings.
"""

import ast
import importlib
import inspect
import re
from pathlib import Path

import nbformat
import pytest

CHAPTERS = sorted((Path(__file__).parent.parent / "chapters").glob("*.ipynb"))


def test_there_are_notebooks():
    assert CHAPTERS, "no notebooks found under chapters/"


def test_each_chapter_opens_with_what_to_read_first_and_its_run_time():
    """After its title and the hidden install cell: a note on what to read first, then, with its
    code hidden, its run time in both settings, computed from ``book.json``
    (:func:`vaecore.book.cost.chapter_runtime`), for every chapter the benchmark measures."""
    from vaecore.book import results

    measured = results.load("book")["results"]["full"]["chapter_seconds"]
    assert set(measured) <= {p.stem for p in CHAPTERS}
    for path in (p for p in CHAPTERS if p.stem in measured):
        cells = nbformat.read(path, as_version=4).cells
        assert "remove-cell" in cells[1].metadata.get("tags", []), path.name  # the install
        note, runtime = cells[2], cells[3]
        assert note.cell_type == "markdown", path.name
        assert note.source.startswith("**Before you start.**"), path.name
        assert runtime.cell_type == "code", path.name
        assert "remove-input" in runtime.metadata.get("tags", []), path.name
        assert f'chapter_runtime("{path.stem}")' in runtime.source, path.name


@pytest.fixture(params=CHAPTERS, ids=lambda p: p.name)
def notebook(request):
    return nbformat.read(request.param, as_version=4)


def _code_cells(nb):
    return [c for c in nb.cells if c.cell_type == "code"]


def test_outputs_only_where_nbval_compares_them(notebook):
    checked = 0
    for cell in _code_cells(notebook):
        if cell.source.lstrip().startswith("# NBVAL_CHECK_OUTPUT"):
            checked += 1
            assert cell.outputs, f"checked cell has no stored output: {cell.source[:80]}"
            assert cell.execution_count is not None, "nbval skips checked cells marked unrun"
            assert all(o.output_type == "stream" and o.name == "stdout" for o in cell.outputs)
        else:
            assert not cell.outputs, f"unexpected committed output: {cell.source[:80]}"
            assert cell.execution_count is None, cell.source[:80]
    assert checked >= 1
    assert not any("execution" in c.metadata for c in notebook.cells), (
        "execution timestamps left in"
    )


def test_every_figure_has_caption_name_and_alt_text(notebook):
    names = []
    for cell in _code_cells(notebook):
        if "plt.show()" not in cell.source:
            continue
        meta = cell.metadata.get("mystnb", {})
        figure, image = meta.get("figure", {}), meta.get("image", {})
        assert len(figure.get("caption", "")) > 40, f"figure without caption: {cell.source[:80]}"
        assert len(image.get("alt", "")) > 20, f"figure without alt text: {cell.source[:80]}"
        # One output per figure cell: myst-nb gives every output of the cell the figure's name.
        assert cell.source.count("plt.show()") == 1 and "display(" not in cell.source, (
            f"a figure cell must show one figure and nothing else: {cell.source[:80]}"
        )
        names.append(figure.get("name"))
    assert all(names) and len(set(names)) == len(names), names


def _bindings(tree: ast.Module) -> dict[str, str]:
    """The names a chapter's imports bind, each to its dotted path: ``from vaecore.experiments
    import gan_vs_vae`` binds ``gan_vs_vae`` to ``vaecore.experiments.gan_vs_vae``."""
    bound = {}
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            for alias in node.names:
                bound[alias.asname or alias.name] = f"{node.module}.{alias.name}"
        elif isinstance(node, ast.Import):
            for alias in node.names:
                bound[alias.asname or alias.name.split(".")[0]] = (
                    alias.name if alias.asname else alias.name.split(".")[0]
                )
    return bound


def _resolve(dotted: str):
    """The object at ``dotted`` (``vaecore.models.vae.VAE.loss``, or with a colon before the
    qualified name): the longest importable module, then attributes."""
    parts = dotted.replace(":", ".").split(".")
    for cut in range(len(parts), 0, -1):
        try:
            obj = importlib.import_module(".".join(parts[:cut]))
        except ImportError:
            continue
        for part in parts[cut:]:
            obj = getattr(obj, part)
        return obj
    raise ImportError(dotted)


def _dotted(node: ast.expr) -> str | None:
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        head = _dotted(node.value)
        return head and f"{head}.{node.attr}"
    return None


def shown(chapter: Path) -> list[str]:
    """What ``chapter`` shows of the package, read from the chapter itself: the object of each
    ``show_code(X)`` call, resolved through the chapter's own imports, as ``"module:qualname"``
    (``"vaecore.models.vae:VAE.loss"``). Fails naming a call whose ``X`` does not resolve."""
    cells = _code_cells(nbformat.read(chapter, as_version=4))
    source = "\n".join(
        line
        for cell in cells
        for line in cell.source.splitlines()
        if not line.lstrip().startswith(("%", "!"))
    )
    tree = ast.parse(source)
    bound = _bindings(tree)
    found = []
    for node in ast.walk(tree):
        if not (isinstance(node, ast.Call) and getattr(node.func, "id", None) == "show_code"):
            continue
        name = _dotted(node.args[0]) if node.args else None
        head, _, rest = (name or "").partition(".")
        assert name and head in bound, f"{chapter.name}: show_code({ast.unparse(node.args[0])})"
        obj = inspect.unwrap(_resolve(bound[head] + (f".{rest}" if rest else "")))
        found.append(f"{obj.__module__}:{obj.__qualname__}")
    return found


#: What each chapter shows of the package, read from the chapters (:func:`shown`), never kept by
#: hand: a listing that names no vaecore object fails the build, and the tests below check what
#: is shown (it cites the chapter's equations; the browser test finds each listing on the page).
SHOWN = {path.name: found for path in CHAPTERS if (found := shown(path))}


def test_every_chapter_that_teaches_a_model_shows_its_code():
    """The chapters with listings are the chapters, not the appendix: each shows package code."""
    teaching = {p.name for p in CHAPTERS if not p.name.startswith("appendix")}
    assert set(SHOWN) == teaching, f"no listing in {sorted(teaching - set(SHOWN))}"
    for chapter, paths in SHOWN.items():
        assert all(path.startswith("vaecore.") for path in paths), (chapter, paths)


def test_a_listing_is_read_through_the_chapters_own_imports(tmp_path):
    nb = nbformat.v4.new_notebook()
    nb.cells = [
        nbformat.v4.new_code_cell(
            "%matplotlib inline\nfrom vaecore.models.vae import VAE\n"
            "from vaecore.experiments import gan_vs_vae as gv\nimport vaecore.losses"
        ),
        nbformat.v4.new_code_cell("show_code(VAE.loss, mark=[1])"),
        nbformat.v4.new_code_cell("show_code(gv.train_model)\nshow_code(vaecore.losses.iwae)"),
    ]
    path = tmp_path / "toy.ipynb"
    nbformat.write(nb, path)
    assert shown(path) == [
        "vaecore.models.vae:VAE.loss",
        "vaecore.experiments.gan_vs_vae:train_model",
        "vaecore.losses:iwae",
    ]
    nb.cells.append(nbformat.v4.new_code_cell("show_code(fit)"))
    nbformat.write(nb, path)
    with pytest.raises(AssertionError, match="show_code\\(fit\\)"):
        shown(path)


# Equations are labelled in the text with ``\tag{NAME}`` and cited in the code as ``eq. (NAME)``.
TAG = re.compile(r"\\tag\{([^}]+)\}")
CITED = re.compile(r"eq\. \(([A-Z][A-Z0-9-]*)\)")
PACKAGE = Path(__file__).parent.parent / "vaecore"


def _markdown(path: Path) -> str:
    nb = nbformat.read(path, as_version=4)
    return "\n".join(c.source for c in nb.cells if c.cell_type == "markdown")


def _tags() -> dict[str, list[str]]:
    return {p.name: TAG.findall(_markdown(p)) for p in CHAPTERS}


def test_equation_tags_are_unique_and_render():
    everywhere = [tag for tags in _tags().values() for tag in tags]
    assert len(everywhere) == len(set(everywhere)), everywhere
    for path in CHAPTERS:
        for block in re.findall(r"\$\$(.*?)\$\$", _markdown(path), re.S):
            if "\\tag" in block:
                # Sphinx wraps a display holding \\ in a split environment, where \tag fails.
                assert "\\\\" not in block and block.count("\\tag") == 1, (path.name, block)


def test_every_label_is_one_the_citations_can_name():
    """A label outside ``[A-Z][A-Z0-9-]*`` could never be cited as ``eq. (NAME)``; nor can code cite
    one in another spelling: both would slip past the check below, so both fail here."""
    for chapter, tags in _tags().items():
        for tag in tags:
            assert CITED.fullmatch(f"eq. ({tag})"), (
                f"{chapter}: \\tag{{{tag}}}: use {CITED.pattern}"
            )
    for path in PACKAGE.rglob("*.py"):
        for found in re.findall(r"eq\. \(([^)]*)\)", path.read_text()):
            assert CITED.fullmatch(f"eq. ({found})"), f"{path.name}: eq. ({found}) names no label"


def test_the_code_cites_equations_the_text_labels():
    tags = {tag for chapter in _tags().values() for tag in chapter}
    cited = {
        (path.relative_to(PACKAGE.parent).as_posix(), name)
        for path in PACKAGE.rglob("*.py")
        for name in CITED.findall(path.read_text())
    }
    assert cited, "no equation is cited in vaecore"
    assert not {c for c in cited if c[1] not in tags}, sorted(c for c in cited if c[1] not in tags)


@pytest.mark.parametrize("chapter", sorted(SHOWN))
def test_each_chapter_shows_code_that_cites_its_equations(chapter):
    tags = set(_tags()[chapter])
    shown = "\n".join(inspect.getsource(_resolve(path)) for path in SHOWN[chapter])
    assert tags, f"{chapter} labels none of its equations"
    assert tags & set(CITED.findall(shown)), f"{chapter}: no shown code cites its equations"


FOLD_AFTER = 5  # a figure cell with more non-blank lines than this is folded


def _folded(cell) -> bool:
    return "hide-input" in cell.metadata.get("tags", []) and cell.metadata.get("jupyter", {}).get(
        "source_hidden"
    )


def test_long_figure_code_is_folded(notebook):
    for cell in _code_cells(notebook):
        lines = [line for line in cell.source.split("\n") if line.strip()]
        if "plt.show()" in cell.source and len(lines) > FOLD_AFTER:
            assert _folded(cell), f"fold this figure's code (hide-input): {cell.source[:80]}"


@pytest.mark.parametrize("chapter", sorted(SHOWN))
def test_each_chapter_has_a_write_it_yourself_exercise(chapter):
    """A visible cell with an unwritten function and its check, then a folded solution that
    passes the same check (the build runs it)."""
    cells = _code_cells(nbformat.read(Path(__file__).parent.parent / "chapters" / chapter, 4))
    checked = re.compile(r"^check\((\w+), ", re.M)
    for stub, solution in zip(cells, cells[1:]):
        names = checked.findall(stub.source)
        if names and "...  # your code here" in stub.source and not _folded(stub):
            assert _folded(solution), f"{chapter}: the solution to {names[0]} is not folded"
            assert checked.findall(solution.source) == names
            assert f"def {names[0]}(" in solution.source and "..." not in solution.source
            return
    raise AssertionError(f"{chapter} has no exercise checked against the package")


def _package_names() -> set[str]:
    """Every public function and class vaecore defines."""
    return {
        node.name
        for path in PACKAGE.rglob("*.py")
        for node in ast.parse(path.read_text()).body
        if isinstance(node, (ast.FunctionDef, ast.ClassDef)) and not node.name.startswith("_")
    }


def test_a_chapter_never_redefines_package_code(notebook):
    """A chapter imports what it teaches; a function or class of its own with a package name is a
    copy that can drift from the tested one."""
    names = _package_names()
    for cell in _code_cells(notebook):
        source = "\n".join(
            line for line in cell.source.splitlines() if not line.lstrip().startswith(("%", "!"))
        )
        for node in ast.walk(ast.parse(source)):
            if isinstance(node, (ast.FunctionDef, ast.ClassDef)):
                assert node.name not in names, f"import {node.name} from vaecore; do not define it"
