"""Image filters of ``keras.ops.image``: ``gaussian_blur``, ``sobel_edges``, ``ssim`` (composites).

Each is a convolution with a small kernel built from the arguments (``depthwise_conv`` for the blur
and SSIM's Gaussian window, shifted slices for Sobel), so it runs and differentiates on every backend.
Shapes: 3-D ``(height, width, channels)`` or 4-D ``(batch, height, width, channels)`` images
(channels first with ``data_format="channels_first"``).
"""

import numbers

from kerafront import config
from kerafront.dtypes import is_float, standardize_dtype
from kerafront.ops._dispatch import composite
from kerafront.ops.nn import depthwise_conv
from kerafront.ops._primitives import (add, arange, cast, convert_to_tensor, divide, dtype as dtype_of,
                                       exp, expand_dims, mean, multiply, pad, reshape, shape as shape_of, slice,
                                       squeeze, stack, subtract, sum as reduce_sum, take, tile, transpose)

__all__ = ["gaussian_blur", "sobel_edges", "ssim"]


def _layout(op, images, data_format):
    """``(data_format, unbatched)``; ValueError for a rank other than 3 or 4."""
    data_format = config.standardize_data_format(data_format, op)
    rank = len(shape_of(images))
    if rank not in (3, 4):
        raise ValueError(f"{op}: images must be 3-D (height, width, channels) or 4-D (batch, height, width, "
                         f"channels), got shape {tuple(shape_of(images))}.")
    return data_format, rank == 3


def _float(images):
    dtype = standardize_dtype(dtype_of(images))
    return (images, dtype) if is_float(dtype) else (cast(images, "float32"), dtype)


def _gaussian_1d(size, sigma, dtype):
    """``exp(-x^2 / (2 sigma^2))`` at ``x = -(size - 1)/2 .. (size - 1)/2``, normalised to sum 1."""
    x = subtract(arange(size, dtype=dtype), (size - 1) / 2.0)
    weights = exp(multiply(-0.5, multiply(divide(x, sigma), divide(x, sigma))))
    return divide(weights, reduce_sum(weights))


def _check_pair(op, name, value, kind):
    if isinstance(value, numbers.Real) and not isinstance(value, bool):
        value = (value, value)
    if isinstance(value, (tuple, list)) and len(value) == 2 and all(isinstance(v, kind) and not isinstance(v, bool)
                                                                    for v in value):
        return tuple(value)
    kind_name = "integers" if kind is int else "numbers"
    raise ValueError(f"{op}: {name} must be a pair of {kind_name}, got {name}={value!r}.")


@composite
def gaussian_blur(images, kernel_size=(3, 3), sigma=(1.0, 1.0), data_format=None):
    """Blur each channel with a Gaussian kernel, zero padding ("same" size); the output keeps the input's dtype.

    As in Keras, the kernel is ``outer(g(kernel_size[1], sigma[1]), g(kernel_size[0], sigma[0]))``: its rows
    (the height axis) use the second entries. ``sigma`` may be a tensor of shape ``(2,)`` (a random draw).
    """
    data_format, unbatched = _layout("gaussian_blur", images, data_format)
    kernel_size = _check_pair("gaussian_blur", "kernel_size", kernel_size, int)
    x, dtype = _float(images)
    compute = dtype_of(x)
    if not hasattr(sigma, "shape"):
        sigma_x, sigma_y = _check_pair("gaussian_blur", "sigma", sigma, numbers.Real)
    else:
        sigma = cast(convert_to_tensor(sigma), compute)
        sigma_x, sigma_y = take(sigma, 0), take(sigma, 1)
    rows = _gaussian_1d(kernel_size[1], sigma_y, compute)
    cols = _gaussian_1d(kernel_size[0], sigma_x, compute)
    kernel = multiply(reshape(rows, (-1, 1)), reshape(cols, (1, -1)))
    x = expand_dims(x, 0) if unbatched else x
    channels = shape_of(x)[-1 if data_format == "channels_last" else 1]
    kernel = tile(reshape(kernel, (kernel_size[1], kernel_size[0], 1, 1)), (1, 1, channels, 1))
    out = depthwise_conv(x, kernel, strides=1, padding="same", data_format=data_format)
    out = squeeze(out, 0) if unbatched else out
    return out if is_float(dtype) else cast(out, dtype)


@composite
def sobel_edges(images, data_format=None):
    """Sobel gradients ``[dy, dx]`` of each channel, stacked on a new last axis: ``(..., height, width,
    channels, 2)`` (``(..., channels, height, width, 2)`` channels first). ``dy`` is ``x[i + 1] - x[i - 1]``
    smoothed by ``[1, 2, 1]`` along the width, ``dx`` the same with the axes swapped; outside the image is
    zero, as on Keras's JAX and torch backends (its NumPy backend repeats the edge pixel, its TensorFlow
    backend mirrors: Keras's backends disagree at the border)."""
    data_format, _ = _layout("sobel_edges", images, data_format)
    rank = len(shape_of(images))
    row, col = (rank - 3, rank - 2) if data_format == "channels_last" else (rank - 2, rank - 1)
    x, _ = _float(images)
    return stack([_sobel(x, row, col), _sobel(x, col, row)], axis=-1)


def _sobel(x, diff_axis, smooth_axis):
    widths = [(0, 0)] * len(shape_of(x))
    widths[diff_axis] = widths[smooth_axis] = (1, 1)
    x = pad(x, widths)
    return subtract(_window(x, diff_axis, 2, smooth_axis), _window(x, diff_axis, 0, smooth_axis))


def _window(x, axis, start, other_axis):
    """``[1, 2, 1]``-smoothed ``x`` along ``other_axis`` (both axes padded by one), read from ``start`` on ``axis``."""
    shape = list(shape_of(x))
    size = shape[axis] - 2
    out_shape = list(shape)
    out_shape[axis] = size
    out_shape[other_axis] = shape[other_axis] - 2
    taps = []
    for k in range(3):
        begin = [0] * len(shape)
        begin[axis] = start
        begin[other_axis] = k
        taps.append(slice(x, begin, out_shape))
    return add(add(taps[0], multiply(taps[1], 2.0)), taps[2])


@composite
def ssim(image1, image2, max_val=1.0, filter_size=11, filter_sigma=1.5, k1=0.01, k2=0.03, data_format=None):
    """Structural similarity of two image batches: one number per image (a scalar for 3-D inputs), the
    mean over channels and "valid" window positions of Keras's SSIM map (a ``filter_size`` Gaussian
    window with standard deviation ``filter_sigma``; ``c1 = (k1 max_val)^2``, ``c2 = (k2 max_val)^2``)."""
    data_format, unbatched = _layout("ssim", image1, data_format)
    _layout("ssim", image2, data_format)
    if tuple(shape_of(image1)) != tuple(shape_of(image2)):
        raise ValueError(f"ssim: image1 and image2 must have the same shape, got {tuple(shape_of(image1))} and "
                         f"{tuple(shape_of(image2))}.")
    x, dtype = _float(image1)
    y = cast(image2, dtype_of(x))
    if unbatched:
        x, y = expand_dims(x, 0), expand_dims(y, 0)
    if data_format == "channels_first":
        x, y = transpose(x, (0, 2, 3, 1)), transpose(y, (0, 2, 3, 1))
    gauss = _gaussian_1d(filter_size, float(filter_sigma), dtype_of(x))
    channels = shape_of(x)[-1]
    window = tile(reshape(multiply(reshape(gauss, (-1, 1)), reshape(gauss, (1, -1))), (filter_size, filter_size, 1, 1)),
                  (1, 1, channels, 1))

    def local_mean(z):
        return depthwise_conv(z, window, strides=1, padding="valid", data_format="channels_last")

    c1, c2 = (k1 * max_val) ** 2, (k2 * max_val) ** 2
    mu_x, mu_y = local_mean(x), local_mean(y)
    var_x = subtract(local_mean(multiply(x, x)), multiply(mu_x, mu_x))
    var_y = subtract(local_mean(multiply(y, y)), multiply(mu_y, mu_y))
    cov = subtract(local_mean(multiply(x, y)), multiply(mu_x, mu_y))
    numerator = multiply(add(multiply(2.0, multiply(mu_x, mu_y)), c1), add(multiply(2.0, cov), c2))
    denominator = multiply(add(add(multiply(mu_x, mu_x), multiply(mu_y, mu_y)), c1), add(add(var_x, var_y), c2))
    result = mean(divide(numerator, denominator), axis=(1, 2, 3))
    result = squeeze(result, 0) if unbatched else result
    return cast(result, dtype)
