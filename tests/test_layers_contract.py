"""The layer contract, one row per layer configuration (kerafront.layers.testing.LAYER_CASES).

For every row: build on the first call, output shape == expected == compute_output_shape, the
same shape through the functional API (batch None), weight and parameter counts (Keras's
formulas), get_config -> from_config -> identical outputs (also through JSON and
kerafront.saving), and the gradients of stateless_call w.r.t. weights and inputs against central
finite differences in float64.
"""

import json

import numpy as np
import pytest

import kerafront
from kerafront import ops
from kerafront.layers.testing import LAYER_CASES, reference_arrays, run_with_gradients
from kerafront.saving import deserialize, serialize

CASES = {case.id: case for case in LAYER_CASES}


def _shapes(case):
    return case.input_shapes if isinstance(case.input_shapes, list) else case.input_shapes


@pytest.mark.parametrize("case_id", sorted(CASES))
def test_build_shapes_and_counts(case_id):
    case = CASES[case_id]
    layer = case.make()
    assert not layer.built
    inputs, _ = reference_arrays(case)
    outputs = layer(inputs, training=case.training)
    assert layer.built
    assert tuple(ops.shape(outputs)) == case.output_shape
    assert tuple(layer.compute_output_shape(_shapes(case))) == case.output_shape
    assert len(layer.weights) == case.num_weights
    assert layer.count_params() == case.num_params
    assert len(layer.get_weights()) == case.num_weights


@pytest.mark.parametrize("case_id", sorted(CASES))
def test_functional_shape_inference(case_id):
    case = CASES[case_id]
    shapes = case.input_shapes if isinstance(case.input_shapes, list) else [case.input_shapes]
    dtype = "int32" if case.int_inputs else None
    symbolic = [kerafront.layers.Input(shape=s[1:], dtype=dtype) for s in shapes]
    layer = case.make()
    out = layer(symbolic if isinstance(case.input_shapes, list) else symbolic[0])
    assert out.shape == (None,) + case.output_shape[1:]
    assert layer.count_params() == case.num_params


@pytest.mark.parametrize("case_id", sorted(CASES))
def test_config_round_trip(case_id):
    case = CASES[case_id]
    layer = case.make()
    inputs, _ = reference_arrays(case)
    expected = ops.convert_to_numpy(layer(inputs))
    config = json.loads(json.dumps(layer.get_config()))
    for clone in (type(layer).from_config(config), deserialize(json.loads(json.dumps(serialize(layer))))):
        assert type(clone) is type(layer)
        assert json.dumps(clone.get_config(), sort_keys=True) == json.dumps(config, sort_keys=True)
        clone(inputs)
        clone.set_weights(layer.get_weights())
        np.testing.assert_array_equal(ops.convert_to_numpy(clone(inputs)), expected)


def _loss(layer, trainable, inputs, cotangent, training):
    non_trainable = [v.value for v in layer.non_trainable_variables]
    outputs, _ = layer.stateless_call(trainable, non_trainable, inputs, training=training)
    return float(np.sum(ops.convert_to_numpy(outputs) * cotangent))


@pytest.mark.parametrize("case_id", sorted(CASES))
def test_gradients_match_finite_differences(case_id):
    """Directional derivatives of sum(outputs * cotangent) in float64, for weights and inputs."""
    case = CASES[case_id]
    kerafront.config.set_floatx("float64")
    kerafront.utils.set_random_seed(1)
    layer = case.make()
    inputs, cotangent = reference_arrays(case, seed=2, dtype="float64")
    layer(inputs)
    if case.id.startswith("batch_norm"):  # make the moving statistics non-trivial
        layer.set_weights([w + 0.3 * np.arange(w.size).reshape(w.shape) for w in layer.get_weights()])
    differentiate_inputs = not case.int_inputs
    _, weight_grads, input_grads = run_with_gradients(layer, inputs, case.training, cotangent, differentiate_inputs)
    trainable = [ops.convert_to_numpy(v.value) for v in layer.trainable_variables]
    assert len(weight_grads) == len(trainable)
    rng = np.random.default_rng(3)
    eps = 1e-6

    def check(analytic, evaluate, direction, what):
        numeric = (evaluate(eps) - evaluate(-eps)) / (2 * eps)
        assert np.isclose(np.sum(analytic * direction), numeric, rtol=1e-5, atol=1e-7), what

    for i, (value, grad) in enumerate(zip(trainable, weight_grads)):
        assert grad.shape == value.shape
        direction = rng.standard_normal(value.shape)
        check(grad, lambda e: _loss(layer, [v + e * direction if j == i else v for j, v in enumerate(trainable)],
                                    inputs, cotangent, case.training), direction, f"weight {i}")
    if differentiate_inputs:
        xs = inputs if isinstance(inputs, list) else [inputs]
        grads = input_grads if isinstance(inputs, list) else [input_grads]
        for i, (x, grad) in enumerate(zip(xs, grads)):
            direction = rng.standard_normal(x.shape)

            def perturbed(e, i=i, direction=direction):
                moved = [v + e * direction if j == i else v for j, v in enumerate(xs)]
                return _loss(layer, trainable, moved if isinstance(inputs, list) else moved[0], cotangent,
                             case.training)

            check(grad, perturbed, direction, f"input {i}")


def test_every_public_layer_has_a_case():
    """A new layer needs a row in the table, or runs inside one (recurrent cells inside RNN rows); Lambda
    and InputLayer are covered by their own tests, the string layers (whose inputs the table cannot
    generate) by tests/test_preprocessing_structured_text.py."""
    exported = {getattr(kerafront.layers, name).__name__ for name in kerafront.layers.__all__  # aliases: one class
                if isinstance(getattr(kerafront.layers, name), type)
                and issubclass(getattr(kerafront.layers, name), kerafront.layers.Layer)}
    covered = {type(layer).__name__ for case in LAYER_CASES for layer in case.make()._flatten_layers()}
    assert exported - covered == {"Layer", "Lambda", "InputLayer", "StringLookup", "TextVectorization",
                                  "Wrapper"}  # an abstract base: tests/test_layers_more.py subclasses it
