"""Cases for ``kerafront.ops.functional`` (``map``, ``switch``, ``associative_scan``), ``kerafront.ops.core``
(updates, ``unstack``, ``in_top_k``, ``cdist``, ``saturate_cast``, ``unique``, ``view`` and its primitive
``bitcast``) and ``kerafront.ops.einops`` (``rearrange``), each against a NumPy loop or formula.

``vectorize`` and ``custom_gradient`` transform functions: tests/test_ops_functional.py checks them
(values against NumPy and Keras, gradients inside ``fit`` on every backend).
"""

import numpy as np

from kerafront import ops

from conformance_tests.cases import (COVERED_ELSEWHERE, FD_EXEMPT, NON_DIFFERENTIABLE_COMPOSITES,
                                     VALUE_SHAPED_COMPOSITES, Closure, Gen, T, add)
from conformance_tests.cases.kinks import NO_KINK_ROWS

COVERED_ELSEWHERE.update({
    "vectorize": "tests/test_ops_functional.py (a transformation of functions)",
    "custom_gradient": "tests/test_ops_functional.py (a decorator; gradients inside fit on every backend)",
    "custom_gradient_call": "tests/test_ops_functional.py (the backend hook behind custom_gradient)",
})
NON_DIFFERENTIABLE_COMPOSITES.update({"in_top_k": "bool output", "view": "a reinterpretation of bits",
                                      "unique": "a selection of input values by sorting (rows use integers)"})
VALUE_SHAPED_COMPOSITES.update({"unique": "without size, one entry per distinct value"})
FD_EXEMPT.update({
    "vectorize": "a transformation of functions: tests/test_ops_functional.py differentiates through it",
    "custom_gradient": "its gradient is the user's by definition: tests/test_ops_functional.py checks it is used",
    "saturate_cast": "casts to a fixed dtype, so float64 finite differences come back in float32; the VJP rows and "
                     "tests/test_ops_functional.py check its gradient (clip's)",
})
NO_KINK_ROWS.update({
    "scatter_update": "`where` and max/min pick by index positions (which rows land, which positions are hit); "
                      "ties between updates of one position are checked by hand in tests/test_ops_functional.py",
    "slice_update": "`where` and `clip` act on index positions only, never on the values",
    "saturate_cast": "`clip` at the target dtype's range: checked in tests/test_ops_functional.py",
    "in_top_k": "not differentiable: bool output (ties count as in: tests/test_ops_functional.py)",
    "unique": "`where` picks the filled slots by position; sort ties keep input order (argsort is stable)",
    "associative_scan": "only the pytree row's own f calls maximum, on distinct values (the scan adds no kink)",
})

g = Gen("functional")
x234 = g.normal((2, 3, 4))
x35 = g.normal((3, 5))


# ----------------------------------------------------------------------------------------------
# map, vectorized_map, switch

def _row_energy(x):
    return ops.sum(ops.multiply(ops.tanh(x), x), axis=-1)


add("map", "row_energy", _row_energy, T(x234),
    expect=lambda f, xs: np.stack([(np.tanh(x) * x).sum(-1) for x in xs]))


def _scaled_rows(w, x):
    return ops.matmul(x, w)


add("map", "closed_over_kernel", Closure(_scaled_rows, T(g.normal((4, 2)))), T(x234),
    expect=lambda f, xs: np.stack([x @ f.args[0] for x in xs]))
add("map", "pytree", lambda pair: {"sum": ops.add(pair[0], pair[1]), "product": ops.multiply(pair[0], pair[1])},
    (T(x35), T(g.normal((3, 5)))),
    expect=lambda f, xs: {"product": xs[0] * xs[1], "sum": xs[0] + xs[1]})
add("vectorized_map", "list_elements", lambda pair: ops.subtract(ops.square(pair[0]), pair[1]),
    [T(x35), T(g.normal((3, 5)))], expect=lambda f, xs: xs[0] ** 2 - xs[1])
add("vectorized_map", "tensor", lambda x: ops.matmul(ops.expand_dims(x, 0), ops.expand_dims(x, 1)), T(x35),
    expect=lambda f, xs: np.stack([[[x @ x]] for x in xs]))

_BRANCHES = [lambda a, b: ops.add(a, b), lambda a, b: ops.multiply(a, b), lambda a, b: ops.subtract(a, ops.sin(b))]
_NUMPY_BRANCHES = [lambda a, b: a + b, lambda a, b: a * b, lambda a, b: a - np.sin(b)]
for index in (-3, 0, 1, 2, 7):
    add("switch", f"python_index_{index}", index, _BRANCHES, T(x35), T(g.normal((3, 5))),
        expect=lambda i, branches, a, b: _NUMPY_BRANCHES[min(max(i, 0), 2)](a, b))
for index in (-1, 1, 2, 5):
    add("switch", f"tensor_index_{index}", T(np.array(index, "int32")), _BRANCHES, T(x35), T(g.normal((3, 5))),
        expect=lambda i, branches, a, b: _NUMPY_BRANCHES[int(min(max(i, 0), 2))](a, b))


# ----------------------------------------------------------------------------------------------
# associative_scan: an addition, and a non-commutative product of 2x2 matrices (order matters)

def _matrix_product(a, b):
    return ops.matmul(a, b)


def _prefix_products(ms, reverse=False):
    out, acc = [None] * len(ms), None
    for k in (reversed(range(len(ms))) if reverse else range(len(ms))):
        acc = ms[k] if acc is None else acc @ ms[k]
        out[k] = acc
    return np.stack(out)


add("associative_scan", "add_axis1", ops.add, T(g.normal((2, 7, 3))), kwargs={"axis": 1},
    expect=lambda f, elems, axis: np.cumsum(elems, axis=axis))
add("associative_scan", "add_reverse", ops.add, T(g.normal((5, 2))), kwargs={"reverse": True},
    expect=lambda f, elems, reverse: np.flip(np.cumsum(np.flip(elems, 0), 0), 0))
add("associative_scan", "matmul", _matrix_product, T(g.normal((6, 2, 2), scale=0.8)),
    expect=lambda f, elems: _prefix_products(elems))
add("associative_scan", "matmul_reverse", _matrix_product, T(g.normal((5, 2, 2), scale=0.8)),
    kwargs={"reverse": True}, expect=lambda f, elems, reverse: _prefix_products(elems, reverse=True))
add("associative_scan", "pytree", lambda a, b: {"sum": ops.add(a["sum"], b["sum"]),
                                               "max": ops.maximum(a["max"], b["max"])},
    {"sum": T(g.normal((4, 3))), "max": T(g.distinct((4, 3)))},
    expect=lambda f, elems: {"max": np.maximum.accumulate(elems["max"], 0), "sum": np.cumsum(elems["sum"], 0)},
    grad=False)


# ----------------------------------------------------------------------------------------------
# Updates

def _scatter_reference(inputs, indices, updates, reduction=None):
    out = inputs.copy()
    indices = np.asarray(indices)
    hit = np.zeros(inputs.shape[:indices.shape[1]], bool)
    for row, update in zip(indices, updates):
        key = tuple(row)
        if reduction is None:
            out[key] = update
        elif reduction == "add":
            out[key] = out[key] + update
        elif reduction == "mul":
            out[key] = out[key] * update
        else:
            out[key] = (np.maximum if reduction == "max" else np.minimum)(out[key], update)
        hit[key] = True
    return out


_distinct_rows = np.array([[1, 2], [0, 0], [2, 1]], "int32")
_duplicate_rows = np.array([[1], [3], [1], [0], [1]], "int32")
add("scatter_update", "full_index", T(g.normal((3, 4))), T(_distinct_rows), T(g.normal((3,))),
    expect=_scatter_reference)
add("scatter_update", "row_index", T(g.normal((4, 3))), T(_duplicate_rows[:2]), T(g.normal((2, 3))),
    expect=_scatter_reference)
add("scatter_update", "duplicates_last_wins", T(g.normal((4, 3))), T(_duplicate_rows), T(g.normal((5, 3))),
    expect=_scatter_reference)
for reduction in ("add", "mul"):
    add("scatter_update", f"duplicates_{reduction}", T(g.normal((4, 3))), T(_duplicate_rows), T(g.normal((5, 3))),
        kwargs={"reduction": reduction}, expect=_scatter_reference)
for reduction in ("max", "min"):
    add("scatter_update", f"duplicates_{reduction}", T(g.distinct((4, 3))), T(_duplicate_rows),
        T(g.distinct((5, 3)) + 0.03), kwargs={"reduction": reduction}, expect=_scatter_reference)
add("scatter_update", "int32", T(g.ints((5,))), T(np.array([[4], [0]], "int32")), T(g.ints((2,))),
    expect=_scatter_reference, dtype="int32")


def _slice_update_reference(inputs, start_indices, updates):
    out = inputs.copy()
    starts = [int(np.clip(s, 0, n - u)) for s, n, u in zip(start_indices, inputs.shape, updates.shape)]
    out[tuple(np.s_[s:s + u] for s, u in zip(starts, updates.shape))] = updates
    return out


add("slice_update", "corner", T(g.normal((5, 4))), [3, 1], T(g.normal((2, 3))), expect=_slice_update_reference)
add("slice_update", "rank3", T(x234), [0, 1, 2], T(g.normal((2, 2, 2))), expect=_slice_update_reference)
add("slice_update", "tensor_starts_clamped", T(g.normal((6,))), [T(np.array(5, "int32"))], T(g.normal((3,))),
    expect=_slice_update_reference)
add("slice_update", "tensor_of_starts", T(g.normal((4, 5))), T(np.array([1, 3], "int32")), T(g.normal((2, 2))),
    expect=_slice_update_reference)
add("slice_update", "int32", T(g.ints((3, 3))), [1, 0], T(g.ints((1, 3))), expect=_slice_update_reference,
    dtype="int32")


# ----------------------------------------------------------------------------------------------
# unstack, in_top_k, cdist, saturate_cast, rearrange

for axis in (0, 1, -1):
    add("unstack", f"axis{axis}", T(x234), kwargs={"axis": axis},
        expect=lambda x, axis: [np.take(x, i, axis=axis) for i in range(x.shape[axis])])
add("unstack", "num", T(x35), kwargs={"num": 3}, expect=lambda x, num: list(x))

_predictions = np.array([[0.1, 0.4, 0.6, 0.9, 0.5], [0.1, 0.7, 0.9, 0.8, 0.3], [0.1, 0.6, 0.9, 0.9, 0.5]], "float32")


def _in_top_k_reference(targets, predictions, k):
    kth = np.sort(predictions, -1)[..., -min(k, predictions.shape[-1])]
    return np.take_along_axis(predictions, targets[..., None], -1)[..., 0] >= kth


for k in (1, 2, 3, 9):
    add("in_top_k", f"k{k}", T(np.array([2, 4, 3], "int32")), T(_predictions), k, expect=_in_top_k_reference,
        dtype="bool")
add("in_top_k", "batched", T(g.ints((2, 4), 0, 6)), T(g.distinct((2, 4, 6))), 2, expect=_in_top_k_reference,
    dtype="bool")


def _cdist_reference(x, y):
    return np.sqrt(((x[..., :, None, :].astype("float64") - y[..., None, :, :]) ** 2).sum(-1))


add("cdist", "matrices", T(g.normal((3, 4))), T(g.normal((5, 4))), expect=_cdist_reference)
add("cdist", "batched", T(g.normal((2, 3, 2))), T(g.normal((1, 4, 2))), expect=_cdist_reference)
add("cdist", "int", T(g.ints((2, 3))), T(g.ints((3, 3))), expect=_cdist_reference, dtype="float32", grad=False)

_saturating = np.array([-1e10, -300.0, -1.0, 0.4, 3.7, 127.5, 256.0, 1e10], "float32")
for target, low, high in (("uint8", 0, 255), ("int8", -128, 127), ("int16", -32768, 32767),
                          ("int32", -2147483648, 2147483520)):
    add("saturate_cast", f"float32_to_{target}", T(_saturating), target,
        expect=lambda x, dtype, low=low, high=high: np.clip(x, low, high).astype(dtype), dtype=target)
add("saturate_cast", "int32_to_uint8", T(np.array([-7, 0, 200, 300, 70000], "int32")), "uint8",
    expect=lambda x, dtype: np.clip(x, 0, 255).astype(dtype), dtype="uint8")
add("saturate_cast", "float32_to_float16", T(np.array([-1e6, -2.5, 7e4, 1.0], "float32")), "float16",
    expect=lambda x, dtype: np.clip(x, -65504, 65504).astype(dtype), dtype="float16", grad=False)
add("saturate_cast", "float32_to_float32", T(x35), "float32", expect=lambda x, dtype: x, dtype="float32",
    fd=False)

_images = g.normal((2, 6, 4, 3))
for name, pattern, lengths, reference in (
        ("transpose", "b h w c -> b c h w", {}, lambda x: x.transpose(0, 3, 1, 2)),
        ("merge", "b h w c -> (b h) w c", {}, lambda x: x.reshape(12, 4, 3)),
        ("merge_reordered", "b h w c -> h (b w) c", {}, lambda x: x.transpose(1, 0, 2, 3).reshape(6, 8, 3)),
        ("flatten", "b h w c -> b (c h w)", {}, lambda x: x.transpose(0, 3, 1, 2).reshape(2, 72)),
        ("split", "b (h1 h) (w1 w) c -> (b h1 w1) h w c", {"h1": 2, "w1": 2},
         lambda x: x.reshape(2, 2, 3, 2, 2, 3).transpose(0, 1, 3, 2, 4, 5).reshape(8, 3, 2, 3)),
        ("space_to_depth", "b (h h1) (w w1) c -> b h w (c h1 w1)", {"h1": 2, "w1": 2},
         lambda x: x.reshape(2, 3, 2, 2, 2, 3).transpose(0, 1, 3, 5, 2, 4).reshape(2, 3, 2, 12))):
    add("rearrange", name, T(_images), pattern, kwargs=lengths,
        expect=lambda x, pattern, reference=reference, **lengths: reference(x))


# ----------------------------------------------------------------------------------------------
# unique: eagerly (NumPy's unique) and with size (computed in the graph)

def _unique_sized(x, size, fill_value=0, **flags):
    values, index, inverse, counts = np.unique(x, return_index=True, return_inverse=True, return_counts=True)
    keep = min(size, len(values))

    def fit(a, fill):
        return np.concatenate([a[:keep], np.full(size - keep, fill, a.dtype)])

    out = [fit(values, fill_value)]
    if flags.get("return_index"):
        out.append(fit(index.astype("int32"), 0))
    if flags.get("return_inverse"):
        out.append(inverse.reshape(x.shape).astype("int32"))
    if flags.get("return_counts"):
        out.append(fit(counts.astype("int32"), 0))
    return out[0] if len(out) == 1 else tuple(out)


_repeats = np.array([[3, 1, 2, 1], [7, 3, 3, -2]], "int32")
add("unique", "eager", T(_repeats), expect=lambda x: np.unique(x), dtype="int32")
add("unique", "eager_all", T(_repeats), kwargs={"return_index": True, "return_inverse": True, "return_counts": True},
    expect=lambda x, **flags: _unique_sized(x, 5, **flags), dtype="int32")
add("unique", "sized_padded", T(_repeats), kwargs={"size": 7, "fill_value": -9, "return_index": True,
                                                   "return_inverse": True, "return_counts": True},
    expect=_unique_sized, dtype="int32")
add("unique", "sized_truncated", T(_repeats), kwargs={"size": 3, "return_counts": True}, expect=_unique_sized,
    dtype="int32")
add("unique", "sized_float", T(np.array([0.5, -1.0, 0.5, 2.0], "float32")), kwargs={"size": 4},
    expect=_unique_sized, dtype="float32", grad=False)


# ----------------------------------------------------------------------------------------------
# bitcast (the primitive) and view (Keras's name for it)

def _np_dtype(name):
    if name == "bfloat16":
        import ml_dtypes
        return ml_dtypes.bfloat16
    return np.dtype(name)


_bits = np.array([[1.0, -2.5, 3.0e-3, 65504.0], [0.0, -0.0, 7.0, 1.0e-8]], "float32")
for source, target in (("float32", "int32"), ("float32", "uint8"), ("float32", "int16"), ("float32", "float16"),
                       ("float32", "bfloat16"), ("int32", "float32")):
    data = _bits.astype(source) if source == "float32" else _bits.view("int32")
    add("bitcast", f"{source}_to_{target}", T(data), target, dtype=target,
        expect=lambda x, dtype, source=source: x.astype(source).view(_np_dtype(dtype)))
add("bitcast", "uint8_to_int32", T(g.ints((3, 8), 0, 256, "uint8")), "int32", expect=lambda x, dtype: x.view(dtype),
    dtype="int32")
add("bitcast", "int8_to_uint8_scalar", T(np.array(-3, "int8")), "uint8", expect=lambda x, dtype: x.view(dtype),
    dtype="uint8")
add("bitcast", "bool_to_uint8", T(np.array([True, False, True])), "uint8", expect=lambda x, dtype: x.view(dtype),
    dtype="uint8")
add("view", "int32_as_float32", T(g.ints((2, 3))), kwargs={"dtype": "float32"},
    expect=lambda x, dtype: x.view(dtype), dtype="float32", grad=False)
add("view", "none", T(x35), expect=lambda x: x, dtype="float32", grad=False)
