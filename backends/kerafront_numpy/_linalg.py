"""Matrix product, Einstein summation, decompositions and solves, with their VJPs.

Decompositions with several outputs (``qr``, ``eigh``, ``svd``) are, while differentiating, one
primitive returning the outputs flattened side by side and split again with ``getitem``/``reshape``
(the tape records single-output primitives); ``slogdet`` and ``lu_factor`` differentiate their float
output alone. The VJPs are written from the maths (Giles; Murray for Cholesky; Townsend for the SVD;
Walter and Lehmann for QR) and checked against finite differences by the conformance suite.
"""

import numpy as np

from kerafront import spec_rules
from kerafront_numpy._autodiff import Box, needs_gradient, primitive, recording
from kerafront_numpy._convert import dtype_name, np_dtype, operands, promote, to_array

ndarray = np.ndarray
_LETTERS = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"


def _matmul_vjp(g, out, x1, x2):
    x1, x2 = operands(x1, x2)
    a = x1 if x1.ndim > 1 else x1[None, :]
    b = x2 if x2.ndim > 1 else x2[:, None]
    if x2.ndim == 1:
        g = np.expand_dims(g, -1)
    if x1.ndim == 1:
        g = np.expand_dims(g, -2)
    d1 = d2 = None
    if needs_gradient(0):
        d1 = np.matmul(g, np.swapaxes(b, -1, -2))
        if x1.ndim == 1:
            d1 = d1[..., 0, :]
    if needs_gradient(1):
        d2 = np.matmul(np.swapaxes(a, -1, -2), g)
        if x2.ndim == 1:
            d2 = d2[..., :, 0]
    return d1, d2


@primitive(_matmul_vjp)
def matmul(x1, x2):
    """NumPy's matmul (1-D promotion, batch broadcasting); ValueError naming both shapes on a mismatch."""
    x1, x2 = operands(x1, x2)
    x1, x2 = np.asarray(x1), np.asarray(x2)
    if x1.ndim == 0 or x2.ndim == 0:
        raise ValueError(f"matmul: operands must have rank >= 1, got shapes {x1.shape} @ {x2.shape}; "
                         "use multiply for scalars.")
    inner1 = x1.shape[-1]
    inner2 = x2.shape[-2] if x2.ndim > 1 else x2.shape[0]
    if inner1 != inner2:
        raise ValueError(f"matmul: inner dimensions differ: {x1.shape} @ {x2.shape} "
                         f"({inner1} != {inner2}); transpose or reshape one operand.")
    try:
        out = np.matmul(x1, x2)
    except ValueError as error:
        raise ValueError(f"matmul: batch dimensions do not broadcast: {x1.shape} @ {x2.shape} ({error}).") from None
    out = out if type(out) is ndarray else np.asarray(out)
    return out.astype(x1.dtype) if out.dtype != x1.dtype else out   # ml_dtypes' bfloat16 matmul gives float32


def _parse(subscripts, shapes):
    """Explicit einsum subscripts with ``...`` replaced by letters: (list of input terms, output term)."""
    subscripts = subscripts.replace(" ", "")
    if "->" in subscripts:
        inputs, output = subscripts.split("->")
    else:
        inputs, output = subscripts, None
    terms = inputs.split(",")
    if len(terms) != len(shapes):
        raise ValueError(f"einsum: subscripts {subscripts!r} name {len(terms)} operands, got {len(shapes)}.")
    used = set(subscripts)
    free = [c for c in _LETTERS if c not in used]
    ellipsis_rank = 0
    for term, shape in zip(terms, shapes):
        if "..." in term:
            ellipsis_rank = max(ellipsis_rank, len(shape) - (len(term) - 3))
    ell = "".join(free[:ellipsis_rank])
    expanded = []
    for term, shape in zip(terms, shapes):
        if "..." in term:
            rank = len(shape) - (len(term) - 3)
            term = term.replace("...", ell[ellipsis_rank - rank:] if rank else "")
        expanded.append(term)
    if output is None:
        letters = "".join(expanded)
        output = ell + "".join(sorted(c for c in set(letters) if letters.count(c) == 1 and c not in ell))
    else:
        output = output.replace("...", ell)
    return expanded, output


def _einsum_vjp(g, out, subscripts, *operands):
    arrays = [np.asarray(x) for x in operands]
    terms, output = _parse(subscripts, [a.shape for a in arrays])
    cotangents = [None]
    for i, (term, x) in enumerate(zip(terms, arrays)):
        if not needs_gradient(i + 1):
            cotangents.append(None)
            continue
        unique = "".join(dict.fromkeys(term))
        others = [(t, a) for j, (t, a) in enumerate(zip(terms, arrays)) if j != i]
        available = set(output).union(*[set(t) for t, _ in others])
        target = "".join(c for c in unique if c in available)
        spec = ",".join([output] + [t for t, _ in others]) + "->" + target
        partial = np.einsum(spec, g, *[a for _, a in others], optimize=True)   # BLAS contractions
        sizes = dict(zip(term, x.shape))
        shape_unique = [sizes[c] for c in unique]
        partial = np.reshape(partial, [sizes[c] if c in target else 1 for c in unique])
        partial = np.broadcast_to(partial, shape_unique)
        if unique == term:
            cotangents.append(partial)
            continue
        grad = np.zeros(x.shape, dtype=partial.dtype)
        np.einsum(term + "->" + unique, grad)[...] = partial  # a writeable diagonal view
        cotangents.append(grad)
    return tuple(cotangents)


@primitive(_einsum_vjp)
def einsum(subscripts, *operands):
    """``np.einsum`` with kerafront promotion of the operands."""
    arrays = [x if type(x) is ndarray else to_array(x) for x in operands]
    if len(arrays) > 1:
        dt = arrays[0].dtype
        for a in arrays[1:]:
            dt = promote(dt, a.dtype)
        arrays = [a if a.dtype == dt else a.astype(dt) for a in arrays]
    operands_dtype = arrays[0].dtype if arrays else None
    half = operands_dtype is not None and operands_dtype.name == "bfloat16"
    if half:   # np.einsum has no bfloat16 loops (it refuses or returns float32): float32, then cast back
        arrays = [a.astype(np.float32) for a in arrays]
    try:
        out = np.einsum(subscripts, *arrays, optimize=len(arrays) > 1)   # BLAS (tensordot) for contractions
    except ValueError as error:
        shapes = ", ".join(str(a.shape) for a in arrays)
        raise ValueError(f"einsum: {subscripts!r} does not fit operands of shapes {shapes}: {error}") from None
    out = out if type(out) is ndarray else np.asarray(out)
    return out.astype(operands_dtype) if half else out


# ----------------------------------------------------------------------------------------------
# Decompositions and solves (spec "Decompositions and solves")

def _mT(x):
    return np.swapaxes(x, -1, -2)


def _matrix(x, op, square=True):
    """``x`` as an array in the dtype ``op`` computes in, after the spec's checks."""
    a = to_array(x)
    dt = np_dtype(spec_rules.linalg_operand(a.shape, dtype_name(a.dtype), op, square))
    return a if a.dtype == dt else a.astype(dt)


def _symmetric(a):
    return (a + _mT(a)) / 2


def _column_signs(vectors):
    """Per column of (..., M, K): the sign making its largest-magnitude entry positive, shape (..., 1, K)."""
    if vectors.shape[-2] == 0:
        return np.ones(vectors.shape[:-2] + (1, vectors.shape[-1]), vectors.dtype)
    where = np.argmax(np.abs(vectors), axis=-2)[..., None, :]
    signs = np.sign(np.take_along_axis(vectors, where, axis=-2))
    return np.where(signs == 0, 1, signs).astype(vectors.dtype)


def _linalg_error(op, error):
    return ValueError(f"{op}: {error} (the matrix is singular or not positive definite where the op needs it).")


def _solve_triangular_arrays(a, b, lower):
    """Triangular solve on arrays; ``b`` (..., M, K) broadcast against ``a`` (..., M, M)."""
    tri = np.tril(a) if lower else np.triu(a)
    try:
        return np.linalg.solve(tri, b)
    except np.linalg.LinAlgError as error:
        raise _linalg_error("solve_triangular", error) from None


def _cholesky_vjp(g, out, x, upper=False):
    lower = _mT(out) if upper else out
    g = _mT(g) if upper else g
    phi = np.tril(_mT(lower) @ np.tril(g))
    phi = phi - np.einsum("...ii->...i", phi)[..., None] * np.eye(phi.shape[-1], dtype=phi.dtype) / 2
    # L^-T phi L^-1, as two triangular solves
    left = _solve_triangular_arrays(_mT(lower), phi, lower=False)
    grad = _mT(_solve_triangular_arrays(_mT(lower), _mT(left), lower=False))
    return (_symmetric(grad),)


@primitive(_cholesky_vjp)
def cholesky(x, upper=False):
    """Cholesky factor of ``(x + x^T) / 2``: lower ``L`` (``upper=True``: ``L^T``)."""
    a = _matrix(x, "cholesky")
    try:
        lower = np.linalg.cholesky(_symmetric(a))
    except np.linalg.LinAlgError:
        raise ValueError("cholesky: the input is not symmetric positive definite (the factorisation failed); "
                         f"received shape {a.shape}.") from None
    return np.ascontiguousarray(_mT(lower)) if upper else lower


def _solve_arrays(a, b, op):
    a, b = to_array(a), to_array(b)
    dt = promote(a.dtype, b.dtype)
    dt = np_dtype(spec_rules.linalg_operand(a.shape, dtype_name(dt), op))
    vector, batch = spec_rules.solve_operands(a.shape, b.shape, op)
    a, b = a.astype(dt, copy=False), b.astype(dt, copy=False)
    return a, (b[..., None] if vector else b), vector


def _solve_vjp(g, out, a, b):
    a, b, vector = _solve_arrays(a, b, "solve")
    x = out[..., None] if vector else out
    g = g[..., None] if vector else g
    gb = np.linalg.solve(_mT(a), g)
    ga = -gb @ _mT(x) if needs_gradient(0) else None
    return ga, (gb[..., 0] if vector else gb)


@primitive(_solve_vjp)
def solve(a, b):
    """``x`` with ``a @ x == b``; ``b`` a (batch of) vector(s) when its rank is 1 or ``a.ndim - 1``."""
    a, b, vector = _solve_arrays(a, b, "solve")
    try:
        x = np.linalg.solve(a, b)
    except np.linalg.LinAlgError as error:
        raise _linalg_error("solve", error) from None
    return x[..., 0] if vector else x


def _solve_triangular_vjp(g, out, a, b, lower=False):
    a, b, vector = _solve_arrays(a, b, "solve_triangular")
    x = out[..., None] if vector else out
    g = g[..., None] if vector else g
    gb = _solve_triangular_arrays(_mT(a), g, lower=not lower)
    ga = None
    if needs_gradient(0):
        ga = -gb @ _mT(x)
        ga = np.tril(ga) if lower else np.triu(ga)
    return ga, (gb[..., 0] if vector else gb)


@primitive(_solve_triangular_vjp)
def solve_triangular(a, b, lower=False):
    """``solve`` reading only the lower (``lower=True``) or upper triangle of ``a``."""
    a, b, vector = _solve_arrays(a, b, "solve_triangular")
    x = _solve_triangular_arrays(a, b, lower)
    return x[..., 0] if vector else x


def _lu_arrays(a):
    """Partial-pivoting LU as LAPACK's getrf: ``(lu, pivots)``; the first largest |entry| pivots."""
    lu = np.array(a, copy=True)
    n = lu.shape[-1]
    batch = lu.shape[:-2]
    pivots = np.zeros(batch + (n,), np.int32)
    grid = np.indices(batch) if batch else ()
    for k in range(n):
        p = np.argmax(np.abs(lu[..., k:, k]), axis=-1) + k
        pivots[..., k] = p
        row_k = lu[..., k, :].copy()
        lu[..., k, :] = lu[(*grid, p)] if batch else lu[p]
        if batch:
            lu[(*grid, p)] = row_k
        else:
            lu[p] = row_k
        pivot = lu[..., k, k]
        safe = np.where(pivot == 0, 1, pivot)
        lu[..., k + 1:, k] = np.where((pivot == 0)[..., None], lu[..., k + 1:, k], lu[..., k + 1:, k] / safe[..., None])
        lu[..., k + 1:, k + 1:] -= lu[..., k + 1:, k, None] * lu[..., k, None, k + 1:]
    return lu, pivots


def _permutation(pivots):
    """Row order ``perm`` with ``a[perm] == L @ U`` for LAPACK-style ``pivots`` (..., M)."""
    n = pivots.shape[-1]
    perm = np.broadcast_to(np.arange(n), pivots.shape).copy()
    for i in range(n):
        p = pivots[..., i:i + 1]
        at_i = perm[..., i].copy()
        perm[..., i] = np.take_along_axis(perm, p, axis=-1)[..., 0]
        np.put_along_axis(perm, p, at_i[..., None], axis=-1)
    return perm


def _lu_matrix_vjp(g, out, x):
    a = _matrix(x, "lu_factor")
    _, pivots = _lu_arrays(a)
    n = a.shape[-1]
    lower = np.tril(out, -1) + np.eye(n, dtype=out.dtype)
    upper = np.triu(out)
    phi = np.tril(_mT(lower) @ np.tril(g, -1), -1) + np.triu(np.triu(g) @ _mT(upper))
    left = _solve_triangular_arrays(_mT(lower), phi, lower=False)                      # L^-T phi
    permuted = _mT(_solve_triangular_arrays(upper, _mT(left), lower=False))            # ... U^-T
    grad = np.zeros_like(permuted)
    np.put_along_axis(grad, _permutation(pivots)[..., None], permuted, axis=-2)
    return (grad,)


@primitive(_lu_matrix_vjp)
def _lu_matrix(x):
    return _lu_arrays(_matrix(x, "lu_factor"))[0]


def lu_factor(x):
    """``(lu, pivots)`` as ``scipy.linalg.lu_factor`` (pivots int32, 0-based row swaps); square input."""
    value = x.value if type(x) is Box else x
    lu, pivots = _lu_arrays(_matrix(value, "lu_factor"))
    if type(x) is Box and recording():
        return _lu_matrix(x), pivots
    return lu, pivots


def _pack(batch, *parts):
    """Outputs with the batch axes ``batch`` flattened side by side: (*batch, total)."""
    return np.concatenate([np.reshape(p, batch + (-1,)) for p in parts], axis=-1)


def _unpack(packed, shapes):
    """Split ``_pack``'s result into arrays of the trailing ``shapes`` (plain arrays or, via primitives, Boxes)."""
    from kerafront_numpy._shape import getitem, reshape
    value = packed.value if type(packed) is Box else packed
    batch, start, parts = value.shape[:-1], 0, []
    for shape in shapes:
        size = int(np.prod(shape, dtype=np.int64))
        if type(packed) is Box:
            parts.append(reshape(getitem(packed, (Ellipsis, slice(start, start + size))), batch + tuple(shape)))
        else:
            parts.append(np.reshape(value[..., start:start + size], batch + tuple(shape)))
        start += size
    return parts


def _qr_shapes(m, n, mode):
    k = min(m, n) if mode == "reduced" else m
    return (m, k), (k, n)


def _qr_arrays(a, mode):
    if mode not in ("reduced", "complete"):
        raise ValueError(f"qr: mode must be 'reduced' or 'complete'; received mode={mode!r}.")
    q, r = np.linalg.qr(a, mode=mode)
    return q, r


def _qr_square_vjp(gq, gr, q, r):
    """VJP of ``x = q @ r`` for M >= N with q (M, N), r (N, N) (Walter and Lehmann)."""
    x = _mT(q) @ gq - gr @ _mT(r)
    y = np.tril(x - _mT(x), -1) - x
    w = gq + q @ y
    return _mT(_solve_triangular_arrays(r, _mT(w), lower=False))


def _qr_packed_vjp(g, out, x, mode="reduced"):
    a = _matrix(x, "qr", square=False)
    m, n = a.shape[-2:]
    q, r = _unpack(out, _qr_shapes(m, n, mode))
    gq, gr = _unpack(g, _qr_shapes(m, n, mode))
    if m >= n:
        if mode == "complete" and m > n:
            raise ValueError("qr: the gradient of mode='complete' is not defined for M > N (the extra columns of q "
                             "are any orthonormal completion); use mode='reduced'.")
        return (_qr_square_vjp(gq, gr, q, r),)
    # M < N: x = [X | Y] with X square; r = [r_X | q^T Y].
    gr_x, gr_y = gr[..., :, :m], gr[..., :, m:]
    y = a[..., :, m:]
    gx = _qr_square_vjp(gq + y @ _mT(gr_y), gr_x, q, r[..., :, :m])
    return (np.concatenate([gx, q @ gr_y], axis=-1),)


@primitive(_qr_packed_vjp)
def _qr_packed(x, mode="reduced"):
    a = _matrix(x, "qr", square=False)
    return _pack(a.shape[:-2], *_qr_arrays(a, mode))


def qr(x, mode="reduced"):
    """``(q, r)`` as ``np.linalg.qr`` (LAPACK's Householder signs)."""
    value = x.value if type(x) is Box else x
    a = _matrix(value, "qr", square=False)
    if type(x) is Box and recording():
        return tuple(_unpack(_qr_packed(x, mode), _qr_shapes(*a.shape[-2:], mode)))
    return _qr_arrays(a, mode)


def _eigh_arrays(a):
    w, v = np.linalg.eigh(_symmetric(a))
    return w, v * _column_signs(v)


def _eigh_packed_vjp(g, out, x):
    size = np.shape(x)[-1]
    w, v = _unpack(out, [(size,), (size, size)])
    gw, gv = _unpack(g, [(size,), (size, size)])
    gap = w[..., None, :] - w[..., :, None]                     # w_j - w_i
    off = ~np.eye(size, dtype=bool)
    f = np.where(off, 1 / np.where(off, gap, 1), 0)
    inner = f * (_mT(v) @ gv) + gw[..., None, :] * np.eye(size, dtype=v.dtype)
    return (_symmetric(v @ inner @ _mT(v)),)


@primitive(_eigh_packed_vjp)
def _eigh_packed(x):
    a = _matrix(x, "eigh")
    return _pack(a.shape[:-2], *_eigh_arrays(a))


def eigh(x):
    """``(w, v)`` of ``(x + x^T) / 2``: ascending eigenvalues, eigenvectors signed by their largest entry."""
    value = x.value if type(x) is Box else x
    a = _matrix(value, "eigh")
    if type(x) is Box and recording():
        n = a.shape[-1]
        return tuple(_unpack(_eigh_packed(x), [(n,), (n, n)]))
    return _eigh_arrays(a)


def _svd_shapes(m, n, full_matrices, compute_uv):
    k = min(m, n)
    if not compute_uv:
        return [(k,)]
    if full_matrices:
        return [(m, m), (k,), (n, n)]
    return [(m, k), (k,), (k, n)]


def _svd_arrays(a, full_matrices, compute_uv):
    if not compute_uv:
        return (np.linalg.svd(a, compute_uv=False),)
    u, s, vh = np.linalg.svd(a, full_matrices=bool(full_matrices))
    k = s.shape[-1]
    signs = _column_signs(u[..., :, :k])
    u = np.concatenate([u[..., :, :k] * signs, u[..., :, k:]], axis=-1)
    vh = np.concatenate([vh[..., :k, :] * _mT(signs), vh[..., k:, :]], axis=-2)
    return u, s, vh


def _svd_packed_vjp(g, out, x, full_matrices=True, compute_uv=True):
    a = _matrix(x, "svd", square=False)
    m, n = a.shape[-2:]
    k = min(m, n)
    if compute_uv:
        u, s, vh = _unpack(out, _svd_shapes(m, n, full_matrices, True))
        gu, gs, gvh = _unpack(g, _svd_shapes(m, n, full_matrices, True))
        u, gu, v, gv = u[..., :, :k], gu[..., :, :k], _mT(vh[..., :k, :]), _mT(gvh[..., :k, :])
    else:
        (gs,) = _unpack(g, [(k,)])
        u, s, vh = np.linalg.svd(a, full_matrices=False)
        v = _mT(vh)
    eye = np.eye(k, dtype=a.dtype)
    grad_core = gs[..., None, :] * eye
    if compute_uv:
        s2 = s ** 2
        gap = s2[..., None, :] - s2[..., :, None]              # s_j^2 - s_i^2
        off = ~np.eye(k, dtype=bool)
        f = np.where(off, 1 / np.where(off, gap, 1), 0)
        ut_gu, vt_gv = _mT(u) @ gu, _mT(v) @ gv
        grad_core = (grad_core + (f * (ut_gu - _mT(ut_gu))) * s[..., None, :]
                     + s[..., :, None] * (f * (vt_gv - _mT(vt_gv))))
    grad = u @ grad_core @ _mT(v)
    if compute_uv and m > k:
        grad = grad + (gu - u @ (_mT(u) @ gu)) / s[..., None, :] @ _mT(v)
    if compute_uv and n > k:
        grad = grad + u @ (_mT(gv - v @ (_mT(v) @ gv)) / s[..., :, None])
    return (grad,)


@primitive(_svd_packed_vjp)
def _svd_packed(x, full_matrices=True, compute_uv=True):
    a = _matrix(x, "svd", square=False)
    return _pack(a.shape[:-2], *_svd_arrays(a, full_matrices, compute_uv))


def svd(x, full_matrices=True, compute_uv=True):
    """``(u, s, vh)`` (``compute_uv=False``: ``s``), singular values descending, vectors signed by ``u``'s
    largest entry per column."""
    value = x.value if type(x) is Box else x
    a = _matrix(value, "svd", square=False)
    if type(x) is Box and recording():
        parts = _unpack(_svd_packed(x, full_matrices, compute_uv),
                        _svd_shapes(*a.shape[-2:], full_matrices, compute_uv))
        return tuple(parts) if compute_uv else parts[0]
    parts = _svd_arrays(a, full_matrices, compute_uv)
    return parts if compute_uv else parts[0]


def _inverse_transpose(a, op):
    try:
        return _mT(np.linalg.inv(a))
    except np.linalg.LinAlgError as error:
        raise _linalg_error(op, error) from None


@primitive(lambda g, out, x: (g[..., None, None] * out[..., None, None]
                              * _inverse_transpose(_matrix(x, "det"), "det"),))
def det(x):
    """Determinant (LU-based, as ``np.linalg.det``)."""
    return np.asarray(np.linalg.det(_matrix(x, "det")))


@primitive(lambda g, out, x: (g[..., None, None] * _inverse_transpose(_matrix(x, "slogdet"), "slogdet"),))
def _logabsdet(x):
    return np.asarray(np.linalg.slogdet(_matrix(x, "slogdet"))[1])


def slogdet(x):
    """``(sign, logabsdet)`` as ``np.linalg.slogdet``; the gradient flows through ``logabsdet``."""
    value = x.value if type(x) is Box else x
    sign, logabsdet = np.linalg.slogdet(_matrix(value, "slogdet"))
    sign, logabsdet = np.asarray(sign), np.asarray(logabsdet)
    if type(x) is Box and recording():
        return sign, _logabsdet(x)
    return sign, logabsdet
