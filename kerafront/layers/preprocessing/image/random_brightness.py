"""``RandomBrightness``: add a random offset to every pixel of an image."""

from kerafront import ops
from kerafront.layers.preprocessing.image._augmentation import BaseAugmentation, check_value_range, factor_range


class RandomBrightness(BaseAugmentation):
    """In training, add ``d * (high - low)`` to each image, ``d`` drawn per image from the factor
    range, then clip to ``value_range = (low, high)``; at inference, the identity.

    ``factor``: a number ``f`` in [-1, 1] (``d`` in ``[-f, f]``) or a pair ``(lower, upper)`` in
    [-1, 1]. ``value_range``: the pixel range, default ``(0, 255)``.
    """

    def __init__(self, factor, value_range=(0, 255), seed=None, data_format=None, **kwargs):
        super().__init__(seed=seed, data_format=data_format, **kwargs)
        self.factor = factor_range("RandomBrightness", "factor", factor, -1.0, 1.0)
        self.value_range = list(check_value_range("RandomBrightness", value_range))

    def call(self, inputs, training=False):
        images = self.as_float(inputs)
        if not training:
            return images
        low, high = float(self.value_range[0]), float(self.value_range[1])
        delta = ops.multiply(self.uniform(self.per_image_shape(images), self.factor[0], self.factor[1]), high - low)
        return ops.clip(ops.add(images, ops.cast(delta, ops.dtype(images))), low, high)

    def get_config(self):
        config = super().get_config()
        config.update({"factor": list(self.factor), "value_range": list(self.value_range)})
        return config
