"""3-D convolution and pooling, 1-D/3-D transposed convolution, Cropping1D/3D, ZeroPadding1D/3D,
UpSampling1D/3D and ``keepdims`` on global pooling.

Compared with Keras 3 itself (skipped where ``keras`` is not installed): the same constructor call, the
same weights, outputs within rtol 1e-5, the same weight names, shapes and order, the same output
shape and config keys, and Keras's config rebuilding the same layer. The shape-only layers are also
checked against NumPy slicing, padding and repetition; bad arguments and inputs raise errors that
name the layer.
"""

import json
import os

import numpy as np
import pytest

from kerafront import layers as L
from kerafront import ops

RNG = np.random.default_rng(0)
X3 = RNG.normal(size=(2, 7, 3)).astype("float32")           # (batch, steps, channels)
X5 = RNG.normal(size=(2, 5, 4, 6, 3)).astype("float32")     # (batch, depth, rows, cols, channels)
X5_SMALL = RNG.normal(size=(1, 3, 2, 3, 2)).astype("float32")
CF = "channels_first"

# Keras 3.15's NumPy backend convolves through JAX, whose arrays warn under NumPy 2 when converted with
# copy=False (Keras's code, not kerafront's; the values are unaffected).
pytestmark = pytest.mark.filterwarnings("ignore:__array__ implementation doesn't accept a copy keyword")


@pytest.fixture(scope="module")
def keras():
    os.environ.setdefault("KERAS_BACKEND", "numpy")  # no effect if another test module imported keras first
    return pytest.importorskip("keras")


def _np(x):
    return np.asarray(ops.convert_to_numpy(x))


# (id, make(layers_module), input): the same constructor call on kerafront.layers and keras.layers
PARITY = [
    ("conv3d_same_strided", lambda l: l.Conv3D(4, 3, strides=2, padding="same", activation="tanh"), X5),
    ("conv3d_valid_rect_kernel_strides", lambda l: l.Conv3D(2, (2, 3, 2), strides=(1, 2, 3)), X5),
    ("conv3d_channels_first", lambda l: l.Conv3D(2, 2, padding="same", data_format=CF), X5),
    ("conv3d_dilated_groups", lambda l: l.Conv3D(6, 2, dilation_rate=(2, 1, 2), groups=3, use_bias=False),
     RNG.normal(size=(1, 5, 4, 5, 6)).astype("float32")),
    ("conv1d_transpose_valid_strided", lambda l: l.Conv1DTranspose(3, 3, strides=2), X3),
    ("conv1d_transpose_same_output_padding", lambda l: l.Conv1DTranspose(2, 4, strides=3, padding="same",
                                                                         output_padding=2), X3),
    ("conv1d_transpose_channels_first_dilated", lambda l: l.Conv1DTranspose(2, 3, dilation_rate=2, data_format=CF),
     X3),
    ("conv3d_transpose_same_strided_output_padding",
     lambda l: l.Conv3DTranspose(2, 3, strides=2, padding="same", output_padding=1), X5_SMALL),
    ("conv3d_transpose_valid_strides_tuple_output_padding",
     lambda l: l.Conv3DTranspose(3, (2, 3, 2), strides=(2, 1, 2), output_padding=(1, 0, 1)), X5_SMALL),
    ("conv3d_transpose_channels_first", lambda l: l.Conv3DTranspose(2, 2, strides=2, data_format=CF), X5_SMALL),
    ("max_pooling3d", lambda l: l.MaxPooling3D(), X5),
    ("max_pooling3d_same_strided", lambda l: l.MaxPooling3D(3, strides=(2, 1, 2), padding="same"), X5),
    ("average_pooling3d_same", lambda l: l.AveragePooling3D((2, 3, 2), strides=2, padding="same"), X5),
    ("average_pooling3d_channels_first", lambda l: l.AveragePooling3D(2, data_format=CF), X5),
    ("global_max_pooling3d", lambda l: l.GlobalMaxPooling3D(), X5),
    ("global_average_pooling3d_keepdims_cf", lambda l: l.GlobalAveragePooling3D(data_format=CF, keepdims=True), X5),
    ("global_max_pooling1d_keepdims", lambda l: l.GlobalMaxPooling1D(keepdims=True), X3),
    ("global_average_pooling2d_keepdims", lambda l: l.GlobalAveragePooling2D(keepdims=True), X5[:, 0]),
    ("cropping1d", lambda l: l.Cropping1D((2, 1)), X3),
    ("cropping3d", lambda l: l.Cropping3D(((1, 0), 1, (2, 3))), X5),
    ("cropping3d_channels_first", lambda l: l.Cropping3D(1, data_format=CF), X5),
    ("zero_padding1d", lambda l: l.ZeroPadding1D((0, 2)), X3),
    ("zero_padding3d", lambda l: l.ZeroPadding3D((1, (0, 2), 1)), X5_SMALL),
    ("zero_padding3d_channels_first", lambda l: l.ZeroPadding3D(data_format=CF), X5_SMALL),
    ("up_sampling1d", lambda l: l.UpSampling1D(3), X3),
    ("up_sampling3d", lambda l: l.UpSampling3D((1, 2, 3)), X5_SMALL),
    ("up_sampling3d_channels_first", lambda l: l.UpSampling3D(data_format=CF), X5_SMALL),
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
    expected = np.asarray(theirs(x))
    np.testing.assert_allclose(_np(ours(x)), expected, rtol=1e-5, atol=1e-5)
    assert tuple(ours.compute_output_shape(x.shape)) == tuple(theirs.compute_output_shape(x.shape)) == expected.shape
    assert set(ours.get_config()) == set(theirs.get_config())


@pytest.mark.parametrize("make,x", [p[1:] for p in PARITY], ids=[p[0] for p in PARITY])
def test_a_keras_config_builds_the_same_layer(keras, make, x):
    """Keras's get_config (its dtype policy aside) rebuilds the layer in kerafront."""
    config = {k: v for k, v in make(keras.layers).get_config().items() if k != "dtype"}
    for key in ("kernel_initializer", "bias_initializer"):
        # Keras 3.15's variance-scaling initializers write input_axes/output_axes, which kerafront's do not take yet
        if isinstance(config.get(key), dict):
            config[key] = {**config[key], "config": {k: v for k, v in config[key]["config"].items()
                                                     if k not in ("input_axes", "output_axes")}}
    layer = type(make(L)).from_config(json.loads(json.dumps(config)))
    reference = make(L)
    assert {k: v for k, v in layer.get_config().items() if k != "name"} == \
        {k: v for k, v in reference.get_config().items() if k != "name"}


def test_conv3d_transpose_with_strides_and_output_padding_is_the_adjoint_of_conv3d():
    """<conv_transpose(y), x> == <y, conv(x)> for the same kernel: the transposed layer, bias off."""
    layer = L.Conv3DTranspose(2, 3, strides=2, padding="same", output_padding=1, use_bias=False)
    y = X5_SMALL
    out = _np(layer(y))
    assert out.shape == (1, 6, 4, 6, 2)   # (in - 1) * 2 + 3 - 2 * 1 + 1 per dim
    x = RNG.normal(size=out.shape).astype("float32")
    kernel = _np(layer.kernel)
    forward = _np(ops.conv(x, kernel, strides=2, padding="same"))
    assert forward.shape == y.shape
    np.testing.assert_allclose(np.sum(out * x), np.sum(y * forward), rtol=1e-4)


def test_shape_layers_against_numpy():
    np.testing.assert_array_equal(_np(L.Cropping1D((2, 1))(X3)), X3[:, 2:-1])
    np.testing.assert_array_equal(_np(L.Cropping3D(((1, 0), 1, (2, 3)))(X5)), X5[:, 1:, 1:-1, 2:-3])
    np.testing.assert_array_equal(_np(L.Cropping3D(1, data_format=CF)(X5)), X5[:, :, 1:-1, 1:-1, 1:-1])
    np.testing.assert_array_equal(_np(L.ZeroPadding1D(2)(X3)), np.pad(X3, [(0, 0), (2, 2), (0, 0)]))
    np.testing.assert_array_equal(_np(L.ZeroPadding1D((1, 0), data_format=CF)(X3)),
                                  np.pad(X3, [(0, 0), (0, 0), (1, 0)]))
    np.testing.assert_array_equal(_np(L.ZeroPadding3D((1, (0, 2), 1))(X5_SMALL)),
                                  np.pad(X5_SMALL, [(0, 0), (1, 1), (0, 2), (1, 1), (0, 0)]))
    np.testing.assert_array_equal(_np(L.UpSampling1D(2)(X3)), np.repeat(X3, 2, axis=1))
    np.testing.assert_array_equal(_np(L.UpSampling3D((1, 2, 3))(X5_SMALL)),
                                  np.repeat(np.repeat(X5_SMALL, 2, axis=2), 3, axis=3))
    np.testing.assert_array_equal(_np(L.GlobalMaxPooling3D(keepdims=True)(X5)), X5.max(axis=(1, 2, 3), keepdims=True))
    np.testing.assert_allclose(_np(L.GlobalAveragePooling3D(data_format=CF)(X5)), X5.mean(axis=(2, 3, 4)), rtol=1e-6)


def test_pooling3d_by_hand():
    x = np.arange(2 * 4 * 4 * 2, dtype="float32").reshape(1, 2, 4, 4, 2)
    blocks = x.reshape(1, 1, 2, 2, 2, 2, 2, 2).transpose(0, 1, 3, 5, 2, 4, 6, 7).reshape(1, 1, 2, 2, 8, 2)
    np.testing.assert_array_equal(_np(L.MaxPooling3D()(x)), blocks.max(axis=4))
    np.testing.assert_allclose(_np(L.AveragePooling3D()(x)), blocks.mean(axis=4), rtol=1e-6)
    # "same" with strides 1 on a 1x1x2 volume: the window over the last position holds one real element
    ones = np.array([1.0, 3.0], "float32").reshape(1, 1, 1, 2, 1)
    np.testing.assert_allclose(_np(L.AveragePooling3D(2, strides=1, padding="same")(ones)).ravel(), [2.0, 3.0])


@pytest.mark.parametrize("make,argument", [
    (lambda: L.Cropping1D(-1), "cropping"),
    (lambda: L.Cropping1D((1, -2)), "cropping"),
    (lambda: L.Cropping3D(((1, -1), 0, 0)), "cropping"),
    (lambda: L.Cropping3D((1, 1)), "cropping"),
    (lambda: L.Cropping2D(-1), "cropping"),
    (lambda: L.ZeroPadding3D(-2), "padding"),
    (lambda: L.ZeroPadding1D((1, 2, 3)), "padding"),
    (lambda: L.UpSampling1D(0), "size"),
    (lambda: L.UpSampling3D((2, 0, 1)), "size"),
    (lambda: L.MaxPooling3D((2, 2)), "pool_size"),
    (lambda: L.Conv3D(2, (3, 3)), "kernel_size"),
    (lambda: L.Conv3DTranspose(2, 3, strides=(2, 2, 1), output_padding=1), "output_padding"),
    (lambda: L.Conv1DTranspose(2, 3, strides=2, output_padding=2), "output_padding"),
], ids=["cropping1d_negative_int", "cropping1d_negative_pair", "cropping3d_negative", "cropping3d_two_entries",
        "cropping2d_negative_int", "zero_padding3d_negative", "zero_padding1d_three_entries", "up_sampling1d_zero",
        "up_sampling3d_zero", "max_pooling3d_pool_size_rank", "conv3d_kernel_size_rank",
        "conv3d_transpose_output_padding_not_below_stride", "conv1d_transpose_output_padding_not_below_stride"])
def test_bad_arguments_name_the_layer_and_argument(make, argument):
    with pytest.raises(ValueError) as info:
        make()
    message = str(info.value)
    assert argument in message
    assert message.split(":")[0] in {"Cropping1D", "Cropping2D", "Cropping3D", "ZeroPadding1D", "ZeroPadding3D",
                                     "UpSampling1D", "UpSampling3D", "MaxPooling3D", "Conv3D", "Conv3DTranspose",
                                     "Conv1DTranspose"}


def test_up_sampling1d_size_must_be_an_int():
    with pytest.raises(TypeError, match="UpSampling1D: size"):
        L.UpSampling1D((2,))


@pytest.mark.parametrize("make,x", [
    (lambda: L.Conv3D(2, 2), X5[:, 0]),
    (lambda: L.Conv3DTranspose(2, 2), X3),
    (lambda: L.Conv1DTranspose(2, 2), X5),
    (lambda: L.MaxPooling3D(), X5[:, 0]),
    (lambda: L.AveragePooling3D(), X3),
    (lambda: L.GlobalAveragePooling3D(), X3),
    (lambda: L.Cropping3D(), X5[:, 0]),
    (lambda: L.Cropping1D(), X5),
    (lambda: L.ZeroPadding3D(), X3),
    (lambda: L.UpSampling3D(), X5[:, 0]),
    (lambda: L.UpSampling1D(), X5),
], ids=["conv3d", "conv3d_transpose", "conv1d_transpose", "max_pooling3d", "average_pooling3d",
        "global_average_pooling3d", "cropping3d", "cropping1d", "zero_padding3d", "up_sampling3d", "up_sampling1d"])
def test_wrong_rank_input_names_the_layer(make, x):
    layer = make()
    with pytest.raises(ValueError, match=type(layer).__name__) as info:
        layer(x)
    assert "ndim" in str(info.value) or "rank" in str(info.value)


def test_cropping_everything_and_windows_larger_than_the_input_raise():
    with pytest.raises(ValueError, match=r'Cropping3D ".*": cropping .* removes every depth slice, row or column'):
        L.Cropping3D(((1, 1), (2, 2), 0))(X5)          # rows: 4 - 2 - 2 = 0
    with pytest.raises(ValueError, match=r'Cropping1D ".*": cropping'):
        L.Cropping1D((4, 3))(X3)
    with pytest.raises(ValueError, match="MaxPooling3D"):
        L.MaxPooling3D((6, 2, 2))(X5)
    with pytest.raises(ValueError, match="Conv3D"):
        L.Conv3D(2, (6, 1, 1))(X5)
