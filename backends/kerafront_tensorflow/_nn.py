"""Section nn: convolution, transposed convolution and pooling, 1-D, 2-D and 3-D (see ``kerafront.spec``).

Arguments are validated and geometry computed by ``kerafront.spec_rules`` (the spec's messages).
Every kernel runs channels-last (NHWC, NDHWC): TensorFlow's CPU convolution and pooling lack
channels-first kernels ("only supports the NHWC tensor format on the CPU"), so channels_first
inputs are transposed in and out. 1-D ops run as 2-D ops on a height-1 image. TensorFlow's
``"SAME"`` padding is the spec's (extra pad at the end) for every stride, kernel and dilation.

CPU gaps worked around here: grouped convolutions have no CPU gradient in 2-D and no CPU kernel in
3-D (groups are split and concatenated unless a 2-D conv runs on a GPU; 2-D depthwise uses
``depthwise_conv2d``); dilated ``Conv2DBackpropInput`` and dilated ``Conv3D`` are not implemented
(dilated convs go through ``tf.nn.convolution``'s space-to-batch path, and ``conv_transpose``
dilates its kernel with zeros explicitly); ``MaxPool3D``/``AvgPool3D`` take only float32 and
bfloat16 (other dtypes pool the (H, W) plane, then the depth, with the 2-D kernels: pooling is
separable, and "same" counts of real elements multiply per dim).
"""

from kerafront.spec_rules import (channels_first, check_output_padding, check_spatial_rank, padding_mode,
                                  spatial_tuple, transpose_geometry, window_geometry)
from kerafront_tensorflow._convert import FLOAT_TF, as_tensor, binary_operands, floatx_tf, static_shape
from kerafront_tensorflow._device import on_gpu
from kerafront_tensorflow._kernels import kernels
from kerafront_tensorflow._tf import tf

_TF_PADDING = {"valid": "VALID", "same": "SAME"}


def _spatial_sizes(shape, first):
    """The spatial dims of a 3-D/4-D/5-D input shape (``None`` where unknown while tracing)."""
    return tuple(shape[2:]) if first else tuple(shape[1:-1])


def _check_windows(op, sizes, window, strides, dilation, mode):
    """``spec_rules.window_geometry``'s checks (an empty output raises) where the sizes are known."""
    if None not in sizes and None not in window:
        window_geometry(sizes, tuple(window), strides, dilation, mode, op)


_TO_LAST = {1: (0, 2, 1), 2: (0, 2, 3, 1), 3: (0, 2, 3, 4, 1)}
_TO_FIRST = {1: (0, 2, 1), 2: (0, 3, 1, 2), 3: (0, 4, 1, 2, 3)}
_NATIVE_POOL_3D = (tf.float32, tf.bfloat16)   # MaxPool3D/AvgPool3D's CPU dtypes


def _to_nhwc(x, spatial, first):
    """A 3-D/4-D/5-D input as NHWC (NDHWC); 1-D inputs get a height-1 axis."""
    if first:
        x = tf.transpose(x, _TO_LAST[spatial])
    return tf.expand_dims(x, 1) if spatial == 1 else x


def _from_nhwc(y, spatial, first):
    if spatial == 1:
        y = tf.squeeze(y, 1)
    if first:
        y = tf.transpose(y, _TO_FIRST[spatial])
    return y


def _check_kernel_rank(op, in_shape, kshape, layout):
    if len(kshape) != len(in_shape):
        raise ValueError(f"{op}: kernel must have rank {len(in_shape)} ({layout}) for inputs of shape {in_shape}, "
                         f"got kernel shape {kshape}.")


def conv(inputs, kernel, strides=1, padding="valid", data_format=None, dilation_rate=1):
    """Kernel (*k, C_in // groups, C_out); see the spec for groups, padding and errors."""
    x, k = binary_operands(inputs, kernel)
    in_shape, kshape = static_shape(x), static_shape(k)
    check_spatial_rank(in_shape, "conv")
    _check_kernel_rank("conv", in_shape, kshape, "*kernel_size, C_in // groups, C_out")
    mode = padding_mode(padding, "conv")
    first = channels_first(data_format, "conv")
    spatial = len(in_shape) - 2
    strides = spatial_tuple(strides, spatial, "conv", "strides")
    dilation = spatial_tuple(dilation_rate, spatial, "conv", "dilation_rate")
    if max(strides) > 1 and max(dilation) > 1:
        raise ValueError(f"conv: strides > 1 cannot be combined with dilation_rate > 1, got strides={strides} "
                         f"and dilation_rate={dilation}.")
    c_in, k_in, c_out = in_shape[1] if first else in_shape[-1], kshape[-2], kshape[-1]
    if c_in is not None and (k_in == 0 or c_in % k_in or c_out % (c_in // k_in)):
        raise ValueError(f"conv: the kernel's input channels ({k_in}) must divide the input channels ({c_in}) "
                         f"and the number of groups ({c_in // k_in if k_in else 0}) must divide the output "
                         f"channels ({c_out}); got inputs of shape {in_shape} "
                         f"({'channels_first' if first else 'channels_last'}) and kernel of shape {kshape}.")
    _check_windows("conv", _spatial_sizes(in_shape, first), kshape[:spatial], strides, dilation, mode)
    x = _to_nhwc(x, spatial, first)
    if spatial == 1:
        # A height-1 image with equal strides/dilation in both dims (depthwise needs equal strides);
        # the kernel's height is 1, so the height stays 1 for either padding.
        k = tf.expand_dims(k, 0)
        strides, dilation = strides * 2, dilation * 2
    groups = c_in // k_in if c_in is not None else 1
    convolve = _conv3d if spatial == 3 else _conv2d
    y = convolve(x, k, strides, _TF_PADDING[mode], dilation, groups)
    return _from_nhwc(y, spatial, first)


def _conv3d(x, k, strides, padding, dilation, groups):
    if groups > 1:
        xs, ks = tf.split(x, groups, axis=-1), tf.split(k, groups, axis=-1)
        return tf.concat([_conv3d(xg, kg, strides, padding, dilation, 1) for xg, kg in zip(xs, ks)], axis=-1)
    if max(dilation) > 1:
        return tf.nn.convolution(x, k, padding=padding, dilations=list(dilation))
    return kernels.Conv3D(input=x, filter=k, strides=[1, *strides, 1], padding=padding)


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
    """Insert ``dilation - 1`` zeros between the taps of a (*window, a, b) kernel, one spatial axis at a time
    (``tf.pad`` takes at most rank 6)."""
    shape = list(static_shape(k))
    for axis, d in enumerate(dilation):
        if d == 1:
            continue
        size = shape[axis]
        paddings = [[0, 0]] * (len(shape) + 1)
        paddings[axis + 1] = [0, d - 1]
        padded = tf.pad(tf.expand_dims(k, axis + 1), paddings)          # (..., size, d, ...)
        shape[axis] = size * d
        k = tf.reshape(padded, shape)[(slice(None),) * axis + (slice(0, (size - 1) * d + 1),)]
        shape[axis] = (size - 1) * d + 1
    return k


def conv_transpose(inputs, kernel, strides=1, padding="valid", output_padding=None, data_format=None,
                   dilation_rate=1):
    """Kernel (*k, C_out, C_in); the gradient of ``conv`` w.r.t. an input of the spec's output size.

    TensorFlow's ``conv2d_transpose`` produces a length ``L`` directly only when its forward conv maps
    ``L`` back to the input length; otherwise (an even kernel with ``"same"`` and no output_padding)
    the full ``"valid"`` result is cropped to the window ``spec_rules.transpose_geometry`` gives.
    """
    op = "conv_transpose"
    x, k = binary_operands(inputs, kernel)
    in_shape, kshape = static_shape(x), static_shape(k)
    check_spatial_rank(in_shape, op)
    _check_kernel_rank(op, in_shape, kshape, "*kernel_size, C_out, C_in")
    mode = padding_mode(padding, op)
    first = channels_first(data_format, op)
    spatial = len(in_shape) - 2
    strides = spatial_tuple(strides, spatial, op, "strides")
    dilation = spatial_tuple(dilation_rate, spatial, op, "dilation_rate")
    output_padding = check_output_padding(output_padding, strides, op)
    c_in = in_shape[1] if first else in_shape[-1]
    if c_in is not None and kshape[-1] != c_in:
        raise ValueError(f"{op}: the kernel's last dim ({kshape[-1]}, C_in) must equal the input channels ({c_in}); "
                         f"got inputs of shape {in_shape} and kernel of shape {kshape} "
                         f"(layout (*kernel_size, C_out, C_in)).")
    sizes = _spatial_sizes(in_shape, first)
    geometry = transpose_geometry(sizes, tuple(kshape[:spatial]), strides, dilation, mode, output_padding, op)
    x = _to_nhwc(x, spatial, first)
    if spatial == 1:
        k = tf.expand_dims(k, 0)
        sizes, strides, dilation, geometry = (1,) + sizes, (1,) + strides, (1,) + dilation, ((1, 0, 0),) + geometry
    if max(dilation) > 1:
        k = _dilate_kernel(k, dilation)
    spans = static_shape(k)[:-2]
    batch = static_shape(x)[0]
    batch = batch if batch is not None else tf.shape(x)[0]
    transpose = tf.nn.conv3d_transpose if spatial == 3 else tf.nn.conv2d_transpose
    native = all(_maps_back(length, size, span, stride, mode)
                 for (length, _, _), size, span, stride in zip(geometry, sizes, spans, strides))
    if native:
        out_shape = [batch, *(length for length, _, _ in geometry), kshape[-2]]
        y = transpose(x, k, _shape_value(out_shape), [1, *strides, 1], _TF_PADDING[mode])
    else:
        full = [before + length + after for length, before, after in geometry]
        y = transpose(x, k, _shape_value([batch, *full, kshape[-2]]), [1, *strides, 1], "VALID")
        y = _crop(y, geometry)
    return _from_nhwc(y, spatial, first)


def _maps_back(length, size, span, stride, mode):
    """True when TensorFlow's forward conv of ``length`` with ``mode`` padding gives ``size`` again."""
    return (-(-length // stride) if mode == "same" else (length - span) // stride + 1) == size


def _shape_value(dims):
    """A shape list for TensorFlow; a stacked tensor when the batch size is a tensor (tracing)."""
    return dims if isinstance(dims[0], int) else tf.stack(dims)


def _crop(y, geometry):
    """The ``(length, before, after)`` window of each spatial dim of channels-last ``y``; ``after`` < 0 pads zeros."""
    y = y[(slice(None),) + tuple(slice(before, before + length + min(after, 0)) for length, before, after in geometry)]
    if any(after < 0 for _, _, after in geometry):
        y = tf.pad(y, [[0, 0]] + [[0, max(-after, 0)] for _, _, after in geometry] + [[0, 0]])
    return y


def _pool(op, inputs, pool_size, strides, padding, data_format):
    """Validated pooling arguments: (x as NHWC, window, strides, TF padding, spatial rank, channels_first)."""
    x = as_tensor(inputs)
    shape = static_shape(x)
    check_spatial_rank(shape, op)
    mode = padding_mode(padding, op)
    first = channels_first(data_format, op)
    spatial = len(shape) - 2
    window = spatial_tuple(pool_size, spatial, op, "pool_size")
    strides = window if strides is None else spatial_tuple(strides, spatial, op, "strides")
    _check_windows(op, _spatial_sizes(shape, first), window, strides, (1,) * spatial, mode)
    x = _to_nhwc(x, spatial, first)
    if spatial == 1:
        window, strides = (1,) + window, (1,) + strides
    return x, window, strides, _TF_PADDING[mode], spatial, first


def _pool2d(x, window, strides, padding, averaging):
    if averaging:
        return kernels.AvgPool(value=x, ksize=[1, *window, 1], strides=[1, *strides, 1], padding=padding)
    return kernels.MaxPool(input=x, ksize=[1, *window, 1], strides=[1, *strides, 1], padding=padding)


def _pool3d(x, window, strides, padding, averaging):
    """An NDHWC pool: ``MaxPool3D``/``AvgPool3D`` where TensorFlow has them, else (H, W) then depth in 2-D."""
    if x.dtype in _NATIVE_POOL_3D:
        pool = kernels.AvgPool3D if averaging else kernels.MaxPool3D
        return pool(input=x, ksize=[1, *window, 1], strides=[1, *strides, 1], padding=padding)
    shape = tf.shape(x)
    planes = tf.reshape(x, tf.concat([[-1], shape[2:]], 0))                            # (N * D, H, W, C)
    planes = _pool2d(planes, window[1:], strides[1:], padding, averaging)
    pooled = tf.shape(planes)
    columns = tf.reshape(planes, tf.stack([shape[0], shape[1], pooled[1] * pooled[2], pooled[3]]))
    depth = _pool2d(columns, (window[0], 1), (strides[0], 1), padding, averaging)   # (N, Do, Ho * Wo, C)
    return tf.reshape(depth, tf.stack([shape[0], tf.shape(depth)[1], pooled[1], pooled[2], pooled[3]]))


def max_pool(inputs, pool_size, strides=None, padding="valid", data_format=None):
    """Padded positions never win (TensorFlow pads with -inf)."""
    x, window, strides, tf_padding, spatial, first = _pool(
        "max_pool", inputs, pool_size, strides, padding, data_format)
    pool = _pool3d if spatial == 3 else _pool2d
    return _from_nhwc(pool(x, window, strides, tf_padding, averaging=False), spatial, first)


def average_pool(inputs, pool_size, strides=None, padding="valid", data_format=None):
    """With "same", TensorFlow divides each window by its count of real elements; ints give floatx."""
    x, window, strides, tf_padding, spatial, first = _pool(
        "average_pool", inputs, pool_size, strides, padding, data_format)
    if x.dtype not in FLOAT_TF:
        x = tf.cast(x, floatx_tf())
    pool = _pool3d if spatial == 3 else _pool2d
    return _from_nhwc(pool(x, window, strides, tf_padding, averaging=True), spatial, first)
