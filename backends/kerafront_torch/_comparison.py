"""Comparisons and logic (spec section "Comparisons and logic"): bool results, no gradients.

Operands are promoted with kerafront's table first, so ``less(int_tensor, 0.5)`` compares in floatx
as the NumPy reference does (torch would compare an int tensor with a float scalar as-is).
"""

import torch

from kerafront_torch._convert import Tensor, as_tensor, binary_tensors


def _compare(x1, x2):
    if isinstance(x1, Tensor) and isinstance(x2, Tensor) and x1.dtype is x2.dtype:
        return x1, x2
    return binary_tensors(x1, x2)


def equal(x1, x2):
    return torch.eq(*_compare(x1, x2))


def not_equal(x1, x2):
    return torch.ne(*_compare(x1, x2))


def less(x1, x2):
    return torch.lt(*_compare(x1, x2))


def less_equal(x1, x2):
    return torch.le(*_compare(x1, x2))


def greater(x1, x2):
    return torch.gt(*_compare(x1, x2))


def greater_equal(x1, x2):
    return torch.ge(*_compare(x1, x2))


def logical_and(x1, x2):
    return torch.logical_and(*binary_tensors(x1, x2))


def logical_or(x1, x2):
    return torch.logical_or(*binary_tensors(x1, x2))


def logical_not(x):
    return torch.logical_not(as_tensor(x))


def logical_xor(x1, x2):
    return torch.logical_xor(*binary_tensors(x1, x2))


def isnan(x):
    return torch.isnan(as_tensor(x))


def isfinite(x):
    return torch.isfinite(as_tensor(x))
