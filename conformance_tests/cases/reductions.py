"""Cases for comparisons, logic and reductions (sum, mean, max, argmax, var, cumsum, ...)."""

import numpy as np

from conformance_tests.cases import Gen, T, add

g = Gen("reductions")

# Comparisons: inputs share some equal entries so that ==, <= and >= are exercised at equality.
left = g.ints((2, 3), -2, 3).astype("float32")
right = g.ints((3,), -2, 3).astype("float32")
for op, ref in (("equal", np.equal), ("not_equal", np.not_equal), ("less", np.less),
                ("less_equal", np.less_equal), ("greater", np.greater), ("greater_equal", np.greater_equal)):
    add(op, "f32_broadcast", T(left), T(right), dtype="bool", expect=ref)
    add(op, "int32", T(left.astype("int32")), T(right.astype("int32")), dtype="bool", expect=ref)
    add(op, "python_scalar", T(left), 1.0, dtype="bool", expect=ref)
    add(op, "python_int_left", 0, T(left.astype("int32")), dtype="bool", expect=ref)
    add(op, "f32_0d", T(np.float32(1.0)), T(right), dtype="bool", expect=ref)
    add(op, "empty", T(np.zeros((0, 3), "float32")), T(right), dtype="bool", expect=ref)
    add(op, "bool", T(g.bools((4,))), T(g.bools((4,))), dtype="bool", expect=ref)

for op, ref in (("logical_and", np.logical_and), ("logical_or", np.logical_or), ("logical_xor", np.logical_xor)):
    add(op, "bool", T(g.bools((2, 3))), T(g.bools((2, 3))), dtype="bool", expect=ref)
    add(op, "broadcast", T(g.bools((2, 3))), T(g.bools((3,))), dtype="bool", expect=ref)
    add(op, "python_bool", T(g.bools((3,))), True, dtype="bool", expect=ref)
    add(op, "float_truthiness", T(np.array([0.0, 1.5, -2.0, 0.0], "float32")),
        T(np.array([0.0, 0.0, 3.0, 1.0], "float32")), dtype="bool", expect=ref)
    add(op, "empty", T(np.zeros((0,), bool)), T(np.zeros((0,), bool)), dtype="bool", expect=ref)
add("logical_not", "bool", T(g.bools((2, 3))), dtype="bool", expect=np.logical_not)
add("logical_not", "int32_truthiness", T(np.array([0, 2, -1], "int32")), dtype="bool", expect=np.logical_not)
add("logical_not", "bool_0d", T(np.array(False)), dtype="bool", expect=np.logical_not)

special = np.array([0.0, np.nan, np.inf, -np.inf, -1.5, 3.0], "float32")
for op, ref in (("isnan", np.isnan), ("isfinite", np.isfinite)):
    add(op, "special_values", T(special), dtype="bool", expect=ref)
    add(op, "f16", T(special.astype("float16")), dtype="bool", expect=ref)
    add(op, "int32", T(g.ints((3,))), dtype="bool", expect=ref)
    add(op, "f32_0d", T(np.float32(np.nan)), dtype="bool", expect=ref)

# Reductions over axis None / int / negative / tuple, keepdims, 0-d, size-1 and empty inputs.
x234 = g.distinct((2, 3, 4), spacing=0.15)
AXES = {"all": None, "axis0": 0, "axis_neg1": -1, "axes_0_2": (0, 2), "axis1": 1}
FLOAT_REDUCTIONS = {
    "sum": np.sum, "mean": np.mean, "max": np.max, "min": np.min, "prod": np.prod, "var": np.var, "std": np.std,
}
for op, ref in FLOAT_REDUCTIONS.items():
    tol = "reduction"
    for label, axis in AXES.items():
        x = x234 if op != "prod" else g.uniform((2, 3, 4), 0.6, 1.4) * np.sign(x234)
        add(op, label, T(x), kwargs={"axis": axis}, dtype="float32", expect=ref, tol=tol)
    add(op, "keepdims", T(x234), kwargs={"axis": 1, "keepdims": True}, dtype="float32", expect=ref, tol=tol)
    add(op, "keepdims_all", T(x234), kwargs={"axis": None, "keepdims": True}, dtype="float32", expect=ref,
        tol=tol)
    # std's gradient is infinite where the variance is 0 (a single element): forward only there.
    no_grad = False if op == "std" else None
    add(op, "f32_0d", T(np.float32(1.25)), dtype="float32", expect=ref, tol=tol, grad=no_grad)
    add(op, "size1_axis", T(g.distinct((3, 1))), kwargs={"axis": 1}, dtype="float32", expect=ref, tol=tol,
        grad=no_grad)
    add(op, "f16", T(g.distinct((3, 4), "float16", spacing=0.1)), kwargs={"axis": -1}, dtype="float16",
        expect=ref, tol="loose")
    add(op, "f64", T(g.distinct((3, 2), "float64")), kwargs={"axis": 0}, dtype="float64", expect=ref, tol=tol,
        grad=no_grad if op == "sum" else False)
    add(op, "noncontiguous", T(x234.transpose(2, 0, 1)), kwargs={"axis": (1, 2)}, dtype="float32", expect=ref,
        tol=tol, grad=no_grad if op == "sum" else False)
    add(op, "empty_nonreduced_axis", T(np.zeros((0, 3), "float32")), kwargs={"axis": 1}, dtype="float32",
        expect=ref, tol=tol)

add("sum", "empty_reduced_is_zero", T(np.zeros((0, 3), "float32")), kwargs={"axis": 0}, dtype="float32",
    expect=np.sum)
add("prod", "empty_reduced_is_one", T(np.zeros((2, 0), "float32")), kwargs={"axis": 1}, dtype="float32",
    expect=np.prod)
add("mean", "empty_reduced_is_nan", T(np.zeros((0, 2), "float32")), kwargs={"axis": 0}, dtype="float32",
    expect=lambda x, axis: np.full((2,), np.nan, "float32"), grad=False)
add("sum", "bool_to_int32", T(g.bools((3, 4))), kwargs={"axis": 1}, dtype="int32", expect=np.sum)
add("sum", "int32_keeps", T(g.ints((3, 4))), dtype="int32", expect=np.sum)
add("sum", "int64_keeps", T(g.ints((3, 4), dtype="int64")), kwargs={"axis": 0}, dtype="int64", expect=np.sum)
add("mean", "int32_to_floatx", T(g.ints((3, 4))), kwargs={"axis": 1}, dtype="float32", expect=np.mean)
add("max", "int32", T(g.ints((3, 4))), kwargs={"axis": 0}, dtype="int32", expect=np.max)
add("min", "int64", T(g.ints((3, 4), dtype="int64")), dtype="int64", expect=np.min)
add("prod", "int32", T(g.ints((2, 3), -3, 4)), kwargs={"axis": 1}, dtype="int32", expect=np.prod)
add("max", "ties_grad_to_first", T(np.array([[1.0, 3.0, 3.0], [2.0, 2.0, -1.0]], "float32")),
    kwargs={"axis": 1}, dtype="float32", expect=np.max, fd=False)
add("min", "ties_grad_to_first", T(np.array([[1.0, 1.0, 3.0], [-2.0, 0.0, -2.0]], "float32")),
    kwargs={"axis": None}, dtype="float32", expect=np.min, fd=False)
add("prod", "with_zero", T(np.array([[1.5, 0.0, -2.0], [0.5, 2.0, 3.0]], "float32")), kwargs={"axis": 1},
    dtype="float32", expect=np.prod)
add("var", "constant_input", T(np.full((4,), 2.0, "float32")), dtype="float32", expect=np.var, grad=False)

for op, ref in (("argmax", np.argmax), ("argmin", np.argmin)):
    add(op, "all_flattened", T(x234), dtype="int32", expect=ref)
    add(op, "axis0", T(x234), kwargs={"axis": 0}, dtype="int32", expect=ref)
    add(op, "axis_neg1", T(x234), kwargs={"axis": -1}, dtype="int32", expect=ref)
    add(op, "keepdims", T(x234), kwargs={"axis": 1, "keepdims": True}, dtype="int32",
        expect=lambda x, axis, keepdims, f=ref: np.expand_dims(f(x, axis=axis), axis))
    add(op, "ties_first_index", T(np.array([[1.0, 3.0, 3.0, -1.0], [-1.0, 2.0, -1.0, 2.0]], "float32")),
        kwargs={"axis": 1}, dtype="int32", expect=ref)
    add(op, "int32", T(g.distinct((5,)).astype("float32").argsort().astype("int32")), dtype="int32",
        expect=ref)
    add(op, "f16", T(g.distinct((2, 5), "float16", spacing=0.1)), kwargs={"axis": 1}, dtype="int32", expect=ref)
    add(op, "size1", T(g.distinct((1, 3))), kwargs={"axis": 0}, dtype="int32", expect=ref)

mixed = np.array([[0.0, 0.0, 1.0], [2.0, -1.0, 3.0]], "float32")
for op, ref in (("any", np.any), ("all", np.all)):
    add(op, "bool_all", T(g.bools((3, 4))), dtype="bool", expect=ref)
    add(op, "bool_axis", T(g.bools((3, 4))), kwargs={"axis": 1}, dtype="bool", expect=ref)
    add(op, "keepdims", T(g.bools((3, 4))), kwargs={"axis": 0, "keepdims": True}, dtype="bool", expect=ref)
    add(op, "float_truthiness", T(mixed), kwargs={"axis": 1}, dtype="bool", expect=ref)
    add(op, "int32", T(np.array([[0, 1], [2, 3]], "int32")), kwargs={"axis": -1}, dtype="bool", expect=ref)
    add(op, "empty", T(np.zeros((0,), bool)), dtype="bool", expect=ref)
    add(op, "tuple_axes", T(g.bools((2, 3, 2))), kwargs={"axis": (0, 2)}, dtype="bool", expect=ref)

add("cumsum", "axis0", T(g.normal((3, 4))), kwargs={"axis": 0}, dtype="float32", expect=np.cumsum, tol="reduction")
add("cumsum", "axis_neg1", T(g.normal((2, 3, 4))), kwargs={"axis": -1}, dtype="float32", expect=np.cumsum,
    tol="reduction")
add("cumsum", "flattened", T(g.normal((2, 3))), dtype="float32", expect=np.cumsum, tol="reduction")
add("cumsum", "int32", T(g.ints((5,))), kwargs={"axis": 0}, dtype="int32", expect=np.cumsum)
add("cumsum", "empty", T(np.zeros((0, 2), "float32")), kwargs={"axis": 0}, dtype="float32", expect=np.cumsum)
add("cumsum", "size1", T(g.normal((1,))), kwargs={"axis": 0}, dtype="float32", expect=np.cumsum)
add("cumsum", "f16", T(g.normal((6,), "float16")), kwargs={"axis": 0}, dtype="float16", expect=np.cumsum,
    tol="loose")

# Integer reductions keep narrow integer dtypes (no widening to int64 as torch and NumPy sum do).
small_ints = np.array([[100, -3, 7], [2, 5, -1]], "int8")
add("sum", "int8_keeps", T(small_ints), kwargs={"axis": 1}, dtype="int8",
    expect=lambda x, axis: np.sum(x, axis, "int8"))
add("cumsum", "int8_keeps", T(small_ints), kwargs={"axis": 0}, dtype="int8",
    expect=lambda x, axis: np.cumsum(x, axis, "int8"))
add("prod", "int16_keeps", T(np.array([[3, -2, 4], [1, 5, -6]], "int16")), kwargs={"axis": (0, 1)}, dtype="int16",
    expect=lambda x, axis: np.prod(x, axis, "int16"))
add("cumsum", "bool_to_int32", T(np.array([True, False, True, True])), kwargs={"axis": 0}, dtype="int32",
    expect=lambda x, axis: np.cumsum(x, axis, "int32"))  # like sum
