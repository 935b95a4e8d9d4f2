"""``keras.ops.image`` ops that read images at positions: ``extract_patches``, ``extract_patches_3d``,
``map_coordinates`` (composites over ``kerafront.ops``).

Patches are a convolution with an identity kernel, as in Keras: output channel ``(i, j, c)`` (row-major
over the patch, channels fastest) holds the input at offset ``(i, j)`` of the patch, channel ``c``.
``map_coordinates`` samples an N-D array the way ``jax.scipy.ndimage.map_coordinates`` does (Keras's
JAX backend), with the node and boundary rules of ``affine_transform``.
"""

import itertools
import math
import numbers

from kerafront import config
from kerafront.dtypes import is_float, standardize_dtype
from kerafront.ops._dispatch import composite
from kerafront.ops._image_affine import AFFINE_FILL_MODES, _fix_index, _inside, _nodes, _round_half_away_from_zero
from kerafront.ops._primitives import (add, cast, clip, conv, convert_to_tensor, dtype as dtype_of, expand_dims, eye,
                                       logical_and, multiply, reshape, shape as shape_of, squeeze, take, where)

__all__ = ["extract_patches", "extract_patches_3d", "map_coordinates"]


def _tuple(op, name, value, length):
    if isinstance(value, numbers.Integral) and not isinstance(value, bool):
        value = (value,) * length
    if not isinstance(value, (tuple, list)) or len(value) != length or \
            not all(isinstance(v, numbers.Integral) and not isinstance(v, bool) and v > 0 for v in value):
        raise ValueError(f"{op}: {name} must be a positive integer or {length} of them, got {name}={value!r}.")
    return tuple(int(v) for v in value)


def _patches(op, images, size, strides, dilation_rate, padding, data_format, spatial):
    """Patches of a ``spatial``-D image (or batch of them) through ``conv`` with an identity kernel."""
    data_format = config.standardize_data_format(data_format, op)
    rank = len(shape_of(images))
    if rank not in (spatial + 1, spatial + 2):
        raise ValueError(f"{op}: images must be {spatial + 1}-D (one image) or {spatial + 2}-D (a batch), got shape "
                         f"{tuple(shape_of(images))}.")
    if padding not in ("valid", "same"):
        raise ValueError(f"{op}: padding must be 'valid' or 'same', got padding={padding!r}.")
    size = _tuple(op, "size", size, spatial)
    strides = size if not strides else _tuple(op, "strides", strides, spatial)
    unbatched = rank == spatial + 1
    x = expand_dims(images, 0) if unbatched else images
    channels = shape_of(x)[-1 if data_format == "channels_last" else 1]
    depth = math.prod(size) * channels
    kernel = reshape(eye(depth, dtype=dtype_of(x)), size + (channels, depth))
    out = conv(x, kernel, strides=strides, padding=padding, data_format=data_format, dilation_rate=dilation_rate)
    return squeeze(out, 0) if unbatched else out


@composite
def extract_patches(images, size, strides=None, dilation_rate=1, padding="valid", data_format=None):
    """``(batch, rows, cols, size_h * size_w * channels)`` patches of ``(batch, height, width, channels)`` images
    (one image: no batch axis). ``size``: an int or ``(height, width)``; a 3-tuple extracts 3-D patches
    (``extract_patches_3d``). ``strides`` default to ``size`` (non-overlapping patches)."""
    if isinstance(size, (tuple, list)) and len(size) == 3:
        return extract_patches_3d(images, size, strides, dilation_rate, padding, data_format)
    return _patches("extract_patches", images, size, strides, dilation_rate, padding, data_format, 2)


@composite
def extract_patches_3d(volumes, size, strides=None, dilation_rate=1, padding="valid", data_format=None):
    """``(batch, d, h, w, size_d * size_h * size_w * channels)`` patches of ``(batch, depth, height, width,
    channels)`` volumes (one volume: no batch axis); ``strides`` default to ``size``."""
    return _patches("extract_patches_3d", volumes, size, strides, dilation_rate, padding, data_format, 3)


@composite
def map_coordinates(inputs, coordinates, order, fill_mode="constant", fill_value=0):
    """``inputs`` (N-D) sampled at ``coordinates`` (shape ``(N, ...)``, one row per input axis): output shape
    ``coordinates.shape[1:]``, the input's dtype (integers rounded half away from zero).

    ``order``: 0 (nearest, rounding half away from zero) or 1 (linear). ``fill_mode`` as ``affine_transform``:
    "constant" (``fill_value`` outside; a linear sample near the edge mixes it in), "nearest", "wrap",
    "mirror", "reflect".
    """
    inputs, coordinates = convert_to_tensor(inputs), convert_to_tensor(coordinates)
    input_shape, coordinate_shape = tuple(shape_of(inputs)), tuple(shape_of(coordinates))
    if len(coordinate_shape) < 2 or coordinate_shape[0] != len(input_shape):
        raise ValueError(f"map_coordinates: coordinates must have shape (rank of inputs, ...) = ({len(input_shape)}, "
                         f"...) with at least 2 axes, got shape {coordinate_shape}.")
    if order not in (0, 1) or isinstance(order, bool):
        raise ValueError(f"map_coordinates: order must be 0 or 1, got order={order!r}.")
    if fill_mode not in AFFINE_FILL_MODES:
        raise ValueError(f"map_coordinates: fill_mode must be one of {AFFINE_FILL_MODES}, got fill_mode={fill_mode!r}.")
    input_dtype = standardize_dtype(dtype_of(inputs))
    compute = input_dtype if is_float(input_dtype) else "float32"
    coordinates = clip(cast(coordinates, compute), -2.0 ** 24, 2.0 ** 24)
    flat = reshape(cast(inputs, compute), (-1,))
    fill = convert_to_tensor(fill_value, dtype=compute)
    interpolation = "nearest" if order == 0 else "bilinear"
    axis_nodes = [_nodes(take(coordinates, axis, axis=0), interpolation) for axis in range(len(input_shape))]
    strides = [math.prod(input_shape[axis + 1:]) for axis in range(len(input_shape))]
    result = None
    for combination in itertools.product(*axis_nodes):
        index, inside, weight = 0, None, None
        for (node, node_weight), size, stride in zip(combination, input_shape, strides):
            index = add(index, multiply(_fix_index(node, size, fill_mode), stride))
            valid = _inside(node, size)
            inside = valid if inside is None else logical_and(inside, valid)
            if node_weight is not None:
                weight = node_weight if weight is None else multiply(weight, node_weight)
        sample = take(flat, index)
        if fill_mode == "constant":
            sample = where(inside, sample, fill)
        sample = sample if weight is None else multiply(weight, sample)
        result = sample if result is None else add(result, sample)
    if not is_float(input_dtype):
        result = _round_half_away_from_zero(result)
    return cast(result, input_dtype)
