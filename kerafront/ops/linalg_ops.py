"""Keras's linear-algebra composites, written from the decomposition primitives (``kerafront.spec``,
"Decompositions and solves"): ``inv``, ``cholesky_inverse``, ``logdet``, ``pinv``, ``matrix_rank``, ``lstsq``.

Matrices are the last two axes of a (..., M, N) tensor. Integer inputs compute in floatx, as the
primitives do. Cut-offs for small singular values follow NumPy (Keras's NumPy backend): ``pinv`` and
``lstsq`` drop singular values ``<= rcond * max(s)`` with ``rcond = max(M, N) * eps`` by default, and
``matrix_rank`` counts those ``> tol`` with ``tol = max(s) * max(M, N) * eps``; ``eps`` is the machine
epsilon of the compute dtype. Gradients of ``pinv`` and ``lstsq`` go through the SVD: they assume
distinct singular values.
"""

import builtins

from kerafront import spec_rules
from kerafront.dtypes import result_type
from kerafront.ops._dispatch import composite
from kerafront.ops._primitives import (broadcast_to, cast, divide, dtype as dtype_of, expand_dims, eye, greater,
                                       matmul, max, multiply, shape as shape_of, slogdet, solve,
                                       solve_triangular, squeeze, sum, svd, transpose, where)

__all__ = ["inv", "cholesky_inverse", "logdet", "pinv", "matrix_rank", "lstsq"]

_EPS = {"float32": 1.1920928955078125e-07, "float64": 2.220446049250313e-16}


def _compute_dtype(x, op, square=True):
    """Check ``x`` as a (batch of) matrices for ``op``; the float dtype it computes in."""
    return spec_rules.linalg_operand(shape_of(x), dtype_of(x), op, square)


def _matrix_transpose(x):
    rank = len(shape_of(x))
    return transpose(x, tuple(range(rank - 2)) + (rank - 1, rank - 2))


def _identity_like(x, dtype):
    """The identity broadcast to ``x``'s (..., M, M) shape."""
    return broadcast_to(eye(shape_of(x)[-1], dtype=dtype), shape_of(x))


@composite
def inv(x):
    """Inverse of square ``x`` (..., M, M): ``solve(x, I)``."""
    dtype = _compute_dtype(x, "inv")
    return solve(x, _identity_like(x, dtype))


@composite
def cholesky_inverse(x, upper=False):
    """Inverse of ``A = L @ L^T`` from its Cholesky factor ``x = L`` (``upper=True``: ``x = U = L^T``):
    ``L^-T @ L^-1``, with ``L^-1`` from a triangular solve."""
    dtype = _compute_dtype(x, "cholesky_inverse")
    factor_inverse = solve_triangular(x, _identity_like(x, dtype), lower=not upper)
    if upper:
        return matmul(factor_inverse, _matrix_transpose(factor_inverse))
    return matmul(_matrix_transpose(factor_inverse), factor_inverse)


@composite
def logdet(x):
    """``log|det(x)|`` of square ``x`` (..., M, M) from ``slogdet`` (Keras's NumPy and JAX backends; for the
    positive-definite matrices Keras documents it for, ``log(det(x))``)."""
    _compute_dtype(x, "logdet")
    return slogdet(x)[1]


def _kept_reciprocals(s, cutoff_ratio, dtype):
    """``1 / s`` where ``s > cutoff_ratio * max(s)``, else 0 (a safe division: no inf reaches the gradient)."""
    keep = greater(s, multiply(max(s, axis=-1, keepdims=True), cutoff_ratio))
    return where(keep, divide(cast(1, dtype), where(keep, s, cast(1, dtype))), cast(0, dtype))


def _default_ratio(x, dtype, rcond):
    rows, cols = shape_of(x)[-2:]
    return float(rcond) if rcond is not None else _EPS[dtype] * builtins.max(rows, cols)


@composite
def pinv(x, rcond=None):
    """Moore-Penrose pseudo-inverse of (..., M, N) -> (..., N, M), from the SVD: ``V @ diag(1/s) @ U^T``
    over the singular values ``> rcond * max(s)`` (default ``rcond = max(M, N) * eps``, NumPy's)."""
    dtype = _compute_dtype(x, "pinv", square=False)
    u, s, vh = svd(x, full_matrices=False)
    s_inverse = _kept_reciprocals(s, _default_ratio(x, dtype, rcond), dtype)
    return matmul(multiply(_matrix_transpose(vh), expand_dims(s_inverse, -2)), _matrix_transpose(u))


@composite
def matrix_rank(x, tol=None):
    """Number of singular values of each (..., M, N) matrix above ``tol`` (default NumPy's
    ``max(s) * max(M, N) * eps``), as int32 of shape (...)."""
    dtype = _compute_dtype(x, "matrix_rank", square=False)
    s = svd(x, compute_uv=False)
    if tol is None:
        threshold = multiply(max(s, axis=-1, keepdims=True), _default_ratio(x, dtype, None))
    else:
        threshold = cast(tol, dtype)
    return sum(cast(greater(s, threshold), "int32"), axis=-1)


@composite
def lstsq(a, b, rcond=None):
    """Least-squares solution ``x`` of ``a @ x ~= b`` (minimum norm when several), ``a`` (M, N), ``b`` (M,) or
    (M, K) -> ``x`` (N,) or (N, K); singular values ``<= rcond * max(s)`` are dropped (default
    ``rcond = max(M, N) * eps``, NumPy's). Keras returns only the solution, so does kerafront."""
    a_shape, b_shape = shape_of(a), shape_of(b)
    if len(a_shape) != 2:
        raise ValueError(f"lstsq: expected a to have rank 2 (M, N); received a.shape={a_shape}.")
    if len(b_shape) not in (1, 2):
        raise ValueError(f"lstsq: expected b to have rank 1 or 2 ((M,) or (M, K)); received b.shape={b_shape}.")
    if a_shape[0] is not None and b_shape[0] is not None and a_shape[0] != b_shape[0]:
        raise ValueError(f"lstsq: expected b.shape[0] == a.shape[0]; received a.shape={a_shape}, "
                         f"b.shape={b_shape}.")
    dtype = spec_rules.linalg_operand(a_shape, result_type(dtype_of(a), dtype_of(b)), "lstsq", square=False)
    a, b = cast(a, dtype), cast(b, dtype)
    u, s, vh = svd(a, full_matrices=False)
    s_inverse = _kept_reciprocals(s, _default_ratio(a, dtype, rcond), dtype)
    columns = b if len(b_shape) == 2 else expand_dims(b, -1)
    projected = multiply(matmul(transpose(u), columns), expand_dims(s_inverse, -1))
    x = matmul(transpose(vh), projected)
    return x if len(b_shape) == 2 else squeeze(x, -1)
