"""The package as a reader gets it outside a clone (Colab's launch button, `pip install`): the
built wheel, installed into a fresh environment, carries every file the chapters read."""

import json
import shutil
import subprocess
import sys
import sysconfig
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

CHECK = """
import json, sys
import vaecore
from vaecore.book import results
from vaecore.book.explore.static import static_html
from vaecore.book.explore import explore
from vaecore.metrics.judge import load_classifier
import torch

assert "site-packages" in vaecore.__file__, vaecore.__file__
loaded = {name: results.load(name)["benchmark"] for name in results.names()}
load_classifier()  # the judge's weights, checked against their SHA-256
page = explore(lambda z: torch.sigmoid(z @ torch.ones(2, 784)), latent_dim=2).to_html()
print(json.dumps({"version": vaecore.__version__, "results": loaded, "page": len(page)}))
"""


def test_the_wheel_installed_outside_the_checkout_loads_every_result_and_the_judge(tmp_path):
    # Built from a copy: setuptools writes build/ beside the sources, and the checkout stays clean.
    src = tmp_path / "src"
    shutil.copytree(ROOT / "vaecore", src / "vaecore", ignore=shutil.ignore_patterns("__pycache__"))
    for name in ("pyproject.toml", "README.md", "LICENSE"):
        shutil.copy(ROOT / name, src / name)
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "wheel",
            "--no-deps",
            "--no-build-isolation",
            "-q",
            "-w",
            str(tmp_path / "dist"),
            str(src),
        ],
        check=True,
    )
    (wheel,) = (tmp_path / "dist").glob("vaecore-*.whl")
    shipped = set(zipfile.ZipFile(wheel).namelist())
    for data in (
        "vaecore/book/results/*.json",
        "vaecore/metrics/weights/*",
        "vaecore/book/explore/explorer.*",
    ):
        files = {str(p.relative_to(ROOT)) for p in ROOT.glob(data)}
        assert files and files <= shipped, f"the wheel lacks {sorted(files - shipped)}"

    # A fresh environment with the wheel, and the book's other dependencies from this one (a
    # path in a .pth file: the editable vaecore installed here stays out of it).
    env = tmp_path / "env"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(env)], check=True)
    python = env / "bin" / "python"
    site = subprocess.run(
        [str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
        check=True,
        capture_output=True,
        text=True,
    )
    Path(site.stdout.strip(), "dependencies.pth").write_text(sysconfig.get_paths()["purelib"])
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "--python",
            str(python),
            "install",
            "-q",
            "--no-deps",
            "--no-index",
            str(wheel),
        ],
        check=True,
    )
    out = subprocess.run(
        [str(python), "-c", CHECK],
        cwd=tmp_path,
        check=True,
        capture_output=True,
        text=True,
        env={"PATH": "/usr/bin:/bin"},
    )
    report = json.loads(out.stdout)
    expected = {p.stem for p in (ROOT / "vaecore" / "book" / "results").glob("*.json")}
    assert set(report["results"]) == expected
    assert all(report["results"][name] == name for name in expected)
    assert report["page"] > 10_000
