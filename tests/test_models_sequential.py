"""Sequential models and subclassed models."""

import json

import numpy as np
import pytest

import kerafront
from kerafront import layers as L
from kerafront import ops
from kerafront.saving import deserialize, serialize


def np_(x):
    return ops.convert_to_numpy(x)


def test_sequential_from_input_shape_builds_immediately(rng):
    model = kerafront.Sequential([L.Dense(5, activation="relu", input_shape=(4,)), L.Dense(2)])
    assert model.built and model.inputs[0].shape == (None, 4) and model.output_shape == (None, 2)
    assert [l.name for l in model.layers] == [model.layers[0].name, model.layers[1].name]
    assert all(v.path.startswith(f"{model.name}/") for v in model.weights)
    x = rng.standard_normal((3, 4)).astype("float32")
    (k1, b1), (k2, b2) = model.layers[0].get_weights(), model.layers[1].get_weights()
    np.testing.assert_allclose(np_(model(x)), np.maximum(x @ k1 + b1, 0) @ k2 + b2, rtol=1e-5, atol=1e-6)


def test_sequential_add_pop_and_build_on_first_call():
    model = kerafront.Sequential()
    model.add(L.Dense(3))
    model.add(L.Dense(1))
    assert not model.built and model.inputs is None
    out = model(np.ones((2, 7), "float32"))
    assert np_(out).shape == (2, 1) and model.built and model.inputs[0].shape == (None, 7)
    popped = model.pop()
    assert popped.units == 1 and len(model.layers) == 1
    assert np_(model(np.ones((2, 7), "float32"))).shape == (2, 3)


def test_sequential_with_input_tensor_and_build_shape():
    model = kerafront.Sequential([L.Input((6,)), L.Dense(2)])
    assert model.built and len(model.layers) == 1
    other = kerafront.Sequential([L.Dense(2)])
    other.build((None, 6))
    assert other.count_params() == 14
    with pytest.raises(ValueError, match=r"defined for inputs of shape \(None, 6\), received shape \(None, 5\)"):
        model.build((None, 5))
    with pytest.raises(ValueError, match="unique names"):
        kerafront.Sequential([L.Dense(1, name="x"), L.Dense(1, name="x")])
    with pytest.raises(TypeError, match="expected a Layer"):
        kerafront.Sequential([np.zeros(3)])


def test_sequential_rejects_wrong_feature_count():
    model = kerafront.Sequential([L.Input((4,)), L.Dense(2, name="first")])
    with pytest.raises(ValueError, match=r'"first".*expected shape \(\.\.\., 4\).*received input with shape \(2, 5\)'):
        model(np.ones((2, 5), "float32"))


def test_sequential_config_round_trip(rng):
    model = kerafront.Sequential([L.Input((5, 5, 1)), L.Conv2D(2, 3), L.BatchNormalization(), L.Flatten(),
                                  L.Dropout(0.2), L.Dense(3, activation="softmax")], name="seq")
    config = json.loads(json.dumps(serialize(model)))
    clone = deserialize(config)
    assert clone.name == "seq" and clone.built
    clone.set_weights(model.get_weights())
    x = rng.standard_normal((2, 5, 5, 1)).astype("float32")
    np.testing.assert_allclose(np_(clone(x)), np_(model(x)), rtol=1e-6)
    unbuilt = kerafront.Sequential([L.Dense(2)])
    unbuilt.build((None, 3))
    assert deserialize(serialize(unbuilt)).count_params() == 8


def test_nested_sequential_in_functional_model(rng):
    block = kerafront.Sequential([L.Dense(4, activation="relu"), L.Dense(4)])
    inputs = L.Input((3,))
    model = kerafront.Model(inputs, L.Add()([block(inputs), L.Dense(4)(inputs)]))
    assert block.built and model.count_params() == (16 + 20) + 16
    assert np_(model(rng.standard_normal((2, 3)).astype("float32"))).shape == (2, 4)


class TwoLayer(kerafront.Model):
    def __init__(self, hidden=8, **kwargs):
        super().__init__(**kwargs)
        self.hidden = L.Dense(hidden, activation="relu")
        self.norm = L.BatchNormalization()
        self.out = L.Dense(1)

    def call(self, inputs, training=None):
        return self.out(self.norm(self.hidden(inputs), training=training))


def test_subclassed_model_tracks_layers_and_runs(rng):
    model = TwoLayer(name="two")
    x = rng.standard_normal((4, 3)).astype("float32")
    assert np_(model(x)).shape == (4, 1)
    assert all(v.path.startswith("two/") for v in model.weights)
    assert len(model.trainable_variables) == 6 and len(model.non_trainable_variables) == 2
    assert model.layers == [model.hidden, model.norm, model.out]
    assert model.get_layer(index=1) is model.norm and model.get_layer(model.out.name) is model.out
    model.hidden.trainable = False
    assert len(model.trainable_weights) == 4


def test_subclassed_model_build_and_auto_config():
    model = TwoLayer(hidden=5)
    model.build((None, 3))
    assert model.built and model.count_params() == (3 * 5 + 5) + 20 + 6
    assert model.get_config()["hidden"] == 5
    clone = TwoLayer.from_config(model.get_config())
    assert clone.hidden.units == 5


def test_subclassed_model_using_ops_builds_by_running_on_zeros():
    class Residual(kerafront.Model):
        def __init__(self):
            super().__init__()
            self.dense = L.Dense(3)

        def call(self, x):
            return ops.add(self.dense(x), x)

    model = Residual()
    model.build((None, 3))
    assert model.dense.built and model.dense.kernel.shape == (3, 3)


def test_get_layer_errors():
    model = kerafront.Sequential([L.Input((2,)), L.Dense(1, name="only")])
    assert model.get_layer("only") is model.layers[0]
    with pytest.raises(ValueError, match="no layer named 'nope'"):
        model.get_layer("nope")
    with pytest.raises(ValueError, match="exactly one of"):
        model.get_layer()


def test_fit_trains_a_sequential_model():
    kerafront.utils.set_random_seed(0)
    rng = np.random.default_rng(0)
    x = rng.standard_normal((64, 3)).astype("float32")
    y = (x @ np.array([1.0, -2.0, 0.5], "float32"))[:, None]
    model = kerafront.Sequential([L.Input((3,)), L.Dense(1)])
    model.compile(optimizer=kerafront.optimizers.SGD(learning_rate=0.1), loss="mse")
    history = model.fit(x, y, epochs=5, batch_size=16, verbose=0)
    assert history.history["loss"][-1] < 0.5 * history.history["loss"][0]


def test_subclassed_model_inside_a_functional_model(rng):
    inputs = L.Input((3,))
    sub = TwoLayer(hidden=4)
    outputs = L.Dense(2)(sub(inputs))
    model = kerafront.Model(inputs, outputs)
    assert sub.built and outputs.shape == (None, 2) and model.count_params() == (12 + 4) + 16 + 5 + 4
    x = rng.standard_normal((2, 3)).astype("float32")
    np.testing.assert_allclose(np_(model(x)), np_(model.layers[-1](sub(x))), rtol=1e-6)

    class Identity(kerafront.Model):
        def call(self, x):
            return x

    passthrough = kerafront.Model(inputs, Identity()(inputs))
    np.testing.assert_array_equal(np_(passthrough(x)), x)


def test_model_save_methods_delegate_to_kerafront_saving(tmp_path, rng):
    model = kerafront.Sequential([L.Input((3,)), L.Dense(2)])
    other = kerafront.Sequential([L.Input((3,)), L.Dense(2)])
    model.save_weights(str(tmp_path / "w.weights.safetensors"))
    other.load_weights(str(tmp_path / "w.weights.safetensors"))
    x = rng.standard_normal((2, 3)).astype("float32")
    np.testing.assert_array_equal(np_(other(x)), np_(model(x)))
    model.save(str(tmp_path / "m.kerafront"))
    np.testing.assert_array_equal(np_(kerafront.saving.load_model(str(tmp_path / "m.kerafront"))(x)), np_(model(x)))
