"""Datasets as in-memory tensors: MNIST, Fashion-MNIST, fixed binarized MNIST, Omniglot strokes
(files found and checked by :mod:`vaecore.data.sources`).

Images come back flattened and scaled: ``images: (n, 784)`` float32 in [0, 1]. Pen strokes come back
padded, with a mask (:func:`load_strokes`). Batching is done by indexing these tensors
(:mod:`vaecore.data.batches`)."""

from __future__ import annotations

import gzip
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch

from vaecore.data.sources import dataset_spec, locate

_IDX_DTYPES = {0x08: ">u1", 0x09: ">i1", 0x0B: ">i2", 0x0C: ">i4", 0x0D: ">f4", 0x0E: ">f8"}


def parse_idx(raw: bytes) -> np.ndarray:
    """Parse the bytes of an IDX file (gzip-compressed or not) into an array.

    The IDX format (LeCun et al.): two zero bytes, a type code, the number of dimensions ``d``,
    ``d`` big-endian uint32 sizes, then the values in C order."""
    if raw[:2] == b"\x1f\x8b":
        raw = gzip.decompress(raw)
    if len(raw) < 4 or raw[:2] != b"\x00\x00" or raw[2] not in _IDX_DTYPES:
        raise ValueError(f"not an IDX file: header bytes {raw[:4].hex() or '(empty)'}")
    dtype, ndim = np.dtype(_IDX_DTYPES[raw[2]]), raw[3]
    header = 4 + 4 * ndim
    if len(raw) < header:
        raise ValueError(f"IDX header promises {ndim} dimensions but the file ends first")
    shape = tuple(int(s) for s in np.frombuffer(raw, ">u4", count=ndim, offset=4))
    expected = int(np.prod(shape)) * dtype.itemsize
    if len(raw) - header != expected:
        raise ValueError(
            f"IDX data of shape {shape} needs {expected} bytes, found {len(raw) - header}: "
            "the file is truncated or corrupt"
        )
    return np.frombuffer(raw, dtype, offset=header).reshape(shape).astype(dtype.newbyteorder("="))


def _read_binarized_mat(path: Path) -> np.ndarray:
    from scipy.io import loadmat  # scipy comes with scikit-learn; imported only when needed

    x = loadmat(str(path))["X"]
    if x.ndim != 2 or x.shape[1] != 784 or not np.isin(x, (0, 1)).all():
        raise ValueError(f"{path}: expected a 0/1 matrix of shape (n, 784), got {x.shape}")
    return x.astype(np.uint8)


@dataclass
class ImageSet:
    """Images in memory.

    ``images: (n, 784)`` float32 in [0, 1]; ``labels: (n,)`` int64, or None (binarized MNIST).
    """

    images: torch.Tensor
    labels: torch.Tensor | None
    classes: tuple[str, ...] | None

    def __len__(self) -> int:
        return self.images.shape[0]


def load_images(
    dataset: str, split: str = "train", limit: int | None = None, progress: bool | None = None
) -> ImageSet:
    """Load ``split`` of ``dataset`` (see :data:`vaecore.data.sources.DATASETS`), optionally only
    its first ``limit`` images.

    MNIST and Fashion-MNIST have splits ``train`` (60,000) and ``test`` (10,000); binarized
    MNIST has ``train`` (50,000), ``valid`` (10,000) and ``test`` (10,000).
    """
    spec = dataset_spec(dataset, split)
    if spec.name == "omniglot-strokes":
        raise ValueError("omniglot-strokes holds pen strokes, not images: use load_strokes(split)")
    _check_limit(limit)
    paths = locate(dataset, split, progress=progress)
    if dataset == "binarized-mnist":
        images = _read_binarized_mat(paths[0])[:limit].astype(np.float32)
        return ImageSet(torch.from_numpy(images), None, spec.classes)
    pixels, labels = (parse_idx(p.read_bytes()) for p in paths)
    if pixels.ndim != 3 or pixels.shape[1:] != (28, 28) or labels.shape != pixels.shape[:1]:
        raise ValueError(
            f"{dataset}/{split}: images {pixels.shape} and labels {labels.shape} "
            "do not form a set of 28x28 images"
        )
    images = pixels[:limit].reshape(-1, 784).astype(np.float32) / 255.0
    return ImageSet(
        torch.from_numpy(images), torch.from_numpy(labels[:limit].astype(np.int64)), spec.classes
    )


def _check_limit(limit: int | None) -> None:
    if limit is not None and (isinstance(limit, bool) or not isinstance(limit, int) or limit <= 0):
        raise ValueError(f"limit must be a positive integer or None, got {limit!r}")


@dataclass
class StrokeSet:
    """Pen trajectories in stroke-3 format, padded to one length, in memory.

    ``strokes: (n, T, 3)`` float32: per step the pen's offset ``(dx, dy)`` from the previous
    point, divided by ``scale``, and ``pen`` (1: the pen is lifted after this point, 0: it stays
    down). Steps past a sequence's end are zeros. ``mask: (n, T)`` float32, 1 on real steps;
    ``lengths: (n,)`` int64. ``scale`` is the standard deviation of the training offsets in the
    original integer units, so ``strokes[..., :2] * scale`` gives them back exactly.
    """

    strokes: torch.Tensor
    mask: torch.Tensor
    lengths: torch.Tensor
    scale: float

    def __len__(self) -> int:
        return self.strokes.shape[0]


def _raw_strokes(split: str, progress: bool | None) -> list[np.ndarray]:
    (path,) = locate("omniglot-strokes", split, progress=progress)
    # The file was pickled by Python 2 (object arrays). Unpickling runs code only for a file
    # we have just checked against its published SHA-256, so these bytes are the known ones.
    with np.load(path, allow_pickle=True, encoding="latin1") as npz:
        sequences = list(npz[split])
    for i, seq in enumerate(sequences):
        if seq.ndim != 2 or seq.shape[1] != 3 or len(seq) < 2:
            raise ValueError(f"{path}: {split} sequence {i} has shape {seq.shape}, not (T >= 2, 3)")
    return sequences


def load_strokes(
    split: str = "train", limit: int | None = None, progress: bool | None = None
) -> StrokeSet:
    """Load a split of the Omniglot pen strokes (train 30,000, valid 1,000, test 1,000 sequences).

    Each sequence of the file starts with the same ``(0, 0, 0)`` row, which carries no
    information and is dropped, leaving 1 to 156 steps. Offsets are divided by the standard
    deviation of all training offsets (dx and dy together, as sketch-rnn does), whatever the
    split, so every split is on the training scale. ``limit`` keeps the first ``limit`` sequences.
    """
    dataset_spec("omniglot-strokes", split)
    _check_limit(limit)
    train = _raw_strokes("train", progress)
    scale = float(np.concatenate([s[1:, :2] for s in train]).astype(np.float64).std())
    sequences = [s[1:] for s in (train if split == "train" else _raw_strokes(split, progress))][
        :limit
    ]
    lengths = torch.tensor([len(s) for s in sequences])
    strokes = torch.zeros(len(sequences), int(lengths.max()), 3)
    for i, seq in enumerate(sequences):
        strokes[i, : len(seq)] = torch.from_numpy(seq.astype(np.float32))
    strokes[..., :2] /= scale
    mask = (torch.arange(strokes.shape[1]) < lengths[:, None]).float()
    return StrokeSet(strokes, mask, lengths, scale)


def dequantize(
    strokes: torch.Tensor, scale: float, generator: torch.Generator | None = None
) -> torch.Tensor:
    """Spread each integer offset uniformly over its unit cell: ``dx + u``, ``u ~ U(-1/2, 1/2)``.

    ``strokes: (..., 3)`` (offsets divided by ``scale``) -> same shape; the pen column is unchanged.
    A density ``p`` fitted to dequantized offsets bounds the probability of the integer data: ``log
    P(dx, dy) >= E_u[log p(dx + u, dy + u')]`` (Theis et al. 2016), in the original units. Without
    it a density can grow without limit on the 25% of offsets that are exactly 0."""
    noise = (torch.rand(strokes.shape[:-1] + (2,), generator=generator) - 0.5) / scale
    return torch.cat([strokes[..., :2] + noise.to(strokes.device), strokes[..., 2:]], dim=-1)


def binarize(images: torch.Tensor, generator: torch.Generator | None = None) -> torch.Tensor:
    """Dynamic binarization: each pixel becomes 1 with probability equal to its intensity.

    ``images: (..., 784)`` in [0, 1] -> same shape, values in {0., 1.}. Drawn afresh on every call,
    so each epoch sees a new binary sample of every image."""
    if images.numel() and (images.min() < 0 or images.max() > 1):
        raise ValueError("binarize needs intensities in [0, 1]")
    return torch.bernoulli(images, generator=generator)
