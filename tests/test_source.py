"""vaecore.book.source: the package's own code, shown on the page."""

import inspect

import pytest
import torch

from vaecore.book.source import show_code
from vaecore.losses import kl_per_dimension
from vaecore.models.vae import VAE


def test_a_listing_is_the_packages_source_without_its_docstring():
    listing = show_code(kl_per_dimension)
    source = inspect.getsource(kl_per_dimension)
    assert listing.lines[0].startswith("def kl_per_dimension(")
    assert all(line in source for line in listing.lines)  # nothing added, nothing pasted
    assert '"""' not in listing.code
    assert '"""' in show_code(kl_per_dimension, docstring=True).code
    assert listing.where == "vaecore/losses.py: kl_per_dimension"


def test_methods_are_dedented_and_ranges_and_marks_count_from_one():
    listing = show_code(VAE.loss, lines=(2, 4), mark=[2])
    assert listing.lines[0] == "mu, logvar = self.posterior(x)"
    assert len(listing.lines) == 3 and listing.marked == (2,)
    assert repr(listing).split("\n")[1].startswith("1  mu, logvar")


def test_the_html_numbers_marks_and_colours_lines_for_light_and_dark_pages():
    page = show_code(VAE.loss, mark=[3])._repr_html_()
    assert page.count('class="linenos"') == len(show_code(VAE.loss).lines)
    assert 'class="hll"' in page and "vaecore/models/vae.py: VAE.loss" in page
    assert 'html[data-theme="dark"] .vx-code' in page  # the book's dark theme
    assert 'body[data-jp-theme-light="false"] .vx-code' in page  # JupyterLab's


@pytest.mark.parametrize(
    "obj, error, message",
    [
        (torch.nn.Linear, ValueError, "not vaecore's"),
        (len, TypeError, "no source"),
    ],
)
def test_only_vaecores_own_code_is_shown(obj, error, message):
    with pytest.raises(error, match=message):
        show_code(obj)


def test_bad_ranges_are_refused():
    n = len(show_code(VAE.loss).lines)
    with pytest.raises(ValueError, match=f"within 1..{n}"):
        show_code(VAE.loss, lines=(0, 2))
    with pytest.raises(ValueError, match="outside the listing"):
        show_code(VAE.loss, lines=(1, 2), mark=[3])
    with pytest.raises(ValueError, match="no line of the listing contains"):
        show_code(VAE.loss, mark=["no such code"])


def test_a_mark_by_text_finds_its_line_wherever_the_code_moves():
    listing = show_code(VAE.loss, mark=["self.beta"])
    (line,) = listing.marked
    assert "self.beta" in listing.lines[line - 1]


def _luminance(colour: str) -> float:
    """WCAG 2's relative luminance of ``#rrggbb``."""
    channels = [int(colour[i : i + 2], 16) / 255 for i in (1, 3, 5)]
    r, g, b = (c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in channels)
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def _contrast(a: str, b: str) -> float:
    hi, lo = sorted((_luminance(a), _luminance(b)), reverse=True)
    return (hi + 0.05) / (lo + 0.05)


@pytest.mark.parametrize("theme", [0, 1])
def test_every_listing_colour_reads_on_both_of_its_backgrounds(theme):
    from vaecore.book import source

    background, text, numbers, marked = (source._LIGHT, source._DARK)[theme]
    colours = [text, numbers, *(pair[theme] for pair in source._PALETTE.values())]
    worst = min(_contrast(c, bg) for c in colours for bg in (background, marked))
    assert worst >= 4.5, f"a listing colour has contrast {worst:.2f} (WCAG AA asks 4.5)"
    assert _contrast("#000000", "#ffffff") == pytest.approx(21)  # the formula itself
