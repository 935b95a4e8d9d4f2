"""Dropout, SpatialDropout1D/2D/3D, GaussianNoise, GaussianDropout, AlphaDropout, ActivityRegularization.

Randomness comes from a ``kerafront.random.SeedGenerator`` held by the layer: its state is a
non-trainable variable of the layer (threaded through compiled training steps, so two steps drop
different units) but not a weight (not in ``get_weights`` nor in parameter counts).
"""

import math

from kerafront import ops, regularizers
from kerafront import random as kf_random
from kerafront.layers import _utils
from kerafront.layers.input_spec import InputSpec
from kerafront.layers.layer import Layer


class Dropout(Layer):
    """In training, zero each element with probability ``rate`` and scale the others by
    ``1 / (1 - rate)`` (inverted dropout); at inference, the identity.

    ``noise_shape``: the shape of the keep-mask, broadcast over the input (``None`` entries take the
    input's size), e.g. ``(batch, 1, features)`` to drop the same features at every step.
    ``seed``: makes the sequence of masks reproducible.
    """

    def __init__(self, rate, noise_shape=None, seed=None, **kwargs):
        super().__init__(**kwargs)
        self.supports_masking = True
        if not 0 <= rate < 1:
            raise ValueError(f"{type(self).__name__}: rate must be in [0, 1), got {rate!r}.")
        self.rate = float(rate)
        self.noise_shape = None if noise_shape is None else tuple(noise_shape)
        self.seed = seed
        self.seed_generator = kf_random.SeedGenerator(seed, name="seed_generator")
        self.seed_generator.state.path = f"{self.name}/seed_generator_state"

    def _noise_shape(self, inputs):
        if self.noise_shape is None:
            return None
        shape = tuple(ops.shape(inputs))
        return tuple(s if n is None else n for n, s in zip(self.noise_shape, shape))

    def call(self, inputs, training=False):
        if training and self.rate > 0:
            return kf_random.dropout(inputs, self.rate, noise_shape=self._noise_shape(inputs),
                                     seed=self.seed_generator)
        return inputs

    def compute_output_shape(self, input_shape):
        return tuple(input_shape)

    def get_config(self):
        config = super().get_config()
        config.update({"rate": self.rate, "noise_shape": self.noise_shape, "seed": self.seed})
        return config


class SpatialDropout2D(Dropout):
    """Dropout of whole feature maps: one keep/drop draw per (example, channel), applied to every
    pixel of that channel. Inputs ``(batch, rows, cols, channels)`` (channels_last)."""

    def __init__(self, rate, data_format=None, seed=None, **kwargs):
        super().__init__(rate, seed=seed, **kwargs)
        self.data_format = _utils.normalize_data_format(data_format, "SpatialDropout2D")
        self.input_spec = InputSpec(ndim=4)

    def _noise_shape(self, inputs):
        batch, _, channels = _utils.split_shape(tuple(ops.shape(inputs)), self.data_format)
        return _utils.join_shape(batch, (1, 1), channels, self.data_format)

    def get_config(self):
        config = super().get_config()
        config.pop("noise_shape")
        config["data_format"] = self.data_format
        return config


class SpatialDropout1D(Dropout):
    """Dropout of whole channels of a sequence: one keep/drop draw per (example, channel), applied at
    every step. Inputs ``(batch, steps, channels)``."""

    def __init__(self, rate, seed=None, **kwargs):
        super().__init__(rate, seed=seed, **kwargs)
        self.input_spec = InputSpec(ndim=3)

    def _noise_shape(self, inputs):
        shape = tuple(ops.shape(inputs))
        return (shape[0], 1, shape[2])

    def get_config(self):
        config = super().get_config()
        for key in ("noise_shape", "trainable"):  # Keras's keys: rate, seed, name, dtype
            config.pop(key)
        return config


class SpatialDropout3D(Dropout):
    """Dropout of whole 3-D feature maps: one keep/drop draw per (example, channel). Inputs
    ``(batch, dim1, dim2, dim3, channels)`` (channels_last) or ``(batch, channels, dim1, dim2, dim3)``."""

    def __init__(self, rate, data_format=None, seed=None, **kwargs):
        super().__init__(rate, seed=seed, **kwargs)
        self.data_format = _utils.normalize_data_format(data_format, "SpatialDropout3D")
        self.input_spec = InputSpec(ndim=5)

    def _noise_shape(self, inputs):
        batch, _, channels = _utils.split_shape(tuple(ops.shape(inputs)), self.data_format)
        return _utils.join_shape(batch, (1, 1, 1), channels, self.data_format)

    def get_config(self):
        config = super().get_config()
        for key in ("noise_shape", "trainable"):  # Keras's keys: rate, seed, name, dtype, data_format
            config.pop(key)
        config["data_format"] = self.data_format
        return config


def _check_rate(layer, name, value, upper_inclusive):
    top_ok = value <= 1 if upper_inclusive else value < 1
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not (0 <= value and top_ok):
        interval = "[0, 1]" if upper_inclusive else "[0, 1)"
        raise ValueError(f"{layer}: {name} must be a number in {interval}, got {name}={value!r}.")
    return value


class _NoiseLayer(Layer):
    """Shape-preserving, mask-passing layer that is the identity unless called with ``training=True``;
    draws from its own ``SeedGenerator`` (see the module docstring)."""

    def __init__(self, seed=None, **kwargs):
        super().__init__(**kwargs)
        self.supports_masking = True
        self.seed = seed
        self.seed_generator = kf_random.SeedGenerator(seed, name="seed_generator")
        self.seed_generator.state.path = f"{self.name}/seed_generator_state"

    def compute_output_shape(self, input_shape):
        return tuple(input_shape)


class GaussianNoise(_NoiseLayer):
    """In training, add zero-mean Gaussian noise of standard deviation ``stddev`` (in [0, 1]); at
    inference, the identity."""

    def __init__(self, stddev, seed=None, **kwargs):
        super().__init__(seed=seed, **kwargs)
        self.stddev = _check_rate("GaussianNoise", "stddev", stddev, upper_inclusive=True)

    def call(self, inputs, training=False):
        if training and self.stddev > 0:
            noise = kf_random.normal(ops.shape(inputs), mean=0.0, stddev=self.stddev, dtype=ops.dtype(inputs),
                                     seed=self.seed_generator)
            return ops.add(inputs, noise)
        return inputs

    def get_config(self):
        config = super().get_config()
        config.update({"stddev": self.stddev, "seed": self.seed})
        return config


class GaussianDropout(_NoiseLayer):
    """In training, multiply by Gaussian noise of mean 1 and standard deviation
    ``sqrt(rate / (1 - rate))`` (``rate`` in [0, 1)); at inference, the identity. The expected
    output equals the input, as with inverted dropout."""

    def __init__(self, rate, seed=None, **kwargs):
        super().__init__(seed=seed, **kwargs)
        self.rate = _check_rate("GaussianDropout", "rate", rate, upper_inclusive=False)

    def call(self, inputs, training=False):
        if training and self.rate > 0:
            stddev = math.sqrt(self.rate / (1.0 - self.rate))
            noise = kf_random.normal(ops.shape(inputs), mean=1.0, stddev=stddev, dtype=ops.dtype(inputs),
                                     seed=self.seed_generator)
            return ops.multiply(inputs, noise)
        return inputs

    def get_config(self):
        config = super().get_config()
        config.update({"rate": self.rate, "seed": self.seed})
        return config


_SELU_ALPHA = 1.6732632423543772848170429916717
_SELU_SCALE = 1.0507009873554804934193349852946


class AlphaDropout(_NoiseLayer):
    """Dropout for SELU networks: in training, dropped units are set to SELU's negative saturation
    ``-alpha * scale`` and the result is affinely rescaled (``a * x + b``) so that inputs of mean 0
    and variance 1 keep them; at inference, the identity.

    ``rate`` in [0, 1); ``noise_shape`` as in ``Dropout`` (``None`` entries take the input's size).
    """

    def __init__(self, rate, noise_shape=None, seed=None, **kwargs):
        super().__init__(seed=seed, **kwargs)
        self.rate = _check_rate("AlphaDropout", "rate", rate, upper_inclusive=False)
        self.noise_shape = None if noise_shape is None else tuple(noise_shape)

    def _concrete_noise_shape(self, inputs):
        shape = tuple(ops.shape(inputs))
        if self.noise_shape is None:
            return shape
        if len(self.noise_shape) != len(shape):
            raise ValueError(f'AlphaDropout "{self.name}": noise_shape {self.noise_shape} must have one entry per '
                             f"input axis, got inputs of shape {shape}.")
        return tuple(s if n is None else n for n, s in zip(self.noise_shape, shape))

    def call(self, inputs, training=False):
        if not (training and self.rate > 0):
            return inputs
        saturation = -_SELU_ALPHA * _SELU_SCALE
        draws = kf_random.uniform(self._concrete_noise_shape(inputs), seed=self.seed_generator)
        kept = ops.cast(ops.greater_equal(draws, self.rate), ops.dtype(inputs))
        a = ((1 - self.rate) * (1 + self.rate * saturation ** 2)) ** -0.5
        b = -a * saturation * self.rate
        dropped_value = ops.multiply(ops.subtract(1.0, kept), saturation)
        return ops.add(ops.multiply(ops.add(ops.multiply(inputs, kept), dropped_value), a), b)

    def get_config(self):
        config = super().get_config()
        config.update({"rate": self.rate, "seed": self.seed, "noise_shape": self.noise_shape})
        return config


class ActivityRegularization(Layer):
    """The identity, adding ``(l1 * sum(|x|) + l2 * sum(x**2)) / batch_size`` of its outputs to the
    layer's losses (an ``L1L2`` activity regularizer; Keras 3 divides every activity penalty by the batch
    size)."""

    def __init__(self, l1=0.0, l2=0.0, **kwargs):
        if "activity_regularizer" in kwargs:
            raise ValueError("ActivityRegularization: pass l1 and l2, not activity_regularizer.")
        super().__init__(activity_regularizer=regularizers.L1L2(l1=l1, l2=l2), **kwargs)
        self.supports_masking = True
        self.l1, self.l2 = l1, l2

    def call(self, inputs):
        return inputs

    def compute_output_shape(self, input_shape):
        return tuple(input_shape)

    def get_config(self):
        config = super().get_config()
        config.update({"l1": self.l1, "l2": self.l2})
        return config
