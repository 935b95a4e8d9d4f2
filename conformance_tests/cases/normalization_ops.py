"""Cases for ``kerafront.ops.normalization_ops``: RMS and batch normalization, adaptive pooling, pixel
shuffles and psnr, against NumPy references written from the definitions (loops over windows and
pixels, not the composites' matrix and gather forms)."""

import math

import numpy as np

from kerafront.spec import KINK_RULES

from conformance_tests.cases import NON_DIFFERENTIABLE_COMPOSITES, Gen, T, add
from conformance_tests.cases.kinks import NO_KINK_ROWS

g = Gen("normalization_ops")
x234 = g.normal((2, 3, 4))


def _rms(x, scale=None, axis=-1, epsilon=None):
    x = x.astype(np.float64)
    axes = (axis,) if isinstance(axis, int) else tuple(axis)
    out = x / np.sqrt(np.mean(x * x, axis=axes, keepdims=True) + (1e-7 if epsilon is None else epsilon))
    if scale is not None:
        out = out * scale.reshape([x.shape[a] if a in [b % x.ndim for b in axes] else 1 for a in range(x.ndim)])
    return out


def _batch_norm(x, mean, variance, axis, offset=None, scale=None, epsilon=1e-3):
    shape = [-1 if a == axis % x.ndim else 1 for a in range(x.ndim)]
    out = (x - mean.reshape(shape)) / np.sqrt(variance.reshape(shape) + epsilon)
    out = out if scale is None else out * scale.reshape(shape)
    return out if offset is None else out + offset.reshape(shape)


def _adaptive(reduce):
    def pool(x, output_size, data_format="channels_last"):
        x = np.asarray(x, np.float64)
        if data_format == "channels_first":
            x = np.moveaxis(x, 1, -1)
        spatial = x.shape[1:-1]
        sizes = (output_size,) * len(spatial) if isinstance(output_size, int) else tuple(output_size)
        out = np.zeros((x.shape[0],) + sizes + (x.shape[-1],))
        for index in np.ndindex(*sizes):
            window = tuple(slice(math.floor(i * n / o), math.ceil((i + 1) * n / o))
                           for i, n, o in zip(index, spatial, sizes))
            out[(slice(None),) + index] = reduce(x[(slice(None),) + window], axis=tuple(range(1, len(spatial) + 1)))
        return np.moveaxis(out, -1, 1) if data_format == "channels_first" else out
    return pool


def _channel(i, j, c, b, channels, data_format):
    """Input channel of block offset ``(i, j)``, channel ``c``: channels_last interleaves ``(i * b + j) * C' + c``
    (TensorFlow's), channels_first ``c * b**2 + i * b + j`` (torch's ``pixel_shuffle``), as Keras does."""
    return (i * b + j) * channels + c if data_format == "channels_last" else c * b * b + i * b + j


def _depth_to_space(x, block_size, data_format="channels_last"):
    cf = data_format == "channels_first"
    x = np.moveaxis(x, 1, -1) if cf else x
    n, h, w, c = x.shape
    b, new_c = block_size, c // block_size ** 2
    out = np.zeros((n, h * b, w * b, new_c), x.dtype)
    for i, j, k in np.ndindex(h * b, w * b, new_c):
        out[:, i, j, k] = x[:, i // b, j // b, _channel(i % b, j % b, k, b, new_c, data_format)]
    return np.moveaxis(out, -1, 1) if cf else out


def _space_to_depth(x, block_size, data_format="channels_last"):
    cf = data_format == "channels_first"
    x = np.moveaxis(x, 1, -1) if cf else x
    n, h, w, c = x.shape
    b = block_size
    out = np.zeros((n, h // b, w // b, c * b * b), x.dtype)
    for i, j, k in np.ndindex(h, w, c):
        out[:, i // b, j // b, _channel(i % b, j % b, k, b, c, data_format)] = x[:, i, j, k]
    return np.moveaxis(out, -1, 1) if cf else out


def _psnr(x1, x2, max_val):
    mse = np.mean((x1.astype(np.float64) - x2) ** 2)
    return 20 * np.log10(max_val) - 10 * np.log10(mse)


add("rms_normalization", "last_axis_scale", T(x234), T(g.normal((4,))), expect=_rms, dtype="float32")
add("rms_normalization", "two_axes_no_scale", T(x234), kwargs={"axis": (1, 2), "epsilon": 1e-3}, expect=_rms,
    dtype="float32")
add("rms_normalization", "inner_axis_scale", T(x234), T(g.normal((3,))), kwargs={"axis": 1}, expect=_rms,
    dtype="float32")
add("rms_normalization", "float64", T(x234.astype("float64")), expect=_rms, dtype="float64")

add("batch_normalization", "last_axis", T(x234), T(g.normal((4,))), T(g.positive((4,))), -1,
    kwargs={"offset": T(g.normal((4,))), "scale": T(g.normal((4,)))}, expect=_batch_norm, dtype="float32")
add("batch_normalization", "axis1_plain", T(x234), T(g.normal((3,))), T(g.positive((3,))), 1,
    kwargs={"epsilon": 0.1}, expect=_batch_norm, dtype="float32")

pool_1d = g.distinct((2, 7, 3), spacing=0.1)
pool_2d = g.distinct((1, 5, 7, 2), spacing=0.05)
pool_3d = g.distinct((1, 4, 3, 5, 2), spacing=0.05)
for name, reduce in (("adaptive_average_pool", np.mean), ("adaptive_max_pool", np.max)):
    expect = _adaptive(reduce)
    add(name, "1d_uneven", T(pool_1d), 3, expect=expect, dtype="float32")
    add(name, "2d_tuple", T(pool_2d), (3, 4), expect=expect, dtype="float32")
    add(name, "2d_channels_first_upsample", T(np.moveaxis(pool_2d, -1, 1).copy()), 6,
        kwargs={"data_format": "channels_first"}, expect=expect, dtype="float32")
    add(name, "3d", T(pool_3d), (2, 2, 3), expect=expect, dtype="float32")


def _tied_max_grad(g_out, x, output_size):
    """The first maximal element of each window takes the window's cotangent (windows overlap: sums)."""
    grad = np.zeros_like(x)
    for i in range(output_size):
        start, end = math.floor(i * x.shape[1] / output_size), math.ceil((i + 1) * x.shape[1] / output_size)
        for c in range(x.shape[2]):
            window = x[0, start:end, c]
            grad[0, start + int(np.argmax(window)), c] += g_out[0, i, c]
    return [grad]


tied = np.array([[[1.0], [1.0], [0.0], [2.0], [2.0]]], "float32")
add("adaptive_max_pool", "kink_ties_1d", T(tied), 3, expect=_adaptive(np.max), dtype="float32", fd=False,
    kink=KINK_RULES["max"], expect_grad=_tied_max_grad)

shuffle = g.normal((2, 2, 3, 8))
add("depth_to_space", "channels_last", T(shuffle), 2, expect=_depth_to_space, dtype="float32")
add("depth_to_space", "channels_first", T(np.moveaxis(shuffle, -1, 1).copy()), 2,
    kwargs={"data_format": "channels_first"}, expect=_depth_to_space, dtype="float32")
unshuffle = g.normal((2, 4, 6, 3))
add("space_to_depth", "channels_last", T(unshuffle), 2, expect=_space_to_depth, dtype="float32")
add("space_to_depth", "channels_first_block3", T(np.moveaxis(g.normal((1, 6, 3, 2)), -1, 1).copy()), 3,
    kwargs={"data_format": "channels_first"}, expect=_space_to_depth, dtype="float32")

add("psnr", "max_val_1", T(g.normal((2, 4, 3))), T(g.normal((2, 4, 3))), 1.0, expect=_psnr, dtype="float32")
add("psnr", "max_val_255", T(g.uniform((3, 5), 0, 255)), T(g.uniform((3, 5), 0, 255)), 255.0, expect=_psnr,
    dtype="float32")


def _multi_hot(x, num_classes, axis=-1, dtype=None):
    out = np.zeros(x.shape[:1] + (num_classes,) if x.ndim > 1 else (num_classes,), "float32")
    for index in np.ndindex(*x.shape):
        if 0 <= x[index] < num_classes:
            out[(index[0], x[index]) if x.ndim > 1 else x[index]] = 1.0
    return out


def _pairs(*values):
    return [(v, v) if isinstance(v, int) else tuple(v) for v in values]


def _unfold(x, kernel_size, dilation=1, padding=0, stride=1):
    (kh, kw), (dh, dw), (ph, pw), (sh, sw) = _pairs(kernel_size, dilation, padding, stride)
    x = np.pad(x, ((0, 0), (0, 0), (ph, ph), (pw, pw)))
    bh, bw = (x.shape[2] - dh * (kh - 1) - 1) // sh + 1, (x.shape[3] - dw * (kw - 1) - 1) // sw + 1
    out = np.zeros((x.shape[0], x.shape[1] * kh * kw, bh * bw), x.dtype)
    for c, i, j, a, b in np.ndindex(x.shape[1], kh, kw, bh, bw):
        out[:, (c * kh + i) * kw + j, a * bw + b] = x[:, c, a * sh + i * dh, b * sw + j * dw]
    return out


def _fold(x, output_size, kernel_size, dilation=1, padding=0, stride=1):
    (oh, ow), (kh, kw), (dh, dw), (ph, pw), (sh, sw) = _pairs(output_size, kernel_size, dilation, padding, stride)
    bh, bw = (oh + 2 * ph - dh * (kh - 1) - 1) // sh + 1, (ow + 2 * pw - dw * (kw - 1) - 1) // sw + 1
    channels = x.shape[1] // (kh * kw)
    out = np.zeros((x.shape[0], channels, oh + 2 * ph, ow + 2 * pw), np.float64)
    for c, i, j, a, b in np.ndindex(channels, kh, kw, bh, bw):
        out[:, c, a * sh + i * dh, b * sw + j * dw] += x[:, (c * kh + i) * kw + j, a * bw + b]
    return out[:, :, ph:ph + oh, pw:pw + ow]


NON_DIFFERENTIABLE_COMPOSITES["multi_hot"] = "integer input, constant output"
NO_KINK_ROWS["multi_hot"] = "max reduces 0/1 one-hot values of an integer input: no gradient to route"
add("multi_hot", "batch", T(np.array([[0, 2, 2], [3, 1, 5]], "int32")), 4, expect=_multi_hot, dtype="float32")
add("multi_hot", "rank1", T(np.array([1, 3, 1], "int32")), 5, expect=_multi_hot, dtype="float32")

image = g.normal((2, 3, 5, 6))
add("unfold", "kernel2", T(image), 2, expect=_unfold, dtype="float32")
add("unfold", "strided_padded_dilated", T(image), (2, 3), kwargs={"dilation": (1, 2), "padding": 1, "stride": 2},
    expect=_unfold, dtype="float32")
add("fold", "kernel2_overlapping", T(g.normal((2, 12, 20))), (5, 6), 2, expect=_fold, dtype="float32")
add("fold", "strided_padded_dilated", T(g.normal((2, 18, 6))), (5, 6), (2, 3),
    kwargs={"dilation": (1, 2), "padding": 1, "stride": 2}, expect=_fold, dtype="float32")
