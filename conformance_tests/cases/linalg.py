"""Cases for matmul (NumPy's 1-D promotion and batch broadcasting) and einsum."""

import numpy as np

from conformance_tests.cases import Gen, T, add

g = Gen("linalg")


def _matmul(name, a_shape, b_shape, dtype="float32", make=None, **options):
    make = make or (lambda s: g.normal(s, dtype))
    add("matmul", name, T(make(a_shape)), T(make(b_shape)), dtype=options.pop("result", dtype),
        expect=np.matmul, tol=options.pop("tol", "linalg"), **options)


_matmul("2d", (3, 4), (4, 5))
_matmul("vector_matrix", (4,), (4, 5))
_matmul("matrix_vector", (3, 4), (4,))
_matmul("vector_vector_0d", (4,), (4,))
_matmul("batch", (2, 3, 4), (2, 4, 5))
_matmul("batch_broadcast_rhs", (2, 3, 4), (4, 5))
_matmul("batch_broadcast_both", (2, 1, 3, 4), (5, 4, 2))
_matmul("vector_batch", (4,), (2, 4, 3))
_matmul("size1_dims", (1, 1), (1, 3))
_matmul("zero_inner_dim", (3, 0), (0, 2))
_matmul("empty_batch", (0, 2, 3), (3, 4))
_matmul("empty_rows", (0, 3), (3, 2))
_matmul("f16", (3, 4), (4, 2), dtype="float16", tol="loose")
_matmul("f64", (3, 4), (4, 2), dtype="float64")
_matmul("int32", (2, 3), (3, 2), dtype="int32", make=lambda s: g.ints(s))
_matmul("int64", (2, 3), (3,), dtype="int64", make=lambda s: g.ints(s, dtype="int64"))
add("matmul", "noncontiguous", T(g.normal((4, 3)).T), T(g.normal((5, 4))[::-1].T), dtype="float32",
    expect=np.matmul, tol="linalg")
add("matmul", "numpy_inputs", T(g.normal((2, 3)), native=False), T(g.normal((3, 2)), native=False),
    dtype="float32", expect=np.matmul, tol="linalg")
add("matmul", "mixed_f16_f32", T(g.normal((2, 3), "float16")), T(g.normal((3, 2))), dtype="float32",
    expect=np.matmul, tol="loose")


def _einsum(name, subscripts, *shapes, dtype="float32", tol="linalg"):
    operands = [T(g.normal(s, dtype)) for s in shapes]
    add("einsum", name, subscripts, *operands, dtype=dtype, expect=np.einsum, tol=tol)


_einsum("matmul", "ij,jk->ik", (3, 4), (4, 2))
_einsum("batch_matmul", "bij,bjk->bik", (2, 3, 4), (2, 4, 2))
_einsum("transpose", "ij->ji", (2, 3))
_einsum("dot", "i,i->", (5,), (5,))
_einsum("outer", "i,j->ij", (3,), (2,))
_einsum("sum_axis", "ijk->ik", (2, 3, 4))
_einsum("ellipsis", "...ij,...jk->...ik", (2, 3, 4), (2, 4, 3))
_einsum("three_operands", "ij,jk,kl->il", (2, 3), (3, 4), (4, 2))
_einsum("bilinear", "bi,ij,bj->b", (3, 4), (4, 5), (3, 5))
_einsum("attention_scores", "bqhd,bkhd->bhqk", (2, 3, 2, 4), (2, 5, 2, 4))
_einsum("f16", "ij,jk->ik", (2, 3), (3, 2), dtype="float16", tol="loose")
add("einsum", "int32", "ij,j->i", T(g.ints((2, 3))), T(g.ints((3,))), dtype="int32", expect=np.einsum)
add("einsum", "empty", "ij,jk->ik", T(np.zeros((0, 3), "float32")), T(g.normal((3, 2))), dtype="float32",
    expect=np.einsum)

# Mixed and narrow dtypes promote like the elementwise table (int64 @ float32 -> float32, not float64).
add("matmul", "int64_float32", T(g.ints((2, 3), dtype="int64")), T(g.normal((3, 2))), dtype="float32",
    expect=np.matmul, tol="linalg")
add("matmul", "int8", T(g.ints((2, 3), -2, 3, "int8")), T(g.ints((3, 2), -2, 3, "int8")), dtype="int8",
    expect=np.matmul)
add("matmul", "int8_matrix_vector", T(g.ints((2, 3), -2, 3, "int8")), T(g.ints((3,), -2, 3, "int8")), dtype="int8",
    expect=np.matmul)
