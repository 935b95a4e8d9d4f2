"""Elementwise math (spec section "Elementwise math").

Each binary op takes the no-promotion fast path when both operands are tensors of one dtype;
otherwise ``binary`` applies kerafront's table (``_convert.binary_op`` builds the ops that share
that body). Python operators (``x1 - x2``) are used where a
Python scalar may come first, since ``torch.sub(2.0, t)`` is not accepted. Shapes that do not
broadcast raise ``ValueError`` naming the op (``_convert.broadcast_error``, called only once torch
has failed, so valid inputs pay nothing).

Where torch's gradient rule differs from kerafront's it is corrected here: ``maximum``/``minimum``
send the gradient at ties to ``x1`` (torch splits it in halves), so when an operand requires grad
they are computed with ``where`` (NaN still propagates), against a Python scalar too (``clamp_min``'s
gradient at a tie is 1 up to torch 2.13 and 0 from 2.14). ``clip`` is two ``where``s for the same
reason: its gradient is 1 at the bounds, as ``spec.KINK_RULES`` states, on every torch release.
"""

import operator

import torch

from kerafront_torch._convert import (SCALARS, Tensor, as_tensor, binary, binary_op, binary_tensors, broadcast_error,
                                      float_input, floatx, promote)


add = binary_op("add", torch.add, operator.add)
subtract = binary_op("subtract", torch.sub, operator.sub)
multiply = binary_op("multiply", torch.mul, operator.mul)


def _float_pair(x1, x2):
    """Promoted operands, cast to floatx when the promoted dtype is not a float (true division)."""
    x1, x2 = binary(x1, x2)
    tensor = x1 if isinstance(x1, Tensor) else x2
    if tensor.is_floating_point():
        return x1, x2
    target = floatx()
    return (x1.to(target) if isinstance(x1, Tensor) else x1), (x2.to(target) if isinstance(x2, Tensor) else x2)


def divide(x1, x2):
    try:
        if isinstance(x1, Tensor) and isinstance(x2, Tensor) and x1.dtype is x2.dtype and x1.is_floating_point():
            return torch.div(x1, x2)
        x1, x2 = _float_pair(x1, x2)
        return x1 / x2
    except RuntimeError as error:
        raise broadcast_error("divide", error, x1, x2) from None


def arctan2(x1, x2):
    """``torch.atan2``; integer operands give floatx."""
    try:
        return torch.atan2(*binary_tensors(*_float_pair(x1, x2)))
    except RuntimeError as error:
        raise broadcast_error("arctan2", error, x1, x2) from None


floor_divide = binary_op("floor_divide", operator.floordiv)
mod = binary_op("mod", operator.mod)


def power(x1, x2):
    if isinstance(x1, Tensor) and type(x2) in (int, float) and x1.is_floating_point():
        return torch.pow(x1, x2)
    x1, x2 = binary(x1, x2)
    try:
        return x1 ** x2
    except RuntimeError as error:
        raise broadcast_error("power", error, x1, x2) from None


def negative(x):
    return torch.neg(as_tensor(x))


def abs(x):
    return torch.abs(as_tensor(x))


def sign(x):
    return torch.sign(as_tensor(x))


def sqrt(x):
    return torch.sqrt(float_input(x))


def rsqrt(x):
    return torch.rsqrt(float_input(x))


def square(x):
    return torch.square(as_tensor(x))


def exp(x):
    return torch.exp(float_input(x))


def log(x):
    return torch.log(float_input(x))


def log1p(x):
    return torch.log1p(float_input(x))


def expm1(x):
    return torch.expm1(float_input(x))


def sin(x):
    return torch.sin(float_input(x))


def cos(x):
    return torch.cos(float_input(x))


def tanh(x):
    return torch.tanh(float_input(x))


def sigmoid(x):
    return torch.sigmoid(float_input(x))


def erf(x):
    return torch.erf(float_input(x))


def erfc(x):
    return torch.erfc(float_input(x))


def erfinv(x):
    return torch.erfinv(float_input(x))


def nextafter(x1, x2):
    """``torch.nextafter``; integer operands give floatx."""
    try:
        return torch.nextafter(*binary_tensors(*_float_pair(x1, x2)))
    except RuntimeError as error:
        raise broadcast_error("nextafter", error, x1, x2) from None


def _extremum(name, fast, clamp, wins, doc):
    """maximum or minimum (``fast``; ``clamp`` against a Python scalar), with ties sending the gradient to
    ``x1`` (``wins(x1, x2)``). When an operand requires grad it is a ``where``: ``fast`` splits a tie's
    gradient in halves, and ``clamp``'s gradient at a tie changed between torch releases (1 up to 2.13,
    0 from 2.14)."""
    def op(x1, x2):
        if isinstance(x1, Tensor) and (x1.is_floating_point() and type(x2) in (int, float)
                                       or type(x2) is int and x1.dtype is not torch.bool):
            if not x1.requires_grad:
                return clamp(x1, x2)
            return torch.where(wins(x1, x2).logical_or_(torch.isnan(x1)), x1, x2)
        x1, x2 = binary_tensors(x1, x2)
        try:
            if not (x1.requires_grad or x2.requires_grad):
                return fast(x1, x2)
            take_first = wins(x1, x2).logical_or_(torch.isnan(x1))
        except RuntimeError as error:
            raise broadcast_error(name, error, x1, x2) from None
        return torch.where(take_first, x1, x2)

    op.__name__ = op.__qualname__ = name
    op.__doc__ = doc
    return op


maximum = _extremum("maximum", torch.maximum, torch.clamp_min, torch.greater_equal,
                    "Elementwise max; ties send the gradient to ``x1``; NaN in either operand propagates.")
minimum = _extremum("minimum", torch.minimum, torch.clamp_max, torch.less_equal,
                    "Elementwise min; ties send the gradient to ``x1``; NaN in either operand propagates.")


def _bound_dtype(dtype, bound):
    if bound is None:
        return dtype
    if isinstance(bound, Tensor):
        return promote(dtype, bound.dtype)
    if type(bound) is float and not dtype.is_floating_point:
        return floatx()
    return dtype


def _clip_with_spec_gradient(x, x_min, x_max):
    """``minimum(maximum(x, x_min), x_max)`` as two ``where``s: the value of ``torch.clamp``, and the
    gradient of ``spec.KINK_RULES["clip"]`` (1 at the bounds, the bound's where it takes over) on every
    torch release (``clamp``'s own backward at the bounds changed between releases)."""
    if x_min is not None:
        x = torch.where(x < x_min, x_min, x)
    if x_max is not None:
        x = torch.where(x > x_max, x_max, x)
    return x


def clip(x, x_min, x_max):
    if isinstance(x, Tensor) and x.is_floating_point() and type(x_min) in (int, float) \
            and type(x_max) in (int, float):
        return _clip_with_spec_gradient(x, x_min, x_max)
    x = as_tensor(x)
    x_min = x_min if x_min is None or type(x_min) in SCALARS else as_tensor(x_min, x.device)
    x_max = x_max if x_max is None or type(x_max) in SCALARS else as_tensor(x_max, x.device)
    target = _bound_dtype(_bound_dtype(x.dtype, x_min), x_max)
    x = x.to(target)
    if isinstance(x_min, Tensor) or isinstance(x_max, Tensor):
        x_min = None if x_min is None else torch.as_tensor(x_min, dtype=target, device=x.device)
        x_max = None if x_max is None else torch.as_tensor(x_max, dtype=target, device=x.device)
    try:
        return _clip_with_spec_gradient(x, x_min, x_max)
    except RuntimeError as error:
        raise broadcast_error("clip", error, *(v for v in (x, x_min, x_max) if v is not None)) from None


def where(condition, x1, x2):
    if not isinstance(condition, Tensor):
        condition = as_tensor(condition)
    if condition.dtype is not torch.bool:
        condition = condition != 0
    if not (isinstance(x1, Tensor) and isinstance(x2, Tensor) and x1.dtype is x2.dtype):
        x1, x2 = binary(x1, x2)
    try:
        return torch.where(condition, x1, x2)
    except RuntimeError as error:
        raise broadcast_error("where", error, condition, x1, x2) from None


def round(x):
    x = as_tensor(x)
    return torch.round(x) if x.is_floating_point() else x


def floor(x):
    x = as_tensor(x)
    return torch.floor(x) if x.is_floating_point() else x


def ceil(x):
    x = as_tensor(x)
    return torch.ceil(x) if x.is_floating_point() else x
