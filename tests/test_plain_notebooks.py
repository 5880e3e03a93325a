"""The chapters as plain notebooks for Colab, Binder and the download button
(``tools/plain_notebooks.py``; issue 35, item 1): no MyST left, solutions folded, every reference
a link into the published book.

The rules are checked one by one on small texts; every chapter is converted and rendered the way
Colab and JupyterLab render Markdown (CommonMark, by markdown-it); and where the book has been
built (CI builds it before the tests), the copies it wrote are checked against it: one per
chapter, every link's page and anchor in the built site, the install pinned to a commit, Binder's
folder beside them installing that commit, and the buttons of every chapter page, in both
editions, offering them.
"""

from __future__ import annotations

import json
import os
import re
from pathlib import Path

import pytest
from markdown_it import MarkdownIt
from tool_modules import tool

plain = tool("plain_notebooks")

ROOT = Path(__file__).resolve().parent.parent
CHAPTERS = sorted((ROOT / "chapters").glob("*.ipynb"))
URL = "https://example.org/book/"
COMMONMARK = MarkdownIt("commonmark")

#: MyST that CommonMark would show as text: a directive's fence, a role, a target line.
MYST = re.compile(r"(`{3,}|:{3,})\{[\w:-]+\}|\{[\w:-]+\}`|^\s*\([^()\s]+\)=\s*$", re.M)


def small_book() -> plain.Book:
    return plain.Book(
        url=URL,
        titles={"chapters/gan": "Generative adversarial networks"},
        labels={
            "q-size": ("chapters/questions", "q-size", "Bigger is better"),
            "fig-a": ("chapters/vae", "fig-a", "A figure"),
        },
        terms={"mode collapse": ("chapters/glossary", "term-mode-collapse")},
        figures={"fig-a": "Fig. 3"},
        citations={
            "kingma2014": ("Kingma and Welling", "2014", "id2", "Kingma, Welling. *AEVB*. 2014."),
            "goodfellow2014": ("Goodfellow et al.", "2014", "id5", "Goodfellow et al. GANs."),
        },
        images={"chapters/diagrams/vae.svg": "_images/vae.svg"},
    )


def convert(text: str, docname: str = "chapters/vae") -> tuple[str, list[str]]:
    cited: list[str] = []
    return plain.plain_markdown(text, docname, small_book(), cited), cited


def test_a_solution_stays_folded_under_its_title():
    text = (
        "1. **An exercise.** Try it.\n\n"
        "   :::{admonition} Solution\n   :class: dropdown\n\n   The answer, $x = 1$.\n   :::\n"
    )
    out, _ = convert(text)
    html = COMMONMARK.render(out)
    assert "<details>" in html and "<summary>Solution</summary>" in html
    assert html.index("<summary>") < html.index("The answer") < html.index("</details>")
    assert not MYST.search(out) and ":class:" not in out


def test_another_admonition_is_a_quotation_under_its_title():
    out, _ = convert(":::{admonition} The claim\n:class: warning\n\nA wrong formula.\n:::\n")
    assert COMMONMARK.render(out).startswith("<blockquote>\n<p><strong>The claim</strong>")
    assert "A wrong formula." in COMMONMARK.render(out)


def test_citations_read_as_text_linked_to_the_bibliography_and_are_listed():
    out, cited = convert("As {cite:t}`kingma2014` showed {cite:p}`kingma2014,goodfellow2014`.")
    link = f"{URL}chapters/bibliography.html#id2"
    assert out == (
        f"As [Kingma and Welling (2014)]({link}) showed "
        f"([Kingma and Welling, 2014]({link}); "
        f"[Goodfellow et al., 2014]({URL}chapters/bibliography.html#id5))."
    )
    assert cited == ["kingma2014", "goodfellow2014"]


def test_terms_pages_sections_and_figures_become_links_with_the_books_text():
    out, _ = convert(
        "{term}`mode collapse`, {term}`collapsed <mode collapse>`, {doc}`gan`, "
        "{doc}`that chapter <gan>`, {ref}`q-size`, {numref}`fig-a`."
    )
    assert out == (
        f"[mode collapse]({URL}chapters/glossary.html#term-mode-collapse), "
        f"[collapsed]({URL}chapters/glossary.html#term-mode-collapse), "
        f"[Generative adversarial networks]({URL}chapters/gan.html), "
        f"[that chapter]({URL}chapters/gan.html), "
        f"[Bigger is better]({URL}chapters/questions.html#q-size), "
        f"[Fig. 3]({URL}chapters/vae.html#fig-a)."
    )


def test_targets_go_and_pictures_point_at_the_published_copy():
    out, _ = convert('(q-size)=\n## A heading\n\n<img src="diagrams/vae.svg" alt="A VAE">')
    assert out == f'## A heading\n\n<img src="{URL}_images/vae.svg" alt="A VAE">'


@pytest.mark.parametrize(
    "text, message",
    [
        ("{eq}`elbo`", "no plain form for the role {eq}"),
        ("```{note}\nA note.\n```", "no plain form for the directive {note}"),
        (":::{admonition} Solution\n:class: dropdown\nnever closed", "never closed"),
        ("{cite:p}`nobody2020`", "no bibliography entry 'nobody2020'"),
        ("{term}`no such term`", "{term}`no such term` names 'no such term', which the book"),
        ("{numref}`q-size`", "{numref}`q-size` names 'q-size', which the book does not define"),
    ],
)
def test_myst_without_a_rule_stops_the_build_and_says_what(text, message):
    with pytest.raises(ValueError, match=re.escape(message)):
        convert(text)


class _Anything(dict):
    """A table that knows every name (for converting the chapters without a build)."""

    def __init__(self, value: tuple) -> None:
        super().__init__()
        self.value = value

    def __contains__(self, key: object) -> bool:
        return True

    def __missing__(self, key: str) -> tuple:
        return self.value


@pytest.mark.parametrize("path", CHAPTERS, ids=lambda p: p.stem)
def test_every_chapter_converts_to_commonmark_with_its_solutions_folded(path):
    book = plain.Book(
        url=URL,
        titles=_Anything("A title"),  # type: ignore[arg-type]
        labels=_Anything(("chapters/x", "a", "A title")),  # type: ignore[arg-type]
        terms=_Anything(("chapters/glossary", "term-x")),  # type: ignore[arg-type]
        figures=_Anything("Fig. 1"),  # type: ignore[arg-type]
        citations=_Anything(("A", "2000", "id1", "A. A title. 2000.")),  # type: ignore[arg-type]
        images=_Anything("_images/x.svg"),  # type: ignore[arg-type]
    )
    notebook = json.loads(path.read_text(encoding="utf-8"))
    converted = plain.plain_notebook(notebook, f"chapters/{path.stem}", book, "git+X@abc")
    solutions = 0
    for original, cell in zip(notebook["cells"], converted["cells"]):
        if cell["cell_type"] != "markdown":
            continue
        assert not MYST.search(cell["source"]), cell["source"][:300]
        html = COMMONMARK.render(cell["source"])
        # a role renders as "{term}<code>...", a directive as code in a language "{note}"
        assert not re.search(r"\{[\w:-]+\}<code>|language-\{|:::\{", html), html[:300]
        # every solution is inside a <details>, folded: none is left in plain sight
        folded = html.count("<summary>Solution</summary>")
        assert folded == "".join(original["source"]).count("{admonition} Solution"), html[:300]
        assert html.count("<details>") == html.count("</details>") >= folded
        solutions += folded
    exercises = "".join(
        "".join(c["source"]) for c in notebook["cells"] if c["cell_type"] == "markdown"
    ).count(":class: dropdown")
    assert solutions == exercises


def test_binder_on_the_branch_of_plain_notebooks_installs_vaecore_from_their_commit(tmp_path):
    install = "git+https://github.com/o/r@" + "a" * 40
    texts = plain.binder_files(ROOT / "binder", install)
    repository = {p.name: p.read_text() for p in (ROOT / "binder").iterdir()}
    assert texts.keys() == repository.keys()
    assert {n: t for n, t in texts.items() if n != "postBuild"} == {
        n: t for n, t in repository.items() if n != "postBuild"
    }
    assert plain.INSTALL_FROM_CHECKOUT not in texts["postBuild"]
    assert f'--no-deps "{install}"' in texts["postBuild"]
    assert "python -m vaecore.data.sources" in texts["postBuild"]
    (tmp_path / "postBuild").write_text("pip install vaecore\n")
    with pytest.raises(ValueError, match="postBuild.*does not run"):
        plain.binder_files(tmp_path, install)


def _built() -> Path | None:
    build = os.environ.get("VAECORE_EXECUTED")
    html = Path(build) / "html" if build else ROOT / "_build" / "html"
    return html if (html / "index.html").is_file() else None


needs_build = pytest.mark.skipif(_built() is None, reason="no built book (make book)")


@needs_build
def test_the_build_wrote_a_plain_copy_of_every_chapter_whose_links_all_land():
    """And Binder's folder beside them, installing vaecore from the commit their first cells
    install, with a postBuild that Binder can run."""
    html = _built()
    assert html is not None
    copies = sorted((html / plain.FOLDER / "chapters").glob("*.ipynb"))
    assert (html / plain.FOLDER / "binder" / "postBuild").stat().st_mode & 0o100
    assert [p.stem for p in copies] == [p.stem for p in CHAPTERS]
    config_url = "https://vaecore.github.io/latent-variable-book/"
    for copy in copies:
        notebook = json.loads(copy.read_text(encoding="utf-8"))
        first = next(c for c in notebook["cells"] if c["cell_type"] == "code")["source"]
        commit = re.search(r"git\+https://github\.com/\S+@[0-9a-f]{40}", first)
        assert commit, copy.name
        assert f'"{commit.group()}"' in (html / plain.FOLDER / "binder" / "postBuild").read_text()
        markdown = "\n".join(c["source"] for c in notebook["cells"] if c["cell_type"] == "markdown")
        assert not MYST.search(markdown), copy.name
        for target in re.findall(rf"(?:\]\(|src=\"){re.escape(config_url)}([^)\"]+)", markdown):
            page, _, anchor = target.partition("#")
            assert (html / page).is_file(), f"{copy.name}: no page {page}"
            if anchor:
                assert f'id="{anchor}"' in (html / page).read_text(encoding="utf-8"), (
                    f"{copy.name}: no #{anchor} in {page}"
                )


@needs_build
@pytest.mark.parametrize("edition", ["", "zh_CN/"])
def test_every_chapter_page_offers_its_plain_copy(edition):
    html = _built()
    assert html is not None
    for path in CHAPTERS:
        page = (html / edition / "chapters" / f"{path.stem}.html").read_text(encoding="utf-8")
        downloads = re.findall(r'href="([^"]+)"\s+target="_blank"\s+class="[^"]*btn-download', page)
        assert downloads, f"{edition}{path.stem}: no download button"
        for href in downloads:
            landed = (html / edition / "chapters" / href).resolve()
            assert landed == (html / plain.FOLDER / "chapters" / f"{path.stem}.ipynb").resolve()
        colab = re.findall(r'href="(https://colab\.research\.google\.com/[^"]+)"', page)
        assert colab == [
            "https://colab.research.google.com/github/vaecore/latent-variable-book/blob/"
            f"{plain.BRANCH}/chapters/{path.stem}.ipynb"
        ], f"{edition}{path.stem}: {colab}"
        binder = re.findall(r'href="(https://mybinder\.org/[^"]+)"', page)
        assert binder == [
            f"https://mybinder.org/v2/gh/vaecore/latent-variable-book/{plain.BRANCH}"
            f"?urlpath=lab/tree/chapters/{path.stem}.ipynb"
        ], f"{edition}{path.stem}: {binder}"
