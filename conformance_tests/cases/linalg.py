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


# ----------------------------------------------------------------------------------------------
# Decompositions, solves and their composites (kerafront.spec "Decompositions and solves";
# kerafront/ops/linalg_ops.py). Inputs are well conditioned: SPD matrices for cholesky, distinct eigen- and
# singular values for eigh and svd (their gradients assume it), a diagonal shift for solves. Expected values
# are NumPy's (SciPy's lu_factor), with kerafront's sign rule for eigenvectors and singular vectors.

from conformance_tests.cases import NON_DIFFERENTIABLE_COMPOSITES  # noqa: E402

NON_DIFFERENTIABLE_COMPOSITES["matrix_rank"] = "integer output (a count of singular values)"


def _spd(n, batch=(), dtype="float32"):
    x = g.normal(batch + (n, n), "float64")
    return (x @ np.swapaxes(x, -1, -2) + n * np.eye(n)).astype(dtype)


def _shifted(n, batch=(), dtype="float32"):
    """A random square matrix plus 3 I: far from singular."""
    return (g.normal(batch + (n, n), "float64") + 3 * np.eye(n)).astype(dtype)


def _signed_columns(v):
    """kerafront's sign rule: each column's largest-magnitude entry positive."""
    where = np.argmax(np.abs(v), axis=-2)[..., None, :]
    signs = np.sign(np.take_along_axis(v, where, axis=-2))
    return np.where(signs == 0, 1, signs)


def _np_cholesky(x, upper=False):
    lower = np.linalg.cholesky((x + np.swapaxes(x, -1, -2)) / 2)
    return np.swapaxes(lower, -1, -2) if upper else lower


def _np_solve(a, b):
    vector = b.ndim == 1 or b.ndim == a.ndim - 1
    x = np.linalg.solve(a, b[..., None] if vector else b)
    return x[..., 0] if vector else x


def _np_solve_triangular(a, b, lower=False):
    return _np_solve(np.tril(a) if lower else np.triu(a), b)


def _np_lu_factor(x):
    import scipy.linalg   # the oracle only; kerafront itself does not use SciPy
    flat = x.reshape((-1,) + x.shape[-2:])
    parts = [scipy.linalg.lu_factor(m) for m in flat]
    lu = np.stack([p[0] for p in parts]).reshape(x.shape)
    pivots = np.stack([p[1] for p in parts]).reshape(x.shape[:-1]).astype(np.int32)
    return lu, pivots


def _np_eigh(x):
    w, v = np.linalg.eigh((x + np.swapaxes(x, -1, -2)) / 2)
    return w, v * _signed_columns(v)


def _np_svd(x, full_matrices=True, compute_uv=True):
    if not compute_uv:
        return np.linalg.svd(x, compute_uv=False)
    u, s, vh = np.linalg.svd(x, full_matrices=full_matrices)
    signs = _signed_columns(u)
    return u * signs, s, vh * np.swapaxes(signs, -1, -2)


def _np_slogdet(x):
    return tuple(np.linalg.slogdet(x))


add("cholesky", "spd", T(_spd(3)), dtype="float32", expect=_np_cholesky, tol="linalg")
add("cholesky", "upper", T(_spd(3)), kwargs={"upper": True}, dtype="float32", expect=_np_cholesky, tol="linalg")
add("cholesky", "batch", T(_spd(4, (2,))), dtype="float32", expect=_np_cholesky, tol="linalg")
add("cholesky", "f64", T(_spd(3, dtype="float64")), dtype="float64", expect=_np_cholesky, tol="linalg")
add("cholesky", "int32_in_floatx", T(np.array([[4, 2], [2, 3]], "int32")), dtype="float32", expect=_np_cholesky,
    tol="linalg")
add("cholesky", "nonsymmetric_is_symmetrised", T(_spd(3) + np.triu(g.normal((3, 3)), 1) * 0.5), dtype="float32",
    expect=_np_cholesky, tol="linalg")

add("solve", "matrix", T(_shifted(3)), T(g.normal((3, 2))), dtype="float32", expect=_np_solve, tol="linalg")
add("solve", "vector", T(_shifted(3)), T(g.normal((3,))), dtype="float32", expect=_np_solve, tol="linalg")
add("solve", "batch_vectors", T(_shifted(3, (2,))), T(g.normal((2, 3))), dtype="float32", expect=_np_solve,
    tol="linalg")
add("solve", "batch_broadcast", T(_shifted(3, (2,))), T(g.normal((1, 3, 2))), dtype="float32",
    expect=lambda a, b: np.linalg.solve(a, b), tol="linalg")
add("solve", "f64", T(_shifted(3, dtype="float64")), T(g.normal((3, 2), "float64")), dtype="float64",
    expect=_np_solve, tol="linalg")
add("solve", "int32_in_floatx", T(np.array([[2, 1], [1, 3]], "int32")), T(np.array([1, 2], "int32")),
    dtype="float32", expect=_np_solve, tol="linalg")

add("solve_triangular", "upper_default", T(_shifted(3)), T(g.normal((3, 2))), dtype="float32",
    expect=_np_solve_triangular, tol="linalg")
add("solve_triangular", "lower_vector", T(_shifted(3)), T(g.normal((3,))), kwargs={"lower": True}, dtype="float32",
    expect=_np_solve_triangular, tol="linalg")
add("solve_triangular", "batch_lower", T(_shifted(3, (2,))), T(g.normal((2, 3, 2))), kwargs={"lower": True},
    dtype="float32", expect=_np_solve_triangular, tol="linalg")

add("lu_factor", "square", T(g.normal((4, 4))), dtype="float32", expect=_np_lu_factor, tol="linalg")
add("lu_factor", "batch", T(g.normal((2, 3, 3))), dtype="float32", expect=_np_lu_factor, tol="linalg")
add("lu_factor", "f64", T(g.normal((3, 3), "float64")), dtype="float64", expect=_np_lu_factor, tol="linalg")

add("qr", "tall", T(g.normal((4, 3))), dtype="float32", expect=np.linalg.qr, tol="linalg")
add("qr", "square", T(g.normal((3, 3))), dtype="float32", expect=np.linalg.qr, tol="linalg")
add("qr", "wide", T(g.normal((3, 4))), dtype="float32", expect=np.linalg.qr, tol="linalg")
add("qr", "batch", T(g.normal((2, 4, 3))), dtype="float32", expect=np.linalg.qr, tol="linalg")
add("qr", "complete_square", T(g.normal((3, 3))), kwargs={"mode": "complete"}, dtype="float32",
    expect=lambda x, mode: np.linalg.qr(x, mode=mode), tol="linalg")
add("qr", "f64", T(g.normal((4, 3), "float64")), dtype="float64", expect=np.linalg.qr, tol="linalg")

add("eigh", "symmetric", T(_spd(3) - 4 * np.eye(3, dtype="float32")), dtype="float32", expect=_np_eigh, tol="linalg")
add("eigh", "nonsymmetric_is_symmetrised", T(g.normal((3, 3))), dtype="float32", expect=_np_eigh, tol="linalg")
add("eigh", "batch", T(_spd(4, (2,))), dtype="float32", expect=_np_eigh, tol="linalg")
add("eigh", "f64", T(_spd(3, dtype="float64")), dtype="float64", expect=_np_eigh, tol="linalg")

add("svd", "square_full", T(g.normal((3, 3))), dtype="float32", expect=_np_svd, tol="linalg")
add("svd", "tall_reduced", T(g.normal((4, 3))), kwargs={"full_matrices": False}, dtype="float32", expect=_np_svd,
    tol="linalg")
add("svd", "wide_reduced", T(g.normal((3, 4))), kwargs={"full_matrices": False}, dtype="float32", expect=_np_svd,
    tol="linalg")
add("svd", "batch_reduced", T(g.normal((2, 4, 3))), kwargs={"full_matrices": False}, dtype="float32",
    expect=_np_svd, tol="linalg")
add("svd", "values_only", T(g.normal((4, 3))), kwargs={"compute_uv": False}, dtype="float32", expect=_np_svd,
    tol="linalg")
add("svd", "f64", T(g.normal((3, 3), "float64")), dtype="float64", expect=_np_svd, tol="linalg")

add("det", "square", T(_shifted(3)), dtype="float32", expect=np.linalg.det, tol="linalg")
add("det", "batch", T(g.normal((2, 3, 3))), dtype="float32", expect=np.linalg.det, tol="linalg")
add("det", "int32_in_floatx", T(np.array([[2, 1], [7, 3]], "int32")), dtype="float32", expect=np.linalg.det,
    tol="linalg")
add("det", "f64", T(g.normal((3, 3), "float64")), dtype="float64", expect=np.linalg.det, tol="linalg")
add("slogdet", "negative_det", T(np.array([[1.0, 2.0], [3.0, 4.5]], "float32")), dtype="float32",
    expect=_np_slogdet, tol="linalg")
add("slogdet", "batch", T(g.normal((2, 3, 3))), dtype="float32", expect=_np_slogdet, tol="linalg")

add("inv", "square", T(_shifted(3)), dtype="float32", expect=np.linalg.inv, tol="linalg")
add("inv", "batch", T(_shifted(3, (2,))), dtype="float32", expect=np.linalg.inv, tol="linalg")
add("inv", "int32_in_floatx", T(np.array([[2, 1], [7, 3]], "int32")), dtype="float32", expect=np.linalg.inv,
    tol="linalg")
add("cholesky_inverse", "lower", T(np.linalg.cholesky(_spd(3))), dtype="float32",
    expect=lambda x: np.linalg.inv(x @ x.T), tol="linalg")
add("cholesky_inverse", "upper", T(np.linalg.cholesky(_spd(3)).T.copy()), kwargs={"upper": True}, dtype="float32",
    expect=lambda x, upper: np.linalg.inv(x.T @ x), tol="linalg")
add("logdet", "spd", T(_spd(3)), dtype="float32", expect=lambda x: np.linalg.slogdet(x)[1], tol="linalg")
add("logdet", "batch", T(_spd(3, (2,))), dtype="float32", expect=lambda x: np.linalg.slogdet(x)[1], tol="linalg")
add("pinv", "tall", T(g.normal((4, 3))), dtype="float32", expect=np.linalg.pinv, tol="linalg")
add("pinv", "wide_batch", T(g.normal((2, 2, 3))), dtype="float32", expect=np.linalg.pinv, tol="linalg")
add("pinv", "rank_deficient_rcond", T(np.array([[1.0, 2.0], [2.0, 4.0], [0.0, 0.0]], "float32")),
    kwargs={"rcond": 1e-4}, dtype="float32", grad=False, expect=lambda x, rcond: np.linalg.pinv(x, rcond=rcond),
    tol="linalg")
add("matrix_rank", "full", T(g.normal((4, 3))), dtype="int32", expect=lambda x: np.int32(np.linalg.matrix_rank(x)))
add("matrix_rank", "keras_doc_example", T(np.array([[1.0, 2.0], [2.0, 4.0]], "float32")), dtype="int32",
    expect=lambda x: np.int32(1))
add("matrix_rank", "batch_tol", T(np.stack([np.diag([3.0, 1.0, 1e-5]), np.diag([3.0, 2e-3, 1.0])]).astype("float32")),
    kwargs={"tol": 1e-3}, dtype="int32", expect=lambda x, tol: np.array([2, 3], np.int32))
add("lstsq", "overdetermined_vector", T(g.normal((5, 3))), T(g.normal((5,))), dtype="float32",
    expect=lambda a, b: np.linalg.lstsq(a, b, rcond=None)[0], tol="linalg")
add("lstsq", "overdetermined_matrix", T(g.normal((5, 3))), T(g.normal((5, 2))), dtype="float32",
    expect=lambda a, b: np.linalg.lstsq(a, b, rcond=None)[0], tol="linalg")
add("lstsq", "underdetermined_min_norm", T(g.normal((2, 4))), T(g.normal((2,))), dtype="float32",
    expect=lambda a, b: np.linalg.lstsq(a, b, rcond=None)[0], tol="linalg")
