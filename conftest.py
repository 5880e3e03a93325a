"""pytest set-up shared by tests/ and the notebooks that nbval runs from chapters/."""

import http.server
import os
import threading

import pytest

import vaecore  # noqa: F401 - first: it chooses PyTorch's threads before torch is loaded

# Notebooks run by nbval inherit this environment: run them at their smoke-test size unless
# the caller asked otherwise (VAECORE_QUICK=0 pytest runs the full book).
os.environ.setdefault("VAECORE_QUICK", "1")


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
