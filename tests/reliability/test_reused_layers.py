"""Every way a layer can be reused saves and loads on every backend: layers taken from another model
(transfer learning), a layer shared by two models, a nested model, a layer called twice. Weights are
keyed by their place in the model being saved (``kerafront.saving.weight_keys``); files keyed by
``Variable.path`` (earlier versions) still load. Duplicate layer names are refused at construction."""

import json
import zipfile

import numpy as np
import pytest

import kerafront
from kerafront import layers
from kerafront.saving import (archive, load_model, load_weights, save_model, save_weights, saving_api,
                              weight_keys)

RNG = np.random.default_rng(0)
X = RNG.normal(size=(5, 4)).astype("float32")
Y = RNG.normal(size=(5, 2)).astype("float32")


def _set(model, seed):
    """Deterministic weights (the same on every backend), returned as NumPy arrays."""
    rng = np.random.default_rng(seed)
    values = [rng.normal(size=w.shape).astype("float32") * 0.5 for w in model.get_weights()]
    model.set_weights(values)
    return values


def _dense(x, kernel, bias, relu=False):
    y = x @ kernel + bias
    return np.maximum(y, 0) if relu else y


def _base():
    return kerafront.Sequential([kerafront.Input((4,)), layers.Dense(3, activation="relu", name="d1"),
                                 layers.Dense(4, name="d2")], name="base")


def _transfer():
    """``h = inp; for l in base.layers: h = l(h)`` into a new model with a new head."""
    base = _base()
    inputs = kerafront.Input((4,))
    h = inputs
    for layer in base.layers:
        h = layer(h)
    model = kerafront.Model(inputs, layers.Dense(2, name="head")(h), name="transfer")
    k1, b1, k2, b2, k3, b3 = _set(model, 1)
    expected = _dense(_dense(_dense(X, k1, b1, relu=True), k2, b2), k3, b3)
    return model, expected


def _shared():
    """Layer ``d`` used by model ``a`` and by model ``b``; ``b`` is saved."""
    shared = layers.Dense(4, name="shared")
    a_in, b_in = kerafront.Input((4,)), kerafront.Input((4,))
    kerafront.Model(a_in, layers.Dense(1, name="a_head")(shared(a_in)), name="a")
    model = kerafront.Model(b_in, layers.Dense(2, name="b_head")(shared(b_in)), name="b")
    k1, b1, k2, b2 = _set(model, 2)
    return model, _dense(_dense(X, k1, b1), k2, b2)


def _nested():
    base = _base()
    inputs = kerafront.Input((4,))
    model = kerafront.Model(inputs, layers.Dense(2, name="head")(base(inputs)), name="outer")
    k1, b1, k2, b2, k3, b3 = _set(model, 3)
    return model, _dense(_dense(_dense(X, k1, b1, relu=True), k2, b2), k3, b3)


def _called_twice():
    twice = layers.Dense(4, name="twice")
    inputs = kerafront.Input((4,))
    model = kerafront.Model(inputs, layers.Dense(2, name="head")(twice(twice(inputs))), name="twice_model")
    k1, b1, k2, b2 = _set(model, 4)
    return model, _dense(_dense(_dense(X, k1, b1), k1, b1), k2, b2)


CASES = {"transfer": _transfer, "shared": _shared, "nested": _nested, "called_twice": _called_twice}


@pytest.mark.parametrize("case", CASES)
def test_save_model_round_trip(backend, case, tmp_path):
    model, expected = CASES[case]()
    np.testing.assert_allclose(model.predict(X, verbose=0), expected, rtol=1e-5, atol=1e-5)
    model.compile(optimizer="adam", loss="mse")
    model.fit(X, Y, epochs=1, batch_size=5, verbose=0)  # optimizer slots are saved too
    save_model(model, tmp_path / "m.kerafront")
    loaded = load_model(tmp_path / "m.kerafront")
    np.testing.assert_allclose(loaded.predict(X, verbose=0), model.predict(X, verbose=0), rtol=1e-6, atol=1e-6)
    assert len(loaded.optimizer.variables) == len(model.optimizer.variables)
    for got, want in zip(loaded.optimizer.variables, model.optimizer.variables):
        np.testing.assert_array_equal(kerafront.ops.convert_to_numpy(got.value),
                                      kerafront.ops.convert_to_numpy(want.value))


@pytest.mark.parametrize("case", CASES)
def test_save_weights_round_trip_into_a_fresh_copy(backend, case, tmp_path):
    model, expected = CASES[case]()
    save_weights(model, tmp_path / "w.weights.safetensors")
    fresh, _ = CASES[case]()
    _set(fresh, 99)
    load_weights(fresh, tmp_path / "w.weights.safetensors")
    np.testing.assert_allclose(fresh.predict(X, verbose=0), expected, rtol=1e-5, atol=1e-5)


def test_keys_are_places_in_the_saving_model():
    model, _ = _transfer()
    assert list(weight_keys.model_keys(model)) == ["d1/kernel", "d1/bias", "d2/kernel", "d2/bias", "head/kernel",
                                                   "head/bias"]
    assert [v.path for v in model.weights][:2] == ["base/d1/kernel", "base/d1/bias"]  # fixed at the first build
    nested, _ = _nested()
    assert list(weight_keys.model_keys(nested))[:2] == ["base/d1/kernel", "base/d1/bias"]


def test_files_keyed_by_variable_path_still_load(tmp_path):
    """A file written before place keys (``Variable.path``, e.g. ``"seq/d/kernel"``) loads."""
    model = kerafront.Sequential([kerafront.Input((4,)), layers.Dense(3, name="d")], name="seq")
    values = _set(model, 6)
    model.compile(optimizer="sgd", loss="mse")
    model.fit(X, np.zeros((5, 3), "float32"), epochs=1, verbose=0)
    save_model(model, tmp_path / "new.kerafront")
    keyed = weight_keys.path_keys(model.variables)
    assert list(keyed)[:2] == ["seq/d/kernel", "seq/d/bias"] != list(weight_keys.model_keys(model))[:2]
    with zipfile.ZipFile(tmp_path / "new.kerafront") as source:
        metadata, config = (json.loads(source.read(n)) for n in ("metadata.json", "config.json"))
    archive.write_archive(tmp_path / "old.kerafront", metadata, config, saving_api._arrays(keyed),
                          saving_api._arrays(weight_keys.path_keys(model.optimizer.variables)))
    loaded = load_model(tmp_path / "old.kerafront")
    np.testing.assert_array_equal(loaded.get_weights()[0], model.get_weights()[0])
    assert not np.array_equal(model.get_weights()[0], values[0])  # the fit moved it: a real load
    assert int(loaded.optimizer.iterations.numpy()) == 1


def test_duplicate_layer_names_are_refused_with_keras_messages():
    inputs = kerafront.Input((4,))
    first, second = layers.Dense(4, name="d"), layers.Dense(4, name="d")
    outputs = second(first(inputs))
    with pytest.raises(ValueError, match='The name "d" is used 2 times in the model. All operation names should '
                                         "be unique."):
        kerafront.Model(inputs, outputs)
    with pytest.raises(ValueError, match="All layers added to a Sequential model should have unique names. Name 'd' "
                                         "is already the name of a layer in this model."):
        kerafront.Sequential([kerafront.Input((4,)), layers.Dense(4, name="d"), layers.Dense(4, name="d")])
    twice = layers.Dense(4, name="twice")
    with pytest.raises(ValueError, match="'twice' is already in the model.*use the functional API"):
        kerafront.Sequential([kerafront.Input((4,)), twice, twice])
