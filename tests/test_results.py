"""vaecore.book.results: the committed benchmark result files and the helpers that read them."""

import json

import pytest

from vaecore.book import results
from vaecore.book.spread import mean_sd, mean_se

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
