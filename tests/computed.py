"""What the tests of computed tables and verdicts share: the templates a table or paragraph is
made of, and the check that the catalogs list each of them (tools/book_i18n.py)."""

from tool_modules import tool


def book_i18n():
    """tools/book_i18n.py, loaded as a module."""
    return tool("book_i18n")


def templates(data):
    """Every template in the JSON of a Table or a Text (``shown.to_json()``)."""
    if isinstance(data, dict):
        if "t" in data:
            yield data["t"]
        for value in data.values():
            yield from templates(value)
    elif isinstance(data, list):
        for value in data:
            yield from templates(value)


def assert_listed(shown):
    """Every template of the tables and paragraphs ``shown`` is one the catalogs list."""
    listed = {t for t, _, _ in book_i18n().computed_templates()}
    used = {t for s in shown for t in templates(s.to_json())}
    assert used <= listed, sorted(used - listed)
