"""A Sphinx extension for the book's HTML: ARIA roles that the bibliography gets wrong.

Docutils writes each bibliography entry with ``role="doc-biblioentry"``, a role that DPUB-ARIA
1.1 deprecates, inside a ``role="list"`` whose children must then be list items. axe-core
(the browser test ``tests/browser/accessibility.test.mjs``) fails the page on both; each entry
becomes a ``listitem``. ``_config.yml`` loads this file through ``local_extensions``.
"""

from __future__ import annotations

from typing import Any


def _list_items(app: Any, pagename: str, templatename: str, context: dict, doctree: Any) -> None:
    body = context.get("body")
    if isinstance(body, str):
        context["body"] = body.replace('role="doc-biblioentry"', 'role="listitem"')


def setup(app: Any) -> dict[str, bool]:
    app.connect("html-page-context", _list_items)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
