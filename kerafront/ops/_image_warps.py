"""``perspective_transform`` and ``elastic_transform`` of ``keras.ops.image`` (composites).

The homography that maps the four ``end_points`` onto the four ``start_points`` (output pixel -> input
point, what ``affine_transform`` reads) is computed in closed form instead of Keras's 8x8 linear solve:
``H = Q_start adj(Q_end)``, with ``Q_p`` the projective map of the unit square onto the quadrilateral
``p`` (Heckbert's square-to-quad formulas) and ``adj`` the adjugate (the inverse up to scale), then
scaled so that ``H[2, 2] = 1``. Only arithmetic: it runs and differentiates on every backend.
"""

from kerafront.dtypes import standardize_dtype
from kerafront.ops._dispatch import composite
from kerafront.ops._image_affine import AFFINE_FILL_MODES, affine_transform
from kerafront.ops._image_filters import _layout, gaussian_blur
from kerafront.ops._image_patches import map_coordinates
from kerafront.ops._primitives import (add, arange, broadcast_to, cast, convert_to_tensor, divide, dtype as dtype_of,
                                       expand_dims, multiply, reshape, shape as shape_of, squeeze, stack, subtract,
                                       take, transpose)

__all__ = ["perspective_transform", "elastic_transform"]


def _square_to_quad(points):
    """3x3 entries (row-major, nested lists of ``(batch,)`` tensors) of the map from the unit square's corners
    (0, 0), (1, 0), (1, 1), (0, 1) onto ``points`` given in Keras's order: top-left, top-right, bottom-left,
    bottom-right."""
    (x0, y0), (x1, y1), (x3, y3), (x2, y2) = [[take(take(points, i, axis=1), j, axis=1) for j in (0, 1)]
                                              for i in range(4)]
    sx, sy = add(subtract(x0, x1), subtract(x2, x3)), add(subtract(y0, y1), subtract(y2, y3))
    dx1, dx2, dy1, dy2 = subtract(x1, x2), subtract(x3, x2), subtract(y1, y2), subtract(y3, y2)
    den = subtract(multiply(dx1, dy2), multiply(dx2, dy1))
    g = divide(subtract(multiply(sx, dy2), multiply(dx2, sy)), den)
    h = divide(subtract(multiply(dx1, sy), multiply(sx, dy1)), den)
    a, b = add(subtract(x1, x0), multiply(g, x1)), add(subtract(x3, x0), multiply(h, x3))
    d, e = add(subtract(y1, y0), multiply(g, y1)), add(subtract(y3, y0), multiply(h, y3))
    return [[a, b, x0], [d, e, y0], [g, h, add(multiply(g, 0.0), 1.0)]]


def _adjugate(m):
    def minor(r, c):
        rows, cols = [i for i in range(3) if i != r], [j for j in range(3) if j != c]
        return subtract(multiply(m[rows[0]][cols[0]], m[rows[1]][cols[1]]),
                        multiply(m[rows[0]][cols[1]], m[rows[1]][cols[0]]))
    return [[minor(c, r) if (r + c) % 2 == 0 else multiply(minor(c, r), -1.0) for c in range(3)] for r in range(3)]


def _matmul(p, q):
    return [[add(add(multiply(p[r][0], q[0][c]), multiply(p[r][1], q[1][c])), multiply(p[r][2], q[2][c]))
             for c in range(3)] for r in range(3)]


def _check_points(name, points):
    shape = tuple(shape_of(points))
    if len(shape) not in (2, 3) or shape[-2:] != (4, 2):
        raise ValueError(f"perspective_transform: {name} must have shape (4, 2) or (batch, 4, 2), got shape {shape}.")
    return shape


def homography(start_points, end_points):
    """``(batch, 8)`` transforms ``[a0, a1, a2, b0, b1, b2, c0, c1]`` mapping ``end_points`` onto ``start_points``
    (both ``(batch, 4, 2)``, ``(x, y)`` corners: top-left, top-right, bottom-left, bottom-right)."""
    start = cast(convert_to_tensor(start_points), "float32")
    end = cast(convert_to_tensor(end_points), "float32")
    h = _matmul(_square_to_quad(start), _adjugate(_square_to_quad(end)))
    scale = h[2][2]
    return stack([divide(h[r][c], scale) for r, c in ((0, 0), (0, 1), (0, 2), (1, 0), (1, 1), (1, 2), (2, 0), (2, 1))],
                 axis=-1)


@composite
def perspective_transform(images, start_points, end_points, interpolation="bilinear", fill_value=0,
                          data_format=None):
    """Warp ``images`` so that the quadrilateral ``start_points`` lands on ``end_points``: each output pixel
    reads the input at the homography of its position (``affine_transform`` with ``fill_mode="constant"``).
    Points: ``(4, 2)`` or ``(batch, 4, 2)`` corners ``(x, y)``, top-left, top-right, bottom-left, bottom-right."""
    start_shape, end_shape = _check_points("start_points", start_points), _check_points("end_points", end_points)
    if start_shape != end_shape:
        raise ValueError(f"perspective_transform: start_points and end_points must have the same shape, got "
                         f"{start_shape} and {end_shape}.")
    start, end = convert_to_tensor(start_points), convert_to_tensor(end_points)
    if len(start_shape) == 2:
        start, end = expand_dims(start, 0), expand_dims(end, 0)
    transforms = homography(start, end)
    if len(start_shape) == 2:
        transforms = squeeze(transforms, 0)
    return affine_transform(images, transforms, interpolation=interpolation, fill_mode="constant",
                            fill_value=fill_value, data_format=data_format)


@composite
def elastic_transform(images, alpha=20.0, sigma=5.0, interpolation="bilinear", fill_mode="reflect", fill_value=0.0,
                      seed=None, data_format=None):
    """Displace every pixel by a smooth random field: output ``(y, x)`` reads the input at
    ``(y + alpha * dy, x + alpha * dx)``, with ``dx``, ``dy`` standard normal noise (one field per image, shared
    by its channels) times ``sigma``, blurred by ``gaussian_blur`` with a ``int(6 sigma) | 1`` kernel.

    ``seed``: as ``kerafront.random.normal``. As in Keras, ``dx`` and ``dy`` are two draws with the same
    ``seed`` argument: an integer seed gives ``dx == dy`` (Keras's behaviour), a ``SeedGenerator`` or ``None``
    two independent fields. Sampling as ``map_coordinates`` (``interpolation`` "bilinear" or "nearest").
    """
    from kerafront import random as kf_random  # imported here: kerafront.random imports kerafront.ops

    data_format, unbatched = _layout("elastic_transform", images, data_format)
    if interpolation not in ("bilinear", "nearest"):
        raise ValueError(f"elastic_transform: interpolation must be 'bilinear' or 'nearest', got "
                         f"interpolation={interpolation!r}.")
    if fill_mode not in AFFINE_FILL_MODES:
        raise ValueError(f"elastic_transform: fill_mode must be one of {AFFINE_FILL_MODES}, got fill_mode={fill_mode!r}.")
    x = expand_dims(images, 0) if unbatched else images
    x = transpose(x, (0, 2, 3, 1)) if data_format == "channels_first" else x
    batch, height, width, channels = tuple(shape_of(x))
    compute = "float64" if standardize_dtype(dtype_of(x)) == "float64" else "float32"
    kernel = int(6 * sigma) | 1
    fields = []
    for _ in range(2):
        noise = multiply(kf_random.normal((batch, height, width, 1), dtype=compute, seed=seed), float(sigma))
        blurred = gaussian_blur(noise, kernel_size=(kernel, kernel), sigma=(float(sigma), float(sigma)),
                                data_format="channels_last")
        fields.append(multiply(broadcast_to(blurred, (batch, height, width, channels)), float(alpha)))
    shape = (batch, height, width, channels)

    def grid(axis, size):
        axis_shape = [1, 1, 1, 1]
        axis_shape[axis] = size
        return broadcast_to(reshape(arange(size, dtype=compute), axis_shape), shape)

    coordinates = stack([grid(0, batch), add(grid(1, height), fields[1]), add(grid(2, width), fields[0]),
                         grid(3, channels)], axis=0)
    out = map_coordinates(x, coordinates, 1 if interpolation == "bilinear" else 0, fill_mode, fill_value)
    out = transpose(out, (0, 3, 1, 2)) if data_format == "channels_first" else out
    return squeeze(out, 0) if unbatched else out
