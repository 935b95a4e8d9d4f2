"""Linear algebra (spec section "Linear algebra"): ``matmul`` and ``einsum``.

Operands are promoted with kerafront's table (``_convert.promote_all``). torch's ``RuntimeError``
for mismatched shapes becomes a ``ValueError`` naming the op and both shapes; the checks sit before
or after the kernel call, so valid inputs pay nothing extra.
"""

import torch

from kerafront_torch._convert import Tensor, promote_all


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
