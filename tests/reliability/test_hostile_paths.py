"""Paths that are not regular files -- a FIFO, device files, a directory, links to them, a link loop, a
socket -- are refused by every reader before it opens them: a ``ValueError`` naming the path and
what it is, never a hang (a FIFO blocks ``open()``) nor endless reading (``/dev/zero``)."""

import os
import socket

import numpy as np
import pytest

import kerafront
from kerafront import _files, layers
from kerafront.saving import load_model, load_weights, save_model

from _children import import_kerafront

GIB = 1024 ** 3


@pytest.fixture
def hostile(tmp_path):
    """``{label: (path, what the message must call it)}``."""
    if not hasattr(os, "mkfifo"):
        pytest.skip("no FIFOs on this platform")
    os.mkfifo(tmp_path / "fifo")
    (tmp_path / "folder").mkdir()
    os.symlink(tmp_path / "fifo", tmp_path / "link_to_fifo")
    os.symlink(tmp_path / "loop_b", tmp_path / "loop_a")
    os.symlink(tmp_path / "loop_a", tmp_path / "loop_b")
    paths = {"fifo": (tmp_path / "fifo", "named pipe"), "link_to_fifo": (tmp_path / "link_to_fifo", "named pipe"),
             "folder": (tmp_path / "folder", "directory"), "loop": (tmp_path / "loop_a", "loop of symbolic links")}
    for device in ("/dev/zero", "/dev/urandom"):
        if os.path.exists(device):
            paths[device] = (device, "character device")
    return {label: (str(path), kind) for label, (path, kind) in paths.items()}


def test_load_model_and_load_weights_refuse_non_regular_paths_without_hanging(hostile, run_python):
    """In a child under a 60 s timeout and a 1 GiB memory margin: a regression hangs or dies there."""
    results = run_python(f"""
        from kerafront.saving import load_model, load_weights
        limit_memory({GIB})
        model = kerafront.Sequential([kerafront.Input((4,)), kerafront.layers.Dense(3)])
        out = {{}}
        for label, (path, _) in {hostile!r}.items():
            for reader, call in (("load_model", lambda: load_model(path)),
                                 ("load_weights", lambda: load_weights(model, path))):
                try:
                    call()
                    out[label + " " + reader] = "loaded"
                except Exception as error:
                    out[label + " " + reader] = type(error).__name__ + ": " + str(error)
        report(out)
    """, timeout=60)
    for label, (path, kind) in hostile.items():
        for reader in ("load_model", "load_weights"):
            message = results[f"{label} {reader}"]
            assert message.startswith(f"ValueError: {reader}: {path}"), message
            assert kind in message, message


def test_a_socket_is_refused(tmp_path):
    if not hasattr(socket, "AF_UNIX"):
        pytest.skip("no Unix sockets on this platform")
    path = str(tmp_path / "s")  # short: Unix socket paths are limited to ~100 bytes
    if len(path) > 100:
        pytest.skip("temporary folder path too long for a Unix socket")
    with socket.socket(socket.AF_UNIX) as server:
        server.bind(path)
        with pytest.raises(ValueError, match="is a socket"):
            load_model(path)


def test_open_regular_rechecks_the_opened_descriptor(tmp_path, monkeypatch):
    """A path swapped for a FIFO between the ``stat`` and the ``open`` is still refused, and the
    ``O_NONBLOCK`` open does not block on it."""
    if not hasattr(os, "mkfifo"):
        pytest.skip("no FIFOs on this platform")
    regular = tmp_path / "regular"
    regular.write_bytes(b"x")
    os.mkfifo(tmp_path / "fifo")
    real_open = os.open
    monkeypatch.setattr(os, "open", lambda path, *a, **k: real_open(str(tmp_path / "fifo"), *a, **k))
    with pytest.raises(ValueError, match="named pipe"):
        _files.open_regular(regular, "load_model")


def test_a_link_to_a_regular_file_still_loads(tmp_path):
    model = kerafront.Sequential([kerafront.Input((2,)), layers.Dense(1, kernel_initializer="ones")])
    save_model(model, tmp_path / "real.kerafront")
    os.symlink(tmp_path / "real.kerafront", tmp_path / "link.kerafront")
    loaded = load_model(tmp_path / "link.kerafront")
    assert loaded.predict(np.array([[1.0, 2.0]], "float32"), verbose=0).tolist() == [[3.0]]  # ones, zero bias
    load_weights(model, tmp_path / "link.kerafront")


def test_missing_file_stays_file_not_found(tmp_path):
    with pytest.raises(FileNotFoundError):
        load_model(tmp_path / "absent.kerafront")


def test_kerafront_json_that_is_a_fifo_does_not_hang_import(tmp_path):
    if not hasattr(os, "mkfifo"):
        pytest.skip("no FIFOs on this platform")
    os.mkfifo(tmp_path / "kerafront.json")
    result = import_kerafront(tmp_path)
    assert result.returncode != 0
    assert "ValueError: kerafront config file" in result.stderr and "is a named pipe" in result.stderr, result.stderr
