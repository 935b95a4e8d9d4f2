"""``KernelBiasMixin``: the arguments, weights and config that Dense and the convolutions share.

``activation(inputs . kernel + bias)`` layers take Keras's ``activation``, ``use_bias``, and an
initializer, a regularizer and a constraint for ``kernel`` and for ``bias`` (the layer's own
signature spells them, with Keras's defaults); the mixin resolves them, creates the two weights
and writes them into the config, in Keras's key order.
"""

from kerafront import activations, constraints, initializers, regularizers
from kerafront.saving.serialization import serialize


class KernelBiasMixin:
    """For a ``Layer`` with a ``kernel`` and an optional ``bias``."""

    def _init_kernel_bias(self, activation, use_bias, kernel_initializer, bias_initializer, kernel_regularizer,
                          bias_regularizer, kernel_constraint, bias_constraint):
        self.activation = activations.get(activation)
        self.use_bias = bool(use_bias)
        self.kernel_initializer = initializers.get(kernel_initializer)
        self.bias_initializer = initializers.get(bias_initializer)
        self.kernel_regularizer = regularizers.get(kernel_regularizer)
        self.bias_regularizer = regularizers.get(bias_regularizer)
        self.kernel_constraint = constraints.get(kernel_constraint)
        self.bias_constraint = constraints.get(bias_constraint)

    def _build_kernel_bias(self, kernel_shape, units):
        """Add ``kernel`` of ``kernel_shape``, then ``bias`` (see ``_build_bias``)."""
        self.kernel = self.add_weight(kernel_shape, initializer=self.kernel_initializer,
                                      regularizer=self.kernel_regularizer, constraint=self.kernel_constraint,
                                      name="kernel")
        self._build_bias(units)

    def _build_bias(self, units):
        """Add ``bias`` of shape ``(units,)`` when ``use_bias``, else set it to ``None``."""
        self.bias = None
        if self.use_bias:
            self.bias = self.add_weight((units,), initializer=self.bias_initializer,
                                        regularizer=self.bias_regularizer, constraint=self.bias_constraint, name="bias")

    def _kernel_bias_config(self):
        """``activation`` to ``bias_constraint`` (with ``activity_regularizer``), serialized."""
        return {
            "activation": activations.serialize(self.activation), "use_bias": self.use_bias,
            "kernel_initializer": serialize(self.kernel_initializer),
            "bias_initializer": serialize(self.bias_initializer),
            "kernel_regularizer": serialize(self.kernel_regularizer),
            "bias_regularizer": serialize(self.bias_regularizer),
            "activity_regularizer": serialize(self.activity_regularizer),
            "kernel_constraint": serialize(self.kernel_constraint),
            "bias_constraint": serialize(self.bias_constraint),
        }
