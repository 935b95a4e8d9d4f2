"""Section linalg: ``matmul`` and ``einsum`` (operands promoted to one dtype first), decompositions and solves."""

from kerafront import spec_rules
from kerafront_tensorflow._convert import (SHAPE_ERRORS, as_tensor, dtype_name, kernel_reason, operands as promoted,
                                           static_shape, tf_dtype)
from kerafront_tensorflow._kernels import kernels
from kerafront_tensorflow._tf import Tensor, tf

_BOOL = tf.bool
_MATMUL_NATIVE = frozenset([tf.float16, tf.bfloat16, tf.float32, tf.float64, tf.int32, tf.int64])


def matmul(x1, x2):
    """NumPy's matmul: 1-D operands are promoted and the added axis removed; batch dims broadcast.

    int8/int16/uint8 compute in int32 and cast back (TensorFlow has no kernel); bool in int32, then
    ``!= 0``.
    """
    if not (isinstance(x1, Tensor) and isinstance(x2, Tensor) and x1.dtype is x2.dtype):
        x1, x2 = promoted(x1, x2)
    s1, s2 = static_shape(x1), static_shape(x2)
    if not s1 or not s2:
        raise ValueError(f"matmul: operands must be at least 1-D, got shapes {s1} and {s2}.")
    inner1, inner2 = s1[-1], s2[0] if len(s2) == 1 else s2[-2]
    if inner1 is not None and inner2 is not None and inner1 != inner2:
        raise ValueError(f"matmul: inner dimensions differ: {s1} @ {s2} ({inner1} != {inner2}).")
    for a, b in zip(reversed(s1[:-2]), reversed(s2[:-2])):
        if a is not None and b is not None and a != b and 1 not in (a, b):
            raise ValueError(f"matmul: batch dimensions do not broadcast: {s1} @ {s2}.")
    out_dtype = x1.dtype
    if out_dtype not in _MATMUL_NATIVE:
        x1, x2 = tf.cast(x1, tf.int32), tf.cast(x2, tf.int32)
    if len(s1) == 2 and len(s2) == 2:
        out = kernels.MatMul(a=x1, b=x2)
    else:
        a = tf.expand_dims(x1, 0) if len(s1) == 1 else x1
        b = tf.expand_dims(x2, -1) if len(s2) == 1 else x2
        out = kernels.BatchMatMulV2(x=a, y=b)
        if len(s1) == 1:
            out = tf.squeeze(out, -1 if len(s2) == 1 else -2)
        if len(s2) == 1:
            out = tf.squeeze(out, -1)
    if out_dtype is _BOOL:
        return tf.not_equal(out, 0)
    return out if out.dtype is out_dtype else tf.cast(out, out_dtype)


def einsum(subscripts, *operands):
    """``tf.einsum`` after promoting all operands to one dtype."""
    tensors = promoted(*operands)
    out_dtype = tensors[0].dtype
    if out_dtype not in _MATMUL_NATIVE:
        tensors = [tf.cast(t, tf.int32) for t in tensors]
    try:
        out = tf.einsum(subscripts, *tensors)
    except SHAPE_ERRORS as error:
        shapes = ", ".join(str(static_shape(t)) for t in tensors)
        raise ValueError(f"einsum: {subscripts!r} does not fit operands of shapes {shapes}: "
                         f"{kernel_reason(error)}") from None
    if out_dtype is _BOOL:
        return tf.not_equal(out, 0)
    return out if out.dtype is out_dtype else tf.cast(out, out_dtype)



# ----------------------------------------------------------------------------------------------
# Decompositions and solves (spec "Decompositions and solves"); TensorFlow differentiates them.

def _matrix(x, op, square=True):
    t = as_tensor(x)
    name = spec_rules.linalg_operand(static_shape(t), dtype_name(t.dtype), op, square)
    return t if dtype_name(t.dtype) == name else tf.cast(t, tf_dtype(name))


def _mT(x):
    return tf.linalg.matrix_transpose(x)


def _symmetric(a):
    return (a + _mT(a)) / 2


def _column_signs(vectors):
    """Per column of (..., M, K): the sign making its largest-magnitude entry positive, shape (..., 1, K)."""
    rank = len(static_shape(vectors))
    where = tf.one_hot(tf.argmax(tf.abs(vectors), axis=-2), tf.shape(vectors)[-2], axis=rank - 2, dtype=vectors.dtype)
    signs = tf.sign(tf.reduce_sum(vectors * where, axis=-2, keepdims=True))
    return tf.where(signs == 0, tf.ones_like(signs), signs)


def _failed(op, error):
    return ValueError(f"{op}: the factorisation failed (singular or not positive definite input): "
                      f"{kernel_reason(error)}")


def cholesky(x, upper=False):
    a = _matrix(x, "cholesky")
    lower = tf.linalg.cholesky(_symmetric(a))   # a failed factorisation fills NaN (and logs a warning)
    if tf.executing_eagerly() and bool(tf.reduce_any(tf.math.is_nan(lower))):
        raise ValueError(f"cholesky: the input is not symmetric positive definite (the factorisation failed); "
                         f"received shape {static_shape(a)}.")
    return _mT(lower) if upper else lower


def _solve_operands(a, b, op):
    a, b = promoted(a, b)
    name = spec_rules.linalg_operand(static_shape(a), dtype_name(a.dtype), op)
    vector, batch = spec_rules.solve_operands(static_shape(a), static_shape(b), op)
    if dtype_name(a.dtype) != name:
        a, b = tf.cast(a, tf_dtype(name)), tf.cast(b, tf_dtype(name))
    b = b[..., None] if vector else b
    if None not in batch:   # TensorFlow's solvers want one batch shape
        a = tf.broadcast_to(a, batch + static_shape(a)[-2:]) if static_shape(a)[:-2] != batch else a
        b = tf.broadcast_to(b, batch + static_shape(b)[-2:]) if static_shape(b)[:-2] != batch else b
    return a, b, vector


def solve(a, b):
    a, b, vector = _solve_operands(a, b, "solve")
    try:
        x = tf.linalg.solve(a, b)
    except tf.errors.OpError as error:
        raise _failed("solve", error) from None
    return x[..., 0] if vector else x


def solve_triangular(a, b, lower=False):
    a, b, vector = _solve_operands(a, b, "solve_triangular")
    x = tf.linalg.triangular_solve(a, b, lower=bool(lower))
    return x[..., 0] if vector else x


@tf.custom_gradient
def _lu(a):
    """``tf.linalg.lu`` with the gradient TensorFlow lacks: for ``a[p] == L @ U``,
    ``grad a[p] = L^-T (tril(L^T gL, -1) + triu(gU U^T)) U^-T`` (gL, gU: the strictly lower and upper parts of
    the cotangent of the packed ``lu``)."""
    lu, perm = tf.linalg.lu(a, output_idx_type=tf.int32)

    def grad(g_lu, g_perm=None):
        n = tf.shape(lu)[-1]
        lower = tf.linalg.band_part(lu, -1, 0) - tf.linalg.band_part(lu, 0, 0) + tf.eye(n, dtype=lu.dtype)
        upper = tf.linalg.band_part(lu, 0, -1)
        g_lower = tf.linalg.band_part(g_lu, -1, 0) - tf.linalg.band_part(g_lu, 0, 0)
        product = tf.matmul(lower, g_lower, transpose_a=True)
        phi = (tf.linalg.band_part(product, -1, 0) - tf.linalg.band_part(product, 0, 0)
               + tf.linalg.band_part(tf.matmul(tf.linalg.band_part(g_lu, 0, -1), upper, transpose_b=True), 0, -1))
        left = tf.linalg.triangular_solve(_mT(lower), phi, lower=False)
        permuted = _mT(tf.linalg.triangular_solve(upper, _mT(left), lower=False))
        rank = len(static_shape(lu))
        return tf.gather(permuted, tf.argsort(perm, axis=-1), axis=rank - 2, batch_dims=rank - 2)

    return (lu, perm), grad


def lu_factor(x):
    """``tf.linalg.lu``'s row permutation ``p`` (``x[p] == L @ U``) re-encoded as LAPACK's row swaps."""
    lu, perm = _lu(_matrix(x, "lu_factor"))
    n = static_shape(perm)[-1]
    current = tf.broadcast_to(tf.range(n, dtype=tf.int32), tf.shape(perm))
    pivots = []
    for i in range(n):
        wanted = perm[..., i:i + 1]
        j = tf.argmax(tf.cast(tf.equal(current, wanted), tf.int32), axis=-1, output_type=tf.int32)
        pivots.append(j)
        at_i = current[..., i:i + 1]
        current = (current + (wanted - at_i) * tf.one_hot(i, n, dtype=tf.int32)
                   + (at_i - wanted) * tf.one_hot(j, n, dtype=tf.int32))
    return lu, tf.stack(pivots, axis=-1) if pivots else tf.zeros(tf.shape(perm), tf.int32)


def qr(x, mode="reduced"):
    if mode not in ("reduced", "complete"):
        raise ValueError(f"qr: mode must be 'reduced' or 'complete'; received mode={mode!r}.")
    q, r = tf.linalg.qr(_matrix(x, "qr", square=False), full_matrices=mode == "complete")
    return q, r


def eigh(x):
    w, v = tf.linalg.eigh(_symmetric(_matrix(x, "eigh")))
    return w, v * _column_signs(v)


def svd(x, full_matrices=True, compute_uv=True):
    a = _matrix(x, "svd", square=False)
    if not compute_uv:
        return tf.linalg.svd(a, compute_uv=False)
    m, n = static_shape(a)[-2:]
    # Square inputs: the reduced SVD is the full one, and TensorFlow differentiates only the reduced one.
    s, u, v = tf.linalg.svd(a, full_matrices=bool(full_matrices) and m != n)
    k = static_shape(s)[-1]
    signs = _column_signs(u[..., :, :k])
    u = tf.concat([u[..., :, :k] * signs, u[..., :, k:]], axis=-1)
    vh = _mT(v)
    vh = tf.concat([vh[..., :k, :] * _mT(signs), vh[..., k:, :]], axis=-2)
    return u, s, vh


def det(x):
    return tf.linalg.det(_matrix(x, "det"))


def slogdet(x):
    sign, logabsdet = tf.linalg.slogdet(_matrix(x, "slogdet"))
    return sign, logabsdet
