"""Gathers, scatters, sorting and indexing, with VJPs (gathers scatter-add their cotangent back).

Index outputs (argsort, top_k indices) are int32. Integer index arrays may be negative (counting
from the end); out-of-range indices raise ``spec_rules.index_error`` (an ``IndexError``), built from
NumPy's own error, so valid indices cost no extra pass.
"""

import numpy as np

from kerafront.spec_rules import index_error, single_axis

from kerafront_numpy._autodiff import Box, primitive, recording
from kerafront_numpy._convert import input_array

ndarray = np.ndarray


def _indices(indices, op):
    indices = indices if type(indices) is ndarray else np.asarray(indices)
    if indices.dtype.kind not in "iu":
        if indices.size == 0:
            return indices.astype(np.int64)
        raise TypeError(f"{op}: indices must be integers, got dtype {indices.dtype}; cast them with "
                        "kerafront.ops.cast(indices, 'int32').")
    return indices


def _take_vjp(g, out, x, indices, axis=None):
    x = input_array(x)
    indices = _indices(indices, "take")
    grad = np.zeros(x.size if axis is None else x.shape, dtype=g.dtype)
    if axis is None:
        np.add.at(grad, indices, g)
        return (grad.reshape(x.shape),)
    axis = single_axis(axis, x.ndim, "take")
    moved = np.moveaxis(grad, axis, 0)
    g_moved = np.moveaxis(g, list(range(axis, axis + indices.ndim)), list(range(indices.ndim)))
    np.add.at(moved, indices, g_moved)
    return (grad,)


@primitive(_take_vjp)
def take(x, indices, axis=None):
    """Gather along ``axis`` (of the flattened tensor when None); the gradient scatter-adds."""
    x = input_array(x)
    indices = _indices(indices, "take")
    if axis is not None:
        axis = single_axis(axis, x.ndim, "take")
    try:
        return np.asarray(np.take(x, indices, axis=axis))  # a 0-d index gives a NumPy scalar, not recorded
    except IndexError:
        size = x.size if axis is None else x.shape[axis]
        raise index_error("take", indices.min(), indices.max(), size, axis, x.shape) from None


def _along_grid(indices, axis):
    """Full advanced-index tuple addressing ``x`` at ``indices`` along ``axis`` (take_along_axis's positions)."""
    grid = list(np.ix_(*[np.arange(n) for n in indices.shape]))
    grid[axis] = indices
    return tuple(grid)


def _take_along_axis_vjp(g, out, x, indices, axis=None):
    x = input_array(x)
    indices = _indices(indices, "take_along_axis")
    grad = np.zeros(x.size if axis is None else x.shape, dtype=g.dtype)
    if axis is None:
        np.add.at(grad, indices.reshape(-1), np.reshape(g, -1))
        return (grad.reshape(x.shape),)
    axis = single_axis(axis, x.ndim, "take_along_axis")
    index = _along_grid(np.broadcast_to(indices, np.shape(g)), axis)
    np.add.at(grad, index, g)
    return (grad,)


@primitive(_take_along_axis_vjp)
def take_along_axis(x, indices, axis=None):
    """NumPy's ``take_along_axis`` (``indices`` has the rank of ``x``; flattened when axis is None)."""
    x = input_array(x)
    shape, named_axis = x.shape, axis
    indices = _indices(indices, "take_along_axis")
    if axis is None:
        x = x.reshape(-1)
        axis = 0
    elif indices.ndim != x.ndim:
        raise ValueError(f"take_along_axis: indices must have the rank of x ({x.ndim}), got shape {indices.shape}.")
    else:
        axis = named_axis = single_axis(axis, x.ndim, "take_along_axis")
    try:
        return np.take_along_axis(x, indices, axis=axis)
    except IndexError:
        if indices.size and (indices.min() < -x.shape[axis] or indices.max() >= x.shape[axis]):
            raise index_error("take_along_axis", indices.min(), indices.max(), x.shape[axis], named_axis,
                              shape) from None
        raise


def _scatter_vjp(g, out, indices, values, shape):
    indices = _indices(indices, "scatter")
    return None, g[tuple(indices[:, i] for i in range(indices.shape[1]))]


@primitive(_scatter_vjp)
def scatter(indices, values, shape):
    """Zeros of ``shape`` with ``values`` added at ``indices`` (N, k); duplicate indices add up."""
    indices = _indices(indices, "scatter")
    values = input_array(values)
    shape = tuple(int(d) for d in shape)
    if indices.ndim != 2 or indices.shape[1] > len(shape):
        raise ValueError(f"scatter: indices must have shape (N, k) with k <= rank {len(shape)}, got {indices.shape}.")
    out = np.zeros(shape, dtype=values.dtype)
    try:
        np.add.at(out, tuple(indices[:, i] for i in range(indices.shape[1])),
                  np.broadcast_to(values, (indices.shape[0],) + shape[indices.shape[1]:]))
    except IndexError as error:
        raise IndexError(f"scatter: index out of range for shape {shape}: {error}") from None
    return out


def _sort_order(x, axis):
    return np.argsort(x, axis=axis, kind="stable")


def _sort_vjp(g, out, x, axis=-1):
    x = input_array(x)
    order = _sort_order(x, axis)
    grad = np.zeros(x.shape, dtype=g.dtype)
    np.put_along_axis(grad, order, g, axis=axis)
    return (grad,)


@primitive(_sort_vjp)
def sort(x, axis=-1):
    """Ascending stable sort along ``axis``; the gradient flows back to the sorted positions."""
    x = input_array(x)
    axis = single_axis(axis, x.ndim, "sort") if x.ndim else -1
    return np.sort(x, axis=axis, kind="stable")


@primitive(None)
def argsort(x, axis=-1):
    """int32 indices that sort ``x`` ascending along ``axis`` (stable)."""
    x = input_array(x)
    axis = single_axis(axis, x.ndim, "argsort") if x.ndim else -1
    return _sort_order(x, axis).astype(np.int32)


def _descending_order(x):
    """Indices sorting the last axis descending, lower index first at ties."""
    if x.dtype.kind == "b":
        x = x.astype(np.int8)
    elif x.dtype.kind == "u":
        x = x.astype(np.int64)
    return np.argsort(-x, axis=-1, kind="stable")


def top_k(x, k, sorted=True):
    """``(values, indices)`` of the ``k`` largest along the last axis, descending; ties: lower index first.

    ``sorted=False`` returns them in the same order (a valid choice: the order is unspecified).
    While differentiating, ``values`` is a differentiable ``take_along_axis`` of ``x``.
    """
    value = x.value if type(x) is Box else input_array(x)
    if value.ndim == 0:
        raise ValueError("top_k: needs a tensor of rank >= 1, got a scalar.")
    if not 0 <= int(k) <= value.shape[-1]:
        raise ValueError(f"top_k: k={k} is out of range for a last axis of size {value.shape[-1]}.")
    indices = _descending_order(value)[..., :int(k)].astype(np.int32)
    if type(x) is Box and recording():
        return take_along_axis(x, indices, axis=-1), indices
    return np.take_along_axis(value, indices, axis=-1), indices


def _is_advanced(index):
    items = index if type(index) is tuple else (index,)
    for item in items:
        if isinstance(item, (ndarray, list, Box)) or (hasattr(item, "shape") and not isinstance(item, np.generic)):
            return True
    return False


def _getitem_vjp(g, out, x, index):
    grad = np.zeros(np.shape(x), dtype=g.dtype)
    if _is_advanced(index):
        np.add.at(grad, index, g)
    else:
        grad[index] = g
    return (grad,)


@primitive(_getitem_vjp)
def getitem(x, index):
    """``x[index]``: basic and integer-array indexing; the gradient scatter-adds (duplicates add up)."""
    x = input_array(x)
    if type(index) is tuple:
        index = tuple(i.value if type(i) is Box else i for i in index)
    try:
        return np.asarray(x[index])
    except IndexError as error:
        raise IndexError(f"getitem: index {index!r} is out of range for shape {x.shape}: {error}") from None
