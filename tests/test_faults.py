"""Faults and bad input, second round: settings that would train silently wrong, damaged
checkpoints, masks that drop steps, faults during GAN training and downloads, and messages
that must say what to do. Each test failed before the fix it checks."""

from __future__ import annotations

import hashlib
import http.server
import math
import os
import stat
import time
import zipfile

import pytest
import torch
from torch import nn

from vaecore import checkpoint, settings
from vaecore.book.explore import explore, output_sensitivity
from vaecore.checkpoint import CheckpointError
from vaecore.data import sources
from vaecore.data.sources import ChecksumError, RemoteFile, download, locate
from vaecore.loop_parts import TrainingDiverged, check_gradients, choose_device
from vaecore.models.autoencoder import mlp_autoencoder
from vaecore.models.gan import Discriminator, Generator
from vaecore.models.vae import VAE
from vaecore.models.vrnn import VRNN, RNNGauss
from vaecore.train import TrainConfig, fit
from vaecore.train_gan import GANConfig, fit_discriminator, train_gan


def _weights(*modules: nn.Module) -> list[torch.Tensor]:
    return [p.detach().clone() for m in modules for p in m.parameters()]


def _same(a: list[torch.Tensor], b: list[torch.Tensor]) -> bool:
    return all(torch.equal(x, y) for x, y in zip(a, b, strict=True))


# ----------------------------------------------------------- 1. settings are checked when made

BAD_TRAIN = [
    ("clip_grad_norm", -1.0),
    ("clip_grad_norm", 0.0),
    ("clip_grad_norm", math.nan),
    ("lr", 0.0),
    ("lr", -1e-3),
    ("lr", math.inf),
    ("epochs", 0),
    ("epochs", 2.5),
    ("batch_size", 0),
    ("batch_size", True),
    ("seed", -1),
    ("cosine_decay", "yes"),
    ("progress", 1),
]


@pytest.mark.parametrize(("field", "value"), BAD_TRAIN)
def test_a_train_config_outside_its_range_is_refused_by_name(field, value):
    with pytest.raises(ValueError, match=rf"TrainConfig\.{field} must be .*, got"):
        TrainConfig(**{field: value})


BAD_GAN = [
    ("steps", 0),
    ("batch_size", 0),
    ("lr_g", 0.0),
    ("lr_d", math.nan),
    ("betas", (0.5, 1.0)),
    ("betas", (0.5,)),
    ("snapshot_every", -1),
    ("snapshot_size", 0),
    ("saturating", None),
]


@pytest.mark.parametrize(("field", "value"), BAD_GAN)
def test_a_gan_config_outside_its_range_is_refused_by_name(field, value):
    with pytest.raises(ValueError, match=rf"GANConfig\.{field} must be .*, got"):
        GANConfig(**{field: value})


@pytest.mark.parametrize(
    ("field", "value"), [("steps", 0), ("batch_size", 0), ("lr", -1.0), ("lr", math.nan)]
)
def test_fit_discriminator_refuses_its_settings_out_of_range(field, value):
    def sampler(n, rng):
        return torch.randn(n, 2, generator=rng)

    settings_ = {"steps": 2, "batch_size": 8, "lr": 1e-3} | {field: value}
    with pytest.raises(ValueError, match=rf"fit_discriminator: {field} must be a \w+ number"):
        fit_discriminator(Discriminator(2), sampler, sampler, **settings_)


def test_numpy_numbers_are_accepted_where_python_ones_are():
    np = pytest.importorskip("numpy")
    config = TrainConfig(epochs=np.int64(2), batch_size=np.int32(8), lr=np.float32(1e-3))
    assert config.epochs == 2
    GANConfig(steps=np.int64(3), lr_g=np.float64(1e-4))


def test_a_config_changed_after_it_was_made_is_checked_again_before_training():
    model = mlp_autoencoder(2, hidden=(8,))
    before = _weights(model)
    config = TrainConfig(epochs=1, batch_size=8, progress=False)
    config.clip_grad_norm = -1.0  # would turn descent into ascent
    with pytest.raises(ValueError, match="clip_grad_norm"):
        fit(model, torch.rand(32, 784), config)
    assert _same(before, _weights(model))
    gan_config = GANConfig(steps=2, batch_size=8, progress=False)
    gan_config.lr_d = -1.0
    g, d = Generator(2, 2), Discriminator(2)
    with pytest.raises(ValueError, match="lr_d"):
        train_gan(g, d, torch.randn(64, 2), gan_config)


# ----------------------------------------------------- 2. the VRNN's mask: 0/1 prefixes only


def _strokes(batch: int = 3, steps: int = 6) -> tuple[torch.Tensor, torch.Tensor]:
    g = torch.Generator().manual_seed(0)
    x = torch.cat([torch.randn(batch, steps, 2, generator=g), torch.zeros(batch, steps, 1)], dim=-1)
    mask = torch.ones(batch, steps)
    mask[0, 4:] = 0
    return x, mask


@pytest.mark.parametrize("model", [VRNN(z_dim=2, h_dim=8, feat_dim=8, hidden=8), RNNGauss(8, 8, 8)])
@pytest.mark.parametrize(
    ("damage", "message"),
    [
        (lambda x, m: m.__setitem__((1, slice(0, 2)), 0), "real step after padding"),  # left pad
        (lambda x, m: m.__setitem__((2, 3), 0), "real step after padding"),  # a hole
        (lambda x, m: m.__setitem__((2, 1), 0.5), "only 1 .* and 0"),
        (lambda x, m: x.__setitem__((0, 5, 0), math.nan), "NaN or infinite .* padded steps"),
    ],
)
def test_a_mask_that_would_drop_real_steps_is_refused(model, damage, message):
    x, mask = _strokes()
    model.loss(x, mask)  # the prefix mask is fine
    damage(x, mask)
    with pytest.raises(ValueError, match=message):
        model.loss(x, mask)


# ---------------------------------------------- 3. GAN training keeps the last finite weights


def test_nan_in_the_real_data_is_refused_before_any_step_naming_the_rows():
    real = torch.randn(64, 2)
    real[[3, 40]] = math.nan
    g, d = Generator(2, 2), Discriminator(2)
    before = _weights(g, d)
    with pytest.raises(ValueError, match=r"real data contains NaN .* 2 row\(s\): 3, 40"):
        train_gan(g, d, real, GANConfig(steps=5, batch_size=16, progress=False))
    assert _same(before, _weights(g, d))


def test_a_sampler_that_turns_nan_stops_training_with_finite_players_and_the_history():
    calls = []

    def sampler(n, rng):
        calls.append(n)
        x = torch.randn(n, 2, generator=rng)
        return x * math.nan if len(calls) == 4 else x

    g, d = Generator(2, 2), Discriminator(2)
    with pytest.raises(ValueError, match="at step 4, the real batch") as err:
        train_gan(g, d, sampler, GANConfig(steps=10, batch_size=16, progress=False))
    assert len(err.value.history.steps) == 3
    assert all(torch.isfinite(w).all() for w in _weights(g, d))


class _Sabotaged(Discriminator):
    """A discriminator whose logits become NaN from its ``after``-th call on."""

    def __init__(self, after: int) -> None:
        super().__init__(2)
        self.calls, self.after = 0, after

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        self.calls += 1
        out = super().forward(x)
        return out * math.nan if self.calls >= self.after else out


def test_a_non_finite_loss_is_caught_before_either_player_steps():
    g, d = Generator(2, 2), _Sabotaged(after=7)  # three calls per step: breaks in step 3
    config = GANConfig(steps=10, batch_size=16, progress=False)
    with pytest.raises(TrainingDiverged, match="at step 3, the discriminator") as err:
        train_gan(g, d, torch.randn(256, 2), config)
    assert len(err.value.history.steps) == 2
    assert all(torch.isfinite(w).all() for w in _weights(g, d))


def test_check_gradients_refuses_a_nan_gradient():
    layer = nn.Linear(2, 1)
    loss = layer(torch.tensor([[math.nan, 1.0]])).sum()
    loss.backward()
    with pytest.raises(TrainingDiverged, match="the layer's loss is nan"):
        check_gradients(layer, loss, "the layer")


# -------------------------------------------------- 4. fit: inputs first, the history always


def test_fit_checks_the_test_data_and_nan_rows_before_the_first_step():
    model = mlp_autoencoder(2, hidden=(8,))
    before = _weights(model)
    config = TrainConfig(epochs=1, batch_size=8, progress=False)
    with pytest.raises(ValueError, match="test_data must be shaped like the training data"):
        fit(model, torch.rand(32, 784), config, test_data=torch.rand(10, 100))
    x = torch.rand(32, 784)
    x[[5, 9]] = math.nan
    with pytest.raises(ValueError, match=r"training data contains NaN .* 2 row\(s\): 5, 9"):
        fit(model, x, config)
    with pytest.raises(ValueError, match="test data contains NaN"):
        fit(model, torch.rand(32, 784), config, test_data=x)
    assert _same(before, _weights(model))


class _FailsAtStep(nn.Module):
    def __init__(self, step: int) -> None:
        super().__init__()
        self.layer, self.calls, self.step = nn.Linear(3, 1), 0, step

    def loss(self, x: torch.Tensor) -> torch.Tensor:
        self.calls += 1
        if self.calls == self.step:
            raise RuntimeError("the disk is full")
        return self.layer(x).pow(2).mean()


def test_any_error_during_training_carries_the_history():
    with pytest.raises(RuntimeError, match="the disk is full") as err:
        fit(
            _FailsAtStep(6), torch.randn(40, 3), TrainConfig(epochs=3, batch_size=8, progress=False)
        )
    history = err.value.history
    assert len(history.steps) == 5 and len(history.epochs) == 1
    assert any("history" in note for note in err.value.__notes__)


def test_nan_made_by_the_transform_is_blamed_on_the_batch_not_the_learning_rate():
    model = mlp_autoencoder(2, hidden=(8,), likelihood="gaussian")  # no check of its own

    def spoil(x):
        x = x.clone()
        x[2] = math.nan
        return x

    with pytest.raises(ValueError, match=r"the batch \(after any transform\) contains NaN") as err:
        fit(
            model,
            torch.rand(32, 784),
            TrainConfig(epochs=1, batch_size=8, progress=False),
            transform=spoil,
        )
    assert "learning rate" not in str(err.value)
    assert err.value.history.steps  # the failed step's values were recorded


# --------------------------------------------------------------- 5. damaged checkpoints


def _member_offset(path, suffix: str) -> tuple[int, int]:
    """Where the data of the archive member ending in ``suffix`` starts, and its length."""
    with zipfile.ZipFile(path) as archive:
        info = next(i for i in archive.infolist() if i.filename.endswith(suffix))
    raw = path.read_bytes()
    name_len = int.from_bytes(raw[info.header_offset + 26 : info.header_offset + 28], "little")
    extra_len = int.from_bytes(raw[info.header_offset + 28 : info.header_offset + 30], "little")
    return info.header_offset + 30 + name_len + extra_len, info.compress_size


@pytest.mark.parametrize("member", ["data.pkl", "data/0"])
@pytest.mark.parametrize("where", [0.1, 0.5, 0.9])
def test_a_flipped_byte_anywhere_is_one_clear_error(tmp_path, member, where):
    model = VAE(2, hidden=(8,))
    path = checkpoint.save(model, tmp_path / "vae.pt", epochs=1)
    start, size = _member_offset(path, member)
    raw = bytearray(path.read_bytes())
    raw[start + int(where * size)] ^= 0x10  # one bit, in the pickle or in the weights
    path.write_bytes(bytes(raw))
    other = VAE(2, hidden=(8,))
    before = _weights(other)
    with pytest.raises(CheckpointError, match="damaged"):
        checkpoint.load(other, path)
    assert _same(before, _weights(other))


# ------------------------------------------------------------------ 6-9. downloads and cache


class _Trickle(http.server.BaseHTTPRequestHandler):
    """``/slow/<n>``: promises ``n`` bytes and sends one every 20 ms; ``/good``: ``body``."""

    body = b""

    def do_GET(self):  # noqa: N802
        if self.path.startswith("/slow/"):
            n = int(self.path.rsplit("/", 1)[1])
            self.send_response(200)
            self.send_header("Content-Length", str(n))
            self.end_headers()
            try:
                for _ in range(n):
                    self.wfile.write(b"x")
                    self.wfile.flush()
                    time.sleep(0.02)
            except (BrokenPipeError, ConnectionResetError):
                pass
            return
        self.send_response(200)
        self.send_header("Content-Length", str(len(self.body)))
        self.end_headers()
        self.wfile.write(self.body)

    def log_message(self, *args):
        pass


@pytest.fixture
def trickle_server(loopback):
    return loopback(_Trickle)


def test_a_mirror_that_trickles_is_given_up_for_the_next(tmp_path, trickle_server):
    payload = b"good bytes" * 1000
    _Trickle.body = payload
    file = RemoteFile(
        "f",
        len(payload),
        hashlib.sha256(payload).hexdigest(),
        (f"{trickle_server}/slow/{len(payload)}", f"{trickle_server}/good"),
    )
    dest = tmp_path / "f"
    download(file, dest, progress=False, timeout=5.0, deadline=0.5)  # the slow one: 200 s
    assert dest.read_bytes() == payload


def test_the_default_deadline_grows_with_the_file():
    small, big = (RemoteFile("f", n, "0" * 64, ()) for n in (1_000, 100_000_000))
    assert sources.min_rate_deadline(small, 30) < 60 < sources.min_rate_deadline(big, 30)


def _env(tmp_path, monkeypatch):
    monkeypatch.setenv(settings.DATA_DIR_ENV, str(tmp_path / "local"))
    monkeypatch.setenv(settings.CACHE_DIR_ENV, str(tmp_path / "cache"))


@pytest.fixture
def one_file_dataset(tmp_path, monkeypatch, trickle_server):
    """A dataset 'mnist' of one file, served by the loopback server."""
    payload = b"the dataset" * 100
    _Trickle.body = payload
    file = RemoteFile(
        "f.gz", len(payload), hashlib.sha256(payload).hexdigest(), (f"{trickle_server}/good",)
    )
    spec = sources.DatasetSpec("mnist", "mnist", {"train": (file,)}, None)
    monkeypatch.setitem(sources.DATASETS, "mnist", spec)
    _env(tmp_path, monkeypatch)
    return payload


def test_a_killed_download_s_partial_file_is_removed_by_the_next_download(
    tmp_path, one_file_dataset
):
    folder = tmp_path / "cache" / "mnist"
    folder.mkdir(parents=True)
    stale = folder / ".f.gz.abc123.part"  # what SIGKILL leaves behind
    stale.write_bytes(b"half")
    held = folder / ".f.gz.def456.part"  # a download still running in another process
    held.write_bytes(b"busy")
    with open(held, "rb") as busy:
        import fcntl

        fcntl.flock(busy, fcntl.LOCK_EX)
        (path,) = locate("mnist", "train", progress=False)
        assert path.read_bytes() == one_file_dataset
        assert not stale.exists() and held.exists()


def test_downloads_and_checkpoints_respect_the_umask(tmp_path, one_file_dataset):
    old = os.umask(0o022)
    try:
        (path,) = locate("mnist", "train", progress=False)
        saved = checkpoint.save(VAE(2, hidden=(8,)), tmp_path / "vae.pt")
    finally:
        os.umask(old)
    assert stat.S_IMODE(path.stat().st_mode) == 0o644
    assert stat.S_IMODE(saved.stat().st_mode) == 0o644


def test_an_unreadable_copy_is_named_with_the_fix_and_the_next_place_is_used(
    tmp_path, one_file_dataset, monkeypatch
):
    local = tmp_path / "local" / "mnist" / "f.gz"
    local.parent.mkdir(parents=True)
    local.write_bytes(one_file_dataset)
    real_sha = sources.sha256_of

    def unreadable(path):
        if path == local:
            raise PermissionError(13, "Permission denied")
        return real_sha(path)

    monkeypatch.setattr(sources, "sha256_of", unreadable)
    with pytest.warns(UserWarning, match=rf"cannot read {local}.*chmod a\+r"):
        (path,) = locate("mnist", "train", progress=False)
    assert path == tmp_path / "cache" / "mnist" / "f.gz"


def test_a_corrupt_local_copy_does_not_block_a_good_cached_one(tmp_path, one_file_dataset):
    local = tmp_path / "local" / "mnist" / "f.gz"
    cached = tmp_path / "cache" / "mnist" / "f.gz"
    for path, data in ((local, b"corrupt"), (cached, one_file_dataset)):
        path.parent.mkdir(parents=True)
        path.write_bytes(data)
    with pytest.warns(UserWarning, match=rf"{local} has SHA-256 .* Trying the next place"):
        assert locate("mnist", "train", progress=False) == (cached,)


def test_only_corrupt_copies_and_no_download_is_a_checksum_error(tmp_path, monkeypatch):
    file = RemoteFile("f.gz", 5, hashlib.sha256(b"right").hexdigest(), ())
    monkeypatch.setitem(
        sources.DATASETS, "mnist", sources.DatasetSpec("mnist", "mnist", {"train": (file,)}, None)
    )
    _env(tmp_path, monkeypatch)
    local = tmp_path / "local" / "mnist" / "f.gz"
    local.parent.mkdir(parents=True)
    local.write_bytes(b"wrong")
    with pytest.warns(UserWarning), pytest.raises(ChecksumError, match="download failed"):
        locate("mnist", "train", progress=False)


# ------------------------------------------------------------------------ 10-12. messages


@pytest.mark.parametrize("dtype", [torch.float64, torch.float16])
def test_another_float_dtype_is_named_with_the_conversion(dtype):
    x = torch.rand(4, 784, dtype=dtype)
    for call in (VAE(2, hidden=(8,)).posterior, mlp_autoencoder(2, hidden=(8,)).encode):
        with pytest.raises(
            TypeError, match=rf"dtype {dtype} but the model's weights are torch.float32: convert"
        ):
            call(x)
    with pytest.raises(TypeError, match=rf"training data has dtype {dtype}.*\.float\(\)"):
        fit(mlp_autoencoder(2, hidden=(8,)), x, TrainConfig(epochs=1, progress=False))


@pytest.mark.parametrize(
    "call",
    [
        lambda z: VAE(2, hidden=(8,)).decode(z),
        lambda z: mlp_autoencoder(2, hidden=(8,)).decode(z),
        lambda z: Generator(2, 2)(z),
        lambda z: Discriminator(2)(z),
        lambda z: VRNN(z_dim=2, h_dim=2, feat_dim=8, hidden=8).prior(z),
    ],
)
def test_every_network_names_a_foreign_dtype_not_a_matrix_product(call):
    with pytest.raises(TypeError, match=r"input has dtype torch.float64 but its weights are torch"):
        call(torch.randn(4, 2, dtype=torch.float64))
    with pytest.raises(TypeError, match="must hold floating-point numbers, got torch.int64"):
        call(torch.ones(4, 2, dtype=torch.int64))


def test_a_float64_real_batch_for_the_gan_is_named():
    with pytest.raises(TypeError, match="real batch has dtype torch.float64"):
        train_gan(
            Generator(2, 2),
            Discriminator(2),
            torch.randn(64, 2, dtype=torch.float64),
            GANConfig(steps=2, batch_size=16, progress=False),
        )


@pytest.mark.skipif(torch.cuda.is_available(), reason="this machine has CUDA")
def test_asking_for_cuda_without_cuda_names_the_variable(monkeypatch):
    monkeypatch.setenv(settings.DEVICE_ENV, "cuda")
    with pytest.raises(ValueError, match=r"VAECORE_DEVICE='cuda', but this PyTorch sees 0 CUDA"):
        choose_device()
    with pytest.raises(ValueError, match=r"device='cuda:1', but"):
        choose_device("cuda:1")
    monkeypatch.setenv(settings.DEVICE_ENV, "cuda:x")
    with pytest.raises(ValueError, match="VAECORE_DEVICE='cuda:x' is not a device"):
        choose_device()


def test_explore_does_not_blame_every_decoder_error_on_the_code_width():
    def out_of_memory(z):
        raise RuntimeError("CUDA out of memory")

    with pytest.raises(RuntimeError, match="CUDA out of memory") as err:
        explore(out_of_memory, torch.randn(10, 4))
    assert "dimensional codes" not in str(err.value)
    with pytest.raises(ValueError, match="take 4-dimensional codes"):
        explore(nn.Linear(3, 784), torch.randn(10, 4))


def test_explore_takes_fewer_than_six_codes_and_leaves_batch_norm_alone():
    generator = nn.Sequential(
        nn.Linear(2, 16), nn.BatchNorm1d(16), nn.Linear(16, 784), nn.Sigmoid()
    )
    generator.train()
    stats = _weights(generator) + [
        generator[1].running_mean.clone(),
        generator[1].running_var.clone(),
    ]
    explorer = explore(generator, torch.randn(3, 2))
    output_sensitivity(generator, torch.randn(3, 2))
    encoder_norm = nn.BatchNorm1d(16)
    encoder = nn.Sequential(nn.Linear(784, 16), encoder_norm, nn.Linear(16, 2)).train()
    encoder_stats = encoder_norm.running_mean.clone()
    explore(generator, encode=encoder, data=torch.rand(5, 784))
    assert torch.equal(encoder_stats, encoder_norm.running_mean) and encoder.training
    assert len(explorer.frames.base) == 3
    assert generator.training and generator[1].training  # its mode is given back
    after = _weights(generator) + [generator[1].running_mean, generator[1].running_var]
    assert _same(stats, after)  # evaluation mode: no running statistics were updated
