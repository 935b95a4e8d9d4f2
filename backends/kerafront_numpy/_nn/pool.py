"""Pooling primitives of the NumPy reference backend: ``max_pool`` and ``average_pool``.

Both work on the channels-last plane of ``windows.py`` ((N, H, W, C), or (N, D, H, W, C) for 3-D)
and are separable: a 2-D pool reduces the window's rows, then its columns (a 3-D pool its depth
first), each tap one strided slice over every output position (vectorised over batch, space and
channels; pool_h + pool_w passes, not pool_h * pool_w).

* ``max_pool`` pads with the dtype's lowest value (-inf for floats), so padded positions never win.
  Its VJP is an argmax scatter through the separable stages: each window's cotangent goes to one
  maximal position (at ties: the first maximal column, in it the first maximal row, and in 3-D in
  that the first maximal depth).
* ``average_pool`` pads with zeros and divides each window by its count of real (unpadded) elements,
  as TensorFlow does for ``padding="same"``. Integer inputs average in floatx.
"""

import itertools

import numpy as np

from kerafront import spec_rules

from kerafront_numpy._autodiff import primitive
from kerafront_numpy._convert import floatx, to_array
from kerafront_numpy._nn.windows import (crop, from_nhwc, on_plane, pad_for_windows, padded_extent, plane_geometry,
                                         plane_spatial, to_nhwc)


def _pool_setup(inputs, pool_size, strides, padding, data_format, op):
    """Validate a pooling op's arguments; returns (inputs, x_nhwc, channels_first, window, strides, pads, outs)."""
    inputs = to_array(inputs)
    spec_rules.check_spatial_rank(inputs.shape, op)
    mode = spec_rules.padding_mode(padding, op)
    channels_first = spec_rules.channels_first(data_format, op)
    rank = inputs.ndim - 2
    window = spec_rules.spatial_tuple(pool_size, rank, op, "pool_size")
    strides = window if strides is None else spec_rules.spatial_tuple(strides, rank, op, "strides")
    x = to_nhwc(inputs, channels_first)
    outs, pads = plane_geometry(plane_spatial(x, rank), window, strides, (1,) * rank, mode, op)
    return inputs, x, channels_first, on_plane(window, 1), on_plane(strides, 1), pads, outs


def _no_dilation(window):
    return (1,) * len(window)


def _reduce_all(array, window, strides, outs, ufunc):
    """``ufunc``-reduce every spatial axis of the plane in turn (see ``_reduce_taps``)."""
    for axis, (size, stride, out) in enumerate(zip(window, strides, outs), 1):
        array = _reduce_taps(array, axis, size, stride, out, ufunc)
    return array


def _taps(axis, window, stride, out):
    """One strided index per window tap along spatial ``axis`` (1, 2, ...) of an (N, *spatial, C) array."""
    lead = (slice(None),) * axis
    return [lead + (slice(i, i + (out - 1) * stride + 1, stride),) for i in range(window)]


def _reduce_taps(array, axis, window, stride, out, ufunc):
    """``ufunc``-reduce the taps along ``axis``: (N, H, W, C) -> (N, out, W, C) for axis 1.

    Pooling is separable, so a 2-D pool is two of these (rows, then columns): pool_h + pool_w
    passes instead of pool_h * pool_w, and the row pass reads contiguous (W, C) blocks.
    May return a view of ``array`` (window 1).
    """
    first, *rest = _taps(axis, window, stride, out)
    if not rest:
        return array[first]
    result = ufunc(array[first], array[rest[0]])
    for index in rest[1:]:
        ufunc(result, array[index], out=result)
    return result


def _argmax_taps(source, axis, window, stride, out):
    """Max over the taps along ``axis`` and the index of the first tap reaching it in each window.

    The index is None for window 1, a bool "tap 1 wins" for window 2, else uint8 (intp past 255
    taps). Arithmetic, not masked copies: NumPy's ``where=`` is several times slower than a multiply.
    """
    first, *rest = _taps(axis, window, stride, out)
    best, index = source[first], None
    index_type = np.uint8 if window < 256 else np.intp
    for i, tap in enumerate(rest, 1):
        candidate = source[tap]
        greater = candidate > best
        if window == 2:
            index = greater
        else:  # taps come in increasing order, so max(index, i * greater) moves the index to tap i
            tap_index = greater.astype(index_type) * index_type(i)
            index = tap_index if index is None else np.maximum(index, tap_index, out=index)
        best = np.maximum(best, candidate) if i == 1 else np.maximum(best, candidate, out=best)
    return best, index


def _scatter_taps(g, shape, axis, window, stride, out, index=None):
    """Adjoint of a tap reduction onto zeros of ``shape``: ``g`` goes to every tap (a sum), or with
    ``index`` from ``_argmax_taps`` only to the winning tap of each window (a max), as ``g * hit``.
    """
    grad = np.zeros(shape, dtype=g.dtype)
    overlapping = stride < window
    for i, tap in enumerate(_taps(axis, window, stride, out)):
        if index is None:
            if overlapping:
                grad[tap] += g
            else:
                grad[tap] = g
        elif overlapping:
            grad[tap] += g * (index == i)
        else:
            np.multiply(g, index == i, out=grad[tap])
    return grad


def _lowest(dtype):
    """A fill value that never wins a max: -inf, False or the integer minimum."""
    if np.issubdtype(dtype, np.inexact):
        return -np.inf
    if dtype == np.bool_:
        return False
    return np.iinfo(dtype).min


# ----------------------------------------------------------------------------------------------
# max_pool


def _tiled_max_pool_vjp(g, out, x, window, outs):
    """The VJP for windows that tile the input (stride = window, no padding), from ``out``.

    Each window's cotangent goes to the first tap equal to its max, taps taken column by column
    (the order the separable rule below resolves ties in: the last spatial axis varies slowest):
    one comparison per tap and one product per tap written straight into the result, about twice
    as fast as recomputing the argmax.
    """
    dx = np.empty(x.shape, dtype=g.dtype)
    for axis, (size, out_size) in enumerate(zip(window, outs), 1):
        dx[(slice(None),) * axis + (slice(out_size * size, None),)] = 0   # what no window covers (floor division)
    claimed = None
    taps = [tap[::-1] for tap in itertools.product(*(range(size) for size in reversed(window)))]
    for number, tap in enumerate(taps):
        index = (slice(None),) + tuple(slice(t, o * size, size) for t, size, o in zip(tap, window, outs))
        if number == len(taps) - 1:
            hit = ~claimed if claimed is not None else np.ones(out.shape, dtype=bool)
        else:
            hit = x[index] == out
            if claimed is not None:
                hit &= ~claimed
                claimed |= hit
            else:
                claimed = hit.copy()
        np.multiply(g, hit, out=dx[index])
    return dx


def _max_pool_vjp(g, out, inputs, pool_size, strides, padding, data_format):
    inputs, x, channels_first, window, strides, pads, outs = _pool_setup(
        inputs, pool_size, strides, padding, data_format, "max_pool")
    g = to_nhwc(g.astype(x.dtype, copy=False), channels_first)
    tiles = strides == window and all(o * k <= n for o, k, n in zip(outs, window, x.shape[1:-1]))
    if tiles and x.dtype.kind == "f":   # then no padding either
        out_nhwc = to_nhwc(out, channels_first)
        if not np.isnan(np.add.reduce(out_nhwc, axis=None)):   # NaN windows keep the separable rule
            return from_nhwc(_tiled_max_pool_vjp(g, out_nhwc, x, window, outs), inputs.ndim, channels_first)
    return from_nhwc(_separable_max_pool_vjp(g, x, window, strides, pads, outs), inputs.ndim, channels_first)


def _separable_max_pool_vjp(g, x, window, strides, pads, outs):
    """The general VJP on (N, *spatial, C) arrays: the argmax of the separable stages, recomputed."""
    stage = pad_for_windows(x, window, strides, _no_dilation(window), pads, outs, fill=_lowest(x.dtype))
    stages = []   # (input shape, argmax index) of each stage
    for axis, (size, stride, out) in enumerate(zip(window, strides, outs), 1):
        reduced, index = _argmax_taps(stage, axis, size, stride, out)
        stages.append((stage.shape, index))
        stage = reduced
    for axis in range(len(window), 0, -1):
        shape, index = stages[axis - 1]
        g = _scatter_taps(g, shape, axis, window[axis - 1], strides[axis - 1], outs[axis - 1], index)
    return crop(g, pads, x.shape[1:-1])


@primitive(_max_pool_vjp)
def max_pool(inputs, pool_size, strides=None, padding="valid", data_format=None):
    """1-D/2-D/3-D max pooling; ``strides`` defaults to ``pool_size``. Padded positions never win.

    ``inputs``: (N, *spatial, C) channels_last or (N, C, *spatial) channels_first; same dtype out.
    """
    inputs, x, channels_first, window, strides, pads, outs = _pool_setup(
        inputs, pool_size, strides, padding, data_format, "max_pool")
    xp = pad_for_windows(x, window, strides, _no_dilation(window), pads, outs, fill=_lowest(x.dtype))
    result = _reduce_all(xp, window, strides, outs, np.maximum)
    if max(window) == 1:
        result = result.copy()  # a strided view of the input otherwise
    return from_nhwc(result, inputs.ndim, channels_first)


# ----------------------------------------------------------------------------------------------
# average_pool


def _window_counts(sizes, window, strides, pads, outs, dtype):
    """(1, *outs, 1) count of real (unpadded) input elements in each window."""
    counts = np.ones((), dtype=np.int64)
    for size, length, stride, pad, out in zip(sizes, window, strides, pads, outs):
        start = np.arange(out) * stride - pad
        counts = np.multiply.outer(counts, np.minimum(start + length, size) - np.maximum(start, 0))
    return counts.astype(dtype)[None, ..., None]


def _average_dtype(dtype):
    return dtype if dtype.kind == "f" or dtype.name == "bfloat16" else floatx()


def _average_pool_vjp(g, out, inputs, pool_size, strides, padding, data_format):
    inputs, x, channels_first, window, strides, pads, outs = _pool_setup(
        inputs, pool_size, strides, padding, data_format, "average_pool")
    dtype = _average_dtype(x.dtype)
    g = to_nhwc(g.astype(dtype, copy=False), channels_first)
    sizes = x.shape[1:-1]
    g = g / _window_counts(sizes, window, strides, pads, outs, dtype)
    extent = padded_extent(sizes, window, strides, _no_dilation(window), pads, outs)
    for axis in range(len(window), 0, -1):   # stage ``axis`` maps extent[axis-1] positions to outs[axis-1]
        shape = (x.shape[0],) + tuple(outs[:axis - 1]) + tuple(extent[axis - 1:]) + (x.shape[-1],)
        g = _scatter_taps(g, shape, axis, window[axis - 1], strides[axis - 1], outs[axis - 1])
    return from_nhwc(crop(g, pads, sizes), inputs.ndim, channels_first)


@primitive(_average_pool_vjp)
def average_pool(inputs, pool_size, strides=None, padding="valid", data_format=None):
    """1-D/2-D/3-D average pooling; with ``padding="same"`` each window divides by its count of real elements.

    ``inputs``: (N, *spatial, C) channels_last or (N, C, *spatial) channels_first.
    """
    inputs, x, channels_first, window, strides, pads, outs = _pool_setup(
        inputs, pool_size, strides, padding, data_format, "average_pool")
    dtype = _average_dtype(x.dtype)
    xp = pad_for_windows(x, window, strides, _no_dilation(window), pads, outs)
    total = _reduce_all(xp, window, strides, outs, np.add)
    total = total.astype(dtype, copy=False) / _window_counts(x.shape[1:-1], window, strides, pads, outs, dtype)
    return from_nhwc(total, inputs.ndim, channels_first)
