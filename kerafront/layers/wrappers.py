"""Keras's ``Wrapper`` (the base of layers that hold one inner layer) and ``Pipeline`` (layers applied in
turn, as a plain layer rather than a model)."""

from kerafront.layers.layer import Layer
from kerafront.layers.symbolic import KerasTensor
from kerafront.saving.serialization import deserialize, serialize


class Wrapper(Layer):
    """Base of a layer that augments one inner ``layer`` (subclass it and write ``call``).

    ``build`` builds the inner layer on the same input shape when it is not built; the config holds the
    inner layer's serialized form under ``"layer"``, as in Keras.
    """

    def __init__(self, layer, **kwargs):
        if not isinstance(layer, Layer):
            raise ValueError(f"{type(self).__name__}: layer must be a kerafront layer instance, received {layer!r}.")
        super().__init__(**kwargs)
        self.layer = layer

    def build(self, input_shape=None):
        if not self.layer.built:
            self.layer.build(input_shape)

    def get_config(self):
        config = super().get_config()
        config["layer"] = serialize(self.layer)
        return config

    @classmethod
    def from_config(cls, config, custom_objects=None):
        config = dict(config)
        return cls(deserialize(config.pop("layer"), custom_objects), **config)


class Pipeline(Layer):
    """``layers`` applied in turn; masks pass from each layer to the next as between any layers.

    Unlike ``Sequential`` it is a layer, not a model. ``training`` defaults to True, as in Keras (a data
    augmentation pipeline augments unless told otherwise). Config: ``{"layers": [...], "name": ...}``.
    """

    def __init__(self, layers, name=None):
        if not isinstance(layers, (list, tuple)) or not all(isinstance(layer, Layer) for layer in layers):
            raise ValueError(f"Pipeline: layers must be a list of kerafront layer instances, received {layers!r}.")
        super().__init__(name=name)
        self._pipeline_layers = list(layers)

    @property
    def layers(self):
        return self._pipeline_layers

    def call(self, inputs, training=True):
        for layer in self._pipeline_layers:
            inputs = layer(inputs, training=training)
        return inputs

    def build(self, input_shape):
        self._shapes(input_shape, build=True)

    def compute_output_shape(self, input_shape):
        return self._shapes(input_shape)

    def _shapes(self, input_shape, build=False):
        """Each layer's output shape in turn from ``input_shape`` (``build``: building each on its input)."""
        shape = tuple(input_shape)
        for layer in self._pipeline_layers:
            if build and not layer.built:
                layer.build(shape)
            if type(layer).compute_output_shape is Layer.compute_output_shape:
                shape = tuple(layer.compute_output_spec(KerasTensor(shape, layer.dtype)).shape)
            else:
                shape = tuple(layer.compute_output_shape(shape))
        return shape

    def get_config(self):
        return {"layers": [serialize(layer) for layer in self._pipeline_layers], "name": self.name}

    @classmethod
    def from_config(cls, config, custom_objects=None):
        layers = config.get("layers")
        if not isinstance(layers, (list, tuple)):
            raise ValueError(f"Pipeline: the config must hold a list of serialized layers under 'layers', "
                             f"received layers={layers!r}.")
        return cls([deserialize(layer, custom_objects) for layer in layers], name=config.get("name"))
