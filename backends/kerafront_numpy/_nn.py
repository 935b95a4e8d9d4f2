"""Convolution primitives of the NumPy reference backend: ``conv`` and ``conv_transpose``.

Every op works internally on channels_last arrays with two spatial dims, (N, H, W, C): a 1-D input
gets a unit height and channels_first inputs are transposed in and out (views, no copy). The
geometry of one spatial dim is ``(out, pad_before)``; padding after is whatever the windows need.

* ``conv`` is im2col and one BLAS product: a strided view (N, Ho, Wo, kh, kw, C) of the padded
  input, copied once into a (N*Ho*Wo, kh*kw*C) matrix and multiplied by the kernel reshaped to
  (kh*kw*C, C_out). Grouped convolution is a batched product over the groups.
* Its VJPs: the kernel gradient is the patch/cotangent product ``patches^T @ g``; the input
  gradient is ``g @ kernel[tap]^T`` per tap, added back onto the input (col2im: one strided add
  per kernel tap).
* ``conv_transpose`` is exactly that input gradient, so its own VJPs are a ``conv`` (input) and the
  same patch/cotangent product (kernel).

Pooling lives in ``_nn_pool.py`` and shares the argument checks below.
"""

import numpy as np
from numpy.lib.stride_tricks import as_strided

from kerafront.config import state

from kerafront_numpy._autodiff import needs_gradient, primitive, residual, save_residual
from kerafront_numpy._convert import promote, to_array

# ----------------------------------------------------------------------------------------------
# Argument checks shared with _nn_pool.py


def spatial_tuple(value, rank, op, name):
    """``value`` (an int or a sequence of ``rank`` ints, all >= 1) as a tuple of ``rank`` ints."""
    if isinstance(value, (int, np.integer)) and not isinstance(value, bool):
        values = (int(value),) * rank
    else:
        try:
            values = tuple(int(v) for v in value)
        except (TypeError, ValueError):
            raise TypeError(f"{op}: {name} must be an int or a tuple of {rank} ints, got {value!r}.") from None
        if len(values) != rank:
            raise ValueError(f"{op}: {name} must be an int or a tuple of {rank} ints for {rank}-D inputs, "
                             f"got {value!r}.")
    if any(v < 1 for v in values):
        raise ValueError(f"{op}: {name} must be positive, got {value!r}.")
    return values


def padding_mode(padding, op):
    """``"valid"`` or ``"same"`` (upper-case spellings accepted); anything else raises ValueError."""
    mode = padding.lower() if isinstance(padding, str) else padding
    if mode not in ("valid", "same"):
        raise ValueError(f"{op}: padding must be 'valid' or 'same', got {padding!r}.")
    return mode


def is_channels_first(data_format, op):
    """True for ``"channels_first"``; ``None`` reads ``kerafront.config.image_data_format()``."""
    if data_format is None:
        data_format = state.image_data_format
    if data_format not in ("channels_last", "channels_first"):
        raise ValueError(f"{op}: data_format must be 'channels_last' or 'channels_first', got {data_format!r}.")
    return data_format == "channels_first"


def check_rank(x, op):
    """Raise unless ``x`` is 3-D (1-D op) or 4-D (2-D op)."""
    if x.ndim not in (3, 4):
        raise ValueError(f"{op}: inputs must be 3-D (batch, length, channels) or 4-D (batch, height, width, "
                         f"channels) (channels first for data_format='channels_first'), got shape {x.shape}.")


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


def window_geometry(sizes, windows, strides, dilations, mode, op):
    """Per spatial dim ``(out, pad_before)``; ``same`` pads like TensorFlow (the extra pad at the end)."""
    outs, pads = [], []
    for size, window, stride, dilation in zip(sizes, windows, strides, dilations):
        span = (window - 1) * dilation + 1
        if mode == "same":
            out = -(-size // stride)
            pads.append(max((out - 1) * stride + span - size, 0) // 2)
        else:
            out = (size - span) // stride + 1 if size >= span else 0
            pads.append(0)
        outs.append(out)
    if min(outs) < 1:
        raise ValueError(f"{op}: the input's spatial shape {tuple(sizes)} is smaller than the window "
                         f"{tuple(windows)} (dilation {tuple(dilations)}) with padding={mode!r}, which leaves "
                         f"an empty output; use padding='same' or a larger input.")
    return tuple(outs), tuple(pads)


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


def _tap_slices(i, j, strides, dilations, outs):
    """Index of kernel tap (i, j) over all output positions in a padded (N, H, W, C) array."""
    (sh, sw), (dh, dw), (oh, ow) = strides, dilations, outs
    return (slice(None), slice(i * dh, i * dh + (oh - 1) * sh + 1, sh),
            slice(j * dw, j * dw + (ow - 1) * sw + 1, sw))


# ----------------------------------------------------------------------------------------------
# im2col / col2im on (N, H, W, C) with explicit geometry


def _patches(x, window, strides, dilations, pads, outs, groups):
    """im2col: (groups, N*Ho*Wo, kh*kw*C/groups) matrix of the windows of ``x`` (N, H, W, C)."""
    xp = pad_for_windows(x, window, strides, dilations, pads, outs)
    n, _, _, c = xp.shape
    s0, s1, s2, s3 = xp.strides
    cg = c // groups
    view = as_strided(xp, (n, outs[0], outs[1], window[0], window[1], groups, cg),
                      (s0, s1 * strides[0], s2 * strides[1], s1 * dilations[0], s2 * dilations[1], s3 * cg, s3),
                      writeable=False)
    rows = n * outs[0] * outs[1]
    if groups == 1:
        return view.reshape(1, rows, window[0] * window[1] * cg)
    return view.transpose(5, 0, 1, 2, 3, 4, 6).reshape(groups, rows, window[0] * window[1] * cg)


def _grouped_kernel(kernel, groups):
    """Kernel (kh, kw, Cg, C_out) as (groups, kh*kw*Cg, C_out/groups): output o reads group o // (C_out/groups)."""
    kh, kw, cg, c_out = kernel.shape
    return kernel.reshape(kh * kw * cg, groups, c_out // groups).transpose(1, 0, 2)


def _ungroup_rows(y, groups):
    """(groups, rows, Og) -> (rows, groups*Og), group-major channels."""
    return y[0] if groups == 1 else y.transpose(1, 0, 2).reshape(y.shape[1], -1)


def _conv_nhwc_and_patches(x, kernel, strides, dilations, pads, outs):
    """Correlate ``x`` (N, H, W, C_in) with ``kernel`` (kh, kw, C_in/groups, C_out) -> (N, Ho, Wo, C_out),
    and the im2col patches it multiplied (the kernel gradient needs them again)."""
    groups = x.shape[-1] // kernel.shape[-2]
    cols = _patches(x, kernel.shape[:2], strides, dilations, pads, outs, groups)
    y = np.matmul(cols, _grouped_kernel(kernel, groups))
    return _ungroup_rows(y, groups).reshape(x.shape[0], outs[0], outs[1], kernel.shape[-1]), cols


def _conv_nhwc(x, kernel, strides, dilations, pads, outs):
    return _conv_nhwc_and_patches(x, kernel, strides, dilations, pads, outs)[0]


def _conv_kernel_grad_nhwc(x, gy, kernel_shape, strides, dilations, pads, cols=None):
    """d(conv)/d(kernel) for cotangent ``gy`` (N, Ho, Wo, C_out): the patch/cotangent product
    (``cols``: the forward's patches, when it kept them)."""
    kh, kw, cg, c_out = kernel_shape
    groups = x.shape[-1] // cg
    outs = gy.shape[1:3]
    if cols is None:
        cols = _patches(x, (kh, kw), strides, dilations, pads, outs, groups)
    g = gy.reshape(-1, groups, c_out // groups).transpose(1, 0, 2)
    dk = np.matmul(cols.transpose(0, 2, 1), g)
    return dk.transpose(1, 0, 2).reshape(kernel_shape)


def _conv_input_grad_nhwc(gy, kernel, x_shape, strides, dilations, pads):
    """d(conv)/d(inputs) for cotangent ``gy`` (N, Ho, Wo, C_out) onto an (N, H, W, C_in) array ``x_shape``.

    This is the transposed convolution: per kernel tap, ``gy @ kernel[tap]^T`` (one batched product
    over the taps) is added onto that tap's strided window of the padded input (col2im). Tap-major
    products keep each added block contiguous over (Wo, C) when the stride is 1.
    """
    kh, kw, cg, c_out = kernel.shape
    n, h, w, c_in = x_shape
    groups = c_in // cg
    outs = gy.shape[1:3]
    g = gy.reshape(-1, groups, c_out // groups).transpose(1, 0, 2)                    # (groups, rows, Og)
    tap_kernels = kernel.reshape(kh * kw, cg, groups, c_out // groups).transpose(0, 2, 3, 1)
    dtaps = np.matmul(g, tap_kernels).reshape(kh, kw, groups, n, outs[0], outs[1], cg)
    extent = padded_extent((h, w), (kh, kw), strides, dilations, pads, outs)
    dxp = np.zeros((n,) + extent + (groups, cg), dtype=dtaps.dtype)
    for i in range(kh):
        for j in range(kw):
            dxp[_tap_slices(i, j, strides, dilations, outs)] += np.moveaxis(dtaps[i, j], 0, -2)
    return dxp.reshape((n,) + extent + (c_in,))[:, pads[0]:pads[0] + h, pads[1]:pads[1] + w]


# ----------------------------------------------------------------------------------------------
# conv


def _operands(inputs, kernel):
    """Both tensors as arrays of kerafront's promoted dtype (float32 stays float32)."""
    inputs, kernel = to_array(inputs), to_array(kernel)
    if inputs.dtype != kernel.dtype:
        dtype = promote(inputs.dtype, kernel.dtype)
        inputs, kernel = inputs.astype(dtype, copy=False), kernel.astype(dtype, copy=False)
    return inputs, kernel


def _conv_setup(inputs, kernel, strides, padding, data_format, dilation_rate, op="conv"):
    """Validate ``conv``'s arguments; returns (x_nhwc, kernel_hw, channels_first, strides, dilations, pads, outs).

    ``inputs`` and ``kernel`` are arrays of one dtype (see ``_operands``).
    """
    check_rank(inputs, op)
    if kernel.ndim != inputs.ndim:
        raise ValueError(f"{op}: kernel must have rank {inputs.ndim} (*kernel_size, C_in // groups, C_out) for "
                         f"inputs of shape {inputs.shape}, got kernel shape {kernel.shape}.")
    mode = padding_mode(padding, op)
    channels_first = is_channels_first(data_format, op)
    rank = inputs.ndim - 2
    strides = spatial_tuple(strides, rank, op, "strides")
    dilations = spatial_tuple(dilation_rate, rank, op, "dilation_rate")
    if max(strides) > 1 and max(dilations) > 1:
        raise ValueError(f"{op}: strides > 1 cannot be combined with dilation_rate > 1, got strides={strides} "
                         f"and dilation_rate={dilations}.")
    x = to_nhwc(inputs, channels_first)
    k = kernel if rank == 2 else kernel[None]
    c_in, cg, c_out = x.shape[-1], k.shape[-2], k.shape[-1]
    if cg == 0 or c_in % cg or c_out % (c_in // cg):
        raise ValueError(f"{op}: the kernel's input channels ({cg}) must divide the input channels ({c_in}) and "
                         f"the number of groups ({c_in // cg if cg else 0}) must divide the output channels "
                         f"({c_out}); got inputs of shape {inputs.shape} "
                         f"({'channels_first' if channels_first else 'channels_last'}) and kernel of shape {kernel.shape}.")
    if rank == 1:
        strides, dilations = (1,) + strides, (1,) + dilations
    outs, pads = window_geometry(x.shape[1:3], k.shape[:2], strides, dilations, mode, op)
    return x, k, channels_first, strides, dilations, pads, outs


def _conv_vjp(g, out, inputs, kernel, strides, padding, data_format, dilation_rate):
    inputs, kernel = _operands(inputs, kernel)
    x, k, channels_first, strides, dilations, pads, outs = _conv_setup(
        inputs, kernel, strides, padding, data_format, dilation_rate)
    gy = to_nhwc(g.astype(x.dtype, copy=False), channels_first)
    d_inputs = d_kernel = None
    if needs_gradient(0):
        dx = _conv_input_grad_nhwc(gy, k, x.shape, strides, dilations, pads)
        d_inputs = from_nhwc(dx, inputs.ndim, channels_first)
    if needs_gradient(1):
        d_kernel = _conv_kernel_grad_nhwc(x, gy, k.shape, strides, dilations, pads,
                                          cols=residual(out)).reshape(kernel.shape)
    return d_inputs, d_kernel


@primitive(_conv_vjp)
def conv(inputs, kernel, strides=1, padding="valid", data_format=None, dilation_rate=1):
    """1-D/2-D convolution (cross-correlation), im2col + one matrix product.

    ``inputs``: (N, *spatial, C_in) channels_last or (N, C_in, *spatial) channels_first.
    ``kernel``: (*kernel_spatial, C_in // groups, C_out) for every data format.
    Returns (N, *out_spatial, C_out) (channels first if asked) of the promoted dtype.
    """
    inputs, kernel = _operands(inputs, kernel)
    x, k, channels_first, strides, dilations, pads, outs = _conv_setup(
        inputs, kernel, strides, padding, data_format, dilation_rate)
    y, cols = _conv_nhwc_and_patches(x, k, strides, dilations, pads, outs)
    return save_residual(from_nhwc(y, inputs.ndim, channels_first), cols)


def _conv_bias_vjp(g, out, inputs, kernel, bias, strides, padding, data_format, dilation_rate):
    d_inputs, d_kernel = _conv_vjp(g, out, inputs, kernel, strides, padding, data_format, dilation_rate)
    d_bias = None
    if needs_gradient(2):
        channel_axis = 1 if is_channels_first(data_format, "conv_bias") else g.ndim - 1
        d_bias = g.sum(axis=tuple(a for a in range(g.ndim) if a != channel_axis))
    return d_inputs, d_kernel, d_bias


@primitive(_conv_bias_vjp)
def conv_bias(inputs, kernel, bias, strides=1, padding="valid", data_format=None, dilation_rate=1):
    """Override of the composite ``conv_bias``: the bias is added in place into the convolution's
    fresh output (no second full-size array), and its gradient is the cotangent summed over every
    axis but the channels'."""
    inputs, kernel = _operands(inputs, kernel)
    bias = to_array(bias)
    if bias.shape != (kernel.shape[-1],):
        raise ValueError(f"conv_bias: bias must have shape ({kernel.shape[-1]},) (one value per output channel), "
                         f"got {bias.shape}.")
    x, k, channels_first, strides, dilations, pads, outs = _conv_setup(
        inputs, kernel, strides, padding, data_format, dilation_rate, "conv_bias")
    y, cols = _conv_nhwc_and_patches(x, k, strides, dilations, pads, outs)
    if promote(y.dtype, bias.dtype) == y.dtype:
        y += bias   # channels are y's last axis here
    else:
        y = y + bias
    return save_residual(from_nhwc(y, inputs.ndim, channels_first), cols)


# ----------------------------------------------------------------------------------------------
# conv_transpose


def _conv_transpose_setup(inputs, kernel, strides, padding, output_padding, data_format, dilation_rate,
                          op="conv_transpose"):
    """Validate ``conv_transpose``'s arguments and compute the output length (Keras's rule).

    Returns (y_nhwc, kernel_hw, channels_first, out_shape_nhwc, strides, dilations, pads): the
    transposed convolution is the input gradient of a ``conv`` from ``out_shape_nhwc`` to ``y``'s
    shape whose padding before is TensorFlow's rule for that conv.
    """
    check_rank(inputs, op)
    if kernel.ndim != inputs.ndim:
        raise ValueError(f"{op}: kernel must have rank {inputs.ndim} (*kernel_size, C_out, C_in) for inputs of "
                         f"shape {inputs.shape}, got kernel shape {kernel.shape}.")
    mode = padding_mode(padding, op)
    channels_first = is_channels_first(data_format, op)
    rank = inputs.ndim - 2
    strides = spatial_tuple(strides, rank, op, "strides")
    dilations = spatial_tuple(dilation_rate, rank, op, "dilation_rate")
    y = to_nhwc(inputs, channels_first)
    k = kernel if rank == 2 else kernel[None]
    if k.shape[-1] != y.shape[-1]:
        raise ValueError(f"{op}: the kernel's last dim ({k.shape[-1]}, C_in) must equal the input channels "
                         f"({y.shape[-1]}); got inputs of shape {inputs.shape} and kernel of shape {kernel.shape} "
                         f"(layout (*kernel_size, C_out, C_in)).")
    if output_padding is not None:
        output_padding = tuple(int(v) for v in np.broadcast_to(output_padding, (rank,)))
        if any(p < 0 or p >= s for p, s in zip(output_padding, strides)):
            raise ValueError(f"{op}: output_padding must be >= 0 and smaller than strides {strides}, "
                             f"got {output_padding}.")
    if rank == 1:
        strides, dilations = (1,) + strides, (1,) + dilations
        output_padding = None if output_padding is None else (0,) + output_padding
    sizes, pads = [], []
    for axis in range(2):
        size, stride, span = y.shape[1 + axis], strides[axis], (k.shape[axis] - 1) * dilations[axis] + 1
        if output_padding is not None:
            length = (size - 1) * stride + span - 2 * (span // 2 if mode == "same" else 0) + output_padding[axis]
        else:
            length = size * stride if mode == "same" else (size - 1) * stride + span
        if length < 1:
            raise ValueError(f"{op}: inputs of shape {inputs.shape} with kernel {kernel.shape}, strides {strides}, "
                             f"padding={mode!r} and output_padding={output_padding} give an empty output.")
        sizes.append(length)
        pads.append(max((size - 1) * stride + span - length, 0) // 2 if mode == "same" else 0)
    out_shape = (y.shape[0], sizes[0], sizes[1], k.shape[-2])
    return y, k, channels_first, out_shape, strides, dilations, tuple(pads)


def _conv_transpose_vjp(g, out, inputs, kernel, strides, padding, output_padding, data_format, dilation_rate):
    inputs, kernel = _operands(inputs, kernel)
    y, k, channels_first, _, strides, dilations, pads = _conv_transpose_setup(
        inputs, kernel, strides, padding, output_padding, data_format, dilation_rate)
    gx = to_nhwc(g.astype(y.dtype, copy=False), channels_first)
    d_inputs = d_kernel = None
    if needs_gradient(0):
        d_inputs = from_nhwc(_conv_nhwc(gx, k, strides, dilations, pads, y.shape[1:3]), inputs.ndim, channels_first)
    if needs_gradient(1):
        d_kernel = _conv_kernel_grad_nhwc(gx, y, k.shape, strides, dilations, pads).reshape(kernel.shape)
    return d_inputs, d_kernel


@primitive(_conv_transpose_vjp)
def conv_transpose(inputs, kernel, strides=1, padding="valid", output_padding=None, data_format=None,
                   dilation_rate=1):
    """1-D/2-D transposed convolution: the gradient of ``conv`` w.r.t. its input (col2im).

    ``inputs``: (N, *spatial, C_in) (channels first if asked); ``kernel``: (*kernel_spatial, C_out, C_in).
    Output length per dim (k' = (k - 1) * dilation + 1): valid ``(in - 1) * stride + k'``, same
    ``in * stride``; with ``output_padding`` ``(in - 1) * stride + k' - 2 * pad + output_padding``
    (pad = k' // 2 for same, 0 for valid). Placement follows TensorFlow: padding before is
    ``max((in - 1) * stride + k' - out, 0) // 2`` for same.
    """
    inputs, kernel = _operands(inputs, kernel)
    y, k, channels_first, out_shape, strides, dilations, pads = _conv_transpose_setup(
        inputs, kernel, strides, padding, output_padding, data_format, dilation_rate)
    x = _conv_input_grad_nhwc(y, k, out_shape, strides, dilations, pads)
    return from_nhwc(x, inputs.ndim, channels_first)


from kerafront_numpy._nn_pool import average_pool, max_pool  # noqa: E402  (re-exported; shares the helpers)

__all__ = ["conv", "conv_transpose", "max_pool", "average_pool"]
