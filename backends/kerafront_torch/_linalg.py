"""Linear algebra (spec section "Linear algebra"): ``matmul``, ``einsum``, decompositions and solves.

Operands are promoted with kerafront's table (``_convert.promote_all``). torch's ``RuntimeError``
for mismatched shapes becomes a ``ValueError`` naming the op and both shapes; the checks sit before
or after the kernel call, so valid inputs pay nothing extra.
"""

import torch

from kerafront import spec_rules
from kerafront_torch._convert import DTYPE_NAMES, TORCH_DTYPES, Tensor, as_tensor, promote_all


def matmul(x1, x2):
    if not (isinstance(x1, Tensor) and isinstance(x2, Tensor) and x1.dtype is x2.dtype):
        x1, x2 = promote_all((x1, x2))
    if x1.ndim == 0 or x2.ndim == 0:
        raise ValueError(f"matmul: operands must have rank >= 1, got shapes {tuple(x1.shape)} @ {tuple(x2.shape)}; "
                         f"use multiply for scalars.")
    inner = x2.shape[-2] if x2.ndim > 1 else x2.shape[0]
    if x1.shape[-1] != inner:
        raise ValueError(f"matmul: inner dimensions differ: {tuple(x1.shape)} @ {tuple(x2.shape)} "
                         f"({x1.shape[-1]} != {inner}).")
    try:
        return torch.matmul(x1, x2)
    except RuntimeError as error:
        if x1.ndim > 2 and x2.ndim > 2:
            try:
                torch.broadcast_shapes(x1.shape[:-2], x2.shape[:-2])
            except RuntimeError:
                raise ValueError(f"matmul: batch dimensions do not broadcast: {tuple(x1.shape)} @ "
                                 f"{tuple(x2.shape)}.") from None
        raise error


def einsum(subscripts, *operands):
    tensors = promote_all(operands)
    try:
        return torch.einsum(subscripts, *tensors)
    except RuntimeError as error:
        shapes = ", ".join(str(tuple(t.shape)) for t in tensors)
        raise ValueError(f"einsum: subscripts {subscripts!r} do not fit operand shapes {shapes}: {error}") from None


# ----------------------------------------------------------------------------------------------
# Decompositions and solves (spec "Decompositions and solves"); torch.linalg differentiates them.

def _matrix(x, op, square=True):
    t = as_tensor(x)
    name = spec_rules.linalg_operand(tuple(t.shape), DTYPE_NAMES[t.dtype], op, square)
    return t if DTYPE_NAMES[t.dtype] == name else t.to(TORCH_DTYPES[name])


def _symmetric(a):
    return (a + a.mT) / 2


def _column_signs(vectors):
    """Per column of (..., M, K): the sign making its largest-magnitude entry positive, shape (..., 1, K)."""
    if vectors.shape[-2] == 0:
        return torch.ones(vectors.shape[:-2] + (1, vectors.shape[-1]), dtype=vectors.dtype, device=vectors.device)
    where = vectors.abs().argmax(dim=-2, keepdim=True)
    signs = torch.sign(torch.take_along_dim(vectors, where, dim=-2))
    return torch.where(signs == 0, torch.ones_like(signs), signs)


def _failed(op, error):
    return ValueError(f"{op}: the factorisation failed (singular or not positive definite input): {error}")


def cholesky(x, upper=False):
    a = _matrix(x, "cholesky")
    try:
        return torch.linalg.cholesky(_symmetric(a), upper=upper)
    except RuntimeError as error:
        raise ValueError(f"cholesky: the input is not symmetric positive definite (the factorisation failed); "
                         f"received shape {tuple(a.shape)}: {error}") from None


def _solve_operands(a, b, op):
    a, b = promote_all((a, b))
    name = spec_rules.linalg_operand(tuple(a.shape), DTYPE_NAMES[a.dtype], op)
    vector, batch = spec_rules.solve_operands(tuple(a.shape), tuple(b.shape), op)
    if DTYPE_NAMES[a.dtype] != name:
        a, b = a.to(TORCH_DTYPES[name]), b.to(TORCH_DTYPES[name])
    b = b.unsqueeze(-1) if vector else b
    return a.broadcast_to(batch + tuple(a.shape[-2:])), b.broadcast_to(batch + tuple(b.shape[-2:])), vector


def solve(a, b):
    a, b, vector = _solve_operands(a, b, "solve")
    try:
        x = torch.linalg.solve(a, b)
    except RuntimeError as error:
        raise _failed("solve", error) from None
    return x.squeeze(-1) if vector else x


def solve_triangular(a, b, lower=False):
    a, b, vector = _solve_operands(a, b, "solve_triangular")
    x = torch.linalg.solve_triangular(a, b, upper=not lower)
    return x.squeeze(-1) if vector else x


def lu_factor(x):
    lu, pivots = torch.linalg.lu_factor(_matrix(x, "lu_factor"))
    return lu, (pivots - 1).to(torch.int32)     # LAPACK's 1-based pivots -> scipy's 0-based


def qr(x, mode="reduced"):
    if mode not in ("reduced", "complete"):
        raise ValueError(f"qr: mode must be 'reduced' or 'complete'; received mode={mode!r}.")
    q, r = torch.linalg.qr(_matrix(x, "qr", square=False), mode=mode)
    return q, r


def eigh(x):
    w, v = torch.linalg.eigh(_symmetric(_matrix(x, "eigh")))
    return w, v * _column_signs(v)


def svd(x, full_matrices=True, compute_uv=True):
    a = _matrix(x, "svd", square=False)
    if not compute_uv:
        return torch.linalg.svdvals(a)
    m, n = a.shape[-2:]
    u, s, vh = torch.linalg.svd(a, full_matrices=bool(full_matrices) and m != n)
    k = s.shape[-1]
    signs = _column_signs(u[..., :, :k])
    u = torch.cat([u[..., :, :k] * signs, u[..., :, k:]], dim=-1)
    vh = torch.cat([vh[..., :k, :] * signs.mT, vh[..., k:, :]], dim=-2)
    return u, s, vh


def det(x):
    return torch.linalg.det(_matrix(x, "det"))


def slogdet(x):
    sign, logabsdet = torch.linalg.slogdet(_matrix(x, "slogdet"))
    return sign, logabsdet
