"""``RandomGaussianBlur``: blur images with a Gaussian kernel of random width (``ops.image.gaussian_blur``)."""

import numbers

from kerafront import ops
from kerafront.layers.preprocessing.image._augmentation import factor_range
from kerafront.layers.preprocessing.image.color import ColorAugmentation


def _kernel_size(value):
    pair = (value, value) if isinstance(value, numbers.Integral) and not isinstance(value, bool) else value
    if not isinstance(pair, (tuple, list)) or len(pair) != 2 or \
            not all(isinstance(v, numbers.Integral) and not isinstance(v, bool) and v > 0 and v % 2 == 1
                    for v in pair):
        raise ValueError(f"RandomGaussianBlur: kernel_size must be an odd positive integer or a pair of them, "
                         f"got kernel_size={value!r}.")
    return int(pair[0]), int(pair[1])


class RandomGaussianBlur(ColorAugmentation):
    """In training, blur each image with probability ``p`` (``p`` drawn per image from ``factor``; a number
    ``f`` in [0, 1] means ``(0, f)``), then clip to ``value_range``; at inference, the identity.

    One ``sigma`` pair ``(s_x, s_y)`` is drawn per call (not per image, as in Keras) from ``sigma`` (a number
    ``s`` in [0, 1] means ``(0, s)``) plus ``1e-6``, and used by ``ops.image.gaussian_blur`` with
    ``kernel_size`` (odd; a number ``k`` means ``(k, k)``).
    """

    def __init__(self, factor=1.0, kernel_size=3, sigma=1.0, value_range=(0, 255), data_format=None, seed=None,
                 **kwargs):
        super().__init__(value_range=value_range, seed=seed, data_format=data_format, **kwargs)
        self.factor = factor_range("RandomGaussianBlur", "factor", factor, 0.0, 1.0)
        self.kernel_size = _kernel_size(kernel_size)
        self.sigma = factor_range("RandomGaussianBlur", "sigma", sigma, 0.0, 1.0)

    def call(self, inputs, training=False):
        images = self.as_float(inputs)
        if not training:
            return images
        shape = self.per_image_shape(images)
        probability = self.uniform(shape, *self.factor)
        apply = ops.less(self.uniform(shape, 0.0, 1.0), probability)
        sigma = ops.add(ops.cast(self.uniform((2,), *self.sigma), ops.dtype(images)), 1e-6)
        blurred = ops.image.gaussian_blur(images, kernel_size=self.kernel_size, sigma=sigma,
                                          data_format=self.data_format)
        return ops.clip(ops.where(apply, blurred, images), float(self.value_range[0]), float(self.value_range[1]))

    def get_config(self):
        config = super().get_config()
        config.update({"kernel_size": list(self.kernel_size), "sigma": list(self.sigma)})
        return config
