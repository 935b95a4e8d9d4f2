"""Keras's NumPy-style numeric ops (kerafront/ops/numeric.py, statistics.py): values against NumPy itself,
Keras's result dtypes, edge values (0, -0.0, infinities, NaN), gradients against closed forms."""

import contextlib
import math
import warnings

import numpy as np
import pytest

import kerafront
from kerafront import ops

X = np.array([-3.5, -1.25, -1e-6, -0.0, 0.0, 1e-6, 0.75, 2.5, 40.0], "float32")
SPECIALS = np.array([np.inf, -np.inf, np.nan, 0.0, -0.0, 1.0], "float32")
INTS = np.array([-3, -1, 0, 2, 7], "int32")


def _close(actual, expected, rtol=2e-6, atol=0.0):
    actual = np.asarray(actual)
    assert actual.shape == np.shape(expected)
    np.testing.assert_allclose(actual.astype(np.float64), np.asarray(expected, np.float64), rtol=rtol, atol=atol,
                               equal_nan=True)


UNARY = {  # name -> (NumPy reference, input)
    "absolute": (np.absolute, X), "fabs": (np.fabs, X), "tan": (np.tan, X[:-1]), "sinh": (np.sinh, X),
    "cosh": (np.cosh, X), "arcsinh": (np.arcsinh, np.append(X, [1e20, -1e30]).astype("float32")),
    "arccosh": (np.arccosh, np.array([1.0, 1.0 + 1e-6, 1.5, 10.0, 1e20], "float32")),
    "arctanh": (np.arctanh, np.array([-0.999, -0.5, 0.0, 1e-7, 0.5, 0.99], "float32")),
    "exp2": (np.exp2, X), "log2": (np.log2, np.abs(X[X != 0])), "log10": (np.log10, np.abs(X[X != 0])),
    "cbrt": (np.cbrt, X), "trunc": (np.trunc, X), "sinc": (np.sinc, X), "deg2rad": (np.deg2rad, X),
    "rad2deg": (np.rad2deg, X), "reciprocal": (np.reciprocal, X[X != 0]), "conj": (np.conj, X),
    "conjugate": (np.conjugate, X), "real": (np.real, X), "imag": (np.imag, X), "arctan": (np.arctan, X),
    "arcsin": (np.arcsin, np.array([-1.0, -0.999, -0.5, 0.0, 1e-7, 0.7, 1.0], "float32")),
    "arccos": (np.arccos, np.array([-1.0, -0.999, -0.5, 0.0, 1e-7, 0.7, 1.0], "float32")), "angle": (np.angle, X),
}


@pytest.mark.parametrize("name", sorted(UNARY))
def test_unary_values_and_dtype_match_numpy(name):
    reference, x = UNARY[name]
    out = getattr(ops, name)(x)
    # sinc: sin(pi * 40) is 0 up to float32's rounding of pi * 40.
    _close(out, reference(x.astype(np.float64)).astype(np.float32), rtol=3e-6, atol=1e-7 if name == "sinc" else 0)
    assert ops.dtype(out) == "float32"


@pytest.mark.parametrize("name", ["sinh", "cosh", "tan", "exp2", "log2", "log10", "sinc", "cbrt", "fabs", "trunc",
                                  "arcsinh", "deg2rad"])
def test_unary_specials_match_numpy(name):
    with np.errstate(all="ignore"):
        expected = getattr(np, name)(SPECIALS)
        out = np.asarray(getattr(ops, name)(SPECIALS))
    _close(out, expected, rtol=3e-7)


def test_integer_inputs_follow_keras_dtypes():
    assert ops.dtype(ops.fabs(INTS)) == "float32"
    assert ops.dtype(ops.absolute(INTS)) == "int32"
    assert ops.dtype(ops.trunc(INTS)) == "int32"
    assert ops.dtype(ops.log2(INTS[INTS > 0])) == "float32"
    assert ops.dtype(ops.cbrt(INTS)) == "float32"
    assert ops.dtype(ops.cbrt(INTS.astype("int64"))) == "float64"
    assert ops.dtype(ops.deg2rad(INTS.astype("int64"))) == "float64"
    assert ops.dtype(ops.deg2rad(X.astype("float16"))) == "float16"
    _close(ops.reciprocal(INTS[INTS != 0]), np.reciprocal(INTS[INTS != 0]))
    assert ops.dtype(ops.reciprocal(INTS[INTS != 0])) == "int32"
    _close(ops.cbrt(np.array([8, -27], "int32")), [2.0, -3.0])


def test_signbit_and_infinity_predicates():
    np.testing.assert_array_equal(ops.signbit(SPECIALS[[0, 1, 3, 4, 5]]), np.signbit(SPECIALS[[0, 1, 3, 4, 5]]))
    np.testing.assert_array_equal(ops.signbit(INTS), np.signbit(INTS))
    for name in ("isinf", "isposinf", "isneginf"):
        np.testing.assert_array_equal(getattr(ops, name)(SPECIALS), getattr(np, name)(SPECIALS))
        np.testing.assert_array_equal(getattr(ops, name)(INTS), getattr(np, name)(INTS))
    np.testing.assert_array_equal(ops.isreal(X), np.ones(X.shape, bool))


A = np.array([-2.5, -1.0, 0.0, 0.0, 1.5, 3.0, np.nan, np.inf, -np.inf, 7.0], "float32")
B = np.array([0.5, -1.0, 0.0, 2.0, -1.0, 3.0, 1.0, 5.0, np.nan, np.inf], "float32")


@pytest.mark.parametrize("name", ["logaddexp", "logaddexp2", "hypot", "fmax", "fmin", "heaviside", "arctan2", "fmod",
                                  "true_divide"])
def test_binary_values_match_numpy(name):
    with np.errstate(all="ignore"):
        expected = getattr(np, name)(A, B)
        out = getattr(ops, name)(A, B)
    _close(out, expected, rtol=2e-6)
    assert ops.dtype(out) == "float32"


def test_binary_edge_cases():
    inf = np.float32(np.inf)
    _close(ops.logaddexp(np.array([-inf, inf, 1e30], "float32"), np.array([-inf, inf, 1e30], "float32")),
           [-np.inf, np.inf, 1e30 + math.log(2)])
    _close(ops.hypot(np.array([3e30, 3e-30], "float32"), np.array([4e30, 4e-30], "float32")), [5e30, 5e-30])
    _close(ops.fmod(np.array([7, -7, 7, -7], "int32"), np.array([3, 3, -3, -3], "int32")), [1, -1, 1, -1])
    assert ops.dtype(ops.fmod(np.array([7], "int32"), np.array([3], "int32"))) == "int32"
    _close(ops.divide_no_nan(np.array([1.0, 2.0, 0.0], "float32"), np.array([0.0, 4.0, 0.0], "float32")),
           [0.0, 0.5, 0.0])
    assert ops.dtype(ops.divide_no_nan(np.array([1], "int32"), np.array([2], "int32"))) == "float32"
    _close(ops.ldexp(np.array([1.5, -3.0], "float32"), np.array([3, -2], "int32")), np.ldexp([1.5, -3.0], [3, -2]))
    with pytest.raises(TypeError, match="ldexp"):
        ops.ldexp(np.array([1.0], "float32"), np.array([1.0], "float32"))
    assert ops.dtype(ops.heaviside(np.array([0], "int32"), np.array([1], "int32"))) == "float32"


def test_isclose_matches_numpy():
    a = np.array([1.0, 1.0, np.inf, np.inf, np.nan, 1e10, 0.0], "float32")
    b = np.array([1.0 + 1e-6, 1.1, np.inf, -np.inf, np.nan, 1.00001e10, 1e-9], "float32")
    np.testing.assert_array_equal(ops.isclose(a, b), np.isclose(a, b))
    np.testing.assert_array_equal(ops.isclose(a, b, equal_nan=True), np.isclose(a, b, equal_nan=True))
    np.testing.assert_array_equal(ops.isclose(a, b, rtol=0.2, atol=0.0), np.isclose(a, b, rtol=0.2, atol=0.0))


@pytest.mark.parametrize("name", ["bartlett", "blackman", "hamming", "hanning"])
@pytest.mark.parametrize("length", [0, 1, 2, 7, 12])
def test_windows_match_numpy(name, length):
    out = getattr(ops, name)(length)
    assert ops.dtype(out) == "float32"
    _close(out, getattr(np, name)(length), atol=1e-7)


@pytest.mark.parametrize("beta", [0.0, 5.0, 14.0])
def test_kaiser_matches_numpy(beta):
    _close(ops.kaiser(9, beta), np.kaiser(9, beta), rtol=1e-6, atol=1e-8)


def test_unary_gradients_match_closed_forms():
    x = np.array([-0.9, -0.3, 0.0, 0.4, 0.8], "float64")
    for name, derivative in {"arctan": lambda v: 1 / (1 + v * v), "arcsin": lambda v: 1 / np.sqrt(1 - v * v),
                             "arccos": lambda v: -1 / np.sqrt(1 - v * v), "angle": np.zeros_like, "sinh": np.cosh,
                             "cosh": np.sinh, "tan": lambda v: 1 / np.cos(v) ** 2,
                             "arcsinh": lambda v: 1 / np.sqrt(v * v + 1), "exp2": lambda v: np.exp2(v) * np.log(2),
                             "sinc": lambda v: np.where(v == 0, 0.0, (np.cos(np.pi * v) * np.pi * v
                                                                        - np.sin(np.pi * v)) / (np.pi * v * v
                                                                                                + (v == 0)))}.items():
        grad = ops.grad(lambda v: ops.sum(getattr(ops, name)(v)))(x)
        _close(grad, derivative(x), rtol=1e-10, atol=1e-12)


def test_binary_gradients_match_closed_forms():
    a = np.array([-1.0, 0.5, 2.0, 3.0], "float64")
    b = np.array([2.0, 0.5, -1.0, 1.0], "float64")
    ga, gb = ops.grad(lambda u, v: ops.sum(ops.logaddexp(u, v)), argnums=(0, 1))(a, b)
    _close(ga, np.exp(a) / (np.exp(a) + np.exp(b)), rtol=1e-12)
    _close(gb, np.exp(b) / (np.exp(a) + np.exp(b)), rtol=1e-12)
    ga, gb = ops.grad(lambda u, v: ops.sum(ops.hypot(u, v)), argnums=(0, 1))(a, b)
    _close(ga, a / np.hypot(a, b), rtol=1e-12)
    _close(gb, b / np.hypot(a, b), rtol=1e-12)
    a = np.array([7.5, -7.5, 5.0], "float64")
    b = np.array([2.0, 2.0, -3.0], "float64")
    ga, gb = ops.grad(lambda u, v: ops.sum(ops.fmod(u, v)), argnums=(0, 1))(a, b)
    _close(ga, [1.0, 1.0, 1.0])
    _close(gb, -np.trunc(a / b))


# ---------------------------------------------------------------------------------------------- reductions

M = np.array([[3.0, np.nan, -1.0, 4.5], [np.nan, np.nan, np.nan, np.nan], [2.0, 0.5, 8.0, -6.0]], "float32")
R = np.array([[3.0, 1.0, -1.0, 4.5, 2.0], [0.25, 7.0, 5.0, -2.0, 1.5], [2.0, 0.5, 8.0, -6.0, 9.0]], "float32")


@pytest.mark.parametrize("name", ["nansum", "nanprod", "nanmean", "nanvar", "nanstd", "nanmax", "nanmin", "nanmedian"])
@pytest.mark.parametrize("axis", [None, 0, 1, (0, 1)])
def test_nan_reductions_match_numpy(name, axis):
    with _numpy_quiet():
        expected = getattr(np, name)(M.astype(np.float64), axis=axis)
    out = getattr(ops, name)(M, axis=axis)
    _close(out, expected, rtol=2e-6)
    _close(getattr(ops, name)(M, axis=axis, keepdims=True), np.reshape(expected, _keep_shape(M.shape, axis)),
           rtol=2e-6)


@contextlib.contextmanager
def _numpy_quiet():
    """NumPy's reference warns on all-NaN slices (the result, NaN, is what is compared)."""
    with warnings.catch_warnings(), np.errstate(all="ignore"):
        warnings.simplefilter("ignore", RuntimeWarning)
        yield


def _keep_shape(shape, axis):
    axes = range(len(shape)) if axis is None else (axis,) if isinstance(axis, int) else axis
    return tuple(1 if a in axes else s for a, s in enumerate(shape))


def test_nan_args_and_cumulative():
    _close(ops.nanargmax(M, axis=1), [3, -1, 2])
    _close(ops.nanargmin(M, axis=1), [2, -1, 3])
    _close(ops.nanargmax(INTS), np.argmax(INTS))
    _close(ops.nancumsum(M, axis=1), np.nancumsum(M, axis=1))
    _close(ops.nancumprod(M, axis=0), np.nancumprod(M, axis=0))
    _close(ops.cumprod(R, axis=1), np.cumprod(R, axis=1), rtol=1e-6)
    _close(ops.cumprod(R), np.cumprod(R), rtol=1e-5)
    assert ops.dtype(ops.cumprod(np.array([True, False, True]))) == "int32"
    assert ops.dtype(ops.nansum(np.array([1, 2], "int8"))) == "int32"
    _close(ops.count_nonzero(np.array([[0, 1, 2], [0, 0, 3]]), axis=1), [2, 1])
    assert ops.dtype(ops.count_nonzero(np.array([0, 1]))) == "int32"


@pytest.mark.parametrize("method", ["linear", "lower", "higher", "midpoint", "nearest"])
@pytest.mark.parametrize("axis", [None, 0, 1, (0, 1)])
def test_quantiles_match_numpy(method, axis):
    q = np.array([0.0, 0.2, 0.5, 0.9, 1.0])
    _close(ops.quantile(R, q, axis=axis, method=method), np.quantile(R, q, axis=axis, method=method), rtol=1e-6,
           atol=1e-6)
    _close(ops.quantile(R, 0.3, axis=axis, method=method, keepdims=True),
           np.quantile(R, 0.3, axis=axis, method=method, keepdims=True), rtol=1e-6)
    _close(ops.percentile(R, [10.0, 75.0], axis=axis, method=method),
           np.percentile(R, [10.0, 75.0], axis=axis, method=method), rtol=1e-6)
    with _numpy_quiet():
        expected = np.nanquantile(M, q, axis=axis, method=method)
    _close(ops.nanquantile(M, q, axis=axis, method=method), expected, rtol=1e-6)


def test_median_percentile_and_nan_propagation():
    _close(ops.median(R, axis=1), np.median(R, axis=1))
    _close(ops.median(M, axis=1), np.median(M, axis=1))
    _close(ops.nanpercentile(M[[0, 2]], 40.0, axis=1), np.nanpercentile(M[[0, 2]], 40.0, axis=1))
    assert ops.dtype(ops.median(np.array([1, 2, 4], "int32"))) == "float32"
    _close(ops.median(np.array([1, 2, 4, 7], "int32")), 3.0)
    with pytest.raises(ValueError, match="quantile: method"):
        ops.quantile(R, 0.5, method="inverted_cdf")


def test_simple_reductions():
    _close(ops.amax(R, axis=0), np.amax(R, axis=0))
    _close(ops.amin(R, axis=1, keepdims=True), np.amin(R, axis=1, keepdims=True))
    _close(ops.ptp(R, axis=1), np.ptp(R, axis=1))
    _close(ops.average(R, axis=1), np.average(R, axis=1))
    w = np.array([1.0, 2.0, 0.5, 0.0, 3.0], "float32")
    _close(ops.average(R, axis=1, weights=w), np.average(R, axis=1, weights=w), rtol=1e-6)
    _close(ops.average(R, weights=np.abs(R)), np.average(R, weights=np.abs(R)), rtol=1e-6)
    assert ops.dtype(ops.average(INTS)) == "float32"
    with pytest.raises(ValueError, match="average"):
        ops.average(R, axis=1, weights=w[:3])
    _close(ops.corrcoef(R), np.corrcoef(R), rtol=1e-5, atol=1e-6)
    _close(ops.corrcoef(R[0]), np.corrcoef(R[0]))


def test_quantile_gradient_is_the_interpolation_weights():
    x = np.array([4.0, 1.0, 3.0, 2.0], "float64")   # sorted: 1 2 3 4; q=0.5 -> position 1.5 -> 2 and 3, 1/2 each
    _close(ops.grad(lambda v: ops.quantile(v, 0.5))(x), [0.0, 0.0, 0.5, 0.5])
    _close(ops.grad(lambda v: ops.sum(ops.cumprod(v)))(x), [11.0, 40.0, 12.0, 12.0])


def test_nan_mean_gradient_ignores_missing_entries():
    x = np.array([1.0, np.nan, 3.0, 6.0], "float64")
    _close(ops.grad(lambda v: ops.nanmean(v))(x), [1 / 3, 0.0, 1 / 3, 1 / 3])


def test_names_are_exported():
    for name in ("arcsinh", "nanquantile", "kaiser", "corrcoef"):
        assert name in ops.COMPOSITE_NAMES
        assert getattr(kerafront.ops, name).__module__.startswith("kerafront.ops")


# ---------------------------------------------------------------------------------------------- Keras itself

NUMERIC_NAMES = sorted(set(ops.numeric.__all__) | set(ops.statistics.__all__) | set(ops.bitwise.__all__)
                       | {"arctan2"})


def test_signatures_match_keras():
    import inspect
    keras = pytest.importorskip("keras")
    for name in NUMERIC_NAMES:
        ours = inspect.signature(getattr(ops, name))
        theirs = inspect.signature(getattr(keras.ops, name))
        assert [(p.name, p.default) for p in ours.parameters.values()] == [
            (p.name, p.default) for p in theirs.parameters.values()], name


KERAS_CALLS = [  # (name, args, kwargs): values and dtypes compared with keras.ops on the same inputs
    ("sinh", (X,), {}), ("arctanh", (np.array([-0.5, 0.25], "float32"),), {}), ("cbrt", (INTS,), {}),
    ("log10", (np.abs(X) + 1,), {}), ("logaddexp", (A[:6], B[:6]), {}), ("hypot", (INTS, INTS[::-1]), {}),
    ("fmod", (A[:6], B[:6]), {}), ("heaviside", (X, np.float32(0.5)), {}), ("divide_no_nan", (A[:6], B[:6]), {}),
    ("isclose", (A, B), {"equal_nan": True}), ("signbit", (X,), {}), ("trunc", (X,), {}),
    ("nanmean", (M,), {"axis": 1}), ("nanvar", (M,), {"axis": 0}), ("nanmax", (M,), {"axis": 1}),
    ("nanargmax", (M,), {"axis": 1}), ("nansum", (np.array([1, 2], "int8"),), {}),
    ("quantile", (R, np.array([0.1, 0.5])), {"axis": 1, "method": "midpoint"}),
    ("nanpercentile", (M, 30.0), {"axis": 1}), ("median", (INTS,), {}), ("ptp", (R,), {"axis": 0}),
    ("average", (R,), {"axis": 1, "weights": np.array([1.0, 2.0, 0.5, 0.0, 3.0], "float32")}),
    ("cumprod", (R,), {"axis": 1}), ("count_nonzero", (INTS,), {}), ("corrcoef", (R,), {}),
    ("kaiser", (6, 3.0), {}), ("arctan2", (INTS, INTS[::-1]), {}), ("arccos", (np.array([-1.0, 0.3], "float32"),), {}),
    ("angle", (X,), {}), ("bitwise_xor", (INTS, np.int32(6)), {}), ("right_shift", (INTS, 1), {}),
]


@pytest.mark.parametrize("name,args,kwargs", KERAS_CALLS, ids=[c[0] for c in KERAS_CALLS])
def test_values_and_dtypes_match_keras(name, args, kwargs):
    keras = pytest.importorskip("keras")
    with _numpy_quiet():
        expected = getattr(keras.ops, name)(*args, **kwargs)
    out = getattr(ops, name)(*args, **kwargs)
    assert ops.dtype(out) == keras.backend.standardize_dtype(expected.dtype)
    _close(out, keras.ops.convert_to_numpy(expected), rtol=1e-5, atol=1e-6)


# ---------------------------------------------------------------------------------------------- bitwise

@pytest.mark.parametrize("dtype", ["int8", "int16", "int32", "int64", "uint8"])
def test_bitwise_ops_match_numpy_bit_for_bit(dtype):
    info = np.iinfo(dtype)
    rng = np.random.default_rng(3)
    a = rng.integers(info.min, info.max, 40, endpoint=True).astype(dtype)
    b = rng.integers(info.min, info.max, 40, endpoint=True).astype(dtype)
    a[:3], b[:3] = (info.min, info.max, 0), (info.max, info.min, info.min)
    for name in ("bitwise_and", "bitwise_or", "bitwise_xor"):
        out = getattr(ops, name)(a, b)
        assert ops.dtype(out) == dtype
        np.testing.assert_array_equal(out, getattr(np, name)(a, b))
    np.testing.assert_array_equal(ops.bitwise_invert(a), np.invert(a))
    np.testing.assert_array_equal(ops.bitwise_not(a), np.invert(a))
    shifts = rng.integers(0, 6, 40).astype(dtype)
    np.testing.assert_array_equal(ops.left_shift(a, shifts), np.left_shift(a, shifts))
    np.testing.assert_array_equal(ops.right_shift(a, shifts), np.right_shift(a, shifts))


def test_bitwise_hand_values_and_errors():
    np.testing.assert_array_equal(ops.bitwise_and(np.array([12, -1], "int32"), 10), [8, 10])     # 1100 & 1010
    np.testing.assert_array_equal(ops.bitwise_or(np.array([12, -16], "int32"), 3), [15, -13])
    np.testing.assert_array_equal(ops.bitwise_xor(np.array([True, False]), np.array([True, True])), [False, True])
    np.testing.assert_array_equal(ops.bitwise_left_shift(np.array([1, -3], "int32"), 4), [16, -48])
    np.testing.assert_array_equal(ops.bitwise_right_shift(np.array([-7, 7], "int32"), 1), [-4, 3])
    with pytest.raises(TypeError, match="bitwise_and"):
        ops.bitwise_and(np.array([1.5], "float32"), np.array([1], "int32"))
    with pytest.raises(TypeError, match="bitwise_invert"):
        ops.bitwise_invert(np.array([1.5], "float32"))


@pytest.mark.parametrize("dtype", ["int8", "int16", "int32", "int64", "uint8"])
def test_gcd_and_lcm_match_numpy(dtype):
    rng = np.random.default_rng(4)
    low = 0 if dtype == "uint8" else -50
    a = rng.integers(low, 50, (4, 6)).astype(dtype)
    b = rng.integers(low, 50, (6,)).astype(dtype)
    a[0, :3], b[:2] = 0, 0
    for name in ("gcd", "lcm"):
        out = getattr(ops, name)(a, b)
        assert ops.dtype(out) == dtype
        np.testing.assert_array_equal(out, getattr(np, name)(a, b))


def test_gcd_and_lcm_hand_values():
    np.testing.assert_array_equal(ops.gcd(np.array([12, -18, 0, 17], "int32"), 8), [4, 2, 8, 1])
    np.testing.assert_array_equal(ops.lcm(np.array([4, 6, 0, -3], "int32"), np.array([6, 4, 5, 7], "int32")),
                                  [12, 12, 0, 21])
    np.testing.assert_array_equal(ops.gcd(np.int32(0), np.int32(0)), 0)


def test_symbolic_inputs_infer_shapes():
    batch = kerafront.Input((4,))
    assert ops.quantile(batch, [0.2, 0.5], axis=-1).shape == (2, None)
    assert ops.nanmedian(batch, axis=1, keepdims=True).shape == (None, 1)
    assert ops.logaddexp(batch, batch).shape == (None, 4)
    assert ops.gcd(kerafront.Input((3,), dtype="int32"), 4).shape == (None, 3)
    with pytest.raises(ValueError, match="median: the reduced axes"):
        ops.median(batch)
