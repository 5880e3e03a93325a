"""Nothing the project writes is lost: vaecore.files writes atomically, and every writer of the
package, the tools and the benchmarks goes through it (found by reading their code, so a new
writer is covered without anyone adding a case)."""

import ast
import enum
import hashlib
import os
import stat
from collections import defaultdict, namedtuple
from pathlib import Path

import numpy as np
import pytest
from tool_modules import tool

from vaecore import checkpoint, files, settings
from vaecore.data import sources
from vaecore.models.vae import VAE

ROOT = Path(__file__).resolve().parent.parent
WRITERS = [*(ROOT / "vaecore").rglob("*.py"), *(ROOT / "tools").glob("*.py")]
WRITERS += [*(ROOT / "benchmarks").glob("*.py")]

# --- every writer goes through vaecore.files -------------------------------------------------

#: Calls that write a file given its path, or move one into place (``owner.name``; ``None``: any
#: owner). ``Path.replace`` and ``str.replace`` look alike to the parser, so only ``os``'s count.
PATH_WRITERS = {
    "write_text": None,
    "write_bytes": None,
    "savefig": None,
    "replace": {"os"},
    "rename": {"os"},
    "savetxt": {"np"},
    "move": {"shutil"},
    "copy": {"shutil"},
    "copyfile": {"shutil"},
    "copy2": {"shutil"},
    "copytree": {"shutil"},
}
#: Calls that write into an open file, with the position of that file among their arguments:
#: allowed only when it is a file of ``files.atomic_file`` or an in-memory buffer.
STREAM_WRITERS = {
    ("torch", "save"): 1,
    ("json", "dump"): 1,
    ("pickle", "dump"): 1,
    ("", "write_po"): 0,
    ("nbformat", "write"): 1,
    ("np", "save"): 0,
    ("np", "savez"): 0,
    ("np", "savez_compressed"): 0,
}
#: Writes that need not be atomic, each with why.
EXEMPT = {
    "benchmarks/book.py shutil.copytree": "copies a built book into a folder the user names "
    "(--keep), to look at; the build it copies stays where it is",
}


def _name(call: ast.Call) -> str:
    f = call.func
    return f.attr if isinstance(f, ast.Attribute) else f.id if isinstance(f, ast.Name) else ""


def _owner(call: ast.Call) -> str:
    f = call.func
    return f.value.id if isinstance(f, ast.Attribute) and isinstance(f.value, ast.Name) else ""


def _mode(call: ast.Call) -> str:
    """The mode of an ``open``, ``os.fdopen`` or ``Path.open`` call ("r" when not given)."""
    for kw in call.keywords:
        if kw.arg == "mode" and isinstance(kw.value, ast.Constant):
            return str(kw.value.value)
    method = isinstance(call.func, ast.Attribute) and _owner(call) not in ("os", "io")
    at = 0 if method else 1  # Path.open(mode) against open(path, mode), os.fdopen(fd, mode)
    if len(call.args) > at and isinstance(call.args[at], ast.Constant):
        return str(call.args[at].value)
    return "r"


def _safe_targets(tree: ast.AST) -> set[str]:
    """Names bound to a file of :func:`vaecore.files.atomic_file` or to an in-memory buffer."""
    safe = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.withitem) and isinstance(node.context_expr, ast.Call):
            if _name(node.context_expr) == "atomic_file" and isinstance(
                node.optional_vars, ast.Name
            ):
                safe.add(node.optional_vars.id)
        if isinstance(node, ast.Assign) and isinstance(node.value, ast.Call):
            if _name(node.value) in ("BytesIO", "StringIO"):
                safe |= {t.id for t in node.targets if isinstance(t, ast.Name)}
    return safe


def unsafe_writes(path: Path, root: Path = ROOT) -> list[str]:
    """``file:line call`` for every write in ``path`` that does not go through vaecore.files."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    safe = _safe_targets(tree)
    where = path.relative_to(root).as_posix()
    found = []
    for node in ast.walk(tree):
        if not isinstance(node, ast.Call) or _owner(node) == "files":
            continue
        name, owner = _name(node), _owner(node)
        if name in ("open", "fdopen"):
            bad = any(c in _mode(node) for c in "wax+")
        elif (owner, name) in STREAM_WRITERS:
            at = STREAM_WRITERS[owner, name]
            target = node.args[at] if len(node.args) > at else None
            bad = not (isinstance(target, ast.Name) and target.id in safe)
        elif name in PATH_WRITERS:
            owners = PATH_WRITERS[name]
            bad = owners is None or owner in owners
        else:
            bad = False
        if bad and f"{where} {ast.unparse(node.func)}" not in EXEMPT:
            found.append(f"{where}:{node.lineno} {ast.unparse(node.func)}")
    return found


def test_every_file_the_project_writes_goes_through_vaecore_files():
    assert len(WRITERS) > 80
    found = [w for path in WRITERS if path.name != "files.py" for w in unsafe_writes(path)]
    assert not found, (
        "write these with vaecore.files (write_text, write_bytes or atomic_file), so that a "
        f"failed write cannot lose the old file: {found}"
    )


def test_the_writer_finder_finds_each_kind_of_write(tmp_path):
    sample = tmp_path / "sample.py"
    sample.write_text(
        "import json, os, torch\n"
        "from pathlib import Path\n"
        "Path('a').write_text('x')\n"
        "open('b', 'w').write('x')\n"
        "with Path('c').open('wb') as f:\n"
        "    torch.save({}, f)\n"
        "os.replace('d', 'e')\n"
        "json.dump({}, open('f', 'a'))\n"
        "with files.atomic_file('g') as ok:\n"
        "    torch.save({}, ok)\n"
        "open('h').read()\n"
        "'text'.replace('a', 'b')\n"
        "files.write_text('i', 'x')\n"
        "np.savez('j', a=1)\n"
    )
    found = unsafe_writes(sample, root=tmp_path)
    lines = sorted(int(w.split(":")[1].split()[0]) for w in found)
    assert lines == [3, 4, 5, 6, 7, 8, 8, 14], found


# --- vaecore.files ----------------------------------------------------------------------------


def test_a_write_replaces_the_file_whole_with_the_umask_s_permissions(tmp_path):
    path = tmp_path / "deep" / "result.json"
    old = os.umask(0o022)
    try:
        assert files.write_text(path, "new ✓") == path
    finally:
        os.umask(old)
    assert path.read_text(encoding="utf-8") == "new ✓"
    assert stat.S_IMODE(path.stat().st_mode) == 0o644
    assert [p.name for p in path.parent.iterdir()] == ["result.json"]


@pytest.mark.parametrize("fault", [OSError(28, "No space left on device"), KeyboardInterrupt()])
def test_a_write_that_fails_leaves_the_old_file_and_no_temporary(tmp_path, fault):
    path = tmp_path / "vae.po"
    path.write_text("79 messages")
    with pytest.raises(type(fault)):
        with files.atomic_file(path) as f:
            f.write(b"45 mess")
            raise fault
    assert path.read_text() == "79 messages"
    assert [p.name for p in tmp_path.iterdir()] == ["vae.po"]


def test_the_next_write_removes_what_a_killed_writer_left_but_not_a_running_one(tmp_path):
    import fcntl

    path = tmp_path / "vae.pt"
    stale = tmp_path / ".vae.pt.k1ll3d.tmp"  # what SIGKILL leaves
    stale.write_bytes(b"x" * 1000)
    running = tmp_path / ".vae.pt.runn1ng.tmp"
    running.write_bytes(b"y")
    other = tmp_path / ".other.pt.k1ll3d.tmp"  # another file's: not ours to remove
    other.write_bytes(b"z")
    with open(running, "rb") as held:
        fcntl.flock(held, fcntl.LOCK_EX)
        files.write_bytes(path, b"weights")
        assert not stale.exists() and running.exists() and other.exists()
    assert files.remove_stale_temporaries(path) == 1 and not running.exists()


def test_a_folder_that_cannot_hold_the_file_is_named(tmp_path):
    (tmp_path / "cache").write_text("a file where a folder should be")
    with pytest.raises(files.WriteError, match=r"cannot write x\.json in .*cache"):
        files.write_text(tmp_path / "cache" / "x.json", "{}")


# --- checkpoints: a file that save wrote always loads -------------------------------------------


class Level(enum.IntEnum):
    HIGH = 2


Pair = namedtuple("Pair", "a b")


def test_a_checkpoint_with_numpy_enum_and_subclassed_metadata_loads_as_plain_data(tmp_path):
    tally = defaultdict(int, {"epochs": np.int64(3)})
    meta = {
        "test_loss": np.float64(87.5),
        "name": np.str_("vae"),
        "level": Level.HIGH,
        "tally": tally,
        "flag": np.bool_(True),
        "pair": Pair(1, np.float32(0.5)),
        "losses": [np.float32(1.5), 2],
    }
    path = checkpoint.save(VAE(2, hidden=(8,)), tmp_path / "vae.pt", **meta)
    loaded = checkpoint.load(VAE(2, hidden=(8,)), path)
    assert loaded == {
        "test_loss": 87.5,
        "name": "vae",
        "level": 2,
        "tally": {"epochs": 3},
        "flag": True,
        "pair": (1, 0.5),
        "losses": [1.5, 2],
    }
    assert type(loaded["level"]) is int and type(loaded["tally"]) is dict


def test_metadata_that_cannot_load_is_refused_before_the_old_checkpoint_is_touched(tmp_path):
    path = checkpoint.save(VAE(2, hidden=(8,)), tmp_path / "vae.pt", epochs=1)
    before = path.read_bytes()
    with pytest.raises(TypeError, match=r"metadata\['when'\] is a object"):
        checkpoint.save(VAE(2, hidden=(8,)), path, when=object())
    assert path.read_bytes() == before


def test_a_killed_save_s_temporary_is_removed_by_the_next_save_or_load(tmp_path):
    path = checkpoint.save(VAE(2, hidden=(8,)), tmp_path / "vae.pt")
    for step in (checkpoint.load, lambda model, p: checkpoint.save(model, p)):
        stale = tmp_path / ".vae.pt.abc123.tmp"
        stale.write_bytes(b"\0" * 4096)
        step(VAE(2, hidden=(8,)), path)
        assert not stale.exists()


# --- downloads: a full or unwritable cache is not the mirrors' fault ----------------------------


def test_a_cache_that_cannot_be_written_stops_the_download_and_names_the_setting(tmp_path):
    payload = b"bytes"
    tried = []
    file = sources.RemoteFile(
        "f.gz", len(payload), hashlib.sha256(payload).hexdigest(), ("http://127.0.0.1:9/a",)
    )
    blocked = tmp_path / "cache"
    blocked.write_text("not a folder")
    with pytest.raises(files.WriteError, match=settings.CACHE_DIR_ENV) as err:
        sources.download(file, blocked / "mnist" / "f.gz", progress=False)
    assert "mirror" not in str(err.value) and not tried


# --- translation catalogs: all or nothing, and only the book's catalogs -------------------------


@pytest.fixture
def catalogs(tmp_path, monkeypatch):
    """Two copies of the real catalogs in a scratch folder, for apply to write."""
    translation = tool("translation")
    real = translation.CATALOGS
    for page in ("chapters/vae", "chapters/gan"):
        copy = tmp_path / f"{page}.po"
        copy.parent.mkdir(parents=True, exist_ok=True)
        copy.write_bytes((real / f"{page}.po").read_bytes())
    monkeypatch.setattr(translation, "CATALOGS", tmp_path)
    return translation, tmp_path


def test_apply_writes_nothing_when_any_block_is_wrong(catalogs):
    translation, folder = catalogs
    before = {p: p.read_bytes() for p in folder.rglob("*.po")}
    text = translation.export(["chapters/vae"], everything=True).split("\n\n")[0]
    text += "\n\n@@ chapters/gan 0\nEN: a message the page does not have\nZH: 不存在\n"
    with pytest.raises(SystemExit, match="no catalog was changed"):
        translation.apply(text)
    assert {p: p.read_bytes() for p in folder.rglob("*.po")} == before


def test_check_fresh_notices_messages_a_truncated_catalog_lost(catalogs, tmp_path, monkeypatch):
    """A catalog cut short (a write that failed half-way before writes were atomic) still has
    every message it kept translated; `check --fresh` compares it with the English and names
    the page and what it lost."""
    from babel.messages.catalog import Catalog
    from babel.messages.pofile import read_po, write_po

    translation, folder = catalogs
    pot = tmp_path / "pot"
    path = folder / "chapters/vae.po"
    with path.open("rb") as f:
        whole = read_po(f)
    english = Catalog()
    for message in whole:
        if message.id:
            english.add(message.id)
    (pot / "chapters").mkdir(parents=True)
    with (pot / "chapters/vae.pot").open("wb") as f:
        write_po(f, english)
    kept = [m for m in whole if m.id][: len(english) // 2]
    cut = Catalog(locale="zh_CN")
    for message in kept:
        cut.add(message.id, message.string)
    with path.open("wb") as f:
        write_po(f, cut)
    monkeypatch.setattr(translation, "POT", pot)
    monkeypatch.setattr(translation, "_extract", lambda: None)
    lacking, extra = translation.stale_catalogs()["chapters/vae"]
    assert len(lacking) == len(english) - len(kept) > 0 and not extra


@pytest.mark.parametrize("page", ["../../tools/x", "chapters/../chapters/vae", "/etc/passwd"])
def test_only_the_book_s_catalogs_can_be_named(catalogs, page):
    translation, _ = catalogs
    for command in (
        lambda: translation.export([page]),
        lambda: translation.apply(f"@@ {page} 0\nEN: x\nZH: 某\n"),
    ):
        with pytest.raises(SystemExit, match="no catalog for"):
            command()


def test_a_disk_that_fills_at_the_last_moment_is_a_write_error_and_loses_nothing(
    tmp_path, monkeypatch
):
    path = tmp_path / "f.gz"
    path.write_bytes(b"old")

    def full(fd):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "fsync", full)
    with pytest.raises(files.WriteError, match=r"cannot write f\.gz in .*No space left"):
        files.write_bytes(path, b"new")
    assert path.read_bytes() == b"old" and [p.name for p in tmp_path.iterdir()] == ["f.gz"]
