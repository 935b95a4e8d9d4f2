"""Reductions (sum, mean, max, ..., cumsum), each with its VJP beside it.

``axis`` goes through ``kerafront.spec_rules`` (``normalize_axis``; ``single_axis`` for argmax,
argmin and cumsum). A VJP first restores the reduced axes of the cotangent (``_expand``), then
broadcasts it to the input's shape.
"""

import builtins

import numpy as np

from kerafront.spec_rules import normalize_axis, single_axis

from kerafront_numpy._autodiff import primitive
from kerafront_numpy._convert import as_float, input_array, quiet, result_array


def _empty_result(x, axes, keepdims):
    """NaN of the reduced shape when a mean-like reduction covers no element, else None (no NumPy warning)."""
    if x.size:
        return None
    shape = [1 if a in axes else n for a, n in enumerate(x.shape)] if keepdims else \
        [n for a, n in enumerate(x.shape) if a not in axes]
    return np.full(shape, np.nan, dtype=x.dtype)


def _expand(g, x, axis, keepdims):
    """Cotangent ``g`` of a reduction of ``x`` over ``axis``, reshaped so it broadcasts against ``x``."""
    if keepdims:
        return g
    axes = normalize_axis(axis, x.ndim, "reduction")
    shape = list(x.shape)
    for a in axes:
        shape[a] = 1
    return np.reshape(g, shape)


def _sum_vjp(g, out, x, axis=None, keepdims=False):
    x = input_array(x)
    return (_expand(g, x, axis, keepdims) + np.zeros(x.shape, g.dtype),)


@primitive(_sum_vjp)
def sum(x, axis=None, keepdims=False):
    """Sum; bool sums to int32 and integer dtypes keep their dtype (NumPy would widen to int64)."""
    x = input_array(x)
    axes = normalize_axis(axis, x.ndim, "sum")
    dt = np.int32 if x.dtype.kind == "b" else x.dtype
    return result_array(np.add.reduce(x, axis=axes, dtype=dt, keepdims=keepdims))


def _mean_vjp(g, out, x, axis=None, keepdims=False):
    x = input_array(x)
    axes = normalize_axis(axis, x.ndim, "mean")
    count = 1
    for a in axes:
        count *= x.shape[a]
    return (_expand(g, x, axis, keepdims) / builtins.max(count, 1) + np.zeros(x.shape, g.dtype),)


@primitive(_mean_vjp)
def mean(x, axis=None, keepdims=False):
    """Mean; integer inputs give floatx; an empty reduction gives NaN (without a warning)."""
    x = as_float(input_array(x))
    axes = normalize_axis(axis, x.ndim, "mean")
    empty = _empty_result(x, axes, keepdims)
    if empty is not None:
        return empty
    count = 1
    for a in axes:
        count *= x.shape[a]
    if x.dtype.itemsize < 4:  # float16 / bfloat16 accumulate in float32, as np.mean does
        total = np.add.reduce(x, axis=axes, dtype=np.float32, keepdims=keepdims)
        return result_array(np.divide(total, count, dtype=np.float32)).astype(x.dtype)
    total = np.add.reduce(x, axis=axes, keepdims=keepdims)
    return result_array(np.divide(total, count, dtype=x.dtype))


def _first_extreme(x, out, axes, keepdims):
    """One-hot mask of the first (row-major) element of ``x`` equal to ``out`` in each reduced group."""
    if x.size == 0:
        return np.zeros(x.shape, dtype=bool)
    kept = [a for a in range(x.ndim) if a not in axes]
    perm = kept + list(axes)
    hits = (x == (out if keepdims else np.reshape(out, [1 if a in axes else n for a, n in enumerate(x.shape)])))
    moved = np.transpose(hits, perm).reshape([x.shape[a] for a in kept] + [-1])
    first = np.argmax(moved, axis=-1)[..., None]
    mask = np.zeros(moved.shape, dtype=bool)
    np.put_along_axis(mask, first, True, axis=-1)
    mask = mask.reshape([x.shape[a] for a in perm])
    return np.transpose(mask, np.argsort(perm))


def _extreme_vjp(g, out, x, axis=None, keepdims=False):
    x = input_array(x)
    axes = normalize_axis(axis, x.ndim, "max")
    mask = _first_extreme(x, out, axes, keepdims)
    return (np.where(mask, _expand(g, x, axis, keepdims), 0),)


def _extreme(fn, name, x, axis, keepdims):
    x = input_array(x)
    axes = normalize_axis(axis, x.ndim, name)
    if x.size == 0 and builtins.any(x.shape[a] == 0 for a in axes):
        raise ValueError(f"{name}: cannot reduce over an empty axis (input shape {x.shape}, axis {axis}); "
                         f"{name} of nothing is undefined.")
    return result_array(fn(x, axis=axes, keepdims=keepdims))


@primitive(_extreme_vjp)
def max(x, axis=None, keepdims=False):
    """Max; the gradient goes to the first maximal element (row-major)."""
    return _extreme(np.maximum.reduce, "max", x, axis, keepdims)


@primitive(_extreme_vjp)
def min(x, axis=None, keepdims=False):
    """Min; the gradient goes to the first minimal element (row-major)."""
    return _extreme(np.minimum.reduce, "min", x, axis, keepdims)


def _prod_vjp(g, out, x, axis=None, keepdims=False):
    """Product of all the other elements of each group (exclusive cumulative products: exact at zeros)."""
    x = input_array(x)
    axes = normalize_axis(axis, x.ndim, "prod")
    if x.size == 0:
        return (np.zeros(x.shape, dtype=g.dtype),)
    kept = [a for a in range(x.ndim) if a not in axes]
    perm = kept + list(axes)
    moved = np.transpose(x, perm).reshape([x.shape[a] for a in kept] + [-1])
    ones = np.ones(moved.shape[:-1] + (1,), dtype=moved.dtype)
    before = np.cumprod(np.concatenate([ones, moved[..., :-1]], axis=-1), axis=-1)
    after = np.cumprod(np.concatenate([ones, moved[..., :0:-1]], axis=-1), axis=-1)[..., ::-1]
    others = (before * after).reshape([x.shape[a] for a in perm])
    others = np.transpose(others, np.argsort(perm))
    return (_expand(g, x, axis, keepdims) * others,)


@primitive(_prod_vjp)
def prod(x, axis=None, keepdims=False):
    """Product; bool gives int32, integer dtypes keep their dtype."""
    x = input_array(x)
    axes = normalize_axis(axis, x.ndim, "prod")
    dt = np.int32 if x.dtype.kind == "b" else x.dtype
    return result_array(quiet(np.prod, x, axis=axes, dtype=dt, keepdims=keepdims))


def _arg(fn, name, x, axis, keepdims):
    x = input_array(x)
    if x.size == 0:
        raise ValueError(f"{name}: cannot take the {name} of an empty tensor (shape {x.shape}).")
    if axis is not None:
        axis = single_axis(axis, x.ndim, name)
    return result_array(fn(x, axis=axis, keepdims=keepdims)).astype(np.int32)


@primitive(None)
def argmax(x, axis=None, keepdims=False):
    """int32 index of the first maximum along ``axis`` (of the flattened tensor when None)."""
    return _arg(np.argmax, "argmax", x, axis, keepdims)


@primitive(None)
def argmin(x, axis=None, keepdims=False):
    """int32 index of the first minimum."""
    return _arg(np.argmin, "argmin", x, axis, keepdims)


@primitive(None)
def any(x, axis=None, keepdims=False):
    x = input_array(x)
    return result_array(np.any(x, axis=normalize_axis(axis, x.ndim, "any"), keepdims=keepdims))


@primitive(None)
def all(x, axis=None, keepdims=False):
    x = input_array(x)
    return result_array(np.all(x, axis=normalize_axis(axis, x.ndim, "all"), keepdims=keepdims))


def _var_vjp(g, out, x, axis=None, keepdims=False):
    x = as_float(input_array(x))
    axes = normalize_axis(axis, x.ndim, "var")
    count = 1
    for a in axes:
        count *= x.shape[a]
    centered = x - np.mean(x, axis=axes, keepdims=True)
    return (_expand(g, x, axis, keepdims) * centered * (2.0 / builtins.max(count, 1)),)


@primitive(_var_vjp)
def var(x, axis=None, keepdims=False):
    """Biased variance ``mean(square(x - mean(x)))``; integer inputs give floatx."""
    x = as_float(input_array(x))
    axes = normalize_axis(axis, x.ndim, "var")
    empty = _empty_result(x, axes, keepdims)
    return result_array(np.var(x, axis=axes, keepdims=keepdims)) if empty is None else empty


def _cumsum_vjp(g, out, x, axis=None):
    x = input_array(x)
    if axis is None:
        return (np.flip(np.cumsum(np.flip(g))).reshape(x.shape),)
    return (np.flip(np.cumsum(np.flip(g, axis), axis=axis), axis),)


@primitive(_cumsum_vjp)
def cumsum(x, axis=None):
    """Cumulative sum along ``axis`` (flattened when None); bool gives int32, integers keep their dtype."""
    x = input_array(x)
    dt = np.int32 if x.dtype.kind == "b" else x.dtype
    if axis is None or x.ndim == 0:
        normalize_axis(axis, x.ndim, "cumsum")  # a rank-0 tensor accepts axis 0 or -1
        return np.cumsum(x.reshape(-1), dtype=dt)
    return np.cumsum(x, axis=single_axis(axis, x.ndim, "cumsum"), dtype=dt)
