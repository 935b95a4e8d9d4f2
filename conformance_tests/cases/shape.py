"""Cases for shape manipulation: reshape, transpose, concatenate, split, pad, take, scatter, sort, top_k..."""

import numpy as np

from conformance_tests.cases import Gen, T, add

g = Gen("shape")
x23 = g.normal((2, 3))
x234 = g.normal((2, 3, 4))

add("reshape", "flatten", T(x234), (24,), dtype="float32", expect=np.reshape)
add("reshape", "infer_dim", T(x234), (4, -1), dtype="float32", expect=np.reshape)
add("reshape", "add_unit_dims", T(x23), (1, 2, 1, 3), dtype="float32", expect=np.reshape)
add("reshape", "0d_to_1", T(np.float32(2.0)), (1,), dtype="float32", expect=np.reshape)
add("reshape", "to_0d", T(np.array([3.0], "float32")), (), dtype="float32", expect=np.reshape)
add("reshape", "empty", T(np.zeros((0, 3), "float32")), (3, 0), dtype="float32", expect=np.reshape)
add("reshape", "int32", T(g.ints((2, 3))), (3, 2), dtype="int32", expect=np.reshape)
add("reshape", "noncontiguous", T(x234.transpose(2, 1, 0)), (4, 6), dtype="float32", expect=np.reshape)
add("reshape", "list_shape", T(x23), [6, 1], dtype="float32", expect=np.reshape)

add("transpose", "reverse_default", T(x234), dtype="float32", expect=np.transpose)
add("transpose", "axes", T(x234), (1, 2, 0), dtype="float32", expect=np.transpose)
add("transpose", "negative_axes", T(x234), (0, -1, -2), dtype="float32", expect=np.transpose)
add("transpose", "0d", T(np.float32(1.0)), dtype="float32", expect=np.transpose)
add("transpose", "empty", T(np.zeros((0, 2), "float32")), dtype="float32", expect=np.transpose)
add("transpose", "bool", T(g.bools((2, 3))), dtype="bool", expect=np.transpose)
add("transpose", "f16", T(x23.astype("float16")), (1, 0), dtype="float16", expect=np.transpose)

add("expand_dims", "axis0", T(x23), 0, dtype="float32", expect=np.expand_dims)
add("expand_dims", "axis_neg1", T(x23), -1, dtype="float32", expect=np.expand_dims)
add("expand_dims", "middle", T(x23), 1, dtype="float32", expect=np.expand_dims)
add("expand_dims", "tuple", T(x23), (0, 3), dtype="float32", expect=np.expand_dims)
add("expand_dims", "0d", T(np.float32(1.5)), 0, dtype="float32", expect=np.expand_dims)
add("expand_dims", "int32", T(g.ints((3,))), -1, dtype="int32", expect=np.expand_dims)

x1_31 = g.normal((1, 3, 1))
add("squeeze", "all", T(x1_31), dtype="float32", expect=np.squeeze)
add("squeeze", "axis0", T(x1_31), 0, dtype="float32", expect=np.squeeze)
add("squeeze", "axis_neg1", T(x1_31), -1, dtype="float32", expect=np.squeeze)
add("squeeze", "tuple", T(x1_31), (0, 2), dtype="float32", expect=np.squeeze)
add("squeeze", "to_0d", T(np.ones((1, 1), "float32")), dtype="float32", expect=np.squeeze)
add("squeeze", "empty_keeps_zero_dim", T(np.zeros((0, 1), "float32")), 1, dtype="float32", expect=np.squeeze)

add("broadcast_to", "row", T(g.normal((3,))), (2, 3), dtype="float32", expect=np.broadcast_to)
add("broadcast_to", "column", T(g.normal((2, 1))), (2, 4), dtype="float32", expect=np.broadcast_to)
add("broadcast_to", "from_0d", T(np.float32(0.5)), (2, 2), dtype="float32", expect=np.broadcast_to)
add("broadcast_to", "new_leading_and_inner", T(g.normal((3, 1))), (2, 3, 4), dtype="float32",
    expect=np.broadcast_to)
add("broadcast_to", "empty", T(g.normal((1, 3))), (0, 3), dtype="float32", expect=np.broadcast_to)
add("broadcast_to", "int32", T(g.ints((3,))), (2, 3), dtype="int32", expect=np.broadcast_to)


def _seq(fn):
    return lambda xs, *args, **kwargs: fn(list(xs), *args, **kwargs)


add("concatenate", "axis0", [T(g.normal((2, 3))), T(g.normal((1, 3)))], dtype="float32",
    expect=_seq(np.concatenate))
add("concatenate", "axis_neg1", [T(g.normal((2, 3))), T(g.normal((2, 1))), T(g.normal((2, 2)))],
    kwargs={"axis": -1}, dtype="float32", expect=_seq(np.concatenate))
add("concatenate", "with_empty", [T(np.zeros((0, 3), "float32")), T(g.normal((2, 3)))], dtype="float32",
    expect=_seq(np.concatenate))
add("concatenate", "single", [T(g.normal((2,)))], dtype="float32", expect=_seq(np.concatenate))
add("concatenate", "int32", [T(g.ints((2,))), T(g.ints((3,)))], dtype="int32", expect=_seq(np.concatenate))
add("concatenate", "tuple_input", (T(g.normal((1, 2))), T(g.normal((1, 2)))), kwargs={"axis": 1},
    dtype="float32", expect=_seq(np.concatenate))

add("stack", "axis0", [T(g.normal((2, 3))), T(g.normal((2, 3)))], dtype="float32", expect=_seq(np.stack))
add("stack", "axis_neg1", [T(g.normal((2,))), T(g.normal((2,))), T(g.normal((2,)))], kwargs={"axis": -1},
    dtype="float32", expect=_seq(np.stack))
add("stack", "0d", [T(np.float32(1.0)), T(np.float32(2.0))], dtype="float32", expect=_seq(np.stack))
add("stack", "middle_axis", [T(g.normal((2, 3))), T(g.normal((2, 3)))], kwargs={"axis": 1}, dtype="float32",
    expect=_seq(np.stack))
add("stack", "bool", [T(g.bools((3,))), T(g.bools((3,)))], dtype="bool", expect=_seq(np.stack))

add("split", "sections", T(g.normal((6, 2))), 3, dtype="float32", expect=np.split)
add("split", "points", T(g.normal((6, 2))), [1, 4], dtype="float32", expect=np.split)
add("split", "axis1", T(g.normal((2, 4))), 2, kwargs={"axis": 1}, dtype="float32", expect=np.split)
add("split", "axis_neg1_points", T(g.normal((2, 5))), [2], kwargs={"axis": -1}, dtype="float32", expect=np.split)
add("split", "one_section", T(g.normal((3,))), 1, dtype="float32", expect=np.split)
add("split", "int32", T(g.ints((4,))), 2, dtype="int32", expect=np.split)

add("tile", "per_axis", T(x23), (2, 1), dtype="float32", expect=np.tile)
add("tile", "more_reps_than_dims", T(g.normal((3,))), (2, 2), dtype="float32", expect=np.tile)
add("tile", "int_reps", T(g.normal((2,))), 3, dtype="float32", expect=np.tile)
add("tile", "zero_reps", T(x23), (0, 2), dtype="float32", expect=np.tile)
add("tile", "int32", T(g.ints((2, 2))), (1, 3), dtype="int32", expect=np.tile)

add("repeat", "flattened", T(x23), 2, dtype="float32", expect=np.repeat)
add("repeat", "axis1", T(x23), 3, kwargs={"axis": 1}, dtype="float32", expect=np.repeat)
add("repeat", "axis_neg2", T(x234), 2, kwargs={"axis": -2}, dtype="float32", expect=np.repeat)
add("repeat", "int32", T(g.ints((3,))), 2, kwargs={"axis": 0}, dtype="int32", expect=np.repeat)

add("pad", "constant", T(x23), ((1, 2), (0, 1)), dtype="float32", expect=np.pad)
add("pad", "constant_value", T(x23), ((1, 0), (2, 2)), kwargs={"constant_values": 1.5}, dtype="float32",
    expect=np.pad)
add("pad", "reflect", T(g.normal((3, 4))), ((1, 2), (2, 1)), kwargs={"mode": "reflect"}, dtype="float32",
    expect=np.pad)
add("pad", "symmetric", T(g.normal((3, 4))), ((2, 1), (0, 3)), kwargs={"mode": "symmetric"},
    dtype="float32", expect=np.pad)
add("pad", "zero_width", T(x23), ((0, 0), (0, 0)), dtype="float32", expect=np.pad)
add("pad", "rank3", T(x234), ((0, 0), (1, 1), (2, 0)), dtype="float32", expect=np.pad)
add("pad", "int32", T(g.ints((2, 2))), ((1, 1), (1, 1)), kwargs={"constant_values": 7}, dtype="int32",
    expect=np.pad)

add("flip", "all", T(x23), dtype="float32", expect=np.flip)
add("flip", "axis0", T(x234), 0, dtype="float32", expect=np.flip)
add("flip", "axis_tuple", T(x234), (0, 2), dtype="float32", expect=np.flip)
add("flip", "axis_neg1", T(x23), -1, dtype="float32", expect=np.flip)
add("flip", "int32", T(g.ints((4,))), dtype="int32", expect=np.flip)


def _np_slice(x, start, shape):
    return x[tuple(np.s_[s:s + n] for s, n in zip(start, shape))]


add("slice", "2d", T(g.normal((4, 5))), (1, 2), (2, 3), dtype="float32", expect=_np_slice)
add("slice", "full", T(x23), (0, 0), (2, 3), dtype="float32", expect=_np_slice)
add("slice", "empty", T(x23), (1, 0), (0, 3), dtype="float32", expect=_np_slice)
add("slice", "rank3", T(x234), (1, 0, 2), (1, 3, 2), dtype="float32", expect=_np_slice)
add("slice", "int32", T(g.ints((5,))), (2,), (3,), dtype="int32", expect=_np_slice)

add("take", "axis0", T(g.normal((4, 3))), T(np.array([3, 0, 0, 2], "int32")), kwargs={"axis": 0},
    dtype="float32", expect=np.take)
add("take", "axis1_2d_indices", T(g.normal((2, 5))), T(np.array([[4, 1], [0, 0]], "int32")),
    kwargs={"axis": 1}, dtype="float32", expect=np.take)
add("take", "flattened", T(x23), T(np.array([5, 0, 2], "int32")), dtype="float32", expect=np.take)
add("take", "negative_indices", T(g.normal((4,))), T(np.array([-1, -4, 1], "int32")), kwargs={"axis": 0},
    dtype="float32", expect=np.take)
add("take", "int64_indices", T(g.normal((3, 2))), T(np.array([2, 1], "int64")), kwargs={"axis": 0},
    dtype="float32", expect=np.take)
add("take", "python_list_indices", T(g.normal((4, 2))), [1, 3], kwargs={"axis": 0}, dtype="float32",
    expect=np.take)
add("take", "scalar_index", T(g.normal((4, 2))), 2, kwargs={"axis": 0}, dtype="float32", expect=np.take)
add("take", "empty_indices", T(g.normal((4, 2))), T(np.zeros((0,), "int32")), kwargs={"axis": 0},
    dtype="float32", expect=np.take)
add("take", "int32_values", T(g.ints((5,))), T(np.array([0, 4], "int32")), kwargs={"axis": 0}, dtype="int32",
    expect=np.take)

add("take_along_axis", "axis1", T(g.normal((3, 4))), T(np.array([[0, 3], [1, 1], [2, 0]], "int32")),
    kwargs={"axis": 1}, dtype="float32", expect=np.take_along_axis)
add("take_along_axis", "axis0", T(g.normal((3, 2))), T(np.array([[2, 0]], "int32")), kwargs={"axis": 0},
    dtype="float32", expect=np.take_along_axis)
add("take_along_axis", "axis_neg1_rank3", T(x234), T(g.ints((2, 3, 1), 0, 4)), kwargs={"axis": -1},
    dtype="float32", expect=np.take_along_axis)
add("take_along_axis", "negative_indices", T(np.array([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]], "float32")),
    T(np.array([[-1], [0]], "int64")), kwargs={"axis": 1}, dtype="float32", expect=np.take_along_axis)
add("take_along_axis", "int64_indices", T(g.normal((2, 3))), T(np.array([[2], [0]], "int64")),
    kwargs={"axis": 1}, dtype="float32", expect=np.take_along_axis)


def _np_scatter(indices, values, shape):
    out = np.zeros(shape, values.dtype)
    np.add.at(out, tuple(indices.T), values)
    return out


add("scatter", "k2_points", T(np.array([[0, 1], [2, 0], [1, 1]], "int32")), T(g.normal((3,))), (3, 2),
    dtype="float32", expect=_np_scatter)
add("scatter", "duplicates_add", T(np.array([[1], [1], [0]], "int32")), T(g.normal((3, 2))), (3, 2),
    dtype="float32", expect=_np_scatter)
add("scatter", "k1_rows", T(np.array([[3], [0]], "int32")), T(g.normal((2, 2, 2))), (4, 2, 2),
    dtype="float32", expect=_np_scatter)
add("scatter", "int32_values", T(np.array([[0], [2]], "int32")), T(g.ints((2,))), (3,), dtype="int32",
    expect=_np_scatter)
add("scatter", "int64_indices", T(np.array([[1, 0]], "int64")), T(g.normal((1,))), (2, 2), dtype="float32",
    expect=_np_scatter)

# sort / argsort / top_k: distinct values, except the cases that check stability or tie order.
add("sort", "last_axis", T(g.distinct((3, 4))), dtype="float32", expect=np.sort)
add("sort", "axis0", T(g.distinct((3, 4))), kwargs={"axis": 0}, dtype="float32", expect=np.sort)
add("sort", "1d", T(g.distinct((6,))), dtype="float32", expect=np.sort)
add("sort", "int32", T(g.ints((2, 5))), dtype="int32", expect=np.sort)
add("sort", "empty", T(np.zeros((2, 0), "float32")), dtype="float32", expect=np.sort)
add("sort", "f16", T(g.distinct((5,), "float16")), dtype="float16", expect=np.sort)

stable = lambda x, axis=-1: np.argsort(x, axis=axis, kind="stable")  # noqa: E731
add("argsort", "last_axis", T(g.distinct((3, 4))), dtype="int32", expect=stable)
add("argsort", "axis0", T(g.distinct((3, 4))), kwargs={"axis": 0}, dtype="int32", expect=stable)
add("argsort", "ties_stable", T(np.array([2.0, 1.0, 2.0, 1.0, 0.0, 2.0], "float32")), dtype="int32",
    expect=stable)
add("argsort", "int32_ties_stable", T(np.array([[3, 1, 3, 1], [0, 0, 0, -1]], "int32")), dtype="int32",
    expect=stable)


def _np_top_k(x, k, sorted=True):
    order = np.argsort(-x, axis=-1, kind="stable")[..., :k]
    return np.take_along_axis(x, order, axis=-1), order


add("top_k", "k2", T(g.distinct((3, 5))), 2, dtype="float32", expect=_np_top_k)
add("top_k", "k_full", T(g.distinct((4,))), 4, dtype="float32", expect=_np_top_k)
add("top_k", "rank3", T(g.distinct((2, 2, 4))), 1, dtype="float32", expect=_np_top_k)
add("top_k", "ties_lower_index_first", T(np.array([1.0, 3.0, 2.0, 3.0, 2.0], "float32")), 3,
    dtype="float32", expect=_np_top_k, grad=False)
add("top_k", "int32", T(np.array([[4, -1, 7, 0]], "int32")), 2, dtype="int32", expect=_np_top_k)

# stop_gradient: identity forward; its VJP is zero (compared across backends, no finite differences).
add("stop_gradient", "f32", T(x23), dtype="float32", expect=lambda x: x, fd=False)
add("stop_gradient", "f32_0d", T(np.float32(2.0)), dtype="float32", expect=lambda x: x, fd=False)
add("stop_gradient", "int32", T(g.ints((3,))), dtype="int32", expect=lambda x: x)
