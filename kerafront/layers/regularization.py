"""Dropout and SpatialDropout2D.

Randomness comes from a ``kerafront.random.SeedGenerator`` held by the layer: its state is a
non-trainable variable of the layer (threaded through compiled training steps, so two steps drop
different units) but not a weight (not in ``get_weights`` nor in parameter counts).
"""

from kerafront import ops
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
