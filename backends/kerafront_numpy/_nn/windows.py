"""The channels-last plane every conv and pool computes on, and its padded windows (helpers, no op).

The plane is (N, H, W, C) for 1-D and 2-D ops and (N, D, H, W, C) for 3-D ops: a 1-D input gets a
unit height and channels_first inputs are transposed in and out (views, no copy); every helper below
works for either number of spatial dims. The argument rules and the geometry (``"same"`` padding,
output sizes) come from ``kerafront.spec_rules``; ``plane_geometry`` lays them onto the plane, where
one spatial dim is ``(out, pad_before)`` and the padding after is whatever the windows reach.
"""

import functools

import numpy as np

from kerafront.spec_rules import window_geometry


def to_nhwc(x, channels_first):
    """View of a 3-D/4-D/5-D input as (N, H, W, C) (H = 1 for 1-D) or (N, D, H, W, C)."""
    if channels_first:
        x = np.moveaxis(x, 1, -1)
    return x[:, None] if x.ndim == 3 else x


def from_nhwc(y, ndim, channels_first):
    """Inverse of ``to_nhwc`` for an output of rank ``ndim``."""
    if ndim == 3:
        y = y[:, 0]
    return np.moveaxis(y, -1, 1) if channels_first else y


def on_plane(values, fill):
    """A per-spatial-dim tuple of a 1-D op (one entry) with ``fill`` for the unit height; 2-D/3-D unchanged."""
    return values if len(values) > 1 else (fill,) + values


def plane_spatial(x, rank):
    """The spatial sizes of the op's own ``rank`` dims on the plane ``x`` (the unit height excluded)."""
    return x.shape[-1 - rank:-1]


@functools.lru_cache(maxsize=4096)
def plane_geometry(sizes, window, strides, dilations, mode, op):
    """``(outs, pads_before)`` on the plane of the spatial ``sizes`` (one to three dims, tuples).

    ``kerafront.spec_rules.window_geometry`` computes them (``"same"`` pads like TensorFlow, an
    empty output raises ``ValueError`` naming ``op``); a 1-D op's unit height has out 1, pad 0.
    """
    dims = window_geometry(sizes, window, strides, dilations, mode, op)
    return on_plane(tuple(out for out, _, _ in dims), 1), on_plane(tuple(before for _, before, _ in dims), 0)


def padded_extent(sizes, windows, strides, dilations, pads, outs):
    """Spatial sizes of the padded array: ``pads`` before the input ``sizes``, and after as far as the windows reach."""
    return tuple(max((out - 1) * stride + (window - 1) * dilation + 1, pad + size)
                 for size, window, stride, dilation, pad, out in zip(sizes, windows, strides, dilations, pads, outs))


def crop(xp, pads, sizes):
    """The real (unpadded) region of a padded (N, *spatial, C) array whose input had spatial ``sizes``."""
    return xp[(slice(None),) + tuple(slice(pad, pad + size) for pad, size in zip(pads, sizes))]


def pad_for_windows(x, windows, strides, dilations, pads, outs, fill=0):
    """C-contiguous copy of ``x`` (N, *spatial, C) padded with ``fill`` to ``padded_extent``.

    Returns ``x`` itself when it is contiguous and needs no padding.
    """
    n, *sizes, c = x.shape
    extent = padded_extent(sizes, windows, strides, dilations, pads, outs)
    if extent == tuple(sizes):
        return np.ascontiguousarray(x)
    padded = np.full((n,) + extent + (c,), fill, dtype=x.dtype)
    crop(padded, pads, sizes)[...] = x
    return padded
