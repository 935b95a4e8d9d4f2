"""``kerafront.ops.image``: Keras's image ops (``keras.ops.image``), composites over ``kerafront.ops``.

Images are 3-D ``(height, width, channels)`` or 4-D ``(batch, height, width, channels)``
(``channels_last``), or ``(..., channels, height, width)`` with ``data_format="channels_first"``;
``data_format=None`` reads ``kerafront.config.image_data_format()``.

``resize`` follows Keras 3 on its JAX and NumPy backends (``jax.image.scale_and_translate``):
half-pixel centres; an output pixel at ``(j + 0.5) / scale - 0.5`` in input coordinates takes the
kernel's weights over the input pixels, normalised to sum to 1; with ``antialias=True`` and a
downscale the kernel is stretched by ``1 / scale``, so every input pixel contributes (a box
filter's area rule for "bilinear"); an axis whose size does not change is left untouched.
"area" (Keras's TensorFlow backend only) averages the input pixels each output pixel covers, with
fractional weights at its borders (``tf.image.resize(method="area")``). Each resampling is a linear
map along one axis: its ``(out, in)`` weight matrix is computed on the host in NumPy from the static
sizes and applied with ``einsum`` ("nearest" gathers with ``take``), so resize runs and
differentiates on every backend. Integer images are resampled in float32, rounded and clipped to
the input's range, as Keras does. ``affine_transform`` lives in ``_image_affine.py``.
"""

import functools
import math

import numpy as np

from kerafront import config
from kerafront.dtypes import is_float, standardize_dtype
from kerafront.ops._dispatch import composite
from kerafront.ops._primitives import (abs, add, cast, clip, concatenate, convert_to_tensor, divide, dtype as dtype_of,
                                       einsum, equal, expand_dims, floor, greater, less, max as reduce_max, maximum,
                                       min as reduce_min, minimum, multiply, pad, round, shape as shape_of, slice,
                                       split, squeeze, stop_gradient, subtract, take, where)
from kerafront.ops._image_affine import affine_transform
from kerafront.ops._image_filters import gaussian_blur, sobel_edges, ssim
from kerafront.ops._image_patches import extract_patches, extract_patches_3d, map_coordinates
from kerafront.ops._image_warps import elastic_transform, perspective_transform
from kerafront.ops._image_scale import scale_and_translate

__all__ = ["resize", "affine_transform", "crop_images", "pad_images", "rgb_to_grayscale", "rgb_to_hsv", "hsv_to_rgb"]
__all__ += ["gaussian_blur", "sobel_edges", "ssim", "extract_patches", "extract_patches_3d", "map_coordinates",
            "perspective_transform", "elastic_transform"]
__all__ += ["scale_and_translate"]

INTERPOLATIONS = ("bilinear", "nearest", "bicubic", "area", "lanczos3", "lanczos5")


# ------------------------------------------------------------------------------------------------
# Host-side resampling weights (NumPy, float64)

def _triangle(x):
    return np.maximum(0.0, 1.0 - x)


def _keys_cubic(x):
    """Keys' cubic convolution kernel with ``a = -0.5`` (what JAX and Keras call "cubic")."""
    out = ((1.5 * x - 2.5) * x) * x + 1.0
    out = np.where(x >= 1.0, ((-0.5 * x + 2.5) * x - 4.0) * x + 2.0, out)
    return np.where(x >= 2.0, 0.0, out)


def _lanczos(radius, x):
    with np.errstate(divide="ignore", invalid="ignore"):
        y = radius * np.sin(np.pi * x) * np.sin(np.pi * x / radius) / (np.pi ** 2 * x ** 2)
    return np.where(x > radius, 0.0, np.where(x > 1e-3, y, 1.0))


_KERNELS = {"bilinear": _triangle, "bicubic": _keys_cubic,
            "lanczos3": functools.partial(_lanczos, 3.0), "lanczos5": functools.partial(_lanczos, 5.0)}


@functools.lru_cache(maxsize=256)
def _kernel_weights(in_size, out_size, interpolation, antialias):
    """``(out_size, in_size)`` weights of ``jax.image.scale_and_translate`` (translation 0)."""
    inv_scale = 1.0 / (out_size / in_size)
    kernel_scale = max(inv_scale, 1.0) if antialias else 1.0
    sample = (np.arange(out_size) + 0.5) * inv_scale - 0.5
    weights = _KERNELS[interpolation](np.abs(sample[:, None] - np.arange(in_size)[None, :]) / kernel_scale)
    total = weights.sum(axis=1, keepdims=True)
    weights = np.where(np.abs(total) > 1000.0 * np.finfo(np.float32).eps,
                       weights / np.where(total != 0, total, 1.0), 0.0)
    inside = (sample >= -0.5) & (sample <= in_size - 0.5)
    return np.where(inside[:, None], weights, 0.0)


@functools.lru_cache(maxsize=256)
def _area_weights(in_size, out_size):
    """``(out_size, in_size)`` weights of TensorFlow's area resize: the overlap of output pixel
    ``[j, j + 1) * in / out`` with each input pixel, divided by the output pixel's width ``in / out``."""
    scale = in_size / out_size
    weights = np.zeros((out_size, in_size))
    for j in range(out_size):
        start, end = j * scale, (j + 1) * scale
        for i in range(int(math.floor(start)), int(math.ceil(end))):
            overlap = min(i + 1, end) - max(i, start)
            weights[j, min(i, in_size - 1)] += overlap / scale
    return weights


@functools.lru_cache(maxsize=256)
def _nearest_indices(in_size, out_size):
    """Input index of each output pixel: ``floor((j + 0.5) * in / out)``, in float32 as JAX computes it."""
    offsets = (np.arange(out_size, dtype=np.float32) + np.float32(0.5)) * np.float32(in_size) / np.float32(out_size)
    return np.floor(offsets).astype(np.int32)


def _resample(x, axis, out_size, interpolation, antialias):
    """Resize ``x`` along ``axis`` to ``out_size`` (a float ``x``)."""
    in_size = shape_of(x)[axis]
    if interpolation == "nearest":
        return take(x, convert_to_tensor(_nearest_indices(in_size, out_size)), axis=axis)
    if interpolation == "area":
        weights = _area_weights(in_size, out_size)
    else:
        weights = _kernel_weights(in_size, out_size, interpolation, bool(antialias))
    letters = "abcd"[:len(shape_of(x))]
    result = letters.replace(letters[axis], "z")
    return einsum(f"{letters},z{letters[axis]}->{result}", x, convert_to_tensor(weights, dtype=dtype_of(x)))


# ------------------------------------------------------------------------------------------------
# Argument checks shared by the ops

def _image_axes(op, images, data_format):
    """``(rank, row_axis, col_axis, channel_axis)`` of a 3-D or 4-D image tensor (ValueError otherwise)."""
    rank = len(shape_of(images))
    if rank not in (3, 4):
        raise ValueError(f"{op}: images must be 3-D (height, width, channels) or 4-D (batch, height, width, "
                         f"channels), channels first with data_format='channels_first'; got shape "
                         f"{tuple(shape_of(images))}.")
    if data_format == "channels_last":
        return rank, rank - 3, rank - 2, rank - 1
    return rank, rank - 2, rank - 1, rank - 3


def _static_sizes(op, images, row_axis, col_axis, why):
    shape = shape_of(images)
    height, width = shape[row_axis], shape[col_axis]
    if height is None or width is None:
        raise ValueError(f"{op}: {why} needs the images' height and width to be known, got shape {tuple(shape)}.")
    return height, width


def _check_size(size):
    try:
        height, width = size
    except (TypeError, ValueError):
        height = width = None
    if not all(isinstance(n, (int, np.integer)) and not isinstance(n, bool) and n > 0 for n in (height, width)):
        raise ValueError(f"resize: size must be two positive integers (height, width), got size={size!r}.")
    return int(height), int(width)


def _crop_axes(images, starts, lengths):
    """``images`` sliced to ``lengths[axis]`` elements from ``starts[axis]`` along the axes given."""
    shape = list(shape_of(images))
    start = [starts.get(axis, 0) for axis in range(len(shape))]
    sizes = [lengths.get(axis, n) for axis, n in enumerate(shape)]
    return slice(images, start, sizes)


def _pad_axes(images, pads, fill_value=0):
    widths = [pads.get(axis, (0, 0)) for axis in range(len(shape_of(images)))]
    return pad(images, widths, constant_values=fill_value)


# ------------------------------------------------------------------------------------------------
# Ops

@composite
def resize(images, size, interpolation="bilinear", antialias=False, crop_to_aspect_ratio=False,
           pad_to_aspect_ratio=False, fill_mode="constant", fill_value=0.0, data_format=None):
    """Resize ``images`` to ``size = (height, width)``; the output keeps the input's dtype and layout.

    ``interpolation``: "bilinear", "nearest", "bicubic" (Keys, a = -0.5), "area", "lanczos3",
    "lanczos5". ``antialias``: widen the kernel when downsampling (ignored by "nearest" and "area").
    ``crop_to_aspect_ratio``: first take the largest centred window with the target's aspect ratio;
    ``pad_to_aspect_ratio``: first pad the short side evenly with ``fill_value`` (``fill_mode`` must
    be "constant"). At most one of the two.

    >>> import numpy as np
    >>> from kerafront.ops import image
    >>> image.resize(np.arange(4.0).reshape(2, 2, 1), (4, 4))[..., 0][0]
    array([0.  , 0.25, 0.75, 1.  ])
    """
    height, width = _check_size(size)
    if interpolation not in INTERPOLATIONS:
        raise ValueError(f"resize: interpolation must be one of {INTERPOLATIONS}, got interpolation={interpolation!r}.")
    if fill_mode != "constant":
        raise ValueError(f"resize: fill_mode must be 'constant' (the only mode Keras supports), got {fill_mode!r}.")
    if crop_to_aspect_ratio and pad_to_aspect_ratio:
        raise ValueError("resize: crop_to_aspect_ratio and pad_to_aspect_ratio cannot both be True.")
    data_format = config.standardize_data_format(data_format, "resize")
    _, row_axis, col_axis, _ = _image_axes("resize", images, data_format)
    _static_sizes("resize", images, row_axis, col_axis, "resampling (weights computed from static sizes)")
    if crop_to_aspect_ratio:
        images = _crop_to_aspect_ratio(images, row_axis, col_axis, height, width)
    elif pad_to_aspect_ratio:
        images = _pad_to_aspect_ratio(images, row_axis, col_axis, height, width, fill_value)
    dtype = standardize_dtype(dtype_of(images))
    integer = not is_float(dtype)
    x = cast(images, "float32") if integer and interpolation != "nearest" else images
    for axis, out_size in ((row_axis, height), (col_axis, width)):
        if shape_of(x)[axis] != out_size:
            x = _resample(x, axis, out_size, interpolation, antialias)
    if x is images or not integer or interpolation == "nearest":
        return x
    x = clip(round(x), cast(reduce_min(images), "float32"), cast(reduce_max(images), "float32"))
    return cast(x, dtype)


def _crop_to_aspect_ratio(images, row_axis, col_axis, target_height, target_width):
    """The largest centred window of ``images`` with the aspect ratio ``target_height / target_width``."""
    height, width = _static_sizes("resize", images, row_axis, col_axis, "crop_to_aspect_ratio")
    crop_height = max(min(height, int(float(width * target_height) / target_width)), 1)
    crop_width = max(min(width, int(float(height * target_width) / target_height)), 1)
    starts = {row_axis: int(float(height - crop_height) / 2), col_axis: int(float(width - crop_width) / 2)}
    return _crop_axes(images, starts, {row_axis: crop_height, col_axis: crop_width})


def _pad_to_aspect_ratio(images, row_axis, col_axis, target_height, target_width, fill_value):
    """``images`` padded with ``fill_value`` on both sides of its short side, Keras's way: the same
    ``(padded - size) // 2`` before and after (so an odd difference loses one row or column)."""
    height, width = _static_sizes("resize", images, row_axis, col_axis, "pad_to_aspect_ratio")
    pad_height = max(height, int(float(width * target_height) / target_width))
    pad_width = max(width, int(float(height * target_width) / target_height))
    top, left = int(float(pad_height - height) / 2), int(float(pad_width - width) / 2)
    if top > 0:
        return _pad_axes(images, {row_axis: (top, top)}, fill_value)
    if left > 0:
        return _pad_axes(images, {col_axis: (left, left)}, fill_value)
    return images


def _resolve_box(op, names, before, after, target):
    """``(before, length)`` along one axis from exactly two of ``before``, ``after`` and ``target``."""
    if [before, after, target].count(None) != 1:
        raise ValueError(f"{op}: give exactly two of {', '.join(names)}; got {names[0]}={before}, "
                         f"{names[1]}={after}, {names[2]}={target}.")
    for name, value in zip(names, (before, after, target)):
        if value is not None and (not isinstance(value, (int, np.integer)) or value < 0):
            raise ValueError(f"{op}: {name} must be a non-negative integer, got {name}={value!r}.")
    return before, after, target


@composite
def crop_images(images, top_cropping=None, left_cropping=None, bottom_cropping=None, right_cropping=None,
                target_height=None, target_width=None, data_format=None):
    """Crop ``images`` to ``(target_height, target_width)``: give two of ``top_cropping``,
    ``bottom_cropping``, ``target_height`` and two of ``left_cropping``, ``right_cropping``, ``target_width``."""
    data_format = config.standardize_data_format(data_format, "crop_images")
    _, row_axis, col_axis, _ = _image_axes("crop_images", images, data_format)
    height, width = _static_sizes("crop_images", images, row_axis, col_axis, "cropping")
    top, bottom, target_height = _resolve_box("crop_images", ("top_cropping", "bottom_cropping", "target_height"),
                                              top_cropping, bottom_cropping, target_height)
    left, right, target_width = _resolve_box("crop_images", ("left_cropping", "right_cropping", "target_width"),
                                             left_cropping, right_cropping, target_width)
    top = height - target_height - bottom if top is None else top
    target_height = height - top - bottom if target_height is None else target_height
    left = width - target_width - right if left is None else left
    target_width = width - left - right if target_width is None else target_width
    if top < 0 or target_height <= 0 or top + target_height > height:
        raise ValueError(f"crop_images: the crop (top {top}, height {target_height}) does not fit in images of "
                         f"height {height}.")
    if left < 0 or target_width <= 0 or left + target_width > width:
        raise ValueError(f"crop_images: the crop (left {left}, width {target_width}) does not fit in images of "
                         f"width {width}.")
    return _crop_axes(images, {row_axis: top, col_axis: left}, {row_axis: target_height, col_axis: target_width})


@composite
def pad_images(images, top_padding=None, left_padding=None, bottom_padding=None, right_padding=None,
               target_height=None, target_width=None, data_format=None):
    """Pad ``images`` with zeros to ``(target_height, target_width)``: give two of ``top_padding``,
    ``bottom_padding``, ``target_height`` and two of ``left_padding``, ``right_padding``, ``target_width``."""
    data_format = config.standardize_data_format(data_format, "pad_images")
    _, row_axis, col_axis, _ = _image_axes("pad_images", images, data_format)
    height, width = _static_sizes("pad_images", images, row_axis, col_axis, "padding")
    top, bottom, target_height = _resolve_box("pad_images", ("top_padding", "bottom_padding", "target_height"),
                                              top_padding, bottom_padding, target_height)
    left, right, target_width = _resolve_box("pad_images", ("left_padding", "right_padding", "target_width"),
                                             left_padding, right_padding, target_width)
    top = target_height - bottom - height if top is None else top
    bottom = target_height - top - height if bottom is None else bottom
    left = target_width - right - width if left is None else left
    right = target_width - left - width if right is None else right
    for name, value in (("top_padding", top), ("bottom_padding", bottom), ("left_padding", left),
                        ("right_padding", right)):
        if value < 0:
            raise ValueError(f"pad_images: the target size is smaller than the images ({height}x{width}): "
                             f"{name} would be {value}.")
    return _pad_axes(images, {row_axis: (top, bottom), col_axis: (left, right)})


def _channel_axis(op, images, data_format):
    data_format = config.standardize_data_format(data_format, op)
    return _image_axes(op, images, data_format)[3]


@composite
def rgb_to_grayscale(images, data_format=None):
    """``0.2989 R + 0.5870 G + 0.1140 B`` (TensorFlow's weights), keeping a channel axis of size 1 and the
    input's dtype (integers truncate, as Keras's NumPy backend); a 1-channel image is returned as it is."""
    axis = _channel_axis("rgb_to_grayscale", images, data_format)
    channels = shape_of(images)[axis]
    if channels not in (1, 3):
        raise ValueError(f"rgb_to_grayscale: images must have 3 channels (RGB) or 1, got shape "
                         f"{tuple(shape_of(images))}.")
    if channels == 1:
        return images
    dtype = standardize_dtype(dtype_of(images))
    x = images if is_float(dtype) else cast(images, config.floatx())
    weights = convert_to_tensor(np.array([0.2989, 0.5870, 0.1140]), dtype=dtype_of(x))
    letters = "abcd"[:len(shape_of(x))]
    gray = einsum(f"{letters},{letters[axis]}->{letters.replace(letters[axis], '')}", x, weights)
    return cast(expand_dims(gray, axis), dtype)


def _float_images(op, images, data_format):
    axis = _channel_axis(op, images, data_format)
    dtype = standardize_dtype(dtype_of(images))
    if not is_float(dtype):
        raise ValueError(f"{op}: images must have a float dtype, got {dtype}.")
    if shape_of(images)[axis] != 3:
        raise ValueError(f"{op}: images must have 3 channels, got shape {tuple(shape_of(images))}.")
    return axis, dtype


@composite
def rgb_to_hsv(images, data_format=None):
    """RGB in [0, 1] -> HSV with hue in [0, 1) (dm_pix's formulas, as Keras); float images only."""
    axis, dtype = _float_images("rgb_to_hsv", images, data_format)
    eps = float(np.finfo(np.dtype("float32" if dtype == "bfloat16" else dtype)).eps)
    if dtype == "bfloat16":
        eps = 2.0 ** -7
    images = where(less(abs(images), eps), 0.0, images)
    red, green, blue = (squeeze(c, axis) for c in split(images, 3, axis=axis))
    value = maximum(maximum(red, green), blue)
    range_ = subtract(value, minimum(minimum(red, green), blue))
    safe_value = where(greater(value, 0.0), value, 1.0)
    safe_range = where(greater(range_, 0.0), range_, 1.0)
    saturation = where(greater(value, 0.0), divide(range_, safe_value), 0.0)
    norm = divide(1.0, multiply(6.0, safe_range))
    hue = where(equal(value, green), add(multiply(norm, subtract(blue, red)), 2.0 / 6.0),
                add(multiply(norm, subtract(red, green)), 4.0 / 6.0))
    hue = where(equal(value, red), multiply(norm, subtract(green, blue)), hue)
    hue = add(where(greater(range_, 0.0), hue, 0.0), cast(less(hue, 0.0), dtype))
    return _stack_channels((hue, saturation, value), axis)


@composite
def hsv_to_rgb(images, data_format=None):
    """HSV (hue in [0, 1)) -> RGB (dm_pix's formulas, as Keras); float images only."""
    axis, _ = _float_images("hsv_to_rgb", images, data_format)
    hue, saturation, value = (squeeze(c, axis) for c in split(images, 3, axis=axis))
    dh = multiply(subtract(hue, stop_gradient(floor(hue))), 6.0)  # mod(hue, 1), differentiable as in JAX
    dr = clip(subtract(abs(subtract(dh, 3.0)), 1.0), 0.0, 1.0)
    dg = clip(subtract(2.0, abs(subtract(dh, 2.0))), 0.0, 1.0)
    db = clip(subtract(2.0, abs(subtract(dh, 4.0))), 0.0, 1.0)
    one_minus_s = subtract(1.0, saturation)
    planes = [multiply(value, add(one_minus_s, multiply(saturation, d))) for d in (dr, dg, db)]
    return _stack_channels(planes, axis)


def _stack_channels(planes, axis):
    return concatenate([expand_dims(p, axis) for p in planes], axis=axis)
