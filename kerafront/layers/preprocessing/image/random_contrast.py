"""``RandomContrast``: scale each image's deviation from its mean by a random factor."""

from kerafront import ops
from kerafront.layers.preprocessing.image._augmentation import BaseAugmentation, check_value_range, factor_range


class RandomContrast(BaseAugmentation):
    """In training, ``(x - mean) * c + mean`` per image and channel (``mean`` over height and
    width), clipped to ``value_range``, with ``c`` drawn per image from ``[1 - lower, 1 + upper]``;
    at inference, the identity.

    ``factor``: a number ``f`` in [0, 1] or a pair ``(lower, upper)`` in [0, 1]. Keras's rule, kept:
    a single number gives ``(lower, upper) = (0, f)``, so ``c`` lies in ``[1, 1 + f]`` (contrast
    only rises); pass ``(f, f)`` for ``[1 - f, 1 + f]``. ``value_range``: ``(low, high)`` of the
    pixel values (default ``(0, 255)``).
    """

    def __init__(self, factor, value_range=(0, 255), seed=None, data_format=None, **kwargs):
        super().__init__(seed=seed, data_format=data_format, **kwargs)
        self.factor = factor_range("RandomContrast", "factor", factor, 0.0, 1.0)
        self.value_range = check_value_range("RandomContrast", value_range)

    def call(self, inputs, training=False):
        images = self.as_float(inputs)
        if not training:
            return images
        _, _, _, row_axis, col_axis = self.image_axes(images)
        contrast = self.uniform(self.per_image_shape(images), 1.0 - self.factor[0], 1.0 + self.factor[1])
        mean = ops.mean(ops.mean(images, axis=row_axis, keepdims=True), axis=col_axis, keepdims=True)
        outputs = ops.add(ops.multiply(ops.subtract(images, mean), ops.cast(contrast, ops.dtype(images))), mean)
        return ops.clip(outputs, float(self.value_range[0]), float(self.value_range[1]))

    def get_config(self):
        config = super().get_config()
        config.update({"factor": list(self.factor), "value_range": list(self.value_range)})
        return config
