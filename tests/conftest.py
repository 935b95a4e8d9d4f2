"""Frontend unit tests run on the NumPy backend (fast); cross-backend checks live in conformance_tests/."""

import functools
import http.server
import threading

import numpy as np
import pytest

import kerafront


@pytest.fixture(autouse=True)
def _numpy_backend_and_defaults():
    previous = kerafront.backend()
    if previous != "numpy":
        kerafront.set_backend("numpy")
    floatx, data_format = kerafront.config.floatx(), kerafront.config.image_data_format()
    yield
    kerafront.config.set_floatx(floatx)
    kerafront.config.set_image_data_format(data_format)
    if kerafront.backend() != previous:
        kerafront.set_backend(previous)


@pytest.fixture
def rng():
    return np.random.default_rng(0)


@pytest.fixture
def file_server(tmp_path):
    """Serve ``tmp_path/www`` on 127.0.0.1; yields ``(base URL, folder, list of requested paths)``."""
    root = tmp_path / "www"
    root.mkdir()
    requests = []

    class Handler(http.server.SimpleHTTPRequestHandler):
        def do_GET(self):
            requests.append(self.path)
            super().do_GET()

        def log_message(self, *args):
            pass

    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(Handler, directory=str(root)))
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{httpd.server_address[1]}", root, requests
    finally:
        httpd.shutdown()
        httpd.server_close()
        thread.join(5)
