"""Datasets as in-memory tensors: MNIST, Fashion-MNIST, fixed binarized MNIST, Omniglot strokes
(files found and checked by :mod:`vaecore.data.sources`).

Images come back flattened and scaled: ``images: (n, 784)`` float32 in [0, 1]. Pen strokes come back
padded, with a mask (:func:`load_strokes`). Batching is done by indexing these tensors
(:mod:`vaecore.data.batches`)."""

from __future__ import annotations

import gzip
import hashlib
import io
import warnings
import zipfile
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch

from vaecore import checks, files, settings
from vaecore.data.sources import ChecksumError, dataset_spec, locate

__all__ = [
    "parse_idx",
    "read_idx",
    "ImageSet",
    "load_images",
    "StrokeSet",
    "FLAT_STROKES",
    "FLAT_STROKES_SHA256",
    "STROKE_SPLITS",
    "load_strokes",
    "dequantize",
    "binarize",
]

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


@checks.arguments(limit=checks.optional(checks.COUNT))
def read_idx(path: Path, limit: int | None = None) -> np.ndarray:
    """The IDX file at ``path`` (gzip-compressed or not) as an array, only its first ``limit``
    items when given: it reads and decompresses no more of the file than those need, so a small
    ``limit`` costs little memory. The same checks as :func:`parse_idx`."""
    with open(path, "rb") as f:
        compressed = f.read(2) == b"\x1f\x8b"
    with gzip.open(path, "rb") if compressed else open(path, "rb") as f:
        head = f.read(4)
        if len(head) < 4 or head[:2] != b"\x00\x00" or head[2] not in _IDX_DTYPES:
            raise ValueError(f"{path}: not an IDX file: header bytes {head.hex() or '(empty)'}")
        dtype, ndim = np.dtype(_IDX_DTYPES[head[2]]), head[3]
        sizes = f.read(4 * ndim)
        if len(sizes) < 4 * ndim:
            raise ValueError(f"{path}: IDX header promises {ndim} dimensions but the file ends")
        shape = tuple(int(n) for n in np.frombuffer(sizes, ">u4"))
        n = shape[0] if limit is None else min(limit, shape[0])
        row = int(np.prod(shape[1:])) * dtype.itemsize
        data = f.read(n * row)
        if len(data) != n * row or (n == shape[0] and f.read(1)):
            raise ValueError(
                f"{path}: IDX data of shape {shape} does not match the file's length: the file is "
                "truncated or corrupt"
            )
    array = np.frombuffer(data, dtype).reshape((n, *shape[1:]))
    return array.astype(dtype.newbyteorder("="))


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


@checks.arguments(limit=checks.optional(checks.COUNT))
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
    paths = locate(dataset, split, progress=progress)
    if dataset == "binarized-mnist":
        images = _read_binarized_mat(paths[0])[:limit].astype(np.float32)
        return ImageSet(torch.from_numpy(images), None, spec.classes)
    pixels, labels = (read_idx(p, limit) for p in paths)  # only the first `limit` of each
    if pixels.ndim != 3 or pixels.shape[1:] != (28, 28) or labels.shape != pixels.shape[:1]:
        raise ValueError(
            f"{dataset}/{split}: images {pixels.shape} and labels {labels.shape} "
            "do not form a set of 28x28 images"
        )
    images = pixels.reshape(-1, 784).astype(np.float32) / 255.0
    return ImageSet(
        torch.from_numpy(images), torch.from_numpy(labels.astype(np.int64)), spec.classes
    )


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

    def __post_init__(self) -> None:
        checks.fields(self, scale=checks.POSITIVE)

    def __len__(self) -> int:
        return self.strokes.shape[0]


#: The pickle-free copy of ``omniglot.npz`` that :func:`load_strokes` reads: for each split
#: ``s``, ``s_strokes`` (int16, ``(points, 3)``, the sequences one after another) and
#: ``s_offsets`` (int64, ``(sequences + 1,)``; sequence ``i`` is ``strokes[o[i]:o[i + 1]]``).
FLAT_STROKES = "omniglot_strokes_flat.npz"
#: The SHA-256 of the flat arrays' bytes (little-endian; train, valid, test; strokes, offsets):
#: whichever copy is read, the data folder's or the cache's, it holds exactly these numbers.
FLAT_STROKES_SHA256 = "d4d6e29dd87b52b7f756dcaa040c775de73c98d24c93fab83fc4af38904124f4"
STROKE_SPLITS = ("train", "valid", "test")


def _flat_digest(arrays: dict[str, np.ndarray]) -> str:
    h = hashlib.sha256()
    for split in STROKE_SPLITS:
        h.update(np.ascontiguousarray(arrays[f"{split}_strokes"], dtype="<i2").tobytes())
        h.update(np.ascontiguousarray(arrays[f"{split}_offsets"], dtype="<i8").tobytes())
    return h.hexdigest()


def _read_flat(path: Path) -> dict[str, np.ndarray] | None:
    """The arrays of a flat copy, or None (with a warning) when it is unreadable or holds other
    numbers. ``np.load`` without ``allow_pickle`` runs no code, whatever the file holds."""
    try:
        with np.load(path) as npz:
            arrays = {
                f"{s}_{part}": npz[f"{s}_{part}"]
                for s in STROKE_SPLITS
                for part in ("strokes", "offsets")
            }
        if _flat_digest(arrays) == FLAT_STROKES_SHA256:
            return arrays
        why = "it holds other numbers"
    except (OSError, ValueError, KeyError, zipfile.BadZipFile) as err:
        why = f"it cannot be read ({err})"
    warnings.warn(f"{path} is not used: {why}; delete it, and it is made again", stacklevel=3)
    return None


def _flat_strokes(progress: bool | None) -> dict[str, np.ndarray]:
    """The strokes as flat arrays: from a flat copy (the data folder's, else the cache's), or
    converted once from the published ``omniglot.npz`` and kept in the cache."""
    folder = dataset_spec("omniglot-strokes", "train").folder
    homes = [settings.data_dir(), settings.cache_dir()]
    for copy in [home / folder / FLAT_STROKES for home in homes if home is not None]:
        if copy.is_file() and (arrays := _read_flat(copy)) is not None:
            return arrays
    (path,) = locate("omniglot-strokes", "train", progress=progress)
    (published,) = dataset_spec("omniglot-strokes", "train").splits["train"]
    data = path.read_bytes()  # checked and parsed as one read: no file swapped in between
    if hashlib.sha256(data).hexdigest() != published.sha256:
        raise ChecksumError(f"{path} changed while it was read: load the strokes again")
    # Python 2 pickled it (object arrays): unpickling runs code only for these checked bytes.
    arrays = {}
    with np.load(io.BytesIO(data), allow_pickle=True, encoding="latin1") as npz:
        for split in STROKE_SPLITS:
            sequences = list(npz[split])
            for i, seq in enumerate(sequences):
                if seq.ndim != 2 or seq.shape[1] != 3 or len(seq) < 2:
                    raise ValueError(
                        f"{path}: {split} sequence {i} has shape {seq.shape}, not (T >= 2, 3)"
                    )
            arrays[f"{split}_strokes"] = np.concatenate(sequences).astype(np.int16)
            arrays[f"{split}_offsets"] = np.cumsum([0] + [len(q) for q in sequences])
    if _flat_digest(arrays) != FLAT_STROKES_SHA256:
        raise ChecksumError(f"{path}: its strokes are not the published ones")
    try:
        with files.atomic_file(settings.cache_dir() / folder / FLAT_STROKES) as f:
            np.savez(f, allow_pickle=False, **arrays)
    except OSError as err:  # the next load converts again; nothing is wrong with the data
        warnings.warn(f"could not keep the converted strokes in the cache ({err})", stacklevel=3)
    return arrays


def _raw_strokes(split: str, progress: bool | None) -> list[np.ndarray]:
    arrays = _flat_strokes(progress)
    strokes, offsets = arrays[f"{split}_strokes"], arrays[f"{split}_offsets"]
    return [strokes[offsets[i] : offsets[i + 1]] for i in range(len(offsets) - 1)]


@checks.arguments(limit=checks.optional(checks.COUNT))
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


@checks.arguments(scale=checks.POSITIVE)
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
