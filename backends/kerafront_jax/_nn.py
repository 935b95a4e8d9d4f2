"""Convolution, transposed convolution and pooling (1-D, 2-D and 3-D) on ``jax.Array``.

Arguments are checked, and output sizes and paddings computed, by ``kerafront.spec_rules`` (cached
per geometry), so messages and ``"same"`` padding are those of every backend. XLA gets explicit
``(before, after)`` padding pairs: ``"same"`` pads like TensorFlow (``total // 2`` before, the
extra one after) for any stride, kernel and dilation, and nothing depends on JAX's string
paddings. Kernels stay in Keras's layout, described to XLA by dimension numbers (no transposes):
conv ``(*k, C_in // groups, C_out)`` is ``HWIO``, conv_transpose ``(*k, C_out, C_in)`` is ``HWOI``
on the spatially flipped kernel.
"""

import functools
import math

import jax.numpy as jnp
import numpy as np
from jax import lax

from kerafront.spec_rules import (channels_first, check_output_padding, check_spatial_rank, padding_mode,
                                  spatial_tuple, transpose_geometry, window_geometry)

from kerafront_jax._convert import FLOATS, float_tensor, promote_all, tensor

# (spatial rank, channels first) -> XLA's input and output layout
_LAYOUTS = {(1, False): "NWC", (1, True): "NCW", (2, False): "NHWC", (2, True): "NCHW", (3, False): "NDHWC",
            (3, True): "NCDHW"}
_KERNEL_SPATIAL = {1: "W", 2: "HW", 3: "DHW"}


def _layout(x, data_format, op):
    """``(rank, channels_first, spatial shape, channels)`` of a conv or pool input (rank: spatial dims)."""
    check_spatial_rank(x.shape, op)
    first = channels_first(data_format, op)
    if first:
        return x.ndim - 2, True, tuple(x.shape[2:]), x.shape[1]
    return x.ndim - 2, False, tuple(x.shape[1:-1]), x.shape[-1]


def _check_kernel_rank(inputs, kernel, op, kernel_layout):
    if kernel.ndim != inputs.ndim:
        raise ValueError(f"{op}: kernel must have rank {inputs.ndim} {kernel_layout} for inputs of shape "
                         f"{tuple(inputs.shape)}, got kernel shape {tuple(kernel.shape)}.")


def _pairs(geometry):
    """The ``(before, after)`` paddings of ``spec_rules.window_geometry``'s per-dim triples."""
    return tuple((before, after) for _, before, after in geometry)


def conv(inputs, kernel, strides=1, padding="valid", data_format=None, dilation_rate=1):
    inputs, kernel = promote_all((inputs, kernel), "conv")
    mode = padding_mode(padding, "conv")
    rank, first, spatial, channels = _layout(inputs, data_format, "conv")
    _check_kernel_rank(inputs, kernel, "conv", "(*kernel_size, C_in // groups, C_out)")
    strides = spatial_tuple(strides, rank, "conv", "strides")
    dilation = spatial_tuple(dilation_rate, rank, "conv", "dilation_rate")
    if max(strides) > 1 and max(dilation) > 1:
        raise ValueError(f"conv: strides > 1 cannot be combined with dilation_rate > 1, got strides={strides} "
                         f"and dilation_rate={dilation}.")
    group_in, c_out = kernel.shape[-2], kernel.shape[-1]
    if group_in == 0 or channels % group_in or c_out % (channels // group_in):
        raise ValueError(f"conv: kernel {tuple(kernel.shape)} does not fit {channels} input channels "
                         f"(inputs {tuple(inputs.shape)}, {'channels_first' if first else 'channels_last'}): "
                         f"kernel.shape[-2] must divide C_in and C_in // kernel.shape[-2] must divide C_out.")
    geometry = window_geometry(spatial, tuple(kernel.shape[:rank]), strides, dilation, mode, "conv")
    layout = _LAYOUTS[(rank, first)]
    return lax.conv_general_dilated(
        inputs, kernel, strides, _pairs(geometry), rhs_dilation=dilation,
        dimension_numbers=(layout, _KERNEL_SPATIAL[rank] + "IO", layout), feature_group_count=channels // group_in)


def conv_transpose(inputs, kernel, strides=1, padding="valid", output_padding=None, data_format=None,
                   dilation_rate=1):
    """The stride-dilated input convolved with the flipped kernel.

    Padded by ``span - 1`` on both sides (``span = (k - 1) * dilation + 1``) that convolution is the
    full transposed result; ``spec_rules.transpose_geometry`` says how much to crop from each end,
    so the padding is ``span - 1 - crop`` (a negative ``crop_after`` pads zeros past the end).
    """
    inputs, kernel = promote_all((inputs, kernel), "conv_transpose")
    mode = padding_mode(padding, "conv_transpose")
    rank, first, spatial, channels = _layout(inputs, data_format, "conv_transpose")
    _check_kernel_rank(inputs, kernel, "conv_transpose", "(*kernel_size, C_out, C_in)")
    if kernel.shape[-1] != channels:
        raise ValueError(f"conv_transpose: kernel must have shape (*kernel_size, C_out, {channels}) for inputs "
                         f"{tuple(inputs.shape)} ({'channels_first' if first else 'channels_last'}), got "
                         f"{tuple(kernel.shape)}.")
    strides = spatial_tuple(strides, rank, "conv_transpose", "strides")
    dilation = spatial_tuple(dilation_rate, rank, "conv_transpose", "dilation_rate")
    extra = check_output_padding(output_padding, strides, "conv_transpose")
    window = tuple(kernel.shape[:rank])
    geometry = transpose_geometry(spatial, window, strides, dilation, mode, extra, "conv_transpose")
    spans = [(k - 1) * d + 1 for k, d in zip(window, dilation)]
    pads = [(span - 1 - before, span - 1 - after) for span, (_, before, after) in zip(spans, geometry)]
    layout = _LAYOUTS[(rank, first)]
    return lax.conv_general_dilated(
        inputs, jnp.flip(kernel, axis=tuple(range(rank))), (1,) * rank, pads, lhs_dilation=strides,
        rhs_dilation=dilation, dimension_numbers=(layout, _KERNEL_SPATIAL[rank] + "OI", layout))


def _full_rank(values, fill, first):
    """Per-spatial-dim ``values`` extended with ``fill`` at the batch and channel positions."""
    values = tuple(values)
    return (fill, fill) + values if first else (fill,) + values + (fill,)


def _pool_setup(x, pool_size, strides, padding, data_format, op):
    """``(channels_first, spatial, pool, strides, geometry)``; geometry as ``spec_rules.window_geometry``."""
    mode = padding_mode(padding, op)
    rank, first, spatial, _ = _layout(x, data_format, op)
    pool = spatial_tuple(pool_size, rank, op, "pool_size")
    strides = pool if strides is None else spatial_tuple(strides, rank, op, "strides")
    return first, spatial, pool, strides, window_geometry(spatial, pool, strides, (1,) * rank, mode, op)


def _reduce_window(x, init, reducer, first, pool, strides, geometry):
    return lax.reduce_window(x, init, reducer, _full_rank(pool, 1, first), _full_rank(strides, 1, first),
                             _full_rank(_pairs(geometry), (0, 0), first))


def max_pool(inputs, pool_size, strides=None, padding="valid", data_format=None):
    x = tensor(inputs)
    first, _, pool, strides, geometry = _pool_setup(x, pool_size, strides, padding, data_format, "max_pool")
    if x.dtype in FLOATS:
        init = -jnp.inf  # padded positions never win
    elif x.dtype == jnp.bool_:
        init = False
    else:
        init = jnp.iinfo(x.dtype).min
    return _reduce_window(x, init, lax.max, first, pool, strides, geometry)


@functools.lru_cache(maxsize=256)
def _real_counts(spatial, pool, strides, geometry):
    """Per output position, how many unpadded elements its window covers (NumPy, static shapes)."""
    counts = np.ones((), dtype=np.float64)
    for size, k, s, (out, before, _) in zip(spatial, pool, strides, geometry):
        starts = np.arange(out) * s - before
        counts = np.multiply.outer(counts, np.clip(starts + k, 0, size) - np.clip(starts, 0, size))
    return counts


def average_pool(inputs, pool_size, strides=None, padding="valid", data_format=None):
    x = float_tensor(inputs)
    first, spatial, pool, strides, geometry = _pool_setup(x, pool_size, strides, padding, data_format,
                                                          "average_pool")
    total = _reduce_window(x, 0.0, lax.add, first, pool, strides, geometry)
    if not any(before or after for _, before, after in geometry):
        return total / math.prod(pool)
    counts = _real_counts(spatial, pool, strides, geometry)
    return total / jnp.asarray(counts if first else counts[..., None], dtype=x.dtype)
