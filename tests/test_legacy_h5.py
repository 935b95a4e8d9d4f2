"""Keras's legacy HDF5 files (kerafront.saving.legacy_h5) and the HDF5 safety layer (kerafront.saving.hdf5).

Fixtures in tests/fixtures/tf_keras2 were made by tf.keras 2.21 (see the README there): their weights
load into the same models built with kerafront on every installed backend and give tf.keras's
predictions. Hostile files are built here with h5py and must be refused with a clear error.
"""

import os
import subprocess
import sys

import numpy as np
import pytest

import kerafront
from kerafront import registry

h5py = pytest.importorskip("h5py")

from kerafront.saving import hdf5, legacy_h5  # noqa: E402
from kerafront.saving.keras_compile import compile_arguments_from_keras  # noqa: E402

K = kerafront
FIXTURES = os.path.join(os.path.dirname(__file__), "fixtures", "tf_keras2")
BACKENDS = ["numpy", "torch", "jax", "tensorflow"]
MODELS = ["mlp", "cnn_bn", "branched", "embedding_lstm", "transformer"]


def _mlp():
    inputs = K.Input((4,), name="features")
    hidden = K.layers.Dense(5, activation="relu", name="hidden")(inputs)
    return K.Model(inputs, K.layers.Dense(2, activation="softmax", name="probs")(hidden))


def _cnn_bn():
    return K.Sequential([K.Input((6, 6, 2)), K.layers.Conv2D(3, 3, name="conv"), K.layers.BatchNormalization(name="bn"),
                         K.layers.Activation("relu"), K.layers.GlobalAveragePooling2D(), K.layers.Dense(1, name="out")])


def _branched():
    left, right = K.Input((3,), name="left"), K.Input((2,), name="right")
    a = K.layers.Dense(4, activation="tanh", name="dense_left")(left)
    b = K.layers.Dense(4, activation="tanh", name="dense_right")(right)
    out_a = K.layers.Dense(1, name="out_a")(K.layers.Concatenate(name="concat")([a, b]))
    out_b = K.layers.Dense(2, activation="softmax", name="out_b")(K.layers.Add(name="add")([a, b]))
    return K.Model([left, right], [out_a, out_b])


def _embedding_lstm():
    return K.Sequential([K.Input((5,), dtype="int32"), K.layers.Embedding(10, 4, mask_zero=True, name="embed"),
                         K.layers.LSTM(3, name="lstm"), K.layers.Dense(1, activation="sigmoid", name="out")])


def _transformer():
    inputs = K.Input((4, 8), name="tokens")
    attention = K.layers.MultiHeadAttention(num_heads=2, key_dim=4, name="mha")(inputs, inputs)
    x = K.layers.LayerNormalization(name="ln1")(K.layers.Add()([inputs, K.layers.Dropout(0.1)(attention)]))
    feed_forward = K.layers.Dense(8, name="ff2")(K.layers.Dense(16, activation="relu", name="ff1")(x))
    x = K.layers.LayerNormalization(name="ln2")(K.layers.Add()([x, feed_forward]))
    return K.Model(inputs, K.layers.Dense(2, name="head")(K.layers.GlobalAveragePooling1D()(x)))


BUILDERS = {"mlp": _mlp, "cnn_bn": _cnn_bn, "branched": _branched, "embedding_lstm": _embedding_lstm,
            "transformer": _transformer}


def _fixture(name, source="tf_keras2"):
    data = np.load(os.path.join(os.path.dirname(FIXTURES), source, f"{name}.npz"))
    inputs = [data[f"x{i}"] for i in range(sum(key.startswith("x") for key in data))]
    outputs = [data[f"y{i}"] for i in range(sum(key.startswith("y") for key in data))]
    return inputs, outputs


def _predict(model, inputs):
    predictions = model.predict(inputs if len(inputs) > 1 else inputs[0], verbose=0)
    return [np.asarray(p) for p in (predictions if isinstance(predictions, (list, tuple)) else [predictions])]


def _assert_predictions(model, name):
    inputs, expected = _fixture(name)
    for ours, theirs in zip(_predict(model, inputs), expected, strict=True):
        np.testing.assert_allclose(ours, theirs, rtol=1e-5, atol=2e-6)


@pytest.fixture(params=BACKENDS)
def backend(request):
    if not registry.is_available(request.param):
        pytest.skip(f"backend {request.param} is not installed")
    with kerafront.backend_scope(request.param):
        yield request.param


# ---------------------------------------------------------------------------------------------
# tf.keras 2 fixtures


@pytest.mark.parametrize("name", MODELS)
def test_tf_keras2_weights_file_gives_keras_predictions(name, backend):
    model = BUILDERS[name]()
    legacy_h5.load_weights(model, os.path.join(FIXTURES, f"{name}_weights.h5"))
    _assert_predictions(model, name)


@pytest.mark.parametrize("source", ["keras3", "tf_keras2"])
@pytest.mark.parametrize("name", MODELS)
def test_full_model_file_gives_keras_predictions(name, source, backend):
    model = legacy_h5.load_model(os.path.join(os.path.dirname(FIXTURES), source, f"{name}.h5"))
    inputs, expected = _fixture(name, source)
    for ours, theirs in zip(_predict(model, inputs), expected, strict=True):
        np.testing.assert_allclose(ours, theirs, rtol=1e-5, atol=2e-6)
    assert model.compiled


def test_training_config_compiles_like_the_file():
    path = os.path.join(os.path.dirname(FIXTURES), "keras3", "mlp.h5")
    model = legacy_h5.load_model(path)
    assert type(model.optimizer).__name__ == "Adam"
    np.testing.assert_allclose(float(np.asarray(model.optimizer.learning_rate)), 0.001, rtol=1e-6)
    assert model._compile_config["metrics"] == ["accuracy"]
    assert not getattr(legacy_h5.load_model(path, compile=False), "compiled", False)


def test_tf_keras2_training_config_translates():
    """tf.keras 2's ``Custom>Adam`` and one metric list per output (a MeanMetricWrapper config)."""
    training_config = {"loss": "binary_crossentropy", "loss_weights": None, "weighted_metrics": None,
                       "metrics": [[{"class_name": "MeanMetricWrapper",
                                     "config": {"name": "accuracy", "dtype": "float32", "fn": "binary_accuracy"}}]],
                       "optimizer_config": {"class_name": "Custom>Adam", "config": {
                           "name": "Adam", "learning_rate": 0.01, "is_legacy_optimizer": False, "jit_compile": False,
                           "use_ema": False, "ema_momentum": 0.99, "ema_overwrite_frequency": None, "beta_1": 0.8}}}
    arguments = compile_arguments_from_keras(training_config, None, "test", _mlp())
    assert type(arguments["optimizer"]).__name__ == "Adam" and arguments["optimizer"].beta_1 == 0.8
    assert arguments["metrics"] == ["accuracy"]
    training_config["optimizer_config"]["config"]["use_ema"] = True   # kerafront has Keras's EMA option
    assert compile_arguments_from_keras(training_config, None, "test", _mlp())["optimizer"].use_ema is True
    training_config["optimizer_config"]["config"]["is_legacy_optimizer"] = True
    with pytest.raises(ValueError, match=r"Adam has no argument 'is_legacy_optimizer' \(the file sets it to True\)"
                                         r".*compile=False"):
        compile_arguments_from_keras(training_config, None, "test", _mlp())


def test_tf_keras2_compile_objects_translate():
    """tf.keras 2 loss/metric objects (``fn`` and ``reduction: "auto"`` in the loss), a schedule without a
    module: written by tf.keras 2.21's ``model_metadata`` for ``compile(Adam(ExponentialDecay(...)),
    BinaryCrossentropy(from_logits=True), [AUC(), "mae", BinaryAccuracy(threshold=0.3)])``."""
    training_config = {
        "loss": {"class_name": "BinaryCrossentropy", "config": {
            "reduction": "auto", "name": "binary_crossentropy", "from_logits": True, "label_smoothing": 0.0,
            "axis": -1, "fn": "binary_crossentropy"}},
        "metrics": [{"class_name": "AUC", "config": {
            "name": "auc", "dtype": "float32", "num_thresholds": 50, "curve": "ROC",
            "summation_method": "interpolation",
            "multi_label": False, "num_labels": None, "label_weights": None, "from_logits": False}}, "mae",
            {"class_name": "BinaryAccuracy",
             "config": {"name": "binary_accuracy", "dtype": "float32", "threshold": 0.3}}],
        "weighted_metrics": None, "loss_weights": None,
        "optimizer_config": {"class_name": "Custom>Adam", "config": {
            "name": "Adam", "weight_decay": None, "clipnorm": None, "global_clipnorm": None, "clipvalue": None,
            "use_ema": False, "ema_momentum": 0.99, "ema_overwrite_frequency": 100, "jit_compile": False,
            "is_legacy_optimizer": False, "beta_1": 0.9, "beta_2": 0.999, "epsilon": 1e-07, "amsgrad": False,
            "learning_rate": {"class_name": "ExponentialDecay", "config": {
                "initial_learning_rate": 0.1, "decay_steps": 10, "decay_rate": 0.9, "staircase": False,
                "name": None}}}}}
    arguments = compile_arguments_from_keras(training_config, None, "test", _mlp())
    assert arguments["loss"].get_config()["from_logits"] is True
    auc, mae, accuracy = arguments["metrics"]
    assert auc.num_thresholds == 50 and mae == "mae" and accuracy.get_config()["threshold"] == 0.3
    schedule = arguments["optimizer"].get_config()["learning_rate"]
    assert schedule["class_name"] == "ExponentialDecay" and schedule["config"]["decay_rate"] == 0.9


def test_kerafront_h5_loads_in_keras(tmp_path):
    pytest.importorskip("keras")
    model = _branched()
    model.compile(optimizer="rmsprop", loss=["mse", "categorical_crossentropy"], metrics=[["mae"], ["accuracy"]])
    inputs, targets = _fixture("branched")
    model.fit(inputs, targets, batch_size=len(inputs[0]), epochs=2, verbose=0)  # two steps of optimizer state
    np.savez(tmp_path / "io.npz", *inputs, *_predict(model, inputs))
    np.savez(tmp_path / "opt.npz", *[np.asarray(K.ops.convert_to_numpy(v.value)) for v in model.optimizer.variables])
    legacy_h5.save_model(model, tmp_path / "m.h5")
    again = _optimizer_values(legacy_h5.load_model(tmp_path / "m.h5"))
    assert again.keys() == _optimizer_values(model).keys() and int(again["iteration"]) == 2
    for key, value in _optimizer_values(model).items():
        np.testing.assert_array_equal(again[key], value)
    script = ("import keras, numpy as np\n"
              f"m = keras.models.load_model({str(tmp_path / 'm.h5')!r})\n"
              f"z = np.load({str(tmp_path / 'io.npz')!r})\n"
              "out = m.predict([z['arr_0'], z['arr_1']], verbose=0)\n"
              "np.testing.assert_allclose(out[0], z['arr_2'], rtol=1e-5, atol=1e-6)\n"
              "np.testing.assert_allclose(out[1], z['arr_3'], rtol=1e-5, atol=1e-6)\n"
              f"o = np.load({str(tmp_path / 'opt.npz')!r})\n"
              # Keras 3.15's legacy reader builds the optimizer on the model's own (empty) variable list, so
              # only iterations and the learning rate come back there; it sets them from the file's first two.
              "theirs = [keras.ops.convert_to_numpy(v.value) for v in m.optimizer.variables]\n"
              "assert int(theirs[0]) == 2 and len(o.files) > 2, (theirs, o.files)\n"
              "for i, value in enumerate(theirs):\n"
              "    np.testing.assert_allclose(value, o[f'arr_{i}'], rtol=1e-6)\n"
              "print(type(m.optimizer).__name__)\n")
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=300,
                            env={**os.environ, "KERAS_BACKEND": "numpy"})
    assert result.returncode == 0, result.stderr[-3000:]
    assert result.stdout.strip().splitlines()[-1] == "RMSprop"


def _optimizer_values(model):
    """The optimizer's variables by path without the optimizer's name (``iteration``, ``momentum/hidden/kernel``)."""
    return {v.path.split("/", 1)[1]: np.asarray(K.ops.convert_to_numpy(v.value)) for v in model.optimizer.variables}


def test_keras3_optimizer_weights_come_back():
    """Keras 3's legacy writer: iterations, learning rate, then each slot (momentum, velocity per variable)."""
    path = os.path.join(os.path.dirname(FIXTURES), "keras3", "mlp.h5")
    values = _optimizer_values(legacy_h5.load_model(path))
    with h5py.File(path, "r") as f:
        group = f["optimizer_weights"]
        names = [n.decode() if isinstance(n, bytes) else n for n in group.attrs["weight_names"]]
        saved = [group[n][()] for n in names]
    assert [n.split("/")[-1] for n in names[:2]] == ["iteration", "learning_rate"] and int(saved[0]) == 1
    assert len(values) == len(saved)
    for ours, theirs in zip(values.values(), saved):
        np.testing.assert_array_equal(ours, theirs)
    assert np.abs(saved[2]).max() > 0  # a trained slot, not zeros


def test_tf_keras2_optimizer_weights_come_back_by_slot_name():
    """tf.keras 2 names slots ``Adam/m/<layer>/<weight>:0`` (m: momentum, v: velocity) and has no learning
    rate variable; each lands in kerafront's slot of the same weight and kind."""
    path = os.path.join(FIXTURES, "mlp.h5")
    values = _optimizer_values(legacy_h5.load_model(path))
    with h5py.File(path, "r") as f:
        group = f["optimizer_weights"]
        assert int(group["iteration:0"][()]) == 1 and values["iteration"] == 1
        for kind, slot in (("m", "momentum"), ("v", "velocity")):
            for weight in ("hidden/kernel", "hidden/bias", "probs/kernel", "probs/bias"):
                theirs = group[f"Adam/{kind}/{weight}:0"][()]
                np.testing.assert_array_equal(values[f"{slot}/{weight}"], theirs)
                assert np.abs(theirs).max() > 0
    np.testing.assert_allclose(values["learning_rate"], 0.01, rtol=1e-6)  # from the training config


def test_optimizer_weights_that_do_not_fit_warn_and_start_fresh(tmp_path):
    path = tmp_path / "fewer.h5"
    with h5py.File(os.path.join(FIXTURES, "mlp.h5"), "r") as source, h5py.File(path, "w") as target:
        for key in source:
            source.copy(key, target)
        for key, value in source.attrs.items():
            target.attrs[key] = value
        names = target["optimizer_weights"].attrs["weight_names"]
        target["optimizer_weights"].attrs["weight_names"] = names[:-1]
    with pytest.warns(UserWarning, match="optimizer state holds 8 variables.*has 9.*starts fresh"):
        model = legacy_h5.load_model(path)
    assert int(_optimizer_values(model)["iteration"]) == 0


def test_full_model_file_weights_load_into_a_built_model():
    model = _branched()
    legacy_h5.load_weights(model, os.path.join(FIXTURES, "branched.h5"))
    _assert_predictions(model, "branched")


def test_by_name_loads_matching_layers_and_leaves_the_rest():
    inputs = K.Input((4,))
    hidden = K.layers.Dense(5, activation="relu", name="hidden")(inputs)
    model = K.Model(inputs, K.layers.Dense(3, name="other")(hidden))
    before = model.get_layer("other").get_weights()
    legacy_h5.load_weights(model, os.path.join(FIXTURES, "mlp_weights.h5"), by_name=True)
    with hdf5.open_h5_for_reading(os.path.join(FIXTURES, "mlp_weights.h5")) as f:
        np.testing.assert_array_equal(model.get_layer("hidden").get_weights()[0], f["hidden/hidden/kernel:0"][()])
    for now, then in zip(model.get_layer("other").get_weights(), before):
        np.testing.assert_array_equal(now, then)


def test_shape_mismatch_is_an_error_or_skipped_with_a_warning():
    inputs = K.Input((4,))
    hidden = K.layers.Dense(5, activation="relu", name="hidden")(inputs)
    model = K.Model(inputs, K.layers.Dense(3, name="probs")(hidden))
    path = os.path.join(FIXTURES, "mlp_weights.h5")
    before = [w.copy() for w in model.get_weights()]
    with pytest.raises(ValueError, match=r"probs.*has shape \(5, 2\) but the model expects \(5, 3\)"):
        legacy_h5.load_weights(model, path)
    for now, then in zip(model.get_weights(), before):  # nothing assigned on failure
        np.testing.assert_array_equal(now, then)
    with pytest.warns(UserWarning, match="Skipped"):
        legacy_h5.load_weights(model, path, skip_mismatch=True)
    assert not np.array_equal(model.get_layer("hidden").get_weights()[0], before[0])


def test_layer_count_mismatch_names_both_sides():
    model = K.Sequential([K.Input((4,)), K.layers.Dense(2, name="only")])
    with pytest.raises(ValueError, match=r"1 layers with weights.*the file has 2"):
        legacy_h5.load_weights(model, os.path.join(FIXTURES, "mlp_weights.h5"))


def test_layout_built_with_h5py_loads_in_legacy_order(tmp_path):
    """A layer-name-keyed file written here (tf.keras 2 naming, names split across attributes)."""
    model = _cnn_bn()
    arrays = [np.random.default_rng(i).normal(size=v.shape).astype("float32") for i, v in enumerate(model.weights)]
    path = tmp_path / "w.h5"
    with h5py.File(path, "w") as f:
        f.attrs["layer_names0"] = np.array([b"conv", b"bn"])
        f.attrs["layer_names1"] = np.array([b"activation", b"gap", b"out"])
        offset = 0
        for layer_name, names in [("conv", ["kernel", "bias"]), ("bn", ["gamma", "beta", "moving_mean",
                                                                      "moving_variance"]),
                                  ("activation", []), ("gap", []), ("out", ["kernel", "bias"])]:
            group = f.create_group(layer_name)
            group.attrs["weight_names"] = np.array([f"{layer_name}/{n}:0".encode() for n in names], dtype="S40")
            for n in names:
                group[f"{layer_name}/{n}:0"] = arrays[offset]
                offset += 1
    legacy_h5.load_weights(model, path)
    for ours, written in zip(model.get_weights(), arrays, strict=True):
        np.testing.assert_array_equal(ours, written)


def test_save_model_writes_the_legacy_layout_and_reads_back(tmp_path):
    model = _mlp()
    path = tmp_path / "m.h5"
    legacy_h5.save_model(model, path)
    with hdf5.open_h5_for_reading(path) as f:
        assert hdf5.read_attribute(f["model_weights"], "layer_names") == [layer.name for layer in model.layers]
        assert hdf5.read_attribute(f["model_weights/hidden"], "weight_names") == [
            v.path for v in model.get_layer("hidden").weights]
    fresh = _mlp()
    legacy_h5.load_weights(fresh, path)
    for ours, saved in zip(fresh.get_weights(), model.get_weights(), strict=True):
        np.testing.assert_array_equal(ours, saved)
    assert [p for p in os.listdir(tmp_path) if p != "m.h5"] == []  # no temporary left behind


# ---------------------------------------------------------------------------------------------
# hostile files


def _write(path, build):
    with h5py.File(path, "w") as f:
        f.attrs["layer_names"] = np.array([b"dense"])
        group = f.create_group("dense")
        group.attrs["weight_names"] = np.array([b"dense/kernel:0", b"dense/bias:0"])
        build(f, group)
    return path


def _open(path):
    with hdf5.open_h5_for_reading(path):
        pass


def test_external_link_is_refused(tmp_path):
    h5py.File(tmp_path / "other.h5", "w").close()
    path = _write(tmp_path / "x.h5", lambda f, g: g.__setitem__("dense", h5py.ExternalLink(str(tmp_path / "other.h5"),
                                                                                           "/")))
    with pytest.raises(ValueError, match=r"x\.h5.*/dense/dense is an external link"):
        _open(path)


def test_soft_link_is_refused(tmp_path):
    path = _write(tmp_path / "x.h5", lambda f, g: g.__setitem__("dense", h5py.SoftLink("/dense")))
    with pytest.raises(ValueError, match="is a soft link"):
        _open(path)


def test_dangling_soft_link_is_refused(tmp_path):
    path = _write(tmp_path / "x.h5", lambda f, g: f.__setitem__("nowhere", h5py.SoftLink("/does/not/exist")))
    with pytest.raises(ValueError, match="/nowhere is a soft link"):
        _open(path)


def test_virtual_dataset_is_refused(tmp_path):
    with h5py.File(tmp_path / "source.h5", "w") as f:
        f["data"] = np.arange(4.0)

    def build(f, group):
        layout = h5py.VirtualLayout(shape=(4,), dtype="f8")
        layout[:] = h5py.VirtualSource(str(tmp_path / "source.h5"), "data", shape=(4,))
        group.create_virtual_dataset("dense/kernel:0", layout)
    path = _write(tmp_path / "x.h5", build)
    with pytest.raises(ValueError, match="virtual dataset"):
        _open(path)


def test_dataset_with_external_storage_is_refused(tmp_path):
    (tmp_path / "raw.bin").write_bytes(np.arange(4, dtype="f8").tobytes())
    path = _write(tmp_path / "x.h5", lambda f, g: g.create_dataset(
        "dense/kernel:0", shape=(4,), dtype="f8", external=[(str(tmp_path / "raw.bin"), 0, 32)]))
    with pytest.raises(ValueError, match="external files"):
        _open(path)


def test_declared_huge_shape_is_refused_before_reading(tmp_path):
    path = _write(tmp_path / "x.h5", lambda f, g: g.create_dataset("dense/kernel:0", shape=(2**20, 2**20, 64),
                                                                   dtype="f4", chunks=(1, 1, 64)))
    with hdf5.open_h5_for_reading(path) as f:
        with pytest.raises(ValueError, match=r"shape \(1048576, 1048576, 64\).*over the"):
            hdf5.read_dataset(f["dense/dense/kernel:0"])
        with pytest.raises(ValueError, match=r"has shape \(1048576, 1048576, 64\) but the model expects \(4, 2\)"):
            hdf5.read_dataset(f["dense/dense/kernel:0"], expected_shape=(4, 2))
    model = K.Sequential([K.Input((4,)), K.layers.Dense(2, name="dense")])
    with pytest.raises(ValueError, match=r"model expects \(4, 2\)"):
        legacy_h5.load_weights(model, path)


@pytest.mark.parametrize("dtype", ["string", "vlen", "compound", "reference"])
def test_non_number_dtypes_are_refused(tmp_path, dtype):
    def build(f, group):
        if dtype == "string":
            group["dense/kernel:0"] = np.array([b"ab", b"cd"])
        elif dtype == "vlen":
            group.create_dataset("dense/kernel:0", shape=(2,), dtype=h5py.vlen_dtype("f4"))
        elif dtype == "compound":
            group["dense/kernel:0"] = np.zeros(2, dtype=[("a", "f4"), ("b", "i4")])
        else:
            group.create_dataset("dense/kernel:0", shape=(1,), dtype=h5py.ref_dtype)[0] = f.ref
    path = _write(tmp_path / "x.h5", build)
    with hdf5.open_h5_for_reading(path) as f:
        with pytest.raises(ValueError, match="not numbers"):
            hdf5.read_dataset(f["dense/dense/kernel:0"])


def test_truncated_file_is_an_oserror(tmp_path):
    path = _write(tmp_path / "x.h5", lambda f, g: g.create_dataset("dense/kernel:0", data=np.ones((64, 64))))
    raw = path.read_bytes()
    path.write_bytes(raw[:len(raw) // 3])
    with pytest.raises(OSError, match=r"x\.h5 cannot be read as HDF5; it is truncated or damaged"):
        _open(path)


def test_not_hdf5_directory_and_fifo_are_refused(tmp_path):
    (tmp_path / "plain.h5").write_bytes(b"PK\x03\x04 not hdf5 at all")
    with pytest.raises(ValueError, match="is not an HDF5 file"):
        _open(tmp_path / "plain.h5")
    with pytest.raises(ValueError, match="is a directory"):
        _open(tmp_path)
    if hasattr(os, "mkfifo"):
        os.mkfifo(tmp_path / "pipe.h5")
        with pytest.raises(ValueError, match="named pipe"):
            _open(tmp_path / "pipe.h5")


def test_hard_link_cycle_is_walked_once(tmp_path):
    path = _write(tmp_path / "x.h5", lambda f, g: g.__setitem__("loop", g))
    _open(path)


def test_missing_model_config_is_a_clear_error(tmp_path):
    path = _write(tmp_path / "x.h5", lambda f, g: None)
    with pytest.raises(ValueError, match="no model_config attribute"):
        legacy_h5.load_model(path)


def test_without_h5py_the_error_names_the_extra(monkeypatch, tmp_path):
    monkeypatch.setitem(sys.modules, "h5py", None)
    with pytest.raises(ImportError, match=r'pip install "kerafront\[h5\]"'):
        _open(os.path.join(FIXTURES, "mlp.h5"))
    with pytest.raises(ImportError, match=r"kerafront\[h5\]"):
        legacy_h5.save_model(_mlp(), tmp_path / "m.h5")
