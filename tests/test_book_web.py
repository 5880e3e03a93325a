"""tools/book_web.py: every page says where the explorers' models are, and the English build puts
there the runtime, the page's script and each model a page names; what is missing is a warning
(an error with -W), never a page that silently keeps its frames."""

from pathlib import Path
from types import SimpleNamespace

import pytest
import tool_modules

book_web = tool_modules.tool("book_web")
NAME = "0123456789abcdef0123.onnx"


def _app(outdir: Path, web_root: str = "") -> SimpleNamespace:
    return SimpleNamespace(
        outdir=str(outdir),
        builder=SimpleNamespace(format="html"),
        config=SimpleNamespace(vaecore_web_root=web_root),
    )


@pytest.fixture
def built(tmp_path, monkeypatch):
    """A build folder whose one page names one model, written where the chapters write them."""
    monkeypatch.delenv("VAECORE_WEB_MODELS", raising=False)
    html = tmp_path / "_build" / "html"
    (html / "chapters").mkdir(parents=True)
    (html / "chapters" / "vae.html").write_text(f'<script>{{"live":{{"model":"{NAME}"}}}}</script>')
    (html / "index.html").write_text("<p>no explorer</p>")
    models = tmp_path / "_build" / "web-models"
    models.mkdir()
    (models / NAME).write_bytes(b"onnx")
    (models / NAME.replace(".onnx", ".check.json")).write_text("{}")
    return html


def test_the_meta_tag_points_at_the_folder_from_each_page_and_edition():
    context = {"content_root": "../", "metatags": ""}
    book_web._meta(_app(Path("x")), "chapters/vae", "page.html", context, None)
    assert '<meta name="vaecore-web" content="../_static/vaecore-web/">' in context["metatags"]
    context = {"content_root": "../"}
    book_web._meta(_app(Path("x"), "../"), "chapters/vae", "page.html", context, None)
    assert 'content="../../_static/vaecore-web/"' in context["metatags"]


def test_the_english_build_copies_the_runtime_the_script_and_the_named_models(built, caplog):
    if not all((book_web.RUNTIME / f).is_file() for f in book_web.RUNTIME_FILES):
        pytest.skip("ONNX Runtime Web is not installed: npm ci --prefix tools/web")
    assert book_web.named_models(built) == {NAME: "chapters/vae.html"}
    book_web._copy(_app(built), None)
    folder = built / "_static" / "vaecore-web"
    assert (folder / "models" / NAME).read_bytes() == b"onnx"
    assert (folder / "models" / NAME.replace(".onnx", ".check.json")).is_file()
    assert (folder / "explorer-live.mjs").is_file()
    assert sorted(p.name for p in (folder / "ort").iterdir()) == sorted(book_web.RUNTIME_FILES)
    assert not [r for r in caplog.records if r.levelname == "WARNING"]


def test_the_chinese_edition_copies_nothing(built):
    book_web._copy(_app(built, "../"), None)
    assert not (built / "_static").exists()


def test_a_missing_model_or_runtime_is_a_warning_that_says_what_to_do(built, monkeypatch, tmp_path):
    warnings = []
    monkeypatch.setattr(book_web.logger, "warning", lambda text, **kw: warnings.append(text))
    (tmp_path / "_build" / "web-models" / NAME).unlink()
    monkeypatch.setattr(book_web, "RUNTIME", tmp_path / "nowhere")
    book_web._copy(_app(built), None)
    assert any("npm ci --prefix tools/web" in w for w in warnings), warnings
    assert any(NAME in w and "make book" in w for w in warnings), warnings
