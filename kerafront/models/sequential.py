"""``Sequential``: a linear stack of layers, each fed the previous one's output.

Built as soon as the input shape is known -- from an ``Input``/``InputLayer`` first layer, from
``input_shape=`` on the first layer (an ``InputLayer`` is inserted, as Keras does), from
``build(input_shape)``, or on the first call (batch size left free). Building runs the layers on
symbolic inputs (shape inference only), so ``summary()`` shows every output shape. Weights built
this way have paths ``"<model name>/<layer name>/<weight>"``.
"""

from kerafront import _masking, ops
from kerafront.layers.input_layer import InputLayer
from kerafront.layers.layer import Layer
from kerafront.layers.symbolic import KerasTensor
from kerafront.models.functional import Functional
from kerafront.models.model import Model
from kerafront.saving import serialization


class Sequential(Model):
    """``Sequential([Dense(10, activation="relu", input_shape=(4,)), Dense(3)])`` or ``add``/``pop``."""

    def __init__(self, layers=None, trainable=True, name=None, **kwargs):
        Model.__init__(self, trainable=trainable, name=name, **kwargs)
        self._layers = []
        self._functional = None
        for layer in layers or []:
            self.add(layer, rebuild=False)
        self._maybe_rebuild()

    def add(self, layer, rebuild=True):
        """Append a layer (or an ``Input`` tensor, which becomes the model's InputLayer)."""
        if isinstance(layer, KerasTensor) and layer.node is not None and isinstance(layer.node.layer, InputLayer):
            layer = layer.node.layer
        if not isinstance(layer, Layer):
            raise TypeError(f'Sequential "{self.name}".add: expected a Layer or an Input tensor, got '
                            f"{type(layer).__name__}.")
        if isinstance(layer, InputLayer) and self._layers:
            raise ValueError(f'Sequential "{self.name}": an InputLayer must come first; the model already has layers '
                             f"{[l.name for l in self._layers]}.")
        if any(existing is layer for existing in self._layers):
            raise ValueError(f'Sequential "{self.name}": layer {layer.name!r} is already in the model. Keras accepts '
                             "a layer twice in a Sequential model, but its config then rebuilds two layers of one "
                             "name, so the saved file would not load; to call a layer twice, use the functional API "
                             "(kerafront.Model(inputs, outputs)).")
        if any(existing.name == layer.name for existing in self._layers):
            raise ValueError(f"All layers added to a Sequential model should have unique names. Name '{layer.name}' "
                             "is already the name of a layer in this model. Update the `name` argument to pass a "
                             "unique name.")
        if not self._layers and not isinstance(layer, InputLayer) and layer._batch_input_shape is not None:
            self._layers.append(InputLayer(batch_shape=layer._batch_input_shape, dtype=layer.dtype))
        self._layers.append(layer)
        if rebuild:
            self._maybe_rebuild()

    def pop(self, rebuild=True):
        """Remove and return the last layer."""
        if not self.layers:
            raise ValueError(f'Sequential "{self.name}" has no layers to pop.')
        layer = self._layers.pop()
        if rebuild:
            self._maybe_rebuild()
        return layer

    def _maybe_rebuild(self):
        self.built = False
        self._functional = None
        self._model_inputs = self._model_outputs = None
        if self._layers and isinstance(self._layers[0], InputLayer) and len(self._layers) > 1:
            self.build(self._layers[0].batch_shape)

    @property
    def output_names(self):
        return None if self._functional is None else self._functional.output_names

    @property
    def layers(self):
        """The layers, without the InputLayer."""
        return list(self._cached("sequential_layers",
                                 lambda: [layer for layer in self._layers if not isinstance(layer, InputLayer)]))

    def _build_on_call(self, inputs, shapes):
        if not isinstance(shapes, tuple):
            raise ValueError(f'Sequential "{self.name}" takes a single input tensor, received {len(shapes)} inputs.')
        if not (self._layers and isinstance(self._layers[0], InputLayer)):
            dtype = inputs.dtype if isinstance(inputs, KerasTensor) else ops.dtype(inputs)
            self._layers.insert(0, InputLayer(batch_shape=(None,) + tuple(shapes[1:]), dtype=dtype))
        self.build((None,) + tuple(shapes[1:]))

    def build(self, input_shape=None):
        """Run the layers on a symbolic input of ``input_shape`` (batch axis included) and keep the graph."""
        if input_shape is None:
            if not (self._layers and isinstance(self._layers[0], InputLayer)):
                raise ValueError(f'Sequential "{self.name}".build needs an input_shape, e.g. build((None, 4)).')
            input_shape = self._layers[0].batch_shape
        input_shape = tuple(input_shape)
        if self._layers and isinstance(self._layers[0], InputLayer):
            if tuple(self._layers[0].batch_shape[1:]) != input_shape[1:]:
                raise ValueError(f'Sequential "{self.name}" was defined for inputs of shape {self._layers[0].batch_shape}, '
                                 f"received shape {input_shape}.")
        else:
            self._layers.insert(0, InputLayer(batch_shape=input_shape, dtype=self.dtype))
        if len(self._layers) == 1:
            raise ValueError(f'Sequential "{self.name}" has no layers to build; add layers first.')
        inputs = self._layers[0].output_tensor
        outputs = inputs
        for layer in self._layers[1:]:
            outputs = layer(outputs)
        self._functional = Functional(inputs, outputs, name=self.name)
        self._model_inputs = self._functional.inputs
        self._model_outputs = self._functional.outputs

    def call(self, inputs, training=None, mask=None):
        if mask is not None:
            _masking.set_masks(inputs, mask)
        outputs = inputs
        for layer in self._cached("sequential_layers", lambda: self.layers):
            outputs = layer(outputs) if training is None else layer(outputs, training=training)
        return outputs

    def compute_output_shape(self, input_shape):
        shape = tuple(input_shape)
        for layer in self.layers:
            shape = layer.compute_output_shape(shape)
        return shape

    def compute_output_spec(self, inputs, *args, **kwargs):
        if self._functional is not None:
            return self._functional.compute_output_spec(inputs)
        return super().compute_output_spec(inputs)

    def get_config(self):
        config = {"name": self.name, "trainable": self.trainable, "dtype": self._dtype_config(),
                  "layers": [serialization.serialize(layer) for layer in self._layers]}
        if self._build_shapes is not None and not (self._layers and isinstance(self._layers[0], InputLayer)):
            config["build_input_shape"] = list(self._build_shapes)
        return config

    @classmethod
    def from_config(cls, config, custom_objects=None):
        """A Sequential model from ``get_config()``'s dict, or from a Keras 3 / tf.keras 2 Sequential config."""
        from kerafront.saving import keras_config
        config = dict(config)
        if keras_config.is_keras_form(config):
            keras_form = {"class_name": "Sequential", "config": config}
            config = keras_config.translate_object(keras_form, custom_objects)["config"]
        layer_configs = config.pop("layers", None)
        if layer_configs is None:
            raise ValueError(f"Sequential.from_config: the config lacks 'layers' (keys: {sorted(config)}).")
        build_shape = config.pop("build_input_shape", None)
        with serialization.custom_object_scope(custom_objects):
            model = cls(**config)
            for layer_config in layer_configs:
                model.add(serialization.deserialize(layer_config), rebuild=False)
        model._maybe_rebuild()
        if build_shape is not None and not model.built:
            model.build(tuple(build_shape))
        return model
