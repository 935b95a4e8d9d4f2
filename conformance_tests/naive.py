"""Loop-level NumPy definitions of convolution and pooling, written from the spec's words alone.

They check the NumPy reference backend itself (whose vectorised im2col code could share a
mistake with nothing else). Shapes are tiny in the case table, so plain loops are fast enough.
All computations run in float64; every function accepts the primitive's keyword arguments.
"""

import itertools
import math

import numpy as np


def _tuple(value, n):
    return tuple(value) if isinstance(value, (tuple, list)) else (value,) * n


def _to_channels_last(x, data_format):
    if data_format == "channels_first":
        return np.moveaxis(x, 1, -1)
    return x


def _from_channels_last(x, data_format):
    if data_format == "channels_first":
        return np.moveaxis(x, -1, 1)
    return x


def _same_pads(size, window, stride):
    """TensorFlow's "same": ``ceil(size / stride)`` outputs; ``total // 2`` before, the rest after."""
    out = math.ceil(size / stride)
    total = max((out - 1) * stride + window - size, 0)
    return total // 2, total - total // 2


def _pads(spatial, windows, strides, padding):
    if padding == "valid":
        return [(0, 0)] * len(spatial)
    return [_same_pads(n, k, s) for n, k, s in zip(spatial, windows, strides)]


def conv(inputs, kernel, strides=1, padding="valid", data_format=None, dilation_rate=1):
    x = _to_channels_last(np.asarray(inputs, np.float64), data_format)
    w = np.asarray(kernel, np.float64)
    nd = x.ndim - 2
    strides, dilation = _tuple(strides, nd), _tuple(dilation_rate, nd)
    ksize = w.shape[:nd]
    effective = [(k - 1) * d + 1 for k, d in zip(ksize, dilation)]
    pads = _pads(x.shape[1:-1], effective, strides, padding)
    x = np.pad(x, [(0, 0)] + pads + [(0, 0)])
    cin_group, cout = w.shape[-2], w.shape[-1]
    groups = x.shape[-1] // cin_group
    cout_group = cout // groups
    out_spatial = [(n - e) // s + 1 for n, e, s in zip(x.shape[1:-1], effective, strides)]
    out = np.zeros((x.shape[0], *out_spatial, cout))
    for pos in itertools.product(*map(range, out_spatial)):
        for kpos in itertools.product(*map(range, ksize)):
            index = tuple(p * s + k * d for p, s, k, d in zip(pos, strides, kpos, dilation))
            patch = x[(slice(None),) + index]
            for g in range(groups):
                ins, outs = slice(g * cin_group, (g + 1) * cin_group), slice(g * cout_group, (g + 1) * cout_group)
                out[(slice(None),) + pos + (outs,)] += patch[:, ins] @ w[kpos][:, outs]
    return _from_channels_last(out, data_format)


def conv_transpose(inputs, kernel, strides=1, padding="valid", output_padding=None, data_format=None,
                   dilation_rate=1):
    """The adjoint of ``conv`` from an input of the spec's output length to ``inputs``' length."""
    x = _to_channels_last(np.asarray(inputs, np.float64), data_format)
    w = np.asarray(kernel, np.float64)
    nd = x.ndim - 2
    strides, dilation = _tuple(strides, nd), _tuple(dilation_rate, nd)
    ksize = w.shape[:nd]
    effective = [(k - 1) * d + 1 for k, d in zip(ksize, dilation)]
    spatial = x.shape[1:-1]
    if output_padding is None:
        lengths = [(n - 1) * s + e if padding == "valid" else n * s for n, s, e in zip(spatial, strides, effective)]
    else:
        extra = _tuple(output_padding, nd)
        lengths = [(n - 1) * s + e - 2 * (e // 2 if padding == "same" else 0) + o
                   for n, s, e, o in zip(spatial, strides, effective, extra)]
    before = [p[0] for p in _pads(lengths, effective, strides, padding)]
    full_len = [max((n - 1) * s + e, b + length) for n, s, e, b, length in
                zip(spatial, strides, effective, before, lengths)]
    full = np.zeros((x.shape[0], *full_len, w.shape[-2]))
    for pos in itertools.product(*map(range, spatial)):
        for kpos in itertools.product(*map(range, ksize)):
            index = tuple(p * s + k * d for p, s, k, d in zip(pos, strides, kpos, dilation))
            full[(slice(None),) + index] += x[(slice(None),) + pos] @ w[kpos].T
    crop = tuple(slice(b, b + length) for b, length in zip(before, lengths))
    return _from_channels_last(full[(slice(None),) + crop], data_format)


def _pool(inputs, pool_size, strides, padding, data_format, reduce):
    x = _to_channels_last(np.asarray(inputs, np.float64), data_format)
    nd = x.ndim - 2
    window = _tuple(pool_size, nd)
    strides = _tuple(strides if strides is not None else pool_size, nd)
    pads = _pads(x.shape[1:-1], window, strides, padding)
    real = np.pad(np.ones(x.shape[1:-1]), pads)
    x = np.pad(x, [(0, 0)] + pads + [(0, 0)])
    out_spatial = [(n - k) // s + 1 for n, k, s in zip(x.shape[1:-1], window, strides)]
    out = np.zeros((x.shape[0], *out_spatial, x.shape[-1]))
    for pos in itertools.product(*map(range, out_spatial)):
        box = tuple(slice(p * s, p * s + k) for p, s, k in zip(pos, strides, window))
        mask = real[box].astype(bool)
        values = x[(slice(None),) + box][:, mask]
        out[(slice(None),) + pos] = reduce(values)
    return _from_channels_last(out, data_format)


def max_pool(inputs, pool_size, strides=None, padding="valid", data_format=None):
    """Padded positions never win: only real elements of each window are compared."""
    return _pool(inputs, pool_size, strides, padding, data_format, lambda v: v.max(axis=1))


def average_pool(inputs, pool_size, strides=None, padding="valid", data_format=None):
    """Each window divides by its count of real (unpadded) elements."""
    return _pool(inputs, pool_size, strides, padding, data_format, lambda v: v.mean(axis=1))
