"""BatchNormalization, LayerNormalization, Dropout and SpatialDropout2D: known values and state."""

import numpy as np
import pytest

import kerafront
from kerafront import layers as L
from kerafront import ops


def np_(x):
    return ops.convert_to_numpy(x)


def test_batch_norm_training_output_and_moving_statistics(rng):
    layer = L.BatchNormalization()
    x = (rng.standard_normal((8, 3)) * [1.0, 2.0, 3.0] + [0.0, 5.0, -1.0]).astype("float32")
    out = np_(layer(x, training=True))
    mean, var = x.mean(axis=0), x.var(axis=0)
    np.testing.assert_allclose(out, (x - mean) / np.sqrt(var + 1e-3), rtol=1e-4, atol=1e-5)
    gamma, beta, moving_mean, moving_var = layer.get_weights()
    np.testing.assert_allclose(moving_mean, 0.01 * mean, rtol=1e-5, atol=1e-7)
    np.testing.assert_allclose(moving_var, 0.99 + 0.01 * var, rtol=1e-5)
    assert [v.name for v in layer.non_trainable_weights] == ["moving_mean", "moving_variance"]


def test_batch_norm_inference_uses_moving_statistics(rng):
    layer = L.BatchNormalization(axis=1, epsilon=0.01)
    x = rng.standard_normal((2, 3, 2, 2)).astype("float32")
    layer(x)
    gamma, beta = np.array([1.0, 2.0, 3.0], "float32"), np.array([0.0, -1.0, 1.0], "float32")
    mean, var = np.array([0.5, 0.0, -0.5], "float32"), np.array([1.0, 4.0, 0.25], "float32")
    layer.set_weights([gamma, beta, mean, var])
    shape = (1, 3, 1, 1)
    expected = (x - mean.reshape(shape)) / np.sqrt(var.reshape(shape) + 0.01) * gamma.reshape(shape) + beta.reshape(shape)
    np.testing.assert_allclose(np_(layer(x, training=False)), expected, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(np_(layer(x)), expected, rtol=1e-5, atol=1e-6)


def test_frozen_batch_norm_runs_in_inference_mode(rng):
    layer = L.BatchNormalization()
    x = rng.standard_normal((4, 2)).astype("float32")
    layer(x)
    layer.trainable = False
    before = layer.get_weights()
    np.testing.assert_allclose(np_(layer(x, training=True)), x / np.sqrt(1 + 1e-3), rtol=1e-5)
    for a, b in zip(before, layer.get_weights()):
        np.testing.assert_array_equal(a, b)
    assert layer.trainable_weights == [] and len(layer.non_trainable_weights) == 4


def test_batch_norm_stateless_call_returns_new_statistics_without_mutating(rng):
    layer = L.BatchNormalization(momentum=0.5)
    x = rng.standard_normal((6, 2)).astype("float32")
    layer(x)
    trainable = [v.value for v in layer.trainable_variables]
    non_trainable = [v.value for v in layer.non_trainable_variables]
    _, new_values = layer.stateless_call(trainable, non_trainable, x, training=True)
    np.testing.assert_allclose(np_(new_values[0]), 0.5 * x.mean(axis=0), rtol=1e-5, atol=1e-7)
    np.testing.assert_allclose(np_(new_values[1]), 0.5 + 0.5 * x.var(axis=0), rtol=1e-5)
    np.testing.assert_array_equal(layer.get_weights()[2], np.zeros(2, "float32"))


def test_layer_norm_known_values(rng):
    layer = L.LayerNormalization(gamma_initializer="ones", beta_initializer="zeros")
    x = rng.standard_normal((2, 3, 4)).astype("float32")
    out = np_(layer(x))
    mean, var = x.mean(axis=-1, keepdims=True), x.var(axis=-1, keepdims=True)
    np.testing.assert_allclose(out, (x - mean) / np.sqrt(var + 1e-3), rtol=1e-4, atol=1e-5)
    layer.set_weights([np.full(4, 2.0, "float32"), np.full(4, 0.5, "float32")])
    np.testing.assert_allclose(np_(layer(x)), 2 * (x - mean) / np.sqrt(var + 1e-3) + 0.5, rtol=1e-4, atol=1e-5)


def test_layer_norm_over_two_axes(rng):
    layer = L.LayerNormalization(axis=(1, 2), center=False)
    x = rng.standard_normal((2, 3, 4)).astype("float32")
    out = np_(layer(x))
    assert [w.shape for w in layer.get_weights()] == [(3, 4)]
    mean, var = x.mean(axis=(1, 2), keepdims=True), x.var(axis=(1, 2), keepdims=True)
    np.testing.assert_allclose(out, (x - mean) / np.sqrt(var + 1e-3), rtol=1e-4, atol=1e-5)


def test_normalization_errors():
    with pytest.raises(ValueError, match="out of range"):
        L.BatchNormalization(axis=3)(np.zeros((2, 3), "float32"))
    with pytest.raises(ValueError, match="axis must be an int"):
        L.BatchNormalization(axis=[1, 2])
    layer = L.BatchNormalization(name="bn")
    layer(np.zeros((2, 3), "float32"))
    with pytest.raises(ValueError, match=r'"bn".*axis 1 of size 3.*\(2, 4\)'):
        layer(np.zeros((2, 4), "float32"))


def test_dropout_is_identity_at_inference_and_scales_in_training():
    layer = L.Dropout(0.25, seed=1)
    x = np.ones((200, 50), "float32")
    np.testing.assert_array_equal(np_(layer(x)), x)
    np.testing.assert_array_equal(np_(layer(x, training=False)), x)
    out = np_(layer(x, training=True))
    np.testing.assert_allclose(np.unique(out), [0.0, 1 / 0.75], rtol=1e-6)
    assert abs((out == 0).mean() - 0.25) < 0.02


def test_dropout_seed_state_is_a_variable_but_not_a_weight():
    layer = L.Dropout(0.5)
    x = np.ones((4, 8), "float32")
    first, second = np_(layer(x, training=True)), np_(layer(x, training=True))
    assert not np.array_equal(first, second)  # the state advanced
    assert layer.weights == [] and layer.get_weights() == []
    assert [v.path for v in layer.non_trainable_variables] == [f"{layer.name}/seed_generator_state"]
    state = layer.non_trainable_variables[0]
    _, new_state = layer.stateless_call([], [state.value], x, training=True)
    assert not np.array_equal(np_(new_state[0]), np_(state.value))


def test_dropout_seeds_reproduce_masks_and_noise_shape_broadcasts():
    x = np.ones((3, 4, 5), "float32")
    a = np_(L.Dropout(0.5, seed=7)(x, training=True))
    b = np_(L.Dropout(0.5, seed=7)(x, training=True))
    np.testing.assert_array_equal(a, b)
    shared = np_(L.Dropout(0.5, noise_shape=(None, 1, 5), seed=3)(x, training=True))
    assert all(np.array_equal(shared[:, 0], shared[:, t]) for t in range(4))


def test_spatial_dropout_drops_whole_channels():
    x = np.ones((4, 5, 5, 16), "float32")
    out = np_(L.SpatialDropout2D(0.5, seed=2)(x, training=True))
    per_channel = out.reshape(4, 25, 16)
    assert np.all(per_channel.min(axis=1) == per_channel.max(axis=1))
    assert 0 < (per_channel[:, 0] == 0).mean() < 1
    first = np_(L.SpatialDropout2D(0.5, data_format="channels_first", seed=2)(x.transpose(0, 3, 1, 2), training=True))
    assert np.all(first.reshape(4, 16, 25).min(axis=2) == first.reshape(4, 16, 25).max(axis=2))


def test_dropout_rate_validation():
    with pytest.raises(ValueError, match=r"rate must be in \[0, 1\)"):
        L.Dropout(1.0)


def test_dropout_in_a_model_follows_the_training_flag():
    model = kerafront.Sequential([L.Input((10,)), L.Dropout(0.5, seed=0)])
    x = np.ones((2, 10), "float32")
    np.testing.assert_array_equal(np_(model(x)), x)
    assert (np_(model(x, training=True)) == 0).any()
