"""What each chapter concludes from its results: its tables and verdicts, one module per chapter.

Every order between two models is decided by :func:`vaecore.book.verdicts.decide` (or
:func:`~vaecore.book.verdicts.rank`, the same rule over several), and every sentence and table is
made of :class:`~vaecore.book.messages.Message` s, so that each edition prints it in its own
words around the same numbers. A chapter shows a table or a verdict with one call; the recipes
that produce the results live in ``vaecore.experiments``.

A message's template is always a literal in the code, so that the catalogs can list every one
without running anything. Names that come from the data (a model's label in a result file, a
benchmark, a published row) are :func:`label` s, and must be among
:data:`vaecore.book.findings.labels.LABELS`, which is gathered from where those names are
defined; the Chinese build warns (and the strict build of CI fails) on a name it cannot
translate."""

from __future__ import annotations

from typing import Any, Callable, Sequence

from vaecore.book.messages import Message

__all__ = ["label", "row_label", "by_seed"]


def label(name: str) -> Message:
    """``name``, a name from the data, as a message (translated like any other: it must be
    among :data:`vaecore.book.findings.labels.LABELS`, which the catalogs list)."""
    return Message(name)


def row_label(model: str, samples: str) -> Message:
    """The label of a set of samples: the model's name, and which samples unless they are a
    GAN's ``G(z)``."""
    if samples == "G(z)":
        return label(model)
    return Message("{model}, {samples}", {"model": label(model), "samples": label(samples)})


def by_seed(runs: Sequence[Sequence[Any]], key: Callable[[Any], str]) -> dict[str, list[Any]]:
    """``{key(row): [its row on each seed]}`` of a result's runs (one list of rows per seed),
    after checking that every seed has the same rows in the same order."""
    names = [key(row) for row in runs[0]]
    if any([key(row) for row in run] != names for run in runs):
        raise ValueError("every seed must have the same models in the same order")
    return {name: [run[i] for run in runs] for i, name in enumerate(names)}
