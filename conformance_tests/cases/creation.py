"""Cases for creation and conversion primitives (convert_to_tensor, zeros, arange, eye, cast, shape, dtype)."""

import numpy as np

from conformance_tests.cases import Gen, T, add

g = Gen("creation")
x23 = g.normal((2, 3))

# convert_to_tensor: Python values follow the spec (floats -> floatx, ints -> int32); arrays keep dtype.
add("convert_to_tensor", "nested_float_list", [[1.0, 2.5], [-3.0, 0.5]], dtype="float32",
    expect=lambda x: np.asarray(x))
add("convert_to_tensor", "nested_int_list", [[1, 2], [3, -4]], dtype="int32", expect=lambda x: np.asarray(x))
add("convert_to_tensor", "python_float", 2.5, dtype="float32", expect=lambda x: np.asarray(x))
add("convert_to_tensor", "python_int", 7, dtype="int32", expect=lambda x: np.asarray(x))
add("convert_to_tensor", "python_bool", True, dtype="bool", expect=lambda x: np.asarray(x))
add("convert_to_tensor", "mixed_int_float_list", [1.0, 2], dtype="float32", expect=lambda x: np.asarray(x))
add("convert_to_tensor", "numpy_float32", T(x23, native=False), dtype="float32", expect=lambda x: x)
add("convert_to_tensor", "numpy_float64_keeps", T(g.normal((3,), "float64"), native=False), dtype="float64",
    expect=lambda x: x)
add("convert_to_tensor", "numpy_int64_keeps", T(g.ints((4,), dtype="int64"), native=False), dtype="int64",
    expect=lambda x: x)
add("convert_to_tensor", "numpy_int16_keeps", T(np.array([-3, 0, 7], "int16"), native=False), dtype="int16",
    expect=lambda x: x)
add("convert_to_tensor", "numpy_float16", T(g.normal((2, 2), "float16"), native=False), dtype="float16",
    expect=lambda x: x)
add("convert_to_tensor", "numpy_bool", T(g.bools((3,)), native=False), dtype="bool", expect=lambda x: x)
add("convert_to_tensor", "numpy_empty", T(np.zeros((0, 3), "float32"), native=False), dtype="float32",
    expect=lambda x: x)
add("convert_to_tensor", "numpy_noncontiguous", T(x23.T, native=False), dtype="float32", expect=lambda x: x)
add("convert_to_tensor", "numpy_negative_strides", T(x23[:, ::-1], native=False), dtype="float32",
    expect=lambda x: x)
add("convert_to_tensor", "tensor_cast_float16", T(x23), kwargs={"dtype": "float16"}, dtype="float16",
    expect=lambda x, dtype: x.astype(dtype))
add("convert_to_tensor", "list_cast_int64", [1, 2, 3], kwargs={"dtype": "int64"}, dtype="int64",
    expect=lambda x, dtype: np.asarray(x, dtype))
add("convert_to_tensor", "float_list_cast_int32", [1.0, 2.0], kwargs={"dtype": "int32"}, dtype="int32",
    expect=lambda x, dtype: np.asarray(x, dtype))
add("convert_to_tensor", "float_list_cast_int32_truncates", [2.7, -2.7], kwargs={"dtype": "int32"}, dtype="int32",
    expect=lambda x, dtype: np.trunc(x).astype(dtype))

add("convert_to_numpy", "float32", T(x23), expect=lambda x: x)
add("convert_to_numpy", "int32", T(g.ints((2, 2))), expect=lambda x: x)
add("convert_to_numpy", "bool_0d", T(np.array(True)), expect=lambda x: x)

add("is_tensor", "native", T(x23), expect=lambda x: True)
add("is_tensor", "python_float", 3.0, expect=lambda x: False)
add("is_tensor", "python_list", [1.0, 2.0], expect=lambda x: False)

for op, fill in (("zeros", 0), ("ones", 1)):
    add(op, "2x3", (2, 3), dtype="float32", expect=lambda s, f=fill: np.full(s, f, "float32"))
    add(op, "scalar", (), dtype="float32", expect=lambda s, f=fill: np.full(s, f, "float32"))
    add(op, "empty", (0, 3), dtype="float32", expect=lambda s, f=fill: np.full(s, f, "float32"))
    add(op, "int32", (3,), kwargs={"dtype": "int32"}, dtype="int32",
        expect=lambda s, dtype, f=fill: np.full(s, f, dtype))
    add(op, "bool", (2,), kwargs={"dtype": "bool"}, dtype="bool", expect=lambda s, dtype, f=fill: np.full(s, f, dtype))
    add(op, "float16", (2, 2), kwargs={"dtype": "float16"}, dtype="float16",
        expect=lambda s, dtype, f=fill: np.full(s, f, dtype))

add("full", "float_value", (2, 3), 1.5, dtype="float32", expect=lambda s, v: np.full(s, v, "float32"))
add("full", "int_value", (3,), 4, dtype="int32", expect=lambda s, v: np.full(s, v, "int32"))
add("full", "dtype_float16", (2,), 0.25, kwargs={"dtype": "float16"}, dtype="float16",
    expect=lambda s, v, dtype: np.full(s, v, dtype))
add("full", "int_value_float64", (2, 1), 3, kwargs={"dtype": "float64"}, dtype="float64",
    expect=lambda s, v, dtype: np.full(s, v, dtype))
add("full", "scalar_shape", (), -2.0, dtype="float32", expect=lambda s, v: np.full(s, v, "float32"))

add("arange", "stop", 5, dtype="int32", expect=lambda n: np.arange(n))
add("arange", "start_stop_step", 1, 8, 2, dtype="int32", expect=lambda a, b, c: np.arange(a, b, c))
add("arange", "negative_step", 5, 0, -1, dtype="int32", expect=lambda a, b, c: np.arange(a, b, c))
add("arange", "float_step", 0.0, 1.0, 0.25, dtype="float32", expect=lambda a, b, c: np.arange(a, b, c))
add("arange", "empty", 3, 3, dtype="int32", expect=lambda a, b: np.arange(a, b))
add("arange", "dtype_float32", 4, kwargs={"dtype": "float32"}, dtype="float32",
    expect=lambda n, dtype: np.arange(n, dtype=dtype))
add("arange", "dtype_int64", 2, 6, kwargs={"dtype": "int64"}, dtype="int64",
    expect=lambda a, b, dtype: np.arange(a, b, dtype=dtype))

add("eye", "square", 3, dtype="float32", expect=lambda n: np.eye(n))
add("eye", "rect", 2, 4, dtype="float32", expect=lambda n, m: np.eye(n, m))
add("eye", "upper_k", 3, kwargs={"k": 1}, dtype="float32", expect=lambda n, k: np.eye(n, k=k))
add("eye", "lower_k_rect", 3, 4, kwargs={"k": -1}, dtype="float32", expect=lambda n, m, k: np.eye(n, m, k))
add("eye", "int32", 2, kwargs={"dtype": "int32"}, dtype="int32", expect=lambda n, dtype: np.eye(n, dtype=dtype))

# cast: float -> int truncates toward zero; the gradient flows float -> float only. Finite
# differences run in float64, so only the cast to float64 has an FD case (float32 would round).
fractional = np.array([[-2.7, -1.5, -0.2], [0.2, 1.5, 2.7]], "float32")
add("cast", "float_to_int32_truncates", T(fractional), "int32", dtype="int32",
    expect=lambda x, d: np.trunc(x).astype(d))
add("cast", "float_to_int64", T(fractional), "int64", dtype="int64", expect=lambda x, d: np.trunc(x).astype(d))
add("cast", "float_to_bool", T(np.array([0.0, -0.5, 2.0], "float32")), "bool", dtype="bool",
    expect=lambda x, d: x.astype(d))
add("cast", "bool_to_float32", T(g.bools((2, 3))), "float32", dtype="float32", expect=lambda x, d: x.astype(d))
add("cast", "int32_to_float32", T(g.ints((4,))), "float32", dtype="float32", expect=lambda x, d: x.astype(d))
add("cast", "int32_to_int64", T(g.ints((2, 2))), "int64", dtype="int64", expect=lambda x, d: x.astype(d))
add("cast", "float32_to_float16", T(x23), "float16", dtype="float16", expect=lambda x, d: x.astype(d), fd=False)
add("cast", "float16_to_float32", T(g.normal((3,), "float16")), "float32", dtype="float32",
    expect=lambda x, d: x.astype(d), fd=False)
add("cast", "float32_to_float64", T(x23), "float64", dtype="float64", expect=lambda x, d: x.astype(d))
add("cast", "float32_identity", T(g.normal((2, 2))), "float32", dtype="float32", expect=lambda x, d: x, fd=False)
add("cast", "scalar", T(np.float32(1.75)), "int32", dtype="int32", expect=lambda x, d: np.trunc(x).astype(d))

add("shape", "rank3", T(g.normal((2, 3, 4))), expect=lambda x: x.shape)
add("shape", "scalar", T(np.float32(1.0)), expect=lambda x: x.shape)
add("shape", "empty", T(np.zeros((0, 3), "float32")), expect=lambda x: x.shape)

add("dtype", "float32", T(x23), expect=lambda x: "float32")
add("dtype", "int64", T(g.ints((2,), dtype="int64")), expect=lambda x: "int64")
add("dtype", "bool", T(g.bools((2,))), expect=lambda x: "bool")
add("dtype", "float16", T(g.normal((2,), "float16")), expect=lambda x: "float16")
add("dtype", "uint8", T(g.ints((2,), 0, 9, "uint8")), expect=lambda x: "uint8")
