"""The (N, H, W, C) plane every conv and pool computes on, and its padded windows (helpers, no op).

A 1-D input gets a unit height and channels_first inputs are transposed in and out (views, no
copy). The argument rules and the geometry (``"same"`` padding, output sizes) come from
``kerafront.spec_rules``; ``plane_geometry`` lays them onto the plane, where one spatial dim is
``(out, pad_before)`` and the padding after is whatever the windows reach.
"""

import functools

import numpy as np

from kerafront.spec_rules import window_geometry


def to_nhwc(x, channels_first):
    """View of a 3-D/4-D input as (N, H, W, C) (H = 1 for 1-D)."""
    if channels_first:
        x = np.moveaxis(x, 1, -1)
    return x[:, None] if x.ndim == 3 else x


def from_nhwc(y, ndim, channels_first):
    """Inverse of ``to_nhwc`` for an output of rank ``ndim``."""
    if ndim == 3:
        y = y[:, 0]
    return np.moveaxis(y, -1, 1) if channels_first else y


def on_plane(values, fill):
    """A per-spatial-dim tuple of a 1-D op (one entry) with ``fill`` for the unit height; 2-D unchanged."""
    return values if len(values) == 2 else (fill,) + values


@functools.lru_cache(maxsize=4096)
def plane_geometry(sizes, window, strides, dilations, mode, op):
    """``(outs, pads_before)`` on the (H, W) plane of the spatial ``sizes`` (one or two dims, tuples).

    ``kerafront.spec_rules.window_geometry`` computes them (``"same"`` pads like TensorFlow, an
    empty output raises ``ValueError`` naming ``op``); a 1-D op's unit height has out 1, pad 0.
    """
    dims = window_geometry(sizes, window, strides, dilations, mode, op)
    return on_plane(tuple(out for out, _, _ in dims), 1), on_plane(tuple(before for _, before, _ in dims), 0)


def padded_extent(sizes, windows, strides, dilations, pads, outs):
    """(H, W) of the padded array: ``pads`` before the input ``sizes``, and after as far as the windows reach."""
    return tuple(max((out - 1) * stride + (window - 1) * dilation + 1, pad + size)
                 for size, window, stride, dilation, pad, out in zip(sizes, windows, strides, dilations, pads, outs))


def pad_for_windows(x, windows, strides, dilations, pads, outs, fill=0):
    """C-contiguous copy of ``x`` (N, H, W, C) padded with ``fill`` to ``padded_extent``.

    Returns ``x`` itself when it is contiguous and needs no padding.
    """
    n, h, w, c = x.shape
    extent = padded_extent((h, w), windows, strides, dilations, pads, outs)
    if extent == (h, w):
        return np.ascontiguousarray(x)
    padded = np.full((n,) + extent + (c,), fill, dtype=x.dtype)
    padded[:, pads[0]:pads[0] + h, pads[1]:pads[1] + w] = x
    return padded
