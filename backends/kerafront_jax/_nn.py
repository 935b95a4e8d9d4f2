"""Convolution, transposed convolution and pooling (1-D and 2-D) on ``jax.Array``.

Every op passes explicit ``(before, after)`` padding pairs to XLA: ``"same"`` pads like
TensorFlow (``total // 2`` before, the extra one after) for any stride, kernel and dilation, so
nothing depends on JAX's string paddings. Kernels stay in Keras's layout, described to XLA by
dimension numbers (no transposes): conv ``(*k, C_in // groups, C_out)`` is ``HWIO``,
conv_transpose ``(*k, C_out, C_in)`` is ``HWOI`` on the spatially flipped kernel.
"""

import math

import jax.numpy as jnp
import numpy as np
from jax import lax

from kerafront import config

from kerafront_jax._convert import FLOATS, float_tensor, promote_all, tensor

_LAYOUTS = {
    (1, "channels_last"): ("NWC", "NWC"), (1, "channels_first"): ("NCW", "NCW"),
    (2, "channels_last"): ("NHWC", "NHWC"), (2, "channels_first"): ("NCHW", "NCHW"),
}
_KERNEL_SPATIAL = {1: "W", 2: "HW"}


def _tuple(value, n, name, op, minimum=1):
    values = (int(value),) * n if isinstance(value, (int, np.integer)) else tuple(int(v) for v in value)
    if len(values) != n or min(values) < minimum:
        raise ValueError(f"{op}: {name} must be an int >= {minimum} or a tuple of {n} of them, got {value!r}.")
    return values


def _padding_mode(padding, op):
    mode = padding.lower() if isinstance(padding, str) else padding
    if mode not in ("valid", "same"):
        raise ValueError(f"{op}: padding must be 'valid' or 'same', got {padding!r}.")
    return mode


def same_padding(size, window, stride):
    """TensorFlow's "same" ``(before, after)`` for one spatial dim with effective window ``window``."""
    out = -(-size // stride)
    total = max((out - 1) * stride + window - size, 0)
    return total // 2, total - total // 2


def _split_layout(x, op, data_format):
    """(n_spatial, data_format, spatial shape, channels) of an N-D conv/pool input."""
    if x.ndim not in (3, 4):
        raise ValueError(f"{op}: inputs must have rank 3 (1-D) or 4 (2-D) including batch and channels, "
                         f"got shape {tuple(x.shape)}.")
    data_format = config.standardize_data_format(data_format, op)
    if data_format == "channels_last":
        return x.ndim - 2, data_format, tuple(x.shape[1:-1]), x.shape[-1]
    return x.ndim - 2, data_format, tuple(x.shape[2:]), x.shape[1]


def conv(inputs, kernel, strides=1, padding="valid", data_format=None, dilation_rate=1):
    inputs, kernel = promote_all((inputs, kernel), "conv")
    n, data_format, spatial, channels = _split_layout(inputs, "conv", data_format)
    if kernel.ndim != inputs.ndim:
        raise ValueError(f"conv: kernel must have rank {inputs.ndim} (*kernel_size, C_in // groups, C_out) for "
                         f"inputs of shape {tuple(inputs.shape)}, got kernel shape {tuple(kernel.shape)}.")
    group_in, c_out = kernel.shape[-2], kernel.shape[-1]
    if group_in == 0 or channels % group_in or c_out % (channels // group_in):
        raise ValueError(f"conv: kernel {tuple(kernel.shape)} does not fit {channels} input channels "
                         f"(inputs {tuple(inputs.shape)}, {data_format}): kernel.shape[-2] must divide C_in and "
                         f"C_in // kernel.shape[-2] must divide C_out.")
    strides = _tuple(strides, n, "strides", "conv")
    dilation = _tuple(dilation_rate, n, "dilation_rate", "conv")
    if max(strides) > 1 and max(dilation) > 1:
        raise ValueError(f"conv: strides {strides} > 1 cannot be combined with dilation_rate {dilation} > 1.")
    pads = [(0, 0)] * n
    if _padding_mode(padding, "conv") == "same":
        pads = [same_padding(size, (k - 1) * d + 1, s)
                for size, k, d, s in zip(spatial, kernel.shape[:n], dilation, strides)]
    lhs, out = _LAYOUTS[(n, data_format)]
    return lax.conv_general_dilated(
        inputs, kernel, strides, pads, rhs_dilation=dilation,
        dimension_numbers=(lhs, _KERNEL_SPATIAL[n] + "IO", out), feature_group_count=channels // group_in)


def _transpose_pads(size, k, stride, dilation, mode, output_padding):
    """(before, after) padding of the stride-dilated input for one spatial dim of conv_transpose.

    The output length ``L`` follows the spec; the alignment is that of the gradient of a forward
    conv from length ``L`` (TensorFlow's rule), whose own "before" padding is ``forward_before``.
    """
    window = (k - 1) * dilation + 1
    if output_padding is None:
        length = size * stride if mode == "same" else (size - 1) * stride + window
    else:
        length = (size - 1) * stride + window - 2 * (window // 2 if mode == "same" else 0) + output_padding
    forward_before = max((size - 1) * stride + window - length, 0) // 2 if mode == "same" else 0
    before = window - 1 - forward_before
    return before, length - (size - 1) * stride - 1 + forward_before


def conv_transpose(inputs, kernel, strides=1, padding="valid", output_padding=None, data_format=None,
                   dilation_rate=1):
    inputs, kernel = promote_all((inputs, kernel), "conv_transpose")
    n, data_format, spatial, channels = _split_layout(inputs, "conv_transpose", data_format)
    if kernel.ndim != inputs.ndim or kernel.shape[-1] != channels:
        raise ValueError(f"conv_transpose: kernel must have shape (*kernel_size, C_out, {channels}) for inputs "
                         f"{tuple(inputs.shape)} ({data_format}), got {tuple(kernel.shape)}.")
    strides = _tuple(strides, n, "strides", "conv_transpose")
    dilation = _tuple(dilation_rate, n, "dilation_rate", "conv_transpose")
    mode = _padding_mode(padding, "conv_transpose")
    extra = [None] * n if output_padding is None else _tuple(output_padding, n, "output_padding", "conv_transpose", 0)
    pads = [_transpose_pads(size, k, s, d, mode, p)
            for size, k, s, d, p in zip(spatial, kernel.shape[:n], strides, dilation, extra)]
    flipped = jnp.flip(kernel, axis=tuple(range(n)))
    lhs, out = _LAYOUTS[(n, data_format)]
    return lax.conv_general_dilated(
        inputs, flipped, (1,) * n, pads, lhs_dilation=strides, rhs_dilation=dilation,
        dimension_numbers=(lhs, _KERNEL_SPATIAL[n] + "OI", out))


def _full_rank(values, fill, data_format):
    """Per-spatial-dim ``values`` extended with ``fill`` at the batch and channel positions."""
    values = tuple(values)
    return (fill,) + values + (fill,) if data_format == "channels_last" else (fill, fill) + values


def _pool_setup(inputs, pool_size, strides, padding, data_format, op):
    """``(x, data_format, spatial, pool, strides, pads)`` with one entry per spatial dim."""
    x = tensor(inputs)
    n, data_format, spatial, _ = _split_layout(x, op, data_format)
    pool = _tuple(pool_size, n, "pool_size", op)
    strides = pool if strides is None else _tuple(strides, n, "strides", op)
    pads = [(0, 0)] * n
    if _padding_mode(padding, op) == "same":
        pads = [same_padding(size, k, s) for size, k, s in zip(spatial, pool, strides)]
    return x, data_format, spatial, pool, strides, pads


def _reduce_window(x, init, reducer, data_format, pool, strides, pads):
    return lax.reduce_window(x, init, reducer, _full_rank(pool, 1, data_format), _full_rank(strides, 1, data_format),
                             _full_rank(pads, (0, 0), data_format))


def max_pool(inputs, pool_size, strides=None, padding="valid", data_format=None):
    x, data_format, _, pool, strides, pads = _pool_setup(inputs, pool_size, strides, padding, data_format,
                                                         "max_pool")
    if x.dtype in FLOATS:
        init = -jnp.inf  # padded positions never win
    elif x.dtype == jnp.bool_:
        init = False
    else:
        init = jnp.iinfo(x.dtype).min
    return _reduce_window(x, init, lax.max, data_format, pool, strides, pads)


def _real_counts(spatial, pool, strides, pads):
    """Per output position, how many unpadded elements its window covers (NumPy, static)."""
    counts = np.ones((), dtype=np.float64)
    for size, k, s, (before, after) in zip(spatial, pool, strides, pads):
        starts = np.arange((size + before + after - k) // s + 1) * s - before
        per_dim = np.clip(starts + k, 0, size) - np.clip(starts, 0, size)
        counts = np.multiply.outer(counts, per_dim)
    return counts


def average_pool(inputs, pool_size, strides=None, padding="valid", data_format=None):
    x, data_format, spatial, pool, strides, pads = _pool_setup(float_tensor(inputs), pool_size, strides, padding,
                                                               data_format, "average_pool")
    total = _reduce_window(x, 0.0, lax.add, data_format, pool, strides, pads)
    if not any(before or after for before, after in pads):
        return total / math.prod(pool)
    counts = _real_counts(spatial, pool, strides, pads)
    counts = counts[..., None] if data_format == "channels_last" else counts
    return total / jnp.asarray(counts, dtype=x.dtype)
