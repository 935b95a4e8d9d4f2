"""``RandomZoom``: zoom images in or out about their centre by a random factor."""

from kerafront import ops
from kerafront.layers.preprocessing.image._augmentation import (BaseAffineAugmentation, affine_rows, as_json,
                                                                     factor_range)


def zoom_matrices(height_zoom, width_zoom, height, width):
    """``(batch, 8)`` transforms reading input ``((x - cx) * zx + cx, (y - cy) * zy + cy)``; zooms are ``(batch, 1)``,
    ``c = (size - 1) / 2``."""
    x_offset = ops.multiply(0.5 * (width - 1), ops.subtract(1.0, width_zoom))
    y_offset = ops.multiply(0.5 * (height - 1), ops.subtract(1.0, height_zoom))
    return affine_rows(width_zoom, 0.0, x_offset, 0.0, height_zoom, y_offset, 0.0, 0.0)


class RandomZoom(BaseAffineAugmentation):
    """In training, zoom each image by ``1 + f``, ``f`` drawn from the factor ranges; at inference, the identity.

    ``height_factor``: a number ``f`` in (-1, 1] (range ``[-f, f]``) or a pair ``(lower, upper)``.
    As in Keras, a positive factor zooms *out* (the image shrinks inside the frame: output pixels
    read input points ``1 + f`` times farther from the centre), a negative one zooms in.
    ``width_factor``: the same for the width; ``None`` (default) zooms both axes by the same draw,
    keeping the aspect ratio. Fill and interpolation as ``RandomRotation``.
    """

    def __init__(self, height_factor, width_factor=None, fill_mode="reflect", interpolation="bilinear", seed=None,
                 fill_value=0.0, data_format=None, **kwargs):
        super().__init__(fill_mode=fill_mode, interpolation=interpolation, seed=seed, fill_value=fill_value,
                         data_format=data_format, **kwargs)
        self.height_factor = height_factor
        self.height_lower, self.height_upper = factor_range("RandomZoom", "height_factor", height_factor, -1.0, 1.0,
                                                            low_open=True)
        self.width_factor = width_factor
        if width_factor is not None:
            self.width_lower, self.width_upper = factor_range("RandomZoom", "width_factor", width_factor, -1.0, 1.0,
                                                              low_open=True)

    def call(self, inputs, training=False):
        images = self.as_float(inputs)
        if not training:
            return images
        batch, height, width, _, _ = self.image_axes(images)
        height_zoom = self.uniform((batch, 1), 1.0 + self.height_lower, 1.0 + self.height_upper)
        width_zoom = height_zoom if self.width_factor is None else \
            self.uniform((batch, 1), 1.0 + self.width_lower, 1.0 + self.width_upper)
        return self.transform(images, zoom_matrices(height_zoom, width_zoom, height, width))

    def get_config(self):
        config = super().get_config()
        config.update({"height_factor": as_json(self.height_factor), "width_factor": as_json(self.width_factor)})
        return config
