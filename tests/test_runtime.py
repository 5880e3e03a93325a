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
        "print(json.dumps([os.environ.get(name) for name in ('GOMP_SPINCOUNT',"
        " 'OPENBLAS_NUM_THREADS')] + [torch.get_num_threads()]))",
        OPENBLAS_NUM_THREADS="",
    )
    spin, blas, threads = json.loads(run.stdout)
    assert spin == str(runtime.SPIN_COUNT) and 1 <= threads <= runtime.usable_cpus()
    assert blas == str(runtime.usable_cpus())  # NumPy's OpenBLAS: the same CPUs
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


class Machine:
    """A clock, this process's processor seconds and the machine's idle seconds, set by hand."""

    def __init__(self) -> None:
        self.now = self.ours = self.idle = 0.0
        self.idle_while_waiting = 2.0  # the processors other programs leave idle

    def monotonic(self) -> float:
        return self.now

    def process_time(self) -> float:
        return self.ours

    def advance(self, seconds: float, used: float, idle: float) -> None:
        """``seconds`` pass, in which this process used ``used`` processors and ``idle`` stayed
        idle."""
        self.now += seconds
        self.ours += used * seconds
        self.idle += idle * seconds

    def sleep(self, seconds: float) -> None:
        self.advance(seconds, used=0.0, idle=self.idle_while_waiting)


@pytest.fixture
def machine(monkeypatch):
    """A two-CPU machine whose load the test sets, followed from a first look at time 0;
    PyTorch's threads and ``torch.set_num_threads`` restored afterwards."""
    before = torch.get_num_threads()
    fake = Machine()
    monkeypatch.setattr(runtime, "time", fake)
    monkeypatch.setattr(runtime, "_idle_seconds", lambda: fake.idle)
    monkeypatch.setattr(torch, "set_num_threads", torch.set_num_threads)
    for name in ("_most", "_set", "_look", "_set_threads"):
        monkeypatch.setattr(runtime, name, getattr(runtime, name))
    torch.set_num_threads(2)
    runtime._follow(torch)
    yield fake
    torch.set_num_threads(before)


def test_the_threads_follow_the_machines_load(machine):
    machine.advance(1.0, used=1.0, idle=0.0)  # another program holds the other processor
    assert runtime.follow_load() == 1 and torch.get_num_threads() == 1
    machine.advance(0.1, used=1.0, idle=1.0)  # too soon to look again
    assert runtime.follow_load() == 1
    machine.advance(1.0, used=1.0, idle=0.0)
    assert runtime.follow_load() == 1
    machine.advance(1.0, used=1.0, idle=0.9)  # the other program has stopped
    assert runtime.follow_load() == 2 and torch.get_num_threads() == 2
    machine.advance(1.0, used=1.7, idle=0.0)  # a light program beside: two threads still pay
    assert runtime.follow_load() == 2


def test_a_stale_look_is_taken_afresh(machine):
    """A reader paused for a minute, and a program started just before the next cell: the
    minute's average says idle, the last moment says busy."""
    machine.advance(60.0, used=0.0, idle=2.0)
    machine.idle_while_waiting = 0.0
    assert runtime.follow_load() == 1
    assert machine.now == pytest.approx(60.0 + runtime.SAMPLE)


def test_the_readers_threads_stop_the_following_even_at_the_same_count(machine, monkeypatch):
    torch.set_num_threads(2)  # the reader's choice, the count vaecore had
    machine.advance(1.0, used=1.0, idle=0.0)
    assert runtime.follow_load() == 2 and runtime._most is None
    assert torch.get_num_threads() == 2
    runtime._follow(torch)  # a second start does not wrap the wrapper
    assert runtime._set_threads is torch.set_num_threads.__wrapped__
    monkeypatch.setattr(runtime, "_idle_seconds", lambda: None)  # the system stopped saying
    machine.advance(1.0, used=1.0, idle=0.0)
    assert runtime.follow_load() == 2 and runtime._most is None


def test_the_machines_idle_seconds_are_read_where_linux_says_them():
    idle = runtime._idle_seconds()
    if sys.platform.startswith("linux"):
        assert idle is not None and idle > 0
    else:
        assert idle is None


def _threads_at_each_forward(
    model: torch.nn.Module, machine: Machine, used: float, idle: float
) -> list[int]:
    """The threads in use at each forward pass of ``model``'s first linear layer; each pass
    also lets a second pass with that load, so that a look inside the run would change them."""
    seen: list[int] = []

    def hook(*_) -> None:
        seen.append(torch.get_num_threads())
        machine.advance(1.0, used=used, idle=idle)

    next(m for m in model.modules() if isinstance(m, torch.nn.Linear)).register_forward_hook(hook)
    return seen


def test_the_threads_change_between_runs_never_inside_one(machine):
    """A run's numbers depend on its thread count, so a training loop looks once, when it
    starts: the same seed gives the same numbers whatever the load does while it trains."""
    from vaecore.models.gan import Discriminator, Generator
    from vaecore.models.vae import VAE
    from vaecore.train import TrainConfig, fit
    from vaecore.train_gan import GANConfig, train_gan

    machine.advance(1.0, used=2.0, idle=0.0)  # idle until now: two threads
    vae = VAE(2, (8,), data_dim=4)
    seen = _threads_at_each_forward(vae, machine, used=1.0, idle=0.0)  # a program starts
    fit(vae, torch.rand(8, 4), TrainConfig(2, batch_size=4, progress=False))
    assert len(seen) == 4 and set(seen) == {2}
    machine.idle_while_waiting = 0.0  # the other program goes on after the run, then stops
    generator = Generator(2, 4, (8,))
    seen = _threads_at_each_forward(generator, machine, used=1.0, idle=1.0)
    train_gan(generator, Discriminator(4, (8,)), torch.rand(8, 4), GANConfig(3, 4, progress=False))
    assert len(seen) >= 3 and set(seen) == {1}  # the busy machine, seen when this run started


def test_a_notebook_follows_the_load_before_each_cell(monkeypatch):
    hooks = []

    class Shell:
        class events:  # noqa: N801 (IPython's name)
            @staticmethod
            def register(event, hook):
                hooks.append((event, hook))

    monkeypatch.setitem(sys.modules, "IPython", type(sys)("IPython"))
    sys.modules["IPython"].get_ipython = Shell  # type: ignore[attr-defined]
    monkeypatch.setattr(runtime, "_in_notebook", lambda: True)
    monkeypatch.setattr(runtime, "_said", None)
    monkeypatch.setattr(runtime, "_idle_seconds", lambda: 0.0)
    monkeypatch.setattr(runtime, "usable_cpus", lambda root=runtime.CGROUP: 2)
    monkeypatch.delenv(runtime.THREADS_ENV, raising=False)
    before = torch.get_num_threads()
    follow = []
    monkeypatch.setattr(runtime, "follow_load", lambda: follow.append(1) or 2)
    monkeypatch.setattr(torch, "set_num_threads", torch.set_num_threads)
    for name in ("_most", "_set", "_look", "_set_threads"):
        monkeypatch.setattr(runtime, name, getattr(runtime, name))
    try:
        torch.set_num_threads(2)
        assert "one while other programs keep the CPUs busy" in runtime.configure()
        assert [event for event, _ in hooks] == ["pre_run_cell"]
        hooks[0][1](None)
        assert len(follow) == 1  # before the cell
    finally:
        torch.set_num_threads(before)
