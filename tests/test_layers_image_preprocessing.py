"""Rescaling, Resizing, CenterCrop and UpSampling2D's resampling modes against Keras 3 itself: outputs,
dtypes, ``get_config`` keys and values, and bad arguments (ValueErrors naming the layer and argument)."""

import os

import numpy as np
import pytest

import kerafront
from kerafront import layers as L

os.environ.setdefault("KERAS_BACKEND", "numpy")  # no effect if another test module imported keras first


def _keras():
    return pytest.importorskip("keras")


def _images(shape, seed=0):
    return np.random.default_rng(seed).standard_normal(shape).astype("float32")


def _both(name, *args, **kwargs):
    keras = _keras()
    return getattr(L, name)(*args, **kwargs), getattr(keras.layers, name)(*args, **kwargs)


def _assert_same(ours, theirs, x, rtol=1e-5):
    keras = _keras()
    got = kerafront.ops.convert_to_numpy(ours(x))
    want = keras.ops.convert_to_numpy(theirs(x))
    assert got.shape == want.shape and got.dtype == want.dtype, (got.shape, got.dtype, want.shape, want.dtype)
    np.testing.assert_allclose(got, want, rtol=rtol, atol=1e-5)


def _config_without_dtype(layer):
    return {k: v for k, v in layer.get_config().items() if k not in ("name", "dtype")}


@pytest.mark.parametrize("args, kwargs", [((1 / 255,), {}), ((1 / 127.5,), {"offset": -1}),
                                          (([0.5, 1.0, 2.0],), {"offset": 0.25})])
def test_rescaling_matches_keras(args, kwargs):
    ours, theirs = _both("Rescaling", *args, **kwargs)
    _assert_same(ours, theirs, _images((2, 3, 4, 3)))
    _assert_same(ours, theirs, np.arange(24, dtype="uint8").reshape(2, 2, 2, 3))  # integers -> float32
    assert _config_without_dtype(ours) == _config_without_dtype(theirs)
    restored = L.Rescaling.from_config(ours.get_config())
    np.testing.assert_allclose(restored(_images((1, 2, 2, 3))), ours(_images((1, 2, 2, 3))))


@pytest.mark.parametrize("kwargs", [
    {}, {"interpolation": "nearest"}, {"interpolation": "bicubic", "antialias": True},
    {"interpolation": "lanczos3"}, {"interpolation": "lanczos5"}, {"crop_to_aspect_ratio": True},
    {"pad_to_aspect_ratio": True, "fill_value": 1.5}, {"data_format": "channels_first"},
], ids=["bilinear", "nearest", "bicubic_antialias", "lanczos3", "lanczos5", "crop", "pad", "channels_first"])
@pytest.mark.parametrize("target", [(4, 9), (9, 3)], ids=["wide", "tall"])
def test_resizing_matches_keras(kwargs, target):
    ours, theirs = _both("Resizing", *target, **kwargs)
    shape = (2, 3, 6, 5) if kwargs.get("data_format") == "channels_first" else (2, 6, 5, 3)
    _assert_same(ours, theirs, _images(shape))
    _assert_same(ours, theirs, _images(shape[1:]))  # unbatched
    assert _config_without_dtype(ours) == _config_without_dtype(theirs)


def test_resizing_keeps_integer_images_integer_like_keras():
    ours, theirs = _both("Resizing", 4, 7)
    x = np.random.default_rng(4).integers(0, 256, (2, 5, 5, 3)).astype("int32")
    got, want = kerafront.ops.convert_to_numpy(ours(x)), _keras().ops.convert_to_numpy(theirs(x))
    assert got.dtype == want.dtype == np.int32
    difference = np.abs(got - want)  # a value within float32 rounding of .5 may round either way (Keras on JAX)
    assert difference.max() <= 1 and np.mean(difference == 0) > 0.98


@pytest.mark.parametrize("target, shape, data_format", [
    ((3, 4), (2, 6, 7, 2), "channels_last"),
    ((4, 4), (2, 4, 4, 2), "channels_last"),
    ((5, 2), (2, 3, 4, 2), "channels_last"),     # taller than the image: Keras resizes instead
    ((6, 6), (2, 2, 3, 4), "channels_first"),    # larger on both axes
    ((2, 3), (5, 6, 3), "channels_last"),        # unbatched
])
def test_center_crop_matches_keras(target, shape, data_format):
    ours, theirs = _both("CenterCrop", *target, data_format=data_format)
    _assert_same(ours, theirs, _images(shape))
    _assert_same(ours, theirs, np.arange(np.prod(shape), dtype="int32").reshape(shape))  # integers -> float32
    assert _config_without_dtype(ours) == _config_without_dtype(theirs)


def test_center_crop_by_hand():
    x = np.arange(30, dtype="float32").reshape(1, 5, 6, 1)
    np.testing.assert_array_equal(L.CenterCrop(3, 2)(x)[0, :, :, 0], x[0, 1:4, 2:4, 0])


@pytest.mark.parametrize("interpolation", ["bilinear", "bicubic", "lanczos3", "nearest"])
@pytest.mark.parametrize("data_format", ["channels_last", "channels_first"])
def test_up_sampling2d_matches_keras(interpolation, data_format):
    ours, theirs = _both("UpSampling2D", (2, 3), interpolation=interpolation, data_format=data_format)
    _assert_same(ours, theirs, _images((2, 3, 4, 2)))
    assert _config_without_dtype(ours) == _config_without_dtype(theirs)


def test_layers_in_a_functional_model_infer_shapes():
    inputs = L.Input((None, None, 3))
    outputs = L.Rescaling(1 / 255)(L.Resizing(8, 6)(inputs))
    assert outputs.shape == (None, 8, 6, 3)
    model = kerafront.Model(inputs, L.CenterCrop(4, 4)(outputs))
    assert model.output_shape == (None, 4, 4, 3)
    assert model(_images((2, 10, 12, 3))).shape == (2, 4, 4, 3)


@pytest.mark.parametrize("make, match", [
    (lambda: L.Resizing(4, 4, interpolation="cubic"), "Resizing: interpolation must be one of"),
    (lambda: L.Resizing(0, 4), "Resizing: height must be a positive integer"),
    (lambda: L.Resizing(4, 2.5), "Resizing: width must be a positive integer"),
    (lambda: L.Resizing(4, 4, fill_mode="wrap"), "Resizing: fill_mode must be 'constant'"),
    (lambda: L.Resizing(4, 4, crop_to_aspect_ratio=True, pad_to_aspect_ratio=True), "Resizing: crop_to_aspect"),
    (lambda: L.Resizing(4, 4, data_format="NCHW"), "Resizing: data_format"),
    (lambda: L.CenterCrop(-1, 4), "CenterCrop: height must be a positive integer"),
    (lambda: L.Rescaling("half"), "Rescaling: scale must be a number"),
    (lambda: L.UpSampling2D(interpolation="linear"), "UpSampling2D: interpolation must be one of"),
])
def test_bad_arguments(make, match):
    with pytest.raises(ValueError, match=match):
        make()


def test_wrong_rank_names_the_layer():
    with pytest.raises(ValueError, match="Resizing .*: inputs must be 3-D or 4-D"):
        L.Resizing(2, 2)(_images((4, 4)))
    with pytest.raises(ValueError, match="CenterCrop .*: inputs must be 3-D or 4-D"):
        L.CenterCrop(2, 2)(_images((4, 4)))
