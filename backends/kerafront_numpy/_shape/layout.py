"""Shape manipulation: reshape, transpose, squeeze, concatenate, split, tile, pad, slice..., with VJPs.

Gathers, scatters, sorting and ``__getitem__`` live beside, in ``indexing.py``.
"""

import builtins

import numpy as np

from kerafront.spec_rules import normalize_axis, single_axis, squeeze_axes

from kerafront_numpy._autodiff import Box, primitive, recording
from kerafront_numpy._convert import input_array, promote


def _reshape_vjp(g, out, x, newshape):
    return (np.reshape(g, np.shape(x)),)


@primitive(_reshape_vjp)
def reshape(x, newshape):
    """Reshape (one entry may be -1); ValueError naming both shapes when the sizes differ."""
    x = input_array(x)
    newshape = (int(newshape),) if isinstance(newshape, (int, np.integer)) else tuple(int(d) for d in newshape)
    try:
        return np.reshape(x, newshape)
    except ValueError:
        raise ValueError(f"reshape: cannot reshape a tensor of shape {x.shape} ({x.size} elements) "
                         f"into shape {newshape}.") from None


def _transpose_vjp(g, out, x, axes=None):
    if axes is None:
        return (np.transpose(g),)
    return (np.transpose(g, np.argsort([a % g.ndim for a in axes])),)


@primitive(_transpose_vjp)
def transpose(x, axes=None):
    """Permute axes; reverse them when ``axes`` is None."""
    x = input_array(x)
    if axes is not None and sorted(a % builtins.max(x.ndim, 1) for a in axes) != list(range(x.ndim)):
        raise ValueError(f"transpose: axes {tuple(axes)} are not a permutation of the {x.ndim} axes "
                         f"of shape {x.shape}.")
    return np.transpose(x, axes)


def _to_shape_vjp(g, out, x, *rest):
    return (np.reshape(g, np.shape(x)),)


@primitive(_to_shape_vjp)
def expand_dims(x, axis):
    """Insert size-1 axes at ``axis`` (int or tuple, positions in the result)."""
    x = input_array(x)
    rank = x.ndim + (1 if isinstance(axis, (int, np.integer)) else len(axis))
    return np.expand_dims(x, normalize_axis(axis, rank, "expand_dims"))


@primitive(_to_shape_vjp)
def squeeze(x, axis=None):
    """Remove size-1 axes (all when None); ValueError for a named axis whose size is not 1."""
    x = input_array(x)
    if axis is None:
        return np.squeeze(x)
    return np.squeeze(x, axis=squeeze_axes(axis, x.shape))


@primitive(lambda g, out, x, shape: (g,))
def broadcast_to(x, shape):
    """Broadcast to ``shape`` (a read-only view); the gradient sums over the broadcast axes."""
    x = input_array(x)
    shape = tuple(int(d) for d in shape)
    try:
        return np.broadcast_to(x, shape)
    except ValueError:
        raise ValueError(f"broadcast_to: cannot broadcast shape {x.shape} to {shape}.") from None


def _common(xs, op):
    arrays = [input_array(x) for x in xs]
    if not arrays:
        raise ValueError(f"{op}: needs at least one tensor, got an empty sequence.")
    dt = arrays[0].dtype
    for a in arrays[1:]:
        if a.dtype != dt:
            dt = promote(dt, a.dtype)
    return [a if a.dtype == dt else a.astype(dt) for a in arrays]


def _concatenate_vjp(g, out, xs, axis=0):
    sizes = np.cumsum([np.shape(x)[axis] for x in xs])[:-1]
    return (np.split(g, sizes, axis=axis),)


@primitive(_concatenate_vjp)
def concatenate(xs, axis=0):
    """Join along an existing axis (dtypes promoted); ValueError naming the shapes when they differ."""
    arrays = _common(xs, "concatenate")
    if arrays:
        axis = single_axis(axis, arrays[0].ndim, "concatenate")
    try:
        return np.concatenate(arrays, axis=axis)
    except (ValueError, np.exceptions.AxisError) as error:
        raise ValueError(f"concatenate: cannot join shapes {[a.shape for a in arrays]} along axis {axis}: "
                         f"{error}") from None


def _stack_vjp(g, out, xs, axis=0):
    return ([np.take(g, i, axis=axis) for i in range(len(xs))],)


@primitive(_stack_vjp)
def stack(xs, axis=0):
    """Join same-shape tensors along a new axis."""
    arrays = _common(xs, "stack")
    try:
        return np.stack(arrays, axis=axis)
    except (ValueError, np.exceptions.AxisError) as error:
        raise ValueError(f"stack: cannot stack shapes {[a.shape for a in arrays]} on axis {axis}: {error}") from None


def _split_points(x, indices_or_sections, axis):
    length = x.shape[axis]
    if isinstance(indices_or_sections, (int, np.integer)):
        sections = int(indices_or_sections)
        if sections <= 0 or length % sections:
            raise ValueError(f"split: {sections} sections do not divide axis {axis} of shape {x.shape} "
                             f"(size {length}); pass split points instead.")
        step = length // sections
        return [step * i for i in range(1, sections)]
    return [int(i) for i in indices_or_sections]


def split(x, indices_or_sections, axis=0):
    """Split into a list: an int gives that many equal parts (must divide), a list gives split points.

    While differentiating, each part is a differentiable ``slice`` of ``x``.
    """
    value = x.value if type(x) is Box else input_array(x)
    axis = single_axis(axis, value.ndim, "split")
    points = _split_points(value, indices_or_sections, axis)
    if type(x) is not Box or not recording():
        return np.split(value, points, axis=axis)
    bounds = [0] + [builtins.min(builtins.max(p, 0), value.shape[axis]) for p in points] + [value.shape[axis]]
    parts = []
    for start, stop in zip(bounds[:-1], bounds[1:]):
        starts = [0] * value.ndim
        sizes = list(value.shape)
        starts[axis], sizes[axis] = start, builtins.max(stop - start, 0)
        parts.append(slice(x, starts, sizes))
    return parts


def _tile_vjp(g, out, x, repeats):
    x = input_array(x)
    reps = (int(repeats),) if isinstance(repeats, (int, np.integer)) else tuple(int(r) for r in repeats)
    ndim = builtins.max(len(reps), x.ndim)
    reps = (1,) * (ndim - len(reps)) + reps
    shape = (1,) * (ndim - x.ndim) + x.shape
    split_shape = [n for pair in zip(reps, shape) for n in pair]
    summed = np.reshape(g, split_shape).sum(axis=tuple(range(0, 2 * ndim, 2)))
    return (np.reshape(summed, x.shape),)


@primitive(_tile_vjp)
def tile(x, repeats):
    """Repeat the whole tensor ``repeats`` times per axis (NumPy's ``tile``)."""
    return np.tile(input_array(x), repeats)


def _repeat_vjp(g, out, x, repeats, axis=None):
    x = input_array(x)
    if axis is None:
        return (np.reshape(g, (x.size, int(repeats))).sum(axis=1).reshape(x.shape),)
    axis = single_axis(axis, x.ndim, "repeat")
    shape = x.shape[:axis] + (x.shape[axis], int(repeats)) + x.shape[axis + 1:]
    return (np.reshape(g, shape).sum(axis=axis + 1),)


@primitive(_repeat_vjp)
def repeat(x, repeats, axis=None):
    """Repeat each element ``repeats`` (an int) times along ``axis`` (flattened when None)."""
    if not isinstance(repeats, (int, np.integer)) or repeats < 0:
        raise ValueError(f"repeat: repeats must be a non-negative int, got {repeats!r}.")
    x = input_array(x)
    return np.repeat(x, int(repeats), axis=None if axis is None else single_axis(axis, x.ndim, "repeat"))


def _pad_vjp(g, out, x, pad_width, mode="constant", constant_values=0):
    x = input_array(x)
    widths = _pad_widths(pad_width, x.ndim)
    if mode == "constant":
        return (g[tuple(builtins.slice(b, b + n) for (b, _), n in zip(widths, x.shape))],)
    source = np.pad(np.arange(x.size).reshape(x.shape), widths, mode=mode)
    flat = np.bincount(source.reshape(-1), weights=np.reshape(g, -1).astype(np.float64), minlength=x.size)
    return (flat.reshape(x.shape),)


def _pad_widths(pad_width, ndim):
    widths = np.broadcast_to(np.asarray(pad_width, dtype=np.int64), (ndim, 2)) if ndim else np.zeros((0, 2), int)
    if (widths < 0).any():
        raise ValueError(f"pad: pad widths must be non-negative, got {pad_width!r}.")
    return [(int(b), int(a)) for b, a in widths]


@primitive(_pad_vjp)
def pad(x, pad_width, mode="constant", constant_values=0):
    """Pad with ``((before, after), ...)``; mode "constant", "reflect" or "symmetric"."""
    x = input_array(x)
    if mode not in ("constant", "reflect", "symmetric"):
        raise ValueError(f"pad: mode must be 'constant', 'reflect' or 'symmetric', got {mode!r}.")
    widths = _pad_widths(pad_width, x.ndim)
    if mode == "constant":
        return np.pad(x, widths, mode="constant", constant_values=constant_values)
    if mode == "reflect" and builtins.any(builtins.max(w) >= n for w, n in zip(widths, x.shape) if builtins.max(w)):
        raise ValueError(f"pad: reflect padding {widths} needs every pad width < the axis size (shape {x.shape}).")
    return np.pad(x, widths, mode=mode)


@primitive(lambda g, out, x, axis=None: (np.flip(g, axis),))
def flip(x, axis=None):
    """Reverse the order along ``axis`` (all axes when None)."""
    x = input_array(x)
    return np.flip(x, normalize_axis(axis, x.ndim, "flip") if axis is not None else None)


def _slice_vjp(g, out, x, start_indices, shape):
    grad = np.zeros(np.shape(x), dtype=g.dtype)
    grad[_slices(start_indices, shape)] = g
    return (grad,)


def _slices(start_indices, shape):
    return tuple(builtins.slice(int(s), int(s) + int(n)) for s, n in zip(start_indices, shape))


@primitive(_slice_vjp)
def slice(x, start_indices, shape):
    """Static slice ``x[start[0]:start[0]+shape[0], ...]``; ValueError when it leaves the tensor."""
    x = input_array(x)
    if len(start_indices) != x.ndim or len(shape) != x.ndim:
        raise ValueError(f"slice: start_indices {tuple(start_indices)} and shape {tuple(shape)} need one entry "
                         f"per axis of the input (shape {x.shape}).")
    for s, n, size in zip(start_indices, shape, x.shape):
        if int(s) < 0 or int(n) < 0 or int(s) + int(n) > size:
            raise ValueError(f"slice: start {tuple(start_indices)} with shape {tuple(shape)} leaves the input "
                             f"of shape {x.shape}.")
    return x[_slices(start_indices, shape)]
