"""A process killed (SIGKILL) in the middle of ``save_model`` leaves the earlier file intact and
loadable; the temporary it was writing is removed by the next save or load of the same target, and
a save that raises leaves no temporary behind."""

import os
import signal
import subprocess
import sys
import textwrap
import time

import numpy as np
import pytest

import kerafront
from kerafront import layers
from kerafront.saving import archive, load_model, save_model, save_weights

from _children import REPO

# A child that saves the reference once, reports, then saves the same model to the target forever
# (about 16 MB of weights, so each save takes long enough to be killed inside).
_SAVER = """
import os, resource, sys
sys.path.insert(0, {repo!r})
import kerafront
from kerafront.saving import save_model
with open("/proc/self/statm") as f:
    size = int(f.read().split()[0]) * os.sysconf("SC_PAGE_SIZE") + 2 ** 30
resource.setrlimit(resource.RLIMIT_AS, (size, size))
kerafront.utils.set_random_seed(7)
model = kerafront.Sequential([kerafront.Input((2000,)), kerafront.layers.Dense(2000)])
save_model(model, "reference.kerafront")
save_model(model, "target.kerafront")
print("ready", flush=True)
while True:
    save_model(model, "target.kerafront")
"""


def _temporaries(folder, target="target.kerafront"):
    return sorted(name for name in os.listdir(folder) if name.startswith(f".{target}{archive.TEMPORARY_MARK}"))


def _kill_mid_save(folder):
    """Start the saver, SIGKILL it while a temporary exists; return the orphans it left."""
    if not sys.platform.startswith("linux"):
        pytest.skip("SIGKILL test runs on Linux")
    env = dict(os.environ, KERAFRONT_BACKEND="numpy", KERAFRONT_HOME=str(folder / "home"))
    child = subprocess.Popen([sys.executable, "-c", textwrap.dedent(_SAVER.format(repo=REPO))], cwd=folder, env=env,
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        assert child.stdout.readline().strip() == "ready", child.stderr.read()
        deadline = time.monotonic() + 60
        while not _temporaries(folder) and time.monotonic() < deadline:
            time.sleep(0.0005)
        child.send_signal(signal.SIGKILL)
    finally:
        child.kill()
        child.wait(timeout=60)
        child.stdout.close()
        child.stderr.close()
    return _temporaries(folder)


def _same_weights(a, b):
    for x, y in zip(a.get_weights(), b.get_weights(), strict=True):
        np.testing.assert_array_equal(x, y)


def test_kill_during_save_keeps_the_old_file_and_the_next_save_removes_the_orphan(tmp_path):
    orphans = []
    for _ in range(5):  # the kill lands inside a save almost always; retry the rare miss
        orphans = _kill_mid_save(tmp_path)
        if orphans:
            break
    assert orphans, "could not kill the child inside a save"
    reference = load_model(tmp_path / "reference.kerafront")
    _same_weights(load_model(tmp_path / "target.kerafront"), reference)
    assert _temporaries(tmp_path) == []  # load_model removed the dead writer's temporary

    assert _kill_mid_save(tmp_path)
    small = kerafront.Sequential([kerafront.Input((3,)), layers.Dense(2)])
    save_model(small, tmp_path / "target.kerafront")
    assert _temporaries(tmp_path) == []
    _same_weights(load_model(tmp_path / "target.kerafront"), small)


def test_a_save_that_raises_leaves_no_temporary(tmp_path, monkeypatch):
    model = kerafront.Sequential([kerafront.Input((3,)), layers.Dense(2)])
    save_model(model, tmp_path / "m.kerafront")
    before = (tmp_path / "m.kerafront").read_bytes()

    def broken(*args, **kwargs):
        raise OSError("disk full (simulated)")

    monkeypatch.setattr(kerafront.saving.weights_file, "encode", broken)
    with pytest.raises(OSError, match="disk full"):
        save_model(model, tmp_path / "m.kerafront")
    monkeypatch.undo()
    with pytest.raises(IsADirectoryError):
        save_weights(model, tmp_path)  # the target is a folder: os.replace fails after writing
    assert sorted(os.listdir(tmp_path)) == ["m.kerafront"]
    assert (tmp_path / "m.kerafront").read_bytes() == before


def test_a_running_save_keeps_its_temporary(tmp_path):
    """The lock held by a writer (and this process's own saves in progress) protect its temporary."""
    target = tmp_path / "t.kerafront"
    seen = {}

    def write(f):
        f.write(b"partial")
        archive.remove_stale_temporaries(target)  # another save of the same target starting now
        seen["during"] = _temporaries(tmp_path, "t.kerafront")

    archive.atomic_write(target, write)
    assert len(seen["during"]) == 1 and _temporaries(tmp_path, "t.kerafront") == []
    assert target.read_bytes() == b"partial"


def test_stale_rules(tmp_path):
    """Dead writer: removed. This process's, not being written: removed. Live pid, unlocked, old:
    removed (the pid was reused). Live pid, unlocked, fresh: kept (a writer between creating and
    locking it). Live pid, locked: kept however old. Another target's temporaries: kept."""
    fcntl = pytest.importorskip("fcntl")
    target = tmp_path / "m.kerafront"
    prefix = f".m.kerafront{archive.TEMPORARY_MARK}"
    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True)
    live = os.getppid()
    names = {"dead": f"{prefix}{dead.stdout.strip()}-a", "own": f"{prefix}{os.getpid()}-b",
             "live_old": f"{prefix}{live}-c", "live_fresh": f"{prefix}{live}-d", "live_locked": f"{prefix}{live}-e",
             "other_target": f".other.kerafront{archive.TEMPORARY_MARK}{dead.stdout.strip()}-f"}
    for name in names.values():
        (tmp_path / name).write_bytes(b"x")
    old = time.time() - 2 * archive.UNLOCKED_STALE_SECONDS
    for label in ("live_old", "live_locked"):
        os.utime(tmp_path / names[label], (old, old))
    with open(tmp_path / names["live_locked"], "rb") as held:
        fcntl.flock(held.fileno(), fcntl.LOCK_EX)
        archive.remove_stale_temporaries(target)
    assert sorted(os.listdir(tmp_path)) == sorted(names[k] for k in ("live_fresh", "live_locked", "other_target"))
