"""``ops.image.gaussian_blur``, ``sobel_edges``, ``ssim``, ``extract_patches(_3d)``, ``map_coordinates``,
``perspective_transform`` and ``elastic_transform`` against Keras 3 and against hand computations (Keras's
elastic_transform draws its noise from its own generator: that op is checked against its parts, on every
backend, since each backend's generator draws its own noise; the others are compared across backends in
conformance_tests/test_image_ops.py).

Keras runs on its NumPy backend (``KERAS_BACKEND=numpy``; JAX when another test module imported it first).
conformance_tests/test_image_ops.py compares every backend (values, gradients, compiled) with this reference.
"""

import os

import numpy as np
import pytest

from kerafront import layers as L
from kerafront import ops
from kerafront.ops import image

os.environ.setdefault("KERAS_BACKEND", "numpy")  # no effect if another test module imported keras first
RNG = np.random.default_rng(0)
X = RNG.uniform(0, 1, size=(2, 7, 9, 3)).astype("float32")


def _keras():
    return pytest.importorskip("keras")


def _np(x):
    return np.asarray(ops.convert_to_numpy(x))


def _layout(x, data_format):
    return x if data_format == "channels_last" else np.moveaxis(x, -1, -3)


@pytest.mark.parametrize("kernel_size, sigma", [((3, 3), (1.0, 1.0)), ((5, 3), (0.7, 1.9)), ((3, 7), (2.0, 0.5)),
                                                ((1, 5), (1.0, 3.0))])
@pytest.mark.parametrize("data_format", ["channels_last", "channels_first"])
def test_gaussian_blur_matches_keras(kernel_size, sigma, data_format):
    keras = _keras()
    for x in (X, X[0]):
        x = _layout(x, data_format)
        want = keras.ops.convert_to_numpy(keras.ops.image.gaussian_blur(x, kernel_size, sigma, data_format=data_format))
        got = _np(image.gaussian_blur(x, kernel_size, sigma, data_format=data_format))
        assert got.shape == want.shape and got.dtype == want.dtype
        np.testing.assert_allclose(got, want, rtol=1e-5, atol=1e-6)


def test_gaussian_blur_by_hand():
    # a unit impulse spreads into the normalised kernel outer(g_rows, g_cols); rows use kernel_size[1], sigma[1]
    impulse = np.zeros((1, 5, 5, 1), "float32")
    impulse[0, 2, 2, 0] = 1.0

    def g(size, s):
        x = np.arange(size) - (size - 1) / 2
        w = np.exp(-0.5 * (x / s) ** 2)
        return w / w.sum()

    out = _np(image.gaussian_blur(impulse, kernel_size=(3, 5), sigma=(0.8, 1.3)))[0, :, :, 0]
    want = np.zeros((5, 5))
    want[:, 1:4] = np.outer(g(5, 1.3), g(3, 0.8))
    np.testing.assert_allclose(out, want, rtol=1e-5, atol=1e-7)
    # a tensor sigma (what RandomGaussianBlur passes) gives the same kernel
    tensor_sigma = _np(image.gaussian_blur(impulse, kernel_size=(3, 5), sigma=np.array([0.8, 1.3], "float32")))
    np.testing.assert_allclose(tensor_sigma[0, :, :, 0], want, rtol=1e-5, atol=1e-7)
    # integer images are blurred in float32 and cast back
    assert _np(image.gaussian_blur((X * 255).astype("uint8"))).dtype == np.uint8


@pytest.mark.parametrize("data_format", ["channels_last", "channels_first"])
def test_sobel_edges_match_keras(data_format):
    """Against Keras on JAX (zero padding; Keras's NumPy backend pads differently)."""
    keras = _keras()
    if keras.backend.backend() not in ("jax", "torch"):
        pytest.skip(f"Keras's {keras.backend.backend()} backend pads sobel_edges differently from its JAX backend")
    x = _layout(X, data_format)
    want = keras.ops.convert_to_numpy(keras.ops.image.sobel_edges(x, data_format=data_format))
    got = _np(image.sobel_edges(x, data_format=data_format))
    assert got.shape == want.shape == x.shape + (2,)
    np.testing.assert_allclose(got, want, rtol=1e-5, atol=1e-5)


def test_sobel_edges_by_hand():
    """Zero outside the image: the smoothing [1, 2, 1] loses a weight on the border rows and columns."""
    step = np.zeros((1, 4, 4, 1), "float32")  # a vertical step 0 -> 1 between columns 1 and 2
    step[0, :, 2:, 0] = 1.0
    edges = _np(image.sobel_edges(step))[0, :, :, 0]
    np.testing.assert_array_equal(edges[..., 1], [[0, 3, 3, -3], [0, 4, 4, -4], [0, 4, 4, -4], [0, 3, 3, -3]])
    np.testing.assert_array_equal(edges[..., 0], [[0, 1, 3, 3], [0, 0, 0, 0], [0, 0, 0, 0], [0, -1, -3, -3]])
    ramp = np.tile(np.arange(5.0, dtype="float32"), (3, 1)).reshape(3, 5, 1)  # x = column
    np.testing.assert_array_equal(_np(image.sobel_edges(ramp))[:, :, 0, 1],
                                  [[3, 6, 6, 6, -9], [4, 8, 8, 8, -12], [3, 6, 6, 6, -9]])


@pytest.mark.parametrize("kwargs", [{}, {"filter_size": 5, "filter_sigma": 1.0, "max_val": 2.0},
                                    {"filter_size": 3, "k1": 0.02, "k2": 0.05, "data_format": "channels_first"}])
def test_ssim_matches_keras(kwargs):
    keras = _keras()
    x = RNG.uniform(0, 1, (2, 16, 15, 3)).astype("float32")
    y = np.clip(x + RNG.normal(0, 0.2, x.shape), 0, 1).astype("float32")
    if kwargs.get("data_format") == "channels_first":
        x, y = np.moveaxis(x, -1, 1), np.moveaxis(y, -1, 1)
    for a, b in ((x, y), (x[0], y[0])):
        want = keras.ops.convert_to_numpy(keras.ops.image.ssim(a, b, **kwargs))
        got = _np(image.ssim(a, b, **kwargs))
        assert got.shape == want.shape
        np.testing.assert_allclose(got, want, rtol=1e-5, atol=1e-6)


def test_ssim_by_hand():
    x = RNG.uniform(0, 1, (2, 6, 6, 1)).astype("float32")
    np.testing.assert_allclose(_np(image.ssim(x, x, filter_size=3)), [1.0, 1.0], rtol=1e-5)
    # constant images a and b: mu = a, b and no variance, so ssim = (2ab + c1) / (a^2 + b^2 + c1)
    a, b, c1 = 0.2, 0.7, (0.01 * 1.0) ** 2
    got = _np(image.ssim(np.full((5, 5, 2), a, "float32"), np.full((5, 5, 2), b, "float32"), filter_size=3))
    np.testing.assert_allclose(got, (2 * a * b + c1) / (a * a + b * b + c1), rtol=2e-4)  # float32 variances ~1e-8


@pytest.mark.parametrize("kwargs", [dict(size=(3, 3)), dict(size=(2, 4), strides=(1, 2)),
                                    dict(size=3, strides=1, padding="same"),
                                    dict(size=(2, 2), dilation_rate=2, strides=1)])
@pytest.mark.parametrize("data_format", ["channels_last", "channels_first"])
def test_extract_patches_match_keras(kwargs, data_format):
    keras = _keras()
    for x in (X, X[0]):
        x = _layout(x, data_format)
        want = keras.ops.convert_to_numpy(keras.ops.image.extract_patches(x, data_format=data_format, **kwargs))
        got = _np(image.extract_patches(x, data_format=data_format, **kwargs))
        assert got.shape == want.shape
        np.testing.assert_allclose(got, want, rtol=1e-6, atol=1e-6)


def test_extract_patches_3d_matches_keras_and_slices():
    keras = _keras()
    volumes = RNG.uniform(0, 1, (2, 6, 7, 5, 2)).astype("float32")
    for size, strides in (((2, 3, 2), None), (2, 1)):
        want = keras.ops.convert_to_numpy(keras.ops.image.extract_patches_3d(volumes, size, strides))
        np.testing.assert_allclose(_np(image.extract_patches_3d(volumes, size, strides)), want, rtol=1e-6, atol=1e-6)
    # a 3-tuple size in extract_patches means 3-D patches
    np.testing.assert_array_equal(_np(image.extract_patches(volumes, (2, 3, 2))),
                                  _np(image.extract_patches_3d(volumes, (2, 3, 2))))


def test_extract_patches_by_hand():
    """Output channel (i, j, c), row-major over the patch, holds input pixel (r * s + i, q * s + j), channel c."""
    x = np.arange(2 * 4 * 6 * 2, dtype="float32").reshape(2, 4, 6, 2)
    patches = _np(image.extract_patches(x, (2, 3)))
    assert patches.shape == (2, 2, 2, 12)
    want = x.reshape(2, 2, 2, 2, 3, 2).transpose(0, 1, 3, 2, 4, 5).reshape(2, 2, 2, 12)
    np.testing.assert_array_equal(patches, want)


@pytest.mark.parametrize("order", [0, 1])
@pytest.mark.parametrize("fill_mode", ["constant", "nearest", "wrap", "mirror", "reflect"])
def test_map_coordinates_matches_keras(order, fill_mode):
    keras = _keras()
    inputs = RNG.normal(size=(5, 6, 3)).astype("float32")
    coordinates = RNG.uniform(-3, 8, size=(3, 4, 7)).astype("float32")
    want = keras.ops.convert_to_numpy(keras.ops.image.map_coordinates(inputs, coordinates, order, fill_mode, 0.5))
    got = _np(image.map_coordinates(inputs, coordinates, order, fill_mode, 0.5))
    assert got.shape == want.shape == (4, 7) and got.dtype == want.dtype
    np.testing.assert_allclose(got, want, rtol=1e-5, atol=1e-6)


def test_map_coordinates_by_hand():
    row = np.array([1.0, 2.0, 4.0, 8.0], "float32")
    at = np.array([[0.25, 2.5, -1.0, 3.5, 5.0]], "float32")
    np.testing.assert_allclose(_np(image.map_coordinates(row, at, 1, "constant", 10.0)),
                               [1.25, 6.0, 10.0, 0.5 * 8 + 0.5 * 10, 10.0])
    np.testing.assert_allclose(_np(image.map_coordinates(row, at, 1, "nearest")), [1.25, 6.0, 1.0, 8.0, 8.0])
    np.testing.assert_allclose(_np(image.map_coordinates(row, at, 1, "wrap")), [1.25, 6.0, 8.0, 4.5, 2.0])
    # reflect: dcba|abcd|dcba; mirror: dcb|abcd|cba
    np.testing.assert_allclose(_np(image.map_coordinates(row, at, 1, "reflect")), [1.25, 6.0, 1.0, 8.0, 4.0])
    np.testing.assert_allclose(_np(image.map_coordinates(row, at, 1, "mirror")), [1.25, 6.0, 2.0, 6.0, 2.0])
    # order 0 rounds half away from zero: 0.25 -> 0, 2.5 -> 3
    np.testing.assert_array_equal(_np(image.map_coordinates(row, at[:, :2], 0)), [1.0, 8.0])


CORNERS = np.array([[0, 0], [9, 0], [0, 6], [9, 6]], "float32")  # (x, y) of a 7 x 10 image


@pytest.mark.parametrize("interpolation", ["bilinear", "nearest"])
@pytest.mark.parametrize("data_format", ["channels_last", "channels_first"])
def test_perspective_transform_matches_keras(interpolation, data_format):
    keras = _keras()
    end = CORNERS + CORNERS * RNG.uniform(-0.3, 0.3, (2, 4, 2)).astype("float32")
    for x, start, stop in ((X, np.stack([CORNERS] * 2), end), (X[0], CORNERS, end[0])):
        x = _layout(x, data_format)
        kwargs = dict(interpolation=interpolation, fill_value=0.3, data_format=data_format)
        want = keras.ops.convert_to_numpy(keras.ops.image.perspective_transform(x, start, stop, **kwargs))
        got = _np(image.perspective_transform(x, start, stop, **kwargs))
        assert got.shape == want.shape
        np.testing.assert_allclose(got, want, rtol=1e-5, atol=1e-5)


def test_perspective_transform_by_hand():
    np.testing.assert_allclose(_np(image.perspective_transform(X, CORNERS, CORNERS)), X, rtol=1e-6, atol=1e-6)
    # end = start moved right by 2: output column c reads input column c - 2, zeros enter on the left
    shifted = _np(image.perspective_transform(X, CORNERS, CORNERS + [2.0, 0.0], interpolation="nearest"))
    np.testing.assert_array_equal(shifted[:, :, 2:], X[:, :, :-2])
    np.testing.assert_array_equal(shifted[:, :, :2], 0.0)


@pytest.fixture(params=["numpy", "torch", "jax", "tensorflow"])
def backend(request):
    pytest.importorskip(request.param)
    import kerafront
    with kerafront.backend_scope(request.param):
        yield request.param


def test_elastic_transform_is_its_parts(backend):
    """Replay the displacement field (the same integer seed draws the same noise, so dx == dy as in Keras),
    blur it with NumPy, and sample with map_coordinates (checked against Keras above)."""
    from kerafront import random as kf_random
    alpha, sigma = 3.0, 1.2
    out = _np(image.elastic_transform(X, alpha=alpha, sigma=sigma, fill_mode="nearest", seed=11))
    noise = _np(kf_random.normal((2, 7, 9, 1), seed=11))[..., 0] * sigma
    radius = (int(6 * sigma) | 1) // 2
    taps = np.exp(-0.5 * (np.arange(-radius, radius + 1) / sigma) ** 2)
    taps /= taps.sum()
    padded = np.pad(noise, ((0, 0), (radius, radius), (radius, radius)))
    field = sum(taps[i] * taps[j] * padded[:, i:i + 7, j:j + 9] for i in range(len(taps)) for j in range(len(taps)))
    b, r, c, ch = np.meshgrid(np.arange(2), np.arange(7), np.arange(9), np.arange(3), indexing="ij")
    displaced = alpha * field[..., None]
    coordinates = np.stack([b, r + displaced, c + displaced, ch]).astype("float32")
    want = _np(image.map_coordinates(X, coordinates, 1, "nearest"))
    np.testing.assert_allclose(out, want, rtol=1e-5, atol=1e-5)
    assert np.abs(out - X).max() > 0.05
    np.testing.assert_array_equal(_np(image.elastic_transform(X, alpha=0.0, seed=2)), X)  # no displacement
    cf = _np(image.elastic_transform(np.moveaxis(X, -1, 1), alpha=alpha, sigma=sigma, fill_mode="nearest", seed=11,
                                     data_format="channels_first"))
    np.testing.assert_allclose(np.moveaxis(cf, 1, -1), out, rtol=1e-5, atol=1e-5)


def test_symbolic_shapes():
    assert image.gaussian_blur(L.Input((6, 7, 3))).shape == (None, 6, 7, 3)
    assert image.sobel_edges(L.Input((6, 7, 3))).shape == (None, 6, 7, 3, 2)
    assert image.extract_patches(L.Input((6, 9, 3)), (2, 3)).shape == (None, 3, 3, 18)


@pytest.mark.parametrize("call, match", [
    (lambda: image.gaussian_blur(X[0, 0]), r"gaussian_blur: images must be 3-D .* got shape \(9, 3\)"),
    (lambda: image.gaussian_blur(X, kernel_size=(3, 2.5)), "gaussian_blur: kernel_size must be a pair of integers"),
    (lambda: image.gaussian_blur(X, sigma="wide"), "gaussian_blur: sigma must be a pair of numbers"),
    (lambda: image.sobel_edges(X, data_format="NHWC"), "sobel_edges: data_format must be"),
    (lambda: image.ssim(X, X[:, :5]), "ssim: image1 and image2 must have the same shape"),
    (lambda: image.extract_patches(X, (2, 0)), "extract_patches: size must be a positive integer"),
    (lambda: image.extract_patches(X, 2, padding="full"), "extract_patches: padding must be 'valid' or 'same'"),
    (lambda: image.extract_patches_3d(X[0], 2), r"extract_patches_3d: images must be 4-D .* or 5-D"),
    (lambda: image.map_coordinates(X[0], np.zeros((2, 4), "float32"), 1), r"map_coordinates: coordinates must have"),
    (lambda: image.map_coordinates(X[0], np.zeros((3, 4), "float32"), 3), "map_coordinates: order must be 0 or 1"),
    (lambda: image.map_coordinates(X[0], np.zeros((3, 4), "float32"), 1, "edge"), "map_coordinates: fill_mode"),
    (lambda: image.perspective_transform(X, CORNERS[:3], CORNERS[:3]), "perspective_transform: start_points must"),
    (lambda: image.perspective_transform(X, CORNERS, np.stack([CORNERS] * 2)), "must have the same shape"),
    (lambda: image.elastic_transform(X, interpolation="bicubic"), "elastic_transform: interpolation must be"),
    (lambda: image.elastic_transform(X, fill_mode="edge"), "elastic_transform: fill_mode must be one of"),
])
def test_bad_arguments(call, match):
    with pytest.raises(ValueError, match=match):
        call()
