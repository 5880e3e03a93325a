"""vaecore.book.results: the committed benchmark result files and the helpers that read them."""

import json
from pathlib import Path

import pytest

from vaecore.book import results
from vaecore.book.spread import mean_sd, mean_se

CHAPTERS = Path(__file__).resolve().parent.parent / "chapters"
# The files the papers appendix and the chapters render.
RENDERED = (
    "book",
    "burda_nll",
    "busy_machine",
    "explorer_update",
    "gan_modes",
    "gan_vs_vae",
    "questions",
    "side_by_side_seeds",
    "train_speed",
    "vae_drawbacks",
    "vaegan",
    "vrnn_vs_rnn",
)


def test_every_rendered_result_is_committed_with_how_it_was_made():
    assert set(RENDERED) <= set(results.names())
    for name in RENDERED:
        r = results.load(name)
        assert r["benchmark"] == name
        assert f"python {name}.py" in r["command"] or f"python benchmarks/{name}.py" in r["command"]
        assert "--quick" not in r["command"] and not r["budget"].get("quick"), (
            f"{name}.json holds a --quick run"
        )
        assert {"platform", "cpus"} <= set(r["machine"]) and {"python", "torch"} <= set(
            r["versions"]
        )
        assert f"Measured with `{r['command']}`" in str(results.where(r))


def test_a_missing_file_says_where_results_come_from(tmp_path):
    with pytest.raises(
        FileNotFoundError, match=r"no benchmark result called .nope.*python benchmarks/nope\.py"
    ):
        results.load("nope", tmp_path)
    (tmp_path / "x.json").write_text(json.dumps({"a": 1}))
    assert results.names(tmp_path) == ["x"] and results.load("x", tmp_path) == {"a": 1}


def test_spreads_are_formatted_as_they_are_named():
    assert mean_se({"mean": -275.25, "se": 0.84}) == "-275.2 ± 0.8"
    assert mean_se({"mean": 1.0, "se": 0.0123}, digits=3) == "1.000 ± 0.012"
    assert mean_sd([1.0, 2.0, 3.0]) == "2.0 ± 1.0"  # the sample standard deviation (n - 1)
    assert mean_sd([4.0], digits=2) == "4.00 ± 0.00"
    with pytest.raises(ValueError, match="no values"):
        mean_sd([])


def test_the_book_records_each_chapters_time_memory_and_profile():
    """``book.json`` holds each chapter's seconds in both settings, and for the full setting its
    kernel's peak memory and every cell's seconds and memory (where the time goes), for exactly
    the chapters that report their cost."""
    book = results.load("book")
    full, quick = book["results"]["full"], book["results"]["quick"]
    chapters = {p.stem for p in CHAPTERS.glob("*.ipynb") if "chapter_cost(" in p.read_text()}
    assert set(full["chapter_peak_mb"]) == set(full["chapter_seconds"]) == chapters
    assert set(quick["chapter_seconds"]) == chapters
    assert book["limits_mb"]["chapter"] <= 2048  # Binder: about 2 GB, server and kernel
    for chapter in chapters:
        cells = full["chapter_cells"][chapter]
        assert cells and all(c["seconds"] >= 0 and c["peak_mb"] > 0 for c in cells), chapter
        assert abs(max(c["peak_mb"] for c in cells) - full["chapter_peak_mb"][chapter]) <= 5
        assert sum(c["seconds"] for c in cells) <= full["chapter_seconds"][chapter] + len(cells)


def test_a_chapters_opening_note_gives_its_measured_run_times():
    from vaecore.book.cost import chapter_runtime

    book = results.load("book")
    for chapter, seconds in book["results"]["full"]["chapter_seconds"].items():
        [message] = chapter_runtime(chapter).sentences
        quick = book["results"]["quick"]["chapter_seconds"][chapter]
        assert message.fields["full"] == str(-(-seconds // 60))  # whole minutes, rounded up
        assert message.fields["quick"] == str(quick)
        assert message.fields["cpus"] == str(book["machine"]["cpus"])
    with pytest.raises(ValueError, match="no run time for 'appendix-papers'"):
        chapter_runtime("appendix-papers")


def test_every_chapter_stays_within_the_memory_limit():
    """Each chapter's kernel, in both settings, held at most the limit ``book.json`` records
    (Binder gives the server and the kernel about 2 GB together)."""
    book = results.load("book")
    limit = book["limits_mb"]["chapter"]
    assert limit <= 2048
    for mode, run in book["results"].items():
        over = {chapter: mb for chapter, mb in run["chapter_peak_mb"].items() if mb > limit}
        assert not over, f"{mode}: over {limit:,} MB: {over}"
