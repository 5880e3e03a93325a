"""vaecore.data: IDX parsing, finding and downloading files (sources), loading (datasets),
batching."""

from __future__ import annotations

import gzip
import hashlib
import http.server
import struct
from pathlib import Path

import numpy as np
import pytest
import torch

from vaecore import settings
from vaecore.data import datasets
from vaecore.data.batches import batch_indices, length_batches
from vaecore.data.datasets import (
    binarize,
    dequantize,
    load_images,
    load_strokes,
    parse_idx,
)
from vaecore.data.sources import (
    DATASETS,
    ChecksumError,
    DataNotFoundError,
    DatasetSpec,
    RemoteFile,
    download,
    fetch_all,
    locate,
)
from vaecore.files import WriteError


def idx_bytes(array: np.ndarray) -> bytes:
    """Encode a uint8 array in the IDX format (the inverse of parse_idx)."""
    header = struct.pack(">BBBB", 0, 0, 0x08, array.ndim)
    header += struct.pack(f">{array.ndim}I", *array.shape)
    return header + array.astype(np.uint8).tobytes()


@pytest.fixture
def env(tmp_path, monkeypatch):
    """An isolated data dir and cache dir."""
    monkeypatch.setenv(settings.DATA_DIR_ENV, str(tmp_path / "local"))
    monkeypatch.setenv(settings.CACHE_DIR_ENV, str(tmp_path / "cache"))
    return tmp_path


@pytest.fixture
def fake_mnist(monkeypatch):
    """Replace the 'mnist' spec by 5 made-up 28x28 images whose checksums we know."""
    rng = np.random.default_rng(0)
    images = rng.integers(0, 256, size=(5, 28, 28), dtype=np.uint8)
    labels = np.array([3, 1, 4, 1, 5], dtype=np.uint8)
    blobs = {
        "imgs.gz": gzip.compress(idx_bytes(images)),
        "labs.gz": gzip.compress(idx_bytes(labels)),
    }
    files = tuple(
        RemoteFile(n, len(b), hashlib.sha256(b).hexdigest(), ()) for n, b in blobs.items()
    )
    spec = DatasetSpec("mnist", "mnist", {"train": files}, tuple("0123456789"))
    monkeypatch.setitem(DATASETS, "mnist", spec)
    return images, labels, blobs


# ---------------------------------------------------------------------------------- parsing


@pytest.mark.parametrize("shape", [(7,), (3, 28, 28), (2, 3, 4, 5)])
def test_parse_idx_round_trip_plain_and_gzip(shape):
    array = np.arange(np.prod(shape), dtype=np.uint64).reshape(shape) % 256
    for raw in (idx_bytes(array), gzip.compress(idx_bytes(array))):
        parsed = parse_idx(raw)
        assert parsed.shape == shape and parsed.dtype == np.uint8
        np.testing.assert_array_equal(parsed, array)


def test_parse_idx_reads_big_endian_int32():
    values = np.array([1, -2, 70000], dtype=">i4")
    raw = struct.pack(">BBBBI", 0, 0, 0x0C, 1, 3) + values.tobytes()
    np.testing.assert_array_equal(parse_idx(raw), [1, -2, 70000])


@pytest.mark.parametrize(
    "raw, message",
    [
        (b"", "not an IDX file"),
        (b"PK\x03\x04rest", "not an IDX file"),
        (b"\x00\x00\x08\x03\x00\x00", "ends first"),
        (idx_bytes(np.zeros((2, 28, 28)))[:-1], "truncated or corrupt"),
        (idx_bytes(np.zeros((2, 28, 28))) + b"\x00", "truncated or corrupt"),
    ],
)
def test_parse_idx_rejects_malformed_files(raw, message):
    with pytest.raises(ValueError, match=message):
        parse_idx(raw)


# ------------------------------------------------------------------------ finding the files


def test_load_reads_local_data_dir_and_scales_pixels(env, fake_mnist):
    images, labels, blobs = fake_mnist
    (env / "local" / "mnist").mkdir(parents=True)
    for name, blob in blobs.items():
        (env / "local" / "mnist" / name).write_bytes(blob)
    loaded = load_images("mnist", "train", progress=False)
    assert loaded.images.shape == (5, 784) and loaded.images.dtype == torch.float32
    np.testing.assert_allclose(loaded.images.numpy(), images.reshape(5, 784) / 255.0, rtol=1e-6)
    assert loaded.labels.tolist() == labels.tolist() and loaded.labels.dtype == torch.int64
    assert len(load_images("mnist", "train", limit=2, progress=False)) == 2


def test_corrupt_local_file_is_refused_with_both_checksums(env, fake_mnist):
    _, _, blobs = fake_mnist
    (env / "local" / "mnist").mkdir(parents=True)
    for name, blob in blobs.items():
        (env / "local" / "mnist" / name).write_bytes(blob)
    (env / "local" / "mnist" / "imgs.gz").write_bytes(blobs["imgs.gz"][:-10])  # truncated
    expected = hashlib.sha256(blobs["imgs.gz"]).hexdigest()
    with pytest.warns(UserWarning, match="Trying the next place"):
        with pytest.raises(ChecksumError, match=expected):  # no other place has it
            load_images("mnist", "train", progress=False)


def test_missing_files_give_one_error_naming_files_places_and_remedy(env, fake_mnist):
    with pytest.raises(DataNotFoundError) as err:
        load_images("mnist", "train", progress=False)
    message = str(err.value)
    assert "2 file(s)" in message
    for name in ("imgs.gz", "labs.gz"):
        assert name in message
        assert str(env / "local" / "mnist" / name) in message
        assert str(env / "cache" / "mnist" / name) in message
    assert settings.DATA_DIR_ENV in message
    assert not (env / "cache" / "mnist").exists() or not any((env / "cache" / "mnist").iterdir())


@pytest.mark.parametrize(
    "dataset, split", [("mnst", "train"), ("mnist", "valid"), ("binarized-mnist", "dev")]
)
def test_unknown_dataset_or_split_lists_the_choices(dataset, split):
    with pytest.raises(ValueError, match="choose one of"):
        load_images(dataset, split)


@pytest.mark.parametrize("limit", [0, -1, 2.5, True])
def test_bad_limit_is_a_value_error(limit):
    with pytest.raises(ValueError, match="limit"):
        load_images("mnist", "train", limit=limit)


# ------------------------------------------------------------------------------ downloading


class _Handler(http.server.BaseHTTPRequestHandler):
    # path -> (status, body) or (status, body, cut): with a cut, the connection drops after
    # `cut` bytes although the headers promised the whole body (a download interrupted there).
    routes: dict[str, tuple] = {}

    def do_GET(self):  # noqa: N802 (the name http.server calls)
        status, body, *cut = self.routes.get(self.path, (404, b"<html>not found</html>"))
        self.send_response(status)
        self.send_header(
            "Content-Type", "application/octet-stream" if status == 200 else "text/html"
        )
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body[: cut[0]] if cut else body)
        if cut:
            self.close_connection = True

    def log_message(self, *args):
        pass


@pytest.fixture
def server(loopback):
    """A loopback HTTP server; set _Handler.routes to what each path answers."""
    return loopback(_Handler)


def test_download_skips_error_page_and_404_then_takes_good_mirror(tmp_path, server):
    payload = b"the real bytes" * 1000
    _Handler.routes = {"/a/f": (200, b"<html>Service unavailable</html>"), "/c/f": (200, payload)}
    file = RemoteFile(
        "f",
        len(payload),
        hashlib.sha256(payload).hexdigest(),
        (f"{server}/a/f", f"{server}/b/f", f"{server}/c/f"),
    )
    dest = tmp_path / "cache" / "f"
    download(file, dest, progress=False)
    assert dest.read_bytes() == payload
    assert sorted(p.name for p in dest.parent.iterdir()) == ["f"]  # no temporary left


def test_failed_download_leaves_nothing_and_reports_every_mirror(tmp_path, server):
    _Handler.routes = {"/a/f": (200, b"<html>error</html>")}
    file = RemoteFile(
        "f", 3, hashlib.sha256(b"abc").hexdigest(), (f"{server}/a/f", f"{server}/b/f")
    )
    dest = tmp_path / "f"
    with pytest.raises(OSError) as err:
        download(file, dest, progress=False)
    assert f"{server}/a/f: got 18 of 3 bytes" in str(err.value)
    assert f"{server}/b/f: HTTP Error 404" in str(err.value)
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("cut", [0, 1, 1000, 65_536, 99_999])
def test_interrupted_download_leaves_no_partial_file_and_the_next_call_restarts_cleanly(
    tmp_path, server, cut
):
    payload = bytes(range(256)) * 400  # 102,400 bytes
    file = RemoteFile(
        "f",
        len(payload),
        hashlib.sha256(payload).hexdigest(),
        (f"{server}/broken/f", f"{server}/also-broken/f"),
    )
    _Handler.routes = {"/broken/f": (200, payload, cut), "/also-broken/f": (200, payload, cut // 2)}
    dest = tmp_path / "cache" / "f"
    with pytest.raises(OSError, match="no mirror gave a good copy") as err:
        download(file, dest, progress=False)
    assert "/broken/f" in str(err.value) and "/also-broken/f" in str(err.value)
    assert list(dest.parent.iterdir()) == []  # neither the file nor a temporary is left
    _Handler.routes = {"/broken/f": (200, payload)}  # the network is back
    download(file, dest, progress=False)
    assert dest.read_bytes() == payload and list(dest.parent.iterdir()) == [dest]


@pytest.fixture
def served_mnist(fake_mnist, server, monkeypatch):
    """The fake 'mnist' files served by the loopback server, as the spec's only mirror."""
    _, _, blobs = fake_mnist
    _Handler.routes = {f"/m/{n}": (200, b) for n, b in blobs.items()}
    spec = DATASETS["mnist"]
    served = tuple(
        RemoteFile(f.name, f.size, f.sha256, (f"{server}/m/{f.name}",))
        for f in spec.splits["train"]
    )
    monkeypatch.setitem(
        DATASETS, "mnist", DatasetSpec("mnist", "mnist", {"train": served}, spec.classes)
    )


def test_an_unwritable_cache_directory_is_named_with_the_fix(env, served_mnist, monkeypatch):
    blocker = env / "not-a-directory"
    blocker.write_text("a file where the cache directory should be")
    monkeypatch.setenv(settings.CACHE_DIR_ENV, str(blocker))
    # the cache, not the mirrors, is named: another mirror cannot help (vaecore.files)
    with pytest.raises(WriteError, match=r"cannot write \S+ in \S*not-a-directory") as err:
        locate("mnist", "train", progress=False)
    assert settings.CACHE_DIR_ENV in str(err.value) and "mirror" not in str(err.value)
    assert blocker.read_text().startswith("a file")  # untouched


def test_locate_downloads_into_the_cache_then_reuses_it(env, served_mnist):
    first = locate("mnist", "train", progress=False)
    assert [p.parent for p in first] == [env / "cache" / "mnist"] * 2
    _Handler.routes = {}  # the server now knows nothing: the cached copies must be used
    assert locate("mnist", "train", progress=False) == first


def test_fetch_all_downloads_every_dataset_once(env, served_mnist, monkeypatch):
    for name in [n for n in DATASETS if n != "mnist"]:
        monkeypatch.delitem(DATASETS, name)
    first = fetch_all(progress=False)
    assert [p.name for p in first] == [f.name for f in DATASETS["mnist"].splits["train"]]
    _Handler.routes = {}  # nothing served now: Binder's sessions use the image's copies
    assert fetch_all(progress=False) == first


def test_fetch_all_finds_every_real_file():
    """What binder/postBuild runs (``python -m vaecore.data.sources``): every file, checked."""
    every = {f.name for spec in DATASETS.values() for fs in spec.splits.values() for f in fs}
    found = fetch_all(progress=False)
    assert {p.name for p in found} == every and all(p.is_file() for p in found)


def test_real_mirror_tables_have_two_mirrors_and_valid_checksums():
    for spec in DATASETS.values():
        for files in spec.splits.values():
            for f in files:
                assert len(f.urls) >= 2, f.name
                assert len({u.split("/")[2] for u in f.urls}) >= 2, f"{f.name}: mirrors on one host"
                assert len(f.sha256) == 64 and int(f.sha256, 16) >= 0


# -------------------------------------------------------------------------- the real datasets


@pytest.mark.parametrize(
    "dataset, split, n, labelled",
    [
        ("mnist", "train", 60_000, True),
        ("mnist", "test", 10_000, True),
        ("fashion-mnist", "test", 10_000, True),
        ("binarized-mnist", "train", 50_000, False),
        ("binarized-mnist", "test", 10_000, False),
    ],
)
def test_real_datasets_load_with_documented_shapes(dataset, split, n, labelled):
    s = load_images(dataset, split, progress=False)
    assert s.images.shape == (n, 784) and s.images.dtype == torch.float32
    assert 0.0 == s.images.min() and s.images.max() == 1.0
    assert (s.labels is not None) == labelled
    if labelled:
        assert s.labels.shape == (n,) and set(s.labels.unique().tolist()) == set(range(10))
    else:
        assert set(s.images.unique().tolist()) == {0.0, 1.0}


def test_mnist_test_labels_match_the_published_counts():
    counts = torch.bincount(load_images("mnist", "test", progress=False).labels).tolist()
    assert counts == [980, 1135, 1032, 1010, 982, 892, 958, 1028, 974, 1009]


def test_omniglot_strokes_load_padded_masked_and_scaled_back_to_the_integers():
    flat = np.load(Path(settings.data_dir()) / "omniglot-strokes" / "omniglot_strokes_flat.npz")
    firsts = flat["train_offsets"][:-1]  # every sequence's (0, 0, 0) start row
    train_offsets = np.delete(flat["train_strokes"][:, :2], firsts, axis=0).astype(np.float64)
    for split, n in (("train", 30_000), ("valid", 1_000), ("test", 1_000)):
        s = load_strokes(split, progress=False)
        offsets = flat[f"{split}_offsets"]
        assert len(s) == n and s.strokes.shape == (n, int(np.diff(offsets).max()) - 1, 3)
        assert s.lengths.tolist() == (np.diff(offsets) - 1).tolist()  # the (0, 0, 0) row dropped
        assert s.mask.sum(1).tolist() == s.lengths.float().tolist()
        assert (s.strokes[s.mask == 0] == 0).all()
        # the scale is the training offsets' standard deviation, the same for every split
        assert s.scale == pytest.approx(train_offsets.std())
        # the flat copy (a different file) holds the same sequences
        real = s.strokes[s.mask == 1].clone()
        real[:, :2] = (real[:, :2] * s.scale).round()
        keep = ~np.isin(np.arange(offsets[-1]), offsets[:-1])
        np.testing.assert_array_equal(real.numpy(), flat[f"{split}_strokes"][keep])
    assert set(s.strokes[..., 2].unique().tolist()) == {0.0, 1.0}


@pytest.fixture
def only_the_published_strokes(tmp_path, monkeypatch):
    """A data folder with the published omniglot.npz alone (no flat copy), an empty cache, and
    a record of every np.load that allowed pickles."""
    shared = Path(settings.data_dir()) / "omniglot-strokes" / "omniglot.npz"
    (tmp_path / "local" / "omniglot-strokes").mkdir(parents=True)
    (tmp_path / "local" / "omniglot-strokes" / "omniglot.npz").write_bytes(shared.read_bytes())
    monkeypatch.setenv(settings.DATA_DIR_ENV, str(tmp_path / "local"))
    monkeypatch.setenv(settings.CACHE_DIR_ENV, str(tmp_path / "cache"))
    pickled, real_load = [], np.load

    def load(file, *args, **kwargs):
        if kwargs.get("allow_pickle"):
            pickled.append(file)
        return real_load(file, *args, **kwargs)

    monkeypatch.setattr(np, "load", load)
    return tmp_path, pickled


def test_the_published_strokes_are_converted_once_to_a_file_without_pickles(
    only_the_published_strokes,
):
    folder, pickled = only_the_published_strokes
    first = load_strokes("valid", progress=False)
    assert len(pickled) == 1 and not isinstance(pickled[0], (str, Path))  # the checked bytes
    assert (folder / "cache" / "omniglot-strokes" / datasets.FLAT_STROKES).is_file()
    again = load_strokes("valid", progress=False)
    assert len(pickled) == 1  # read from the flat copy: no pickle
    assert torch.equal(first.strokes, again.strokes) and first.scale == again.scale


def test_a_swapped_strokes_file_is_refused_before_it_is_unpickled(
    only_the_published_strokes, monkeypatch
):
    folder, pickled = only_the_published_strokes
    swapped = folder / "swapped.npz"
    swapped.write_bytes(b"PK not the published bytes")

    def locate_then_swap(dataset, split, progress=None):
        return (swapped,)  # what a file swapped in after the checksum would give

    monkeypatch.setattr(datasets, "locate", locate_then_swap)
    with pytest.raises(ChecksumError, match="changed while it was read"):
        load_strokes("valid", progress=False)
    assert pickled == []


def test_a_flat_copy_with_other_numbers_is_not_used(only_the_published_strokes):
    folder, _ = only_the_published_strokes
    wrong = folder / "cache" / "omniglot-strokes" / datasets.FLAT_STROKES
    wrong.parent.mkdir(parents=True)
    arrays = {
        f"{s}_{p}": np.zeros((2, 3) if p == "strokes" else 2, dtype=np.int64)
        for s in datasets.STROKE_SPLITS
        for p in ("strokes", "offsets")
    }
    np.savez(wrong, **arrays)
    with pytest.warns(UserWarning, match="holds other numbers"):
        strokes = load_strokes("valid", progress=False)
    assert len(strokes) == 1_000


def test_strokes_are_refused_by_the_image_loader_and_limit_is_checked():
    with pytest.raises(ValueError, match="load_strokes"):
        load_images("omniglot-strokes", "train")
    assert len(load_strokes("valid", limit=7, progress=False)) == 7
    with pytest.raises(ValueError, match="limit"):
        load_strokes("valid", limit=0)
    with pytest.raises(ValueError, match="no split"):
        load_strokes("validation")


def test_dequantize_spreads_offsets_over_their_unit_cell_and_keeps_the_pen():
    scale = 50.0
    x = torch.tensor([[[3 / scale, -2 / scale, 1.0]]]).expand(20_000, 1, 3)
    d = dequantize(x, scale, torch.Generator().manual_seed(0))
    cells = d[..., :2] * scale - x[..., :2] * scale
    assert cells.min() >= -0.5 and cells.max() <= 0.5 and abs(cells.mean()) < 0.01
    assert abs(cells.var() - 1 / 12) < 0.002  # uniform on a unit interval
    assert (d[..., 2] == 1).all()


# ---------------------------------------------------------------------- binarize and batches


def test_binarize_draws_bernoulli_with_the_pixel_as_probability():
    x = torch.tensor([[0.0, 1.0, 0.25]]).expand(40_000, 3)
    b = binarize(x, torch.Generator().manual_seed(0))
    assert set(b.unique().tolist()) <= {0.0, 1.0}
    assert b[:, 0].sum() == 0 and b[:, 1].sum() == len(b)
    assert abs(b[:, 2].mean().item() - 0.25) < 0.01
    with pytest.raises(ValueError, match=r"\[0, 1\]"):
        binarize(torch.tensor([[1.5]]))


@pytest.mark.parametrize("n, batch_size", [(10, 3), (9, 3), (1, 5), (0, 4)])
def test_batch_indices_visit_each_example_exactly_once(n, batch_size):
    batches = list(batch_indices(n, batch_size, generator=torch.Generator().manual_seed(1)))
    assert all(len(b) <= batch_size for b in batches)
    seen = torch.cat(batches).tolist() if batches else []
    assert sorted(seen) == list(range(n))


def test_length_batches_visit_each_example_once_with_similar_lengths():
    lengths = torch.randint(1, 100, (1000,), generator=torch.Generator().manual_seed(0))
    batches = list(length_batches(lengths, 64, generator=torch.Generator().manual_seed(1)))
    assert sorted(torch.cat(batches).tolist()) == list(range(1000))
    spread = [int(lengths[b].max() - lengths[b].min()) for b in batches]
    assert max(spread) <= 12  # random batches of 64 would span almost the whole range
    again = list(length_batches(lengths, 64, generator=torch.Generator().manual_seed(2)))
    assert [b.tolist() for b in again] != [b.tolist() for b in batches]
    with pytest.raises(ValueError):
        list(length_batches(torch.tensor([], dtype=torch.long), 4))


def test_batch_indices_rejects_bad_sizes():
    with pytest.raises(ValueError):
        list(batch_indices(5, 0))
    with pytest.raises(ValueError):
        list(batch_indices(-1, 2))


def test_a_small_limit_reads_only_what_it_needs(tmp_path):
    """load_images(limit=100) costs memory for 100 images, not for the 60,000 of the file."""
    import tracemalloc

    load_images("mnist", "train", limit=1, progress=False)  # imports and checksums, once
    tracemalloc.start()
    few = load_images("mnist", "train", limit=np.int64(100), progress=False)  # NumPy's int too
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    everything = load_images("mnist", "train", progress=False)
    assert torch.equal(few.images, everything.images[:100])
    assert torch.equal(few.labels, everything.labels[:100])
    assert peak < 5_000_000, f"peak {peak:,} bytes for 100 images"


def test_read_idx_refuses_a_truncated_file_or_trailing_bytes(tmp_path):
    good = idx_bytes(np.arange(12, dtype=np.uint8).reshape(3, 4))
    for name, raw in (("short", good[:-1]), ("long", good + b"\0")):
        path = tmp_path / name
        path.write_bytes(gzip.compress(raw))
        with pytest.raises(ValueError, match="truncated or corrupt"):
            datasets.read_idx(path)
    path.write_bytes(good + b"\0")
    assert datasets.read_idx(path, limit=2).tolist() == [[0, 1, 2, 3], [4, 5, 6, 7]]
