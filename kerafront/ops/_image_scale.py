"""``scale_and_translate`` of ``keras.ops.image`` (a composite; Keras follows ``jax.image.scale_and_translate``).

Along each spatial axis ``d`` (input size ``m``, output size ``n``), output pixel ``j`` samples the input at
``s_j = (j + 0.5 - translation) / scale - 0.5`` (half-pixel centres). Its weights over the input pixels ``i``
are ``k(|s_j - i| / kernel_scale)``, normalised to sum 1 (a sum below ``1000 * eps(float32)`` gives zeros),
and are zero when ``s_j`` lies outside ``[-0.5, m - 0.5]``; ``kernel_scale = max(1 / scale, 1)`` with
``antialias`` (a downscale widens the kernel), 1 without. Unlike ``resize``, ``scale`` and ``translation``
are tensors (they may be traced or trained): the ``(m, n)`` weight matrix is computed with ops, so the
result differentiates with respect to the images, ``scale`` and ``translation`` on every backend.
"""

import math

from kerafront.dtypes import is_float, standardize_dtype
from kerafront.ops._dispatch import composite
from kerafront.ops._primitives import (abs, add, arange, cast, convert_to_tensor, divide, dtype as dtype_of,
                                       einsum, expand_dims, greater, greater_equal, less_equal, logical_and,
                                       max as reduce_max, maximum, min as reduce_min, minimum, multiply, round,
                                       shape as shape_of, sin, subtract, sum as reduce_sum, take, where)

__all__ = ["scale_and_translate"]

METHODS = ("linear", "bilinear", "trilinear", "cubic", "bicubic", "tricubic", "lanczos3", "lanczos5")
_FLOAT32_EPS = 1.1920928955078125e-07


def _triangle(x):
    return maximum(subtract(1.0, x), 0.0)


def _keys_cubic(x):
    """Keys' cubic kernel, ``a = -0.5`` (``x >= 0``)."""
    near = add(multiply(multiply(subtract(multiply(x, 1.5), 2.5), x), x), 1.0)
    far = add(multiply(subtract(multiply(add(multiply(x, -0.5), 2.5), x), 4.0), x), 2.0)
    return where(greater_equal(x, 2.0), 0.0, where(greater_equal(x, 1.0), far, near))


def _lanczos(radius):
    def kernel(x):
        safe = where(greater(x, 1e-3), x, 1.0)
        y = divide(multiply(multiply(sin(multiply(safe, math.pi)), sin(multiply(safe, math.pi / radius))), radius),
                   multiply(multiply(safe, safe), math.pi ** 2))
        return where(greater(x, radius), 0.0, where(greater(x, 1e-3), y, 1.0))
    return kernel


_KERNELS = {"linear": _triangle, "cubic": _keys_cubic, "lanczos3": _lanczos(3.0), "lanczos5": _lanczos(5.0)}
_ALIASES = {"bilinear": "linear", "trilinear": "linear", "bicubic": "cubic", "tricubic": "cubic"}


def weight_matrix(input_size, output_size, scale, translation, kernel, antialias):
    """``(input_size, output_size)`` weights of one axis; ``scale``/``translation`` are 0-d tensors."""
    dtype = dtype_of(scale)
    inv_scale = divide(1.0, scale)
    kernel_scale = maximum(inv_scale, 1.0) if antialias else 1.0
    sample = subtract(multiply(subtract(add(arange(output_size, dtype=dtype), 0.5), translation), inv_scale), 0.5)
    distance = abs(subtract(expand_dims(sample, 0), expand_dims(arange(input_size, dtype=dtype), 1)))
    weights = kernel(divide(distance, kernel_scale))
    total = reduce_sum(weights, axis=0, keepdims=True)
    weights = where(greater(abs(total), 1000.0 * _FLOAT32_EPS),
                    divide(weights, where(greater(abs(total), 0.0), total, 1.0)), 0.0)
    inside = logical_and(greater_equal(sample, -0.5), less_equal(sample, input_size - 0.5))
    return where(expand_dims(inside, 0), weights, 0.0)


def _check_vector(name, value, size, dtype):
    tensor = convert_to_tensor(value)
    if not is_float(standardize_dtype(dtype_of(tensor))):
        tensor = cast(tensor, dtype)
    if tuple(shape_of(tensor)) != (size,):
        raise ValueError(f"scale_and_translate: {name} must have one entry per spatial dim (shape ({size},)), got "
                         f"shape {tuple(shape_of(tensor))}.")
    return tensor


@composite
def scale_and_translate(images, output_shape, scale, translation, spatial_dims, method, antialias=True):
    """Resample ``images`` onto ``output_shape``: input location ``x`` along spatial dim ``spatial_dims[i]``
    lands at ``x * scale[i] + translation[i]`` (half-pixel centres); see the module docstring for the weights.

    ``output_shape``: the full output shape (only its ``spatial_dims`` entries are read; the other dims keep
    the input's sizes). ``scale``, ``translation``: shape ``(len(spatial_dims),)``. ``method``: "linear"
    ("bilinear", "trilinear"), "cubic" ("bicubic", "tricubic"), "lanczos3" or "lanczos5". Float images keep
    their dtype; integer images are resampled in float32, rounded and clipped to their own min and max.
    """
    if method not in METHODS:
        raise ValueError(f"scale_and_translate: method must be one of {METHODS}, got method={method!r}.")
    images = convert_to_tensor(images)
    rank = len(tuple(shape_of(images)))
    output_shape = tuple(output_shape)
    if len(output_shape) != rank:
        raise ValueError(f"scale_and_translate: output_shape must have one entry per dim of images (rank {rank}), "
                         f"got output_shape={output_shape}.")
    dims = [d % rank if isinstance(d, int) and -rank <= d < rank else None for d in spatial_dims]
    if None in dims or len(set(dims)) != len(dims):
        raise ValueError(f"scale_and_translate: spatial_dims must be distinct axes of images (rank {rank}), got "
                         f"spatial_dims={tuple(spatial_dims)}.")
    if not dims:
        return images
    input_dtype = standardize_dtype(dtype_of(images))
    compute = input_dtype if is_float(input_dtype) else "float32"
    output = cast(images, compute)
    scale = _check_vector("scale", scale, len(dims), compute)
    translation = cast(_check_vector("translation", translation, len(dims), compute), dtype_of(scale))
    kernel = _KERNELS[_ALIASES.get(method, method)]
    letters = "abcdefghijklmnopqrstuvwxyz"[:rank]
    for i, d in enumerate(dims):
        weights = weight_matrix(tuple(shape_of(output))[d], int(output_shape[d]), take(scale, i),
                                take(translation, i), kernel, antialias)
        spec = f"{letters},{letters[d]}Z->{letters[:d]}Z{letters[d + 1:]}"
        output = einsum(spec, output, cast(weights, compute))
    if is_float(input_dtype):
        return output
    low, high = cast(reduce_min(images), compute), cast(reduce_max(images), compute)
    return cast(minimum(maximum(round(output), low), high), input_dtype)
