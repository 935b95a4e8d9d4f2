"""Comparisons and logic (spec section "Comparisons and logic"): bool results, no gradients.

Operands of different dtypes are first promoted with kerafront's table (``_convert.binary``), as
for arithmetic, so a comparison sees the same values on every backend. Shapes that do not
broadcast raise ``ValueError`` naming the op.
"""

import torch

from kerafront_torch._convert import Tensor, as_tensor, binary_tensors, broadcast_error


def _compare(fn, x1, x2, op):
    if not (isinstance(x1, Tensor) and isinstance(x2, Tensor) and x1.dtype is x2.dtype):
        x1, x2 = binary_tensors(x1, x2)
    try:
        return fn(x1, x2)
    except RuntimeError as error:
        raise broadcast_error(op, error, x1, x2) from None


def equal(x1, x2):
    return _compare(torch.eq, x1, x2, "equal")


def not_equal(x1, x2):
    return _compare(torch.ne, x1, x2, "not_equal")


def less(x1, x2):
    return _compare(torch.lt, x1, x2, "less")


def less_equal(x1, x2):
    return _compare(torch.le, x1, x2, "less_equal")


def greater(x1, x2):
    return _compare(torch.gt, x1, x2, "greater")


def greater_equal(x1, x2):
    return _compare(torch.ge, x1, x2, "greater_equal")


def logical_and(x1, x2):
    return _compare(torch.logical_and, x1, x2, "logical_and")


def logical_or(x1, x2):
    return _compare(torch.logical_or, x1, x2, "logical_or")


def logical_not(x):
    return torch.logical_not(as_tensor(x))


def logical_xor(x1, x2):
    return _compare(torch.logical_xor, x1, x2, "logical_xor")


def isnan(x):
    return torch.isnan(as_tensor(x))


def isfinite(x):
    return torch.isfinite(as_tensor(x))
