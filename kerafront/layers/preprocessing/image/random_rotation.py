"""``RandomRotation``: rotate images about their centre by a random angle."""

import math

from kerafront import ops
from kerafront.layers.preprocessing.image._augmentation import BaseAffineAugmentation, affine_rows, factor_range


def rotation_matrices(angles, height, width):
    """``(batch, 8)`` transforms rotating about the image centre by ``angles`` (radians, shape ``(batch, 1)``),
    counter-clockwise for positive angles: output ``(x, y)`` reads input
    ``(cos a (x - cx) - sin a (y - cy) + cx, sin a (x - cx) + cos a (y - cy) + cy)``, ``c = (size - 1) / 2``."""
    cx, cy = 0.5 * (width - 1), 0.5 * (height - 1)
    cos, sin = ops.cos(angles), ops.sin(angles)
    a0, a1, b0, b1 = cos, ops.negative(sin), sin, cos
    a2 = ops.subtract(ops.subtract(cx, ops.multiply(cx, a0)), ops.multiply(cy, a1))
    b2 = ops.subtract(ops.subtract(cy, ops.multiply(cx, b0)), ops.multiply(cy, b1))
    return affine_rows(a0, a1, a2, b0, b1, b2, 0.0, 0.0)


class RandomRotation(BaseAffineAugmentation):
    """In training, rotate each image by an angle drawn uniformly from ``factor * 2 pi``; at inference, the identity.

    ``factor``: a number ``f`` in [-1, 1] (angles in ``[-f, f]`` turns) or a pair ``(lower, upper)``
    (in turns: 0.25 is 90 degrees; positive is counter-clockwise). Points that fall outside the
    image follow ``fill_mode`` ("reflect", "wrap", "constant" with ``fill_value``, "nearest");
    ``interpolation``: "bilinear" or "nearest". Shapes as ``RandomFlip``.
    """

    def __init__(self, factor, fill_mode="reflect", interpolation="bilinear", seed=None, fill_value=0.0,
                 data_format=None, **kwargs):
        super().__init__(fill_mode=fill_mode, interpolation=interpolation, seed=seed, fill_value=fill_value,
                         data_format=data_format, **kwargs)
        self.factor = factor_range("RandomRotation", "factor", factor, -1.0, 1.0)

    def call(self, inputs, training=False):
        images = self.as_float(inputs)
        if not training:
            return images
        batch, height, width, _, _ = self.image_axes(images)
        degrees = self.uniform((batch, 1), self.factor[0] * 360.0, self.factor[1] * 360.0)
        return self.transform(images, rotation_matrices(ops.multiply(degrees, math.pi / 180.0), height, width))

    def get_config(self):
        config = super().get_config()
        config["factor"] = list(self.factor)
        return config
