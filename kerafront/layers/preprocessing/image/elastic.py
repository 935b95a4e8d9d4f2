"""``RandomElasticTransform``: Keras's random elastic deformation of images.

In training, per call: a probability ``p`` per image from ``factor``, a threshold ``u`` per image from
``[0, 1)``, and one distortion ``s`` from ``scale`` (Keras's draw order); images with ``u < p`` are warped as
``ops.image.elastic_transform`` with ``alpha = 0.1 s max(height, width)`` and ``sigma = 0.05 s min(height,
width)``, then every image is clipped to ``value_range``. With ``scale[1] == 0`` or ``factor[1] == 0`` the
layer draws nothing and returns its input (cast), as Keras does.

Why the displacement field is built here rather than by calling ``ops.image.elastic_transform``: ``s`` is a
tensor drawn inside a compiled step, and the op needs a Python ``sigma`` for its kernel size
(``int(6 sigma) | 1``, a static shape).
The layer uses the kernel size of the largest ``sigma`` the ``scale`` range allows, with the drawn ``sigma``
inside it. Against Keras's kernel (sized by the drawn ``sigma``) the weights differ by the Gaussian's tail
outside Keras's window, about 1% of the kernel's mass at most; for a drawn ``sigma < 1/3`` Keras's kernel is
1x1 (the noise is not blurred) while this one still blurs. With ``scale=(v, v)`` the two are the same.
"""

from kerafront import ops
from kerafront import random as kf_random
from kerafront.layers.preprocessing.image._augmentation import _is_number, check_choice, factor_range
from kerafront.layers.preprocessing.image.color import ColorAugmentation

FILL_MODES = ("constant", "nearest", "wrap", "mirror", "reflect")


def elastic_params(height, width, distortion):
    """Keras's ``(alpha, sigma)`` for a ``height x width`` image and a distortion ``s`` (number or tensor)."""
    return ops.multiply(distortion, 0.1 * max(height, width)), ops.multiply(distortion, 0.05 * min(height, width))


class RandomElasticTransform(ColorAugmentation):
    """Randomly warp images by a smooth displacement field (see the module docstring for the draws).

    Args (Keras 3.15.1's): ``factor`` (probability range, a number ``f`` in [0, 1] means ``(0, f)``),
    ``scale`` (distortion range, same form), ``interpolation`` ("bilinear" or "nearest"), ``fill_mode``
    ("constant", "nearest", "wrap", "mirror", "reflect"), ``fill_value``, ``value_range``, ``seed``,
    ``data_format``. Images ``(h, w, c)`` or ``(batch, h, w, c)`` (channels first with
    ``data_format="channels_first"``); the output has the input's shape and the layer's float dtype.
    """

    def __init__(self, factor=1.0, scale=1.0, interpolation="bilinear", fill_mode="reflect", fill_value=0.0,
                 value_range=(0, 255), seed=None, data_format=None, **kwargs):
        super().__init__(value_range=value_range, seed=seed, data_format=data_format, **kwargs)
        name = "RandomElasticTransform"
        self.factor = factor_range(name, "factor", factor, 0.0, 1.0)
        self.scale = factor_range(name, "scale", scale, 0.0, 1.0)
        self.interpolation = check_choice(name, "interpolation", interpolation, ("nearest", "bilinear"))
        self.fill_mode = check_choice(name, "fill_mode", fill_mode, FILL_MODES)
        if not _is_number(fill_value):
            raise ValueError(f"{name}: fill_value must be a number, got fill_value={fill_value!r}.")
        self.fill_value = fill_value

    def call(self, inputs, training=False):
        images = self.as_float(inputs)
        if not training or self.scale[1] == 0 or self.factor[1] == 0:
            return images
        batch, height, width, _, _ = self.image_axes(images)
        shape = self.per_image_shape(images)
        probability = self.uniform(shape, *self.factor)
        apply = ops.less(self.uniform(shape, 0.0, 1.0), probability)
        distortion = ops.cast(self.uniform((), *self.scale), ops.dtype(images))
        alpha, sigma = elastic_params(height, width, distortion)
        sigma = ops.maximum(sigma, 1e-6)  # a draw of exactly 0 would make the Gaussian 0 / 0
        warped = self._warp(images, alpha, sigma, kernel=int(6 * 0.05 * min(height, width) * self.scale[1]) | 1)
        return ops.clip(ops.where(apply, warped, images), float(self.value_range[0]), float(self.value_range[1]))

    def _warp(self, images, alpha, sigma, kernel):
        """``ops.image.elastic_transform``'s warp with a tensor ``alpha``/``sigma`` and a static ``kernel``."""
        unbatched = len(tuple(ops.shape(images))) == 3
        x = ops.expand_dims(images, 0) if unbatched else images
        x = ops.transpose(x, (0, 2, 3, 1)) if self.data_format == "channels_first" else x
        batch, height, width, channels = tuple(ops.shape(x))
        dtype = ops.dtype(x)
        sigmas = ops.stack([sigma, sigma])
        fields = []
        for _ in range(2):
            noise = ops.multiply(kf_random.normal((batch, height, width, 1), dtype=dtype,
                                                  seed=self.seed_generator_for_call()), sigma)
            blurred = ops.image.gaussian_blur(noise, kernel_size=(kernel, kernel), sigma=sigmas,
                                              data_format="channels_last")
            fields.append(ops.multiply(ops.broadcast_to(blurred, (batch, height, width, channels)), alpha))
        full = (batch, height, width, channels)

        def grid(axis, size):
            axis_shape = [1, 1, 1, 1]
            axis_shape[axis] = size
            return ops.broadcast_to(ops.reshape(ops.arange(size, dtype=dtype), axis_shape), full)

        coordinates = ops.stack([grid(0, batch), ops.add(grid(1, height), fields[1]),
                                 ops.add(grid(2, width), fields[0]), grid(3, channels)], axis=0)
        out = ops.image.map_coordinates(x, coordinates, 1 if self.interpolation == "bilinear" else 0,
                                        self.fill_mode, self.fill_value)
        out = ops.transpose(out, (0, 3, 1, 2)) if self.data_format == "channels_first" else out
        return ops.squeeze(out, 0) if unbatched else out

    def get_config(self):
        config = super().get_config()
        config.update({"scale": list(self.scale), "interpolation": self.interpolation, "fill_mode": self.fill_mode,
                       "fill_value": self.fill_value})
        return config
