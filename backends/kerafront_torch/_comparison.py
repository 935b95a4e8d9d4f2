"""Comparisons and logic (spec section "Comparisons and logic"): bool results, no gradients.

Operands of different dtypes are first promoted with kerafront's table (``_convert.binary``), as
for arithmetic, so a comparison sees the same values on every backend. Shapes that do not
broadcast raise ``ValueError`` naming the op.
"""

import torch

from kerafront_torch._convert import as_tensor, binary_op, binary_tensors


equal = binary_op("equal", torch.eq, operands=binary_tensors)
not_equal = binary_op("not_equal", torch.ne, operands=binary_tensors)
less = binary_op("less", torch.lt, operands=binary_tensors)
less_equal = binary_op("less_equal", torch.le, operands=binary_tensors)
greater = binary_op("greater", torch.gt, operands=binary_tensors)
greater_equal = binary_op("greater_equal", torch.ge, operands=binary_tensors)
logical_and = binary_op("logical_and", torch.logical_and, operands=binary_tensors)
logical_or = binary_op("logical_or", torch.logical_or, operands=binary_tensors)
logical_xor = binary_op("logical_xor", torch.logical_xor, operands=binary_tensors)


def logical_not(x):
    return torch.logical_not(as_tensor(x))


def isnan(x):
    return torch.isnan(as_tensor(x))


def isfinite(x):
    return torch.isfinite(as_tensor(x))
