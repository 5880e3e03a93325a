"""CONTRIBUTING's "Add a model", walked: a new contributor's denoising autoencoder is planted in
a copy of the package, with every step of the list left undone, and the tests that find code by
walking the package run on that copy. Each test that fails must be one the list names (else the
list misses a file a contributor has to touch), and each omission the toy plants must fail a
test (else the list promises a check that does not exist). So the list cannot go stale.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

#: The toy addition: a new file in ``vaecore/models/`` that the layout table does not name, with
#: no ``__all__``, a numeric argument not checked at the door, no entry in the model zoo, and a
#: public function that takes a model and is not called on another device.
TOY = '''"""A denoising autoencoder (Vincent et al. 2008): trained to rebuild each image from
a noisy copy of it."""

import torch
from torch import nn

from vaecore.models.parts import mlp


class DenoisingAutoencoder(nn.Module):
    """Encoder D-64-K, decoder K-64-D (logits); ``noise``: the standard deviation added."""

    def __init__(self, latent_dim: int = 2, data_dim: int = 784, noise: float = 0.3) -> None:
        super().__init__()
        self.noise = noise
        self.encoder = mlp([data_dim, 64, latent_dim])
        self.decoder = mlp([latent_dim, 64, data_dim])

    def encode(self, x: torch.Tensor) -> torch.Tensor:
        return self.encoder(x)

    def decode(self, z: torch.Tensor) -> torch.Tensor:
        return torch.sigmoid(self.decoder(z))

    def loss(self, x: torch.Tensor) -> torch.Tensor:
        noisy = x + self.noise * torch.randn_like(x)
        logits = self.decoder(self.encoder(noisy))
        return nn.functional.binary_cross_entropy_with_logits(logits, x)


def denoise(model: DenoisingAutoencoder, x: torch.Tensor) -> torch.Tensor:
    """``x: (n, D)`` -> the model's reconstruction of each image, ``(n, D)``."""
    return model.decode(model.encode(x))
'''

#: What the toy leaves undone, and the test file that must notice each omission.
PLANTED = {
    "no __all__, and a file the layout table does not name": "tests/test_layers.py",
    "a numeric argument not checked at the door": "tests/test_arguments.py",
    "a network without a zoo entry (output convention)": "tests/test_output_conventions.py",
    "a network without a zoo entry (layers)": "tests/test_player_recipes.py",
    "a function taking a model, not called on another device": "tests/test_devices.py",
}


def _walking_tests() -> list[str]:
    """The test files that find what they check by walking the package's modules (or the model
    zoo's walk), the ones a new model can fail without being named in them."""
    walks = re.compile(r"walk_packages|iter_modules|rglob\(\"\*\.py\"\)|model_classes\(\)")
    return sorted(
        f"tests/{p.name}"
        for p in (ROOT / "tests").glob("test_*.py")
        if p.name != Path(__file__).name and walks.search(p.read_text(encoding="utf-8"))
    )


def _named_in_the_list() -> set[str]:
    """The test files CONTRIBUTING's "Add a model" names."""
    text = (ROOT / "CONTRIBUTING.md").read_text(encoding="utf-8")
    section = text.split("## Add a model", 1)[1].split("\n## ", 1)[0]
    return set(re.findall(r"`(tests/test_\w+\.py)`", section))


def _copy(tmp_path: Path) -> Path:
    """The repository's tracked folders and files that the tests read, copied (nothing built,
    no data, no browser packages)."""
    copy = tmp_path / "repo"
    ignore = shutil.ignore_patterns("__pycache__", "node_modules", "*.pyc")
    folders = ("vaecore", "tests", "tools", "chapters", "locales", "binder", "benchmarks")
    for name in (*folders, ".ci", ".github"):
        if (ROOT / name).exists():
            shutil.copytree(ROOT / name, copy / name, ignore=ignore)
    for path in ROOT.iterdir():
        if path.is_file():
            shutil.copy(path, copy / path.name)
    return copy


def test_the_add_a_model_list_names_every_test_a_new_model_fails(tmp_path):
    named = _named_in_the_list()
    assert set(PLANTED.values()) <= named, "the list no longer names a check the toy plants"
    copy = _copy(tmp_path)
    (copy / "vaecore" / "models" / "denoising.py").write_text(TOY, encoding="utf-8")
    env = {**os.environ, "PYTHONPATH": str(copy), "VAECORE_PROGRESS": "0"}
    where = subprocess.run(
        [sys.executable, "-c", "import vaecore; print(vaecore.__file__)"],
        cwd=copy,
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    assert Path(where.stdout.strip()).is_relative_to(copy), "the copy's package must be the one run"
    run = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-n", "0", "-rf"]
        + ["-k", "not deploy_cache_key", *_walking_tests()],
        cwd=copy,
        env=env,
        capture_output=True,
        text=True,
        timeout=900,
    )
    failed = set(re.findall(r"^FAILED (tests/test_\w+\.py)::", run.stdout, re.M))
    missed = {what: f for what, f in PLANTED.items() if f not in failed}
    assert not missed, f"omissions no test noticed: {missed}\n{run.stdout[-3000:]}"
    assert failed <= named, (
        f"a new model fails {sorted(failed - named)}, which CONTRIBUTING's 'Add a model' does "
        "not name: add the step"
    )
