"""``kerafront.ops.image.affine_transform`` against Keras 3 itself, hand-computed values and the NumPy backend.

Keras runs on its NumPy backend (``KERAS_BACKEND=numpy``; JAX when another test module imported Keras
first). Its JAX backend samples with ``jax.scipy.ndimage.map_coordinates`` and its NumPy backend with
SciPy; the two agree except at a "nearest" sample exactly halfway between two pixels (JAX, and
kerafront, round half away from zero), so the transforms here avoid exact halves.
"""

import itertools
import os

import numpy as np
import pytest

import kerafront
from kerafront import ops
from kerafront.ops import image

os.environ.setdefault("KERAS_BACKEND", "numpy")  # no effect if another test module imported keras first
FRAMEWORKS = {"numpy": "numpy", "torch": "torch", "jax": "jax", "tensorflow": "tensorflow"}
FILL_MODES = ("constant", "nearest", "wrap", "mirror", "reflect")
ANGLE = 0.7
TRANSFORMS = np.array([[np.cos(ANGLE), -np.sin(ANGLE), 1.3, np.sin(ANGLE), np.cos(ANGLE), -0.6, 0, 0],
                       [1.21, 0.13, -0.77, -0.19, 0.93, 1.11, 0, 0]], "float32")  # a rotation; a shear-zoom


@pytest.fixture(params=sorted(FRAMEWORKS))
def backend(request):
    pytest.importorskip(FRAMEWORKS[request.param])
    with kerafront.backend_scope(request.param):
        yield request.param


def _images(shape, seed=0):
    return np.random.default_rng(seed).standard_normal(shape).astype("float32")


def _layout(x, data_format):
    return x if data_format == "channels_last" else np.moveaxis(x, -1, -3)


@pytest.mark.parametrize("interpolation", ["nearest", "bilinear"])
@pytest.mark.parametrize("fill_mode", FILL_MODES)
def test_matches_keras(backend, interpolation, fill_mode):
    keras = pytest.importorskip("keras")
    for data_format, batched in itertools.product(("channels_last", "channels_first"), (True, False)):
        x = _layout(_images((2, 5, 6, 3)), data_format)
        x, transform = (x, TRANSFORMS) if batched else (x[1], TRANSFORMS[1])
        kwargs = dict(interpolation=interpolation, fill_mode=fill_mode, fill_value=0.5, data_format=data_format)
        want = keras.ops.convert_to_numpy(keras.ops.image.affine_transform(x, transform, **kwargs))
        got = ops.convert_to_numpy(image.affine_transform(x, transform, **kwargs))
        assert got.shape == want.shape == x.shape and got.dtype == np.float32
        np.testing.assert_allclose(got, want, rtol=1e-5, atol=1e-5, err_msg=f"{data_format} batched={batched}")


def test_fill_modes_by_hand():
    """One row ``abcd`` shifted right by 2.5 pixels (x_in = x - 2.5), bilinear: each mode's padding."""
    row = np.array([1.0, 2.0, 4.0, 8.0], "float32").reshape(1, 4, 1)
    shift = np.array([1, 0, -2.5, 0, 1, 0, 0, 0], "float32")

    def by_hand(padded_left):  # the sample at x - 2.5 from a row padded with 3 values on the left
        values = np.concatenate([padded_left, row[0, :, 0]])
        return [(values[x + 3 - 3] + values[x + 3 - 2]) / 2 for x in range(4)]

    expected = {"constant": by_hand([9.0, 9.0, 9.0]), "nearest": by_hand([1.0, 1.0, 1.0]),
                "wrap": by_hand([2.0, 4.0, 8.0]), "mirror": by_hand([8.0, 4.0, 2.0]),
                "reflect": by_hand([4.0, 2.0, 1.0])}
    for mode, want in expected.items():
        got = image.affine_transform(row, shift, fill_mode=mode, fill_value=9.0)
        np.testing.assert_allclose(got[0, :, 0], want, rtol=1e-6, err_msg=mode)


def test_projective_terms_divide_by_k():
    """Output (x, y) reads input ((a0 x + a1 y + a2) / k, (b0 x + b1 y + b2) / k), k = c0 x + c1 y + 1."""
    x = _images((6, 7, 2))
    t = np.array([0.9, 0.1, 0.4, -0.05, 1.1, 0.3, 0.02, 0.03], "float32")
    got = image.affine_transform(x, t, interpolation="nearest", fill_mode="nearest")
    want = np.empty_like(x)
    for row, col in itertools.product(range(6), range(7)):
        k = t[6] * col + t[7] * row + 1
        x_in = (t[0] * col + t[1] * row + t[2]) / k
        y_in = (t[3] * col + t[4] * row + t[5]) / k
        want[row, col] = x[min(max(int(np.floor(y_in + 0.5)), 0), 5), min(max(int(np.floor(x_in + 0.5)), 0), 6)]
    np.testing.assert_array_equal(got, want)


def test_backends_agree_with_numpy_values_and_gradients(backend):
    """Values and the VJP with respect to the images (a weighted gather: its transpose) on every backend."""
    x = _images((2, 5, 6, 3))
    cotangent = _images((2, 5, 6, 3), seed=1)
    results = {}
    for name in ("numpy", backend):
        with kerafront.backend_scope(name):
            def loss(images):
                out = image.affine_transform(images, TRANSFORMS, fill_mode="reflect")
                return ops.sum(ops.multiply(out, cotangent)), out
            (_, out), grad = ops.value_and_grad(loss, has_aux=True)(ops.convert_to_tensor(x))
            results[name] = ops.convert_to_numpy(out), ops.convert_to_numpy(grad)
    for want, got in zip(results["numpy"], results[backend]):
        np.testing.assert_allclose(got, want, rtol=1e-5, atol=1e-5)


def test_integer_images_round_and_keep_their_dtype():
    x = np.arange(12, dtype="int32").reshape(3, 4, 1)
    half_shift = np.array([1, 0, -0.5, 0, 1, 0, 0, 0], "float32")
    got = image.affine_transform(x, half_shift, fill_mode="nearest")
    assert got.dtype == np.int32
    rows = x[..., 0].astype("float64")
    want = np.concatenate([rows[:, :1], (rows[:, :-1] + rows[:, 1:]) / 2], axis=1)
    np.testing.assert_array_equal(got[..., 0], np.sign(want) * np.floor(np.abs(want) + 0.5))


def test_inside_a_compiled_function(backend):
    transform = TRANSFORMS[:1]
    x = _images((1, 4, 5, 2))
    eager = ops.convert_to_numpy(image.affine_transform(x, transform))
    compiled = ops.compile(lambda images, t: image.affine_transform(images, t))
    got = compiled(ops.convert_to_tensor(x), ops.convert_to_tensor(transform))
    np.testing.assert_allclose(ops.convert_to_numpy(got), eager, rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("kwargs, images_shape, transform_shape, match", [
    ({"interpolation": "bicubic"}, (4, 4, 1), (8,), "interpolation must be one of"),
    ({"fill_mode": "edge"}, (4, 4, 1), (8,), "fill_mode must be one of"),
    ({}, (4, 4), (8,), "3-D .* or 4-D"),
    ({}, (4, 4, 1), (6,), r"shape \(8,\) or \(batch, 8\)"),
    ({}, (3, 4, 4, 1), (2, 8), "2 transforms for a batch of 3"),
    ({"data_format": "nchw"}, (4, 4, 1), (8,), "data_format"),
])
def test_bad_arguments_raise_naming_the_op(kwargs, images_shape, transform_shape, match):
    with pytest.raises(ValueError, match=match) as info:
        image.affine_transform(np.zeros(images_shape, "float32"), np.zeros(transform_shape, "float32"), **kwargs)
    assert "affine_transform" in str(info.value)
