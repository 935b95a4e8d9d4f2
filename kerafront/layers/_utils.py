"""Argument normalisation and shape arithmetic shared by convolution, pooling and reshaping layers."""

import math

from kerafront import config


def normalize_tuple(value, n, name, layer_name, allow_zero=False):
    """``3`` -> ``(3, 3)``; a list/tuple of length ``n`` -> tuple of ints (ValueError otherwise)."""
    if isinstance(value, int):
        values = (value,) * n
    else:
        try:
            values = tuple(int(v) for v in value)
        except (TypeError, ValueError):
            raise ValueError(f"{layer_name}: {name} must be an int or a tuple of {n} ints, got {value!r}.") from None
        if len(values) != n:
            raise ValueError(f"{layer_name}: {name} must be an int or a tuple of {n} ints, got {value!r}.")
    low = 0 if allow_zero else 1
    if any(v < low for v in values):
        raise ValueError(f"{layer_name}: {name} must be >= {low}, got {value!r}.")
    return values


def normalize_padding(padding, layer_name, allowed=("valid", "same")):
    padding = padding.lower() if isinstance(padding, str) else padding
    if padding not in allowed:
        raise ValueError(f"{layer_name}: padding must be one of {allowed}, got {padding!r}.")
    return padding


def normalize_data_format(data_format, layer_name):
    return config.standardize_data_format(data_format, f"{layer_name}")


def conv_output_length(length, kernel_size, stride, padding, dilation=1):
    """Output length of a convolution/pooling window along one axis (``None`` stays ``None``).

    valid: ``floor((in - k') / stride) + 1`` with ``k' = (k - 1) * dilation + 1``;
    same and causal: ``ceil(in / stride)``.
    """
    if length is None:
        return None
    if padding in ("same", "causal"):
        return int(math.ceil(length / stride))
    effective = (kernel_size - 1) * dilation + 1
    return (length - effective) // stride + 1


def deconv_output_length(length, kernel_size, stride, padding, output_padding=None, dilation=1):
    """Output length of a transposed convolution (the spec's ``conv_transpose`` rule)."""
    if length is None:
        return None
    effective = (kernel_size - 1) * dilation + 1
    if output_padding is None:
        if padding == "valid":
            return (length - 1) * stride + effective
        return length * stride
    pad_before = effective // 2 if padding == "same" else 0
    return (length - 1) * stride + effective - 2 * pad_before + output_padding


def spatial_axes(rank, data_format):
    """Indices of the spatial axes of a ``rank``-D input."""
    return tuple(range(1, rank - 1)) if data_format == "channels_last" else tuple(range(2, rank))


def channel_axis(data_format):
    return -1 if data_format == "channels_last" else 1


def split_shape(shape, data_format):
    """``(batch, spatial dims, channels)`` of a shape in ``data_format``."""
    if data_format == "channels_last":
        return shape[0], tuple(shape[1:-1]), shape[-1]
    return shape[0], tuple(shape[2:]), shape[1]


def join_shape(batch, spatial, channels, data_format):
    if data_format == "channels_last":
        return (batch,) + tuple(spatial) + (channels,)
    return (batch, channels) + tuple(spatial)
