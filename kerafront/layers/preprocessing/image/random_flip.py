"""``RandomFlip``: mirror images left-right and/or top-bottom, each image with probability 1/2."""

from kerafront import ops
from kerafront.layers.preprocessing.image._augmentation import BaseAugmentation, check_choice

MODES = ("horizontal", "vertical", "horizontal_and_vertical")


class RandomFlip(BaseAugmentation):
    """In training, flip each image with probability 1/2; at inference, the identity (cast to the layer's dtype).

    ``mode``: "horizontal" (left-right), "vertical" (top-bottom) or "horizontal_and_vertical".
    As in Keras, "horizontal_and_vertical" draws once per image: a chosen image is flipped both
    ways (rotated by 180 degrees), the others are left alone.
    Shapes: ``(batch, height, width, channels)`` or one image ``(height, width, channels)``
    (channels first with ``data_format="channels_first"``), unchanged.
    """

    def __init__(self, mode="horizontal_and_vertical", seed=None, data_format=None, **kwargs):
        super().__init__(seed=seed, data_format=data_format, **kwargs)
        self.mode = check_choice("RandomFlip", "mode", mode, MODES)

    def call(self, inputs, training=False):
        images = self.as_float(inputs)
        if not training:
            return images
        _, _, _, row_axis, col_axis = self.image_axes(images)
        flips = ops.less_equal(self.uniform(self.per_image_shape(images), 0.0, 1.0), 0.5)
        if self.mode in ("horizontal", "horizontal_and_vertical"):
            images = ops.where(flips, ops.flip(images, axis=col_axis), images)
        if self.mode in ("vertical", "horizontal_and_vertical"):
            images = ops.where(flips, ops.flip(images, axis=row_axis), images)
        return images

    def get_config(self):
        config = super().get_config()
        config["mode"] = self.mode
        return config
