"""Where the datasets' files come from: local copies, the cache and the mirrors, each file checked
against its SHA-256 before use.

Every file is found in this order:

1. ``$VAECORE_DATA_DIR/<dataset>/<file>`` (a local copy, e.g. ``shared/data``; read only);
2. ``<cache>/<dataset>/<file>`` (see :func:`vaecore.settings.cache_dir`);
3. downloaded into the cache from the first mirror that serves the right bytes. The download
   goes to a temporary file in the same directory and is renamed only once its checksum is
   right, so no half file is ever left under the final name.

A copy that is corrupt or cannot be read is reported (a warning names it and the fix) and the
next place is tried; a download that a killed process left behind (``.part``) is removed by
the next download of that file (:mod:`vaecore.files`); a cache that is full or cannot be
written stops the download at once, with a message that names it, rather than blaming the
mirrors; each mirror has an overall deadline as well as a per-read timeout, so a mirror that
trickles bytes cannot stall the download. Files are created with the permissions the umask
allows, so a cache can be shared between users.

When a file can be found nowhere, :class:`DataNotFoundError` says which files are missing,
where they were looked for, what each mirror answered, and how to provide them
(:class:`ChecksumError` when the only copies found are corrupt).

Longer than CONTRIBUTING's 350 lines: it is the one place that reaches the network: every dataset's
mirrors and checksums, the download, and the errors that say what to do, so that nothing else
downloads.
"""

from __future__ import annotations

import hashlib
import http.client
import time
import urllib.request
import warnings
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import BinaryIO

from tqdm.auto import tqdm

from vaecore import checks, files, settings

__all__ = [
    "DataNotFoundError",
    "ChecksumError",
    "RemoteFile",
    "DatasetSpec",
    "DATASETS",
    "sha256_of",
    "min_rate_deadline",
    "download",
    "locate",
    "fetch_all",
    "dataset_spec",
]


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

    def __post_init__(self) -> None:
        checks.fields(self, size=checks.COUNT)


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
    "omniglot.npz",
    2280239,
    "bd5277621a8c577919491dfa729a59a8b5c216cff9e4fda9cef532db29f120c7",
    (
        f"https://raw.githubusercontent.com/hardmaru/sketch-rnn-datasets/{_STROKES_COMMIT}/omniglot/omniglot.npz",
        f"https://cdn.jsdelivr.net/gh/hardmaru/sketch-rnn-datasets@{_STROKES_COMMIT}/omniglot/omniglot.npz",
    ),
)


def _idx_files(
    mirrors: tuple[str, ...], table: dict[str, tuple[int, str]]
) -> dict[str, RemoteFile]:
    return {
        name: RemoteFile(name, size, sha, tuple(m + name for m in mirrors))
        for name, (size, sha) in table.items()
    }


_MNIST = _idx_files(
    _MNIST_MIRRORS,
    {
        "train-images-idx3-ubyte.gz": (
            9912422,
            "440fcabf73cc546fa21475e81ea370265605f56be210a4024d2ca8f203523609",
        ),
        "train-labels-idx1-ubyte.gz": (
            28881,
            "3552534a0a558bbed6aed32b30c495cca23d567ec52cac8be1a0730e8010255c",
        ),
        "t10k-images-idx3-ubyte.gz": (
            1648877,
            "8d422c7b0a1c1c79245a5bcf07fe86e33eeafee792b84584aec276f5a2dbc4e6",
        ),
        "t10k-labels-idx1-ubyte.gz": (
            4542,
            "f7ae60f92e00ec6debd23a6088c31dbd2371eca3ffa0defaefb259924204aec6",
        ),
    },
)


_FASHION = _idx_files(
    _FASHION_MIRRORS,
    {
        "train-images-idx3-ubyte.gz": (
            26421880,
            "3aede38d61863908ad78613f6a32ed271626dd12800ba2636569512369268a84",
        ),
        "train-labels-idx1-ubyte.gz": (
            29515,
            "a04f17134ac03560a47e3764e11b92fc97de4d1bfaf8ba1a3aa29af54cc90845",
        ),
        "t10k-images-idx3-ubyte.gz": (
            4422102,
            "346e55b948d973a97e58d2351dde16a484bd415d4595297633bb08f03db6a073",
        ),
        "t10k-labels-idx1-ubyte.gz": (
            5148,
            "67da17c76eaffca5446c3361aaab5c3cd6d1c2608764d35dfb1850b086bf8dd5",
        ),
    },
)


# Saved locally as .mat (what they are); the mirrors call them .amat.
_BINARIZED = {
    split: RemoteFile(
        f"binarized_mnist_{split}.mat",
        size,
        sha,
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
        "fashion-mnist",
        "fashion-mnist",
        _idx_splits(_FASHION),
        (
            "T-shirt/top",
            "Trouser",
            "Pullover",
            "Dress",
            "Coat",
            "Sandal",
            "Shirt",
            "Sneaker",
            "Bag",
            "Ankle boot",
        ),
    ),
    "binarized-mnist": DatasetSpec(
        "binarized-mnist", "binarized-mnist", {s: (f,) for s, f in _BINARIZED.items()}, None
    ),
    # One file holds all three splits; the loader is load_strokes, not load.
    "omniglot-strokes": DatasetSpec(
        "omniglot-strokes",
        "omniglot-strokes",
        {s: (_STROKES,) for s in ("train", "valid", "test")},
        None,
    ),
}


def sha256_of(path: Path) -> str:
    """Hex SHA-256 of a file, read in 1 MiB blocks."""
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def _check(path: Path, file: RemoteFile) -> None:
    try:
        digest = sha256_of(path)
    except OSError as err:
        raise OSError(
            f"cannot read {path} ({err.strerror or err}); make it readable to you (e.g. "
            f"chmod a+r), or set {settings.CACHE_DIR_ENV} to a folder of your own"
        ) from err
    if digest != file.sha256:
        raise ChecksumError(
            f"{path} has SHA-256 {digest}, but {file.name} should have {file.sha256}; "
            "the file is corrupt or a different file: delete or replace it"
        )


def _write(out: BinaryIO, block: bytes, dest: Path) -> None:
    """Write a downloaded block; a local failure (a full disk) is a :class:`~vaecore.files.
    WriteError` that names the cache, not a fault of the mirror."""
    try:
        out.write(block)
    except OSError as err:
        raise files.WriteError(
            err.errno, f"cannot write {dest.name} in {dest.parent} ({err.strerror or err})"
        ) from err


@checks.arguments(timeout=checks.POSITIVE)
def min_rate_deadline(file: RemoteFile, timeout: float) -> float:
    """Seconds a mirror gets for ``file`` in all: the per-read ``timeout`` plus the time the
    file takes at 20 kB/s; a slower mirror is given up for the next one."""
    return timeout + file.size / 20_000


@checks.arguments(timeout=checks.POSITIVE, deadline=checks.optional(checks.POSITIVE))
def download(
    file: RemoteFile,
    dest: Path,
    progress: bool | None = None,
    timeout: float = 30.0,
    deadline: float | None = None,
) -> None:
    """Download ``file`` to ``dest`` from the first mirror whose bytes have the right SHA-256.

    Bytes go to a temporary file beside ``dest`` that is renamed to ``dest`` only after the checksum
    matches, so ``dest`` is either absent or complete. Each read waits at most ``timeout``
    seconds and each mirror gets ``deadline`` seconds in all (default
    :func:`min_rate_deadline`). Raises :class:`OSError` listing every mirror's failure when none
    works."""
    deadline = min_rate_deadline(file, timeout) if deadline is None else deadline
    failures = []
    for url in file.urls:
        give_up = time.monotonic() + deadline
        try:
            h = hashlib.sha256()
            received = 0
            # the temporary replaces dest only if the block ends without an error
            with (
                files.atomic_file(dest, suffix=".part") as out,
                urllib.request.urlopen(url, timeout=timeout) as resp,
                tqdm(
                    total=file.size,
                    unit="B",
                    unit_scale=True,
                    desc=file.name,
                    disable=not settings.show_progress(progress),
                    leave=False,
                ) as bar,
            ):
                # read1: what has arrived (up to 64 KiB), so a trickle meets the deadline
                read = partial(getattr(resp, "read1", resp.read), 1 << 16)
                for block in iter(read, b""):
                    if time.monotonic() > give_up:
                        raise TimeoutError(
                            f"gave up after {deadline:.0f} s with {received:,} of "
                            f"{file.size:,} bytes (this mirror is too slow)"
                        )
                    _write(out, block, dest)
                    h.update(block)
                    received += len(block)
                    bar.update(len(block))
                if received != file.size:
                    raise ChecksumError(
                        f"got {received:,} of {file.size:,} bytes (the transfer broke "
                        "off, or this is another file)"
                    )
                if h.hexdigest() != file.sha256:
                    raise ChecksumError(
                        f"wrong SHA-256 {h.hexdigest()} (an error page or another file)"
                    )
            return
        except files.WriteError as err:  # here, not the mirror: another mirror cannot help
            raise files.WriteError(
                err.errno,
                f"{err.strerror}; set {settings.CACHE_DIR_ENV} to a folder with room that you "
                "can write to",
            ) from err
        # URLError and HTTPError are OSErrors; a connection that drops mid-response can also
        # raise http.client's own exceptions (IncompleteRead, BadStatusLine).
        except (OSError, ChecksumError, http.client.HTTPException) as err:
            failures.append(f"{url}: {err}")
    raise OSError("no mirror gave a good copy:\n    " + "\n    ".join(failures))


def locate(dataset: str, split: str, progress: bool | None = None) -> tuple[Path, ...]:
    """Paths of the checked files of ``dataset``'s ``split``, downloading what is missing.

    Raises :class:`DataNotFoundError` naming every missing file, the places looked at and
    the download failures; :class:`ChecksumError` when a local copy is corrupt.
    """
    spec = dataset_spec(dataset, split)
    local, cache = settings.data_dir(), settings.cache_dir()
    paths, missing = [], []
    for file in spec.splits[split]:
        candidates = ([local / spec.folder / file.name] if local else []) + [
            cache / spec.folder / file.name
        ]
        found, bad = _first_good_copy(candidates, file)
        if found is not None:
            paths.append(found)
            continue
        try:
            download(file, candidates[-1], progress=progress)
            paths.append(candidates[-1])
        except files.WriteError:
            raise  # a full or unwritable cache: the mirrors are not to blame
        except OSError as err:
            if bad:  # only corrupt or unreadable copies, and no download: say what they are
                raise ChecksumError("\n".join([*bad, f"and the download failed: {err}"])) from err
            missing.append((file, candidates, err))
    if missing:
        raise DataNotFoundError(_missing_message(spec, missing))
    return tuple(paths)


def fetch_all(progress: bool | None = None) -> list[Path]:
    """Every file of every dataset (:data:`DATASETS`), checked, downloading what is missing.

    For an image built once and opened many times: Binder's ``postBuild`` runs
    ``python -m vaecore.data.sources``, so that no session downloads the data again.
    """
    return [
        path
        for name, spec in DATASETS.items()
        for split in spec.splits
        for path in locate(name, split, progress)
    ]


def _first_good_copy(candidates: list[Path], file: RemoteFile) -> tuple[Path | None, list[str]]:
    """The first candidate whose bytes check out, and what was wrong with each one before it
    (each also given as a warning, since the next place is used instead)."""
    bad: list[str] = []
    for path in candidates:
        if not path.is_file():
            continue
        try:
            _check(path, file)
            return path, bad
        except (OSError, ChecksumError) as err:
            bad.append(str(err))
            warnings.warn(f"{err}. Trying the next place instead.", stacklevel=3)
    return None, bad


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


def dataset_spec(dataset: str, split: str) -> DatasetSpec:
    if dataset not in DATASETS:
        raise ValueError(f"unknown dataset {dataset!r}; choose one of {sorted(DATASETS)}")
    spec = DATASETS[dataset]
    if split not in spec.splits:
        raise ValueError(f"{dataset!r} has no split {split!r}; choose one of {sorted(spec.splits)}")
    return spec


if __name__ == "__main__":
    print(f"{len(fetch_all())} dataset files found, checked by their SHA-256")
