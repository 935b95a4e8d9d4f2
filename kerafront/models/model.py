"""``Model``: a ``Layer`` with the training API (``kerafront.training.trainer.Trainer``).

Three ways to make one, as in Keras:

* functional: ``Model(inputs, outputs)`` (returns a ``Functional``, see ``functional.py``);
* ``Sequential([...])`` (``sequential.py``);
* subclassing: define layers in ``__init__`` and the forward pass in ``call``. Sub-layers build
  lazily on the first call; ``model.build(input_shape)`` builds ahead of time.
"""

from kerafront.layers.layer import Layer
from kerafront.layers.symbolic import KerasTensor, map_shapes
from kerafront.training.trainer import Trainer


def _is_functional_call(args, kwargs):
    return len(args) >= 2 or "inputs" in kwargs or "outputs" in kwargs


class Model(Trainer, Layer):
    """Base of all models; ``Model(inputs, outputs)`` makes a functional model."""

    _warns_on_dropped_mask = False
    _UNTRACKED = Layer._UNTRACKED | {"_functional", "_model_inputs", "_model_outputs", "_inputs_struct",
                                     "_outputs_struct", "_nodes", "_loss_tracker", "_compile_metrics", "_compile_config",
                                     "_compile_loss"}

    def __new__(cls, *args, **kwargs):
        if cls is Model and _is_functional_call(args, kwargs):
            from kerafront.models.functional import Functional
            return Functional.__new__(Functional, *args, **kwargs)
        return super().__new__(cls, *args, **kwargs)

    def __init__(self, *args, **kwargs):
        if _is_functional_call(args, kwargs):
            # A subclass constructed as Sub(inputs, outputs) or calling super().__init__(inputs,
            # outputs): a functional model whose steps the subclass may override (as in Keras).
            from kerafront.models.functional import Functional
            _make_functional(type(self), Functional)
            Functional.__init__(self, *args, **kwargs)
            return
        if args:
            raise TypeError(f"{type(self).__name__}: unexpected positional arguments {args!r}. Use Model(inputs, "
                            "outputs) for a functional model, or subclass Model and pass keyword arguments.")
        Layer.__init__(self, **kwargs)

    # ------------------------------------------------------------------------------------------
    # Building

    def _build_on_call(self, inputs, shapes):
        """First call of a subclassed model: sub-layers build lazily while ``call`` runs."""
        Layer.build(self, shapes)

    def build(self, input_shape=None):
        """Build a subclassed model for inputs of ``input_shape`` (batch axis included, may be None).

        Runs ``call`` on symbolic inputs of that shape: its layers build and its ops infer shapes
        (``kerafront.ops._symbolic``); no kernel runs and no variable changes.
        """
        if input_shape is None:
            raise ValueError(f'Model "{self.name}".build needs an input_shape, e.g. model.build((None, 4)).')
        self._trace_call(map_shapes(lambda s: KerasTensor(s, self.dtype), input_shape))

    # ------------------------------------------------------------------------------------------
    # Introspection

    @property
    def layers(self):
        """The model's direct sub-layers, in the order they were assigned."""
        return self._tracked_children()[0]

    def get_layer(self, name=None, index=None):
        """The layer called ``name``, or at position ``index`` of ``layers``."""
        if (name is None) == (index is None):
            raise ValueError(f'Model "{self.name}".get_layer: pass exactly one of name= or index=.')
        layers = self.layers
        if index is not None:
            if not -len(layers) <= index < len(layers):
                raise ValueError(f'Model "{self.name}" has {len(layers)} layers; index {index} is out of range.')
            return layers[index]
        for layer in layers:
            if layer.name == name:
                return layer
        raise ValueError(f'Model "{self.name}" has no layer named {name!r}. Layers: {[l.name for l in layers]}.')

    @property
    def inputs(self):
        """Symbolic inputs (a list of KerasTensors) of a functional/Sequential model; None otherwise."""
        return getattr(self, "_model_inputs", None)

    @property
    def outputs(self):
        return getattr(self, "_model_outputs", None)

    @property
    def input_shape(self):
        return _single_or_list([t.shape for t in self._require_graph("input_shape").inputs])

    @property
    def output_shape(self):
        return _single_or_list([t.shape for t in self._require_graph("output_shape").outputs])

    def _require_graph(self, what):
        if self.inputs is None:
            raise ValueError(f'Model "{self.name}" has no {what}: it is not a functional model nor a built Sequential '
                             "model.")
        return self

    # ------------------------------------------------------------------------------------------
    # Saving (implemented in kerafront.saving)

    def save(self, filepath, overwrite=True, zipped=None, **kwargs):
        """Save architecture, weights and compile state (``kerafront.saving.save_model``): a ``.keras``
        name writes Keras 3's archive, ``.h5``/``.hdf5`` legacy Keras HDF5, anything else kerafront's own."""
        from kerafront.saving import save_model
        return save_model(self, filepath, overwrite=overwrite, zipped=zipped, **kwargs)

    def save_weights(self, filepath, overwrite=True, **kwargs):
        """Write every variable to ``filepath``: Keras 3's layout for ``.weights.h5``, else kerafront's."""
        from kerafront.saving import save_weights
        return save_weights(self, filepath, overwrite=overwrite, **kwargs)

    def load_weights(self, filepath, skip_mismatch=False, **kwargs):
        """Load variables from a kerafront or Keras file (``kerafront.saving.load_weights``)."""
        from kerafront.saving import load_weights
        return load_weights(self, filepath, skip_mismatch=skip_mismatch, **kwargs)

    def to_json(self, **kwargs):
        """The model's Keras 3 config as JSON (``kwargs`` go to ``json.dumps``); ``model_from_json`` reads it,
        and so does Keras 3's."""
        import json

        from kerafront.saving.keras_config import keras_config_from_model
        config = keras_config_from_model(self)
        config.pop("compile_config", None)
        return json.dumps(config, **kwargs)

    @classmethod
    def from_config(cls, config, custom_objects=None):
        """A model from ``get_config()``'s dict: a functional config (``layers``, ``input_layers``,
        ``output_layers``) gives a functional model, a Sequential config a Sequential; Keras 3 and tf.keras 2
        configs are translated first (``kerafront.saving.keras_config``)."""
        from kerafront.models.functional import Functional
        from kerafront.models.sequential import Sequential
        from kerafront.saving import keras_config
        if isinstance(config, dict) and isinstance(config.get("layers"), list) and cls in (Model, Functional):
            target = Functional if "input_layers" in config else Sequential
            if keras_config.is_keras_form(config):
                config = keras_config.translate_object({"class_name": target.__name__, "config": config},
                                                       custom_objects)["config"]
            return target.from_config(config, custom_objects)
        return super().from_config(config)

    def summary(self, line_length=None, positions=None, print_fn=None, expand_nested=False, show_trainable=False):
        """Print a table of layers (type), output shapes and parameter counts, then the totals
        (Keras's counts: trainable and non-trainable weights; seed states are not counted)."""
        from kerafront.models.summary import print_summary
        print_summary(self, line_length=line_length, positions=positions, print_fn=print_fn,
                      expand_nested=expand_nested, show_trainable=show_trainable)


def _make_functional(cls, functional):
    """Put ``Functional`` in place of ``Model`` among the bases of the subclass ``cls`` (once)."""
    if issubclass(cls, functional):
        return
    for klass in cls.__mro__:
        if Model in klass.__bases__:
            klass.__bases__ = tuple(functional if base is Model else base for base in klass.__bases__)
            return


def _single_or_list(items):
    return items[0] if len(items) == 1 else items
