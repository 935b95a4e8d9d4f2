"""RMSNormalization (Keras 3's): ``x * rsqrt(mean(square(x), axis) + epsilon) * scale``."""

from kerafront import ops
from kerafront.layers.layer import Layer


class RMSNormalization(Layer):
    """Divide by the root mean square over ``axis`` (an int or a list; default -1), then multiply by a learned
    ``scale`` (ones at first) of the normalized axes' sizes. Keras's defaults: ``epsilon=1e-6`` (added to the
    mean square). Like Keras, ``axis`` reads as a sorted list once built. Shapes: output = input."""

    def __init__(self, axis=-1, epsilon=1e-6, **kwargs):
        super().__init__(**kwargs)
        if not (isinstance(axis, int) or (isinstance(axis, (list, tuple)) and axis
                                          and all(isinstance(a, int) for a in axis))) or isinstance(axis, bool):
            raise TypeError(f"RMSNormalization: axis must be an int or a list of ints, got axis={axis!r}.")
        self.axis = list(axis) if isinstance(axis, (list, tuple)) else axis
        self.epsilon = epsilon

    def build(self, input_shape):
        self.compute_output_shape(input_shape)
        axes = sorted(self.axis) if isinstance(self.axis, list) else [self.axis]
        shape = tuple(input_shape[a] for a in axes)
        if any(n is None for n in shape):
            raise ValueError(f'RMSNormalization "{self.name}": the normalized axes {axes} must have known sizes, got '
                             f"input shape {tuple(input_shape)}.")
        self.axis = axes
        self.scale = self.add_weight(shape, initializer="ones", name="scale")

    def call(self, inputs):
        return ops.rms_normalization(inputs, scale=self.scale, axis=tuple(self.axis), epsilon=self.epsilon)

    def compute_output_shape(self, input_shape):
        rank = len(input_shape)
        for a in [self.axis] if isinstance(self.axis, int) else self.axis:
            if not -rank <= a < rank:
                raise ValueError(f'RMSNormalization "{self.name}": axis {a} is out of range for inputs of shape '
                                 f"{tuple(input_shape)}.")
        return tuple(input_shape)

    def get_config(self):
        config = super().get_config()
        config.update({"axis": self.axis, "epsilon": self.epsilon})
        return config
