"""``affine_transform``: Keras's ``keras.ops.image.affine_transform``, a composite over ``kerafront.ops``.

Each output pixel ``(x, y)`` (column, row) reads the input at the point the transform maps it to::

    k = c0 * x + c1 * y + 1
    x_in = (a0 * x + a1 * y + a2) / k
    y_in = (b0 * x + b1 * y + b2) / k

and samples it the way ``jax.scipy.ndimage.map_coordinates`` does (Keras's JAX backend; its NumPy
backend reaches the same numbers through SciPy): "nearest" rounds half away from zero, "bilinear"
weighs the four neighbours. Points outside the image follow ``fill_mode``, for ``abcd`` as the row:

* "constant": ``kkkk|abcd|kkkk`` with ``k = fill_value`` (a bilinear sample near the border mixes
  the image with ``fill_value``);
* "nearest": ``aaaa|abcd|dddd``;
* "wrap": ``abcd|abcd|abcd``;
* "mirror": ``dcb|abcd|cba`` (the edge pixel is not repeated);
* "reflect": ``dcba|abcd|dcba`` (the edge pixel is repeated).

The sampling is a sum of gathers (``take``) times weights, so it runs and differentiates (with
respect to the images) on every backend, inside compiled functions too.

One difference from Keras: its JAX and NumPy backends put ``c0``/``c1`` on the channel index (a
quirk of their matrix layout), so only its TensorFlow backend divides by ``k``; here every backend
uses the projective formula above, which is what Keras documents. With ``c0 = c1 = 0`` (every
augmentation layer) all agree.
"""

from kerafront import config
from kerafront.dtypes import is_float, standardize_dtype
from kerafront.ops._dispatch import composite
from kerafront.ops._primitives import (abs, add, arange, cast, clip, convert_to_tensor, divide, dtype as dtype_of,
                                       expand_dims, floor, floor_divide, greater_equal, less, logical_and, mod,
                                       multiply, reshape, shape as shape_of, sign, squeeze, subtract, take,
                                       transpose, where)

__all__ = ["affine_transform"]

AFFINE_INTERPOLATIONS = ("nearest", "bilinear")
AFFINE_FILL_MODES = ("constant", "nearest", "wrap", "mirror", "reflect")
_COORDINATE_LIMIT = 2.0 ** 24  # keeps coordinates (and int32 indices) finite for far-away points


def _round_half_away_from_zero(x):
    return multiply(sign(x), floor(add(abs(x), 0.5)))


def _mirror(index, size):
    """``dcb|abcd|cba``: a triangular wave of half-period ``size - 1``."""
    if size == 1:
        return multiply(index, 0)
    period = size - 1
    return abs(subtract(mod(add(index, period), 2 * period), period))


def _fix_index(index, size, fill_mode):
    """Map an int32 index anywhere on the axis into ``[0, size)`` (``constant`` clips; its validity is separate)."""
    if fill_mode in ("constant", "nearest"):
        return clip(index, 0, size - 1)
    if fill_mode == "wrap":
        return mod(index, size)
    if fill_mode == "mirror":
        return _mirror(index, size)
    return floor_divide(subtract(_mirror(add(multiply(index, 2), 1), 2 * size + 1), 1), 2)  # reflect


def _nodes(coordinate, interpolation):
    """``[(int32 index, weight), ...]``: the samples along one axis and their weights."""
    if interpolation == "nearest":
        return [(cast(_round_half_away_from_zero(coordinate), "int32"), None)]
    lower = floor(coordinate)
    upper_weight = subtract(coordinate, lower)
    index = cast(lower, "int32")
    return [(index, subtract(1.0, upper_weight)), (add(index, 1), upper_weight)]


def _check(images, transform, interpolation, fill_mode):
    if interpolation not in AFFINE_INTERPOLATIONS:
        raise ValueError(f"affine_transform: interpolation must be one of {AFFINE_INTERPOLATIONS}, "
                         f"got interpolation={interpolation!r}.")
    if fill_mode not in AFFINE_FILL_MODES:
        raise ValueError(f"affine_transform: fill_mode must be one of {AFFINE_FILL_MODES}, "
                         f"got fill_mode={fill_mode!r}.")
    image_shape, transform_shape = tuple(shape_of(images)), tuple(shape_of(transform))
    if len(image_shape) not in (3, 4):
        raise ValueError("affine_transform: images must be 3-D (one image) or 4-D (a batch), got shape "
                         f"{image_shape}.")
    if len(transform_shape) not in (1, 2) or transform_shape[-1] != 8:
        raise ValueError("affine_transform: transform must have shape (8,) or (batch, 8) "
                         f"([a0, a1, a2, b0, b1, b2, c0, c1]), got shape {transform_shape}.")
    batch = image_shape[0] if len(image_shape) == 4 else 1
    if len(transform_shape) == 2 and transform_shape[0] not in (1, batch):
        raise ValueError(f"affine_transform: {transform_shape[0]} transforms for a batch of {batch} images; "
                         "give one transform, or one per image.")


@composite
def affine_transform(images, transform, interpolation="bilinear", fill_mode="constant", fill_value=0,
                     data_format=None):
    """Apply a projective transform (output points -> input points) to ``images``; same shape and dtype out.

    ``images``: ``(height, width, channels)`` or ``(batch, height, width, channels)``, channels
    first with ``data_format="channels_first"``. ``transform``: ``(8,)`` or ``(batch, 8)``,
    ``[a0, a1, a2, b0, b1, b2, c0, c1]`` (see the module docstring). ``interpolation``: "nearest"
    or "bilinear". ``fill_mode``: "constant", "nearest", "wrap", "mirror" or "reflect".

    >>> import numpy as np
    >>> shift_right = np.array([1, 0, -1, 0, 1, 0, 0, 0], "float32")  # x_in = x - 1
    >>> affine_transform(np.arange(3.0).reshape(1, 3, 1), shift_right)[0, :, 0]
    array([0., 0., 1.])
    """
    data_format = config.standardize_data_format(data_format, "affine_transform")
    images, transform = convert_to_tensor(images), convert_to_tensor(transform)
    _check(images, transform, interpolation, fill_mode)
    input_dtype = standardize_dtype(dtype_of(images))
    compute_dtype = "float64" if input_dtype == "float64" else "float32"
    unbatched = len(shape_of(images)) == 3
    x = cast(expand_dims(images, 0) if unbatched else images, compute_dtype)
    if data_format == "channels_first":
        x = transpose(x, (0, 2, 3, 1))
    batch, height, width, channels = tuple(shape_of(x))
    transform = cast(reshape(transform, (-1, 8)), compute_dtype)
    a0, a1, a2, b0, b1, b2, c0, c1 = (reshape(take(transform, i, axis=1), (-1, 1, 1)) for i in range(8))
    rows = reshape(arange(height, dtype=compute_dtype), (1, height, 1))
    cols = reshape(arange(width, dtype=compute_dtype), (1, 1, width))
    k = add(add(multiply(c0, cols), multiply(c1, rows)), 1.0)
    x_in = divide(add(add(multiply(a1, rows), multiply(a0, cols)), a2), k)
    y_in = divide(add(add(multiply(b1, rows), multiply(b0, cols)), b2), k)
    x_in = clip(x_in, -_COORDINATE_LIMIT, _COORDINATE_LIMIT)
    y_in = clip(y_in, -_COORDINATE_LIMIT, _COORDINATE_LIMIT)

    pixels = reshape(x, (batch * height * width, channels))
    first_pixel = reshape(multiply(arange(batch, dtype="int32"), height * width), (batch, 1, 1))
    fill = convert_to_tensor(fill_value, dtype=compute_dtype)
    result = None
    for row_index, row_weight in _nodes(y_in, interpolation):
        for col_index, col_weight in _nodes(x_in, interpolation):
            flat = add(first_pixel, add(multiply(_fix_index(row_index, height, fill_mode), width),
                                        _fix_index(col_index, width, fill_mode)))
            sample = take(pixels, flat, axis=0)  # (batch, height, width, channels)
            if fill_mode == "constant":
                inside = logical_and(_inside(row_index, height), _inside(col_index, width))
                sample = where(expand_dims(inside, -1), sample, fill)
            if row_weight is not None:
                sample = multiply(expand_dims(multiply(row_weight, col_weight), -1), sample)
            result = sample if result is None else add(result, sample)
    if data_format == "channels_first":
        result = transpose(result, (0, 3, 1, 2))
    if unbatched:
        result = squeeze(result, 0)
    if not is_float(input_dtype):
        result = _round_half_away_from_zero(result)
    return cast(result, input_dtype)


def _inside(index, size):
    return logical_and(greater_equal(index, 0), less(index, size))
