"""Core layers: Dense, Activation, Embedding, Identity."""

import numpy as np

from kerafront import activations, constraints, initializers, ops, regularizers, tree
from kerafront.layers._kernel_bias import KernelBiasMixin
from kerafront.layers.input_spec import InputSpec
from kerafront.layers.layer import Layer
from kerafront.layers.symbolic import KerasTensor
from kerafront.saving.serialization import serialize


def _positive_int(value, what, layer):
    if not isinstance(value, int) or isinstance(value, bool) or value <= 0:
        raise ValueError(f"{layer}: {what} must be a positive integer, got {value!r}.")
    return value


class Dense(KernelBiasMixin, Layer):
    """Fully connected layer: ``activation(inputs @ kernel + bias)`` over the last axis.

    Shapes: inputs ``(..., in)`` -> outputs ``(..., units)``; ``kernel`` ``(in, units)`` (Keras's
    layout; torch's Linear stores the transpose), ``bias`` ``(units,)``. Defaults as Keras:
    glorot-uniform kernel, zero bias. Parameters: ``in * units + units``.
    """

    def __init__(self, units, activation=None, use_bias=True, kernel_initializer="glorot_uniform",
                 bias_initializer="zeros", kernel_regularizer=None, bias_regularizer=None, activity_regularizer=None,
                 kernel_constraint=None, bias_constraint=None, **kwargs):
        super().__init__(activity_regularizer=activity_regularizer, **kwargs)
        self.supports_masking = True
        self.units = _positive_int(units, "units", "Dense")
        self._init_kernel_bias(activation, use_bias, kernel_initializer, bias_initializer, kernel_regularizer,
                               bias_regularizer, kernel_constraint, bias_constraint)
        self.input_spec = InputSpec(min_ndim=2)

    def build(self, input_shape):
        in_features = input_shape[-1]
        if in_features is None:
            raise ValueError(f'Dense "{self.name}": the last axis of the input must be known, got shape {input_shape}.')
        self._build_kernel_bias((in_features, self.units), self.units)
        self.input_spec = InputSpec(min_ndim=2, axes={-1: in_features})

    def call(self, inputs):
        outputs = ops.matmul(inputs, self.kernel)
        if self.bias is not None:
            outputs = ops.add(outputs, self.bias)
        return self.activation(outputs)

    def compute_output_shape(self, input_shape):
        return tuple(input_shape[:-1]) + (self.units,)

    def _input_spec_hint(self):
        return "Its kernel was built for that last-axis size; feed inputs with the same number of features."

    def get_config(self):
        config = super().get_config()
        config.update({"units": self.units, **self._kernel_bias_config()})
        return config


class Activation(Layer):
    """Apply an activation (a name from ``kerafront.activations`` or a callable) elementwise."""

    def __init__(self, activation, **kwargs):
        super().__init__(**kwargs)
        self.supports_masking = True
        self.activation = activations.get(activation)

    def call(self, inputs):
        return self.activation(inputs)

    def compute_output_shape(self, input_shape):
        return tuple(input_shape)

    def get_config(self):
        config = super().get_config()
        config["activation"] = activations.serialize(self.activation)
        return config


class Embedding(Layer):
    """Map integer ids to dense vectors: ``embeddings[ids]``.

    Shapes: inputs ``(...)`` integers in ``[0, input_dim)`` -> outputs ``(..., output_dim)``;
    ``embeddings`` ``(input_dim, output_dim)``, initialised uniform in [-0.05, 0.05] (Keras's
    ``"uniform"``). Other ids (-1 included: it is not the last row) raise ``ValueError`` naming the
    layer in eager calls, through ``ops.take``'s bounds check; a jitted JAX step gets NaN rows.
    ``mask_zero=True`` makes id 0 padding: the output carries the mask ``ids != 0``, which the layers
    after it receive (``call(..., mask=)``) and losses and metrics honour (see ``kerafront/_masking.py``).
    """

    def __init__(self, input_dim, output_dim, embeddings_initializer="uniform", embeddings_regularizer=None,
                 embeddings_constraint=None, mask_zero=False, activity_regularizer=None, **kwargs):
        super().__init__(activity_regularizer=activity_regularizer, **kwargs)
        self.input_dim = _positive_int(input_dim, "input_dim", "Embedding")
        self.output_dim = _positive_int(output_dim, "output_dim", "Embedding")
        self.embeddings_initializer = initializers.get(embeddings_initializer)
        self.embeddings_regularizer = regularizers.get(embeddings_regularizer)
        self.embeddings_constraint = constraints.get(embeddings_constraint)
        self.mask_zero = bool(mask_zero)
        self._autocast = False

    def build(self, input_shape=None):
        self.embeddings = self.add_weight((self.input_dim, self.output_dim), initializer=self.embeddings_initializer,
                                          regularizer=self.embeddings_regularizer,
                                          constraint=self.embeddings_constraint, name="embeddings")

    def call(self, inputs):
        ids = inputs if ops.dtype(inputs) in ("int32", "int64") else ops.cast(inputs, "int32")
        try:
            return ops.take(self.embeddings, ops.where(ops.less(ids, 0), self.input_dim, ids), axis=0)
        except IndexError:
            held = np.asarray(ops.convert_to_numpy(ids))
            raise ValueError(f'Embedding layer "{self.name}": ids must be in [0, {self.input_dim}) (input_dim='
                             f"{self.input_dim}), got ids from {held.min()} to {held.max()}. Raise input_dim to "
                             "cover every id, or map unknown ids to a reserved one.") from None

    def compute_mask(self, inputs, mask=None):
        """``inputs != 0`` when ``mask_zero``, else ``None``."""
        if not self.mask_zero:
            return None
        return ops.not_equal(inputs, 0)

    def compute_output_shape(self, input_shape):
        return tuple(input_shape) + (self.output_dim,)

    def get_config(self):
        config = super().get_config()
        config.update({
            "input_dim": self.input_dim, "output_dim": self.output_dim,
            "embeddings_initializer": serialize(self.embeddings_initializer),
            "embeddings_regularizer": serialize(self.embeddings_regularizer),
            "embeddings_constraint": serialize(self.embeddings_constraint),
            "activity_regularizer": serialize(self.activity_regularizer),
            "mask_zero": self.mask_zero,
        })
        return config


class Identity(Layer):
    """Return the inputs unchanged (any structure of tensors), with their masks; a placeholder layer."""

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.supports_masking = True

    def call(self, inputs):
        return inputs

    def compute_output_shape(self, input_shape):
        return input_shape

    def compute_output_spec(self, inputs, *args, **kwargs):
        """KerasTensors of the inputs' own shapes and dtypes (an int input stays int)."""
        return tree.map_structure(lambda x: KerasTensor(x.shape, x.dtype), inputs)
