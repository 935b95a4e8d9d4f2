"""``TimeDistributed``: apply one layer (one set of weights) to every time step of a sequence."""

from kerafront import ops
from kerafront.layers.layer import Layer
from kerafront.layers.symbolic import KerasTensor
from kerafront.saving.serialization import deserialize, serialize


class TimeDistributed(Layer):
    """``layer`` applied to each slice ``inputs[:, t]``: inputs ``(batch, timesteps, ...)`` ->
    outputs ``(batch, timesteps, *layer_output[1:])``; a mask ``(batch, timesteps, ...)`` is passed
    on per step and the output keeps it.

    The steps run as one call on ``(batch * timesteps, ...)`` (Keras 3 loops over the steps); the
    results are the same for layers that treat examples independently. A layer with batch
    statistics in training (BatchNormalization) then sees all steps at once, as in Keras 2.
    """

    def __init__(self, layer, **kwargs):
        if not isinstance(layer, Layer):
            raise ValueError(f"TimeDistributed: layer must be a kerafront layer instance, received {layer!r}.")
        super().__init__(**kwargs)
        self.layer = layer
        self.supports_masking = True

    def _child_shape(self, input_shape):
        input_shape = tuple(input_shape)
        if len(input_shape) < 3:
            raise ValueError(f'TimeDistributed layer "{self.name}": expected inputs of rank >= 3 (batch, timesteps, '
                             f"...), received shape {input_shape}.")
        return (input_shape[0],) + input_shape[2:]

    def build(self, input_shape):
        if not self.layer.built:
            self.layer.build(self._child_shape(input_shape))

    def compute_output_shape(self, input_shape):
        child = self._child_shape(input_shape)
        if type(self.layer).compute_output_shape is Layer.compute_output_shape:
            child_output = self.layer.compute_output_spec(KerasTensor(child, self.layer.dtype)).shape
        else:
            child_output = self.layer.compute_output_shape(child)
        return (child_output[0], input_shape[1]) + tuple(child_output[1:])

    def call(self, inputs, training=None, mask=None):
        shape = tuple(ops.shape(inputs))
        self._child_shape(shape)
        kwargs = {}
        if mask is not None:
            mask_shape = tuple(ops.shape(mask))
            if len(mask_shape) < 2 or any(a is not None and b is not None and a != b
                                          for a, b in zip(mask_shape[:2], shape[:2])):
                raise ValueError(f'TimeDistributed layer "{self.name}": the mask must have shape (batch, timesteps, '
                                 f"...) = {shape[:2]} for inputs of shape {shape}, received a mask of shape "
                                 f"{mask_shape}.")
            if self.layer._get_call_flags()[1]:
                kwargs["mask"] = ops.reshape(mask, (-1,) + mask_shape[2:])
        outputs = self.layer(ops.reshape(inputs, (-1,) + shape[2:]), training=training, **kwargs)
        batch, steps = shape[:2]
        leading = (-1, steps) if steps is not None else (batch, -1)
        return ops.reshape(outputs, leading + tuple(ops.shape(outputs))[1:])

    def get_config(self):
        config = super().get_config()
        config["layer"] = serialize(self.layer)
        return config

    @classmethod
    def from_config(cls, config):
        config = dict(config)
        return cls(deserialize(config.pop("layer")), **config)
