"""tools/comparatives.py: comparative sentences beside computed verdicts must be confirmed."""

import json
from pathlib import Path

import pytest
from tool_modules import tool

ROOT = Path(__file__).resolve().parent.parent
comparatives = tool("comparatives")


def _notebook(path, cells):
    def cell(kind, text):
        return {"cell_type": kind, "metadata": {}, "source": [text]}

    path.write_text(json.dumps({"cells": [cell(*c) for c in cells]}))


def test_a_comparative_beside_a_verdict_is_flagged_and_one_far_from_it_is_not(tmp_path):
    notebook = tmp_path / "chapter.ipynb"
    _notebook(
        notebook,
        [
            ("markdown", "The VAE is better than the GAN on every seed. It has an encoder."),
            ("code", "findings.compare(a, b)"),
            ("markdown", "Nothing compared here."),
            ("markdown", "Far away."),
            ("markdown", "Far away."),
            ("markdown", "This one is worse, but far from any verdict."),
        ],
    )
    assert comparatives.flagged(notebook) == ["The VAE is better than the GAN on every seed."]


def test_only_a_confirmed_digest_passes_and_an_edit_needs_a_new_one(tmp_path, monkeypatch):
    chapters = tmp_path / "chapters"
    chapters.mkdir()
    sentence = "Every run of A beats every run of B, by definition of the rule."
    _notebook(chapters / "x.ipynb", [("markdown", sentence), ("code", "decide(m, a, b)")])
    confirmed = tmp_path / "comparatives.json"
    monkeypatch.setattr(comparatives, "CHAPTERS", chapters)
    monkeypatch.setattr(comparatives, "CONFIRMED", confirmed)
    monkeypatch.setattr(comparatives, "ROOT", tmp_path)
    with pytest.raises(SystemExit, match="not confirmed"):
        comparatives.main(["check"])
    key = comparatives.digest(sentence)
    confirmed.write_text(json.dumps({"chapters/x": {key: "the rule's definition"}}))
    comparatives.main(["check"])
    edited = sentence.replace("definition", "construction")
    _notebook(chapters / "x.ipynb", [("markdown", edited), ("code", "rank(m, s)")])
    with pytest.raises(SystemExit):
        comparatives.main(["check"])


def test_every_confirmation_gives_a_reason_and_names_a_sentence_that_still_exists():
    confirmed = json.loads(comparatives.CONFIRMED.read_text(encoding="utf-8"))
    found = comparatives.report()
    for page, entries in confirmed.items():
        current = {key for key, _, _ in found.get(page, [])}
        for key, reason in entries.items():
            assert reason.strip(), f"{page} {key}: say why it holds for any run"
            assert key in current, f"{page} {key}: no such sentence any more; remove it"
