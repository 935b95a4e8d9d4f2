"""The functional API: graphs, symbolic shape inference without kernels, configs and errors."""

import json

import numpy as np
import pytest

import kerafront
from kerafront import layers as L
from kerafront import ops
from kerafront import config
from kerafront.saving import deserialize, serialize


def np_(x):
    return ops.convert_to_numpy(x)


def two_branch_model():
    inputs = L.Input((6,), name="x")
    left = L.Dense(4, activation="relu", name="left")(inputs)
    right = L.Dense(4, activation="tanh", name="right")(inputs)
    merged = L.Add(name="merge")([left, right])
    return kerafront.Model(inputs, L.Dense(2, name="head")(merged), name="two_branch")


def test_two_branches_and_a_merge_compute_the_graph(rng):
    model = two_branch_model()
    x = rng.standard_normal((3, 6)).astype("float32")
    w = {layer.name: layer.get_weights() for layer in model.layers if layer.weights}
    hidden = np.maximum(x @ w["left"][0] + w["left"][1], 0) + np.tanh(x @ w["right"][0] + w["right"][1])
    np.testing.assert_allclose(np_(model(x)), hidden @ w["head"][0] + w["head"][1], rtol=1e-5, atol=1e-6)
    assert [l.name for l in model.layers] == ["x", "left", "right", "merge", "head"]
    assert model.inputs[0].shape == (None, 6) and model.outputs[0].shape == (None, 2)
    assert model.output_shape == (None, 2)


_ALLOWED_DURING_GRAPH_CONSTRUCTION = {"convert_to_tensor", "convert_to_numpy", "is_tensor", "shape", "dtype", "cast",
                                     "zeros", "ones", "full"}


def _refuse(name):
    def kernel(*args, **kwargs):
        raise AssertionError(f"backend kernel {name!r} ran during graph construction")
    return kernel


def test_graph_construction_runs_no_backend_kernel(monkeypatch):
    tables = config.active.tables
    impl = {name: fn if name in _ALLOWED_DURING_GRAPH_CONSTRUCTION else _refuse(name) for name, fn in tables.impl.items()}
    overrides = {name: _refuse(name) for name in tables.overrides}
    monkeypatch.setattr(type(config.active), "tables", config._Tables(tables.backend, tables.name, impl, overrides))
    with pytest.raises(AssertionError, match="'add' ran during graph construction"):
        kerafront.ops.add(1.0, 2.0)  # the refusing tables are the ones ops dispatch through
    inputs = L.Input((8, 8, 3))
    x = L.Conv2D(4, 3, padding="same")(inputs)
    x = L.BatchNormalization()(x)
    x = L.MaxPooling2D()(x)
    y = L.SeparableConv2D(4, 3, padding="same")(x)
    x = L.Concatenate()([x, y])
    x = L.GlobalAveragePooling2D()(x)
    x = L.Dropout(0.5)(x)
    model = kerafront.Model(inputs, L.Dense(3, activation="softmax")(x))
    assert model.output_shape == (None, 3)
    assert model.count_params() == (27 * 4 + 4) + 16 + (9 * 4 + 16 + 4) + (8 * 3 + 3)


def test_shared_layers_multiple_inputs_and_dict_outputs(rng):
    a, b = L.Input((4,), name="a"), L.Input((4,), name="b")
    shared = L.Dense(3, name="shared")
    distance = L.Subtract(name="diff")([shared(a), shared(b)])
    model = kerafront.Model({"a": a, "b": b}, {"diff": distance, "sum": L.Add()([shared(a), shared(b)])})
    xa, xb = rng.standard_normal((2, 4)).astype("float32"), rng.standard_normal((2, 4)).astype("float32")
    kernel, bias = shared.get_weights()
    out = model({"a": xa, "b": xb})
    np.testing.assert_allclose(np_(out["diff"]), (xa - xb) @ kernel, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(np_(out["sum"]), (xa + xb) @ kernel + 2 * bias, rtol=1e-5, atol=1e-6)
    assert len(model.weights) == 2 and model.output_names == ["diff", "sum"]
    with pytest.raises(ValueError, match=r"missing inputs \['b'\]"):
        model({"a": xa})


def test_list_outputs_and_wrong_input_count(rng):
    a, b = L.Input((2,)), L.Input((3,))
    model = kerafront.Model([a, b], [L.Dense(1)(a), L.Concatenate()([a, b])])
    out = model([np.ones((1, 2), "float32"), np.ones((1, 3), "float32")])
    assert [np_(o).shape for o in out] == [(1, 1), (1, 5)]
    with pytest.raises(ValueError, match="expects 2 inputs"):
        model([np.ones((1, 2), "float32")])
    with pytest.raises(ValueError, match=r'input ".*" expected shape \(None, 3\), received \(1, 4\)'):
        model([np.ones((1, 2), "float32"), np.ones((1, 4), "float32")])


def test_unreachable_outputs_raise():
    a, b = L.Input((2,), name="in_a"), L.Input((2,), name="in_b")
    out = L.Add()([a, b])
    with pytest.raises(ValueError, match='not reachable.*"in_b"'):
        kerafront.Model(a, out)


def test_nested_models_as_layers(rng):
    inner = two_branch_model()
    inputs = L.Input((6,))
    outer = kerafront.Model(inputs, L.Dense(1)(inner(inputs)))
    x = rng.standard_normal((2, 6)).astype("float32")
    np.testing.assert_allclose(np_(outer(x)), np_(outer.layers[-1](inner(x))), rtol=1e-6)
    assert outer.count_params() == inner.count_params() + 3
    inner.trainable = False
    assert len(outer.trainable_weights) == 2


def test_config_round_trip_rebuilds_the_same_graph(rng):
    inputs = L.Input((6,), name="x")
    shared = L.Dense(6, name="shared")
    y = shared(shared(inputs))
    y = L.BatchNormalization(name="bn")(y)
    inner = two_branch_model()
    model = kerafront.Model(inputs, [inner(y), L.Concatenate(name="cat")([y, inputs])], name="outer")
    config = json.loads(json.dumps(serialize(model)))
    assert "module" not in json.dumps(config)
    clone = deserialize(config)
    assert [l.name for l in clone.layers] == [l.name for l in model.layers]
    clone.set_weights(model.get_weights())
    x = rng.standard_normal((3, 6)).astype("float32")
    for a, b in zip(model(x), clone(x)):
        np.testing.assert_allclose(np_(a), np_(b), rtol=1e-6)
    assert clone.get_config() == json.loads(json.dumps(model.get_config()))


def test_training_flag_reaches_layers_inside_functional_models():
    inputs = L.Input((100,))
    model = kerafront.Model(inputs, L.Dropout(0.5, seed=1)(inputs))
    x = np.ones((2, 100), "float32")
    np.testing.assert_array_equal(np_(model(x)), x)
    assert (np_(model(x, training=True)) == 0).any()


def test_input_layer_config_and_int_inputs():
    ids = L.Input((3,), dtype="int32", name="ids")
    assert ids.dtype == "int32" and ids.shape == (None, 3)
    model = kerafront.Model(ids, L.Flatten()(L.Embedding(5, 2)(ids)))
    assert np_(model(np.array([[0, 1, 4]], "int32"))).shape == (1, 6)
    layer = ids.node.layer
    assert L.InputLayer.from_config(layer.get_config()).batch_shape == (None, 3)
    with pytest.raises(ValueError, match="pass shape="):
        L.Input()
