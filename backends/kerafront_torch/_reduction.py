"""Reductions and cumulative sum (spec section "Reductions").

dtype rules that differ from torch: integer sums/products/cumsums keep their dtype (torch gives
int64), bool sums give int32, index results are int32. ``max``/``min`` send the gradient at ties
to the first extremal element in row-major order: when the input requires grad they reduce over
the flattened reduced axes with ``torch.max(dim)``, whose index is the first maximum (torch's
``amax`` would split the gradient between ties). Without grad they use the faster ``amax``.
"""

import builtins

import torch

from kerafront.spec_rules import normalize_axis, single_axis

from kerafront_torch._convert import as_tensor, float_input


def _keep_int_dtype(x):
    if x.dtype is torch.bool:
        return torch.int32
    return None if x.is_floating_point() else x.dtype


def sum(x, axis=None, keepdims=False):
    x = as_tensor(x)
    dtype = _keep_int_dtype(x)
    if axis is None and not keepdims:
        return torch.sum(x, dtype=dtype)
    axes = normalize_axis(axis, x.ndim, "sum")
    if not axes:
        return x if dtype is None else x.to(dtype)
    return torch.sum(x, dim=axes, keepdim=keepdims, dtype=dtype)


def mean(x, axis=None, keepdims=False):
    x = float_input(x)
    if axis is None and not keepdims:
        return torch.mean(x)
    axes = normalize_axis(axis, x.ndim, "mean")
    return torch.mean(x, dim=axes, keepdim=keepdims) if axes else x


def _extreme(x, axis, keepdims, op, fast, select):
    x = as_tensor(x)
    axes = normalize_axis(axis, x.ndim, op)
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
    for a in reversed(normalize_axis(axis, x.ndim, "prod")):
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
    axes = normalize_axis(axis, x.ndim, op)
    return fn(x, dim=axes, keepdim=keepdims) if axes else x


def any(x, axis=None, keepdims=False):
    return _truth(x, axis, keepdims, "any", torch.any)


def all(x, axis=None, keepdims=False):
    return _truth(x, axis, keepdims, "all", torch.all)


def var(x, axis=None, keepdims=False):
    x = float_input(x)
    axes = normalize_axis(axis, x.ndim, "var")
    if not axes:
        return torch.zeros_like(x)
    if x.numel() == 0:  # torch.var warns about zero degrees of freedom; the mean form gives NaN / empty
        return torch.mean(torch.square(x - torch.mean(x, dim=axes, keepdim=True)), dim=axes, keepdim=keepdims)
    return torch.var(x, dim=axes, correction=0, keepdim=keepdims)


def cumsum(x, axis=None):
    x = as_tensor(x)
    dtype = _keep_int_dtype(x)
    if axis is None:
        return torch.cumsum(x.reshape(-1), dim=0, dtype=dtype)
    return torch.cumsum(x, dim=single_axis(axis, x.ndim, "cumsum"), dtype=dtype)
