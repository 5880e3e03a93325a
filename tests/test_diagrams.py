"""The schematic figures (tools/diagrams.py, tools/diagram_svg.py): every drawn file is what its
spec draws, in both languages; every figure is shown in a chapter, with alt text and a sentence
that says its point; a label that does not fit its box, an arrow to nowhere and an unknown kind
of box are errors, not a silently broken picture."""

import json
import re
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from tool_modules import tool

ROOT = Path(__file__).resolve().parent.parent
svg = tool("diagram_svg")
diagrams = tool("diagrams")
SVG = "{http://www.w3.org/2000/svg}"
#: ``<img src="diagrams/name.svg" alt="...">`` in a chapter's Markdown (an HTML image, which
#: Jupyter shows too), then the paragraph after it.
FIGURE = re.compile(
    r'<img src="diagrams/(?P<name>[\w-]+)\.svg" alt="(?P<alt>[^"]+)">\n\n(?P<next>[^\n]*)'
)


def test_the_drawn_files_are_what_the_specs_draw():
    assert diagrams.stale() == [], "run `python tools/diagrams.py` and commit the files"
    names = {p.name for p in diagrams.FOLDER.glob("*.svg")}
    expected = {f"{n}.svg" for n in diagrams.DIAGRAMS} | {
        f"{n}.zh_CN.svg" for n in diagrams.DIAGRAMS
    }
    assert names == expected, "a drawn file that no spec draws any more"


@pytest.mark.parametrize("name", sorted(diagrams.DIAGRAMS))
def test_each_diagram_is_a_labelled_svg_on_white(name):
    for path in (diagrams.FOLDER / f"{name}.svg", diagrams.FOLDER / f"{name}.zh_CN.svg"):
        root = ET.fromstring(path.read_text(encoding="utf-8"))
        assert root.tag == SVG + "svg" and root.get("role") == "img"
        assert root.find(SVG + "title").text.strip()
        background = root.find(SVG + "rect")  # the first shape drawn: the white card
        assert background.get("fill") == "#FFFFFF"
        assert float(background.get("width")) >= float(root.get("width")) - 1
        texts = [t.text for t in root.iter(SVG + "text")]
        assert texts and all(t.strip() for t in texts)
    chinese = (diagrams.FOLDER / f"{name}.zh_CN.svg").read_text(encoding="utf-8")
    assert re.search(r"[\u4e00-\u9fff]", chinese), "the Chinese figure has no Chinese in it"
    for label in diagrams.DIAGRAMS[name]().labels():
        assert f">{svg.escape(label)}<" not in chinese, f"{label!r} is not translated"


def _chapter_figures() -> list[tuple[str, str, str, str]]:
    found = []
    for path in sorted((ROOT / "chapters").glob("*.ipynb")):
        for cell in json.loads(path.read_text(encoding="utf-8"))["cells"]:
            if cell["cell_type"] == "markdown":
                text = "".join(cell["source"])
                found += [
                    (path.stem, m["name"], m["alt"], m["next"]) for m in FIGURE.finditer(text)
                ]
    return found


def test_every_diagram_is_shown_with_alt_text_and_its_point():
    figures = _chapter_figures()
    shown = [name for _, name, _, _ in figures]
    assert sorted(shown) == sorted(diagrams.DIAGRAMS), "each diagram once, in some chapter"
    for chapter, name, alt, point in figures:
        assert len(alt.split()) >= 15, f"{chapter}: the alt text of {name} should describe it"
        assert point.startswith("*") and len(point.split()) >= 10, (
            f"{chapter}: the paragraph after {name} should say its point, in italics"
        )


def test_a_label_too_wide_for_its_box_is_an_error():
    narrow = svg.Diagram("t", "t", 100, 100, [svg.Box("a", 50, 50, 40, 30, "Reconstruction")])
    with pytest.raises(ValueError, match="too wide for box 'a'"):
        narrow.svg()
    # the Chinese label is measured too: a translation may be wider than its English
    fits = svg.Diagram("t", "t", 100, 100, [svg.Box("a", 50, 50, 60, 30, "Code")])
    fits.svg()
    with pytest.raises(ValueError, match="too wide"):
        fits.svg(lambda text: "很长的中文标签")


def test_an_arrow_to_no_box_and_an_unknown_kind_are_errors():
    box = svg.Box("a", 50, 50, 60, 30, "x")
    with pytest.raises(ValueError, match="names no box 'b'"):
        svg.Diagram("t", "t", 100, 100, [box, svg.Arrow("a", "b")]).svg()
    with pytest.raises(ValueError, match="kind 'cloud'"):
        svg.Diagram("t", "t", 100, 100, [svg.Box("a", 50, 50, 60, 30, "x", kind="cloud")]).svg()


def test_maths_is_drawn_as_written_and_words_are_translated():
    d = svg.Diagram(
        "t", "Title", 200, 100, [svg.Box("a", 100, 50, 120, 50, "Code", svg.Maths("z = f(x)"))]
    )
    assert d.labels() == ["Title", "Code"]
    drawn = d.svg({"Title": "标题", "Code": "编码"}.__getitem__)
    assert ">编码<" in drawn and ">z = f(x)<" in drawn and "<title>标题</title>" in drawn


def test_a_missing_translation_names_the_label(monkeypatch, tmp_path):
    monkeypatch.setattr(diagrams, "CATALOG", tmp_path / "diagrams.po")
    with pytest.raises(SystemExit, match="have no Chinese"):
        diagrams.drawn()


def test_an_arrow_leaves_its_box_at_the_border():
    box = svg.Box("a", 100, 100, 80, 40, "x")
    assert box.edge((300, 100)) == (140, 100)
    assert box.edge((100, 0)) == (100, 80)
