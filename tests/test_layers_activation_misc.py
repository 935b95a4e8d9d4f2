"""Activation layers, GroupNormalization/UnitNormalization, Identity, ActivityRegularization, the noise and
spatial dropout layers, EinsumDense and the functional merge helpers.

Deterministic layers are compared with Keras 3 itself (skipped where ``keras`` is not installed): the
same constructor arguments, the same weights, outputs within rtol 1e-5, the same weight names, shapes
and order, and the same config keys. The random layers are checked by their statistics on a large
sample (Keras's formulas in closed form) and are the identity at inference; errors name the layer.
"""

import json
import math
import os

import numpy as np
import pytest

import kerafront
from kerafront import ops
from kerafront import layers as L

RNG = np.random.default_rng(0)
X2 = RNG.normal(size=(3, 6)).astype("float32")
X3 = RNG.normal(size=(2, 4, 6)).astype("float32")
X4 = RNG.normal(size=(2, 3, 3, 4)).astype("float32")


@pytest.fixture(scope="module")
def keras():
    os.environ.setdefault("KERAS_BACKEND", "numpy")  # no effect if another test module imported keras first
    return pytest.importorskip("keras")


def _np(x):
    return np.asarray(ops.convert_to_numpy(x))


# (id, make(layers_module), input): the same constructor call on kerafront.layers and keras.layers
PARITY = [
    ("relu", lambda l: l.ReLU(), X2),
    ("relu_all_arguments", lambda l: l.ReLU(max_value=0.8, negative_slope=0.2, threshold=0.1), X2),
    ("relu_max_value_6", lambda l: l.ReLU(max_value=6.0), X2 * 5),
    ("leaky_relu_default", lambda l: l.LeakyReLU(), X2),
    ("leaky_relu_slope", lambda l: l.LeakyReLU(negative_slope=0.01), X3),
    ("prelu", lambda l: l.PReLU(), X3),
    ("prelu_shared_axes", lambda l: l.PReLU(shared_axes=[1, 2]), X4),
    ("elu", lambda l: l.ELU(alpha=0.7), X2),
    ("softmax", lambda l: l.Softmax(), X3),
    ("softmax_axis1", lambda l: l.Softmax(axis=1), X3),
    ("softmax_two_axes", lambda l: l.Softmax(axis=(1, 2)), X3),  # a tuple: Keras 3.15 on NumPy fails on a list
    ("group_norm", lambda l: l.GroupNormalization(groups=2), X4),
    ("group_norm_instance_axis1", lambda l: l.GroupNormalization(groups=-1, axis=1, epsilon=1e-5), X3),
    ("group_norm_one_group_no_center", lambda l: l.GroupNormalization(groups=1, center=False), X3),
    ("unit_norm", lambda l: l.UnitNormalization(), X3),
    ("unit_norm_two_axes", lambda l: l.UnitNormalization(axis=[1, 2]), X3),
    ("identity", lambda l: l.Identity(), X2),
    ("activity_regularization", lambda l: l.ActivityRegularization(l1=0.01, l2=0.1), X2),
    ("gaussian_noise_inference", lambda l: l.GaussianNoise(0.3, seed=1), X2),
    ("gaussian_dropout_inference", lambda l: l.GaussianDropout(0.3, seed=1), X2),
    ("alpha_dropout_inference", lambda l: l.AlphaDropout(0.3, seed=1), X2),
    ("spatial_dropout1d_inference", lambda l: l.SpatialDropout1D(0.3, seed=1), X3),
    ("spatial_dropout3d_inference", lambda l: l.SpatialDropout3D(0.3, seed=1), X4[..., None]),
    ("einsum_dense_matrix", lambda l: l.EinsumDense("ab,bc->ac", output_shape=4, bias_axes="c"), X2),
    ("einsum_dense_rank3", lambda l: l.EinsumDense("abc,cd->abd", output_shape=(None, 5), bias_axes="d",
                                                   activation="relu"), X3),
    ("einsum_dense_heads", lambda l: l.EinsumDense("abc,cde->abde", output_shape=(None, 2, 3), bias_axes="de"), X3),
    ("einsum_dense_bias_not_last", lambda l: l.EinsumDense("abc,cde->abde", output_shape=(4, 2, 3), bias_axes="d"),
     X3),
    ("einsum_dense_left_ellipsis", lambda l: l.EinsumDense("...b,bc->...c", output_shape=3, bias_axes="c"), X3),
    ("einsum_dense_right_ellipsis", lambda l: l.EinsumDense("ab...,bc->ac...", output_shape=3, bias_axes="c"),
     X3.transpose(0, 2, 1)),
]


@pytest.mark.parametrize("make,x", [p[1:] for p in PARITY], ids=[p[0] for p in PARITY])
def test_matches_keras(keras, make, x):
    ours, theirs = make(L), make(keras.layers)
    ours(x)
    theirs(x)
    assert [(v.name, tuple(v.shape)) for v in ours.weights] == [(v.name, tuple(v.shape)) for v in theirs.weights]
    weights = [np.random.default_rng(1).uniform(-1, 1, w.shape).astype("float32") for w in ours.get_weights()]
    ours.set_weights(weights)
    theirs.set_weights(weights)
    np.testing.assert_allclose(_np(ours(x)), np.asarray(theirs(x)), rtol=1e-5, atol=1e-6)
    # kerafront also fills an output axis that Keras leaves None when the input gives its size (EinsumDense)
    shape, keras_shape = ours.compute_output_shape(x.shape), theirs.compute_output_shape(x.shape)
    assert len(shape) == len(keras_shape) and all(k is None or k == d for d, k in zip(shape, keras_shape))
    extra = {"alpha"} if isinstance(ours, L.ELU) else set()  # Keras's ELU leaves alpha out of its config
    assert set(ours.get_config()) == set(theirs.get_config()) | extra
    if ours.losses or theirs.losses:
        np.testing.assert_allclose([_np(v) for v in ours.losses], [np.asarray(v) for v in theirs.losses], rtol=1e-5)


# Keras 3.15's variance-scaling initializers write input_axes/output_axes, which kerafront's do not take yet
KERAS_CONFIGS = [p for p in PARITY if not p[0].startswith("einsum")]


@pytest.mark.parametrize("make,x", [p[1:] for p in KERAS_CONFIGS], ids=[p[0] for p in KERAS_CONFIGS])
def test_a_keras_config_builds_the_same_layer(keras, make, x):
    """Keras's get_config (its dtype policy aside) rebuilds the layer in kerafront."""
    config = {k: v for k, v in make(keras.layers).get_config().items() if k != "dtype"}
    layer = type(make(L)).from_config(json.loads(json.dumps(config)))
    reference = make(L)
    assert {k: v for k, v in layer.get_config().items() if k != "name"} == \
        {k: v for k, v in reference.get_config().items() if k != "name"}


def test_softmax_mask_matches_keras_and_zeroes_masked_positions(keras):
    x = X3
    mask = np.random.default_rng(2).random((2, 4, 6)) > 0.4
    mask[0, 1] = False  # a fully masked row: all zeros, as in Keras
    ours = _np(L.Softmax()(x, mask=mask))
    np.testing.assert_allclose(ours, np.asarray(keras.layers.Softmax()(x, mask=mask)), rtol=1e-5, atol=1e-7)
    assert np.all(ours[~mask] == 0) and np.all(ours[0, 1] == 0)
    kept = np.where(mask, np.exp(x - x.max(-1, keepdims=True)), 0)
    rows = kept.sum(-1, keepdims=True)
    np.testing.assert_allclose(ours, np.divide(kept, rows, out=np.zeros_like(kept), where=rows > 0), rtol=1e-5)
    # a broadcasting float mask (1 = keep) over the last axis
    float_mask = (np.arange(6) % 2).astype("float32")[None, None]
    np.testing.assert_allclose(_np(L.Softmax()(x, mask=float_mask)),
                               np.asarray(keras.layers.Softmax()(x, mask=float_mask)), rtol=1e-5, atol=1e-7)


def test_leaky_relu_accepts_the_deprecated_alpha_with_a_warning():
    with pytest.warns(UserWarning, match="alpha"):
        layer = L.LeakyReLU(alpha=0.1)
    assert layer.negative_slope == 0.1
    np.testing.assert_allclose(_np(layer(np.array([-2.0, 3.0], "float32"))), [-0.2, 3.0])


def test_prelu_learns_a_slope_per_channel_by_hand():
    layer = L.PReLU(shared_axes=[1, 2])
    layer(X4)
    alpha = np.array([0.1, 0.2, 0.3, 0.4], "float32").reshape(1, 1, 4)
    layer.set_weights([alpha])
    np.testing.assert_allclose(_np(layer(X4)), np.where(X4 > 0, X4, alpha * X4), rtol=1e-6)


def test_group_norm_by_hand():
    """Two groups of three channels: each example's group normalized over its positions and channels."""
    x = RNG.normal(size=(2, 5, 6)).astype("float64")
    layer = L.GroupNormalization(groups=2, epsilon=1e-3, dtype="float64")
    out = _np(layer(x))
    g = x.reshape(2, 5, 2, 3)
    mean, var = g.mean(axis=(1, 3), keepdims=True), g.var(axis=(1, 3), keepdims=True)
    np.testing.assert_allclose(out, ((g - mean) / np.sqrt(var + 1e-3)).reshape(2, 5, 6), rtol=1e-10)
    assert layer.get_config()["groups"] == 2


def test_unit_norm_by_hand_and_zero_rows_stay_zero():
    x = np.concatenate([X2, np.zeros((1, 6), "float32")])
    out = _np(L.UnitNormalization()(x))
    np.testing.assert_allclose(out[:3], X2 / np.linalg.norm(X2, axis=-1, keepdims=True), rtol=1e-6)
    np.testing.assert_array_equal(out[3], 0)


def test_identity_keeps_dtypes_and_structures_symbolically():
    ids = kerafront.Input(shape=(3,), dtype="int32")
    floats = kerafront.Input(shape=(2,))
    out = L.Identity()([ids, floats])
    assert [t.dtype for t in out] == ["int32", "float32"] and [t.shape for t in out] == [(None, 3), (None, 2)]


def test_activity_regularization_loss_by_hand():
    layer = L.ActivityRegularization(l1=0.01, l2=0.1)
    np.testing.assert_array_equal(_np(layer(X2)), X2)
    (loss,) = layer.losses
    batch = X2.shape[0]  # Keras 3 divides activity penalties by the batch size
    np.testing.assert_allclose(_np(loss), (0.01 * np.abs(X2).sum() + 0.1 * np.square(X2).sum()) / batch, rtol=1e-5)
    assert "activity_regularizer" not in layer.get_config()


def test_einsum_dense_by_hand_and_kernel_fans():
    layer = L.EinsumDense("abc,cde->abde", output_shape=(None, 16, 8), bias_axes="e")
    out = layer(X3)
    kernel, bias = layer.get_weights()
    assert kernel.shape == (6, 16, 8) and bias.shape == (8,)
    np.testing.assert_allclose(_np(out), np.einsum("abc,cde->abde", X3, kernel) + bias, rtol=1e-5, atol=1e-6)
    # glorot_uniform over fan_in = 6 (input letter c) and fan_out = 16 * 8 (output letters d, e): Keras's rule,
    # not the convolution rule (which would give limit sqrt(6 / (16 * 6 + 8 * 6)) ~ 0.20)
    limit = math.sqrt(6 / (6 + 16 * 8))
    assert np.abs(kernel).max() <= limit and np.abs(kernel).max() > 0.9 * limit


def test_einsum_dense_in_a_functional_model():
    inputs = kerafront.Input(shape=(4, 6))
    out = L.EinsumDense("...b,bcd->...cd", output_shape=(2, 3), bias_axes="cd")(inputs)
    assert out.shape == (None, 4, 2, 3)
    assert kerafront.Model(inputs, out).predict(X3, verbose=0).shape == (2, 4, 2, 3)


# ---------------------------------------------------------------------------------------------------
# Functional merge helpers

@pytest.mark.parametrize("name,cls,kwargs", [
    ("add", L.Add, {}), ("subtract", L.Subtract, {}), ("multiply", L.Multiply, {}), ("average", L.Average, {}),
    ("maximum", L.Maximum, {}), ("minimum", L.Minimum, {}), ("concatenate", L.Concatenate, {"axis": 1}),
    ("dot", L.Dot, {"axes": -1, "normalize": True}),
])
def test_functional_helpers_equal_their_layers(name, cls, kwargs):
    helper = getattr(L, name)
    a, b = X3, RNG.normal(size=X3.shape).astype("float32")
    np.testing.assert_allclose(_np(helper([a, b], **kwargs)), _np(cls(**kwargs)([a, b])), rtol=1e-6)
    inputs = [kerafront.Input(shape=(4, 6)), kerafront.Input(shape=(4, 6))]
    out = helper(inputs, name=f"my_{name}", **kwargs)
    model = kerafront.Model(inputs, out)
    assert model.layers[-1].name == f"my_{name}" and type(model.layers[-1]) is cls
    np.testing.assert_allclose(model.predict([a, b], verbose=0), _np(cls(**kwargs)([a, b])), rtol=1e-6)


def test_functional_helpers_match_keras(keras):
    a, b = X3, RNG.normal(size=X3.shape).astype("float32")
    for name in ("add", "subtract", "multiply", "average", "maximum", "minimum", "concatenate", "dot"):
        np.testing.assert_allclose(_np(getattr(L, name)([a, b])), np.asarray(getattr(keras.layers, name)([a, b])),
                                   rtol=1e-5, err_msg=name)
    np.testing.assert_allclose(_np(L.dot([a, b], axes=(1, 1))), np.asarray(keras.layers.dot([a, b], axes=(1, 1))),
                               rtol=1e-5)


# ---------------------------------------------------------------------------------------------------
# Random layers: statistics on a large sample, identity at inference

BIG = np.random.default_rng(3).normal(size=(400, 500)).astype("float32")


def test_gaussian_noise_statistics():
    layer = L.GaussianNoise(0.5, seed=4)
    noise = _np(layer(BIG, training=True)) - BIG
    assert abs(noise.mean()) < 0.005 and abs(noise.std() - 0.5) < 0.005
    assert not np.array_equal(_np(layer(BIG, training=True)) - BIG, noise)  # the seed state advances
    np.testing.assert_array_equal(_np(layer(BIG)), BIG)
    np.testing.assert_array_equal(_np(layer(BIG, training=False)), BIG)


def test_gaussian_dropout_statistics():
    layer = L.GaussianDropout(0.3, seed=4)
    factor = _np(layer(np.ones_like(BIG), training=True))
    assert abs(factor.mean() - 1) < 0.005 and abs(factor.var() - 0.3 / 0.7) < 0.01
    np.testing.assert_array_equal(_np(layer(BIG)), BIG)


def test_alpha_dropout_keeps_mean_and_variance_of_a_standard_normal():
    rate = 0.3
    out = _np(L.AlphaDropout(rate, seed=5)(BIG, training=True))
    assert abs(out.mean()) < 0.01 and abs(out.var() - 1) < 0.02
    saturation = -1.6732632423543772 * 1.0507009873554805
    a = ((1 - rate) * (1 + rate * saturation ** 2)) ** -0.5
    dropped = np.isclose(out, a * saturation - a * saturation * rate, atol=1e-6)
    assert abs(dropped.mean() - rate) < 0.005
    np.testing.assert_allclose(out[~dropped], a * BIG[~dropped] - a * saturation * rate, rtol=1e-5, atol=1e-6)
    np.testing.assert_array_equal(_np(L.AlphaDropout(rate)(BIG)), BIG)


def test_alpha_dropout_noise_shape_drops_whole_columns():
    x = np.random.default_rng(6).normal(size=(4, 50, 8)).astype("float32")
    out = _np(L.AlphaDropout(0.5, noise_shape=(None, 1, None), seed=1)(x, training=True))
    dropped = np.isclose(out, out[:, :1])  # a dropped unit has the same value at every step
    assert np.all(dropped.all(axis=1) | ~dropped[:, 1:].any(axis=1))


@pytest.mark.parametrize("layer,shape,channel_axis", [
    (L.SpatialDropout1D(0.5, seed=1), (8, 20, 16), 2),
    (L.SpatialDropout3D(0.5, seed=1), (8, 3, 3, 3, 16), 4),
    (L.SpatialDropout3D(0.5, data_format="channels_first", seed=1), (8, 16, 3, 3, 3), 1),
])
def test_spatial_dropout_drops_whole_channels(layer, shape, channel_axis):
    x = np.random.default_rng(7).uniform(1, 2, size=shape).astype("float32")
    out = _np(layer(x, training=True))
    other_axes = tuple(i for i in range(1, len(shape)) if i != channel_axis)
    zero = out == 0
    assert np.all(zero.all(axis=other_axes) | ~zero.any(axis=other_axes))  # a channel is dropped everywhere
    np.testing.assert_allclose(out[~zero], x[~zero] * 2, rtol=1e-6)
    assert 0.25 < zero.mean() < 0.75
    np.testing.assert_array_equal(_np(layer(x)), x)


# ---------------------------------------------------------------------------------------------------
# Bad input

@pytest.mark.parametrize("make,error,match", [
    (lambda: L.ReLU(max_value=-1.0), ValueError, "ReLU: max_value must be a number >= 0"),
    (lambda: L.ReLU(negative_slope=-0.1), ValueError, "ReLU: negative_slope"),
    (lambda: L.ReLU(threshold=None), ValueError, "ReLU: threshold"),
    (lambda: L.LeakyReLU(negative_slope=-1), ValueError, "LeakyReLU: negative_slope"),
    (lambda: L.PReLU(shared_axes=[0]), ValueError, "PReLU: shared_axes must be ints >= 1"),
    (lambda: L.Softmax(axis="last"), ValueError, "Softmax: axis"),
    (lambda: L.GroupNormalization(groups=0), ValueError, "GroupNormalization: groups must be a positive integer"),
    (lambda: L.UnitNormalization(axis="x"), TypeError, "UnitNormalization: axis"),
    (lambda: L.GaussianNoise(1.5), ValueError, r"GaussianNoise: stddev must be a number in \[0, 1\]"),
    (lambda: L.GaussianDropout(1.0), ValueError, r"GaussianDropout: rate must be a number in \[0, 1\)"),
    (lambda: L.AlphaDropout(-0.1), ValueError, "AlphaDropout: rate"),
    (lambda: L.EinsumDense("ab,bc", output_shape=3), ValueError, "EinsumDense: invalid equation 'ab,bc'"),
    (lambda: L.EinsumDense("ab,bc->ad", output_shape=3), ValueError, "output letter 'd'"),
    (lambda: L.EinsumDense("ab,bcx->ac", output_shape=3), ValueError, "kernel letter 'x'"),
    (lambda: L.EinsumDense("ab,bc->ac", output_shape=3, bias_axes="z"), ValueError, "bias axis 'z'"),
    (lambda: L.EinsumDense("ab,bc->ac", output_shape=3, lora_rank=2), ValueError, "lora_rank"),
])
def test_bad_arguments_raise_clear_errors(make, error, match):
    with pytest.raises(error, match=match):
        make()


@pytest.mark.parametrize("make,x,match", [
    (lambda: L.GroupNormalization(groups=4), X3, r"number of channels \(6.*must be a multiple of groups \(4\)"),
    (lambda: L.GroupNormalization(groups=2, axis=0), X3, "axis 0 is out of range or the batch axis"),
    (lambda: L.PReLU(shared_axes=[3]), X3, r"shared_axes \[3\] are out of range"),
    (lambda: L.UnitNormalization(axis=3), X3, "axis 3 is out of range"),
    (lambda: L.EinsumDense("ab,bc->ac", output_shape=3), X3, "needs inputs of rank 2, got shape"),
    (lambda: L.EinsumDense("abc,cd->abd", output_shape=4), X3, r"output_shape \(4,\) must have 2 entries"),
    (lambda: L.EinsumDense("abc,cd->abd", output_shape=(7, 4)), X3, "gives size 7 to 'b'.*size 4"),
    (lambda: L.SpatialDropout1D(0.5), X2, "SpatialDropout1D"),
])
def test_bad_inputs_raise_clear_errors(make, x, match):
    with pytest.raises(ValueError, match=match):
        make()(x)


def test_softmax_refuses_a_mask_that_does_not_broadcast():
    with pytest.raises(ValueError, match=r'Softmax ".*": mask of shape \(2, 4, 5\) does not broadcast'):
        L.Softmax()(X3, mask=np.ones((2, 4, 5), bool))


def _backends():
    from kerafront.registry import available_backends
    return available_backends()


@pytest.mark.parametrize("backend", _backends())
def test_noise_layers_statistics_on_every_backend(backend):
    """The same statistics on each installed backend (each draws from its own generator)."""
    x = BIG[:200]
    with kerafront.backend_scope(backend):
        noise = _np(L.GaussianNoise(0.5, seed=4)(x, training=True)) - x
        factor = _np(L.GaussianDropout(0.3, seed=4)(np.ones_like(x), training=True))
        alpha = _np(L.AlphaDropout(0.3, seed=5)(x, training=True))
        spatial = _np(L.SpatialDropout1D(0.5, seed=1)(np.ones((8, 20, 16), "float32"), training=True))
        identity = [_np(layer(x)) for layer in (L.GaussianNoise(0.5), L.GaussianDropout(0.3), L.AlphaDropout(0.3))]
    assert abs(noise.mean()) < 0.01 and abs(noise.std() - 0.5) < 0.01
    assert abs(factor.mean() - 1) < 0.01 and abs(factor.var() - 0.3 / 0.7) < 0.02
    assert abs(alpha.mean()) < 0.02 and abs(alpha.var() - 1) < 0.03
    assert np.all((spatial == 0).all(axis=1) | (spatial == 2).all(axis=1))
    for out in identity:
        np.testing.assert_array_equal(out, x)
