"""A Sphinx extension that writes the API appendix from the package itself: the directive
``vaecore-api`` (``chapters/appendix-api.md``) gives ``vaecore``'s own docstring (the layout
table), then one section per row of that table, in its order, and in each the autodoc reference
of every module the row names, in the row's order. A new module needs no line here and none in
the page: the layout table must name it already (``tests/test_layers.py``), and that puts it in
the appendix. ``_config.yml`` loads this file through ``local_extensions``.
"""

from __future__ import annotations

import importlib
import pkgutil
import re
from typing import Any

from docutils import nodes
from docutils.statemachine import StringList
from sphinx.util.docutils import SphinxDirective

#: A row of the layout table begins with its name at the start of a line: ``models/``, ``train``.
_ROW = re.compile(r"^``(\w+)(/?)``(.*?)(?=^``|^=)", re.M | re.S)


def _documented(name: str) -> bool:
    """Whether module ``name`` has a reference of its own: a module, or a package whose
    ``__init__`` defines a function or class (a package that only holds modules has none)."""
    module = importlib.import_module(name)
    if not hasattr(module, "__path__"):
        return True
    return any(getattr(v, "__module__", None) == name for v in vars(module).values() if callable(v))


def _package_modules(package: str, row: str) -> list[str]:
    """Every module of ``package`` (its subpackages' too, each after its package) in the order
    ``row`` names them, then any it does not name, in alphabetical order."""
    path = importlib.import_module(package).__path__
    found = [m.name for m in pkgutil.iter_modules(path) if not m.name.startswith("_")]
    named = [n for n in re.findall(r"``(\w+)``", row) if n in found]
    ordered = list(dict.fromkeys(named + sorted(found)))
    out = []
    for name in ordered:
        full = f"{package}.{name}"
        if _documented(full):
            out.append(full)
        if hasattr(importlib.import_module(full), "__path__"):
            out += _package_modules(full, "")
    return out


def api_sections() -> list[tuple[str, list[str]]]:
    """The appendix's sections, each ``(title, modules)``: ``vaecore`` first (its docstring is
    the layout), then one per row of the layout table of ``vaecore.__doc__``."""
    import vaecore

    table = (vaecore.__doc__ or "").split("\n====")[1]  # between the table's top rules
    sections: list[tuple[str, list[str]]] = [("vaecore", ["vaecore"])]
    for name, slash, row in _ROW.findall(table + "\n="):
        full = f"vaecore.{name}"
        sections.append((full, _package_modules(full, row) if slash else [full]))
    return sections


def _section(document: Any, title: str) -> nodes.section:
    section = nodes.section(ids=[nodes.make_id(f"api-{title}")], names=[f"api {title}"])
    # A module's name reads the same in every edition: not a message for the catalogs.
    section += nodes.title("", "", nodes.literal(text=title), translatable=False)
    document.note_implicit_target(section)
    return section


class VaecoreAPI(SphinxDirective):
    """``vaecore-api``: the whole reference, section by section (:func:`api_sections`). It writes
    reStructuredText (what autodoc writes too), so a MyST page runs it in an ``eval-rst`` block."""

    has_content = False

    def _reference(self, module: str, into: nodes.Element) -> None:
        """Autodoc's reference of ``module`` into ``into``."""
        options = (
            [] if module == "vaecore" else [":members:", ":undoc-members:", ":show-inheritance:"]
        )
        lines = [f".. automodule:: {module}", *(f"   {option}" for option in options)]
        self.state.nested_parse(StringList(lines, source=f"vaecore-api:{module}"), 0, into)

    def run(self) -> list[nodes.Node]:
        document = self.state.document
        out: list[nodes.Node] = []
        for title, modules in api_sections():
            section = _section(document, title)
            for module in modules:
                if modules == [title]:
                    self._reference(module, section)
                else:
                    sub = _section(document, module)
                    self._reference(module, sub)
                    section += sub
            out.append(section)
        return out


def setup(app: Any) -> dict[str, bool]:
    app.add_directive("vaecore-api", VaecoreAPI)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
