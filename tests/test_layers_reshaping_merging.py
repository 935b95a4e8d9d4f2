"""Reshaping and merge layers against NumPy, and their shape errors."""

import numpy as np
import pytest

from kerafront import layers as L
from kerafront import ops


def np_(x):
    return ops.convert_to_numpy(x)


def test_flatten_reshape_permute_repeat(rng):
    x = rng.standard_normal((2, 3, 4)).astype("float32")
    np.testing.assert_array_equal(np_(L.Flatten()(x)), x.reshape(2, 12))
    images = rng.standard_normal((2, 3, 2, 2)).astype("float32")
    np.testing.assert_array_equal(np_(L.Flatten(data_format="channels_first")(images)),
                                  images.transpose(0, 2, 3, 1).reshape(2, 12))
    np.testing.assert_array_equal(np_(L.Reshape((4, -1))(x)), x.reshape(2, 4, 3))
    np.testing.assert_array_equal(np_(L.Permute((2, 1))(x)), x.transpose(0, 2, 1))
    vectors = x[:, 0]
    np.testing.assert_array_equal(np_(L.RepeatVector(3)(vectors)), np.repeat(vectors[:, None], 3, axis=1))
    assert np_(L.Flatten()(np.ones((5,), "float32"))).shape == (5, 1)


def test_reshape_and_permute_errors():
    with pytest.raises(ValueError, match=r'Reshape "rs".*\(2, 6\).*\(4,\)'):
        L.Reshape((4,), name="rs")(np.zeros((2, 6), "float32"))
    with pytest.raises(ValueError, match="at most one -1"):
        L.Reshape((-1, -1))
    with pytest.raises(ValueError, match="permutation"):
        L.Permute((0, 1))
    assert L.Reshape((-1, 2)).compute_output_shape((None, None)) == (None, None, 2)


def test_zero_padding_and_cropping(rng):
    x = rng.standard_normal((1, 3, 4, 2)).astype("float32")
    padded = np_(L.ZeroPadding2D(((1, 0), (2, 1)))(x))
    np.testing.assert_array_equal(padded, np.pad(x, ((0, 0), (1, 0), (2, 1), (0, 0))))
    np.testing.assert_array_equal(np_(L.ZeroPadding2D(1, data_format="channels_first")(x)),
                                  np.pad(x, ((0, 0), (0, 0), (1, 1), (1, 1))))
    np.testing.assert_array_equal(np_(L.Cropping2D(((1, 0), (1, 2)))(x)), x[:, 1:, 1:2])
    np.testing.assert_array_equal(np_(L.Cropping2D((1, 0), data_format="channels_first")(x)), x[:, :, 1:3])
    with pytest.raises(ValueError, match="removes every row"):
        L.Cropping2D(2)(x)


def test_up_sampling_nearest_and_bilinear():
    x = np.arange(4, dtype="float32").reshape(1, 2, 2, 1)
    np.testing.assert_array_equal(np_(L.UpSampling2D((2, 3))(x))[0, :, :, 0],
                                  np.repeat(np.repeat(x[0, :, :, 0], 2, axis=0), 3, axis=1))
    # Half-pixel centres, edges clamped: one axis [0, 1] upsampled by 2 is [0, 0.25, 0.75, 1].
    line = np.array([0.0, 0.25, 0.75, 1.0])
    expected = line[:, None] * 2 + line[None, :]  # x[i, j] = 2 i + j is linear, so interpolation is exact
    out = np_(L.UpSampling2D(2, interpolation="bilinear")(x))[0, :, :, 0]
    np.testing.assert_allclose(out, expected, rtol=1e-6)
    with pytest.raises(ValueError, match="interpolation"):
        L.UpSampling2D(interpolation="cubic")  # Keras's names: nearest, bilinear, bicubic, area, lanczos3/5


def test_elementwise_merges(rng):
    a, b, c = (rng.standard_normal((2, 3)).astype("float32") for _ in range(3))
    np.testing.assert_allclose(np_(L.Add()([a, b, c])), a + b + c, rtol=1e-6)
    np.testing.assert_allclose(np_(L.Subtract()([a, b])), a - b, rtol=1e-6)
    np.testing.assert_allclose(np_(L.Multiply()([a, b, c])), a * b * c, rtol=1e-6)
    np.testing.assert_allclose(np_(L.Average()([a, b])), (a + b) / 2, rtol=1e-6)
    np.testing.assert_allclose(np_(L.Maximum()([a, b, c])), np.maximum(np.maximum(a, b), c))
    np.testing.assert_allclose(np_(L.Minimum()([a, b])), np.minimum(a, b))


def test_merges_broadcast_after_the_batch_axis(rng):
    a = rng.standard_normal((2, 4, 3)).astype("float32")
    b = rng.standard_normal((2, 3)).astype("float32")
    np.testing.assert_allclose(np_(L.Add()([a, b])), a + b[:, None], rtol=1e-6)
    assert L.Add().compute_output_shape([(None, 4, 3), (None, 3)]) == (None, 4, 3)


def test_merge_errors():
    with pytest.raises(ValueError, match=r'Add "add_bad".*\(2, 3\), \(2, 4\)'):
        L.Add(name="add_bad")([np.zeros((2, 3), "float32"), np.zeros((2, 4), "float32")])
    with pytest.raises(ValueError, match="exactly 2 inputs"):
        L.Subtract()([np.zeros((1, 2), "float32")] * 3)
    with pytest.raises(ValueError, match="list of tensors"):
        L.Add()(np.zeros((2, 3), "float32"))
    with pytest.raises(ValueError, match="at least 2 inputs"):
        L.Add()([np.zeros((2, 3), "float32")])


def test_concatenate(rng):
    a = rng.standard_normal((2, 3, 2)).astype("float32")
    b = rng.standard_normal((2, 1, 2)).astype("float32")
    np.testing.assert_array_equal(np_(L.Concatenate(axis=1)([a, b])), np.concatenate([a, b], axis=1))
    assert L.Concatenate().compute_output_shape([(None, 2, 3), (None, 2, None)]) == (None, 2, None)
    with pytest.raises(ValueError, match=r'Concatenate "cat".*\(2, 3, 2\), \(2, 1, 2\).*axis -1'):
        L.Concatenate(name="cat")([a, b])
    with pytest.raises(ValueError, match="same rank"):
        L.Concatenate()([a, a[:, 0]])


def test_dot(rng):
    a = rng.standard_normal((2, 4)).astype("float32")
    b = rng.standard_normal((2, 4)).astype("float32")
    np.testing.assert_allclose(np_(L.Dot(axes=1)([a, b])), np.sum(a * b, axis=1, keepdims=True), rtol=1e-5)
    cosine = np.sum(a * b, axis=1) / np.linalg.norm(a, axis=1) / np.linalg.norm(b, axis=1)
    np.testing.assert_allclose(np_(L.Dot(axes=-1, normalize=True)([a, b]))[:, 0], cosine, rtol=1e-5)
    m = rng.standard_normal((2, 3, 4)).astype("float32")
    n = rng.standard_normal((2, 4, 5)).astype("float32")
    np.testing.assert_allclose(np_(L.Dot(axes=(2, 1))([m, n])), m @ n, rtol=1e-5, atol=1e-6)
    p = rng.standard_normal((2, 3, 5)).astype("float32")
    np.testing.assert_allclose(np_(L.Dot(axes=1)([m, p])), np.einsum("bik,bil->bkl", m, p), rtol=1e-5, atol=1e-6)
    with pytest.raises(ValueError, match=r"dot axes must have equal sizes, got 4.*and 5"):
        L.Dot(axes=(2, 2))([m, n])
    with pytest.raises(ValueError, match="batch axis"):
        L.Dot(axes=0)([a, b])
