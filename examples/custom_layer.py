"""A custom layer: build/call/get_config, used in a model, round-tripped through its config.

Run: ``python examples/custom_layer.py`` (any backend: ``KERAFRONT_BACKEND=torch python ...``).

``ScaledDense`` is a Dense layer with a learned per-unit output scale. It shows the whole custom
layer contract: weights created in ``build`` from the input shape, the forward pass in ``call``
written with ``kerafront.ops`` only (so it runs on every backend), ``compute_output_shape`` for the
functional API and ``summary()``, and ``get_config`` plus registration so that a saved config can
find the class again (kerafront never imports code by a name read from a config).
"""

import numpy as np

import kerafront
from kerafront import layers, ops
from kerafront.saving import deserialize, register_serializable, serialize


@register_serializable(package="Examples")
class ScaledDense(layers.Layer):
    """``activation((inputs @ kernel + bias) * scale)``: inputs ``(..., in)`` -> ``(..., units)``."""

    def __init__(self, units, activation=None, **kwargs):
        super().__init__(**kwargs)
        self.units = units
        self.activation = kerafront.activations.get(activation)

    def build(self, input_shape):
        in_features = input_shape[-1]
        self.kernel = self.add_weight((in_features, self.units), initializer="glorot_uniform", name="kernel")
        self.bias = self.add_weight((self.units,), initializer="zeros", name="bias")
        self.scale = self.add_weight((self.units,), initializer="ones", name="scale")

    def call(self, inputs):
        return self.activation(ops.multiply(ops.add(ops.matmul(inputs, self.kernel), self.bias), self.scale))

    def compute_output_shape(self, input_shape):
        return tuple(input_shape[:-1]) + (self.units,)

    def get_config(self):
        config = super().get_config()
        config.update({"units": self.units, "activation": kerafront.activations.serialize(self.activation)})
        return config


def main():
    kerafront.utils.set_random_seed(0)
    inputs = layers.Input((4,))
    hidden = ScaledDense(8, activation="relu")(inputs)
    outputs = layers.Dense(3, activation="softmax")(hidden)
    model = kerafront.Model(inputs, outputs, name="custom_layer_demo")
    model.summary()

    x = np.random.default_rng(0).standard_normal((5, 4)).astype("float32")
    before = ops.convert_to_numpy(model(x))

    clone = deserialize(serialize(model))  # the registered name "Examples>ScaledDense" finds the class
    clone.set_weights(model.get_weights())
    after = ops.convert_to_numpy(clone(x))
    np.testing.assert_allclose(after, before, rtol=1e-6)

    layer = model.layers[1]
    copy = ScaledDense.from_config(layer.get_config())
    print(f"{type(copy).__name__} config: {copy.get_config()}")
    print(f"round trip through the config gives identical predictions on {kerafront.backend()}: "
          f"max difference {np.abs(after - before).max():.1e}")
    return model, clone


if __name__ == "__main__":
    main()
