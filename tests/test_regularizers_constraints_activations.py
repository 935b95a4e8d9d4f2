"""Regularizers, constraints and activations: Keras's formulas on known values."""

import math

import numpy as np
import pytest

from kerafront import activations as A
from kerafront import constraints as K
from kerafront import ops
from kerafront import regularizers as R

W = np.array([[1.0, -2.0], [3.0, 0.5]], "float32")


def np_(x):
    return ops.convert_to_numpy(x)


def test_regularizers():
    assert float(np_(R.L1(0.1)(W))) == pytest.approx(0.1 * 6.5)
    assert float(np_(R.L2()(W))) == pytest.approx(0.01 * 14.25)
    assert float(np_(R.L1L2(l1=0.1, l2=0.2)(W))) == pytest.approx(0.65 + 0.2 * 14.25)
    assert float(np_(R.L1L2()(W))) == 0.0
    assert isinstance(R.get("l1_l2"), R.L1L2) and R.get(None) is None
    assert R.get({"class_name": "L2", "config": {"l2": 0.5}}).l2 == 0.5
    with pytest.raises(ValueError, match="non-negative"):
        R.L2(-1.0)
    with pytest.raises(ValueError, match="Unknown regularizer"):
        R.get("l3")


def test_constraints():
    norms = np.sqrt((W ** 2).sum(axis=0))  # per column (axis 0): [sqrt(10), sqrt(4.25)]
    clipped = np_(K.MaxNorm(2.0)(W))
    np.testing.assert_allclose(clipped, W * np.minimum(norms, 2.0) / (norms + 1e-7), rtol=1e-6)
    np.testing.assert_array_equal(np_(K.NonNeg()(W)), np.maximum(W, 0))
    np.testing.assert_allclose(np_(K.UnitNorm(axis=1)(W)), W / (np.sqrt((W ** 2).sum(1, keepdims=True)) + 1e-7),
                               rtol=1e-6)
    moved = np_(K.MinMaxNorm(min_value=3.0, max_value=4.0, rate=0.5)(W))
    desired = 0.5 * np.clip(norms, 3, 4) + 0.5 * norms
    np.testing.assert_allclose(moved, W * desired / (norms + 1e-7), rtol=1e-6)
    assert isinstance(K.get("max_norm"), K.MaxNorm)
    assert K.get({"class_name": "MaxNorm", "config": {"max_value": 3, "axis": [0, 1]}}).axis == (0, 1)
    with pytest.raises(ValueError, match="Unknown constraint"):
        K.get("positive")


def test_activations_known_values():
    x = np.array([-3.0, -0.5, 0.0, 0.5, 3.0], "float32")
    cases = {
        "relu": np.maximum(x, 0),
        "relu6": np.clip(x, 0, 6),
        "leaky_relu": np.where(x >= 0, x, 0.2 * x),
        "elu": np.where(x > 0, x, np.expm1(x)),
        "selu": 1.0507009873554805 * np.where(x > 0, x, 1.6732632423543772 * np.expm1(x)),
        "gelu": 0.5 * x * (1 + np.array([math.erf(v / math.sqrt(2)) for v in x])),
        "silu": x / (1 + np.exp(-x)),
        "swish": x / (1 + np.exp(-x)),
        "sigmoid": 1 / (1 + np.exp(-x)),
        "hard_sigmoid": np.clip(x + 3, 0, 6) / 6,
        "hard_silu": x * np.clip(x + 3, 0, 6) / 6,
        "tanh": np.tanh(x),
        "softplus": np.log1p(np.exp(x)),
        "softsign": x / (1 + np.abs(x)),
        "mish": x * np.tanh(np.log1p(np.exp(x))),
        "exponential": np.exp(x),
        "log_sigmoid": -np.log1p(np.exp(-x)),
        "linear": x,
        "softmax": np.exp(x) / np.exp(x).sum(),
        "log_softmax": x - np.log(np.exp(x).sum()),
    }
    for name, expected in cases.items():
        np.testing.assert_allclose(np_(A.get(name)(x)), expected, rtol=1e-5, atol=1e-6, err_msg=name)


def test_relu_options_follow_keras():
    x = np.array([-2.0, -0.5, 0.5, 1.5, 8.0], "float32")
    np.testing.assert_allclose(np_(A.relu(x, max_value=1.0)), [0, 0, 0.5, 1.0, 1.0])
    np.testing.assert_allclose(np_(A.relu(x, negative_slope=0.1)), [-0.2, -0.05, 0.5, 1.5, 8.0], rtol=1e-6)
    np.testing.assert_allclose(np_(A.relu(x, threshold=1.0)), [0, 0, 0, 1.5, 8.0])
    np.testing.assert_allclose(np_(A.relu(x, negative_slope=0.5, threshold=1.0, max_value=5.0)),
                               [-1.5, -0.75, -0.25, 1.5, 5.0], rtol=1e-6)


def test_activation_lookup_and_serialization():
    assert A.get(None) is A.linear and A.get("swish") is A.silu
    assert A.serialize(A.relu) == "relu" and A.serialize(A.get("swish")) == "silu"
    with pytest.raises(ValueError, match="neither a kerafront function nor registered"):
        A.serialize(lambda x: x)
    with pytest.raises(ValueError, match="Unknown activation"):
        A.get("Dense")
