"""A Sphinx extension: the latent explorers' models in the reader's browser
(``vaecore/book/explore/web.py`` exports them; ``explorer-live.mjs`` runs them).

Every page gets ``<meta name="vaecore-web" content="...">``: the address, relative to the page,
of the folder ``_static/vaecore-web/`` that holds

* ``ort/``: ONNX Runtime Web, the WebAssembly build only, from ``tools/web/node_modules``
  (``npm ci --prefix tools/web`` installs the version ``tools/web/package-lock.json`` pins;
  ``make book`` does);
* ``explorer-live.mjs``, from vaecore;
* ``models/``: each model a built page names, with its check, from the folder the chapters
  wrote them to (:func:`models_folder`).

The English edition's build fills the folder. The Chinese edition, built into ``zh_CN/`` below
it, sets ``vaecore_web_root = "../"`` and points its pages at the same folder, so a reader loads
the runtime once for both editions. A missing runtime or model is a warning (an error with
``-W``): the page would silently keep its precomputed frames.
"""

from __future__ import annotations

import re
from importlib import resources
from pathlib import Path
from typing import Any

from sphinx.util import logging

from vaecore import files, settings

logger = logging.getLogger(__name__)

ROOT = Path(__file__).resolve().parent.parent
#: Where ``npm ci --prefix tools/web`` puts the runtime.
RUNTIME = ROOT / "tools" / "web" / "node_modules" / "onnxruntime-web" / "dist"
#: The runtime's files a page loads: the WebAssembly build's loader, its glue and its binary.
RUNTIME_FILES = ("ort.wasm.min.mjs", "ort-wasm-simd-threaded.mjs", "ort-wasm-simd-threaded.wasm")
#: The folder in each edition's output, below ``_static``.
FOLDER = "vaecore-web"
#: How an explorer's data names its model (vaecore.book.explore.static).
MODEL = re.compile(r'"model":"([0-9a-f]{20}\.onnx)"')


def models_folder(build: Path) -> Path:
    """The folder the chapters write their models to: ``VAECORE_WEB_MODELS`` when set, else
    ``web-models`` in the build folder (``tools/chapter_cache.py execute`` sets it so)."""
    return settings.web_models_dir() or build / "web-models"


def _meta(app: Any, pagename: str, templatename: str, context: dict, doctree: Any) -> None:
    root = context.get("content_root", "../" * pagename.count("/"))
    address = f"{root}{app.config.vaecore_web_root}_static/{FOLDER}/"
    context["metatags"] = context.get("metatags", "") + (
        f'\n<meta name="vaecore-web" content="{address}">'
    )


def named_models(outdir: Path) -> dict[str, str]:
    """Each model a built page names, and the first page naming it."""
    found: dict[str, str] = {}
    for page in sorted(outdir.rglob("*.html")):
        for name in MODEL.findall(page.read_text(encoding="utf-8", errors="replace")):
            found.setdefault(name, str(page.relative_to(outdir)))
    return found


def _copy(app: Any, exception: Exception | None) -> None:
    if exception is not None or app.builder.format != "html" or app.config.vaecore_web_root:
        return
    outdir = Path(app.outdir)
    target = outdir / "_static" / FOLDER
    models = named_models(outdir)
    if not models:
        return
    live = resources.files("vaecore.book.explore").joinpath("explorer-live.mjs")
    files.write_bytes(target / "explorer-live.mjs", live.read_bytes())
    missing = [name for name in RUNTIME_FILES if not (RUNTIME / name).is_file()]
    if missing:
        logger.warning(
            f"ONNX Runtime Web is not installed in {RUNTIME.parent.parent} (no {missing[0]}): "
            "run `npm ci --prefix tools/web` (needs npm); until then the latent explorers "
            "show only their precomputed frames",
            type="vaecore",
            subtype="web",
        )
    for name in RUNTIME_FILES:
        if (RUNTIME / name).is_file():
            files.write_bytes(target / "ort" / name, (RUNTIME / name).read_bytes())
    source = models_folder(outdir.parent)  # the build folder, _build, holds html/
    for name, page in models.items():
        check = name.replace(".onnx", ".check.json")
        if not (source / name).is_file() or not (source / check).is_file():
            logger.warning(
                f"{page} runs the model {name}, which is not in {source}: run `make book` "
                "again (tools/chapter_cache.py runs again each chapter whose models are missing)",
                type="vaecore",
                subtype="web",
            )
            continue
        for file in (name, check):
            files.write_bytes(target / "models" / file, (source / file).read_bytes())


def setup(app: Any) -> dict[str, bool]:
    app.add_config_value("vaecore_web_root", "", "html")
    app.connect("html-page-context", _meta)
    app.connect("build-finished", _copy)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
