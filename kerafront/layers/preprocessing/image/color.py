"""Colour augmentations: Keras's ``Solarization``, ``RandomInvert``, ``RandomGrayscale``, ``AutoContrast``,
``RandomPosterization``, ``RandomColorDegeneration``, ``RandomSaturation``, ``RandomHue``, ``RandomSharpness``.

Each draws per image, in Keras's order, from its seed generator when ``training=True`` and is the identity
(cast to the layer's float dtype) otherwise; ``AutoContrast`` is the exception: it is deterministic and
active in both modes, as in Keras. Draw ranges follow Keras 3.15.1 literally, quirks included (noted per
layer), so a factor ``(v, v)`` gives Keras's numbers.
"""

from kerafront import ops
from kerafront import random as kf_random
from kerafront.layers.preprocessing.image._augmentation import (BaseAugmentation, _is_number, check_value_range,
                                                                factor_range)


def to_range(images, source, target):
    """Map pixel values linearly from ``source = (low, high)`` to ``target`` (Keras's ``_transform_value_range``)."""
    if float(source[0]) == float(target[0]) and float(source[1]) == float(target[1]):
        return images
    unit = ops.divide(ops.subtract(images, float(source[0])), float(source[1]) - float(source[0]))
    return ops.add(ops.multiply(unit, float(target[1]) - float(target[0])), float(target[0]))


def on_batch(images, transform):
    """``transform`` (written for a 4-D batch) applied to one 3-D image too."""
    if len(tuple(ops.shape(images))) == 3:
        return ops.squeeze(transform(ops.expand_dims(images, 0)), 0)
    return transform(images)


class ColorAugmentation(BaseAugmentation):
    """An augmentation with a ``value_range`` (kept as a list, Keras's config form)."""

    def __init__(self, value_range=(0, 255), seed=None, data_format=None, **kwargs):
        super().__init__(seed=seed, data_format=data_format, **kwargs)
        self.value_range = list(check_value_range(type(self).__name__, value_range))

    def channel_axis(self, images):
        return len(tuple(ops.shape(images))) - 1 if self.data_format == "channels_last" else -3

    def get_config(self):
        config = super().get_config()
        config["value_range"] = list(self.value_range)
        if hasattr(self, "factor"):
            config["factor"] = list(self.factor) if isinstance(self.factor, (tuple, list)) else self.factor
        return config


class Solarization(ColorAugmentation):
    """In training, per image: ``x`` mapped to [0, 255], ``r = clip(x + a, 0, 255)``, then ``255 - r`` where
    ``r >= t`` (``r`` below the threshold is kept), mapped back to ``value_range``.

    ``a`` is drawn from ``[addition_factor[0], 255 * addition_factor[1]]`` and ``t`` from
    ``[threshold_factor[0], 255 * threshold_factor[1]]`` (Keras scales only the upper end). A number ``f``
    in [0, 1] means ``(0, f)``. The defaults ``(0, 0)`` invert every pixel.
    """

    def __init__(self, addition_factor=0.0, threshold_factor=0.0, value_range=(0, 255), seed=None, **kwargs):
        super().__init__(value_range=value_range, seed=seed, **kwargs)
        self.addition_factor = factor_range("Solarization", "addition_factor", addition_factor, 0.0, 1.0)
        self.threshold_factor = factor_range("Solarization", "threshold_factor", threshold_factor, 0.0, 1.0)

    def call(self, inputs, training=False):
        images = self.as_float(inputs)
        if not training:
            return images
        shape = self.per_image_shape(images)
        additions = self.uniform(shape, self.addition_factor[0], self.addition_factor[1] * 255.0)
        thresholds = self.uniform(shape, self.threshold_factor[0], self.threshold_factor[1] * 255.0)
        dtype = ops.dtype(images)
        results = ops.clip(ops.add(to_range(images, self.value_range, (0, 255)), ops.cast(additions, dtype)), 0, 255)
        results = ops.where(ops.less(results, ops.cast(thresholds, dtype)), results, ops.subtract(255.0, results))
        return to_range(results, (0, 255), self.value_range)

    def get_config(self):
        config = super().get_config()
        config.update({"addition_factor": list(self.addition_factor), "threshold_factor": list(self.threshold_factor)})
        return config


class RandomInvert(ColorAugmentation):
    """In training, replace ``x`` by ``value_range[1] - x`` in an image with probability ``p``, ``p`` itself
    drawn per image from ``factor`` (a number ``f`` in [0, 1] means ``(0, f)``; default 1.0)."""

    def __init__(self, factor=1.0, value_range=(0, 255), seed=None, data_format=None, **kwargs):
        super().__init__(value_range=value_range, seed=seed, data_format=data_format, **kwargs)
        self.factor = factor_range("RandomInvert", "factor", factor, 0.0, 1.0)

    def call(self, inputs, training=False):
        images = self.as_float(inputs)
        if not training:
            return images
        shape = self.per_image_shape(images)
        probability = self.uniform(shape, self.factor[0], self.factor[1])
        invert = ops.less(self.uniform(shape, 0.0, 1.0), probability)
        return ops.where(invert, ops.subtract(float(self.value_range[1]), images), images)


class RandomGrayscale(BaseAugmentation):
    """In training, turn an image to grayscale (``rgb_to_grayscale``, repeated over its 3 channels) with
    probability ``factor`` (a number in [0, 1], default 0.5). Keras's config has no ``seed`` key."""

    def __init__(self, factor=0.5, data_format=None, seed=None, **kwargs):
        super().__init__(seed=seed, data_format=data_format, **kwargs)
        if not _is_number(factor) or not 0 <= factor <= 1:
            raise ValueError(f"RandomGrayscale: factor must be a number in [0, 1], got factor={factor!r}.")
        self.factor = factor

    def call(self, inputs, training=False):
        images = self.as_float(inputs)
        if not training:
            return images
        apply = ops.less(self.uniform(self.per_image_shape(images), 0.0, 1.0), float(self.factor))
        return ops.where(apply, ops.image.rgb_to_grayscale(images, data_format=self.data_format), images)

    def get_config(self):
        config = super().get_config()
        config.pop("seed")
        config["factor"] = self.factor
        return config


class AutoContrast(ColorAugmentation):
    """Stretch each image's channels to the whole ``value_range``: per image and channel,
    ``(x - min) * 255 / (max - min)`` in [0, 255] units; a constant channel (0 / 0) is left as it was.
    Deterministic and active at inference too, as in Keras. Keras's config has no ``seed`` key."""

    def __init__(self, value_range=(0, 255), data_format=None, **kwargs):
        super().__init__(value_range=value_range, data_format=data_format, **kwargs)

    def call(self, inputs, training=False):
        images = self.as_float(inputs)
        _, _, _, row_axis, col_axis = self.image_axes(images)
        scaled = to_range(images, self.value_range, (0, 255))
        low = ops.min(scaled, axis=(row_axis, col_axis), keepdims=True)
        high = ops.max(scaled, axis=(row_axis, col_axis), keepdims=True)
        spread = ops.greater(high, low)  # Keras's 0 / 0 -> NaN -> "keep the input", without the NaN
        scale = ops.divide(255.0, ops.where(spread, ops.subtract(high, low), 1.0))
        results = ops.clip(ops.subtract(ops.multiply(scaled, scale), ops.multiply(low, scale)), 0.0, 255.0)
        return ops.where(spread, to_range(results, (0, 255), self.value_range), images)

    def get_config(self):
        config = super().get_config()
        config.pop("seed")
        return config


class RandomPosterization(ColorAugmentation):
    """In training, keep the top ``b`` bits of each pixel (in [0, 255] units, as ``uint8``), ``b`` drawn per
    image as an integer in ``[factor[0], factor[1])`` (Keras's ``randint``: the upper end is excluded
    unless ``factor[0] == factor[1]``). ``factor``: an integer ``f`` in [1, 8] means ``(1, f)``.

    Values are clipped to [0, 255] before the bits are dropped (Keras casts to ``uint8``, whose overflow
    differs between its backends).
    """

    def __init__(self, factor, value_range=(0, 255), data_format=None, seed=None, **kwargs):
        super().__init__(value_range=value_range, seed=seed, data_format=data_format, **kwargs)
        lower, upper = factor_range("RandomPosterization", "factor", factor, 1, 8)
        self.factor = (int(lower), int(upper))

    def call(self, inputs, training=False):
        images = self.as_float(inputs)
        if not training:
            return images
        shape = self.per_image_shape(images)
        if self.factor[0] == self.factor[1]:
            bits = ops.full(shape, float(self.factor[0]), dtype=ops.dtype(images))
        else:
            bits = ops.cast(kf_random.randint(shape, self.factor[0], self.factor[1],
                                              seed=self.seed_generator_for_call()), ops.dtype(images))
        step = ops.power(2.0, ops.subtract(8.0, bits))
        pixels = ops.floor(ops.clip(to_range(images, self.value_range, (0, 255)), 0.0, 255.0))
        return to_range(ops.multiply(ops.floor(ops.divide(pixels, step)), step), (0, 255), self.value_range)


class RandomColorDegeneration(ColorAugmentation):
    """In training, ``x + f * (gray(x) - x)`` clipped to ``value_range``, ``f`` drawn per image from
    ``factor`` (a number ``f`` in [-1, 1] means ``(-f, f)``, Keras's rule). RGB images only."""

    def __init__(self, factor, value_range=(0, 255), data_format=None, seed=None, **kwargs):
        super().__init__(value_range=value_range, seed=seed, data_format=data_format, **kwargs)
        self.factor = factor_range("RandomColorDegeneration", "factor", factor, -1.0, 1.0)

    def call(self, inputs, training=False):
        images = self.as_float(inputs)
        if not training:
            return images
        factor = ops.cast(self.uniform(self.per_image_shape(images), *self.factor), ops.dtype(images))
        gray = ops.image.rgb_to_grayscale(images, data_format=self.data_format)
        images = ops.add(images, ops.multiply(factor, ops.subtract(gray, images)))
        return ops.clip(images, float(self.value_range[0]), float(self.value_range[1]))


class RandomSaturation(ColorAugmentation):
    """In training, multiply each image's HSV saturation by ``f / (1 - f + 1e-7)``, ``f`` drawn per image
    from ``factor`` (a number ``f`` in [-1, 1] means ``(-f, f)``), and clip it to ``value_range`` (Keras's
    rule, kept: the saturation is not rescaled, so with (0, 255) the clip only removes negatives)."""

    def __init__(self, factor, value_range=(0, 255), data_format=None, seed=None, **kwargs):
        super().__init__(value_range=value_range, seed=seed, data_format=data_format, **kwargs)
        self.factor = factor_range("RandomSaturation", "factor", factor, -1.0, 1.0)

    def call(self, inputs, training=False):
        images = self.as_float(inputs)
        if not training:
            return images
        draws = self.uniform(self.per_image_shape(images), *self.factor)
        scale = ops.cast(ops.divide(draws, ops.add(ops.subtract(1.0, draws), 1e-7)), ops.dtype(images))
        axis = self.channel_axis(images)
        hue, saturation, value = ops.split(ops.image.rgb_to_hsv(images, data_format=self.data_format), 3, axis=axis)
        saturation = ops.clip(ops.multiply(saturation, scale), float(self.value_range[0]), float(self.value_range[1]))
        return ops.image.hsv_to_rgb(ops.concatenate([hue, saturation, value], axis=axis),
                                    data_format=self.data_format)


class RandomHue(ColorAugmentation):
    """In training, shift each image's hue by ``s * f / 2`` (in turns), ``s = -1`` or ``+1`` with equal
    chance and ``f`` drawn from ``factor`` (a number ``f`` in [0, 1] means ``(0, f)``); hues wrap into
    [0, 1]. Pixels go through [0, 1] (``value_range``) for the HSV round trip and are clipped there."""

    def __init__(self, factor, value_range=(0, 255), data_format=None, seed=None, **kwargs):
        super().__init__(value_range=value_range, seed=seed, data_format=data_format, **kwargs)
        self.factor = factor_range("RandomHue", "factor", factor, 0.0, 1.0)

    def call(self, inputs, training=False):
        images = self.as_float(inputs)
        if not training:
            return images
        shape = self.per_image_shape(images)
        sign = ops.where(ops.greater(self.uniform(shape, 0.0, 1.0), 0.5), -1.0, 1.0)
        shift = ops.cast(ops.multiply(ops.multiply(sign, self.uniform(shape, *self.factor)), 0.5), ops.dtype(images))
        axis = self.channel_axis(images)
        unit = to_range(images, self.value_range, (0, 1))
        hue, saturation, value = ops.split(ops.image.rgb_to_hsv(unit, data_format=self.data_format), 3, axis=axis)
        hue = ops.add(hue, shift)
        hue = ops.where(ops.greater(hue, 1.0), ops.subtract(hue, 1.0), hue)
        hue = ops.where(ops.less(hue, 0.0), ops.add(hue, 1.0), hue)
        rgb = ops.image.hsv_to_rgb(ops.concatenate([hue, saturation, value], axis=axis), data_format=self.data_format)
        return to_range(ops.clip(rgb, 0.0, 1.0), (0, 1), self.value_range)


class RandomSharpness(ColorAugmentation):
    """In training, ``x + (1 - 2 f) * (smooth(x) - x)`` clipped to ``value_range``: ``smooth`` is a 3x3
    depthwise filter (1/13 around, 5/13 in the centre, zero padding) and ``f`` is drawn per image from
    ``factor`` (a number ``f`` in [0, 1] means ``(0, f)``); ``f = 0.5`` is the identity, 0 blurs, 1 sharpens."""

    def __init__(self, factor, value_range=(0, 255), data_format=None, seed=None, **kwargs):
        super().__init__(value_range=value_range, seed=seed, data_format=data_format, **kwargs)
        self.factor = factor_range("RandomSharpness", "factor", factor, 0.0, 1.0)

    def call(self, inputs, training=False):
        images = self.as_float(inputs)
        if not training:
            return images
        dtype = ops.dtype(images)
        sharpness = ops.cast(ops.multiply(self.uniform(self.per_image_shape(images), *self.factor), 2.0), dtype)
        channels = tuple(ops.shape(images))[self.channel_axis(images)]
        a, b = 1.0 / 13.0, 5.0 / 13.0
        kernel = ops.tile(ops.reshape(ops.convert_to_tensor([[a, a, a], [a, b, a], [a, a, a]], dtype=dtype),
                                      (3, 3, 1, 1)), (1, 1, channels, 1))
        smoothed = on_batch(images, lambda x: ops.depthwise_conv(x, kernel, strides=1, padding="same",
                                                                 data_format=self.data_format))
        images = ops.add(images, ops.multiply(ops.subtract(1.0, sharpness), ops.subtract(smoothed, images)))
        return ops.clip(images, float(self.value_range[0]), float(self.value_range[1]))


class RandomColorJitter(ColorAugmentation):
    """In training, ``RandomBrightness``, ``RandomContrast``, ``RandomSaturation`` and ``RandomHue`` in that
    order, each only when its factor is given (``None`` skips it). The four inner layers share
    ``value_range`` and ``data_format``; with a ``seed`` they are seeded ``seed``, ``seed + 1``, ... so their
    draws are independent (Keras draws them all from the jitter's one generator).
    """

    def __init__(self, value_range=(0, 255), brightness_factor=None, contrast_factor=None, saturation_factor=None,
                 hue_factor=None, seed=None, data_format=None, **kwargs):
        super().__init__(value_range=value_range, seed=seed, data_format=data_format, **kwargs)
        from kerafront.layers.preprocessing.image.random_brightness import RandomBrightness
        from kerafront.layers.preprocessing.image.random_contrast import RandomContrast
        self.brightness_factor, self.contrast_factor = brightness_factor, contrast_factor
        self.saturation_factor, self.hue_factor = saturation_factor, hue_factor
        self.stages = []
        stages = (("random_brightness", RandomBrightness, brightness_factor),
                  ("random_contrast", RandomContrast, contrast_factor),
                  ("random_saturation", RandomSaturation, saturation_factor), ("random_hue", RandomHue, hue_factor))
        for offset, (name, cls, factor) in enumerate(stages):
            if factor is not None:  # fixed names: the saved seed states are found again on loading
                self.stages.append(cls(factor, value_range=self.value_range, data_format=self.data_format,
                                       seed=None if seed is None else seed + offset, dtype=self.dtype, name=name))

    def call(self, inputs, training=False):
        images = self.as_float(inputs)
        if not training:
            return images
        for stage in self.stages:
            images = stage(images, training=True)
        return images

    def get_config(self):
        config = super().get_config()
        for name in ("brightness_factor", "contrast_factor", "saturation_factor", "hue_factor"):
            value = getattr(self, name)
            config[name] = list(value) if isinstance(value, tuple) else value
        return config
