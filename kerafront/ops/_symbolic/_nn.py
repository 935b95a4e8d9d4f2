"""Convolution and pooling rules: the checks the NumPy reference makes, in its order, and output sizes
from ``spec_rules.window_geometry``/``transpose_geometry`` (``None`` where a size is unknown)."""

from kerafront._keras_tensor import KerasTensor
from kerafront.ops._symbolic._arguments import float_of, known, promote, rule, shape_of, spec_of
from kerafront.spec_rules import (channels_first, check_output_padding, check_spatial_rank, padding_mode,
                                  spatial_tuple, transpose_geometry, window_geometry)


def _conv_arguments(x_shape, k_shape, strides, padding, data_format, dilation_rate, op, kernel_layout):
    """The checks ``conv`` and ``conv_transpose`` share (the NumPy backend's order): (mode, channels_first, rank,
    strides, dilations)."""
    check_spatial_rank(x_shape, op)
    if len(k_shape) != len(x_shape):
        raise ValueError(f"{op}: kernel must have rank {len(x_shape)} ({kernel_layout}) for inputs of shape "
                         f"{x_shape}, got kernel shape {k_shape}.")
    mode = padding_mode(padding, op)
    first = channels_first(data_format, op)
    rank = len(x_shape) - 2
    return (mode, first, rank, spatial_tuple(strides, rank, op, "strides"),
            spatial_tuple(dilation_rate, rank, op, "dilation_rate"))


def _split_channels(shape, first):
    """``(spatial dims, channels)`` of a conv/pool input."""
    return (shape[2:], shape[1]) if first else (shape[1:-1], shape[-1])


def _join_channels(batch, spatial, channels, first):
    return (batch, channels) + spatial if first else (batch,) + spatial + (channels,)


def _window_outs(sizes, window, strides, dilations, mode, op):
    """Output length per spatial dim (``spec_rules.window_geometry``), ``None`` where a size is unknown."""
    if known(*sizes, *window):
        return tuple(out for out, _, _ in window_geometry(tuple(sizes), tuple(window), strides, dilations, mode, op))
    outs = []
    for size, k, stride, dilation in zip(sizes, window, strides, dilations):
        if known(size, k):
            outs.append(window_geometry((size,), (k,), (stride,), (dilation,), mode, op)[0][0])
        else:
            outs.append(-(-size // stride) if mode == "same" and size is not None else None)
    return tuple(outs)


@rule
def conv(inputs, kernel, strides=1, padding="valid", data_format=None, dilation_rate=1):
    x_shape, k_shape = shape_of(inputs, "conv"), shape_of(kernel, "conv")
    mode, first, rank, strides, dilations = _conv_arguments(
        x_shape, k_shape, strides, padding, data_format, dilation_rate, "conv", "*kernel_size, C_in // groups, C_out")
    if max(strides) > 1 and max(dilations) > 1:
        raise ValueError(f"conv: strides > 1 cannot be combined with dilation_rate > 1, got strides={strides} and "
                         f"dilation_rate={dilations}.")
    spatial, c_in = _split_channels(x_shape, first)
    group_channels, c_out = k_shape[-2], k_shape[-1]
    if known(c_in, group_channels, c_out) and (
            group_channels == 0 or c_in % group_channels or c_out % (c_in // group_channels)):
        raise ValueError(f"conv: the kernel's input channels ({group_channels}) must divide the input channels "
                         f"({c_in}) and the number of groups must divide the output channels ({c_out}); got inputs "
                         f"of shape {x_shape} and kernel of shape {k_shape}.")
    outs = _window_outs(spatial, k_shape[:rank], strides, dilations, mode, "conv")
    return KerasTensor(_join_channels(x_shape[0], outs, c_out, first), promote(inputs, kernel))


@rule
def conv_transpose(inputs, kernel, strides=1, padding="valid", output_padding=None, data_format=None,
                   dilation_rate=1):
    op = "conv_transpose"
    x_shape, k_shape = shape_of(inputs, op), shape_of(kernel, op)
    mode, first, rank, strides, dilations = _conv_arguments(
        x_shape, k_shape, strides, padding, data_format, dilation_rate, op, "*kernel_size, C_out, C_in")
    spatial, c_in = _split_channels(x_shape, first)
    if known(c_in, k_shape[-1]) and c_in != k_shape[-1]:
        raise ValueError(f"{op}: the kernel's last dim ({k_shape[-1]}, C_in) must equal the input channels ({c_in}); "
                         f"got inputs of shape {x_shape} and kernel of shape {k_shape} (layout (*kernel_size, C_out, "
                         "C_in)).")
    output_padding = check_output_padding(output_padding, strides, op)
    outs = []
    for i, (size, k) in enumerate(zip(spatial, k_shape[:rank])):
        extra = None if output_padding is None else (output_padding[i],)
        if known(size, k):
            outs.append(transpose_geometry((size,), (k,), strides[i:i + 1], dilations[i:i + 1], mode, extra, op)[0][0])
        else:
            outs.append(size * strides[i] if mode == "same" and extra is None and size is not None else None)
    return KerasTensor(_join_channels(x_shape[0], tuple(outs), k_shape[-2], first), promote(inputs, kernel))


def _pool(op, inputs, pool_size, strides, padding, data_format, averaging):
    shape, dtype = spec_of(inputs, op)
    check_spatial_rank(shape, op)
    mode = padding_mode(padding, op)
    first = channels_first(data_format, op)
    rank = len(shape) - 2
    window = spatial_tuple(pool_size, rank, op, "pool_size")
    strides = window if strides is None else spatial_tuple(strides, rank, op, "strides")
    spatial, channels = _split_channels(shape, first)
    outs = _window_outs(spatial, window, strides, (1,) * rank, mode, op)
    return KerasTensor(_join_channels(shape[0], outs, channels, first), float_of(dtype) if averaging else dtype)


@rule
def max_pool(inputs, pool_size, strides=None, padding="valid", data_format=None):
    return _pool("max_pool", inputs, pool_size, strides, padding, data_format, averaging=False)


@rule
def average_pool(inputs, pool_size, strides=None, padding="valid", data_format=None):
    return _pool("average_pool", inputs, pool_size, strides, padding, data_format, averaging=True)
