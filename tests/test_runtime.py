"""PyTorch's threads on a busy or quota-limited machine (vaecore.runtime): the CPU quota read
from cgroup v1 and v2, the threads sized to it, idle threads that sleep, the reader's own
choice kept, the choice said once."""

from __future__ import annotations

import ast
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
import torch

from vaecore import runtime

ROOT = Path(__file__).resolve().parent.parent


@pytest.mark.parametrize(
    ("files", "quota"),
    [
        ({"cpu.max": "150000 100000\n"}, 1.5),
        ({"cpu.max": "max 100000\n"}, None),
        ({"cpu/cpu.cfs_quota_us": "200000\n", "cpu/cpu.cfs_period_us": "100000\n"}, 2.0),
        ({"cpu/cpu.cfs_quota_us": "-1\n", "cpu/cpu.cfs_period_us": "100000\n"}, None),
        ({"cpu,cpuacct/cpu.cfs_quota_us": "50000", "cpu,cpuacct/cpu.cfs_period_us": "100000"}, 0.5),
        ({}, None),
        ({"cpu.max": "garbage"}, None),
        ({"cpu.max": "abc 100000"}, None),
        ({"cpu.max": "100000 0"}, None),
        ({"cpu/cpu.cfs_quota_us": "100000", "cpu/cpu.cfs_period_us": "0"}, None),
    ],
)
def test_the_cpu_quota_is_read_from_cgroup_v2_or_v1(tmp_path, files, quota):
    for name, text in files.items():
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text(text)
    assert runtime.cpu_quota(tmp_path) == quota


@pytest.mark.parametrize(
    ("cores", "quota", "usable"), [(4, None, 4), (4, 1.5, 1), (2, 8.0, 2), (8, 0.5, 1)]
)
def test_the_threads_are_the_cpus_the_affinity_and_the_quota_allow(
    tmp_path, monkeypatch, cores, quota, usable
):
    monkeypatch.setattr(os, "sched_getaffinity", lambda pid: set(range(cores)), raising=False)
    if quota is not None:
        (tmp_path / "cpu.max").write_text(f"{int(quota * 100000)} 100000")
    assert runtime.usable_cpus(tmp_path) == usable


def test_configure_lowers_the_threads_to_the_usable_cpus_once(monkeypatch):
    before = torch.get_num_threads()
    monkeypatch.delenv(runtime.THREADS_ENV, raising=False)
    monkeypatch.setattr(runtime, "usable_cpus", lambda root=runtime.CGROUP: 1)
    monkeypatch.setattr(runtime, "_said", None)
    try:
        torch.set_num_threads(2)
        said = runtime.configure()
        assert torch.get_num_threads() == 1 and "1 thread (1 CPU usable here)" in said
        torch.set_num_threads(2)
        assert runtime.configure() is said and torch.get_num_threads() == 2  # once
    finally:
        torch.set_num_threads(before)


def _fresh(code: str, **env: str) -> subprocess.CompletedProcess:
    """``code`` in a new Python process, with ``env`` over a copy of this one's without the
    OpenMP settings."""
    environ = {k: v for k, v in os.environ.items() if not k.startswith(("OMP_", "GOMP_"))}
    return subprocess.run(
        [sys.executable, "-c", code],
        env={**environ, **env},
        capture_output=True,
        text=True,
        check=True,
        cwd=ROOT,
    )


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="GNU OpenMP's spin count")
def test_importing_vaecore_first_makes_idle_threads_spin_briefly_and_says_so_once():
    run = _fresh(
        "import vaecore, os, json, torch\n"
        "import vaecore.models.vae, vaecore.train\n"
        "print(json.dumps([os.environ.get('GOMP_SPINCOUNT'), torch.get_num_threads()]))"
    )
    spin, threads = json.loads(run.stdout)
    assert spin == str(runtime.SPIN_COUNT) and 1 <= threads <= runtime.usable_cpus()
    said = [line for line in run.stderr.splitlines() if line.startswith("vaecore:")]
    assert len(said) == 1 and "idle threads spin briefly, then sleep" in said[0], run.stderr


def test_the_readers_own_choice_wins():
    run = _fresh(
        "import vaecore, torch\nprint(torch.get_num_threads())",
        OMP_NUM_THREADS="1",
        OMP_WAIT_POLICY="ACTIVE",
    )
    assert run.stdout.strip() == "1"
    assert "1 thread, as OMP_NUM_THREADS says" in run.stderr
    assert "as OMP_WAIT_POLICY=ACTIVE says" in run.stderr
    later = _fresh(
        "import vaecore, torch\ntorch.set_num_threads(1)\nimport vaecore.train\n"
        "print(torch.get_num_threads())"
    )
    assert later.stdout.strip() == "1"


def test_torch_loaded_first_is_named_with_the_fix():
    run = _fresh("import torch\nimport vaecore")
    assert "import vaecore before torch, or set OMP_WAIT_POLICY=PASSIVE" in run.stderr


def test_every_chapter_imports_vaecore_before_torch():
    """The first code cell (the set-up cell, which runs before the imports) imports vaecore,
    and no cell before it imports torch."""
    for path in sorted((ROOT / "chapters").glob("*.ipynb")):
        cells = [c for c in json.loads(path.read_text())["cells"] if c["cell_type"] == "code"]
        first = "".join(cells[0]["source"])
        imported = [
            alias.name
            for node in ast.walk(ast.parse(first))
            if isinstance(node, ast.Import)
            for alias in node.names
        ]
        assert "vaecore" in imported and "torch" not in imported, path.name
