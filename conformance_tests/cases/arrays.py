"""Cases for ``kerafront.ops.arrays`` (Keras's array names: creation, joining, splitting, products,
searching) against NumPy's functions of the same names."""

import numpy as np

from conformance_tests.cases import NON_DIFFERENTIABLE_COMPOSITES, VALUE_SHAPED_COMPOSITES, Gen, T, add
from conformance_tests.cases.kinks import NO_KINK_ROWS

NON_DIFFERENTIABLE_COMPOSITES.update({
    "allclose": "bool output", "argpartition": "integer output", "digitize": "integer output",
    "isin": "bool output", "searchsorted": "integer output", "nonzero": "integer output",
    "unravel_index": "integer output", "histogram": "integer counts; edges are constants of the data range",
    "empty": "constant output", "empty_like": "constant output", "identity": "constant output",
    "tri": "constant output",
})
VALUE_SHAPED_COMPOSITES.update({"bincount": "its length is max(x) + 1", "nonzero": "one index per nonzero value"})
_BY_POSITION = "`where` picks by a mask of positions (diagonal, band, endpoint index), never by comparing values"
NO_KINK_ROWS.update({
    **dict.fromkeys(("diag", "diagflat", "diagonal", "trace", "tril", "triu", "linspace", "logspace", "geomspace"),
                    _BY_POSITION),
    "copy": "`where` with a constant true condition",
    "bincount": "`where` picks by comparing integer values with bin indices; weights pass through linearly",
    "select": "`where` picks by the caller's conditions, which are not differentiated",
    "nan_to_num": "`where` picks NaN and infinite entries, where there is no derivative to choose",
    "allclose": "not differentiable: bool output",
    "argpartition": "not differentiable: integer output (ties: argsort's stable order)",
    "histogram": "not differentiable: integer counts",
})

g = Gen("arrays")
x23 = g.normal((2, 3))
x34 = g.normal((3, 4))
x234 = g.normal((2, 3, 4))
x45 = g.normal((4, 5))
v3, w3 = g.normal((3,)), g.normal((3,))
v5 = g.normal((5,))
i23 = g.ints((2, 3))


def _as_list(fn):
    return lambda *args, **kwargs: list(fn(*args, **kwargs))


def _same(name, op, *args, expect=None, dtype="float32", **kwargs):
    add(op, name, *args, kwargs=kwargs, expect=expect or getattr(np, op), dtype=dtype)


# Creation
_same("f32", "array", T(x23))
add("array", "cast", T(i23), kwargs={"dtype": "float32"}, expect=lambda x, dtype: x.astype(dtype), dtype="float32")
_same("f32", "copy", T(x23))
_same("i32", "copy", T(i23), dtype="int32")
add("empty", "shape", (2, 3), expect=lambda shape: np.zeros(shape, "float32"), dtype="float32")
add("empty_like", "f32", T(x23), expect=np.zeros_like, dtype="float32")
add("identity", "3", 3, expect=np.identity, dtype="float32")
for k in (-1, 0, 2):
    add("tri", f"k{k}", 3, 4, k, expect=np.tri, dtype="float32")
    _same(f"k{k}", "tril", T(x234), k=k)
    _same(f"k{k}", "triu", T(x234), k=k)
_same("i32", "tril", T(i23), dtype="int32")
_same("scalars", "linspace", 0.0, 1.0, 5)
_same("no_endpoint", "linspace", 0.0, 1.0, 4, endpoint=False)
_same("tensors_axis1", "linspace", T(v3), T(w3), 4, axis=1)
add("linspace", "to_int", 0, 10, 4, kwargs={"dtype": "int32"}, expect=np.linspace, dtype="int32")
_same("scalars", "logspace", 0.0, 2.0, 5)
_same("base2_tensor", "logspace", T(v3), T(w3), 3, base=2.0)
_same("scalars", "geomspace", 1.0, 1000.0, 4)
_same("negative_tensors", "geomspace", T(-g.positive((2,))), T(-g.positive((2,))), 3, axis=-1)
add("meshgrid", "xy", T(v3), T(v5), T(g.normal((2,))), expect=_as_list(np.meshgrid), dtype="float32")
add("meshgrid", "ij", T(v3), T(v5), kwargs={"indexing": "ij"}, expect=_as_list(np.meshgrid), dtype="float32")
_same("default", "vander", T(v3))
_same("increasing", "vander", T(v3), 4, True)

# Joining and splitting
_same("flat", "append", T(x23), T(x34))
_same("axis1", "append", T(x23), T(g.normal((2, 2))), axis=1)
_same("i32", "append", T(i23), T(i23), axis=0, dtype="int32")
add("array_split", "uneven", T(g.normal((7, 2))), 3, expect=_as_list(np.array_split), dtype="float32")
add("array_split", "indices_axis1", T(x234), [1, 2], kwargs={"axis": 1}, expect=_as_list(np.array_split),
    dtype="float32")
add("hsplit", "3d", T(x234), 3, expect=_as_list(np.hsplit), dtype="float32")
add("vsplit", "3d", T(x234), 2, expect=_as_list(np.vsplit), dtype="float32")
add("dsplit", "3d", T(x234), [1, 3], expect=_as_list(np.dsplit), dtype="float32")
for op in ("hstack", "vstack", "dstack"):
    add(op, "2d", [T(x23), T(g.normal((2, 3)))], expect=getattr(np, op), dtype="float32")
    add(op, "1d", [T(v3), T(w3)], expect=getattr(np, op), dtype="float32")

# Rearranging
_same("2d", "fliplr", T(x23))
_same("2d", "flipud", T(x23))
_same("flat", "roll", T(x23), 2)
_same("axes", "roll", T(x234), (1, -3), axis=(0, 2))
for k in (1, 2, 3):
    _same(f"k{k}", "rot90", T(x234), k, axes=(2, 0))
for name, key in (("int", 1), ("negative_int", -1), ("tuple", (1, slice(0, 2))), ("ellipsis_none", (Ellipsis, None, 2)),
                  ("steps", (slice(None, None, -1), slice(3, 0, -2))), ("empty", (slice(2, 1),))):
    add("get_item", name, T(x234), key, expect=lambda x, key: x[key], dtype="float32")
add("get_item", "int_tensor", T(x234), T(np.array([1, 0, 1], "int32")), expect=lambda x, key: x[key], dtype="float32")
_same("offset", "diagonal", T(x234), 1, 0, 2)
_same("negative_offset", "diagonal", T(x234), -1, 2, 1)
_same("vector_k1", "diag", T(v3), 1)
_same("vector_k-2", "diag", T(v3), -2)
_same("matrix_k1", "diag", T(x34), 1)
_same("k-1", "diagflat", T(x23), -1)
_same("3d", "trace", T(x234), 1, 1, 2)
_same("i32", "trace", T(i23), dtype="int32")
_same("n2_axis1", "diff", T(x234), 2, axis=1)
_same("i32", "diff", T(i23), dtype="int32")

# Products
_same("axes2", "tensordot", T(x234), T(g.normal((3, 4, 2))), 2)
_same("pairs", "tensordot", T(x234), T(g.normal((4, 2, 3))), axes=([2, 1], [0, 2]))
_same("outer0", "tensordot", T(v3), T(v5), 0)
_same("matrices", "dot", T(x34), T(x45))
_same("nd", "dot", T(x234), T(g.normal((5, 4, 2))))
_same("scalar", "dot", T(x23), 2.0)
_same("i32", "dot", T(i23), T(g.ints((3, 2))), dtype="int32")
_same("nd", "inner", T(x234), T(x34))
_same("vectors", "outer", T(v3), T(v5))
_same("matrices", "vdot", T(x23), T(g.normal((2, 3))))
_same("2d", "kron", T(x23), T(g.normal((2, 2))))
_same("mixed_rank", "kron", T(v3), T(x23))
_same("3x3", "cross", T(g.normal((2, 3))), T(g.normal((2, 3))))
_same("axis0", "cross", T(g.normal((3, 2))), T(g.normal((3, 2))), axis=0)
add("cross", "2x2", T(g.normal((4, 2))), T(g.normal((4, 2))), dtype="float32",
    expect=lambda a, b: a[..., 0] * b[..., 1] - a[..., 1] * b[..., 0])   # NumPy 2 deprecates 2-vectors
for mode in ("valid", "same", "full"):
    _same(mode, "correlate", T(v5), T(v3), mode)
    _same(f"{mode}_short_first", "correlate", T(v3), T(g.normal((4,))), mode)
_same("i32", "correlate", T(g.ints((4,))), T(g.ints((2,))), "full")

# Searching, counting, testing
add("allclose", "close", T(x23), T(x23 + 1e-9), expect=lambda a, b: np.bool_(np.allclose(a, b)), dtype="bool")
add("allclose", "far", T(x23), T(x23 + 1), expect=lambda a, b: np.bool_(np.allclose(a, b)), dtype="bool")
add("isin", "ints", T(i23), T(np.array([0, 2, -3], "int32")), expect=np.isin, dtype="bool")
add("isin", "invert", T(i23), T(np.array([1], "int32")), kwargs={"invert": True}, expect=np.isin, dtype="bool")
sorted5 = np.array([-1.0, 0.0, 0.0, 1.5, 3.0], "float32")
queries = np.array([[-2.0, 0.0], [1.0, 3.0]], "float32")
for side in ("left", "right"):
    add("searchsorted", side, T(sorted5), T(queries), side, expect=np.searchsorted, dtype="int32")
add("digitize", "edges", T(queries), T(sorted5[::2].copy()), expect=lambda x, b: np.digitize(x, b).astype("int32"),
    dtype="int32")
add("argpartition", "kth1", T(g.distinct((2, 5))), 1,
    expect=lambda x, kth: np.argsort(x, axis=-1).astype("int32"), dtype="int32")
_same("weights_minlength", "bincount", T(np.array([0, 2, 2, 4], "int32")), T(g.normal((4,))), 6)
add("bincount", "counts", T(np.array([1, 1, 3], "int32")), expect=lambda x: np.bincount(x).astype("int32"),
    dtype="int32")
add("histogram", "data_range", T(np.array([1.0, 2.0, 2.0, 3.0, 5.0], "float32")), 3,
    expect=lambda x, bins: (np.histogram(x, bins)[0].astype("int32"), np.histogram(x, bins)[1]), dtype="int32")
add("nonzero", "2d", T(i23), expect=lambda x: tuple(i.astype("int32") for i in np.nonzero(x)), dtype="int32")
add("unravel_index", "2d", T(np.array([0, 5, 7], "int32")), (2, 4),
    expect=lambda i, shape: tuple(c.astype("int32") for c in np.unravel_index(i, shape)), dtype="int32")
_same("choices", "select", [T(x23 > 0, diff=False), T(x23 < -1, diff=False)],
      [T(g.normal((2, 3))), T(g.normal((2, 3)))], 0.5)
_same("specials", "nan_to_num", T(np.array([np.nan, np.inf, -np.inf, 1.5], "float32")), nan=1.0, posinf=2.0,
      neginf=-3.0)
add("nan_to_num", "defaults", T(np.array([np.nan, np.inf, -np.inf, 1.5], "float32")),
    expect=lambda x: np.nan_to_num(x.astype("float32")), dtype="float32", fd=False)  # steps around float32 max
_same("spacing", "trapezoid", T(x234), dx=0.5, axis=1)
_same("points", "trapezoid", T(x234), T(np.array([0.0, 1.0, 3.0, 4.5], "float32")))
