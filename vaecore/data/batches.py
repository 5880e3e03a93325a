"""Batches as index tensors: a shuffled pass over a data set, or batches of sequences of
similar length. Indexing in-memory tensors is much faster on a CPU than a per-item
``DataLoader``."""

from __future__ import annotations

from typing import Iterator

import torch

from vaecore import checks

__all__ = ["batch_indices", "length_batches"]


@checks.arguments(n=checks.whole(0), batch_size=checks.COUNT)
def batch_indices(
    n: int, batch_size: int, shuffle: bool = True, generator: torch.Generator | None = None
) -> Iterator[torch.Tensor]:
    """Index tensors that cover ``range(n)`` exactly once, in batches of ``batch_size``.

    The last batch is smaller when ``batch_size`` does not divide ``n``.
    """
    if n == 0:
        return  # no batch at all (splitting an empty tensor would give one empty batch)
    order = torch.randperm(n, generator=generator) if shuffle else torch.arange(n)
    yield from order.split(batch_size)


@checks.arguments(batch_size=checks.COUNT)
def length_batches(
    lengths: torch.Tensor,
    batch_size: int,
    shuffle: bool = True,
    generator: torch.Generator | None = None,
) -> Iterator[torch.Tensor]:
    """Like :func:`batch_indices`, but each batch holds sequences of similar length.

    ``lengths: (n,)``. The examples are put in a random order, sorted by length (ties keep the
    random order), cut into batches of ``batch_size``, and the batches are visited in a random
    order: every example exactly once, with little padding, so a batch can be cut to its own longest
    sequence."""
    n = len(lengths)
    if n == 0:
        raise ValueError("need at least one sequence length, got none")
    order = torch.randperm(n, generator=generator) if shuffle else torch.arange(n)
    order = order[torch.sort(lengths[order], stable=True).indices]
    batches = order.split(batch_size)
    visit = (
        torch.randperm(len(batches), generator=generator) if shuffle else torch.arange(len(batches))
    )
    for b in visit.tolist():
        yield batches[b]
