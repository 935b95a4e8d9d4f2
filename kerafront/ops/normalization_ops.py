"""Composite ops of ``keras.ops.nn`` that kerafront adds in this module: RMS and batch normalization,
adaptive pooling, pixel shuffles (``depth_to_space``/``space_to_depth``), ``psnr``, ``multi_hot`` and
``unfold``/``fold`` (torch's im2col and col2im).

Written from primitives only (the rules composites follow: ``kerafront.ops``), so the gradients come from
the primitives' rules and every backend gives the same numbers.
"""

import builtins
import math

from kerafront import config
from kerafront.dtypes import result_type
from kerafront.ops._dispatch import composite
from kerafront.ops._primitives import (add, cast, convert_to_tensor, divide, dtype as dtype_of, log, matmul, max, mean,
                                       multiply, pad, reshape, rsqrt, scatter, shape as shape_of, slice, square,
                                       subtract, take, transpose)
from kerafront.ops.math import moveaxis, one_hot

__all__ = ["rms_normalization", "batch_normalization", "adaptive_average_pool", "adaptive_max_pool",
           "depth_to_space", "space_to_depth", "psnr", "multi_hot", "unfold", "fold"]


def _axes(axis, rank, op):
    axes = (axis,) if isinstance(axis, int) else tuple(axis)
    if any(not -rank <= a < rank for a in axes):
        raise ValueError(f"{op}: axis {axis!r} is out of range for an input of rank {rank}.")
    return tuple(sorted(a % rank for a in axes))


@composite
def rms_normalization(x, scale=None, axis=-1, epsilon=None):
    """Keras's ``ops.rms_normalization``: ``x * rsqrt(mean(square(x), axis) + epsilon) * scale``.

    ``axis``: an int or a tuple; ``scale`` (optional) has the sizes of the normalized axes, in order;
    ``epsilon`` defaults to 1e-7 (``backend.epsilon()``). Half-precision inputs are computed in
    float32 and cast back, as Keras does.
    """
    original = dtype_of(x)
    compute = result_type(original, "float32")
    x = cast(x, compute)
    rank = len(shape_of(x))
    if rank == 0:
        x = reshape(x, (1,))
    axes = _axes(axis, builtins.max(rank, 1), "rms_normalization")
    rrms = rsqrt(add(mean(square(x), axis=axes, keepdims=True), 1e-7 if epsilon is None else epsilon))
    outputs = multiply(x, rrms)
    if scale is not None:
        shape = tuple(shape_of(x)[a] if a in axes else 1 for a in range(len(shape_of(x))))
        outputs = multiply(outputs, reshape(cast(scale, compute), shape))
    return cast(outputs, original)


@composite
def batch_normalization(x, mean, variance, axis, offset=None, scale=None, epsilon=1e-3):
    """Keras's ``ops.batch_normalization``: ``(x - mean) / sqrt(variance + epsilon) * scale + offset``;
    ``mean``, ``variance``, ``offset`` and ``scale`` are vectors along ``axis``."""
    rank = len(shape_of(x))
    axis = _axes(axis, rank, "batch_normalization")[0]
    shape = tuple(-1 if a == axis else 1 for a in range(rank))
    inv = rsqrt(add(reshape(variance, shape), epsilon))
    if scale is not None:
        inv = multiply(inv, reshape(scale, shape))
    outputs = multiply(subtract(x, reshape(mean, shape)), inv)
    return outputs if offset is None else add(outputs, reshape(offset, shape))


def _adaptive_windows(length, size):
    """PyTorch's and Keras's windows: output ``i`` covers ``[floor(i * L / n), ceil((i + 1) * L / n))``."""
    return [(i * length // size, -(-(i + 1) * length // size)) for i in range(size)]


def _adaptive_setup(inputs, output_size, data_format, op):
    rank = len(shape_of(inputs)) - 2
    if rank not in (1, 2, 3):
        raise ValueError(f"{op}: expected a 3-D, 4-D or 5-D input (batch, spatial..., channels), "
                         f"got shape {tuple(shape_of(inputs))}.")
    sizes = (output_size,) * rank if isinstance(output_size, int) else tuple(output_size)
    if len(sizes) != rank or any(not isinstance(n, int) or n <= 0 for n in sizes):
        raise ValueError(f"{op}: output_size must be a positive integer or {rank} positive integers for a "
                         f"{rank}-D pooling, got {output_size!r}.")
    data_format = data_format or config.image_data_format()
    first = 2 if data_format == "channels_first" else 1
    axes = tuple(range(first, first + rank))
    for a in axes:
        if shape_of(inputs)[a] is None:
            raise ValueError(f"{op}: the spatial axes must be known, got shape {tuple(shape_of(inputs))}.")
    return zip(axes, sizes)


@composite
def adaptive_average_pool(inputs, output_size, data_format=None):
    """Keras's ``ops.adaptive_average_pool`` (1-D, 2-D or 3-D): each spatial axis of length ``L`` becomes
    ``n`` means over the windows ``[floor(i * L / n), ceil((i + 1) * L / n))`` (PyTorch's windows).

    Computed axis by axis as a product with a ``(L, n)`` averaging matrix (a box mean is separable).
    """
    outputs = inputs
    for axis, size in _adaptive_setup(inputs, output_size, data_format, "adaptive_average_pool"):
        length = shape_of(outputs)[axis]
        weights = [[0.0] * size for _ in range(length)]
        for i, (start, end) in enumerate(_adaptive_windows(length, size)):
            for j in range(start, end):
                weights[j][i] = 1.0 / (end - start)
        moved = moveaxis(outputs, axis, -1)
        outputs = moveaxis(matmul(moved, convert_to_tensor(weights, dtype_of(moved))), -1, axis)
    return outputs


@composite
def adaptive_max_pool(inputs, output_size, data_format=None):
    """Keras's ``ops.adaptive_max_pool`` (1-D, 2-D or 3-D): each spatial axis of length ``L`` becomes ``n``
    maxima over the windows ``[floor(i * L / n), ceil((i + 1) * L / n))`` (PyTorch's windows).

    Computed axis by axis (a box max is separable): windows are gathered as ``(n, widest)`` indices,
    a short window repeating its last index, then reduced.
    """
    outputs = inputs
    for axis, size in _adaptive_setup(inputs, output_size, data_format, "adaptive_max_pool"):
        windows = _adaptive_windows(shape_of(outputs)[axis], size)
        widest = builtins.max(end - start for start, end in windows)
        indices = [[builtins.min(start + k, end - 1) for k in range(widest)] for start, end in windows]
        moved = moveaxis(outputs, axis, -1)
        outputs = moveaxis(max(take(moved, convert_to_tensor(indices, "int32"), axis=-1), axis=-1), -1, axis)
    return outputs


def _pixel_shuffle_dims(x, block_size, data_format, op):
    if len(shape_of(x)) != 4:
        raise ValueError(f"{op}: expected a 4-D input, got shape {tuple(shape_of(x))}.")
    if not isinstance(block_size, int) or block_size < 2:
        raise ValueError(f"{op}: block_size must be an integer >= 2, got {block_size!r}.")
    if data_format not in ("channels_last", "channels_first"):
        raise ValueError(f'{op}: data_format must be "channels_last" or "channels_first", got {data_format!r}.')
    n, a, b, c = shape_of(x)
    return (-1 if n is None else n), ((a, b, c) if data_format == "channels_last" else (b, c, a))


@composite
def depth_to_space(x, block_size, data_format="channels_last"):
    """Keras's ``ops.depth_to_space`` (pixel shuffle): ``(N, H, W, C)`` -> ``(N, H * b, W * b, C / b**2)``;
    channel ``(i * b + j) * C' + c`` of pixel ``(h, w)`` goes to pixel ``(h * b + i, w * b + j)``.
    ``channels_first`` reads channel ``c * b**2 + i * b + j`` instead (torch's ``pixel_shuffle``), as Keras does."""
    n, (h, w, c) = _pixel_shuffle_dims(x, block_size, data_format, "depth_to_space")
    b = block_size
    if c % (b * b):
        raise ValueError(f"depth_to_space: the channels ({c}) must be divisible by block_size**2 ({b * b}).")
    if data_format == "channels_last":
        x = transpose(reshape(x, (n, h, w, b, b, c // (b * b))), (0, 1, 3, 2, 4, 5))
        return reshape(x, (n, h * b, w * b, c // (b * b)))
    x = transpose(reshape(x, (n, c // (b * b), b, b, h, w)), (0, 1, 4, 2, 5, 3))
    return reshape(x, (n, c // (b * b), h * b, w * b))


@composite
def space_to_depth(x, block_size, data_format="channels_last"):
    """Keras's ``ops.space_to_depth``, the inverse of ``depth_to_space``: ``(N, H, W, C)`` ->
    ``(N, H / b, W / b, C * b**2)``."""
    n, (h, w, c) = _pixel_shuffle_dims(x, block_size, data_format, "space_to_depth")
    b = block_size
    if h % b or w % b:
        raise ValueError(f"space_to_depth: the spatial sizes ({h}, {w}) must be divisible by block_size ({b}).")
    if data_format == "channels_last":
        x = transpose(reshape(x, (n, h // b, b, w // b, b, c)), (0, 1, 3, 2, 4, 5))
        return reshape(x, (n, h // b, w // b, c * b * b))
    x = transpose(reshape(x, (n, c, h // b, b, w // b, b)), (0, 1, 3, 5, 2, 4))
    return reshape(x, (n, c * b * b, h // b, w // b))


@composite
def psnr(x1, x2, max_val):
    """Keras's ``ops.psnr``: ``20 * log10(max_val) - 10 * log10(mean((x1 - x2) ** 2))`` over all elements."""
    if tuple(shape_of(x1)) != tuple(shape_of(x2)):
        raise ValueError(f"psnr: x1 and x2 must have the same shape, got {tuple(shape_of(x1))} and "
                         f"{tuple(shape_of(x2))}.")
    mse = mean(square(subtract(x1, x2)))
    return subtract(20.0 * math.log10(max_val), divide(multiply(log(mse), 10.0), math.log(10.0)))



@composite
def multi_hot(inputs, num_classes=None, axis=-1, dtype=None, sparse=False):
    """Keras's ``ops.multi_hot``: ``(batch, k)`` integer labels -> ``(batch, num_classes)`` with 1 at every label
    present (a rank-1 input gives ``(num_classes,)``); the max over axis 1 (0) of ``one_hot(inputs, axis=axis)``."""
    if sparse:
        raise ValueError("multi_hot: sparse=True is not supported; kerafront returns dense tensors.")
    if not isinstance(num_classes, int) or num_classes <= 0:
        raise ValueError(f"multi_hot: num_classes must be a positive integer, got {num_classes!r}.")
    reduction_axis = 1 if len(shape_of(inputs)) > 1 else 0
    return max(one_hot(inputs, num_classes, axis=axis, dtype=dtype), axis=reduction_axis)


def _pair(value, name, op):
    pair = (value, value) if isinstance(value, int) else tuple(value)
    if len(pair) != 2 or any(not isinstance(v, int) or v < 0 for v in pair):
        raise ValueError(f"{op}: {name} must be a non-negative integer or a pair of them, got {value!r}.")
    return pair


def _im2col_geometry(size, kernel_size, dilation, padding, stride, op):
    """Per spatial axis: ``(padded size, blocks, row indices (blocks, kernel))`` of torch's ``unfold``."""
    kernel, dilation = _pair(kernel_size, "kernel_size", op), _pair(dilation, "dilation", op)
    padding, stride = _pair(padding, "padding", op), _pair(stride, "stride", op)
    out = []
    for n, k, d, p, s in zip(size, kernel, dilation, padding, stride):
        padded = n + 2 * p
        blocks = (padded - d * (k - 1) - 1) // s + 1 if s else 0
        if blocks <= 0 or k <= 0 or d <= 0:
            raise ValueError(f"{op}: a spatial size {n} with padding {p} is too small for kernel {k}, dilation {d}, "
                             f"stride {s} (or one of them is 0).")
        out.append((padded, blocks, [[b * s + i * d for i in range(k)] for b in range(blocks)]))
    return kernel, padding, out


@composite
def unfold(x, kernel_size, dilation=1, padding=0, stride=1):
    """Keras's ``ops.unfold`` (torch's im2col): ``(N, C, H, W)`` -> ``(N, C * kH * kW, L)``, sliding blocks in
    row-major order (``L = blocks_H * blocks_W``), channel ``c * kH * kW + i * kW + j``; zero ``padding``."""
    if len(shape_of(x)) != 4:
        raise ValueError(f"unfold: expected a 4-D (N, C, H, W) input, got shape {tuple(shape_of(x))}.")
    n, c, h, w = shape_of(x)
    (kh, kw), (ph, pw), ((_, bh, rows), (_, bw, cols)) = _im2col_geometry((h, w), kernel_size, dilation, padding,
                                                                          stride, "unfold")
    x = pad(x, ((0, 0), (0, 0), (ph, ph), (pw, pw)))
    x = take(x, convert_to_tensor(rows, "int32"), axis=2)                    # (N, C, bH, kH, W + 2pw)
    x = take(x, convert_to_tensor(cols, "int32"), axis=4)                    # (N, C, bH, kH, bW, kW)
    x = transpose(x, (0, 1, 3, 5, 2, 4))                                     # (N, C, kH, kW, bH, bW)
    return reshape(x, (-1 if n is None else n, c * kh * kw, bh * bw))


@composite
def fold(x, output_size, kernel_size, dilation=1, padding=0, stride=1):
    """Keras's ``ops.fold`` (torch's col2im), the adjoint of ``unfold``: ``(N, C * kH * kW, L)`` ->
    ``(N, C, H, W)``, each block's values added at its positions (overlaps sum), padding cropped."""
    if len(shape_of(x)) != 3:
        raise ValueError(f"fold: expected a 3-D (N, C * kH * kW, L) input, got shape {tuple(shape_of(x))}.")
    n, ckk, blocks = shape_of(x)
    oh, ow = _pair(output_size, "output_size", "fold")
    (kh, kw), (ph, pw), ((hp, bh, rows), (wp, bw, cols)) = _im2col_geometry((oh, ow), kernel_size, dilation,
                                                                            padding, stride, "fold")
    if ckk % (kh * kw) or blocks != bh * bw:
        raise ValueError(f"fold: input shape {tuple(shape_of(x))} does not match kernel {(kh, kw)} and "
                         f"{bh} x {bw} = {bh * bw} blocks of output_size {(oh, ow)}.")
    channels = ckk // (kh * kw)
    x = transpose(reshape(x, (-1 if n is None else n, channels, kh, kw, bh, bw)), (2, 3, 4, 5, 0, 1))
    positions = [[rows[b][i], cols[e][j]] for i in range(kh) for j in range(kw) for b in range(bh) for e in range(bw)]
    values = reshape(x, (kh * kw * bh * bw,) + tuple(shape_of(x))[4:])
    out = scatter(convert_to_tensor(positions, "int32"), values, (hp, wp) + tuple(shape_of(x))[4:])
    out = transpose(out, (2, 3, 0, 1))                                        # (N, C, H + 2ph, W + 2pw)
    return slice(out, (0, 0, ph, pw), tuple(shape_of(out))[:2] + (oh, ow))
