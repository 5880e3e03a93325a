"""Datasets as in-memory tensors: MNIST, Fashion-MNIST, fixed binarized MNIST, Omniglot strokes.

Every file is found in this order, and checked against its SHA-256 before use:

1. ``$VAECORE_DATA_DIR/<dataset>/<file>`` (a local copy, e.g. ``shared/data``; read only);
2. ``<cache>/<dataset>/<file>`` (see :func:`vaecore.settings.cache_dir`);
3. downloaded into the cache from the first mirror that serves the right bytes. The download
   goes to a temporary file in the same directory and is renamed only once its checksum is
   right, so no half file is ever left under the final name.

When a file can be found nowhere, :class:`DataNotFoundError` says which files are missing,
where they were looked for, what each mirror answered, and how to provide them.

Images come back flattened and scaled: ``images: (n, 784)`` float32 in [0, 1]. Pen strokes come
back padded, with a mask (:func:`load_strokes`). Batching is done by indexing these tensors
(:func:`batch_indices`, or :func:`length_batches` for sequences), much faster on a CPU than a
per-item ``DataLoader``.
"""

from __future__ import annotations

import gzip
import hashlib
import http.client
import os
import tempfile
import urllib.request
from dataclasses import dataclass
from pathlib import Path
from typing import Iterator

import numpy as np
import torch
from tqdm.auto import tqdm

from vaecore import settings


class DataNotFoundError(FileNotFoundError):
    """A dataset file is in none of the places looked at and could not be downloaded."""


class ChecksumError(ValueError):
    """A file's SHA-256 is not the published one."""


@dataclass(frozen=True)
class RemoteFile:
    """One dataset file: its name, published size and SHA-256, and mirrors serving it."""

    name: str
    size: int
    sha256: str
    urls: tuple[str, ...]


@dataclass(frozen=True)
class DatasetSpec:
    """A dataset: the folder its files live in, and the files each split needs."""

    name: str
    folder: str
    splits: dict[str, tuple[RemoteFile, ...]]
    classes: tuple[str, ...] | None


_MNIST_MIRRORS = (
    "https://ossci-datasets.s3.amazonaws.com/mnist/",
    "https://storage.googleapis.com/cvdf-datasets/mnist/",
)
_FASHION_MIRRORS = (
    "http://fashion-mnist.s3-website.eu-central-1.amazonaws.com/",
    "https://raw.githubusercontent.com/zalandoresearch/fashion-mnist/"
    "b2617bb6d3ffa2e429640350f613e3291e10b141/data/fashion/",
)
# The fixed binarization as MATLAB files, from a commit-pinned repository (see shared/data/README).
_BINARIZED_COMMIT = "9b5f74da4e4009c5556e8d7a87c88c8e291c253d"
_BINARIZED_MIRRORS = (
    f"https://raw.githubusercontent.com/mingzhang-yin/ARM-gradient/{_BINARIZED_COMMIT}/",
    f"https://cdn.jsdelivr.net/gh/mingzhang-yin/ARM-gradient@{_BINARIZED_COMMIT}/",
)
# The stroke-3 Omniglot of sketch-rnn (Ha & Eck 2017), from a commit-pinned repository.
_STROKES_COMMIT = "7c854dee76090aa18c321c7af2cede815bbd475e"
_STROKES = RemoteFile(
    "omniglot.npz", 2280239, "bd5277621a8c577919491dfa729a59a8b5c216cff9e4fda9cef532db29f120c7",
    (f"https://raw.githubusercontent.com/hardmaru/sketch-rnn-datasets/{_STROKES_COMMIT}/omniglot/omniglot.npz",
     f"https://cdn.jsdelivr.net/gh/hardmaru/sketch-rnn-datasets@{_STROKES_COMMIT}/omniglot/omniglot.npz"),
)


def _idx_files(mirrors: tuple[str, ...], table: dict[str, tuple[int, str]]) -> dict[str, RemoteFile]:
    return {
        name: RemoteFile(name, size, sha, tuple(m + name for m in mirrors))
        for name, (size, sha) in table.items()
    }


_MNIST = _idx_files(_MNIST_MIRRORS, {
    "train-images-idx3-ubyte.gz": (9912422, "440fcabf73cc546fa21475e81ea370265605f56be210a4024d2ca8f203523609"),
    "train-labels-idx1-ubyte.gz": (28881, "3552534a0a558bbed6aed32b30c495cca23d567ec52cac8be1a0730e8010255c"),
    "t10k-images-idx3-ubyte.gz": (1648877, "8d422c7b0a1c1c79245a5bcf07fe86e33eeafee792b84584aec276f5a2dbc4e6"),
    "t10k-labels-idx1-ubyte.gz": (4542, "f7ae60f92e00ec6debd23a6088c31dbd2371eca3ffa0defaefb259924204aec6"),
})
_FASHION = _idx_files(_FASHION_MIRRORS, {
    "train-images-idx3-ubyte.gz": (26421880, "3aede38d61863908ad78613f6a32ed271626dd12800ba2636569512369268a84"),
    "train-labels-idx1-ubyte.gz": (29515, "a04f17134ac03560a47e3764e11b92fc97de4d1bfaf8ba1a3aa29af54cc90845"),
    "t10k-images-idx3-ubyte.gz": (4422102, "346e55b948d973a97e58d2351dde16a484bd415d4595297633bb08f03db6a073"),
    "t10k-labels-idx1-ubyte.gz": (5148, "67da17c76eaffca5446c3361aaab5c3cd6d1c2608764d35dfb1850b086bf8dd5"),
})
# Saved locally as .mat (what they are); the mirrors call them .amat.
_BINARIZED = {
    split: RemoteFile(
        f"binarized_mnist_{split}.mat", size, sha,
        tuple(f"{m}binarized_mnist_{split}.amat" for m in _BINARIZED_MIRRORS),
    )
    for split, (size, sha) in {
        "train": (2852060, "79a0312c7389d855cfc97e3812de3998417c5829d8a51543b56a90a91252ae7e"),
        "valid": (571883, "7436afc856959075c7787025bb8a4ba2b520b9230ee39667c66aa7dd2819dd68"),
        "test": (490132, "5bc30222e1e7896cbccd1e1db6b28540cc1230f4d2d5473841a5f6cc54be8d38"),
    }.items()
}


def _idx_splits(files: dict[str, RemoteFile]) -> dict[str, tuple[RemoteFile, ...]]:
    return {
        split: (files[f"{prefix}-images-idx3-ubyte.gz"], files[f"{prefix}-labels-idx1-ubyte.gz"])
        for split, prefix in (("train", "train"), ("test", "t10k"))
    }


#: Every dataset vaecore knows, by name, with its folder, its files per split and their mirrors.
DATASETS: dict[str, DatasetSpec] = {
    "mnist": DatasetSpec("mnist", "mnist", _idx_splits(_MNIST), tuple(str(d) for d in range(10))),
    "fashion-mnist": DatasetSpec(
        "fashion-mnist", "fashion-mnist", _idx_splits(_FASHION),
        ("T-shirt/top", "Trouser", "Pullover", "Dress", "Coat",
         "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot"),
    ),
    "binarized-mnist": DatasetSpec(
        "binarized-mnist", "binarized-mnist", {s: (f,) for s, f in _BINARIZED.items()}, None
    ),
    # One file holds all three splits; the loader is load_strokes, not load.
    "omniglot-strokes": DatasetSpec(
        "omniglot-strokes", "omniglot-strokes", {s: (_STROKES,) for s in ("train", "valid", "test")},
        None,
    ),
}


# --------------------------------------------------------------------------------------------
# Parsing


_IDX_DTYPES = {0x08: ">u1", 0x09: ">i1", 0x0B: ">i2", 0x0C: ">i4", 0x0D: ">f4", 0x0E: ">f8"}


def parse_idx(raw: bytes) -> np.ndarray:
    """Parse the bytes of an IDX file (gzip-compressed or not) into an array.

    The IDX format (LeCun et al.): two zero bytes, a type code, the number of dimensions ``d``,
    ``d`` big-endian uint32 sizes, then the values in C order.
    """
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


# --------------------------------------------------------------------------------------------
# Finding and downloading files


def sha256_of(path: Path) -> str:
    """Hex SHA-256 of a file, read in 1 MiB blocks."""
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def _check(path: Path, file: RemoteFile) -> None:
    digest = sha256_of(path)
    if digest != file.sha256:
        raise ChecksumError(
            f"{path} has SHA-256 {digest}, but {file.name} should have {file.sha256}; "
            "the file is corrupt or a different file: delete or replace it"
        )


def _temporary_beside(dest: Path) -> tuple[int, Path]:
    """A new temporary file in ``dest``'s folder (created if needed), or a clear error."""
    try:
        dest.parent.mkdir(parents=True, exist_ok=True)
        fd, name = tempfile.mkstemp(dir=dest.parent, prefix=f".{dest.name}.", suffix=".part")
    except OSError as err:
        raise OSError(f"cannot write to the cache directory {dest.parent} ({err}); set "
                      f"{settings.CACHE_DIR_ENV} to a writable folder") from err
    return fd, Path(name)


def download(file: RemoteFile, dest: Path, progress: bool | None = None,
             timeout: float = 30.0) -> None:
    """Download ``file`` to ``dest`` from the first mirror whose bytes have the right SHA-256.

    Bytes go to a temporary file beside ``dest`` that is renamed to ``dest`` only after the
    checksum matches, so ``dest`` is either absent or complete. Raises :class:`OSError`
    listing every mirror's failure when none works.
    """
    failures = []
    for url in file.urls:
        fd, tmp = _temporary_beside(dest)
        try:
            h = hashlib.sha256()
            received = 0
            with os.fdopen(fd, "wb") as out, urllib.request.urlopen(url, timeout=timeout) as resp:
                with tqdm(total=file.size, unit="B", unit_scale=True, desc=file.name,
                          disable=not settings.show_progress(progress), leave=False) as bar:
                    for block in iter(lambda: resp.read(1 << 16), b""):
                        out.write(block)
                        h.update(block)
                        received += len(block)
                        bar.update(len(block))
                out.flush()
                os.fsync(out.fileno())
            if received != file.size:
                raise ChecksumError(f"got {received:,} of {file.size:,} bytes (the transfer broke "
                                    "off, or this is another file)")
            if h.hexdigest() != file.sha256:
                raise ChecksumError(f"wrong SHA-256 {h.hexdigest()} (an error page or another file)")
            os.replace(tmp, dest)
            return
        # URLError and HTTPError are OSErrors; a connection that drops mid-response can also
        # raise http.client's own exceptions (IncompleteRead, BadStatusLine).
        except (OSError, ChecksumError, http.client.HTTPException) as err:
            failures.append(f"{url}: {err}")
        finally:
            tmp.unlink(missing_ok=True)
    raise OSError("no mirror gave a good copy:\n    " + "\n    ".join(failures))


def locate(dataset: str, split: str, progress: bool | None = None) -> tuple[Path, ...]:
    """Paths of the checked files of ``dataset``'s ``split``, downloading what is missing.

    Raises :class:`DataNotFoundError` naming every missing file, the places looked at and
    the download failures; :class:`ChecksumError` when a local copy is corrupt.
    """
    spec = _spec(dataset, split)
    local, cache = settings.data_dir(), settings.cache_dir()
    paths, missing = [], []
    for file in spec.splits[split]:
        candidates = ([local / spec.folder / file.name] if local else []) + [
            cache / spec.folder / file.name
        ]
        found = next((p for p in candidates if p.is_file()), None)
        if found is not None:
            _check(found, file)
            paths.append(found)
            continue
        try:
            download(file, candidates[-1], progress=progress)
            paths.append(candidates[-1])
        except OSError as err:
            missing.append((file, candidates, err))
    if missing:
        raise DataNotFoundError(_missing_message(spec, missing))
    return tuple(paths)


def _missing_message(spec: DatasetSpec, missing: list) -> str:
    lines = [f"{len(missing)} file(s) of the {spec.name!r} dataset are missing."]
    for file, candidates, err in missing:
        lines.append(f"  {file.name} (SHA-256 {file.sha256})")
        lines += [f"    not found at {p}" for p in candidates]
        lines.append("    download failed: " + str(err).replace("\n", "\n    "))
    lines.append(
        f"To provide them: set {settings.DATA_DIR_ENV} to a directory holding "
        f"{spec.folder}/<file> (for example the project's ../shared/data), or put the files in "
        f"{settings.cache_dir() / spec.folder}, or connect to the internet and try again."
    )
    return "\n".join(lines)


def _spec(dataset: str, split: str) -> DatasetSpec:
    if dataset not in DATASETS:
        raise ValueError(f"unknown dataset {dataset!r}; choose one of {sorted(DATASETS)}")
    spec = DATASETS[dataset]
    if split not in spec.splits:
        raise ValueError(f"{dataset!r} has no split {split!r}; choose one of {sorted(spec.splits)}")
    return spec


# --------------------------------------------------------------------------------------------
# The public loaders


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


def load(dataset: str, split: str = "train", limit: int | None = None,
         progress: bool | None = None) -> ImageSet:
    """Load ``split`` of ``dataset`` (see :data:`DATASETS`), optionally only its first ``limit`` images.

    MNIST and Fashion-MNIST have splits ``train`` (60,000) and ``test`` (10,000); binarized
    MNIST has ``train`` (50,000), ``valid`` (10,000) and ``test`` (10,000).
    """
    spec = _spec(dataset, split)
    if spec.name == "omniglot-strokes":
        raise ValueError("omniglot-strokes holds pen strokes, not images: use load_strokes(split)")
    _check_limit(limit)
    paths = locate(dataset, split, progress=progress)
    if dataset == "binarized-mnist":
        images = _read_binarized_mat(paths[0])[:limit].astype(np.float32)
        return ImageSet(torch.from_numpy(images), None, spec.classes)
    pixels, labels = (parse_idx(p.read_bytes()) for p in paths)
    if pixels.ndim != 3 or pixels.shape[1:] != (28, 28) or labels.shape != pixels.shape[:1]:
        raise ValueError(f"{dataset}/{split}: images {pixels.shape} and labels {labels.shape} "
                         "do not form a set of 28x28 images")
    images = pixels[:limit].reshape(-1, 784).astype(np.float32) / 255.0
    return ImageSet(torch.from_numpy(images), torch.from_numpy(labels[:limit].astype(np.int64)),
                    spec.classes)


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


def load_strokes(split: str = "train", limit: int | None = None,
                 progress: bool | None = None) -> StrokeSet:
    """Load a split of the Omniglot pen strokes (train 30,000, valid 1,000, test 1,000 sequences).

    Each sequence of the file starts with the same ``(0, 0, 0)`` row, which carries no
    information and is dropped, leaving 1 to 156 steps. Offsets are divided by the standard
    deviation of all training offsets (dx and dy together, as sketch-rnn does), whatever the
    split, so every split is on the training scale. ``limit`` keeps the first ``limit`` sequences.
    """
    _spec("omniglot-strokes", split)
    _check_limit(limit)
    train = _raw_strokes("train", progress)
    scale = float(np.concatenate([s[1:, :2] for s in train]).astype(np.float64).std())
    sequences = [s[1:] for s in (train if split == "train" else _raw_strokes(split, progress))][:limit]
    lengths = torch.tensor([len(s) for s in sequences])
    strokes = torch.zeros(len(sequences), int(lengths.max()), 3)
    for i, seq in enumerate(sequences):
        strokes[i, : len(seq)] = torch.from_numpy(seq.astype(np.float32))
    strokes[..., :2] /= scale
    mask = (torch.arange(strokes.shape[1]) < lengths[:, None]).float()
    return StrokeSet(strokes, mask, lengths, scale)


def dequantize(strokes: torch.Tensor, scale: float,
               generator: torch.Generator | None = None) -> torch.Tensor:
    """Spread each integer offset uniformly over its unit cell: ``dx + u``, ``u ~ U(-1/2, 1/2)``.

    ``strokes: (..., 3)`` (offsets divided by ``scale``) -> same shape; the pen column is
    unchanged. A density ``p`` fitted to dequantized offsets bounds the probability of the
    integer data: ``log P(dx, dy) >= E_u[log p(dx + u, dy + u')]`` (Theis et al. 2016), in the
    original units. Without it a density can grow without limit on the 25% of offsets that are
    exactly 0.
    """
    noise = (torch.rand(strokes.shape[:-1] + (2,), generator=generator) - 0.5) / scale
    return torch.cat([strokes[..., :2] + noise.to(strokes.device), strokes[..., 2:]], dim=-1)


def binarize(images: torch.Tensor, generator: torch.Generator | None = None) -> torch.Tensor:
    """Dynamic binarization: each pixel becomes 1 with probability equal to its intensity.

    ``images: (..., 784)`` in [0, 1] -> same shape, values in {0., 1.}. Drawn afresh on every
    call, so each epoch sees a new binary sample of every image.
    """
    if images.numel() and (images.min() < 0 or images.max() > 1):
        raise ValueError("binarize needs intensities in [0, 1]")
    return torch.bernoulli(images, generator=generator)


def batch_indices(n: int, batch_size: int, shuffle: bool = True,
                  generator: torch.Generator | None = None) -> Iterator[torch.Tensor]:
    """Index tensors that cover ``range(n)`` exactly once, in batches of ``batch_size``.

    The last batch is smaller when ``batch_size`` does not divide ``n``.
    """
    if n < 0 or batch_size <= 0:
        raise ValueError(f"need n >= 0 and batch_size > 0, got n={n}, batch_size={batch_size}")
    if n == 0:
        return  # no batch at all (splitting an empty tensor would give one empty batch)
    order = torch.randperm(n, generator=generator) if shuffle else torch.arange(n)
    yield from order.split(batch_size)


def length_batches(lengths: torch.Tensor, batch_size: int, shuffle: bool = True,
                   generator: torch.Generator | None = None) -> Iterator[torch.Tensor]:
    """Like :func:`batch_indices`, but each batch holds sequences of similar length.

    ``lengths: (n,)``. The examples are put in a random order, sorted by length (ties keep the
    random order), cut into batches of ``batch_size``, and the batches are visited in a random
    order: every example exactly once, with little padding, so a batch can be cut to its own
    longest sequence.
    """
    n = len(lengths)
    if n == 0 or batch_size <= 0:
        raise ValueError(f"need lengths and batch_size > 0, got {n} lengths, batch_size={batch_size}")
    order = torch.randperm(n, generator=generator) if shuffle else torch.arange(n)
    order = order[torch.sort(lengths[order], stable=True).indices]
    batches = order.split(batch_size)
    visit = torch.randperm(len(batches), generator=generator) if shuffle else torch.arange(len(batches))
    for b in visit.tolist():
        yield batches[b]
