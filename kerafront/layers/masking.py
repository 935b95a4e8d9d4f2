"""``Masking``: mark timesteps whose features all equal ``mask_value`` as padding."""

from kerafront import ops
from kerafront.layers.layer import Layer


class Masking(Layer):
    """Skip padded timesteps: inputs ``(B, T, ..., features)`` -> the same shape, with every timestep whose
    features all equal ``mask_value`` set to zeros.

    ``compute_mask`` gives ``(B, T, ...)`` booleans, ``any(inputs != mask_value, axis=-1)``: False at the
    padded timesteps, which mask-consuming layers downstream (RNNs, attention, pooling, losses) skip.
    """

    def __init__(self, mask_value=0.0, **kwargs):
        super().__init__(**kwargs)
        self.supports_masking = True
        if not isinstance(mask_value, (int, float)) or isinstance(mask_value, bool):
            raise ValueError(f'Masking "{self.name}": mask_value must be a number, got {mask_value!r}.')
        self.mask_value = mask_value

    def compute_mask(self, inputs, mask=None):
        """``any(inputs != mask_value, axis=-1)``; a mask arriving from upstream is replaced, as in Keras."""
        return ops.any(ops.not_equal(inputs, self.mask_value), axis=-1)

    def call(self, inputs):
        keep = ops.any(ops.not_equal(inputs, self.mask_value), axis=-1, keepdims=True)
        return ops.where(keep, inputs, 0.0)

    def compute_output_shape(self, input_shape):
        return tuple(input_shape)

    def get_config(self):
        config = super().get_config()
        config["mask_value"] = self.mask_value
        return config
