"""``Lambda``: wrap a Python function as a layer, for in-memory use only.

A Lambda cannot be saved: its ``get_config`` raises ``ValueError`` (kerafront never stores or
loads code). Write a registered custom layer instead (see examples/custom_layer.py).
"""

import inspect

from kerafront import ops
from kerafront.layers.layer import Layer


class Lambda(Layer):
    """``function(inputs, **arguments)`` as a layer (it must not create variables).

    ``output_shape``: the output shape without the batch axis (a tuple) or a callable from the
    input shape to the output shape. When omitted, the output is assumed to have the input's shape
    (checked when the layer then runs: a function that changes the shape needs ``output_shape``).
    ``training`` and ``mask`` are passed to ``function`` when its signature names them.
    """

    def __init__(self, function, output_shape=None, mask=None, arguments=None, **kwargs):
        super().__init__(**kwargs)
        if not callable(function):
            raise TypeError(f"Lambda: function must be callable, got {type(function).__name__}.")
        self.function = function
        self.output_shape_arg = output_shape
        self.mask_arg = mask
        self.supports_masking = mask is not None   # Keras's rule: a Lambda without mask= drops masks
        self.arguments = dict(arguments or {})
        params = inspect.signature(function).parameters
        self._fn_training = "training" in params
        self._fn_mask = "mask" in params
        self._assumed_shape = False

    def call(self, inputs, training=None, mask=None):
        kwargs = dict(self.arguments)
        if self._fn_training:
            kwargs["training"] = training
        if self._fn_mask:
            kwargs["mask"] = mask
        outputs = self.function(inputs, **kwargs)
        if self._assumed_shape and ops.is_tensor(outputs) and ops.is_tensor(inputs):
            in_shape, out_shape = tuple(ops.shape(inputs)), tuple(ops.shape(outputs))
            if in_shape[1:] != out_shape[1:]:
                raise ValueError(
                    f'Lambda "{self.name}": its function changed the shape from {in_shape} to {out_shape}, but the '
                    "functional graph assumed the input shape. Pass output_shape= (without the batch axis) "
                    "to the Lambda.")
        return outputs

    def compute_mask(self, inputs, mask=None):
        """``mask(inputs, mask)`` when ``mask`` is callable, else the given mask itself."""
        if callable(self.mask_arg):
            return self.mask_arg(inputs, mask)
        return self.mask_arg

    def compute_output_shape(self, input_shape):
        if self.output_shape_arg is None:
            self._assumed_shape = True
            return input_shape
        if callable(self.output_shape_arg):
            return self.output_shape_arg(input_shape)
        batch = input_shape[0] if isinstance(input_shape, tuple) and input_shape else None
        return (batch,) + tuple(self.output_shape_arg)

    def compute_output_spec(self, inputs, *args, **kwargs):
        spec = super().compute_output_spec(inputs, *args, **kwargs)
        dtype = getattr(inputs, "dtype", None)
        if dtype is not None and hasattr(spec, "dtype"):
            spec.dtype = dtype
        return spec

    def get_config(self):
        raise ValueError(
            f'Lambda layer "{self.name}" cannot be serialized: kerafront never saves or loads Python code. '
            "Write a custom layer instead (subclass kerafront.layers.Layer with call() and get_config(), "
            "decorate it with @kerafront.saving.register_serializable()) -- see examples/custom_layer.py.")
