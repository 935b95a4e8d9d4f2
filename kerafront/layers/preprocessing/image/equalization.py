"""``Equalization``: histogram equalisation of each channel (Keras 3.15.1's rule, quirks included)."""

import numbers

from kerafront import ops
from kerafront.layers.preprocessing.image.color import ColorAugmentation


class Equalization(ColorAugmentation):
    """In training, equalise each channel's histogram; at inference, the identity (cast to the layer's dtype).

    Per channel, in [0, 255] units (``value_range`` mapped there and back): a ``bins``-bin histogram of
    ``int(x * (bins - 1) / 255)`` over the whole batch (Keras counts the batch together, not each image),
    its cumulative sum ``cdf`` and ``cdf_min`` (its first non-zero entry) give the lookup table
    ``clip(round((cdf - cdf_min) * 255 / (cdf[-1] - cdf_min)), 0, 255)``, read at each pixel's bin. A channel
    whose histogram has at most one non-empty bin is left as it is. Keras's config has no ``seed`` key.
    """

    def __init__(self, value_range=(0, 255), bins=256, data_format=None, **kwargs):
        super().__init__(value_range=value_range, data_format=data_format, **kwargs)
        if not isinstance(bins, numbers.Integral) or isinstance(bins, bool) or bins < 2:
            raise ValueError(f"Equalization: bins must be an integer >= 2, got bins={bins!r}.")
        self.bins = int(bins)

    def call(self, inputs, training=False):
        images = self.as_float(inputs)
        if not training:
            return images
        axis = self.channel_axis(images)
        channels = ops.split(images, tuple(ops.shape(images))[axis], axis=axis)
        return ops.concatenate([self.equalize(channel) for channel in channels], axis=axis)

    def scale(self, values, source, target):
        scale = (float(target[1]) - float(target[0])) / (float(source[1]) - float(source[0]))
        return ops.add(ops.multiply(values, scale), float(target[0]) - float(source[0]) * scale)

    def bin_indices(self, scaled):
        """``int`` toward zero, clipped to ``[0, bins)``."""
        return ops.clip(ops.cast(scaled, "int32"), 0, self.bins - 1)

    def equalize(self, channel):
        channel = self.scale(channel, self.value_range, (0, 255))
        counted = self.bin_indices(ops.divide(ops.multiply(channel, float(self.bins - 1)), 255.0))
        histogram = ops.bincount(ops.reshape(counted, (-1,)), minlength=self.bins)
        cdf = ops.cumsum(ops.cast(histogram, "int32"))
        cdf_min = ops.take(cdf, ops.argmax(ops.cast(ops.greater(cdf, 0), "int32")))
        denominator = ops.subtract(ops.take(cdf, self.bins - 1), cdf_min)
        denominator = ops.cast(ops.where(ops.equal(denominator, 0), 1, denominator), "float32")
        table = ops.divide(ops.multiply(ops.cast(ops.subtract(cdf, cdf_min), "float32"), 255.0), denominator)
        table = ops.cast(ops.clip(ops.round(table), 0.0, 255.0), ops.dtype(channel))
        equalized = ops.take(table, self.bin_indices(ops.multiply(ops.divide(channel, 255.0), float(self.bins - 1))))
        nonempty = ops.sum(ops.cast(ops.greater(histogram, 0), "int32"))
        equalized = ops.where(ops.less_equal(nonempty, 1), channel, equalized)
        return self.scale(equalized, (0, 255), self.value_range)

    def get_config(self):
        config = super().get_config()
        config.pop("seed")
        config["bins"] = self.bins
        return config
