"""``RandomShear`` and ``RandomPerspective``: random shears (``ops.image.affine_transform``) and random
perspective warps (``ops.image.perspective_transform``)."""

from kerafront import ops
from kerafront.layers.preprocessing.image._augmentation import (INTERPOLATIONS, BaseAffineAugmentation,
                                                                BaseAugmentation, _is_number, affine_rows,
                                                                check_choice, factor_range)


def shear_range(name, factor):
    """A number ``f`` in [0, 1] means ``(-f, f)``; a pair, in [-1, 1], is sorted (Keras refuses negative
    numbers in a pair, so its own configs, which hold ``(-f, f)``, do not load back: here they do)."""
    if _is_number(factor):
        upper = factor_range("RandomShear", name, factor, 0.0, 1.0)[1]
        return -upper, upper
    return factor_range("RandomShear", name, factor, -1.0, 1.0)


class RandomShear(BaseAffineAugmentation):
    """In training, shear each image: output pixel ``(x, y)`` reads the input at ``(x + s_x y, s_y x + y)``
    (no centring, as in Keras). ``s_x`` and ``s_y`` are drawn per image from ``x_factor`` and ``y_factor``
    and both multiplied by one random sign per image; at inference, the identity.

    ``x_factor``/``y_factor``: a number ``f`` in [0, 1] (``(-f, f)``) or a pair in [0, 1] (default 0.0:
    no shear along that axis). ``fill_mode``, ``interpolation``, ``fill_value`` as ``RandomRotation``.
    """

    def __init__(self, x_factor=0.0, y_factor=0.0, interpolation="bilinear", fill_mode="reflect", fill_value=0.0,
                 data_format=None, seed=None, **kwargs):
        super().__init__(fill_mode=fill_mode, interpolation=interpolation, seed=seed, fill_value=fill_value,
                         data_format=data_format, **kwargs)
        self.x_factor = shear_range("x_factor", x_factor)
        self.y_factor = shear_range("y_factor", y_factor)

    def call(self, inputs, training=False):
        images = self.as_float(inputs)
        if not training:
            return images
        batch = self.image_axes(images)[0]
        sign = ops.where(ops.greater(self.uniform((batch, 1), 0.0, 1.0), 0.5), -1.0, 1.0)
        shear_y = ops.multiply(self.uniform((batch, 1), *self.y_factor), sign)
        shear_x = ops.multiply(self.uniform((batch, 1), *self.x_factor), sign)
        return self.transform(images, affine_rows(1.0, shear_x, 0.0, shear_y, 1.0, 0.0, 0.0, 0.0))

    def get_config(self):
        config = super().get_config()
        config.update({"x_factor": list(self.x_factor), "y_factor": list(self.y_factor)})
        return config


class RandomPerspective(BaseAugmentation):
    """In training, with probability ``p`` per image (``p`` drawn from ``factor``; a number ``f`` in [0, 1]
    means ``(0, f)``), warp the image so that its corners ``c`` land on ``c + c * d``, each coordinate's ``d``
    drawn from ``[-scale / 2, scale / 2]`` (Keras's rule: the top-left corner, ``c = (0, 0)``, never moves);
    points from outside the image take ``fill_value``. At inference, the identity.
    """

    def __init__(self, factor=1.0, scale=1.0, interpolation="bilinear", fill_value=0.0, seed=None, data_format=None,
                 **kwargs):
        super().__init__(seed=seed, data_format=data_format, **kwargs)
        self.factor = factor_range("RandomPerspective", "factor", factor, 0.0, 1.0)
        if not _is_number(scale) or not 0 <= scale <= 1:
            raise ValueError(f"RandomPerspective: scale must be a number in [0, 1], got scale={scale!r}.")
        self.scale = scale
        self.interpolation = check_choice("RandomPerspective", "interpolation", interpolation, INTERPOLATIONS)
        if not _is_number(fill_value):
            raise ValueError(f"RandomPerspective: fill_value must be a number, got fill_value={fill_value!r}.")
        self.fill_value = fill_value

    def call(self, inputs, training=False):
        images = self.as_float(inputs)
        if not training:
            return images
        batch, height, width, _, _ = self.image_axes(images)
        shape = self.per_image_shape(images)
        probability = self.uniform(shape, *self.factor)
        apply = ops.less(self.uniform(shape, 0.0, 1.0), probability)
        offsets = self.uniform((batch, 4, 2), -0.5 * self.scale, 0.5 * self.scale)
        corners = ops.convert_to_tensor([[[0.0, 0.0], [width - 1.0, 0.0], [0.0, height - 1.0],
                                          [width - 1.0, height - 1.0]]], dtype=ops.dtype(offsets))
        start = ops.repeat(corners, batch, axis=0)
        end = ops.add(start, ops.multiply(start, offsets))
        if len(tuple(ops.shape(images))) == 3:
            start, end = ops.squeeze(start, 0), ops.squeeze(end, 0)
        warped = ops.image.perspective_transform(images, start, end, interpolation=self.interpolation,
                                                 fill_value=self.fill_value, data_format=self.data_format)
        return ops.where(apply, warped, images)

    def get_config(self):
        config = super().get_config()
        config.update({"factor": list(self.factor), "scale": self.scale, "interpolation": self.interpolation,
                       "fill_value": self.fill_value})
        return config
