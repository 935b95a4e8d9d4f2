"""``kerafront.ops.image`` against Keras 3 itself and against hand-computed values.

Keras runs on its NumPy backend here (``KERAS_BACKEND=numpy``, or JAX when another test module imported
Keras first: both resize through ``scale_and_translate`` weights and agree to float32 rounding). "area"
exists only on Keras's TensorFlow backend, which calls ``tf.image.resize(method="area")``: it is compared
with TensorFlow directly, and with hand-computed box averages.
"""

import itertools
import os

import numpy as np
import pytest

from kerafront import layers as L
from kerafront.ops import image

os.environ.setdefault("KERAS_BACKEND", "numpy")  # no effect if another test module imported keras first
INTERPOLATIONS = ("bilinear", "nearest", "bicubic", "lanczos3", "lanczos5")
SIZES = [((5, 7), (9, 4)), ((8, 8), (3, 5)), ((4, 6), (4, 11)), ((10, 3), (2, 3))]


def _keras():
    return pytest.importorskip("keras")


def _images(shape, seed=0):
    return np.random.default_rng(seed).standard_normal(shape).astype("float32")


def _batched(size, data_format, batch=(2,), channels=3):
    return batch + (size + (channels,) if data_format == "channels_last" else (channels,) + size)


@pytest.mark.parametrize("interpolation", INTERPOLATIONS)
@pytest.mark.parametrize("antialias", [False, True], ids=["plain", "antialias"])
@pytest.mark.parametrize("data_format", ["channels_last", "channels_first"])
def test_resize_matches_keras(interpolation, antialias, data_format):
    keras = _keras()
    for (in_size, out_size), batch in itertools.product(SIZES, [(2,), ()]):
        x = _images(_batched(in_size, data_format, batch))
        want = keras.ops.convert_to_numpy(keras.ops.image.resize(
            x, out_size, interpolation=interpolation, antialias=antialias, data_format=data_format))
        got = image.resize(x, out_size, interpolation=interpolation, antialias=antialias, data_format=data_format)
        assert got.shape == want.shape and got.dtype == want.dtype
        np.testing.assert_allclose(got, want, rtol=1e-5, atol=1e-5, err_msg=f"{in_size} -> {out_size}")


@pytest.mark.parametrize("aspect", [{"crop_to_aspect_ratio": True}, {"pad_to_aspect_ratio": True, "fill_value": 0.5}],
                         ids=["crop", "pad"])
@pytest.mark.parametrize("data_format", ["channels_last", "channels_first"])
def test_resize_to_aspect_ratio_matches_keras(aspect, data_format):
    keras = _keras()
    for (in_size, out_size), interpolation in itertools.product(SIZES + [((3, 6), (4, 4)), ((7, 4), (2, 5))],
                                                                ("bilinear", "nearest", "bicubic")):
        x = _images(_batched(in_size, data_format))
        kwargs = dict(interpolation=interpolation, data_format=data_format, **aspect)
        want = keras.ops.convert_to_numpy(keras.ops.image.resize(x, out_size, **kwargs))
        got = image.resize(x, out_size, **kwargs)
        np.testing.assert_allclose(got, want, rtol=1e-5, atol=1e-5, err_msg=f"{in_size} -> {out_size} {kwargs}")


def test_resize_integer_images_round_and_keep_their_dtype_like_keras():
    keras = _keras()
    x = np.random.default_rng(1).integers(0, 256, (2, 5, 7, 3)).astype("uint8")
    for interpolation in ("bilinear", "nearest", "bicubic", "lanczos3"):
        want = keras.ops.convert_to_numpy(keras.ops.image.resize(x, (9, 4), interpolation=interpolation))
        got = image.resize(x, (9, 4), interpolation=interpolation)
        assert got.dtype == np.uint8
        _assert_rounded_alike(got, want)


def _assert_rounded_alike(got, want):
    """Equal integers, but for a value that lands within float32 rounding of .5 (Keras on JAX computes its
    weights in float32, on NumPy in float64): those may round either way."""
    difference = np.abs(got.astype("int64") - want.astype("int64"))
    assert difference.max() <= 1 and np.mean(difference == 0) > 0.98, difference


def test_bilinear_and_nearest_by_hand():
    x = np.array([[0.0, 1.0]], "float32").reshape(1, 2, 1)
    # half-pixel centres: output j samples input (j + 0.5) / 2 - 0.5 = -0.25, 0.25, 0.75, 1.25 (edges clamp)
    np.testing.assert_allclose(image.resize(x, (1, 4))[0, :, 0], [0.0, 0.25, 0.75, 1.0])
    np.testing.assert_array_equal(image.resize(x, (1, 4), interpolation="nearest")[0, :, 0], [0, 0, 1, 1])
    row = np.arange(4.0, dtype="float32").reshape(1, 4, 1)
    # downsampling 4 -> 2 samples 0.5 and 2.5: the means of pairs, with or without antialias (a box here)
    np.testing.assert_allclose(image.resize(row, (1, 2))[0, :, 0], [0.5, 2.5])
    # antialias downsampling 4 -> 1 stretches the triangle to width 4: weights 1, 3, 3, 1 (/ 8) at 1.5
    np.testing.assert_allclose(image.resize(row, (1, 1), antialias=True)[0, :, 0], [(0 + 3 + 6 + 3) / 8])
    np.testing.assert_allclose(image.resize(row, (1, 1))[0, :, 0], [1.5])


def test_area_by_hand():
    row = np.array([1.0, 2.0, 4.0], "float32").reshape(1, 3, 1)
    # 3 -> 2: output pixels cover [0, 1.5) and [1.5, 3) of the input
    np.testing.assert_allclose(image.resize(row, (1, 2), interpolation="area")[0, :, 0],
                               [(1 + 0.5 * 2) / 1.5, (0.5 * 2 + 4) / 1.5], rtol=1e-6)
    # 3 -> 6: each output pixel lies inside one input pixel
    np.testing.assert_allclose(image.resize(row, (1, 6), interpolation="area")[0, :, 0], [1, 1, 2, 2, 4, 4])


def test_area_matches_tensorflow():
    tf = pytest.importorskip("tensorflow")
    for in_size, out_size in SIZES + [((7, 7), (3, 3))]:
        x = _images((2,) + in_size + (3,))
        want = tf.image.resize(x, out_size, method="area").numpy()
        np.testing.assert_allclose(image.resize(x, out_size, interpolation="area"), want, rtol=1e-5, atol=1e-6)


def test_resize_on_symbolic_inputs_gives_the_output_shape():
    out = image.resize(L.Input((5, 6, 3)), (4, 9), crop_to_aspect_ratio=True)
    assert out.shape == (None, 4, 9, 3)
    out = image.resize(L.Input((3, 5, 6)), (4, 9), interpolation="area", data_format="channels_first")
    assert out.shape == (None, 3, 4, 9)


@pytest.mark.parametrize("kwargs, match", [
    ({"size": (4, 4), "interpolation": "cubic"}, "resize: interpolation must be one of"),
    ({"size": (4,)}, "resize: size must be two positive integers"),
    ({"size": (0, 4)}, "resize: size must be two positive integers"),
    ({"size": (4, 2.5)}, "resize: size must be two positive integers"),
    ({"size": (4, 4), "fill_mode": "reflect"}, "resize: fill_mode must be 'constant'"),
    ({"size": (4, 4), "crop_to_aspect_ratio": True, "pad_to_aspect_ratio": True}, "cannot both be True"),
    ({"size": (4, 4), "data_format": "NHWC"}, "resize: data_format must be"),
])
def test_resize_bad_arguments(kwargs, match):
    with pytest.raises(ValueError, match=match):
        image.resize(_images((1, 3, 3, 1)), **kwargs)


def test_resize_wrong_rank():
    with pytest.raises(ValueError, match=r"resize: images must be 3-D .* got shape \(3, 3\)"):
        image.resize(_images((3, 3)), (2, 2))


@pytest.mark.parametrize("data_format", ["channels_last", "channels_first"])
def test_crop_and_pad_images_match_keras(data_format):
    keras = _keras()
    for batch in [(2,), ()]:
        x = _images(_batched((5, 6), data_format, batch))
        for args, kwargs in [((1, 2), {"target_height": 3, "target_width": 2}),
                             ((None, 1), {"bottom_cropping": 1, "target_height": 2, "right_cropping": 2}),
                             ((1, 0), {"bottom_cropping": 2, "right_cropping": 3})]:
            want = keras.ops.image.crop_images(x, *args, data_format=data_format, **kwargs)
            got = image.crop_images(x, *args, data_format=data_format, **kwargs)
            np.testing.assert_array_equal(got, keras.ops.convert_to_numpy(want))
        for args, kwargs in [((1, 2), {"target_height": 8, "target_width": 9}),
                             ((None, 1), {"bottom_padding": 1, "target_height": 7, "right_padding": 2}),
                             ((2, 0), {"bottom_padding": 1, "right_padding": 3})]:
            want = keras.ops.image.pad_images(x, *args, data_format=data_format, **kwargs)
            got = image.pad_images(x, *args, data_format=data_format, **kwargs)
            np.testing.assert_array_equal(got, keras.ops.convert_to_numpy(want))


@pytest.mark.parametrize("op, kwargs, match", [
    ("crop_images", {"top_cropping": 1},
     "crop_images: give exactly two of top_cropping, bottom_cropping, target_height"),
    ("crop_images", {"top_cropping": -1, "target_height": 2, "left_cropping": 0, "target_width": 2},
     "crop_images: top_cropping must be a non-negative integer"),
    ("crop_images", {"top_cropping": 2, "target_height": 3, "left_cropping": 0, "target_width": 2},
     r"crop_images: the crop \(top 2, height 3\) does not fit in images of height 3"),
    ("pad_images", {"top_padding": 1, "target_height": 3, "left_padding": 0, "target_width": 4},
     "pad_images: the target size is smaller than the images"),
])
def test_crop_and_pad_bad_arguments(op, kwargs, match):
    with pytest.raises(ValueError, match=match):
        getattr(image, op)(_images((3, 3, 1)), **kwargs)


@pytest.mark.parametrize("op", ["rgb_to_grayscale", "rgb_to_hsv", "hsv_to_rgb"])
@pytest.mark.parametrize("data_format", ["channels_last", "channels_first"])
def test_color_conversions_match_keras(op, data_format):
    keras = _keras()
    x = np.random.default_rng(2).random(_batched((4, 5), data_format)).astype("float32")
    x[0, ..., 0, 0] = 0.0  # black pixels: hue and saturation 0
    want = keras.ops.convert_to_numpy(getattr(keras.ops.image, op)(x, data_format=data_format))
    np.testing.assert_allclose(getattr(image, op)(x, data_format=data_format), want, rtol=1e-6, atol=1e-6)


def test_color_round_trip_and_grayscale_by_hand():
    x = np.random.default_rng(3).random((6, 5, 3)).astype("float32")
    np.testing.assert_allclose(image.hsv_to_rgb(image.rgb_to_hsv(x)), x, atol=1e-6)
    gray = image.rgb_to_grayscale(np.array([[[1.0, 2.0, 4.0]]], "float32"))
    np.testing.assert_allclose(gray, [[[0.2989 + 2 * 0.5870 + 4 * 0.1140]]], rtol=1e-6)
    with pytest.raises(ValueError, match="rgb_to_hsv: images must have a float dtype"):
        image.rgb_to_hsv(np.zeros((2, 2, 3), "int32"))
    with pytest.raises(ValueError, match="rgb_to_grayscale: images must have 3 channels"):
        image.rgb_to_grayscale(np.zeros((2, 2, 2), "float32"))
