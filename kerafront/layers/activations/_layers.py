"""ReLU, LeakyReLU, PReLU, ELU and Softmax as layers (Keras 3's formulas, defaults and configs).

Every one keeps the input's shape and passes its mask on. Defaults that differ from the functions in
``kerafront.activations``: ``LeakyReLU``'s slope is 0.3 (the function's is 0.2), ``PReLU``'s learned
slope starts at 0 (a plain ReLU).
"""

import warnings

from kerafront import activations, constraints, initializers, ops, regularizers
from kerafront.layers.input_spec import InputSpec
from kerafront.layers.layer import Layer
from kerafront.saving.serialization import serialize


def _non_negative(layer, name, value, allow_none=False):
    if value is None and allow_none:
        return None
    if isinstance(value, bool) or not isinstance(value, (int, float)) or value < 0:
        raise ValueError(f"{layer}: {name} must be a number >= 0{' or None' if allow_none else ''}, "
                         f"got {name}={value!r}.")
    return value


class _Elementwise(Layer):
    """An activation layer: same shape out, mask passed on."""

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.supports_masking = True

    def compute_output_shape(self, input_shape):
        return tuple(input_shape)


class ReLU(_Elementwise):
    """``max_value`` if ``x >= max_value``; ``x`` if ``threshold <= x < max_value``;
    ``negative_slope * (x - threshold)`` otherwise (``keras.layers.ReLU``).

    Defaults: ``max_value=None`` (no cap), ``negative_slope=0.0``, ``threshold=0.0``; all must be >= 0.
    """

    def __init__(self, max_value=None, negative_slope=0.0, threshold=0.0, **kwargs):
        super().__init__(**kwargs)
        self.max_value = _non_negative("ReLU", "max_value", max_value, allow_none=True)
        self.negative_slope = _non_negative("ReLU", "negative_slope", negative_slope)
        self.threshold = _non_negative("ReLU", "threshold", threshold)

    def call(self, inputs):
        return activations.relu(inputs, negative_slope=self.negative_slope, max_value=self.max_value,
                                threshold=self.threshold)

    def get_config(self):
        config = super().get_config()
        config.update({"max_value": self.max_value, "negative_slope": self.negative_slope,
                       "threshold": self.threshold})
        return config


class LeakyReLU(_Elementwise):
    """``x`` for ``x >= 0``, ``negative_slope * x`` otherwise; ``negative_slope`` defaults to 0.3 (Keras's
    layer default; the function ``activations.leaky_relu`` uses 0.2). The deprecated keyword ``alpha``
    is accepted for ``negative_slope``, with a warning, as Keras does."""

    def __init__(self, negative_slope=0.3, **kwargs):
        if "alpha" in kwargs:
            negative_slope = kwargs.pop("alpha")
            warnings.warn("LeakyReLU: the argument `alpha` is deprecated; use `negative_slope` instead.",
                          stacklevel=2)
        super().__init__(**kwargs)
        self.negative_slope = _non_negative("LeakyReLU", "negative_slope", negative_slope)

    def call(self, inputs):
        return ops.leaky_relu(inputs, negative_slope=self.negative_slope)

    def get_config(self):
        config = super().get_config()
        config["negative_slope"] = self.negative_slope
        return config


class PReLU(_Elementwise):
    """``x`` for ``x >= 0``, ``alpha * x`` otherwise, with ``alpha`` learned.

    Weight ``alpha`` of shape ``input_shape[1:]`` with size 1 on each of ``shared_axes`` (axes counted
    with the batch axis as 0: ``shared_axes=[1, 2]`` gives one slope per channel of an image),
    initialised by ``alpha_initializer`` (zeros). Parameters: ``prod(alpha.shape)``.
    """

    def __init__(self, alpha_initializer="Zeros", alpha_regularizer=None, alpha_constraint=None, shared_axes=None,
                 **kwargs):
        super().__init__(**kwargs)
        self.alpha_initializer = initializers.get(alpha_initializer)
        self.alpha_regularizer = regularizers.get(alpha_regularizer)
        self.alpha_constraint = constraints.get(alpha_constraint)
        if shared_axes is None:
            self.shared_axes = None
        else:
            axes = list(shared_axes) if isinstance(shared_axes, (list, tuple)) else [shared_axes]
            if not all(isinstance(a, int) and not isinstance(a, bool) and a >= 1 for a in axes):
                raise ValueError(f"PReLU: shared_axes must be ints >= 1 (axis 0 is the batch axis), got "
                                 f"shared_axes={shared_axes!r}.")
            self.shared_axes = axes

    def build(self, input_shape):
        rank = len(input_shape)
        shared = self.shared_axes or []
        if any(a >= rank for a in shared):
            raise ValueError(f'PReLU "{self.name}": shared_axes {self.shared_axes} are out of range for inputs of '
                             f"shape {tuple(input_shape)} (rank {rank}).")
        shape = tuple(1 if i in shared else input_shape[i] for i in range(1, rank))
        if any(d is None for d in shape):
            raise ValueError(f'PReLU "{self.name}": every non-shared axis after the batch axis must be known, got '
                             f"inputs of shape {tuple(input_shape)}; share the unknown axes with shared_axes.")
        self.alpha = self.add_weight(shape, initializer=self.alpha_initializer, regularizer=self.alpha_regularizer,
                                     constraint=self.alpha_constraint, name="alpha")
        self.input_spec = InputSpec(ndim=rank, axes={i: input_shape[i] for i in range(1, rank) if i not in shared})

    def call(self, inputs):
        return ops.subtract(ops.relu(inputs), ops.multiply(self.alpha, ops.relu(ops.negative(inputs))))

    def get_config(self):
        config = super().get_config()
        config.update({"alpha_initializer": serialize(self.alpha_initializer),
                       "alpha_regularizer": serialize(self.alpha_regularizer),
                       "alpha_constraint": serialize(self.alpha_constraint), "shared_axes": self.shared_axes})
        return config


class ELU(_Elementwise):
    """``x`` for ``x > 0``, ``alpha * (exp(x) - 1)`` otherwise (``alpha`` 1.0).

    The config holds ``alpha`` (Keras 3's ELU leaves it out of its config, so a Keras round trip
    resets it to 1.0; kerafront keeps it, and Keras accepts the key)."""

    def __init__(self, alpha=1.0, **kwargs):
        super().__init__(**kwargs)
        if isinstance(alpha, bool) or not isinstance(alpha, (int, float)):
            raise ValueError(f"ELU: alpha must be a number, got alpha={alpha!r}.")
        self.alpha = alpha

    def call(self, inputs):
        return ops.elu(inputs, alpha=self.alpha)

    def get_config(self):
        config = super().get_config()
        config["alpha"] = self.alpha
        return config


def _large_negative(dtype):
    """What masked logits become: -1e9, or -3e4 in float16 (whose largest value is 65504), as Keras."""
    return -3e4 if dtype == "float16" else -1e9


class Softmax(_Elementwise):
    """Softmax over ``axis`` (an int or a list of ints; the last axis by default).

    ``call(inputs, mask=None)``: ``mask`` (True or 1 = keep) must broadcast to ``inputs`` (each of its
    axes 1 or the input's size, no more axes than the input). Masked positions get a large negative
    logit (-1e9) before the softmax and exactly 0 after it, as in Keras; a slice masked entirely
    is all zeros.
    """

    def __init__(self, axis=-1, **kwargs):
        super().__init__(**kwargs)
        if isinstance(axis, (list, tuple)):
            axis = list(axis)
        if not (isinstance(axis, int) or isinstance(axis, list) and axis and all(isinstance(a, int) for a in axis)):
            raise ValueError(f"Softmax: axis must be an int or a non-empty list of ints, got axis={axis!r}.")
        self.axis = axis

    def _check_mask(self, inputs, mask):
        mask = ops.convert_to_tensor(mask)
        x_shape, m_shape = tuple(ops.shape(inputs)), tuple(ops.shape(mask))
        fits = len(m_shape) <= len(x_shape) and all(
            m in (1, x, None) or x is None for m, x in zip(m_shape[::-1], x_shape[::-1]))
        if not fits:
            raise ValueError(f'Softmax "{self.name}": mask of shape {m_shape} does not broadcast to inputs of shape '
                             f"{x_shape}: it must have at most {len(x_shape)} axes, each of size 1 or the input's "
                             "size on that axis (counted from the right).")
        return mask if ops.dtype(mask) == "bool" else ops.greater(mask, 0.5)

    def call(self, inputs, mask=None):
        if mask is not None:
            mask = self._check_mask(inputs, mask)
            inputs = ops.where(mask, inputs, _large_negative(ops.dtype(inputs)))
        if isinstance(self.axis, list) and len(self.axis) > 1:
            axes = tuple(self.axis)
            outputs = ops.exp(ops.subtract(inputs, ops.logsumexp(inputs, axis=axes, keepdims=True)))
        else:
            outputs = ops.softmax(inputs, axis=self.axis[0] if isinstance(self.axis, list) else self.axis)
        if mask is not None:
            outputs = ops.where(mask, outputs, 0.0)
        return outputs

    def get_config(self):
        config = super().get_config()
        config["axis"] = self.axis
        return config
