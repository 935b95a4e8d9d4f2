"""BackupAndRestore (a killed training process resumes to the uninterrupted weights) and RemoteMonitor
(POSTs to a local http.server)."""

import http.server
import json
import os
import signal
import subprocess
import sys
import textwrap
import threading
import time
import urllib.parse

import numpy as np
import pytest

import kerafront as keras

_TRAIN_SCRIPT = textwrap.dedent('''
    import json, os, sys, time
    import numpy as np
    import kerafront as keras

    mode, backup_dir, out, save_freq, block_at = sys.argv[1:6]
    save_freq = save_freq if save_freq == "epoch" else int(save_freq)
    block_epoch, block_batch = (int(v) for v in block_at.split(","))
    keras.utils.set_random_seed(3)
    model = keras.Sequential([keras.layers.Dense(4, activation="tanh"), keras.layers.Dense(1)])
    model.build((None, 3))
    model.compile(optimizer=keras.optimizers.Adam(0.05), loss="mse")
    x = np.linspace(-1, 1, 36).reshape(12, 3).astype("float32")
    y = np.sin(3 * x).sum(axis=1, keepdims=True).astype("float32")

    class Blocker(keras.callbacks.Callback):
        """Records where fit started; hangs (to be killed) at a given epoch and batch."""
        def on_train_begin(self, logs=None):
            self.start = [getattr(self.model, "_initial_epoch", None), getattr(self.model, "_initial_step", 0)]
            self.first_batch = None
        def on_epoch_begin(self, epoch, logs=None):
            self.epoch = epoch
        def on_train_batch_end(self, batch, logs=None):
            if self.first_batch is None:
                self.first_batch = [self.epoch, batch]
            if mode == "block" and [self.epoch, batch] == [block_epoch, block_batch]:
                open(out + ".blocked", "w").close()
                time.sleep(600)

    blocker = Blocker()
    callbacks = [keras.callbacks.BackupAndRestore(backup_dir, save_freq=save_freq), blocker]
    if mode == "plain":
        callbacks = [blocker]
    history = model.fit(x, y, batch_size=2, epochs=3, shuffle=False, verbose=0, callbacks=callbacks)
    np.savez(out, *[v.numpy() for v in model.weights])
    with open(out + ".json", "w") as f:
        json.dump({"start": blocker.start, "first_batch": blocker.first_batch,
                   "epochs_run": len(history.history["loss"])}, f)
''')


def _env():
    root = os.path.dirname(os.path.dirname(os.path.abspath(keras.__file__)))
    return dict(os.environ, KERAFRONT_BACKEND="numpy",
                PYTHONPATH=os.pathsep.join([root, *filter(None, [os.environ.get("PYTHONPATH")])]))


def _run(script, *args, timeout=120):
    env = _env()
    return subprocess.run([sys.executable, script, *args], env=env, timeout=timeout, capture_output=True, text=True)


@pytest.mark.parametrize("save_freq, block_at, resume_at, epochs_after", [
    ("epoch", "2,0", [2, 0], 1),   # killed in epoch 2: the epoch-1 backup resumes at epoch 2, step 0
    ("4", "1,4", [1, 4], 2),       # killed after batch 4 of epoch 1: the backup after batch 3 resumes at step 4
])
def test_backup_and_restore_resumes_a_killed_fit(tmp_path, save_freq, block_at, resume_at, epochs_after):
    script = tmp_path / "train.py"
    script.write_text(_TRAIN_SCRIPT)
    backup_dir, killed_out, resumed_out, plain_out = (str(tmp_path / n) for n in ("backup", "k", "r", "p"))

    env = _env()
    process = subprocess.Popen([sys.executable, str(script), "block", backup_dir, killed_out, save_freq, block_at],
                               env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        deadline = time.monotonic() + 120
        while not os.path.exists(killed_out + ".blocked"):
            assert process.poll() is None, process.stderr.read().decode()
            assert time.monotonic() < deadline, "the training process never reached the blocking batch"
            time.sleep(0.05)
        assert os.path.exists(os.path.join(backup_dir, "latest.weights.npz"))
        os.kill(process.pid, signal.SIGKILL)
        process.wait(timeout=30)
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
        process.stderr.close()
    assert process.returncode == -signal.SIGKILL

    resumed = _run(str(script), "resume", backup_dir, resumed_out, save_freq, "-1,-1")
    assert resumed.returncode == 0, resumed.stderr
    plain = _run(str(script), "plain", backup_dir, plain_out, save_freq, "-1,-1")
    assert plain.returncode == 0, plain.stderr

    with open(resumed_out + ".json") as f:
        info = json.load(f)
    assert info["start"] == resume_at
    assert info["first_batch"] == resume_at
    assert info["epochs_run"] == epochs_after
    assert not os.path.exists(backup_dir)  # delete_checkpoint=True
    with np.load(resumed_out + ".npz") as got, np.load(plain_out + ".npz") as want:
        assert len(got.files) == len(want.files) == 4
        for key in want.files:
            np.testing.assert_allclose(got[key], want[key], rtol=1e-6, atol=1e-7)


def _tiny_model():
    keras.utils.set_random_seed(0)
    model = keras.Sequential([keras.layers.Dense(1)])
    model.build((None, 2))
    model.compile(optimizer="sgd", loss="mse")
    return model


def test_backup_and_restore_double_checkpoint_falls_back_to_the_previous_backup(tmp_path):
    backup_dir = tmp_path / "b"
    x, y = np.ones((4, 2), "float32"), np.zeros((4, 1), "float32")
    model = _tiny_model()
    callback = keras.callbacks.BackupAndRestore(backup_dir, double_checkpoint=True, delete_checkpoint=False)
    model.fit(x, y, epochs=2, batch_size=4, verbose=0, callbacks=[callback])
    after_two = [w.numpy().copy() for w in model.weights]
    assert sorted(os.listdir(backup_dir)) == ["latest.weights.npz", "latest.weights.npz.bkp"]
    (backup_dir / "latest.weights.npz").write_bytes(b"corrupt")
    model2 = _tiny_model()
    history = model2.fit(x, y, epochs=2, batch_size=4, verbose=0,
                         callbacks=[keras.callbacks.BackupAndRestore(backup_dir, double_checkpoint=True)])
    assert len(history.history["loss"]) == 1  # the .bkp holds the state after epoch 1
    for got, want in zip(model2.weights, after_two):
        np.testing.assert_allclose(got.numpy(), want, rtol=1e-6)


def test_backup_and_restore_rejects_bad_arguments_and_foreign_backups(tmp_path):
    with pytest.raises(ValueError, match="backup_dir"):
        keras.callbacks.BackupAndRestore("")
    with pytest.raises(ValueError, match="save_freq"):
        keras.callbacks.BackupAndRestore(tmp_path, save_freq="batch")
    model = _tiny_model()
    model.fit(np.ones((2, 2)), np.ones((2, 1)), epochs=1, verbose=0,
              callbacks=[keras.callbacks.BackupAndRestore(tmp_path / "b", delete_checkpoint=False)])
    other = keras.Sequential([keras.layers.Dense(3)])
    other.build((None, 2))
    other.compile(optimizer="sgd", loss="mse")
    with pytest.raises(ValueError, match="BackupAndRestore.*different model"):
        other.fit(np.ones((2, 2)), np.ones((2, 3)), epochs=1, verbose=0,
                  callbacks=[keras.callbacks.BackupAndRestore(tmp_path / "b")])


class _Recorder(http.server.BaseHTTPRequestHandler):
    received = []

    def do_POST(self):
        body = self.rfile.read(int(self.headers["Content-Length"])).decode()
        self.received.append((self.path, dict(self.headers), body))
        self.send_response(200)
        self.end_headers()

    def log_message(self, *args):
        pass


@pytest.fixture
def server():
    _Recorder.received = []
    httpd = http.server.HTTPServer(("127.0.0.1", 0), _Recorder)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}", _Recorder.received
    httpd.shutdown()
    httpd.server_close()


def test_remote_monitor_posts_form_data_each_epoch(server):
    root, received = server
    monitor = keras.callbacks.RemoteMonitor(root=root, headers={"X-Token": "abc"})
    monitor.on_epoch_end(0, {"loss": np.float32(0.5), "acc": 0.25})
    monitor.on_epoch_end(1, {"loss": 0.125})
    assert [r[0] for r in received] == ["/publish/epoch/end/"] * 2
    assert received[0][1]["X-Token"] == "abc"
    assert received[0][1]["Content-Type"] == "application/x-www-form-urlencoded"
    form = urllib.parse.parse_qs(received[0][2])
    assert json.loads(form["data"][0]) == {"epoch": 0, "loss": 0.5, "acc": 0.25}
    assert json.loads(urllib.parse.parse_qs(received[1][2])["data"][0]) == {"epoch": 1, "loss": 0.125}


def test_remote_monitor_json_body_in_fit(server):
    root, received = server
    model = _tiny_model()
    monitor = keras.callbacks.RemoteMonitor(root=root, path="/p", field="ignored", send_as_json=True)
    history = model.fit(np.ones((2, 2)), np.zeros((2, 1)), epochs=2, verbose=0, callbacks=[monitor])
    assert [r[0] for r in received] == ["/p", "/p"]
    assert received[0][1]["Content-Type"] == "application/json"
    bodies = [json.loads(r[2]) for r in received]
    assert [b["epoch"] for b in bodies] == [0, 1]
    np.testing.assert_allclose([b["loss"] for b in bodies], history.history["loss"], rtol=1e-6)


def test_remote_monitor_warns_when_the_server_is_unreachable():
    monitor = keras.callbacks.RemoteMonitor(root="http://127.0.0.1:9", timeout=2)
    with pytest.warns(UserWarning, match="Could not reach RemoteMonitor root server at http://127.0.0.1:9"):
        monitor.on_epoch_end(0, {"loss": 1.0})


def test_remote_monitor_config_defaults_match_keras():
    monitor = keras.callbacks.RemoteMonitor()
    assert (monitor.root, monitor.path, monitor.field, monitor.headers, monitor.send_as_json) == (
        "http://localhost:9000", "/publish/epoch/end/", "data", None, False)
