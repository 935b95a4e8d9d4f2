"""Convolution, transposed convolution and pooling, 1-D and 2-D (see ``kerafront.spec``).

Every kernel runs in NHWC: TensorFlow's CPU convolution and pooling lack NCHW kernels ("only
supports the NHWC tensor format on the CPU"), so channels_first inputs are transposed in and out.
1-D ops run as 2-D ops on a height-1 image. TensorFlow's ``"SAME"`` padding is the spec's (extra
pad at the end) for every stride, kernel and dilation.

CPU gaps worked around here: grouped convolutions have no CPU gradient (groups are split and
concatenated unless running on a GPU; depthwise uses ``depthwise_conv2d``); dilated
``Conv2DBackpropInput`` is not implemented (dilated convs go through ``tf.nn.convolution``'s
space-to-batch path, and ``conv_transpose`` dilates its kernel with zeros explicitly).
"""

import math

from kerafront import config
from kerafront_tensorflow._convert import (FLOAT_TF, binary_operands, convert_to_tensor, floatx_tf, static_shape,
                                           tf)
from kerafront_tensorflow._device import on_gpu
from kerafront_tensorflow._kernels import kernels

_PADDINGS = {"valid": "VALID", "same": "SAME"}


def _padding(op, padding):
    tf_padding = _PADDINGS.get(padding.lower()) if isinstance(padding, str) else None
    if tf_padding is None:
        raise ValueError(f"{op}: padding must be 'valid' or 'same', got {padding!r}.")
    return tf_padding


def _tuple(op, name, value, n):
    values = (value,) * n if isinstance(value, int) else tuple(value)
    if len(values) != n or not all(isinstance(v, int) and v >= 1 for v in values):
        raise ValueError(f"{op}: {name} must be a positive int or a tuple of {n} positive ints, got {value!r}.")
    return values


def _to_nhwc(op, x, data_format):
    """``(x as NHWC, spatial rank, channels_first flag)``; 1-D inputs get a height-1 axis."""
    rank = len(static_shape(x))
    if rank not in (3, 4):
        raise ValueError(f"{op}: inputs must have rank 3 (1-D) or 4 (2-D) with batch and channel axes, "
                         f"got shape {static_shape(x)}.")
    channels_first = config.standardize_data_format(data_format, op) == "channels_first"
    if channels_first:
        x = tf.transpose(x, (0, 2, 1) if rank == 3 else (0, 2, 3, 1))
    if rank == 3:
        x = tf.expand_dims(x, 1)
    return x, rank - 2, channels_first


def _from_nhwc(y, spatial, channels_first):
    if spatial == 1:
        y = tf.squeeze(y, 1)
    if channels_first:
        y = tf.transpose(y, (0, 2, 1) if spatial == 1 else (0, 3, 1, 2))
    return y


def _check_window(op, x_nhwc, window, what):
    sizes = static_shape(x_nhwc)[1:3]
    for size, w in zip(sizes, window):
        if size is not None and size < w:
            raise ValueError(f"{op}: with padding='valid' the {what} ({tuple(window)}) must fit in the spatial "
                             f"input ({tuple(sizes)}).")


def conv(inputs, kernel, strides=1, padding="valid", data_format=None, dilation_rate=1):
    """Kernel (*k, C_in // groups, C_out); see the spec for groups, padding and errors."""
    x, k = binary_operands(inputs, kernel)
    x, spatial, channels_first = _to_nhwc("conv", x, data_format)
    strides = _tuple("conv", "strides", strides, spatial)
    dilation = _tuple("conv", "dilation_rate", dilation_rate, spatial)
    tf_padding = _padding("conv", padding)
    if max(strides) > 1 and max(dilation) > 1:
        raise ValueError(f"conv: strides > 1 cannot be combined with dilation_rate > 1, got strides={strides}, "
                         f"dilation_rate={dilation}.")
    kshape = static_shape(k)
    if len(kshape) != spatial + 2:
        raise ValueError(f"conv: kernel must have shape (*kernel_size, C_in // groups, C_out) with rank "
                         f"{spatial + 2}, got {kshape} for inputs of shape {static_shape(inputs)}.")
    c_in, k_in, c_out = static_shape(x)[-1], kshape[-2], kshape[-1]
    if c_in is not None and (k_in == 0 or c_in % k_in or c_out % (c_in // k_in)):
        raise ValueError(f"conv: the kernel's input channels ({k_in}) must divide the input channels ({c_in}) "
                         f"and the groups ({c_in // k_in if k_in else '?'}) must divide the output channels "
                         f"({c_out}); kernel shape {kshape}, inputs shape {static_shape(inputs)}.")
    if spatial == 1:
        # A height-1 image with equal strides/dilation in both dims (depthwise needs equal strides);
        # the kernel's height is 1, so the height stays 1 for either padding.
        k = tf.expand_dims(k, 0)
        strides, dilation = strides * 2, dilation * 2
    if tf_padding == "VALID":
        _check_window("conv", x, [(kk - 1) * d + 1 for kk, d in zip(static_shape(k)[:2], dilation)],
                      "dilated kernel")
    groups = c_in // k_in if c_in is not None else 1
    y = _conv2d(x, k, strides, tf_padding, dilation, groups)
    return _from_nhwc(y, spatial, channels_first)


def _conv2d(x, k, strides, padding, dilation, groups):
    dilated = max(dilation) > 1
    if groups == 1 or on_gpu():
        if dilated:
            return tf.nn.convolution(x, k, padding=padding, dilations=list(dilation))
        return kernels.Conv2D(input=x, filter=k, strides=[1, *strides, 1], padding=padding)
    kh, kw, k_in, c_out = static_shape(k)
    if k_in == 1:
        depthwise = tf.reshape(k, (kh, kw, groups, c_out // groups))
        return tf.nn.depthwise_conv2d(x, depthwise, [1, *strides, 1], padding,
                                      dilations=list(dilation) if dilated else None)
    xs = tf.split(x, groups, axis=-1)
    ks = tf.split(k, groups, axis=-1)
    return tf.concat([_conv2d(xg, kg, strides, padding, dilation, 1) for xg, kg in zip(xs, ks)], axis=-1)


def _dilate_kernel(k, dilation):
    """Insert ``dilation - 1`` zeros between the taps of a (kh, kw, a, b) kernel."""
    dh, dw = dilation
    kh, kw, a, b = static_shape(k)
    padded = tf.pad(k[:, None, :, None], [[0, 0], [0, dh - 1], [0, 0], [0, dw - 1], [0, 0], [0, 0]])
    full = tf.reshape(padded, (kh * dh, kw * dw, a, b))
    return full[:(kh - 1) * dh + 1, :(kw - 1) * dw + 1]


def conv_transpose(inputs, kernel, strides=1, padding="valid", output_padding=None, data_format=None,
                   dilation_rate=1):
    """Kernel (*k, C_out, C_in); the gradient of ``conv`` w.r.t. an input of the spec's output size."""
    x, k = binary_operands(inputs, kernel)
    x, spatial, channels_first = _to_nhwc("conv_transpose", x, data_format)
    strides = _tuple("conv_transpose", "strides", strides, spatial)
    dilation = _tuple("conv_transpose", "dilation_rate", dilation_rate, spatial)
    tf_padding = _padding("conv_transpose", padding)
    kshape = static_shape(k)
    c_in = static_shape(x)[-1]
    if len(kshape) != spatial + 2 or (c_in is not None and kshape[-1] != c_in):
        raise ValueError(f"conv_transpose: kernel must have shape (*kernel_size, C_out, C_in={c_in}) with rank "
                         f"{spatial + 2}, got {kshape} for inputs of shape {static_shape(inputs)}.")
    if output_padding is not None:
        output_padding = tuple(output_padding) if not isinstance(output_padding, int) else (output_padding,) * spatial
        if len(output_padding) != spatial:
            raise ValueError(f"conv_transpose: output_padding must be an int or {spatial} ints, got {output_padding}.")
    if spatial == 1:
        k = tf.expand_dims(k, 0)
        strides, dilation = (1,) + strides, (1,) + dilation
        output_padding = None if output_padding is None else (0,) + output_padding
    sizes = static_shape(x)[1:3]
    out_sizes = []
    for axis, (size, kk, s, d) in enumerate(zip(sizes, static_shape(k)[:2], strides, dilation)):
        if spatial == 1 and axis == 0:
            out_sizes.append(1)
            continue
        out_sizes.append(_transpose_length(size, kk, s, d, tf_padding, output_padding, axis, spatial))
    if max(dilation) > 1:
        k = _dilate_kernel(k, dilation)
    batch = static_shape(x)[0]
    out_shape = [batch if batch is not None else tf.shape(x)[0], *out_sizes, kshape[-2]]
    y = tf.nn.conv2d_transpose(x, k, tf.stack(out_shape) if batch is None else out_shape,
                               [1, *strides, 1], tf_padding)
    return _from_nhwc(y, spatial, channels_first)


def _transpose_length(size, kk, stride, dilation, tf_padding, output_padding, axis, spatial):
    """Spec output length; ``ValueError`` when the forward conv of that length would not give ``size``."""
    effective = (kk - 1) * dilation + 1
    if output_padding is None:
        out = (size - 1) * stride + effective if tf_padding == "VALID" else size * stride
    else:
        pad_before = effective // 2 if tf_padding == "SAME" else 0
        out = (size - 1) * stride + effective - 2 * pad_before + output_padding[axis]
    back = (out - effective) // stride + 1 if tf_padding == "VALID" else math.ceil(out / stride)
    if out <= 0 or back != size:
        dim = axis - (2 - spatial)
        raise ValueError(f"conv_transpose: output length {out} on spatial axis {dim} (input length {size}, "
                         f"stride {stride}, effective kernel {effective}, padding {tf_padding.lower()!r}) is not "
                         f"mapped back to the input length by the forward convolution; use output_padding < "
                         f"strides (and >= 1 for an even effective kernel with 'same').")
    return out


def _pool(op, inputs, pool_size, strides, padding, data_format):
    x = convert_to_tensor(inputs)
    x, spatial, channels_first = _to_nhwc(op, x, data_format)
    window = _tuple(op, "pool_size", pool_size, spatial)
    strides = window if strides is None else _tuple(op, "strides", strides, spatial)
    tf_padding = _padding(op, padding)
    if spatial == 1:
        window, strides = (1,) + window, (1,) + strides
    if tf_padding == "VALID":
        _check_window(op, x, window, "pool_size")
    return x, window, strides, tf_padding, spatial, channels_first


def max_pool(inputs, pool_size, strides=None, padding="valid", data_format=None):
    """Padded positions never win (TensorFlow pads with -inf)."""
    x, window, strides, tf_padding, spatial, channels_first = _pool(
        "max_pool", inputs, pool_size, strides, padding, data_format)
    y = kernels.MaxPool(input=x, ksize=[1, *window, 1], strides=[1, *strides, 1], padding=tf_padding)
    return _from_nhwc(y, spatial, channels_first)


def average_pool(inputs, pool_size, strides=None, padding="valid", data_format=None):
    """With "same", TensorFlow divides each window by its count of real elements; ints give floatx."""
    x, window, strides, tf_padding, spatial, channels_first = _pool(
        "average_pool", inputs, pool_size, strides, padding, data_format)
    if x.dtype not in FLOAT_TF:
        x = tf.cast(x, floatx_tf())
    y = kernels.AvgPool(value=x, ksize=[1, *window, 1], strides=[1, *strides, 1], padding=tf_padding)
    return _from_nhwc(y, spatial, channels_first)
