"""The committed notebooks follow the book's rules (nbval itself runs them: see pyproject.toml).

- Outputs are committed only on ``# NBVAL_CHECK_OUTPUT`` cells, and every such cell has them,
  so nbval has something to compare (refresh with tools/refresh_notebook.py).
- Every figure has a caption, a name to refer to it by, and alt text.
- Each chapter shows, with ``show_code``, the package code it teaches (``SHOWN``), from the
  package itself: nothing is pasted into a notebook.
"""

import importlib
import re
from pathlib import Path

import nbformat
import pytest

CHAPTERS = sorted((Path(__file__).parent.parent / "chapters").glob("*.ipynb"))


def test_there_are_notebooks():
    assert CHAPTERS, "no notebooks found under chapters/"


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


#: What each chapter shows of the package, where its text explains it (issue 17). The VRNN and
#: side-by-side chapters' lists come with their listings.
SHOWN = {
    "autoencoder.ipynb": [
        "vaecore.models.autoencoder:Autoencoder",
        "vaecore.losses:squared_error",
        "vaecore.losses:bernoulli_nll",
        "vaecore.metrics.pca:fit_pca",
        "vaecore.train:fit",
        "vaecore.train:train_step",
    ],
    "vae-without-kl.ipynb": ["vaecore.models.vae:VAE.loss"],
    "gan.ipynb": [
        "vaecore.losses:discriminator_loss",
        "vaecore.losses:generator_loss",
        "vaecore.data.mixtures:ring_modes",
        "vaecore.metrics.modes:mode_metrics",
        "vaecore.models.gan:Generator",
        "vaecore.models.gan:Discriminator",
        "vaecore.train_gan:gan_step",
    ],
    "vae.ipynb": [
        "vaecore.losses:kl_per_dimension",
        "vaecore.losses:reparameterize",
        "vaecore.models.vae:VAE.log_likelihood",
        "vaecore.models.vae:VAE.loss",
        "vaecore.losses:iwae",
        "vaecore.losses:reparameterized_gradients",
        "vaecore.losses:score_function_gradients",
    ],
}


def _resolve(path: str):
    module, _, qualname = path.partition(":")
    obj = importlib.import_module(module)
    for part in qualname.split("."):
        obj = getattr(obj, part)
    return obj


@pytest.mark.parametrize("chapter", sorted(SHOWN))
def test_each_chapter_shows_the_package_code_it_teaches(chapter):
    nb = nbformat.read(Path(__file__).parent.parent / "chapters" / chapter, as_version=4)
    source = "\n".join(c.source for c in _code_cells(nb))
    for path in SHOWN[chapter]:
        obj = _resolve(path)  # the shown object still exists
        qualname = path.partition(":")[2]
        assert obj.__qualname__ == qualname
        assert re.search(rf"show_code\({re.escape(qualname)}[,)]", source), (
            f"{chapter} does not show {path}"
        )
