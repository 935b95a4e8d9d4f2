"""Convolution primitives of the NumPy reference backend: ``conv`` and ``conv_transpose``.

Both work on the channels-last plane of ``windows.py``: (N, H, W, C), or (N, D, H, W, C) for 3-D;
every helper below is written for any number of spatial dims (shown here for 2-D).

* ``conv`` is im2col and one BLAS product: a strided view (N, Ho, Wo, kh, kw, C) of the padded
  input, copied once into a (N*Ho*Wo, kh*kw*C) matrix and multiplied by the kernel reshaped to
  (kh*kw*C, C_out). Grouped convolution is a batched product over the groups.
* Its VJPs: the kernel gradient is the patch/cotangent product ``patches^T @ g``; the input
  gradient is ``g @ kernel[tap]^T`` per tap, added back onto the input (col2im: one strided add
  per kernel tap).
* ``conv_transpose`` is exactly that input gradient, so its own VJPs are a ``conv`` (input) and the
  same patch/cotangent product (kernel).

The ``conv_bias`` override (``kerafront_numpy._fused``) reuses ``conv_setup`` and the im2col below.
"""

import math

import numpy as np
from numpy.lib.stride_tricks import as_strided

from kerafront import spec_rules

from kerafront_numpy._autodiff import needs_gradient, primitive, residual, save_residual
from kerafront_numpy._convert import promote, to_array
from kerafront_numpy._nn.windows import (crop, from_nhwc, on_plane, pad_for_windows, padded_extent, plane_geometry,
                                         plane_spatial, to_nhwc)


# ----------------------------------------------------------------------------------------------
# im2col / col2im on (N, *spatial, C) with explicit geometry


def _tap_slices(tap, strides, dilations, outs):
    """Index of kernel tap ``tap`` (one position per spatial dim) over all output positions in a padded array."""
    return (slice(None),) + tuple(slice(t * d, t * d + (o - 1) * s + 1, s)
                                  for t, s, d, o in zip(tap, strides, dilations, outs))


def _patches(x, window, strides, dilations, pads, outs, groups):
    """im2col: (groups, N*Ho*Wo, kh*kw*C/groups) matrix of the windows of ``x`` (N, H, W, C); any spatial rank."""
    xp = pad_for_windows(x, window, strides, dilations, pads, outs)
    n, c = xp.shape[0], xp.shape[-1]
    batch_step, *spatial_steps, channel_step = xp.strides
    cg = c // groups
    steps = ((batch_step,) + tuple(step * s for step, s in zip(spatial_steps, strides))
             + tuple(step * d for step, d in zip(spatial_steps, dilations)) + (channel_step * cg, channel_step))
    view = as_strided(xp, (n,) + tuple(outs) + tuple(window) + (groups, cg), steps, writeable=False)
    rows, taps = n * math.prod(outs), math.prod(window)
    if groups == 1:
        return view.reshape(1, rows, taps * cg)
    return np.moveaxis(view, 1 + 2 * len(window), 0).reshape(groups, rows, taps * cg)


def _grouped_kernel(kernel, groups):
    """Kernel (kh, kw, Cg, C_out) as (groups, kh*kw*Cg, C_out/groups): output o reads group o // (C_out/groups)."""
    *window, cg, c_out = kernel.shape
    return kernel.reshape(math.prod(window) * cg, groups, c_out // groups).transpose(1, 0, 2)


def _ungroup_rows(y, groups):
    """(groups, rows, Og) -> (rows, groups*Og), group-major channels."""
    return y[0] if groups == 1 else y.transpose(1, 0, 2).reshape(y.shape[1], -1)


def _matmul(a, b):
    """``np.matmul`` in ``a``'s dtype (ml_dtypes' bfloat16 product comes back as float32)."""
    out = np.matmul(a, b)
    return out.astype(a.dtype) if out.dtype != a.dtype else out


def conv_with_patches(x, kernel, strides, dilations, pads, outs):
    """Correlate ``x`` (N, H, W, C_in) with ``kernel`` (kh, kw, C_in/groups, C_out) -> (N, Ho, Wo, C_out),
    and the im2col patches it multiplied (the kernel gradient needs them again)."""
    groups = x.shape[-1] // kernel.shape[-2]
    cols = _patches(x, kernel.shape[:-2], strides, dilations, pads, outs, groups)
    y = _matmul(cols, _grouped_kernel(kernel, groups))
    return _ungroup_rows(y, groups).reshape((x.shape[0],) + tuple(outs) + (kernel.shape[-1],)), cols


def _conv_nhwc(x, kernel, strides, dilations, pads, outs):
    return conv_with_patches(x, kernel, strides, dilations, pads, outs)[0]


def _conv_kernel_grad_nhwc(x, gy, kernel_shape, strides, dilations, pads, cols=None):
    """d(conv)/d(kernel) for cotangent ``gy`` (N, Ho, Wo, C_out): the patch/cotangent product
    (``cols``: the forward's patches, when it kept them)."""
    *window, cg, c_out = kernel_shape
    groups = x.shape[-1] // cg
    outs = gy.shape[1:-1]
    if cols is None:
        cols = _patches(x, tuple(window), strides, dilations, pads, outs, groups)
    g = gy.reshape(-1, groups, c_out // groups).transpose(1, 0, 2)
    dk = _matmul(cols.transpose(0, 2, 1), g)
    return dk.transpose(1, 0, 2).reshape(kernel_shape)


def _conv_input_grad_nhwc(gy, kernel, x_shape, strides, dilations, pads):
    """d(conv)/d(inputs) for cotangent ``gy`` (N, Ho, Wo, C_out) onto an (N, H, W, C_in) array ``x_shape``.

    This is the transposed convolution: per kernel tap, ``gy @ kernel[tap]^T`` (one batched product
    over the taps) is added onto that tap's strided window of the padded input (col2im). Tap-major
    products keep each added block contiguous over (Wo, C) when the stride is 1.
    """
    *window, cg, c_out = kernel.shape
    n, *sizes, c_in = x_shape
    groups = c_in // cg
    outs = gy.shape[1:-1]
    g = gy.reshape(-1, groups, c_out // groups).transpose(1, 0, 2)                    # (groups, rows, Og)
    tap_kernels = kernel.reshape(math.prod(window), cg, groups, c_out // groups).transpose(0, 2, 3, 1)
    dtaps = _matmul(g, tap_kernels).reshape((math.prod(window), groups, n) + tuple(outs) + (cg,))
    extent = padded_extent(sizes, window, strides, dilations, pads, outs)
    dxp = np.zeros((n,) + extent + (groups, cg), dtype=dtaps.dtype)
    for number, tap in enumerate(np.ndindex(*window)):
        dxp[_tap_slices(tap, strides, dilations, outs)] += np.moveaxis(dtaps[number], 0, -2)
    return crop(dxp.reshape((n,) + extent + (c_in,)), pads, sizes)


# ----------------------------------------------------------------------------------------------
# conv


def conv_operands(inputs, kernel):
    """Both tensors as arrays of kerafront's promoted dtype (float32 stays float32)."""
    inputs, kernel = to_array(inputs), to_array(kernel)
    if inputs.dtype != kernel.dtype:
        dtype = promote(inputs.dtype, kernel.dtype)
        inputs, kernel = inputs.astype(dtype, copy=False), kernel.astype(dtype, copy=False)
    return inputs, kernel


def _checked_arguments(inputs, kernel, strides, padding, data_format, dilation_rate, op, kernel_layout):
    """The checks ``conv`` and ``conv_transpose`` share; returns (mode, channels_first, rank, strides, dilations).

    ``kernel_layout`` names the kernel's dims in the rank error (the two ops lay them out differently).
    """
    spec_rules.check_spatial_rank(inputs.shape, op)
    if kernel.ndim != inputs.ndim:
        raise ValueError(f"{op}: kernel must have rank {inputs.ndim} ({kernel_layout}) for inputs of shape "
                         f"{inputs.shape}, got kernel shape {kernel.shape}.")
    mode = spec_rules.padding_mode(padding, op)
    channels_first = spec_rules.channels_first(data_format, op)
    rank = inputs.ndim - 2
    strides = spec_rules.spatial_tuple(strides, rank, op, "strides")
    dilations = spec_rules.spatial_tuple(dilation_rate, rank, op, "dilation_rate")
    return mode, channels_first, rank, strides, dilations


def conv_setup(inputs, kernel, strides, padding, data_format, dilation_rate, op="conv"):
    """Validate ``conv``'s arguments; returns (x_nhwc, kernel_hw, channels_first, strides, dilations, pads, outs).

    ``inputs`` and ``kernel`` are arrays of one dtype (see ``conv_operands``); the returned
    strides, dilations, pads and outs are per spatial dim of the plane.
    """
    mode, channels_first, rank, strides, dilations = _checked_arguments(
        inputs, kernel, strides, padding, data_format, dilation_rate, op, "*kernel_size, C_in // groups, C_out")
    if max(strides) > 1 and max(dilations) > 1:
        raise ValueError(f"{op}: strides > 1 cannot be combined with dilation_rate > 1, got strides={strides} "
                         f"and dilation_rate={dilations}.")
    x = to_nhwc(inputs, channels_first)
    k = kernel if rank > 1 else kernel[None]
    c_in, cg, c_out = x.shape[-1], k.shape[-2], k.shape[-1]
    if cg == 0 or c_in % cg or c_out % (c_in // cg):
        layout = "channels_first" if channels_first else "channels_last"
        raise ValueError(f"{op}: the kernel's input channels ({cg}) must divide the input channels ({c_in}) and "
                         f"the number of groups ({c_in // cg if cg else 0}) must divide the output channels "
                         f"({c_out}); got inputs of shape {inputs.shape} ({layout}) and kernel of shape "
                         f"{kernel.shape}.")
    outs, pads = plane_geometry(plane_spatial(x, rank), kernel.shape[:rank], strides, dilations, mode, op)
    return x, k, channels_first, on_plane(strides, 1), on_plane(dilations, 1), pads, outs


def conv_vjp(g, out, inputs, kernel, strides, padding, data_format, dilation_rate):
    inputs, kernel = conv_operands(inputs, kernel)
    x, k, channels_first, strides, dilations, pads, outs = conv_setup(
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


@primitive(conv_vjp)
def conv(inputs, kernel, strides=1, padding="valid", data_format=None, dilation_rate=1):
    """1-D/2-D/3-D convolution (cross-correlation), im2col + one matrix product.

    ``inputs``: (N, *spatial, C_in) channels_last or (N, C_in, *spatial) channels_first.
    ``kernel``: (*kernel_spatial, C_in // groups, C_out) for every data format.
    Returns (N, *out_spatial, C_out) (channels first if asked) of the promoted dtype.
    """
    inputs, kernel = conv_operands(inputs, kernel)
    x, k, channels_first, strides, dilations, pads, outs = conv_setup(
        inputs, kernel, strides, padding, data_format, dilation_rate)
    y, cols = conv_with_patches(x, k, strides, dilations, pads, outs)
    return save_residual(from_nhwc(y, inputs.ndim, channels_first), cols)


# ----------------------------------------------------------------------------------------------
# conv_transpose


def _conv_transpose_setup(inputs, kernel, strides, padding, output_padding, data_format, dilation_rate,
                          op="conv_transpose"):
    """Validate ``conv_transpose``'s arguments and compute the output length (Keras's rule).

    Returns (y_nhwc, kernel_hw, channels_first, out_shape_nhwc, strides, dilations, pads): the
    transposed convolution is the input gradient of a ``conv`` from ``out_shape_nhwc`` to ``y``'s
    shape whose padding before is TensorFlow's rule for that conv
    (``kerafront.spec_rules.transpose_geometry``).
    """
    mode, channels_first, rank, strides, dilations = _checked_arguments(
        inputs, kernel, strides, padding, data_format, dilation_rate, op, "*kernel_size, C_out, C_in")
    y = to_nhwc(inputs, channels_first)
    k = kernel if rank > 1 else kernel[None]
    if k.shape[-1] != y.shape[-1]:
        raise ValueError(f"{op}: the kernel's last dim ({k.shape[-1]}, C_in) must equal the input channels "
                         f"({y.shape[-1]}); got inputs of shape {inputs.shape} and kernel of shape {kernel.shape} "
                         f"(layout (*kernel_size, C_out, C_in)).")
    output_padding = spec_rules.check_output_padding(output_padding, strides, op)
    dims = spec_rules.transpose_geometry(plane_spatial(y, rank), kernel.shape[:rank], strides, dilations, mode,
                                         output_padding, op)
    lengths = on_plane(tuple(length for length, _, _ in dims), 1)
    pads = on_plane(tuple(before for _, before, _ in dims), 0)
    out_shape = (y.shape[0],) + lengths + (k.shape[-2],)
    return y, k, channels_first, out_shape, on_plane(strides, 1), on_plane(dilations, 1), pads


def _conv_transpose_vjp(g, out, inputs, kernel, strides, padding, output_padding, data_format, dilation_rate):
    inputs, kernel = conv_operands(inputs, kernel)
    y, k, channels_first, _, strides, dilations, pads = _conv_transpose_setup(
        inputs, kernel, strides, padding, output_padding, data_format, dilation_rate)
    gx = to_nhwc(g.astype(y.dtype, copy=False), channels_first)
    d_inputs = d_kernel = None
    if needs_gradient(0):
        d_inputs = from_nhwc(_conv_nhwc(gx, k, strides, dilations, pads, y.shape[1:-1]), inputs.ndim, channels_first)
    if needs_gradient(1):
        d_kernel = _conv_kernel_grad_nhwc(gx, y, k.shape, strides, dilations, pads).reshape(kernel.shape)
    return d_inputs, d_kernel


@primitive(_conv_transpose_vjp)
def conv_transpose(inputs, kernel, strides=1, padding="valid", output_padding=None, data_format=None,
                   dilation_rate=1):
    """1-D/2-D/3-D transposed convolution: the gradient of ``conv`` w.r.t. its input (col2im).

    ``inputs``: (N, *spatial, C_in) (channels first if asked); ``kernel``: (*kernel_spatial, C_out, C_in).
    Output length per dim (k' = (k - 1) * dilation + 1): valid ``(in - 1) * stride + k'``, same
    ``in * stride``; with ``output_padding`` ``(in - 1) * stride + k' - 2 * pad + output_padding``
    (pad = k' // 2 for same, 0 for valid). Placement follows TensorFlow: padding before is
    ``max((in - 1) * stride + k' - out, 0) // 2`` for same.
    """
    inputs, kernel = conv_operands(inputs, kernel)
    y, k, channels_first, out_shape, strides, dilations, pads = _conv_transpose_setup(
        inputs, kernel, strides, padding, output_padding, data_format, dilation_rate)
    x = _conv_input_grad_nhwc(y, k, out_shape, strides, dilations, pads)
    return from_nhwc(x, inputs.ndim, channels_first)
