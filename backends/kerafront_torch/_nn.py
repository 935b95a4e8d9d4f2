"""Convolution and pooling (spec section "Neural-network kernels"): ``conv``, ``conv_transpose``, ``max_pool``,
``average_pool`` (1-D, 2-D, 3-D), and ``convolve``, the kernel call ``_fused.conv_bias`` shares with ``conv``.

Layout. kerafront's default is channels_last (N, *spatial, C); torch's kernels take (N, C, *spatial).
A channels_last input is passed to torch as a *permuted view* (no copy): a logical NCHW tensor
with NHWC strides, which torch treats as its ``channels_last`` memory format and convolves/pools
natively (oneDNN on CPU, cuDNN NHWC on GPU); the NCHW-shaped result is permuted back, again a view.
On the W2 CNN (batch 64, 28x28x1, forward + backward, CPU, one thread) this took 46-52 CPU-ms per
step against 77-78 for copying to contiguous NCHW (``.contiguous()``) around each op.

Kernels arrive in Keras's layout (*k, C_in // groups, C_out) and are permuted to torch's
(C_out, C_in // groups, *k) and made contiguous (a copy of a few KiB; torch's fallback kernels,
chosen e.g. for one output channel, refuse a non-contiguous weight in backward). ``convolve``
passes a bias to torch's kernel (one fused op instead of conv + add).

Arguments and padding. Validation and geometry come from ``kerafront.spec_rules`` (cached per
shape, window, strides, dilation and mode): ``"same"`` pads like TensorFlow, the extra one at the
end. When a dim's padding is symmetric it is passed to torch's kernel; otherwise the input is
padded explicitly with ``F.pad`` (torch refuses ``padding="same"`` with strides and pads
symmetrically).
Max pooling pads with -inf (padded positions never win); average pooling divides each window by
its count of real elements (3-D float16/bfloat16 on CPU in float32: torch has no such CPU kernel).
"""

import functools

import numpy as np
import torch
import torch.nn.functional as F

from kerafront.spec_rules import (channels_first, check_output_padding, check_spatial_rank, padding_mode,
                                  spatial_tuple, transpose_geometry, window_geometry)

from kerafront_torch._convert import as_tensor, floatx, promote

_TO_FIRST = {3: (0, 2, 1), 4: (0, 3, 1, 2), 5: (0, 4, 1, 2, 3)}
_TO_LAST = {3: (0, 2, 1), 4: (0, 2, 3, 1), 5: (0, 2, 3, 4, 1)}
_KERNEL_TO_TORCH = {3: (2, 1, 0), 4: (3, 2, 0, 1), 5: (4, 3, 0, 1, 2)}
_CONV = {3: F.conv1d, 4: F.conv2d, 5: F.conv3d}
_CONV_TRANSPOSE = {3: F.conv_transpose1d, 4: F.conv_transpose2d, 5: F.conv_transpose3d}
_MAX_POOL = {3: F.max_pool1d, 4: F.max_pool2d, 5: F.max_pool3d}
_AVG_POOL = {3: F.avg_pool1d, 4: F.avg_pool2d, 5: F.avg_pool3d}
_NO_CPU_AVG_POOL_3D = (torch.float16, torch.bfloat16)   # "avg_pool3d_out_frame" not implemented: pooled in float32


def _explicit_pad(x, dims, value=0.0):
    """Pad ``x`` (N, C, *spatial) with ``(before, after)`` per spatial dim, as ``F.pad`` wants them."""
    flat = []
    for _, before, after in reversed(dims):
        flat += [before, after]
    return F.pad(x, flat, value=value)


def _symmetric(dims, window=None):
    """Torch's symmetric padding for ``dims`` when every dim is symmetric (and <= k // 2 for pools), else None."""
    pads = tuple(before for _, before, after in dims if before == after)
    if len(pads) != len(dims):
        return None
    if window is not None and any(p > k // 2 for p, k in zip(pads, window)):
        return None
    return pads


def _operands(inputs, kernel, bias=None):
    """Inputs, kernel (and bias) as tensors of their promoted dtype, on the inputs' device."""
    x = as_tensor(inputs)
    k = as_tensor(kernel, x.device)
    target = promote(x.dtype, k.dtype)
    if bias is not None:
        bias = as_tensor(bias, x.device)
        target = promote(target, bias.dtype)
        bias = bias if bias.dtype is target else bias.to(target)
    if x.dtype is not target:
        x = x.to(target)
    if k.dtype is not target:
        k = k.to(target)
    return x, k, bias


# ----------------------------------------------------------------------------------------------
# conv


def conv(inputs, kernel, strides=1, padding="valid", data_format=None, dilation_rate=1):
    return convolve(inputs, kernel, None, strides, padding, data_format, dilation_rate, "conv")


def convolve(inputs, kernel, bias, strides, padding, data_format, dilation_rate, op):
    """``conv``, with ``bias`` (shape (C_out,) or None) passed to torch's kernel (``_fused.conv_bias``)."""
    x, k, bias = _operands(inputs, kernel, bias)
    check_spatial_rank(x.shape, op)
    nd = x.ndim
    if k.ndim != nd:
        raise ValueError(f"{op}: kernel must have rank {nd} (*kernel_size, C_in // groups, C_out) for inputs of "
                         f"shape {tuple(x.shape)}, got kernel shape {tuple(k.shape)}.")
    mode = padding_mode(padding, op)
    last = not channels_first(data_format, op)
    strides = spatial_tuple(strides, nd - 2, op, "strides")
    dilations = spatial_tuple(dilation_rate, nd - 2, op, "dilation_rate")
    if max(strides) > 1 and max(dilations) > 1:
        raise ValueError(f"{op}: strides > 1 cannot be combined with dilation_rate > 1, got strides={strides} "
                         f"and dilation_rate={dilations}.")
    given_shape = tuple(x.shape)
    if last:
        x = x.permute(_TO_FIRST[nd])
    c_in, cg, c_out = x.shape[1], k.shape[-2], k.shape[-1]
    if cg == 0 or c_in % cg or c_out % (c_in // cg):
        raise ValueError(f"{op}: the kernel's input channels ({cg}) must divide the input channels ({c_in}) and "
                         f"the number of groups ({c_in // cg if cg else 0}) must divide the output channels "
                         f"({c_out}); got inputs of shape {given_shape} "
                         f"({'channels_last' if last else 'channels_first'}) and kernel of shape {tuple(k.shape)}.")
    if bias is not None and tuple(bias.shape) != (c_out,):
        raise ValueError(f"{op}: bias must have shape ({c_out},) (one value per output channel), got "
                         f"{tuple(bias.shape)}.")
    window = tuple(k.shape[:-2])
    dims = window_geometry(tuple(x.shape[2:]), window, strides, dilations, mode, op)
    torch_padding = 0
    if mode == "same":
        torch_padding = _symmetric(dims)
        if torch_padding is None:
            x, torch_padding = _explicit_pad(x, dims), 0
    weight = k.permute(_KERNEL_TO_TORCH[nd]).contiguous()  # torch's slow_conv2d backward needs it
    y = _CONV[nd](x, weight, bias, strides, torch_padding, dilations, c_in // cg)
    return y.permute(_TO_LAST[nd]) if last else y


# ----------------------------------------------------------------------------------------------
# conv_transpose


def conv_transpose(inputs, kernel, strides=1, padding="valid", output_padding=None, data_format=None,
                   dilation_rate=1):
    x, k, _ = _operands(inputs, kernel)
    check_spatial_rank(x.shape, "conv_transpose")
    nd = x.ndim
    if k.ndim != nd:
        raise ValueError(f"conv_transpose: kernel must have rank {nd} (*kernel_size, C_out, C_in) for inputs of "
                         f"shape {tuple(x.shape)}, got kernel shape {tuple(k.shape)}.")
    mode = padding_mode(padding, "conv_transpose")
    last = not channels_first(data_format, "conv_transpose")
    strides = spatial_tuple(strides, nd - 2, "conv_transpose", "strides")
    dilations = spatial_tuple(dilation_rate, nd - 2, "conv_transpose", "dilation_rate")
    if last:
        x = x.permute(_TO_FIRST[nd])
    if k.shape[-1] != x.shape[1]:
        raise ValueError(f"conv_transpose: the kernel's last dim ({k.shape[-1]}, C_in) must equal the input "
                         f"channels ({x.shape[1]}); got kernel of shape {tuple(k.shape)} (layout "
                         f"(*kernel_size, C_out, C_in)).")
    output_padding = check_output_padding(output_padding, strides, "conv_transpose")
    window = tuple(k.shape[:-2])
    dims = transpose_geometry(tuple(x.shape[2:]), window, strides, dilations, mode, output_padding,
                              "conv_transpose")
    # torch crops p at both ends and adds output_padding at the end: crop min(before, after) there and
    # slice or zero-pad the rest.
    torch_pad = tuple(max(min(before, after), 0) for _, before, after in dims)
    weight = k.permute(_KERNEL_TO_TORCH[nd]).contiguous()  # slow_conv_transpose2d backward needs it
    y = _CONV_TRANSPOSE[nd](x, weight, None, strides, torch_pad, 0, 1, dilations)
    index, extend = [slice(None), slice(None)], []
    for (length, before, _), p in zip(dims, torch_pad):
        start = before - p
        stop = min(start + length, y.shape[len(index)])
        index.append(slice(start, stop))
        extend.append(length - (stop - start))
    y = y[tuple(index)]
    if any(extend):
        flat = []
        for amount in reversed(extend):
            flat += [0, amount]
        y = F.pad(y, flat)
    return y.permute(_TO_LAST[nd]) if last else y


# ----------------------------------------------------------------------------------------------
# Pooling


def _pool_setup(inputs, pool_size, strides, padding, data_format, op):
    x = as_tensor(inputs)
    check_spatial_rank(x.shape, op)
    nd = x.ndim
    mode = padding_mode(padding, op)
    last = not channels_first(data_format, op)
    window = spatial_tuple(pool_size, nd - 2, op, "pool_size")
    strides = window if strides is None else spatial_tuple(strides, nd - 2, op, "strides")
    if last:
        x = x.permute(_TO_FIRST[nd])
    dims = window_geometry(tuple(x.shape[2:]), window, strides, (1,) * (nd - 2), mode, op)
    return x, nd, last, window, strides, dims


def _lowest(dtype):
    if dtype.is_floating_point:
        return float("-inf")
    if dtype is torch.bool:
        return False
    return torch.iinfo(dtype).min


def max_pool(inputs, pool_size, strides=None, padding="valid", data_format=None):
    x, nd, last, window, strides, dims = _pool_setup(inputs, pool_size, strides, padding, data_format, "max_pool")
    pads = _symmetric(dims, window)
    if pads is None:
        x, pads = _explicit_pad(x, dims, _lowest(x.dtype)), 0
    y = _MAX_POOL[nd](x, window, strides, pads)
    return y.permute(_TO_LAST[nd]) if last else y


@functools.lru_cache(maxsize=256)
def _window_counts(dims, window, strides, sizes):
    """(*outs) NumPy array: the number of real input elements in each pooling window."""
    grid = np.ones((), dtype=np.float64)
    for (out, before, _), k, stride, size in zip(dims, window, strides, sizes):
        start = np.arange(out) * stride - before
        grid = np.multiply.outer(grid, np.minimum(start + k, size) - np.maximum(start, 0))
    return grid


def average_pool(inputs, pool_size, strides=None, padding="valid", data_format=None):
    x, nd, last, window, strides, dims = _pool_setup(inputs, pool_size, strides, padding, data_format,
                                                     "average_pool")
    if not x.is_floating_point():
        x = x.to(floatx())
    given = x.dtype
    if nd == 5 and given in _NO_CPU_AVG_POOL_3D and x.device.type == "cpu":
        x = x.to(torch.float32)
    pads = _symmetric(dims, window)
    if pads is not None:
        y = _AVG_POOL[nd](x, window, strides, pads, False, False)
    else:
        size = tuple(x.shape[2:])
        y = _AVG_POOL[nd](_explicit_pad(x, dims), window, strides, 0, False, True)
        scale = float(np.prod(window)) / _window_counts(dims, window, strides, size)
        y = y * torch.from_numpy(scale).to(device=y.device, dtype=y.dtype)
    y = y if y.dtype is given else y.to(given)
    return y.permute(_TO_LAST[nd]) if last else y
