"""pytest set-up shared by tests/ and the notebooks that nbval runs from chapters/."""

import http.server
import os
import threading

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
