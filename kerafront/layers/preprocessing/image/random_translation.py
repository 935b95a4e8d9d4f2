"""``RandomTranslation``: shift images by a random fraction of their height and width."""

from kerafront import ops
from kerafront.layers.preprocessing.image._augmentation import (BaseAffineAugmentation, affine_rows, as_json,
                                                                     factor_range)


class RandomTranslation(BaseAffineAugmentation):
    """In training, shift each image by ``(dy, dx) = (fh * height, fw * width)`` pixels, ``fh`` and
    ``fw`` drawn from the factor ranges; at inference, the identity.

    ``height_factor``, ``width_factor``: a number ``f`` in [-1, 1] (range ``[-f, f]``) or a pair
    ``(lower, upper)``, as fractions of the height and width; positive moves the content down and
    right. Fill and interpolation as ``RandomRotation``.
    """

    def __init__(self, height_factor, width_factor, fill_mode="reflect", interpolation="bilinear", seed=None,
                 fill_value=0.0, data_format=None, **kwargs):
        super().__init__(fill_mode=fill_mode, interpolation=interpolation, seed=seed, fill_value=fill_value,
                         data_format=data_format, **kwargs)
        self.height_factor = height_factor
        self.height_lower, self.height_upper = factor_range("RandomTranslation", "height_factor", height_factor,
                                                            -1.0, 1.0)
        self.width_factor = width_factor
        self.width_lower, self.width_upper = factor_range("RandomTranslation", "width_factor", width_factor, -1.0, 1.0)

    def call(self, inputs, training=False):
        images = self.as_float(inputs)
        if not training:
            return images
        batch, height, width, _, _ = self.image_axes(images)
        dy = ops.multiply(self.uniform((batch, 1), self.height_lower, self.height_upper), float(height))
        dx = ops.multiply(self.uniform((batch, 1), self.width_lower, self.width_upper), float(width))
        return self.transform(images, affine_rows(1.0, 0.0, ops.negative(dx), 0.0, 1.0, ops.negative(dy), 0.0, 0.0))

    def get_config(self):
        config = super().get_config()
        config.update({"height_factor": as_json(self.height_factor), "width_factor": as_json(self.width_factor)})
        return config
