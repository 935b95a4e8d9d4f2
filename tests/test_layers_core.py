"""Dense, Activation, Embedding and Lambda: known values, defaults and errors."""

import math

import numpy as np
import pytest

import kerafront
from kerafront import layers as L
from kerafront import ops


def np_(x):
    return ops.convert_to_numpy(x)


def test_dense_computes_x_at_w_plus_b(rng):
    layer = L.Dense(3, activation="relu")
    x = rng.standard_normal((5, 4)).astype("float32")
    layer(x)
    kernel = rng.standard_normal((4, 3)).astype("float32")
    bias = np.array([0.5, -1.0, 2.0], "float32")
    layer.set_weights([kernel, bias])
    np.testing.assert_allclose(np_(layer(x)), np.maximum(x @ kernel + bias, 0), rtol=1e-6, atol=1e-6)
    assert [v.path for v in layer.weights] == [f"{layer.name}/kernel", f"{layer.name}/bias"]


def test_dense_on_rank3_inputs_contracts_last_axis(rng):
    layer = L.Dense(2, use_bias=False)
    x = rng.standard_normal((2, 3, 4)).astype("float32")
    out = np_(layer(x))
    np.testing.assert_allclose(out, x @ layer.get_weights()[0], rtol=1e-6)


def test_dense_defaults_glorot_uniform_kernel_and_zero_bias():
    kerafront.utils.set_random_seed(0)
    layer = L.Dense(300)
    layer.build((None, 200))
    kernel, bias = layer.get_weights()
    limit = math.sqrt(6 / (200 + 300))
    assert kernel.shape == (200, 300) and bias.shape == (300,)
    assert np.all(np.abs(kernel) <= limit) and np.abs(kernel).max() > 0.95 * limit
    np.testing.assert_allclose(kernel.var(), limit ** 2 / 3, rtol=0.05)
    assert not bias.any()


def test_dense_rejects_wrong_feature_count():
    layer = L.Dense(3, name="dense_in4")
    layer(np.zeros((2, 4), "float32"))
    with pytest.raises(ValueError, match=r'"dense_in4".*\(\.\.\., 4\).*\(2, 5\)'):
        layer(np.zeros((2, 5), "float32"))


def test_dense_rejects_rank1_and_bad_units():
    with pytest.raises(ValueError, match="rank >= 2"):
        L.Dense(3)(np.zeros((4,), "float32"))
    with pytest.raises(ValueError, match="units must be a positive integer"):
        L.Dense(0)


def test_float64_and_list_inputs_become_floatx():
    layer = L.Dense(2)
    out = layer(np.ones((1, 3), dtype="float64"))
    assert ops.dtype(out) == "float32"
    out_list = layer([[1.0, 1.0, 1.0]])
    np.testing.assert_allclose(np_(out_list), np_(out))


def test_dense_regularizers_add_losses_on_current_values():
    layer = L.Dense(2, kernel_regularizer=kerafront.regularizers.L2(0.1), bias_regularizer="l1")
    layer.build((None, 3))
    kernel = np.arange(6, dtype="float32").reshape(3, 2)
    layer.set_weights([kernel, np.array([1.0, -2.0], "float32")])
    losses = [float(np_(x)) for x in layer.losses]
    assert losses == pytest.approx([0.1 * np.sum(kernel ** 2), 0.01 * 3.0])


def test_dense_activity_regularizer_adds_loss_per_call():
    layer = L.Dense(2, kernel_initializer="ones", activity_regularizer=kerafront.regularizers.L1(0.5))
    layer(np.ones((1, 3), "float32"))
    assert [float(np_(x)) for x in layer.losses] == pytest.approx([0.5 * 6.0])
    layer(np.ones((1, 3), "float32"))
    assert len(layer.losses) == 1  # cleared at the start of each outermost call


def test_dense_constraint_is_attached_to_the_variable():
    layer = L.Dense(2, kernel_constraint="non_neg")
    layer.build((None, 2))
    assert isinstance(layer.kernel.constraint, kerafront.constraints.NonNeg)
    assert layer.bias.constraint is None


def test_activation_gelu_is_the_exact_erf_form():
    x = np.array([-2.0, -0.5, 0.0, 1.0, 3.0], "float32")
    expected = [0.5 * v * (1 + math.erf(v / math.sqrt(2))) for v in x]
    np.testing.assert_allclose(np_(L.Activation("gelu")(x)), expected, rtol=1e-6, atol=1e-7)


def test_activation_accepts_callables_and_softmax_rows():
    out = np_(L.Activation(lambda t: ops.multiply(t, 2.0))(np.array([1.0, 2.0], "float32")))
    np.testing.assert_allclose(out, [2.0, 4.0])
    probs = np_(L.Activation("softmax")(np.array([[0.0, math.log(3.0)]], "float32")))
    np.testing.assert_allclose(probs, [[0.25, 0.75]], rtol=1e-6)
    with pytest.raises(ValueError, match="Unknown activation 'nope'"):
        L.Activation("nope")


def test_embedding_looks_up_rows():
    layer = L.Embedding(5, 2)
    ids = np.array([[0, 4], [2, 2]], "int32")
    out = np_(layer(ids))
    table = layer.get_weights()[0]
    np.testing.assert_array_equal(out, table[ids])
    assert out.shape == (2, 2, 2) and out.dtype == np.float32
    np.testing.assert_array_equal(np_(layer(ids.astype("float64"))), out)


def test_embedding_default_uniform_initializer_and_mask():
    kerafront.utils.set_random_seed(3)
    layer = L.Embedding(1000, 8, mask_zero=True)
    layer.build((None, 3))
    table = layer.get_weights()[0]
    assert np.abs(table).max() <= 0.05 and np.abs(table).max() > 0.049
    mask = np_(layer.compute_mask(ops.convert_to_tensor(np.array([[0, 3, 0]], "int32"))))
    np.testing.assert_array_equal(mask, [[False, True, False]])
    assert L.Embedding(3, 2).compute_mask(np.zeros(2)) is None


def test_lambda_runs_function_with_arguments():
    layer = L.Lambda(lambda x, scale: ops.multiply(x, scale), arguments={"scale": 3.0})
    np.testing.assert_allclose(np_(layer(np.array([1.0, 2.0], "float32"))), [3.0, 6.0])


def test_lambda_passes_training_when_the_function_takes_it():
    layer = L.Lambda(lambda x, training=None: ops.multiply(x, 2.0 if training else 1.0))
    x = np.ones((1, 2), "float32")
    np.testing.assert_allclose(np_(layer(x, training=True)), [[2.0, 2.0]])
    np.testing.assert_allclose(np_(layer(x)), [[1.0, 1.0]])


def test_lambda_cannot_be_serialized():
    layer = L.Lambda(lambda x: x)
    with pytest.raises(ValueError, match="cannot be serialized.*custom layer"):
        layer.get_config()


def test_lambda_output_shape_in_functional_models():
    inputs = L.Input((4,))
    sliced = L.Lambda(lambda x: x[:, :2], output_shape=(2,))(inputs)
    assert sliced.shape == (None, 2)
    model = kerafront.Model(inputs, L.Dense(1)(sliced))
    assert np_(model(np.ones((3, 4), "float32"))).shape == (3, 1)
    assumed = L.Lambda(lambda x: x[:, :2])
    assert assumed(L.Input((4,))).shape == (None, 4)
    with pytest.raises(ValueError, match="Pass output_shape"):
        assumed(np.ones((1, 4), "float32"))
