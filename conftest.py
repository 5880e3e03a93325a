"""pytest set-up shared by tests/ and the notebooks that nbval runs from chapters/."""

import http.server
import json
import os
import sys
import threading
from pathlib import Path

import pytest

from vaecore import runtime  # first: it chooses PyTorch's threads before torch is loaded

# pytest-xdist's workers share the CPUs: each takes its part, so they do not wait for each other.
_workers = int(os.environ.get("PYTEST_XDIST_WORKER_COUNT", "1"))
if _workers > 1:
    import torch

    torch.set_num_threads(max(1, runtime.usable_cpus() // _workers))

# Notebooks run by nbval inherit this environment: run them at their smoke-test size unless
# the caller asked otherwise (VAECORE_QUICK=0 pytest runs the full book).
os.environ.setdefault("VAECORE_QUICK", "1")


@pytest.fixture(autouse=True)
def _threads_held_still(monkeypatch):
    """A test's numbers must not depend on what else the machine runs meanwhile (a run's numbers
    depend on its thread count): the threads do not follow the load during a test; the tests of
    the following start it themselves (tests/test_runtime.py)."""
    monkeypatch.setattr(runtime, "_most", None)


@pytest.fixture
def loopback():
    """``loopback(Handler)``: serve an ``http.server`` handler class on 127.0.0.1 for the test;
    returns the base URL. Its threads are daemons, so a handler still sending is not waited
    for."""
    servers = []

    def serve(handler: type) -> str:
        httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
        httpd.daemon_threads = True
        threading.Thread(target=httpd.serve_forever, daemon=True).start()
        servers.append(httpd)
        return f"http://127.0.0.1:{httpd.server_address[1]}"

    yield serve
    for httpd in servers:
        httpd.shutdown()
        httpd.server_close()


# CI builds the book (in quick mode) before it runs the tests, and the build has already run
# every chapter in a fresh kernel. With VAECORE_EXECUTED=<that build's _build folder>, nbval does
# not run them a second time: it checks the outputs the build cached, cell by cell, as it checks
# its own (a cell that raised fails; a NBVAL_CHECK_OUTPUT cell must match its stored outputs).
# A chapter whose cached outputs are missing or stale (its code, the modules it runs, its data
# or the mode changed since: tools/chapter_cache.py's key) fails, saying to build the book.
_EXECUTED = os.environ.get("VAECORE_EXECUTED")
if _EXECUTED:
    from jupyter_cache import get_cache
    from nbval.plugin import IPyNbCell, IPyNbFile, coalesce_streams

    sys.path.append(str(Path(__file__).parent / "tools"))  # a script, as tests/tool_modules.py says
    import chapter_cache

    class _CachedCell(IPyNbCell):
        """A notebook cell checked against the outputs the book's build cached for it."""

        def runtest(self) -> None:
            if self.options["skip"]:
                pytest.skip()
            outs = self.parent.executed.cells[self.parent.code_cells[self.cell_num]].outputs
            for out in outs:
                if out.output_type == "error" and not self.options["check_exception"]:
                    self.raise_cell_error(
                        "Cell execution caused an exception", "\n".join(out.traceback)
                    )
            unrun = self.cell.execution_count is None
            if unrun and self.cell.outputs:
                self.raise_cell_error("Unrun reference cell has outputs")
            if self.options["check"] and not unrun:
                if not self.compare_outputs(
                    coalesce_streams(list(outs)), coalesce_streams(self.cell.outputs)
                ):
                    self.raise_cell_error(
                        "Cell outputs differ", "\n".join(self.comparison_traceback)
                    )

    class _CachedNotebook(IPyNbFile):
        """A chapter whose cells are checked against the build's outputs: no kernel runs."""

        def setup(self) -> None:
            self.setup_sanitize_files()
            build = Path(_EXECUTED).resolve()
            chapter = str(self.path.resolve().relative_to(chapter_cache.ROOT))
            keys_file = build / chapter_cache.KEYS_FILE
            built = json.loads(keys_file.read_text()).get(chapter) if keys_file.is_file() else None
            quick = chapter_cache.quick_mode()
            key, _ = chapter_cache.chapter_key(self.path, quick)
            again = f"build the book first ({'VAECORE_QUICK=1 ' if quick else ''}make book)"
            if built != key:
                pytest.fail(
                    f"{build} holds no outputs of {chapter} as it is now (its key is {key}, the "
                    f"build's {built}): {again}, or unset VAECORE_EXECUTED to run the chapter here",
                    pytrace=False,
                )
            try:
                _, self.executed = get_cache(build / ".jupyter_cache").merge_match_into_notebook(
                    self.nb
                )
            except KeyError:
                pytest.fail(
                    f"{build} holds no executed copy of {chapter}: {again}, or unset "
                    "VAECORE_EXECUTED to run the chapter here",
                    pytrace=False,
                )
            self.code_cells = [
                i for i, c in enumerate(self.executed.cells) if c.cell_type == "code"
            ]

        def collect(self):
            for cell in super().collect():
                yield _CachedCell.from_parent(
                    self,
                    name=cell.name,
                    cell_num=cell.cell_num,
                    cell=cell.cell,
                    options=cell.options,
                )

    @pytest.hookimpl(hookwrapper=True)
    def pytest_collect_file(file_path, parent):
        outcome = yield
        outcome.force_result(
            [
                _CachedNotebook.from_parent(parent, path=c.path) if type(c) is IPyNbFile else c
                for c in outcome.get_result()
            ]
        )
