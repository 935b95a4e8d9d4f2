"""kerafront's signal, segment and special-function ops against Keras 3 itself (on JAX, see conftest.py) and closed
forms. The conformance tables (conformance_tests/cases/signal.py) check them against NumPy on every backend."""

import math

import numpy as np
import pytest

import kerafront
from kerafront import ops

keras = pytest.importorskip("keras")

RNG = np.random.default_rng(18)
X = RNG.normal(size=(2, 37)).astype("float32")


def _np(x):
    return np.asarray(x)


@pytest.mark.parametrize("name", ["fft", "fft2", "ifft2"])
def test_complex_transforms_match_keras(name):
    pair = (RNG.normal(size=(2, 3, 6)).astype("float32"), RNG.normal(size=(2, 3, 6)).astype("float32"))
    ours, theirs = getattr(ops, name)(pair), getattr(keras.ops, name)(pair)
    for a, b in zip(ours, theirs):
        np.testing.assert_allclose(_np(a), _np(b), rtol=1e-5, atol=1e-5)


@pytest.mark.parametrize("fft_length", [None, 16, 25, 40])
def test_rfft_and_irfft_match_keras(fft_length):
    real, imag = ops.rfft(X, fft_length)
    k_real, k_imag = keras.ops.rfft(X, fft_length)
    np.testing.assert_allclose(real, _np(k_real), rtol=1e-5, atol=1e-4)
    np.testing.assert_allclose(imag, _np(k_imag), rtol=1e-5, atol=1e-4)
    np.testing.assert_allclose(ops.irfft((real, imag), fft_length), _np(keras.ops.irfft((k_real, k_imag), fft_length)),
                               rtol=1e-5, atol=1e-5)


@pytest.mark.parametrize("args", [(16, 4, 16, "hann", True), (10, 3, 16, "hamming", True), (8, 4, 8, None, False),
                                  (7, 2, 12, "hann", False)], ids=["hann", "hamming_padded", "no_window", "odd"])
def test_stft_and_istft_match_keras(args):
    sequence_length, stride, fft_length, window, center = args
    ours = ops.stft(X, sequence_length, stride, fft_length, window, center)
    theirs = keras.ops.stft(X, sequence_length, stride, fft_length, window, center)
    for a, b in zip(ours, theirs):
        assert a.shape == b.shape
        np.testing.assert_allclose(a, _np(b), rtol=1e-5, atol=1e-5)
    for length in (None, 30):
        back = ops.istft(ours, sequence_length, stride, fft_length, length, window, center)
        k_back = keras.ops.istft(theirs, sequence_length, stride, fft_length, length, window, center)
        np.testing.assert_allclose(back, _np(k_back), rtol=1e-5, atol=1e-5)


def test_stft_then_istft_reconstructs_the_signal():
    """Hann at 75% overlap satisfies the overlap-add condition: istft(stft(x)) == x (a closed form, not Keras)."""
    spectrum = ops.stft(X, 16, 4, 16)
    np.testing.assert_allclose(ops.istft(spectrum, 16, 4, 16, length=37), X, atol=1e-5)


def test_stft_docstring_example():
    real, imag = ops.stft(np.array([0.0, 1.0, 2.0, 3.0, 4.0], "float32"), 3, 2, 3)
    np.testing.assert_allclose(real, [[0.75, -0.375], [3.75, -1.875], [5.25, -2.625]], atol=1e-6)
    np.testing.assert_allclose(imag, [[0.0, 0.64951905], [0.0, 0.64951905], [0.0, -0.64951905]], atol=1e-6)


def test_extract_sequences_matches_keras():
    np.testing.assert_array_equal(ops.extract_sequences(np.arange(1, 7), 3, 2), [[1, 2, 3], [3, 4, 5]])
    np.testing.assert_allclose(ops.extract_sequences(X, 5, 3), _np(keras.ops.extract_sequences(X, 5, 3)))


@pytest.mark.parametrize("name", ["segment_sum", "segment_max", "segment_min", "segment_prod"])
@pytest.mark.parametrize("dtype", ["float32", "int32"])
def test_segments_match_keras_on_jax(name, dtype):
    """Unsorted ids, an empty segment (JAX's fill values) and an id outside [0, num_segments) (dropped)."""
    data = RNG.integers(-5, 6, size=(7, 2)).astype(dtype)
    ids = np.array([3, 0, 3, 1, 0, 5, 1], "int32")
    ours = getattr(ops, name)(data, ids, num_segments=4)
    theirs = getattr(keras.ops, name)(data, ids, num_segments=4)
    assert str(ours.dtype) == dtype
    np.testing.assert_array_equal(ours, _np(theirs))


def test_segment_sum_infers_num_segments_and_documents_example():
    data, ids = np.array([1, 2, 10, 20, 100, 200]), np.array([0, 0, 1, 1, 2, 2])
    np.testing.assert_array_equal(ops.segment_sum(data, ids), [3, 30, 300])
    np.testing.assert_array_equal(ops.segment_prod(data, ids, 3), [2, 200, 20000])


def test_special_functions_match_keras_and_closed_forms():
    x = np.linspace(-0.99, 0.99, 23)
    np.testing.assert_allclose(ops.erf(ops.erfinv(x)), x, rtol=1e-12)
    np.testing.assert_allclose(ops.erfinv(x.astype("float32")), _np(keras.ops.erfinv(x.astype("float32"))),
                               rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(ops.erfc(np.array([5.0, 10.0])), [math.erfc(5.0), math.erfc(10.0)], rtol=1e-14)
    np.testing.assert_allclose(ops.erfc(x.astype("float32")), _np(keras.ops.erfc(x.astype("float32"))), rtol=1e-6)
    np.testing.assert_allclose(ops.numpy.i0(np.array([0.0, 1.0, 10.0, 50.0])),
                               [1.0, 1.2660658777520082, 2815.716628466254, 2.93255378384933e20], rtol=1e-13)
    np.testing.assert_allclose(ops.i0(x.astype("float32") * 9), _np(keras.ops.i0(x.astype("float32") * 9)), rtol=1e-6)
    np.testing.assert_array_equal(ops.numpy.nextafter(np.float32([1, 1]), np.float32([2, 0])),
                                  np.float32([1.0000001, 0.99999994]))


@pytest.mark.parametrize("x, name", [(np.int32([1, 2]), "i0"), (np.int32([0]), "erfinv"), (np.int32([0]), "erfc")])
def test_result_dtypes_match_keras(x, name):
    assert str(getattr(ops, name)(x).dtype) == str(_np(getattr(keras.ops, name)(x)).dtype)


def test_gradients_are_the_closed_forms():
    """d/dx erfinv = sqrt(pi)/2 exp(erfinv(x)^2); d/dx i0 = i1; the VJP of an unscaled DFT is n * ifft."""
    x = np.array([-0.8, 0.1, 0.6])
    np.testing.assert_allclose(ops.grad(lambda v: ops.sum(ops.erfinv(v)))(x),
                               math.sqrt(math.pi) / 2 * np.exp(ops.erfinv(x) ** 2), rtol=1e-12)
    i1 = np.array([0.5651591039924851, 2670.988303701255])  # scipy.special.i1(1), i1(10)
    np.testing.assert_allclose(ops.grad(lambda v: ops.sum(ops.i0(v)))(np.array([1.0, 10.0])), i1, rtol=1e-12)
    re, im = RNG.normal(size=(2, 5)), RNG.normal(size=(2, 5))
    weights = RNG.normal(size=(2, 5))
    grad = ops.grad(lambda r: ops.sum(ops.multiply(ops.fft((r, ops.convert_to_tensor(im)))[0], weights)))(re)
    np.testing.assert_allclose(grad, 5 * np.real(np.fft.ifft(weights)), rtol=1e-12, atol=1e-12)


def test_symbolic_shapes():
    x = kerafront.KerasTensor((None, 37), "float32")
    real, imag = ops.stft(x, 16, 4, 16)
    assert real.shape == (None, 10, 9) == imag.shape
    assert ops.istft((real, imag), 16, 4, 16).shape == (None, 36)
    assert ops.rfft(x)[0].shape == (None, 19)
    assert ops.segment_max(kerafront.KerasTensor((5, 3)), np.zeros(5, "int32"), 2).shape == (2, 3)


@pytest.mark.parametrize("call, message", [
    (lambda: ops.fft(np.ones(3, "float32")), "fft: x must be a tuple"),
    (lambda: ops.fft((np.ones(3, "float32"), np.ones(4, "float32"))), "same shape"),
    (lambda: ops.stft(np.ones(8, "int32"), 4, 2, 4), "float32 or float64"),
    (lambda: ops.stft(np.ones(8, "float32"), 4, 2, 2), "fft_length"),
    (lambda: ops.stft(np.ones(8, "float32"), 4, 2, 4, window="kaiser"), "hann"),
    (lambda: ops.stft(np.ones(8, "float32"), 4, 2, 4, window=np.ones(3)), "window must have shape"),
    (lambda: ops.segment_sum(np.ones((2, 2)), np.zeros((2, 2), "int32"), 1), "1-D"),
    (lambda: ops.segment_sum(np.ones(3), np.zeros(3, "float32"), 1), "integer"),
    (lambda: ops.irfft((np.ones(1, "float32"), np.ones(1, "float32"))), "output length"),
    (lambda: ops.segment_max(kerafront.KerasTensor((3,)), kerafront.KerasTensor((3,), "int32")), "num_segments"),
])
def test_bad_input_is_a_clear_error(call, message):
    with pytest.raises((ValueError, TypeError), match=message):
        call()
