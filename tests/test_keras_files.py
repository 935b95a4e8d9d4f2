"""Keras 3 files: ``.keras`` archives and ``.weights.h5`` made by real Keras load in kerafront with Keras's
predictions (on every installed backend); kerafront's ``.keras``/``.weights.h5`` load in real Keras 3
with kerafront's predictions; Keras's saving API names; hostile archives are refused.

The fixtures in ``tests/fixtures/keras3`` were made once by Keras 3.15.1 (see the README there).
"""

import json
import os
import subprocess
import sys
import textwrap
import zipfile

import numpy as np
import pytest

import kerafront
from kerafront import layers
from kerafront.registry import available_backends
from kerafront.saving import keras_archive

h5py = pytest.importorskip("h5py")

FIXTURES = os.path.join(os.path.dirname(__file__), "fixtures", "keras3")
NAMES = ("mlp", "cnn_bn", "branched", "embedding_lstm", "transformer")
RTOL, ATOL = 1e-5, 1e-6


def _data(name):
    with np.load(os.path.join(FIXTURES, f"{name}.npz")) as z:
        xs = [z[f"x{i}"] for i in range(2) if f"x{i}" in z]
        ys = [z[f"y{i}"] for i in range(2) if f"y{i}" in z]
    return (xs[0] if len(xs) == 1 else xs), ys


def _predict(model, x):
    out = model.predict(x, verbose=0)
    return [np.asarray(o) for o in (out if isinstance(out, list) else [out])]


def _check(got, expected, what):
    assert len(got) == len(expected), what
    for g, e in zip(got, expected):
        np.testing.assert_allclose(g, e, rtol=RTOL, atol=ATOL, err_msg=what)


# ------------------------------------------------------------------------------------------------
# Keras-made files into kerafront

@pytest.mark.parametrize("backend", available_backends())
@pytest.mark.parametrize("name", NAMES)
def test_keras_archive_loads_with_keras_predictions(name, backend):
    x, expected = _data(name)
    with kerafront.backend_scope(backend):
        model = kerafront.models.load_model(os.path.join(FIXTURES, f"{name}.keras"))
        _check(_predict(model, x), expected, f"{name}.keras on {backend}")
        assert model.compiled and int(kerafront.ops.convert_to_numpy(model.optimizer.iterations.value)) == 1


@pytest.mark.parametrize("name", NAMES)
def test_keras_weights_load_into_a_kerafront_built_model(name):
    x, expected = _data(name)
    with zipfile.ZipFile(os.path.join(FIXTURES, f"{name}.keras")) as archive:
        config = json.loads(archive.read("config.json"))
    model = kerafront.models.Model.from_config(config["config"]) if config["class_name"] == "Functional" \
        else kerafront.Sequential.from_config(config["config"])
    with pytest.raises(AssertionError):
        _check(_predict(model, x), expected, "fresh weights differ")
    model.load_weights(os.path.join(FIXTURES, f"{name}.weights.h5"))
    _check(_predict(model, x), expected, f"{name}.weights.h5")


def test_hand_built_mlp_takes_keras_weights():
    model = kerafront.Sequential([kerafront.Input((4,)), layers.Dense(8, activation="relu"),
                                  layers.Dense(3, activation="softmax")])
    model.load_weights(os.path.join(FIXTURES, "mlp.weights.h5"))
    x, expected = _data("mlp")
    _check(_predict(model, x), expected, "mlp weights into a hand-built model")


def test_bn_moving_statistics_and_optimizer_state_come_back():
    path = os.path.join(FIXTURES, "cnn_bn.keras")
    model = kerafront.models.load_model(path)
    bn = model.get_layer("batch_normalization")
    with zipfile.ZipFile(path) as archive, archive.open("model.weights.h5") as member, h5py.File(member, "r") as f:
        moving_mean = f["layers/batch_normalization/vars/2"][()]
        momentum = f["optimizer/vars/2"][()]
    np.testing.assert_array_equal(kerafront.ops.convert_to_numpy(bn.moving_mean.value), moving_mean)
    assert np.abs(moving_mean).max() > 1e-3
    np.testing.assert_array_equal(kerafront.ops.convert_to_numpy(model.optimizer.variables[2].value), momentum)
    assert type(model.optimizer).__name__ == "SGD" and model.optimizer.momentum == pytest.approx(0.9)


def test_weights_mismatch_is_refused_or_skipped(tmp_path):
    model = kerafront.Sequential([kerafront.Input((4,)), layers.Dense(8, activation="relu"), layers.Dense(2)])
    before = [w.copy() for w in model.get_weights()]
    with pytest.raises(ValueError, match="shape"):
        model.load_weights(os.path.join(FIXTURES, "mlp.weights.h5"))
    for b, a in zip(before, model.get_weights()):
        np.testing.assert_array_equal(a, b)  # nothing assigned
    with pytest.warns(UserWarning, match="skip"):
        model.load_weights(os.path.join(FIXTURES, "mlp.weights.h5"), skip_mismatch=True)
    with h5py.File(os.path.join(FIXTURES, "mlp.weights.h5"), "r") as f:
        np.testing.assert_array_equal(model.get_weights()[0], f["layers/dense/vars/0"][()])
    np.testing.assert_array_equal(model.get_weights()[2], before[2])


def test_keras_class_kerafront_lacks_is_named():
    config = {"module": "keras", "class_name": "Sequential", "config": {"name": "s", "layers": [
        {"module": "keras.layers", "class_name": "InputLayer", "config": {"batch_shape": [None, 3], "name": "in"}},
        {"module": "keras.layers", "class_name": "TFSMLayer", "config": {"name": "c", "filepath": "m"}}]}}
    with pytest.raises(ValueError, match="TFSMLayer.*kerafront does not have it"):
        kerafront.models.model_from_json(json.dumps(config))


def test_keras_only_option_dropped_when_neutral_refused_otherwise():
    layer = {"module": "keras.layers", "class_name": "Dense",
             "config": {"name": "d", "units": 2, "quantization_config": None, "lora_rank": None}}
    assert isinstance(kerafront.saving.deserialize_keras_object(layer), layers.Dense)
    layer["config"]["lora_rank"] = 4
    with pytest.raises(ValueError, match="lora_rank"):
        kerafront.saving.deserialize_keras_object(layer)


def test_tf_keras_2_functional_config():
    config = {"class_name": "Functional", "config": {
        "name": "m", "layers": [
            {"class_name": "InputLayer", "config": {"batch_input_shape": [None, 3], "dtype": "float32",
                                                     "sparse": False, "ragged": False, "name": "x"},
             "name": "x", "inbound_nodes": []},
            {"class_name": "Dense", "config": {"name": "d1", "units": 2, "activation": "relu",
                                               "kernel_initializer": {"class_name": "GlorotUniform",
                                                                      "config": {"seed": None}}},
             "name": "d1", "inbound_nodes": [[["x", 0, 0, {}]]]},
            {"class_name": "Dense", "config": {"name": "d2", "units": 2}, "name": "d2",
             "inbound_nodes": [[["x", 0, 0, {}]]]},
            {"class_name": "Add", "config": {"name": "add"}, "name": "add",
             "inbound_nodes": [[["d1", 0, 0, {}], ["d2", 0, 0, {}]]]}],
        "input_layers": [["x", 0, 0]], "output_layers": [["add", 0, 0]]}}
    model = kerafront.saving.keras_config.model_from_keras_config(config)
    assert [l.name for l in model.layers] == ["x", "d1", "d2", "add"] and model.output_shape == (None, 2)
    w1, b1, w2, b2 = model.get_weights()
    x = np.arange(6, dtype="float32").reshape(2, 3)
    np.testing.assert_allclose(_predict(model, x)[0], np.maximum(x @ w1 + b1, 0) + x @ w2 + b2, rtol=1e-6)


def test_tf_keras_2_layer_spellings_translate():
    """tf.keras 2 keys Keras 3 reads in its own way: one-item axis lists, Embedding's input_length,
    LeakyReLU's alpha, MultiHeadAttention's build shapes, trainable on preprocessing layers, rng_type."""
    def load(class_name, **config):
        return kerafront.saving.deserialize_keras_object({"class_name": class_name, "config": config})

    bn = load("BatchNormalization", axis=[1], name="bn")
    assert bn.axis == 1
    embedding = load("Embedding", input_dim=10, output_dim=3, input_length=4, batch_input_shape=[None, 4])
    assert embedding.get_config()["input_dim"] == 10 and "input_length" not in embedding.get_config()
    with pytest.raises(ValueError, match="Embedding.*input_length must be None or a positive int"):
        load("Embedding", input_dim=10, output_dim=3, input_length="4")
    leaky = load("LeakyReLU", alpha=0.2)
    x = np.array([[-1.0, 2.0]], "float32")
    np.testing.assert_allclose(kerafront.ops.convert_to_numpy(leaky(x)), [[-0.2, 2.0]], rtol=1e-6)
    mha = load("MultiHeadAttention", num_heads=2, key_dim=4, query_shape=[None, 3, 8], value_shape=[None, 5, 6],
               key_shape=[None, 5, 6], softmax_robust_masking=False)
    assert mha.built and [tuple(w.shape) for w in mha.weights[:2]] == [(8, 2, 4), (2, 4)]
    assert tuple(mha.weights[2].shape) == (6, 2, 4)  # the key projection reads the key's 6 features
    with pytest.raises(ValueError, match="softmax_robust_masking"):
        load("MultiHeadAttention", num_heads=2, key_dim=4, softmax_robust_masking=True)
    discretization = load("Discretization", bin_boundaries=[0.0, 1.0], trainable=True)
    np.testing.assert_array_equal(kerafront.ops.convert_to_numpy(discretization(np.array([-1.0, 0.5, 3.0]))),
                                  [0, 1, 2])
    assert isinstance(load("RandomFlip", mode="horizontal", seed=1, rng_type="stateful"), layers.RandomFlip)


def _keras():
    os.environ.setdefault("KERAS_BACKEND", "numpy")  # no effect if another test module imported keras first
    return pytest.importorskip("keras")


def _keras_weights(keras, layer):
    """Keras's weights as arrays, without the DeprecationWarning of its variables' ``__array__`` on NumPy 2."""
    return [keras.ops.convert_to_numpy(keras.ops.add(w, 0)) for w in layer.weights]


def test_keras_variance_scaling_axes_load_and_set_the_fans():
    """Keras 3.15 writes input_axes/output_axes into variance-scaling initializer configs: a Keras-made
    EinsumDense + Dense config with them loads, keeps them, and they set the fans as in Keras."""
    keras = _keras()
    inputs = keras.Input((6, 8))
    heads = keras.layers.EinsumDense("abc,cde->abde", output_shape=(None, 4, 5), bias_axes="de", name="heads",
                                     kernel_initializer=keras.initializers.GlorotUniform(seed=1))(inputs)
    flat = keras.layers.Reshape((6, 20))(heads)
    scaled = keras.initializers.VarianceScaling(1.0, "fan_in", "uniform", seed=2, input_axes=[1], output_axes=[0])
    outputs = keras.layers.Dense(50, kernel_initializer=scaled, name="dense")(flat)
    keras_model = keras.Model(inputs, outputs)
    model = kerafront.models.model_from_json(keras_model.to_json())
    dense = model.get_layer("dense")
    assert dense.kernel_initializer.get_config() == {"seed": 2, "scale": 1.0, "mode": "fan_in",
                                                     "distribution": "uniform", "input_axes": [1], "output_axes": [0]}
    limit = np.sqrt(3 / 50)  # fan_in is the size on axis 1 of the (20, 50) kernel, not 20
    for kernel in (dense.get_weights()[0], _keras_weights(keras, keras_model.get_layer("dense"))[0]):
        assert 0.95 * limit < np.abs(kernel).max() <= limit
    np.testing.assert_array_equal(dense.get_weights()[0],
                                  kerafront.initializers.RandomUniform(-limit, limit, seed=2).numpy((20, 50))
                                  .astype("float32"))
    # EinsumDense's default: fan-in over the kernel axes shared with the input (c: 8), fan-out over the
    # output's (d, e: 20); the conv rule would give sqrt(6 / (32 + 40)) = 0.29.
    glorot = np.sqrt(6 / (8 + 20))
    keras_heads = keras_model.get_layer("heads")
    for kernel in (model.get_layer("heads").get_weights()[0], _keras_weights(keras, keras_heads)[0]):
        assert 0.95 * glorot < np.abs(kernel).max() <= glorot
    model.set_weights([w for layer in keras_model.layers for w in _keras_weights(keras, layer)])
    x = np.random.default_rng(0).normal(size=(2, 6, 8)).astype("float32")
    _check(_predict(model, x), [np.asarray(keras_model.predict(x, verbose=0))], "Keras EinsumDense + Dense")
    back = keras.models.model_from_json(model.to_json())
    assert back.get_layer("dense").kernel_initializer.input_axes == [1]
    assert back.get_layer("heads").kernel_initializer.get_config()["input_axes"] is None  # Keras sets them at build


# ------------------------------------------------------------------------------------------------
# kerafront-made files into Keras 3 (a subprocess: Keras on JAX)

def _kerafront_models():
    inputs = kerafront.Input((6,), name="features")
    hidden = layers.Dense(5, activation="tanh", name="hidden")(inputs)
    norm = layers.BatchNormalization(name="bn")(hidden)
    functional = kerafront.Model(inputs, [layers.Dense(2, name="a")(norm),
                                          layers.Dense(1, activation="sigmoid", name="b")(hidden)], name="two_heads")
    functional.compile(optimizer="adam", loss=["mse", "binary_crossentropy"])
    sequence = kerafront.Sequential([kerafront.Input((4,), dtype="int32"), layers.Embedding(9, 3, mask_zero=True),
                                     layers.LSTM(4, return_sequences=True), layers.GRU(3), layers.Dense(2)],
                                    name="seq")
    sequence.compile(optimizer="rmsprop", loss="mse")
    return functional, sequence


def test_kerafront_files_load_in_keras_with_kerafront_predictions(tmp_path):
    pytest.importorskip("keras")
    rng = np.random.default_rng(3)
    functional, sequence = _kerafront_models()
    xf, yf = rng.normal(size=(4, 6)).astype("float32"), [rng.normal(size=(4, 2)), rng.random((4, 1)).round()]
    xs = rng.integers(0, 9, size=(3, 4)).astype("int32")
    xs[0, 2:] = 0
    functional.fit(xf, yf, verbose=0)
    sequence.fit(xs, rng.normal(size=(3, 2)), verbose=0)
    for model, x in ((functional, xf), (sequence, xs)):
        model.save(tmp_path / f"{model.name}.keras")
        model.save_weights(tmp_path / f"{model.name}.weights.h5")
        np.savez(tmp_path / f"{model.name}.npz", x=x, *_predict(model, x))
    script = textwrap.dedent("""
        import sys, numpy as np, keras
        folder = sys.argv[1]
        for name in ("two_heads", "seq"):
            data = np.load(f"{folder}/{name}.npz")
            model = keras.models.load_model(f"{folder}/{name}.keras")
            assert int(model.optimizer.iterations) == 1, name
            out = model.predict(data["x"], verbose=0)
            out = out if isinstance(out, list) else [out]
            for i, o in enumerate(out):
                np.testing.assert_allclose(o, data[f"arr_{i}"], rtol=1e-5, atol=1e-6, err_msg=name)
            fresh = keras.models.clone_model(model)
            fresh.load_weights(f"{folder}/{name}.weights.h5")
            np.testing.assert_allclose(fresh.predict(data["x"], verbose=0)[0] if name == "two_heads" else
                                       fresh.predict(data["x"], verbose=0), data["arr_0"], rtol=1e-5, atol=1e-6)
        print("KERAS-OK")
    """)
    env = dict(os.environ, KERAS_BACKEND="jax", JAX_PLATFORMS="cpu")
    result = subprocess.run([sys.executable, "-c", script, str(tmp_path)], capture_output=True, text=True, env=env,
                            timeout=600)
    assert "KERAS-OK" in result.stdout, result.stderr[-3000:]


# ------------------------------------------------------------------------------------------------
# Keras's API names

def test_clone_model_has_the_architecture_and_new_weights():
    functional, sequence = _kerafront_models()
    for model in (functional, sequence):
        clone = kerafront.models.clone_model(model)
        assert [type(l).__name__ for l in clone.layers] == [type(l).__name__ for l in model.layers]
        assert [w.shape for w in clone.get_weights()] == [w.shape for w in model.get_weights()]
        assert clone.layers[-1] is not model.layers[-1]
    renamed = kerafront.models.clone_model(
        functional,
        clone_function=lambda layer: type(layer).from_config({**layer.get_config(), "name": "c_" + layer.name}))
    assert [l.name for l in renamed.layers[1:]] == ["c_" + l.name for l in functional.layers[1:]]


def test_to_json_and_model_from_json_round_trip():
    functional, sequence = _kerafront_models()
    rng = np.random.default_rng(1)
    for model, x in ((functional, rng.normal(size=(2, 6)).astype("float32")),
                     (sequence, rng.integers(1, 9, size=(2, 4)).astype("int32"))):
        text = model.to_json()
        assert json.loads(text)["module"].startswith("keras")
        rebuilt = kerafront.models.model_from_json(text)
        rebuilt.set_weights(model.get_weights())
        _check(_predict(rebuilt, x), _predict(model, x), model.name)
        again = kerafront.Model.from_config(model.get_config()) if model.name == "two_heads" else \
            kerafront.Sequential.from_config(model.get_config())
        assert [l.name for l in again.layers] == [l.name for l in model.layers]


def test_register_keras_serializable_round_trip(tmp_path):
    @kerafront.saving.register_keras_serializable(package="H17")
    class Scale(layers.Layer):
        def __init__(self, factor=2.0, **kwargs):
            super().__init__(**kwargs)
            self.factor = factor

        def call(self, x):
            return x * self.factor

        def get_config(self):
            return {**super().get_config(), "factor": self.factor}

    assert kerafront.saving.get_custom_objects()["H17>Scale"] is Scale
    model = kerafront.Sequential([kerafront.Input((3,)), Scale(3.0), layers.Dense(2)])
    model.save(tmp_path / "scaled.keras")
    with zipfile.ZipFile(tmp_path / "scaled.keras") as archive:
        entry = json.loads(archive.read("config.json"))["config"]["layers"][1]
    assert entry["registered_name"] == "H17>Scale" and entry["class_name"] == "Scale"
    loaded = kerafront.models.load_model(tmp_path / "scaled.keras")
    x = np.ones((1, 3), "float32")
    _check(_predict(loaded, x), _predict(model, x), "registered layer")
    assert kerafront.saving.deserialize_keras_object(kerafront.saving.serialize_keras_object(Scale(5.0))).factor == 5.0
    with kerafront.saving.custom_object_scope({"Scale": Scale}):
        assert isinstance(kerafront.saving.deserialize_keras_object({"class_name": "Scale", "config": {}}), Scale)


def test_layers_serialize_deserialize():
    dense = layers.Dense(4, activation="relu", name="d")
    config = layers.serialize(dense)
    assert config["module"] == "keras.layers" and config["class_name"] == "Dense"
    assert config["config"]["dtype"]["class_name"] == "DTypePolicy"
    again = layers.deserialize(config)
    assert isinstance(again, layers.Dense) and again.units == 4 and again.name == "d"


def test_save_dispatches_by_extension(tmp_path):
    model = kerafront.Sequential([kerafront.Input((2,)), layers.Dense(1)])
    model.save(tmp_path / "m.kerafront")
    model.save(tmp_path / "m.keras")
    model.save_weights(tmp_path / "m.weights.h5")
    with zipfile.ZipFile(tmp_path / "m.keras") as keras_file, zipfile.ZipFile(tmp_path / "m.kerafront") as own:
        assert keras_file.namelist() == ["metadata.json", "config.json", "model.weights.h5"]
        assert "metadata.json" in own.namelist()
    assert h5py.is_hdf5(tmp_path / "m.weights.h5")
    with pytest.raises(FileExistsError):
        model.save(tmp_path / "m.keras", overwrite=False)
    loaded = kerafront.models.load_model(tmp_path / "m.keras", safe_mode=True)
    np.testing.assert_array_equal(loaded.get_weights()[0], model.get_weights()[0])


# ------------------------------------------------------------------------------------------------
# Hostile archives

def _rewrite(tmp_path, name, config=None, extra=None, drop=None):
    path = tmp_path / name
    with zipfile.ZipFile(os.path.join(FIXTURES, "mlp.keras")) as source, zipfile.ZipFile(path, "w") as out:
        for member in source.namelist():
            if member == drop:
                continue
            data = source.read(member)
            if member == "config.json" and config is not None:
                data = json.dumps(config(json.loads(data))).encode()
            out.writestr(member, data)
        for member, data in (extra or {}).items():
            out.writestr(member, data, compress_type=zipfile.ZIP_DEFLATED)
    return path


def _with_layer(layer):
    def edit(config):
        config["config"]["layers"].insert(1, layer)
        return config
    return edit


@pytest.mark.parametrize("module, class_name", [("os", "system"), ("builtins", "eval"), ("subprocess", "Popen"),
                                                ("mypackage.layers", "Dense")])
def test_config_naming_a_module_outside_the_allow_list_is_refused(tmp_path, module, class_name):
    path = _rewrite(tmp_path, "evil.keras", config=_with_layer(
        {"module": module, "class_name": class_name, "config": {"name": "x"}, "registered_name": None}))
    with pytest.raises(ValueError, match=f"refusing class '{class_name}' from module '{module}'"):
        kerafront.models.load_model(path)


def test_lambda_with_bytecode_is_refused_unless_the_function_is_given(tmp_path):
    import base64
    import marshal
    code = base64.b64encode(marshal.dumps((lambda x: x * 2).__code__)).decode()
    lambda_layer = {"module": "keras.layers", "class_name": "Lambda", "registered_name": None,
                    "config": {"name": "double", "function": {"class_name": "__lambda__",
                                                              "config": {"code": code, "defaults": None,
                                                                         "closure": None}},
                               "arguments": {}, "output_shape": None}}
    path = _rewrite(tmp_path, "lambda.keras", config=_with_layer(lambda_layer))
    with pytest.raises(ValueError, match="Lambda.*custom_objects"):
        kerafront.models.load_model(path)
    model = kerafront.models.load_model(path, custom_objects={"double": lambda x: x * 2})
    x, expected = _data("mlp")
    _check(_predict(model, x / 2), expected, "the Lambda doubles the input before the Keras layers")


@pytest.mark.parametrize("member", ["../evil.json", "/abs.json", "assets/../../x", "other.txt"])
def test_bad_member_names_are_refused(tmp_path, member):
    path = _rewrite(tmp_path, "members.keras", extra={member: b"{}"})
    with pytest.raises(ValueError, match="member"):
        kerafront.models.load_model(path)


def test_zip_bomb_config_is_refused_before_inflating(tmp_path):
    path = _rewrite(tmp_path, "bomb.keras", drop="config.json",
                    extra={"config.json": b"{" + b" " * (50 * 1024 * 1024) + b"}"})
    with pytest.raises(ValueError, match="zip bomb"):
        kerafront.models.load_model(path)


def test_truncated_archive_is_refused(tmp_path):
    with open(os.path.join(FIXTURES, "mlp.keras"), "rb") as f:
        data = f.read()
    for cut in (len(data) // 3, len(data) - 30):
        path = tmp_path / f"cut{cut}.keras"
        path.write_bytes(data[:cut])
        with pytest.raises((ValueError, OSError)):
            kerafront.models.load_model(path)


def test_weights_declaring_another_shape_are_refused_before_reading(tmp_path):
    path = tmp_path / "big.weights.h5"
    with h5py.File(os.path.join(FIXTURES, "mlp.weights.h5"), "r") as src, h5py.File(path, "w") as dst:
        for key in ("layers", "optimizer", "vars"):
            src.copy(key, dst)
        del dst["layers/dense/vars/0"]
        dst["layers/dense/vars"].create_dataset("0", shape=(40000, 8), dtype="float32")
    model = kerafront.Sequential([kerafront.Input((4,)), layers.Dense(8), layers.Dense(3)])
    with pytest.raises(ValueError, match=r"\(40000, 8\)"):
        model.load_weights(path)


def test_keras_archive_module_reports_its_format_version():
    assert keras_archive.KERAS_FORMAT_VERSION.startswith("3.")
