"""Saving and loading: round trips, resume equivalence, atomic writes, and hostile files."""

import io
import json
import os
import struct
import zipfile

import numpy as np
import pytest

import kerafront
from kerafront import callbacks, layers
from kerafront.saving import load_model, load_weights, save_model, save_weights


def make_model(seed=0):
    kerafront.utils.set_random_seed(seed)
    model = kerafront.Sequential([kerafront.Input(shape=(4,)), layers.Dense(8, activation="relu"),
                                  layers.BatchNormalization(), layers.Dense(3, activation="softmax")])
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    return model


def data(n=32, seed=0):
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(n, 4)).astype("float32")
    return x, (x[:, 0] > 0).astype("int32") + (x[:, 1] > 1).astype("int32")


@pytest.fixture
def saved(tmp_path):
    model = make_model()
    x, y = data()
    model.fit(x, y, epochs=1, batch_size=8, verbose=0)
    path = tmp_path / "model.kerafront"
    save_model(model, path)
    return model, path


def test_round_trip_predicts_the_same_and_keeps_compile_state(saved):
    model, path = saved
    x, _ = data(8, seed=1)
    loaded = load_model(path)
    np.testing.assert_array_equal(loaded.predict(x, verbose=0), model.predict(x, verbose=0))
    assert loaded.compiled and type(loaded.optimizer).__name__ == "Adam"
    for a, b in zip(loaded.optimizer.variables, model.optimizer.variables):
        np.testing.assert_array_equal(a.numpy(), b.numpy())
    with zipfile.ZipFile(path) as archive:
        metadata = json.loads(archive.read("metadata.json"))
    assert metadata["backend"] == "numpy" and metadata["format"] == "kerafront"


def test_resume_training_equals_uninterrupted_training(tmp_path):
    x, y = data(48)
    straight = make_model()
    straight.fit(x, y, epochs=4, batch_size=16, shuffle=False, verbose=0)
    interrupted = make_model()
    interrupted.fit(x, y, epochs=2, batch_size=16, shuffle=False, verbose=0)
    save_model(interrupted, tmp_path / "ckpt.kerafront")
    resumed = load_model(tmp_path / "ckpt.kerafront")
    resumed.fit(x, y, epochs=2, batch_size=16, shuffle=False, verbose=0)
    for a, b in zip(resumed.get_weights(), straight.get_weights()):
        np.testing.assert_allclose(a, b, rtol=1e-6, atol=1e-7)


def test_save_and_load_weights(tmp_path):
    model, other = make_model(0), make_model(1)
    x, _ = data(4)
    save_weights(model, tmp_path / "w.weights.safetensors")
    load_weights(other, tmp_path / "w.weights.safetensors")
    np.testing.assert_array_equal(other.predict(x, verbose=0), model.predict(x, verbose=0))


def test_functional_model_with_shared_layer_and_two_outputs(tmp_path):
    a, b = kerafront.Input(shape=(3,), name="a"), kerafront.Input(shape=(3,), name="b")
    shared = layers.Dense(4, name="shared")
    merged = layers.Concatenate()([shared(a), shared(b)])
    model = kerafront.Model([a, b], [layers.Dense(1, name="out1")(merged), layers.Dense(2, name="out2")(merged)])
    save_model(model, tmp_path / "f.kerafront")
    loaded = load_model(tmp_path / "f.kerafront")
    xs = [np.ones((2, 3), "float32"), np.arange(6, dtype="float32").reshape(2, 3)]
    for p, q in zip(loaded.predict(xs, verbose=0), model.predict(xs, verbose=0)):
        np.testing.assert_array_equal(p, q)


def test_lambda_layer_cannot_be_saved(tmp_path):
    model = kerafront.Sequential([kerafront.Input(shape=(2,)), layers.Lambda(lambda t: t * 2)])
    with pytest.raises(ValueError, match="register"):
        save_model(model, tmp_path / "lambda.kerafront")
    assert not (tmp_path / "lambda.kerafront").exists()


def test_interrupted_save_leaves_the_earlier_file_intact(saved, monkeypatch):
    model, path = saved
    before = path.read_bytes()

    def broken(*args, **kwargs):
        raise KeyboardInterrupt("simulated interruption")

    monkeypatch.setattr(kerafront.saving.weights_file, "encode", broken)
    with pytest.raises(KeyboardInterrupt):
        save_model(model, path)
    assert path.read_bytes() == before
    assert [p.name for p in path.parent.iterdir()] == [path.name]


def test_model_checkpoint_save_best_only(tmp_path):
    model = make_model()
    x, y = data(32)
    target = tmp_path / "best.kerafront"
    checkpoint = callbacks.ModelCheckpoint(str(target), monitor="loss", save_best_only=True)
    model.fit(x, y, epochs=3, verbose=0, callbacks=[checkpoint])
    assert target.exists() and checkpoint.best is not None
    weights_only = callbacks.ModelCheckpoint(str(tmp_path / "w-{epoch}.weights.safetensors"), save_weights_only=True)
    model.fit(x, y, epochs=2, verbose=0, callbacks=[weights_only])
    assert sorted(p.name for p in tmp_path.glob("w-*")) == ["w-1.weights.safetensors", "w-2.weights.safetensors"]


# ------------------------------------------------------------------------------------------
# Hostile and broken files


def rewrite(path, out, replace=None, extra=None, drop=(), compress=None):
    """Copy the archive ``path`` to ``out`` with members replaced, added or dropped."""
    with zipfile.ZipFile(path) as source, zipfile.ZipFile(out, "w") as target:
        for info in source.infolist():
            if info.filename in drop:
                continue
            content = (replace or {}).get(info.filename, source.read(info.filename))
            target.writestr(info.filename, content, compress_type=compress or info.compress_type)
        for name, content in (extra or {}).items():
            target.writestr(name, content)
    return out


def weights_header(path):
    with zipfile.ZipFile(path) as archive:
        raw = archive.read("model.weights.safetensors")
    (size,) = struct.unpack("<Q", raw[:8])
    return json.loads(raw[8:8 + size]), raw[8 + size:]


def build_weights(header, payload):
    header_bytes = json.dumps(header).encode()
    return struct.pack("<Q", len(header_bytes)) + header_bytes + payload


def test_not_a_zip_and_truncated_files(saved, tmp_path):
    _, path = saved
    (tmp_path / "text.kerafront").write_text("hello")
    with pytest.raises(ValueError, match="not a kerafront model file"):
        load_model(tmp_path / "text.kerafront")
    raw = path.read_bytes()
    (tmp_path / "cut.kerafront").write_bytes(raw[: len(raw) // 2])
    with pytest.raises(ValueError):
        load_model(tmp_path / "cut.kerafront")


def test_missing_member_and_path_traversal(saved, tmp_path):
    _, path = saved
    with pytest.raises(ValueError, match="missing members"):
        load_model(rewrite(path, tmp_path / "m.kerafront", drop=("config.json",)))
    for name in ("../evil.json", "/etc/passwd"):
        with pytest.raises(ValueError, match="refusing member name"):
            load_model(rewrite(path, tmp_path / "t.kerafront", extra={name: "{}"}))


def test_zip_bomb_is_refused_without_inflating(saved, tmp_path, monkeypatch):
    _, path = saved
    bomb = b"{" + b" " * (80 * 1024 * 1024) + b"}"
    out = rewrite(path, tmp_path / "bomb.kerafront", replace={"config.json": bomb}, compress=zipfile.ZIP_DEFLATED)
    opened = []
    real_open = zipfile.ZipFile.open
    monkeypatch.setattr(zipfile.ZipFile, "open", lambda self, name, *a, **k: opened.append(name) or real_open(self, name, *a, **k))
    with pytest.raises(ValueError, match="zip bomb"):
        load_model(out)
    assert opened == []


def test_huge_declared_weight_is_refused_before_allocating(saved, tmp_path, monkeypatch):
    _, path = saved
    header, payload = weights_header(path)
    name = next(k for k in header if k != "__metadata__")
    header[name]["shape"] = [2**20, 2**20, 16]
    out = rewrite(path, tmp_path / "huge.kerafront",
                  replace={"model.weights.safetensors": build_weights(header, payload)})
    allocations = []
    real_frombuffer = np.frombuffer
    monkeypatch.setattr(np, "frombuffer", lambda *a, **k: allocations.append(a) or real_frombuffer(*a, **k))
    with pytest.raises(ValueError, match="over the"):
        load_model(out)
    assert allocations == []


def test_shape_disagreeing_with_data_and_bad_dtype(saved, tmp_path):
    _, path = saved
    header, payload = weights_header(path)
    name = next(k for k in header if k != "__metadata__")
    original = json.loads(json.dumps(header))
    header[name]["shape"] = [header[name]["shape"][0] + 1] + header[name]["shape"][1:]
    with pytest.raises(ValueError, match="does not match"):
        load_model(rewrite(path, tmp_path / "s.kerafront",
                           replace={"model.weights.safetensors": build_weights(header, payload)}))
    header = original
    header[name]["dtype"] = "OBJECT"
    with pytest.raises(ValueError, match="not a number type"):
        load_model(rewrite(path, tmp_path / "d.kerafront",
                           replace={"model.weights.safetensors": build_weights(header, payload)}))


def test_weights_that_do_not_fit_the_model_name_the_weight(saved, tmp_path):
    _, path = saved
    with zipfile.ZipFile(path) as archive:
        config = json.loads(archive.read("config.json"))
    config["model"]["config"]["layers"][1]["config"]["units"] = 9
    with pytest.raises(ValueError, match=r"weight '.*dense.*' has shape"):
        load_model(rewrite(path, tmp_path / "w.kerafront", replace={"config.json": json.dumps(config)}))


def test_unknown_class_and_extra_keys_in_config(saved, tmp_path):
    _, path = saved
    with zipfile.ZipFile(path) as archive:
        config = json.loads(archive.read("config.json"))
    evil = json.loads(json.dumps(config))
    evil["model"]["config"]["layers"][1]["class_name"] = "os.system"
    with pytest.raises(ValueError, match="unknown object 'os.system'"):
        load_model(rewrite(path, tmp_path / "c.kerafront", replace={"config.json": json.dumps(evil)}))
    extra = json.loads(json.dumps(config))
    extra["model"]["config"]["layers"][1]["config"]["exec_this"] = "print('pwned')"
    with pytest.raises(ValueError, match="exec_this"):
        load_model(rewrite(path, tmp_path / "e.kerafront", replace={"config.json": json.dumps(extra)}))
    top = dict(config, payload="x")
    with pytest.raises(ValueError, match="unexpected"):
        load_model(rewrite(path, tmp_path / "k.kerafront", replace={"config.json": json.dumps(top)}))


def test_fuzzed_files_only_raise_clear_errors(saved, tmp_path):
    _, path = saved
    raw = path.read_bytes()
    rng = np.random.default_rng(1234)
    target = tmp_path / "fuzz.kerafront"
    outcomes = {"loaded": 0, "refused": 0}
    for case in range(300):
        data = bytearray(raw)
        if case % 3 == 0:
            data = data[: int(rng.integers(0, len(data)))]
        else:
            for _ in range(int(rng.integers(1, 8))):
                data[int(rng.integers(0, len(data)))] = int(rng.integers(0, 256))
        target.write_bytes(bytes(data))
        try:
            load_model(target)
            outcomes["loaded"] += 1
        except ValueError:
            outcomes["refused"] += 1
    assert outcomes["refused"] > 200, outcomes


def test_models_module_has_keras_saving_names(tmp_path):
    """``kerafront.models.load_model``/``save_model`` are the names Keras users call; same functions as saving's."""
    import kerafront.models
    assert kerafront.models.load_model is kerafront.saving.load_model
    assert kerafront.models.save_model is kerafront.saving.save_model
    model = kerafront.Sequential([kerafront.Input((3,)), kerafront.layers.Dense(2)])
    path = str(tmp_path / "m.kerafront")
    kerafront.models.save_model(model, path)
    x = np.arange(6, dtype="float32").reshape(2, 3)
    np.testing.assert_allclose(kerafront.models.load_model(path).predict(x, verbose=0), model.predict(x, verbose=0))
    with pytest.raises(AttributeError, match="no attribute 'load_modle'"):
        kerafront.models.load_modle
