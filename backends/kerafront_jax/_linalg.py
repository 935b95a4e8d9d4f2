"""Linear algebra on ``jax.Array``: ``matmul`` and ``einsum`` (operands promoted to one dtype), decompositions."""

import jax
import jax.numpy as jnp
import jax.scipy.linalg  # noqa: F401  (jax.scipy.linalg.solve_triangular, lu_factor)
import numpy as np

from kerafront import spec_rules
from kerafront_jax._convert import dtype_name, jax_dtype, promote_all, tensor


def matmul(x1, x2):
    x1, x2 = promote_all((x1, x2), "matmul")
    s1, s2 = x1.shape, x2.shape
    if not s1 or not s2:
        raise ValueError(f"matmul: operands must have rank >= 1, got shapes {tuple(s1)} and {tuple(s2)}.")
    inner2 = s2[0] if len(s2) == 1 else s2[-2]
    if s1[-1] != inner2:
        raise ValueError(f"matmul: inner dimensions differ: {tuple(s1)} @ {tuple(s2)}.")
    if len(s1) > 2 and len(s2) > 2:
        try:
            np.broadcast_shapes(s1[:-2], s2[:-2])
        except ValueError:
            raise ValueError(f"matmul: batch dimensions do not broadcast: {tuple(s1)} @ {tuple(s2)}.") from None
    return jnp.matmul(x1, x2)


def einsum(subscripts, *operands):
    operands = promote_all(operands, "einsum") if len(operands) > 1 else [tensor(operands[0])]
    try:
        return jnp.einsum(subscripts, *operands)
    except (ValueError, TypeError, IndexError) as error:
        shapes = ", ".join(str(tuple(o.shape)) for o in operands)
        raise ValueError(f"einsum: subscripts {subscripts!r} do not fit operand shapes {shapes}: {error}") from None


# ----------------------------------------------------------------------------------------------
# Decompositions and solves (spec "Decompositions and solves"); JAX differentiates them. LAPACK errors
# do not raise under JAX: a failed factorisation gives NaN (cholesky checks eagerly, as Keras does).

def _matrix(x, op, square=True):
    a = tensor(x)
    name = spec_rules.linalg_operand(tuple(a.shape), dtype_name(a.dtype, op), op, square)
    return a if dtype_name(a.dtype, op) == name else a.astype(jax_dtype(name, op))


def _column_signs(vectors):
    """Per column of (..., M, K): the sign making its largest-magnitude entry positive, shape (..., 1, K)."""
    if vectors.shape[-2] == 0:
        return jnp.ones(vectors.shape[:-2] + (1, vectors.shape[-1]), vectors.dtype)
    where = jnp.argmax(jnp.abs(vectors), axis=-2, keepdims=True)
    signs = jnp.sign(jnp.take_along_axis(vectors, where, axis=-2))
    return jnp.where(signs == 0, 1, signs).astype(vectors.dtype)


def cholesky(x, upper=False):
    a = _matrix(x, "cholesky")
    out = jnp.linalg.cholesky(a, upper=bool(upper), symmetrize_input=True)
    if not isinstance(out, jax.core.Tracer) and bool(jnp.isnan(out).any()):
        raise ValueError(f"cholesky: the input is not symmetric positive definite (the factorisation failed); "
                         f"received shape {tuple(a.shape)}.")
    return out


def _solve_operands(a, b, op):
    a, b = promote_all((a, b), op)
    name = spec_rules.linalg_operand(tuple(a.shape), dtype_name(a.dtype, op), op)
    vector, batch = spec_rules.solve_operands(tuple(a.shape), tuple(b.shape), op)
    if dtype_name(a.dtype, op) != name:
        a, b = a.astype(jax_dtype(name, op)), b.astype(jax_dtype(name, op))
    b = b[..., None] if vector else b
    return jnp.broadcast_to(a, batch + a.shape[-2:]), jnp.broadcast_to(b, batch + b.shape[-2:]), vector


def solve(a, b):
    a, b, vector = _solve_operands(a, b, "solve")
    x = jnp.linalg.solve(a, b)
    return x[..., 0] if vector else x


def solve_triangular(a, b, lower=False):
    a, b, vector = _solve_operands(a, b, "solve_triangular")
    x = jax.scipy.linalg.solve_triangular(a, b, lower=bool(lower))
    return x[..., 0] if vector else x


def lu_factor(x):
    lu, pivots = jax.scipy.linalg.lu_factor(_matrix(x, "lu_factor"))
    return lu, pivots.astype(jnp.int32)


def qr(x, mode="reduced"):
    if mode not in ("reduced", "complete"):
        raise ValueError(f"qr: mode must be 'reduced' or 'complete'; received mode={mode!r}.")
    q, r = jnp.linalg.qr(_matrix(x, "qr", square=False), mode=mode)
    return q, r


def eigh(x):
    w, v = jnp.linalg.eigh(_matrix(x, "eigh"), symmetrize_input=True)
    return w, v * _column_signs(v)


def svd(x, full_matrices=True, compute_uv=True):
    a = _matrix(x, "svd", square=False)
    if not compute_uv:
        return jnp.linalg.svd(a, compute_uv=False)
    m, n = a.shape[-2:]
    # Square inputs: the reduced SVD is the full one, and JAX differentiates only the reduced one.
    u, s, vh = jnp.linalg.svd(a, full_matrices=bool(full_matrices) and m != n)
    k = s.shape[-1]
    signs = _column_signs(u[..., :, :k])
    u = jnp.concatenate([u[..., :, :k] * signs, u[..., :, k:]], axis=-1)
    vh = jnp.concatenate([vh[..., :k, :] * jnp.swapaxes(signs, -1, -2), vh[..., k:, :]], axis=-2)
    return u, s, vh


def det(x):
    return jnp.linalg.det(_matrix(x, "det"))


def slogdet(x):
    sign, logabsdet = jnp.linalg.slogdet(_matrix(x, "slogdet"))
    return sign, logabsdet
