"""Small hostile files cannot make loading allocate much: a config declaring weights the file does not
hold is refused before the model allocates them (no initializer runs while loading), and a weights
header declaring more bytes than the file holds is refused before any tensor is read. Each runs in a
child whose address space is limited to 1.5 GiB above its size after ``import kerafront``."""

import json
import struct
import zipfile

import numpy as np
import pytest

import kerafront
from kerafront import initializers, layers
from kerafront.saving import load_model, save_model

MEMORY_MARGIN = 3 * 1024 ** 3 // 2
WIDE = 50_000  # Dense(50000) on a 50000-wide input: 10 GB of float32 kernel (20 GB drawn in float64)


def _small_model_file(path):
    model = kerafront.Sequential([kerafront.Input((4,)), layers.Dense(3)])
    save_model(model, path)
    with zipfile.ZipFile(path) as archive:
        return {name: archive.read(name) for name in archive.namelist()}


def _write(path, members):
    with zipfile.ZipFile(path, "w") as archive:
        for name, content in members.items():
            archive.writestr(name, content, compress_type=zipfile.ZIP_STORED)
    return str(path)


def _header_bomb(members, shape):
    """The weights member with its first tensor declared as ``shape`` (data left as it was)."""
    raw = members["model.weights.safetensors"]
    (size,) = struct.unpack("<Q", raw[:8])
    header = json.loads(raw[8:8 + size])
    first = next(key for key in header if key != "__metadata__")
    header[first]["shape"] = list(shape)
    encoded = json.dumps(header).encode()
    return struct.pack("<Q", len(encoded)) + encoded + raw[8 + size:]


@pytest.fixture
def bombs(tmp_path):
    members = _small_model_file(tmp_path / "small.kerafront")
    config = json.loads(members["config.json"])
    input_layer, dense = config["model"]["config"]["layers"]
    input_layer["config"]["batch_shape"] = [None, WIDE]
    dense["config"]["units"] = WIDE
    config_bomb = _write(tmp_path / "config_bomb.kerafront", dict(members, **{"config.json": json.dumps(config)}))
    header_bomb = _write(tmp_path / "header_bomb.kerafront", dict(
        members, **{"model.weights.safetensors": _header_bomb(members, (2 ** 16, 2 ** 16))}))
    weights_bomb = tmp_path / "bomb.weights.safetensors"
    weights_bomb.write_bytes(_header_bomb(members, (2 ** 16, 2 ** 16)))
    return {"config": config_bomb, "header": header_bomb, "weights": str(weights_bomb)}


def test_hostile_files_are_refused_under_a_memory_limit(bombs, run_python):
    import os
    assert max(os.path.getsize(path) for path in bombs.values()) < 4096  # a few KB each
    results = run_python(f"""
        from kerafront.saving import load_model, load_weights
        limit_memory({MEMORY_MARGIN})
        out = {{}}
        for name, call in (("config", lambda: load_model({bombs["config"]!r})),
                           ("header", lambda: load_model({bombs["header"]!r})),
                           ("weights", lambda: load_weights(
                               kerafront.Sequential([kerafront.Input((4,)), kerafront.layers.Dense(3)]),
                               {bombs["weights"]!r}))):
            try:
                call()
                out[name] = "loaded"
            except Exception as error:
                out[name] = type(error).__name__ + ": " + str(error)
        report(out)
    """, timeout=120)
    assert results["config"].startswith("ValueError: ") and f"({WIDE}, {WIDE})" in results["config"], results
    assert "refusing before allocating" in results["config"]
    for name in ("header", "weights"):
        assert results[name].startswith("ValueError: ") and "data range" in results[name], results


def test_loading_runs_no_initializer_and_checks_before_allocating(backend, tmp_path, monkeypatch):
    """In process, on every backend: a config disagreeing with the weights is refused by the check, and
    a good file loads without running an initializer."""
    members = _small_model_file(tmp_path / "small.kerafront")
    config = json.loads(members["config.json"])
    config["model"]["config"]["layers"][1]["config"]["units"] = 7
    path = _write(tmp_path / "units.kerafront", dict(members, **{"config.json": json.dumps(config)}))
    calls = []
    monkeypatch.setattr(initializers.GlorotUniform, "_fill", lambda self, *a: calls.append(a))
    with pytest.raises(ValueError, match=r"weight '\w+/dense\w*/kernel' has shape \(4, 7\).*refusing before"):
        load_model(path)
    loaded = load_model(tmp_path / "small.kerafront")
    assert calls == [] and loaded.layers[0].kernel.shape == (4, 3)


def test_skip_initialization_is_per_thread_and_restored():
    import threading
    seen = {}
    with initializers.skip_initialization():
        inner = layers.Dense(2)
        inner.build((None, 3))

        def other():
            outer = layers.Dense(2, kernel_initializer="ones")
            outer.build((None, 3))
            seen["other"] = outer.kernel.numpy()

        thread = threading.Thread(target=other)
        thread.start()
        thread.join(timeout=60)
    np.testing.assert_array_equal(inner.kernel.numpy(), np.zeros((3, 2)))
    np.testing.assert_array_equal(seen["other"], np.ones((3, 2)))
    after = layers.Dense(2, kernel_initializer="ones")
    after.build((None, 3))
    np.testing.assert_array_equal(after.kernel.numpy(), np.ones((3, 2)))


def test_initializers_fill_the_target_dtype_without_a_float64_copy(monkeypatch):
    """Chunked drawing: for a float32 weight no float64 draw larger than one chunk is made, and the
    values equal the one-shot float64 draw rounded to float32."""
    monkeypatch.setattr(initializers, "_CHUNK", 64)
    for name in ("GlorotUniform", "TruncatedNormal", "RandomNormal", "HeNormal", "RandomUniform"):
        initializer = getattr(initializers, name)(seed=5)
        reference = initializer.numpy((30, 20)).astype("float32")  # one float64 draw of the whole shape
        got = kerafront.ops.convert_to_numpy(initializer((30, 20), dtype="float32"))
        assert got.dtype == np.float32
        np.testing.assert_array_equal(got, reference, err_msg=name)

    sizes = []

    class RecordingGenerator:
        def __init__(self, rng):
            self.rng = rng

        def __getattr__(self, name):
            def draw(*args, size=None, **kwargs):
                sizes.append(int(np.prod(size)))
                return getattr(self.rng, name)(*args, size=size, **kwargs)
            return draw

    monkeypatch.setattr(initializers.Initializer, "_rng", lambda self: RecordingGenerator(np.random.default_rng(1)))
    for name in ("GlorotUniform", "TruncatedNormal", "RandomNormal", "GlorotNormal"):
        sizes.clear()
        getattr(initializers, name)()((30, 20), dtype="float32")
        assert sizes and max(sizes) <= 64, (name, sizes)
