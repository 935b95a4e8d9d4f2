"""Augmentations that cut or mix images: Keras's ``MixUp``, ``CutMix`` and ``RandomErasing``.

``MixUp`` and ``CutMix`` mix each image with another image of the same batch (a random permutation), so
they take a batch; they accept a tensor of images or a dict ``{"images": ..., "labels": ...}`` (labels
one-hot or soft, ``(batch, classes)``), whose labels they mix with the same weights (other keys pass
through). Draws follow Keras 3.15.1's order; training only, the identity at inference.
"""

import numbers

from kerafront import ops
from kerafront import random as kf_random
from kerafront.layers.preprocessing.image._augmentation import BaseAugmentation, _is_number, factor_range
from kerafront.layers.preprocessing.image.color import ColorAugmentation


def _split(layer, inputs):
    if isinstance(inputs, dict):
        if "images" not in inputs:
            raise ValueError(f"{type(layer).__name__}: expected a dict with an 'images' key (and optionally "
                             f"'labels'), got keys {sorted(inputs)}.")
        return inputs["images"], inputs.get("labels")
    return inputs, None


def _join(inputs, images, labels):
    if not isinstance(inputs, dict):
        return images
    outputs = dict(inputs, images=images)
    if labels is not None:
        outputs["labels"] = labels
    return outputs


def _mix_labels(labels, order, weight):
    """``w * y + (1 - w) * y[order]`` with ``w`` of shape ``(batch,)``."""
    labels = ops.convert_to_tensor(labels)
    weight = ops.reshape(ops.cast(weight, ops.dtype(labels)), (-1, 1))
    return ops.add(ops.multiply(weight, labels),
                   ops.multiply(ops.subtract(1.0, weight), ops.take(labels, order, axis=0)))


class _Mixing(BaseAugmentation):
    def permutation(self, batch):
        return kf_random.shuffle(ops.arange(batch, dtype="int32"), seed=self.seed_generator_for_call())

    def compute_output_shape(self, input_shape):
        return input_shape


class MixUp(_Mixing):
    """In training, ``w * x + (1 - w) * x[order]`` (and the same for labels), ``order`` a random permutation of
    the batch and ``w`` drawn per image from ``Beta(alpha, alpha)``.

    Shapes: ``(batch, height, width, channels)`` (any layout: the mix is per image), or the dict form; a
    single 3-D image is returned unchanged.
    """

    def __init__(self, alpha=0.2, data_format=None, seed=None, **kwargs):
        super().__init__(seed=seed, data_format=data_format, **kwargs)
        if not _is_number(alpha) or alpha <= 0:
            raise ValueError(f"MixUp: alpha must be a positive number, got alpha={alpha!r}.")
        self.alpha = alpha

    def call(self, inputs, training=False):
        images, labels = _split(self, inputs)
        images = self.as_float(images)
        if not training or len(tuple(ops.shape(images))) == 3:  # one image mixes with itself: unchanged
            return _join(inputs, images, labels)
        batch = self.image_axes(images)[0]
        order = self.permutation(batch)
        weight = kf_random.beta((batch,), self.alpha, self.alpha, seed=self.seed_generator_for_call())
        w = ops.reshape(ops.cast(weight, ops.dtype(images)), (-1, 1, 1, 1))
        mixed = ops.add(ops.multiply(w, images), ops.multiply(ops.subtract(1.0, w), ops.take(images, order, axis=0)))
        return _join(inputs, mixed, None if labels is None else _mix_labels(labels, order, weight))

    def get_config(self):
        config = super().get_config()
        config["alpha"] = self.alpha
        return config


def box_mask(layer, images, x0, x1, y0, y1):
    """``(batch, ...)`` booleans: pixel ``(row, col)`` with ``x0 <= col < x1`` and ``y0 <= row < y1`` per image."""
    _, height, width, row_axis, col_axis = layer.image_axes(images)
    rank = len(tuple(ops.shape(images)))

    def along(axis, size, low, high):
        shape = [1] * rank
        shape[axis] = size
        grid = ops.reshape(ops.arange(size, dtype=layer.compute_dtype), shape)
        low = ops.reshape(low, (-1,) + (1,) * (rank - 1))
        high = ops.reshape(high, (-1,) + (1,) * (rank - 1))
        return ops.logical_and(ops.greater_equal(grid, low), ops.less(grid, high))

    return ops.logical_and(along(col_axis, width, x0, x1), along(row_axis, height, y0, y1))


def crop_bounds(layer, batch, length, ratio):
    """Keras's ``(start, end)``: a window of ``ratio * length`` pixels starting at ``u * (length - size)``."""
    size = ops.multiply(ratio, float(length))
    start = ops.multiply(layer.uniform((batch,), 0.0, 1.0), ops.subtract(float(length), size))
    return start, ops.add(start, size)


class CutMix(_Mixing):
    """In training, paste into each image a box of another image of the batch (a random permutation); labels
    mix with the weight ``1 - box area / image area``.

    The box's sides are ``sqrt(1 - w)`` times the image's, ``w ~ Beta(a, a)`` per image with one ``a`` per
    call drawn from ``factor`` (plus 1e-6; a number ``f`` in [0, 1] means ``(0, f)``); its corner is uniform.
    A single 3-D image is returned unchanged (there is nothing to mix with), as in Keras.
    """

    def __init__(self, factor=1.0, seed=None, data_format=None, **kwargs):
        super().__init__(seed=seed, data_format=data_format, **kwargs)
        self.factor = factor_range("CutMix", "factor", factor, 0.0, 1.0)

    def call(self, inputs, training=False):
        images, labels = _split(self, inputs)
        images = self.as_float(images)
        if not training or len(tuple(ops.shape(images))) == 3:
            return _join(inputs, images, labels)
        batch, height, width, _, _ = self.image_axes(images)
        alpha = ops.add(self.uniform((), *self.factor), 1e-6)
        weight = kf_random.beta((batch,), alpha, alpha, seed=self.seed_generator_for_call())
        ratio = ops.sqrt(ops.subtract(1.0, weight))
        x0, x1 = crop_bounds(self, batch, width, ratio)
        y0, y1 = crop_bounds(self, batch, height, ratio)
        order = self.permutation(batch)
        mask = box_mask(self, images, x0, x1, y0, y1)
        mixed = ops.where(mask, ops.take(images, order, axis=0), images)
        if labels is None:
            return _join(inputs, mixed, None)
        label_weight = ops.subtract(1.0, ops.divide(ops.multiply(ops.subtract(x1, x0), ops.subtract(y1, y0)),
                                                    float(width * height)))
        return _join(inputs, mixed, _mix_labels(labels, order, label_weight))

    def get_config(self):
        config = super().get_config()
        config["factor"] = list(self.factor)
        return config


class RandomErasing(ColorAugmentation):
    """In training, with probability ``p`` per image (``p`` drawn from ``factor``; a number ``f`` in [0, 1] means
    ``(0, f)``), fill a random box with ``fill_value``; at inference, the identity.

    The box's width and height are ``sqrt(s_w)`` and ``sqrt(s_h)`` times the image's, ``s_w, s_h`` drawn from
    ``scale`` (default ``(0.02, 0.33)``), its corner uniform. ``fill_value``: a number, three numbers (one per
    channel), or ``None`` for Gaussian noise times ``value_range[1]``; clipped to ``value_range``.
    """

    def __init__(self, factor=1.0, scale=(0.02, 0.33), fill_value=None, value_range=(0, 255), seed=None,
                 data_format=None, **kwargs):
        super().__init__(value_range=value_range, seed=seed, data_format=data_format, **kwargs)
        self.factor = factor_range("RandomErasing", "factor", factor, 0.0, 1.0)
        self.scale = factor_range("RandomErasing", "scale", scale, 0.0, 1.0)
        if fill_value is not None and not _is_number(fill_value) and not (
                isinstance(fill_value, (tuple, list)) and len(fill_value) == 3 and all(map(_is_number, fill_value))):
            raise ValueError(f"RandomErasing: fill_value must be None, a number or three numbers, "
                             f"got fill_value={fill_value!r}.")
        self.fill_value = list(fill_value) if isinstance(fill_value, tuple) else fill_value

    def fill(self, images):
        shape = tuple(ops.shape(images))
        if self.fill_value is None:
            values = ops.multiply(kf_random.normal(shape, dtype=ops.dtype(images), seed=self.seed_generator_for_call()),
                                  float(self.value_range[1]))
        elif isinstance(self.fill_value, numbers.Real):
            values = ops.full(shape, float(self.fill_value), dtype=ops.dtype(images))
        else:
            channel_shape = [1] * len(shape)
            channel_shape[self.channel_axis(images)] = 3
            values = ops.broadcast_to(ops.reshape(ops.convert_to_tensor(self.fill_value, dtype=ops.dtype(images)),
                                                  channel_shape), shape)
        return ops.clip(values, float(self.value_range[0]), float(self.value_range[1]))

    def call(self, inputs, training=False):
        images = self.as_float(inputs)
        if not training:
            return images
        batch, height, width, _, _ = self.image_axes(images)
        sides = ops.sqrt(self.uniform((batch, 2), *self.scale))
        ratio_x, ratio_y = ops.split(sides, 2, axis=1)
        x0, x1 = crop_bounds(self, batch, width, ops.reshape(ratio_x, (-1,)))
        y0, y1 = crop_bounds(self, batch, height, ops.reshape(ratio_y, (-1,)))
        mask = box_mask(self, images, x0, x1, y0, y1)
        shape = self.per_image_shape(images)
        probability = self.uniform(shape, *self.factor)
        apply = ops.logical_and(ops.less(self.uniform(shape, 0.0, 1.0), probability), mask)
        return ops.where(apply, self.fill(images), images)

    def get_config(self):
        config = super().get_config()
        config.update({"scale": list(self.scale), "fill_value": self.fill_value})
        return config
