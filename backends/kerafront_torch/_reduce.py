"""Reductions, cumulative sum and linear algebra (spec sections "Reductions" and "Linear algebra").

dtype rules that differ from torch: integer sums/products/cumsums keep their dtype (torch gives
int64), bool sums give int32, index results are int32. ``max``/``min`` send the gradient at ties
to the first extremal element in row-major order: when the input requires grad they reduce over
the flattened reduced axes with ``torch.max(dim)``, whose index is the first maximum (torch's
``amax`` would split the gradient between ties). Without grad they use the faster ``amax``.
"""

import builtins
import functools

import torch

from kerafront_torch._convert import Tensor, as_tensor, float_input, promote


@functools.lru_cache(maxsize=4096)
def _normalize_axes(axis, ndim, op):
    if axis is None:
        return tuple(range(ndim))
    axes = (axis,) if isinstance(axis, int) else tuple(axis)
    out = []
    for a in axes:
        if not -ndim <= a < ndim:
            raise ValueError(f"{op}: axis {a} is out of range for a tensor of rank {ndim}.")
        out.append(a % ndim)
    if len(set(out)) != len(out):
        raise ValueError(f"{op}: repeated axis in {axis!r}.")
    return tuple(sorted(out))


def axes_of(axis, ndim, op):
    """``axis`` (int, sequence or None) -> sorted tuple of non-negative axes; ``ValueError`` if out of range."""
    if isinstance(axis, list):
        axis = tuple(axis)
    return _normalize_axes(axis, ndim, op)


def single_axis(axis, ndim, op):
    """An int ``axis`` -> its non-negative form; ``ValueError`` when out of range or not an int."""
    if not isinstance(axis, int):
        raise TypeError(f"{op}: axis must be an int, got {axis!r}.")
    return axes_of(axis, ndim, op)[0]


def _keep_int_dtype(x):
    if x.dtype is torch.bool:
        return torch.int32
    return None if x.is_floating_point() else x.dtype


def sum(x, axis=None, keepdims=False):
    x = as_tensor(x)
    dtype = _keep_int_dtype(x)
    if axis is None and not keepdims:
        return torch.sum(x, dtype=dtype)
    axes = axes_of(axis, x.ndim, "sum")
    if not axes:
        return x if dtype is None else x.to(dtype)
    return torch.sum(x, dim=axes, keepdim=keepdims, dtype=dtype)


def mean(x, axis=None, keepdims=False):
    x = float_input(x)
    if axis is None and not keepdims:
        return torch.mean(x)
    axes = axes_of(axis, x.ndim, "mean")
    return torch.mean(x, dim=axes, keepdim=keepdims) if axes else x


def _extreme(x, axis, keepdims, op, fast, select):
    x = as_tensor(x)
    axes = axes_of(axis, x.ndim, op)
    if not axes:
        return x
    if x.numel() == 0 and builtins.any(x.shape[a] == 0 for a in axes):
        raise ValueError(f"{op}: cannot reduce an empty axis (input shape {tuple(x.shape)}, axis {axis!r}).")
    if not x.requires_grad:
        return fast(x, dim=axes, keepdim=keepdims)
    if len(axes) == 1:
        return select(x, dim=axes[0], keepdim=keepdims).values
    kept = [d for d in range(x.ndim) if d not in axes]
    flat = x.permute(kept + list(axes)).reshape([x.shape[d] for d in kept] + [-1])
    values = select(flat, dim=-1).values
    if keepdims:
        values = values.reshape([1 if d in axes else x.shape[d] for d in range(x.ndim)])
    return values


def max(x, axis=None, keepdims=False):
    return _extreme(x, axis, keepdims, "max", torch.amax, torch.max)


def min(x, axis=None, keepdims=False):
    return _extreme(x, axis, keepdims, "min", torch.amin, torch.min)


def prod(x, axis=None, keepdims=False):
    x = as_tensor(x)
    dtype = _keep_int_dtype(x)
    if axis is None and not keepdims:
        return torch.prod(x, dtype=dtype)
    out = x if dtype is None else x.to(dtype)
    for a in reversed(axes_of(axis, x.ndim, "prod")):
        out = torch.prod(out, dim=a, keepdim=keepdims, dtype=dtype)
    return out


def _arg(x, axis, keepdims, op, fn):
    x = as_tensor(x)
    if x.dtype is torch.bool:
        x = x.to(torch.uint8)
    if x.numel() == 0:
        raise ValueError(f"{op}: cannot take the {op} of an empty tensor (shape {tuple(x.shape)}).")
    if axis is None:
        out = fn(x.reshape(-1), dim=0)
        return out.reshape((1,) * x.ndim).to(torch.int32) if keepdims else out.to(torch.int32)
    return fn(x, dim=single_axis(axis, x.ndim, op), keepdim=keepdims).to(torch.int32)


def argmax(x, axis=None, keepdims=False):
    return _arg(x, axis, keepdims, "argmax", torch.argmax)


def argmin(x, axis=None, keepdims=False):
    return _arg(x, axis, keepdims, "argmin", torch.argmin)


def _truth(x, axis, keepdims, op, fn):
    x = as_tensor(x)
    if x.dtype is not torch.bool:
        x = x != 0
    if axis is None and not keepdims:
        return fn(x)
    axes = axes_of(axis, x.ndim, op)
    return fn(x, dim=axes, keepdim=keepdims) if axes else x


def any(x, axis=None, keepdims=False):
    return _truth(x, axis, keepdims, "any", torch.any)


def all(x, axis=None, keepdims=False):
    return _truth(x, axis, keepdims, "all", torch.all)


def var(x, axis=None, keepdims=False):
    x = float_input(x)
    axes = axes_of(axis, x.ndim, "var")
    if not axes:
        return torch.zeros_like(x)
    if x.numel() == 0:  # torch.var warns about zero degrees of freedom; the mean form gives NaN / empty
        return torch.mean(torch.square(x - torch.mean(x, dim=axes, keepdim=True)), dim=axes, keepdim=keepdims)
    return torch.var(x, dim=axes, correction=0, keepdim=keepdims)


def std(x, axis=None, keepdims=False):
    return torch.sqrt(var(x, axis=axis, keepdims=keepdims))


def cumsum(x, axis=None):
    x = as_tensor(x)
    dtype = _keep_int_dtype(x)
    if axis is None:
        return torch.cumsum(x.reshape(-1), dim=0, dtype=dtype)
    return torch.cumsum(x, dim=single_axis(axis, x.ndim, "cumsum"), dtype=dtype)


# ----------------------------------------------------------------------------------------------
# Linear algebra


def _common(operands):
    tensors = [as_tensor(op) for op in operands]
    target = functools.reduce(promote, [t.dtype for t in tensors])
    return [t if t.dtype is target else t.to(target) for t in tensors]


def matmul(x1, x2):
    if not (isinstance(x1, Tensor) and isinstance(x2, Tensor) and x1.dtype is x2.dtype):
        x1, x2 = _common((x1, x2))
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
    tensors = _common(operands)
    try:
        return torch.einsum(subscripts, *tensors)
    except RuntimeError as error:
        shapes = ", ".join(str(tuple(t.shape)) for t in tensors)
        raise ValueError(f"einsum: subscripts {subscripts!r} do not fit operand shapes {shapes}: {error}") from None
