"""Initializers: Keras's formulas, seeding (same seed -> same weights), lookup and serialization."""

import math

import numpy as np
import pytest

import kerafront
from kerafront import initializers as I
from kerafront import ops


def values(initializer, shape, dtype=None):
    return ops.convert_to_numpy(initializer(shape, dtype=dtype))


@pytest.mark.parametrize("name,limit", [
    ("glorot_uniform", math.sqrt(6 / (300 + 200))), ("he_uniform", math.sqrt(6 / 300)),
    ("lecun_uniform", math.sqrt(3 / 300))])
def test_uniform_variance_scaling_limits(name, limit):
    w = values(I.get(name), (300, 200))
    assert w.dtype == np.float32 and np.abs(w).max() <= limit and np.abs(w).max() > 0.98 * limit
    np.testing.assert_allclose(w.var(), limit ** 2 / 3, rtol=0.03)


@pytest.mark.parametrize("name,std", [
    ("glorot_normal", math.sqrt(2 / (300 + 200))), ("he_normal", math.sqrt(2 / 300)),
    ("lecun_normal", math.sqrt(1 / 300))])
def test_truncated_normal_variance_scaling(name, std):
    w = values(I.get(name), (300, 200))
    np.testing.assert_allclose(w.std(), std, rtol=0.03)
    assert np.abs(w).max() <= 2 * std / 0.87962566103423978 + 1e-7


def test_conv_kernel_fans_use_the_receptive_field():
    assert I.compute_fans((3, 3, 16, 32)) == (144, 288)
    assert I.compute_fans((5,)) == (5, 5) and I.compute_fans(()) == (1, 1)
    w = values(I.GlorotUniform(seed=0), (3, 3, 16, 32))
    assert np.abs(w).max() <= math.sqrt(6 / (144 + 288))


def test_input_and_output_axes_set_the_fans():
    """Keras 3.15's input_axes/output_axes: fan-in = prod of sizes on input_axes, fan-out on output_axes."""
    assert I.compute_fans((4, 2, 3), input_axes=[0], output_axes=[1, 2]) == (4, 6)
    assert I.compute_fans((4, 2, 3), input_axes=[0], output_axes=None) == (8, 12)  # both or neither
    shape = (3, 60)
    he = I.HeUniform(seed=4, input_axes=[1], output_axes=[0])  # fan_in = 60, not 3
    np.testing.assert_array_equal(he.numpy(shape), I.RandomUniform(-math.sqrt(6 / 60), math.sqrt(6 / 60),
                                                                   seed=4).numpy(shape))
    config = I.serialize(he)
    assert config["config"] == {"seed": 4, "input_axes": [1], "output_axes": [0]}
    np.testing.assert_array_equal(I.get(config).numpy(shape), he.numpy(shape))
    assert I.GlorotUniform(input_axes=[0], output_axes=[1]).with_fan_axes([1], [0]).input_axes == [0]  # user's win
    assert I.VarianceScaling(distribution="normal").distribution == "truncated_normal"
    with pytest.raises(ValueError, match="HeUniform: input_axes must be None or a list of ints"):
        I.HeUniform(input_axes="0", output_axes=[1])
    with pytest.raises(ValueError, match=r"GlorotNormal: input_axes \[2\].*rank 2"):
        I.GlorotNormal(input_axes=[2], output_axes=[0]).numpy((3, 4))


def test_random_normal_uniform_truncated_defaults():
    normal = values(I.RandomNormal(), (200, 200))
    np.testing.assert_allclose([normal.mean(), normal.std()], [0.0, 0.05], atol=0.002)
    uniform = values(I.RandomUniform(), (200, 200))
    assert uniform.min() >= -0.05 and uniform.max() < 0.05
    truncated = values(I.TruncatedNormal(mean=1.0, stddev=0.5), (100, 100))
    assert truncated.min() >= 0.0 and truncated.max() <= 2.0


def test_constants_orthogonal_identity():
    np.testing.assert_array_equal(values(I.Zeros(), (2, 2)), np.zeros((2, 2)))
    np.testing.assert_array_equal(values(I.Ones(), (3,)), np.ones(3))
    np.testing.assert_array_equal(values(I.Constant(2.5), (2,)), [2.5, 2.5])
    q = values(I.Orthogonal(gain=2.0, seed=1), (6, 4)).astype(np.float64)
    np.testing.assert_allclose(q.T @ q, 4 * np.eye(4), atol=1e-5)
    wide = values(I.Orthogonal(seed=1), (3, 5)).astype(np.float64)
    np.testing.assert_allclose(wide @ wide.T, np.eye(3), atol=1e-5)
    np.testing.assert_array_equal(values(I.Identity(gain=3.0), (2, 3)), 3.0 * np.eye(2, 3))
    with pytest.raises(ValueError, match="rank-2"):
        I.Identity()((2, 2, 2))
    with pytest.raises(ValueError, match="rank >= 2"):
        I.Orthogonal()((4,))


def test_seeded_initializers_repeat_and_global_seed_reproduces():
    a = values(I.HeNormal(seed=5), (4, 4))
    np.testing.assert_array_equal(a, values(I.HeNormal(seed=5), (4, 4)))
    kerafront.utils.set_random_seed(11)
    first = kerafront.layers.Dense(3)
    first.build((None, 4))
    kerafront.utils.set_random_seed(11)
    second = kerafront.layers.Dense(3)
    second.build((None, 4))
    np.testing.assert_array_equal(first.get_weights()[0], second.get_weights()[0])
    expected = I.GlorotUniform().numpy((4, 3))
    kerafront.utils.set_random_seed(11)
    np.testing.assert_allclose(first.get_weights()[0], I.GlorotUniform().numpy((4, 3)), rtol=1e-6)
    assert not np.allclose(expected, first.get_weights()[0])


def test_dtype_argument():
    assert values(I.Ones(), (2,), dtype="float64").dtype == np.float64
    assert values(I.Zeros(), (2,), dtype="int32").dtype == np.int32


def test_lookup_and_serialization():
    assert isinstance(I.get("HeNormal"), I.HeNormal) and isinstance(I.get("uniform"), I.RandomUniform)
    config = I.serialize(I.VarianceScaling(scale=2.0, mode="fan_out", distribution="uniform", seed=3))
    assert config == {"class_name": "VarianceScaling",  # Keras 3.15's keys
                      "config": {"seed": 3, "scale": 2.0, "mode": "fan_out", "distribution": "uniform",
                                 "input_axes": None, "output_axes": None}}
    rebuilt = I.get(config)
    np.testing.assert_array_equal(values(rebuilt, (3, 3)), values(I.deserialize(config), (3, 3)))
    assert I.serialize(I.GlorotUniform(seed=1)) == {"class_name": "GlorotUniform",
                                                    "config": {"seed": 1, "input_axes": None, "output_axes": None}}
    fn = lambda shape, dtype=None: ops.zeros(shape, dtype=dtype)  # noqa: E731
    assert I.get(fn) is fn
    with pytest.raises(ValueError, match="Unknown initializer 'nope'"):
        I.get("nope")
    with pytest.raises(ValueError, match="mode must be"):
        I.VarianceScaling(mode="fan")
