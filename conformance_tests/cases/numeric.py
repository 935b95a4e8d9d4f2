"""Cases for Keras's NumPy-style numeric composites (kerafront/ops/numeric.py and statistics.py), against NumPy.

Inputs stay inside each op's domain and away from its kinks and ties; NaN rows are value-only. The
kink rows sit exactly where a composite's own ``where``/``abs``/``maximum`` picks a side, with the
gradient of the closed form there.
"""

import warnings

import numpy as np

from conformance_tests.cases import NON_DIFFERENTIABLE_COMPOSITES, Gen, T, add
from conformance_tests.cases.kinks import NO_KINK_ROWS

g = Gen("numeric")

NON_DIFFERENTIABLE_COMPOSITES.update({
    "trunc": "piecewise constant (floor and ceil): its gradient is 0 wherever it exists",
    "heaviside": "piecewise constant in x1; x2 only shows at x1 == 0",
    "signbit": "boolean output", "isinf": "boolean output", "isposinf": "boolean output",
    "isneginf": "boolean output", "isclose": "boolean output", "isreal": "boolean output",
    "imag": "constant output (kerafront tensors are real)",
    "count_nonzero": "integer output", "nanargmax": "integer output", "nanargmin": "integer output",
    "bartlett": "constant output of a window length", "blackman": "constant output of a window length",
    "hamming": "constant output of a window length", "hanning": "constant output of a window length",
    "kaiser": "constant output of a window length",
})

NO_KINK_ROWS.update({
    name: reason for names, reason in (
        (("fabs", "absolute"), "abs's own rows check its kink at 0"),
        (("arcsinh",), "`where` takes |x| so that the gradient at 0 is 1 (row arcsinh-at_zero) and switches to "
                       "log(2|x|) at 1e18, where both forms agree to rounding"),
        (("arccosh",), "`where` switches to log(2x) at 1e18, where both forms agree to rounding"),
        (("cbrt",), "sign and abs meet at 0, where the cube root's derivative is infinite (no gradient row)"),
        (("logaddexp", "logaddexp2"), "at x1 == x2 the symmetric form gives 1/2 each (rows at_tie); `where` only "
                                      "replaces non-finite inputs"),
        (("hypot",), "`where` only guards 0 and infinite inputs; at x1 == x2 maximum's tie rule is exact, since "
                     "hypot is m * sqrt((a/m)**2 + (b/m)**2) with the same m on both paths (row at_tie)"),
        (("fmax", "fmin"), "`where` picks by isnan only; ties are maximum's/minimum's rows"),
        (("fmod",), "its value jumps where x1 / x2 is an integer (no gradient there); `where` picks by signs"),
        (("divide_no_nan",), "`where` picks by x2 == 0, where the result is the constant 0 (row zero_divisor)"),
        (("sinc",), "`where` picks by x == 0, where the gradient is 0 (row at_zero)"),
        (("amax", "amin", "ptp"), "max's and min's own rows check their ties"),
        (("nanmax", "nanmin"), "`where` picks by isnan; ties are max's and min's rows"),
        (("nanmean", "nanvar", "nanstd", "nansum", "nanprod", "nancumsum", "nancumprod"),
         "`where` picks by isnan only, never by comparing values"),
        (("quantile", "percentile", "median", "nanquantile", "nanpercentile", "nanmedian"),
         "sort's rows check ties; `where` and clip pick interpolation ends from the position q * (n - 1), "
         "a constant of the data"),
        (("heaviside", "isclose", "nanargmax", "nanargmin", "trunc"),
         "no gradient (NON_DIFFERENTIABLE_COMPOSITES); its `where` rows are value rows at 0, equality and NaN"),
        (("angle",), "piecewise constant (0 or pi by the sign bit): its gradient is 0; row signed_zeros checks -0.0"),
        (("reciprocal",), "`where` is on the integer path only (|x| == 1), which has no gradient"),
        (("corrcoef",), "clip to [-1, 1] only trims rounding; the exact +-1 diagonal has a zero gradient"),
    ) for name in names})


def _quiet(fn):
    """NumPy's reference warns on NaN slices; the NaN it returns is what is compared."""
    def reference(*args, **kwargs):
        with warnings.catch_warnings(), np.errstate(all="ignore"):
            warnings.simplefilter("ignore", RuntimeWarning)
            return fn(*args, **kwargs)
    return reference


x = g.away((2, 5), points=(0.0,), low=-3, high=3)
positive = g.positive((2, 5), low=0.2, high=4.0)
ints = g.ints((2, 4), -4, 5)

UNARY = {  # name -> (NumPy reference, input)
    "absolute": (np.absolute, x), "fabs": (np.fabs, x), "conj": (np.conj, x), "conjugate": (np.conjugate, x),
    "real": (np.real, x), "tan": (np.tan, g.uniform((2, 5), -1.3, 1.3)), "sinh": (np.sinh, x),
    "cosh": (np.cosh, x), "arcsinh": (np.arcsinh, g.uniform((2, 5), -30, 30)),
    "arccosh": (np.arccosh, g.uniform((2, 5), 1.1, 20)), "arctanh": (np.arctanh, g.uniform((2, 5), -0.9, 0.9)),
    "exp2": (np.exp2, x), "log2": (np.log2, positive), "log10": (np.log10, positive), "cbrt": (np.cbrt, x),
    "sinc": (np.sinc, x), "deg2rad": (np.deg2rad, x * 60), "rad2deg": (np.rad2deg, x),
    "reciprocal": (np.reciprocal, x), "arctan": (np.arctan, x * 3), "arcsin": (np.arcsin, g.uniform((2, 5), -0.9, 0.9)),
    "arccos": (np.arccos, g.uniform((2, 5), -0.9, 0.9)), "angle": (np.angle, x),
}
for op, (ref, values) in UNARY.items():
    add(op, "f32", T(values), dtype="float32", expect=ref)
    add(op, "f32_0d", T(values[0, 0]), dtype="float32", expect=ref)
    add(op, "empty", T(np.zeros((0, 3), "float32")), dtype="float32", expect=ref, grad=False)
for op, dtype in (("fabs", "float32"), ("absolute", "int32"), ("exp2", "float32"), ("cbrt", "float32"),
                  ("sinh", "float32"), ("deg2rad", "float32"), ("real", "int32")):
    add(op, "int32", T(ints), dtype=dtype, expect=getattr(np, op))
add("arctan", "int32", T(ints), dtype="float32", expect=lambda v: np.arctan(v).astype("float32"))
add("angle", "signed_zeros", T(np.array([-0.0, 0.0, -2.0, 3.0, np.nan], "float32")), dtype="float32",
    expect=np.angle, grad=False)
add("arcsin", "domain_edges", T(np.array([-1.0, 1.0, 1.5, -2.0], "float32")), dtype="float32",
    expect=_quiet(np.arcsin), grad=False)
add("arccos", "domain_edges", T(np.array([-1.0, 1.0, 1.5, 0.0], "float32")), dtype="float32",
    expect=_quiet(np.arccos), grad=False)

add("cbrt", "int64", T(ints.astype("int64")), dtype="float64", expect=np.cbrt)
add("rad2deg", "f16", T(x.astype("float16")), dtype="float16", expect=np.rad2deg, tol="loose")
add("arcsinh", "at_zero", T(np.zeros((3,), "float32")), dtype="float32", expect=np.arcsinh, fd=False)
add("arcsinh", "huge", T(np.array([1e20, -3e25, 1e38], "float32")), dtype="float32", expect=np.arcsinh, grad=False)
add("sinc", "at_zero", T(np.array([0.0, 1.0, -2.0], "float32")), dtype="float32", expect=np.sinc, fd=False)
add("trunc", "f32", T(g.away((2, 5), points=(-2.0, -1.0, 0.0, 1.0, 2.0))), dtype="float32", expect=np.trunc)
add("trunc", "int32", T(ints), dtype="int32", expect=np.trunc)
add("reciprocal", "int32", T(np.array([1, -1, 2, -3, 5], "int32")), dtype="int32", expect=np.reciprocal)
add("imag", "f32", T(x), dtype="float32", expect=np.imag)
add("isreal", "f32", T(x), dtype="bool", expect=np.isreal)

special = np.array([0.0, -0.0, np.inf, -np.inf, np.nan, -1.5, 3.0], "float32")
for op in ("isinf", "isposinf", "isneginf"):
    add(op, "special_values", T(special), dtype="bool", expect=getattr(np, op))
    add(op, "int32", T(ints), dtype="bool", expect=getattr(np, op))
add("signbit", "special_values", T(special[[0, 1, 2, 3, 5, 6]]), dtype="bool", expect=np.signbit)
add("signbit", "int32", T(ints), dtype="bool", expect=np.signbit)
for op in ("sinh", "cosh", "tan", "exp2", "log2", "sinc", "fabs", "trunc"):
    add(op, "special_values", T(special), dtype="float32", expect=_quiet(getattr(np, op)), grad=False)

a, b = g.distinct((2, 5), spacing=0.4), g.distinct((5,), spacing=0.6)
BINARY = {
    "logaddexp": np.logaddexp, "logaddexp2": np.logaddexp2, "hypot": np.hypot, "fmax": np.fmax, "fmin": np.fmin,
    "true_divide": np.true_divide,
}
for op, ref in BINARY.items():
    divisor = np.where(np.abs(b) < 0.2, 0.5, b).astype("float32") if op == "true_divide" else b
    add(op, "f32_broadcast", T(a), T(divisor), dtype="float32", expect=ref)
    add(op, "python_scalar", T(a), 1.5, dtype="float32", expect=ref)
    add(op, "f32_0d", T(a[0, 0]), T(divisor[1]), dtype="float32", expect=ref)
for op in ("logaddexp", "hypot"):
    add(op, "at_tie", T(np.array([1.5, -2.0], "float32")), T(np.array([1.5, -2.0], "float32")), dtype="float32",
        expect=BINARY[op], fd=False)
    add(op, "int32", T(ints), T(ints[::-1]), dtype="float32", expect=lambda u, v, op=op: getattr(np, op)(
        u.astype("float32"), v.astype("float32")))
specials_b = np.array([1.0, np.nan, np.nan, np.inf, -np.inf, np.inf, 2.0], "float32")
for op in ("logaddexp", "logaddexp2", "hypot", "fmax", "fmin"):
    add(op, "special_values", T(special), T(specials_b), dtype="float32", expect=_quiet(getattr(np, op)),
        grad=False)
add("fmax", "int32", T(ints), T(ints[::-1]), dtype="int32", expect=np.fmax)

numerators = np.array([7.5, -7.5, 5.2, -5.2, 0.7, 3.9], "float32")
denominators = np.array([2.0, 2.0, -1.5, -1.5, 0.5, 1.7], "float32")
add("fmod", "f32_signs", T(numerators), T(denominators), dtype="float32", expect=np.fmod)
add("fmod", "int32", T(np.array([7, -7, 7, -7], "int32")), T(np.array([3, 3, -3, -3], "int32")), dtype="int32",
    expect=np.fmod)
# At x2 == 0 the result is the constant 0, but finite differences cross the pole at 0: VJP rows only there.
add("divide_no_nan", "zero_divisor", T(a[0]), T(np.array([0.0, 2.0, -0.5, 0.0, 1.5], "float32")), dtype="float32",
    expect=lambda u, v: np.where(v == 0, 0.0, u / np.where(v == 0, 1.0, v)), fd=False)
add("divide_no_nan", "f32", T(a), T(np.array([0.5, 2.0, -0.5, 1.0, 1.5], "float32")), dtype="float32",
    expect=np.divide)
add("divide_no_nan", "int32", T(ints), T(np.abs(ints[::-1])), dtype="float32",
    expect=_quiet(lambda u, v: np.where(v == 0, 0.0, u / np.where(v == 0, 1, v))))
add("ldexp", "f32", T(a[0]), T(np.array([3, -2, 0, 1, 5], "int32")), dtype="float32", expect=np.ldexp)
add("heaviside", "f32", T(np.array([-1.5, 0.0, 2.0, 0.0], "float32")), T(np.array([0.5, 0.25, 7.0, -1.0], "float32")),
    dtype="float32", expect=np.heaviside)
add("heaviside", "int32", T(np.array([-1, 0, 2], "int32")), T(np.array([1, 1, 1], "int32")), dtype="float32",
    expect=lambda u, v: np.heaviside(u, v).astype("float32"))
close_a = np.array([1.0, 1.0, np.inf, np.inf, np.nan, 1e10, 0.0], "float32")
close_b = np.array([1.0 + 1e-6, 1.1, np.inf, -np.inf, np.nan, 1.00001e10, 1e-9], "float32")
# arctan2 is a spec primitive (atan2 on every backend): quadrants, signed zeros, infinities, promotion.
g2 = Gen("numeric_arctan2")
y_values, x_values = g2.normal((2, 5)), g2.normal((5,))
add("arctan2", "f32_broadcast", T(y_values), T(x_values), dtype="float32", expect=np.arctan2)
add("arctan2", "python_scalar", T(y_values), -1.5, dtype="float32", expect=np.arctan2)
add("arctan2", "python_scalar_left", 2.0, T(x_values), dtype="float32", expect=np.arctan2)
add("arctan2", "f32_0d", T(y_values[0, 0]), T(x_values[2]), dtype="float32", expect=np.arctan2)
add("arctan2", "empty", T(np.zeros((0, 2), "float32")), T(np.zeros((2,), "float32")), dtype="float32",
    expect=np.arctan2, grad=False)
add("arctan2", "int32", T(ints), T(ints[::-1]), dtype="float32",
    expect=lambda u, v: np.arctan2(u, v).astype("float32"))
add("arctan2", "f16", T(y_values.astype("float16")), T(x_values.astype("float16")), dtype="float16",
    expect=np.arctan2, tol="loose")
add("arctan2", "f64", T(y_values.astype("float64")), T(x_values.astype("float64")), dtype="float64",
    expect=np.arctan2)
add("arctan2", "special_values", T(np.array([0.0, -0.0, 0.0, -0.0, np.inf, -np.inf, 1.0, np.nan], "float32")),
    T(np.array([-0.0, -0.0, 0.0, 0.0, np.inf, 1.0, -np.inf, 1.0], "float32")), dtype="float32", expect=np.arctan2,
    grad=False)
add("isclose", "special_values", T(close_a), T(close_b), dtype="bool", expect=np.isclose)
add("isclose", "equal_nan", T(close_a), T(close_b), kwargs={"equal_nan": True, "rtol": 0.2}, dtype="bool",
    expect=lambda u, v, equal_nan, rtol: np.isclose(u, v, rtol=rtol, equal_nan=equal_nan))

for op in ("bartlett", "blackman", "hamming", "hanning"):
    add(op, "length_7", 7, dtype="float32", expect=getattr(np, op), tol="loose")
    add(op, "length_1", 1, dtype="float32", expect=getattr(np, op))
add("kaiser", "length_9", 9, 5.0, dtype="float32", expect=np.kaiser, tol="loose")

# Reductions.
r = g.distinct((3, 5), spacing=0.3)
with_nan = r.copy()
with_nan[0, 1] = with_nan[2, 4] = np.nan
all_nan_row = with_nan.copy()
all_nan_row[1] = np.nan
for op, ref in (("amax", np.amax), ("amin", np.amin), ("ptp", np.ptp)):
    add(op, "axis1", T(r), kwargs={"axis": 1}, dtype="float32", expect=ref)
    add(op, "all_keepdims", T(r), kwargs={"axis": None, "keepdims": True}, dtype="float32", expect=ref)
add("average", "plain", T(r), kwargs={"axis": 0}, dtype="float32", expect=lambda v, axis: np.average(v, axis=axis))
add("average", "weights_1d", T(r), kwargs={"axis": 1, "weights": T(g.positive((5,)))}, dtype="float32",
    expect=lambda v, axis, weights: np.average(v, axis=axis, weights=weights))
add("average", "weights_full", T(r), kwargs={"weights": T(g.positive((3, 5)))}, dtype="float32",
    expect=lambda v, weights: np.average(v, weights=weights))
add("average", "int32", T(ints), dtype="float32", expect=lambda v: np.average(v).astype("float32"))
add("count_nonzero", "axis1", T(np.array([[0, 1, 2], [0, 0, 3]], "int32")), kwargs={"axis": 1}, dtype="int32",
    expect=lambda v, axis: np.count_nonzero(v, axis=axis))
add("count_nonzero", "f32_all", T(np.array([0.0, -0.0, 2.5, np.nan], "float32")), dtype="int32",
    expect=np.count_nonzero)
add("cumprod", "axis1", T(g.uniform((3, 4), 0.5, 1.5) * np.sign(g.normal((3, 4)))), kwargs={"axis": 1},
    dtype="float32", expect=lambda v, axis: np.cumprod(v, axis=axis))
add("cumprod", "flat", T(g.uniform((2, 3), 0.5, 1.5)), dtype="float32", expect=np.cumprod)
add("cumprod", "with_zero", T(np.array([2.0, 0.0, 3.0, 0.5], "float32")), dtype="float32", expect=np.cumprod)
add("cumprod", "bool", T(np.array([True, True, False])), dtype="int32", expect=lambda v: np.cumprod(v))
add("nancumsum", "axis0", T(with_nan), kwargs={"axis": 0}, dtype="float32", expect=np.nancumsum)
add("nancumprod", "axis1", T(with_nan * 0.5 + 1.0), kwargs={"axis": 1}, dtype="float32", expect=np.nancumprod)

NAN_REDUCTIONS = ("nansum", "nanprod", "nanmean", "nanvar", "nanstd", "nanmax", "nanmin", "nanmedian")
for op in NAN_REDUCTIONS:
    ref = _quiet(getattr(np, op))
    add(op, "no_nan_axis1", T(r), kwargs={"axis": 1}, dtype="float32", expect=ref, tol="reduction")
    add(op, "no_nan_keepdims", T(r), kwargs={"axis": 0, "keepdims": True}, dtype="float32", expect=ref,
        tol="reduction")
    add(op, "nan_axis1", T(with_nan), kwargs={"axis": 1}, dtype="float32", expect=ref, tol="reduction", grad=False)
    add(op, "all_nan_row", T(all_nan_row), kwargs={"axis": 1}, dtype="float32", expect=ref, tol="reduction",
        grad=False)
    add(op, "nan_all", T(with_nan), dtype="float32", expect=ref, tol="reduction", grad=False)
add("nansum", "int8", T(ints.astype("int8")), dtype="int32", expect=lambda v: np.sum(v).astype("int32"))
add("nanmean", "int32", T(ints), kwargs={"axis": 0}, dtype="float32", expect=lambda v, axis: np.mean(v, axis=axis))
for op in ("nanargmax", "nanargmin"):
    add(op, "nan_axis1", T(with_nan), kwargs={"axis": 1}, dtype="int32", expect=getattr(np, op))
    add(op, "all_nan_row", T(all_nan_row), kwargs={"axis": 1}, dtype="int32",
        expect=lambda v, axis, op=op: np.where(np.all(np.isnan(v), axis=axis), -1, getattr(np, op)(
            np.where(np.isnan(v), -np.inf if op == "nanargmax" else np.inf, v), axis=axis)))

q = np.array([0.0, 0.2, 0.5, 0.9, 1.0], "float32")
for method in ("linear", "lower", "higher", "midpoint", "nearest"):
    for label, axis in (("all", None), ("axis1", 1), ("axes", (0, 1))):
        add("quantile", f"{method}_{label}", T(r), T(q, diff=False), kwargs={"axis": axis, "method": method},
            dtype="float32", expect=lambda v, qs, axis, method: np.quantile(v, qs, axis=axis, method=method))
    add("nanquantile", f"{method}_axis1", T(with_nan), T(q, diff=False), kwargs={"axis": 1, "method": method},
        dtype="float32", expect=_quiet(lambda v, qs, axis, method: np.nanquantile(v, qs, axis=axis, method=method)),
        grad=False)
add("quantile", "scalar_q_keepdims", T(r), 0.3, kwargs={"axis": 0, "keepdims": True}, dtype="float32",
    expect=lambda v, qs, axis, keepdims: np.quantile(v, qs, axis=axis, keepdims=keepdims))
add("quantile", "nan_propagates", T(with_nan), 0.5, kwargs={"axis": 1}, dtype="float32",
    expect=lambda v, qs, axis: np.quantile(v, qs, axis=axis), grad=False)
add("quantile", "int32", T(ints), 0.5, dtype="float32", expect=lambda v, qs: np.quantile(v, qs).astype("float32"))
add("nanquantile", "no_nan", T(r), 0.7, kwargs={"axis": 1}, dtype="float32",
    expect=lambda v, qs, axis: np.quantile(v, qs, axis=axis))
add("percentile", "axis0", T(r), T(np.array([10.0, 50.0, 95.0], "float32"), diff=False), kwargs={"axis": 0},
    dtype="float32", expect=lambda v, qs, axis: np.percentile(v, qs, axis=axis))
add("nanpercentile", "axis1", T(with_nan), 40.0, kwargs={"axis": 1}, dtype="float32",
    expect=_quiet(lambda v, qs, axis: np.nanpercentile(v, qs, axis=axis)), grad=False)
add("nanpercentile", "no_nan", T(r), 40.0, kwargs={"axis": 1}, dtype="float32",
    expect=lambda v, qs, axis: np.percentile(v, qs, axis=axis))
add("median", "axis1", T(r), kwargs={"axis": 1}, dtype="float32", expect=np.median)
add("median", "even_all", T(r[:, :4]), dtype="float32", expect=np.median)
add("median", "int32", T(ints), dtype="float32", expect=lambda v: np.median(v).astype("float32"))
add("corrcoef", "rows", T(g.normal((3, 6))), dtype="float32", expect=np.corrcoef, tol="loose")
add("corrcoef", "vector", T(g.normal((5,))), dtype="float32", expect=np.corrcoef)

# Bitwise ops (kerafront/ops/bitwise.py): every bit, the sign bit and the extremes of each integer dtype.
NON_DIFFERENTIABLE_COMPOSITES.update({name: "integer output" for name in (
    "bitwise_and", "bitwise_or", "bitwise_xor", "bitwise_not", "bitwise_invert", "bitwise_left_shift",
    "bitwise_right_shift", "left_shift", "right_shift")})
NO_KINK_ROWS.update({name: "integer output: `where` and maximum combine bits, no gradient" for name in (
    "bitwise_and", "bitwise_or", "bitwise_xor")})
g3 = Gen("numeric_bitwise")
for dtype in ("int8", "int16", "int32", "int64", "uint8"):
    info = np.iinfo(dtype)
    u = g3.rng.integers(info.min, info.max, 12, endpoint=True).astype(dtype)
    v = g3.rng.integers(info.min, info.max, 12, endpoint=True).astype(dtype)
    u[:2], v[:2] = (info.min, info.max), (info.max, info.min)
    for op, ref in (("bitwise_and", np.bitwise_and), ("bitwise_or", np.bitwise_or),
                    ("bitwise_xor", np.bitwise_xor)):
        add(op, dtype, T(u), T(v), dtype=dtype, expect=ref)
    add("bitwise_invert", dtype, T(u), dtype=dtype, expect=np.invert)
    shifts = g3.rng.integers(0, 6, 12).astype(dtype)
    add("left_shift", dtype, T(u), T(shifts), dtype=dtype, expect=np.left_shift)
    add("right_shift", dtype, T(u), T(shifts), dtype=dtype, expect=np.right_shift)
for op, ref in (("bitwise_and", np.bitwise_and), ("bitwise_or", np.bitwise_or), ("bitwise_xor", np.bitwise_xor)):
    add(op, "bool", T(g3.bools((6,))), T(g3.bools((6,))), dtype="bool", expect=ref)
    add(op, "python_int", T(np.array([12, -7, 255], "int32")), 10, dtype="int32", expect=ref)
add("bitwise_not", "bool", T(g3.bools((5,))), dtype="bool", expect=np.invert)
add("bitwise_not", "int32", T(np.array([0, -1, 7, -2147483648], "int32")), dtype="int32", expect=np.invert)
add("bitwise_left_shift", "python_int", T(np.array([1, -3, 5], "int32")), 3, dtype="int32", expect=np.left_shift)
add("bitwise_right_shift", "python_int", T(np.array([64, -65, 5], "int32")), 2, dtype="int32", expect=np.right_shift)

NON_DIFFERENTIABLE_COMPOSITES.update({"gcd": "integer output", "lcm": "integer output"})
NO_KINK_ROWS.update({name: "integer output: abs and `where` pick Euclid's steps, no gradient"
                     for name in ("gcd", "lcm")})
for op, ref in (("gcd", np.gcd), ("lcm", np.lcm)):
    left = g3.rng.integers(-40, 40, (3, 4)).astype("int32")
    left[0, :2] = 0
    right = g3.rng.integers(-40, 40, (4,)).astype("int32")
    right[1] = 0
    add(op, "int32_broadcast", T(left), T(right), dtype="int32", expect=ref)
    add(op, "python_int", T(np.array([12, -18, 0, 7], "int32")), 8, dtype="int32", expect=ref)
    add(op, "uint8", T(g3.rng.integers(0, 60, (6,)).astype("uint8")), T(g3.rng.integers(0, 60, (6,)).astype("uint8")),
        dtype="uint8", expect=ref)
    add(op, "int64", T(g3.rng.integers(-1000, 1000, (6,))), T(g3.rng.integers(-1000, 1000, (6,))), dtype="int64",
        expect=ref)
