"""Cases for elementwise math: unary float math, arithmetic with broadcasting, clip, where, rounding."""

import math

import numpy as np

from conformance_tests.cases import Gen, T, add

g = Gen("elementwise")
_erf = np.vectorize(math.erf, otypes=[np.float64])


def _sigmoid(x):
    return 1.0 / (1.0 + np.exp(-x.astype(np.float64)))


def _quietly(fn):
    """``fn`` with NumPy's floating-point warnings off (for expected values that are inf or NaN)."""
    def run(*args, **kwargs):
        with np.errstate(all="ignore"):
            return fn(*args, **kwargs)
    return run


# op -> (NumPy reference, input generator (shape, dtype) -> array, keeps integer dtype)
UNARY = {
    "negative": (np.negative, lambda s, d: g.normal(s, d), True),
    "abs": (np.abs, lambda s, d: g.away(s, dtype=d), True),
    "square": (np.square, lambda s, d: g.normal(s, d), True),
    "sign": (np.sign, lambda s, d: g.away(s, dtype=d), True),
    "sqrt": (np.sqrt, lambda s, d: g.positive(s, dtype=d), False),
    "rsqrt": (lambda x: 1.0 / np.sqrt(x.astype(np.float64)), lambda s, d: g.positive(s, dtype=d), False),
    "exp": (np.exp, lambda s, d: g.uniform(s, -3, 3, d), False),
    "log": (np.log, lambda s, d: g.positive(s, dtype=d), False),
    "log1p": (np.log1p, lambda s, d: g.uniform(s, -0.5, 3, d), False),
    "expm1": (np.expm1, lambda s, d: g.uniform(s, -2, 2, d), False),
    "sin": (np.sin, lambda s, d: g.uniform(s, -3, 3, d), False),
    "cos": (np.cos, lambda s, d: g.uniform(s, -3, 3, d), False),
    "tanh": (np.tanh, lambda s, d: g.uniform(s, -3, 3, d), False),
    "sigmoid": (_sigmoid, lambda s, d: g.uniform(s, -4, 4, d), False),
    "erf": (_erf, lambda s, d: g.uniform(s, -2, 2, d), False),
}
POSITIVE_INTS = {"sqrt", "rsqrt", "log", "log1p"}

# VJPs of elementwise ops do not depend on the layout, so the empty / size-1 / float64 variants are
# forward-only except for ``exp`` (each VJP case costs JAX a compilation per shape).
for op, (ref, make, keeps_int) in UNARY.items():
    layout_grad = None if op == "exp" else False
    add(op, "f32_2x3", T(make((2, 3), "float32")), dtype="float32", expect=ref)
    add(op, "f32_0d", T(make((), "float32")), dtype="float32", expect=ref)
    add(op, "f32_empty", T(np.zeros((0, 3), "float32")), dtype="float32", expect=ref, grad=layout_grad)
    add(op, "f32_size1", T(make((1, 1), "float32")), dtype="float32", expect=ref, grad=layout_grad)
    add(op, "f16", T(make((5,), "float16")), dtype="float16", expect=ref)
    add(op, "f64", T(make((3,), "float64")), dtype="float64", expect=ref, grad=layout_grad)
    ints = g.ints((4,), 1, 6) if op in POSITIVE_INTS else g.ints((4,), -2, 3)
    add(op, "int32", T(ints), dtype="int32" if keeps_int else "float32", expect=ref)

for op in ("exp", "abs", "negative"):
    add(op, "noncontiguous", T(UNARY[op][1]((3, 4), "float32").T), dtype="float32", expect=UNARY[op][0])
    add(op, "negative_strides", T(UNARY[op][1]((2, 5), "float32")[:, ::-1]), dtype="float32",
        expect=UNARY[op][0])
add("exp", "numpy_input", T(g.normal((3,)), native=False), dtype="float32", expect=np.exp)
add("sigmoid", "saturating", T(np.array([-100.0, -20.0, 0.0, 20.0, 100.0], "float32")), dtype="float32",
    expect=_sigmoid, fd=False)
add("sigmoid", "f64_beyond_exp_range", T(np.array([-1000.0, 0.0, 1000.0])), dtype="float64",
    expect=_quietly(_sigmoid), grad=False)
add("abs", "int64", T(g.ints((3,), dtype="int64")), dtype="int64", expect=np.abs)
add("sign", "with_zero", T(np.array([-2.0, 0.0, 3.0], "float32")), dtype="float32", expect=np.sign, grad=False)

halves = np.array([-2.5, -1.5, -0.5, 0.5, 1.5, 2.5, 0.4, -0.6, 3.7], "float32")
for op, ref in (("round", np.round), ("floor", np.floor), ("ceil", np.ceil)):
    add(op, "halves", T(halves), dtype="float32", expect=ref)
    add(op, "f32_2x3", T(g.uniform((2, 3), -4, 4)), dtype="float32", expect=ref)
    add(op, "f16", T(halves.astype("float16")), dtype="float16", expect=ref)
    add(op, "f32_0d", T(np.float32(-1.5)), dtype="float32", expect=ref)
    add(op, "f32_empty", T(np.zeros((0,), "float32")), dtype="float32", expect=ref)
    add(op, "int32_keeps", T(np.array([-3, 0, 4], "int32")), dtype="int32", expect=ref)

# Binary arithmetic: op -> (NumPy reference, generator for x2 (x1 is normal) )
BINARY = {
    "add": (np.add, lambda s, d="float32": g.normal(s, d)),
    "subtract": (np.subtract, lambda s, d="float32": g.normal(s, d)),
    "multiply": (np.multiply, lambda s, d="float32": g.normal(s, d)),
    "divide": (np.divide, lambda s, d="float32": g.away(s, margin=0.5, dtype=d)),
    "maximum": (np.maximum, lambda s, d="float32": g.normal(s, d)),
    "minimum": (np.minimum, lambda s, d="float32": g.normal(s, d)),
}
for op, (ref, make) in BINARY.items():
    extra_grad = None if op in ("add", "multiply") else False  # VJP of these variants: add/multiply only
    add(op, "same_shape", T(g.normal((2, 3))), T(make((2, 3))), dtype="float32", expect=ref)
    add(op, "broadcast_row", T(g.normal((2, 3))), T(make((3,))), dtype="float32", expect=ref)
    add(op, "broadcast_outer", T(g.normal((2, 1))), T(make((1, 3))), dtype="float32", expect=ref)
    add(op, "broadcast_first_smaller", T(g.normal((4,))), T(make((2, 1, 4))), dtype="float32", expect=ref)
    add(op, "with_0d", T(g.normal(())), T(make((2, 3))), dtype="float32", expect=ref)
    add(op, "both_0d", T(g.normal(())), T(make(())), dtype="float32", expect=ref, grad=extra_grad)
    add(op, "python_float_right", T(g.normal((2, 3))), 1.5, dtype="float32", expect=ref)
    add(op, "python_float_left", -0.75, T(make((3,))), dtype="float32", expect=ref)
    add(op, "python_int_right", T(g.normal((3,))), 2, dtype="float32", expect=ref, grad=extra_grad)
    add(op, "empty", T(np.zeros((0, 3), "float32")), T(make((3,))), dtype="float32", expect=ref)
    add(op, "size1_dims", T(g.normal((1, 1, 3))), T(make((2, 1, 1))), dtype="float32", expect=ref)
    add(op, "f16", T(g.normal((2, 3), "float16")), T(make((2, 3), "float16")), dtype="float16", expect=ref,
        tol="loose")
    add(op, "f64", T(g.normal((3,), "float64")), T(make((3,), "float64")), dtype="float64", expect=ref,
        grad=extra_grad)
    add(op, "numpy_inputs", T(g.normal((2,)), native=False), T(make((2,)), native=False), dtype="float32",
        expect=ref, grad=extra_grad)
    add(op, "noncontiguous", T(g.normal((3, 2)).T), T(make((3, 3))[::-1, ::2].T), dtype="float32", expect=ref,
        grad=extra_grad)

for op in ("add", "subtract", "multiply", "maximum", "minimum"):
    ref = BINARY[op][0]
    add(op, "int32", T(g.ints((2, 3))), T(g.ints((3,))), dtype="int32", expect=ref)
    add(op, "int64_with_python_int", T(g.ints((3,), dtype="int64")), 3, dtype="int64", expect=ref)
    add(op, "int32_with_python_float", T(g.ints((3,))), 0.5, dtype="float32", expect=ref)

# maximum/minimum at ties: the spec sends the whole gradient to x1 (no finite differences there).
tied = np.array([1.0, -2.0, 0.5, 3.0], "float32")
add("maximum", "ties_grad_to_x1", T(tied), T(np.array([1.0, -3.0, 0.5, 4.0], "float32")), dtype="float32",
    expect=np.maximum, fd=False)
add("minimum", "ties_grad_to_x1", T(tied), T(np.array([1.0, -3.0, 0.5, 4.0], "float32")), dtype="float32",
    expect=np.minimum, fd=False)
add("maximum", "relu_like_scalar", T(g.away((2, 3))), 0.0, dtype="float32", expect=np.maximum)
# NaN in either operand gives NaN (NumPy's rule; a plain ``x1 > x2`` select would drop it).
for op, ref in (("maximum", np.maximum), ("minimum", np.minimum)):
    add(op, "nan_propagates", T(np.array([np.nan, 1.0, 2.0], "float32")),
        T(np.array([1.0, np.nan, -1.0], "float32")), dtype="float32", expect=ref, grad=False)

add("divide", "int_by_int_is_floatx", T(g.ints((4,))), T(np.array([2, -3, 4, 7], "int32")), dtype="float32",
    expect=np.divide)
add("divide", "int_by_python_int", T(g.ints((3,))), 2, dtype="float32", expect=np.divide)
add("divide", "python_int_by_int64", 6, T(np.array([2, 4, -5], "int64")), dtype="float32", expect=np.divide)
add("divide", "by_zero_is_inf_or_nan", T(np.array([1.0, -1.0, 0.0], "float32")), T(np.zeros((3,), "float32")),
    dtype="float32", expect=_quietly(np.divide), grad=False)
add("log", "zero_is_minus_inf", T(np.array([0.0, 1.0], "float32")), dtype="float32", expect=_quietly(np.log),
    grad=False)

add("power", "positive_base", T(g.positive((2, 3))), T(g.normal((2, 3))), dtype="float32", expect=np.power)
add("power", "broadcast", T(g.positive((2, 3))), T(g.normal((3,))), dtype="float32", expect=np.power)
add("power", "python_int_exponent", T(g.normal((2, 3))), 3, dtype="float32", expect=np.power)
add("power", "python_float_exponent", T(g.positive((4,))), 0.5, dtype="float32", expect=np.power)
add("power", "python_base", 2.0, T(g.normal((3,))), dtype="float32", expect=np.power)
add("power", "int32", T(g.ints((4,), 0, 4)), T(g.ints((4,), 0, 4)), dtype="int32", expect=np.power)
add("power", "f32_0d", T(g.positive(())), T(g.normal(())), dtype="float32", expect=np.power)
add("power", "empty", T(np.ones((0, 2), "float32")), T(g.normal((2,))), dtype="float32", expect=np.power)

# floor_divide / mod follow Python's signs (-7 // 2 == -4, -7 % 2 == 1).
signed_ints = np.array([-7, -6, -1, 0, 5, 7, 8, -9], "int32")
divisors = np.array([2, -4, 3, -3, 2, -2, 3, 4], "int32")
signed_floats = np.array([-7.5, -6.0, -0.5, 0.0, 5.25, 7.0, 8.5, -9.75], "float32")
for op, ref in (("floor_divide", np.floor_divide), ("mod", np.mod)):
    add(op, "int32_signs", T(signed_ints), T(divisors), dtype="int32", expect=ref)
    add(op, "int32_python_int", T(signed_ints), 3, dtype="int32", expect=ref)
    add(op, "int32_negative_python_int", T(signed_ints), -4, dtype="int32", expect=ref)
    add(op, "int64", T(signed_ints.astype("int64")), T(divisors.astype("int64")), dtype="int64", expect=ref)
    add(op, "float32_signs", T(signed_floats), T(divisors.astype("float32") * 1.25), dtype="float32", expect=ref)
    add(op, "float32_broadcast", T(g.uniform((2, 3), -5, 5)), T(np.array([1.5, -2.0, 0.75], "float32")),
        dtype="float32", expect=ref)
    add(op, "python_int_left", 7, T(divisors), dtype="int32", expect=ref)
    add(op, "f32_0d", T(np.float32(-5.5)), T(np.float32(2.0)), dtype="float32", expect=ref)

# clip: gradient 1 inside the closed interval for x; bounds given as tensors get the clipped positions.
clip_x = g.away((3, 4), points=(-0.5, 0.5), margin=0.05, low=-1.5, high=1.5)
add("clip", "python_bounds", T(clip_x), -0.5, 0.5, dtype="float32", expect=np.clip)
add("clip", "tensor_bounds", T(clip_x), T(np.full((4,), -0.5, "float32") - g.positive((4,), 0.1, 0.2)),
    T(np.full((3, 1), 0.5, "float32") + g.positive((3, 1), 0.1, 0.2)), dtype="float32", expect=np.clip)
add("clip", "int32", T(g.ints((5,))), -2, 3, dtype="int32", expect=np.clip)
add("clip", "f32_0d", T(np.float32(2.5)), 0.0, 1.0, dtype="float32", expect=np.clip)
add("clip", "empty", T(np.zeros((0,), "float32")), 0.0, 1.0, dtype="float32", expect=np.clip)
add("clip", "f16", T(clip_x.astype("float16")), -0.5, 0.5, dtype="float16", expect=np.clip)

cond = g.bools((2, 3))
add("where", "same_shape", T(cond), T(g.normal((2, 3))), T(g.normal((2, 3))), dtype="float32", expect=np.where)
add("where", "broadcast", T(g.bools((3,))), T(g.normal((2, 3))), T(g.normal(())), dtype="float32",
    expect=np.where)
add("where", "python_scalar_branch", T(cond), T(g.normal((2, 3))), 0.0, dtype="float32", expect=np.where)
add("where", "int32", T(cond), T(g.ints((2, 3))), T(g.ints((2, 3))), dtype="int32", expect=np.where)
add("where", "empty", T(np.zeros((0, 2), bool)), T(np.zeros((0, 2), "float32")), T(g.normal((2,))),
    dtype="float32", expect=np.where)
add("where", "condition_broadcasts_up", T(g.bools((2, 1))), T(g.normal((3,))), T(g.normal((2, 3))),
    dtype="float32", expect=np.where)
