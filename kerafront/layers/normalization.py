"""BatchNormalization and LayerNormalization (Keras 3's formulas and defaults).

Both compute ``x * inv + (beta - mean * inv)`` with ``inv = gamma / sqrt(variance + epsilon)``
(epsilon inside the square root; default 1e-3), variances biased (divided by N).
"""

from kerafront import constraints, initializers, ops, regularizers
from kerafront.distribution import distribution_lib
from kerafront.layers.input_spec import InputSpec
from kerafront.layers.layer import Layer
from kerafront.saving.serialization import serialize


def _at_least_float32(inputs):
    """float16/bfloat16 inputs as float32: under a mixed policy the statistics are computed in float32
    from float32 weights (created with ``autocast=False``), and the output is cast back, as in Keras."""
    return ops.cast(inputs, "float32") if ops.dtype(inputs) in ("float16", "bfloat16") else inputs


def _in_compute_dtype(layer, outputs):
    return outputs if ops.dtype(outputs) == layer.compute_dtype else ops.cast(outputs, layer.compute_dtype)


def _normalize(inputs, mean, variance, gamma, beta, epsilon):
    inv = ops.rsqrt(ops.add(variance, epsilon))
    if gamma is not None:
        inv = ops.multiply(inv, gamma)
    shift = ops.negative(ops.multiply(mean, inv))
    if beta is not None:
        shift = ops.add(shift, beta)
    return ops.add(ops.multiply(inputs, inv), shift)


class _ScaleCenterMixin:
    """gamma/beta arguments and weights shared by both normalizations."""

    def _init_scale_center(self, center, scale, beta_initializer, gamma_initializer, beta_regularizer,
                           gamma_regularizer, beta_constraint, gamma_constraint):
        self.center, self.scale = bool(center), bool(scale)
        self.beta_initializer = initializers.get(beta_initializer)
        self.gamma_initializer = initializers.get(gamma_initializer)
        self.beta_regularizer = regularizers.get(beta_regularizer)
        self.gamma_regularizer = regularizers.get(gamma_regularizer)
        self.beta_constraint = constraints.get(beta_constraint)
        self.gamma_constraint = constraints.get(gamma_constraint)

    def _build_scale_center(self, shape):
        self.gamma = self.beta = None
        if self.scale:
            self.gamma = self.add_weight(shape, initializer=self.gamma_initializer, regularizer=self.gamma_regularizer,
                                         constraint=self.gamma_constraint, name="gamma", autocast=False)
        if self.center:
            self.beta = self.add_weight(shape, initializer=self.beta_initializer, regularizer=self.beta_regularizer,
                                        constraint=self.beta_constraint, name="beta", autocast=False)

    def _scale_center_config(self):
        return {"center": self.center, "scale": self.scale,
                "beta_initializer": serialize(self.beta_initializer),
                "gamma_initializer": serialize(self.gamma_initializer),
                "beta_regularizer": serialize(self.beta_regularizer),
                "gamma_regularizer": serialize(self.gamma_regularizer),
                "beta_constraint": serialize(self.beta_constraint),
                "gamma_constraint": serialize(self.gamma_constraint)}


class BatchNormalization(_ScaleCenterMixin, Layer):
    """Normalize each feature of ``axis`` over the batch (and spatial) axes.

    Training (``training=True`` and the layer trainable): batch statistics normalize, and the
    moving statistics become ``moving * momentum + batch * (1 - momentum)`` (``momentum`` is
    Keras's keep rate, 0.99; torch's ``momentum=0.1`` is the complement). Inference: the moving
    statistics normalize. A frozen layer (``trainable=False``) always runs in inference mode.
    Under a data-parallel distribution (``kerafront.distribution``), ``synchronized=False`` (the
    default, as Keras) normalizes each replica's rows with that replica's statistics and the moving
    statistics absorb their mean over replicas; ``synchronized=True`` uses the global batch's
    statistics -- what one device computes on the whole batch. Without a distribution both are the same.
    Weights: ``gamma``, ``beta`` (trainable), ``moving_mean``, ``moving_variance`` (not trainable),
    each of shape ``(features,)``. Parameters: ``4 * features`` (2 trainable).
    """

    def __init__(self, axis=-1, momentum=0.99, epsilon=1e-3, center=True, scale=True, beta_initializer="zeros",
                 gamma_initializer="ones", moving_mean_initializer="zeros", moving_variance_initializer="ones",
                 beta_regularizer=None, gamma_regularizer=None, beta_constraint=None, gamma_constraint=None,
                 synchronized=False, **kwargs):
        super().__init__(**kwargs)
        self.supports_masking = True
        if not isinstance(axis, int):
            raise ValueError(f"BatchNormalization: axis must be an int, got {axis!r}.")
        self.synchronized = bool(synchronized)
        self.axis = axis
        self.momentum = float(momentum)
        self.epsilon = float(epsilon)
        self._init_scale_center(center, scale, beta_initializer, gamma_initializer, beta_regularizer,
                                gamma_regularizer, beta_constraint, gamma_constraint)
        self.moving_mean_initializer = initializers.get(moving_mean_initializer)
        self.moving_variance_initializer = initializers.get(moving_variance_initializer)

    def build(self, input_shape):
        rank = len(input_shape)
        if not -rank <= self.axis < rank:
            raise ValueError(f'BatchNormalization "{self.name}": axis {self.axis} is out of range for inputs of shape '
                             f"{tuple(input_shape)}.")
        self._axis = self.axis % rank
        features = input_shape[self._axis]
        if features is None:
            raise ValueError(f'BatchNormalization "{self.name}": axis {self.axis} of the input must be known, got '
                             f"{tuple(input_shape)}.")
        self._build_scale_center((features,))
        self.moving_mean = self.add_weight((features,), initializer=self.moving_mean_initializer, trainable=False,
                                           name="moving_mean", autocast=False)
        self.moving_variance = self.add_weight((features,), initializer=self.moving_variance_initializer,
                                               trainable=False, name="moving_variance", autocast=False)
        self._broadcast_shape = tuple(features if i == self._axis else 1 for i in range(rank))
        self._reduction_axes = tuple(i for i in range(rank) if i != self._axis)
        self.input_spec = InputSpec(ndim=rank, axes={self._axis: features})

    def _broadcast(self, value):
        if value is None or self._axis == len(self._broadcast_shape) - 1 or \
                len(ops.shape(value)) == len(self._broadcast_shape):
            return value
        return ops.reshape(value, self._broadcast_shape)

    def call(self, inputs, training=None):
        inputs = _at_least_float32(inputs)
        if training and self.trainable:
            mean, variance, batch_mean, batch_variance = distribution_lib.batch_moments(
                inputs, self._reduction_axes, self.synchronized)
            self.moving_mean.assign(ops.add(ops.multiply(self.moving_mean, self.momentum),
                                            ops.multiply(batch_mean, 1.0 - self.momentum)))
            self.moving_variance.assign(ops.add(ops.multiply(self.moving_variance, self.momentum),
                                                ops.multiply(batch_variance, 1.0 - self.momentum)))
        else:
            mean, variance = self.moving_mean.value, self.moving_variance.value
        gamma = None if self.gamma is None else self.gamma.value
        beta = None if self.beta is None else self.beta.value
        outputs = _normalize(inputs, self._broadcast(mean), self._broadcast(variance), self._broadcast(gamma),
                             self._broadcast(beta), self.epsilon)
        return _in_compute_dtype(self, outputs)

    def compute_output_shape(self, input_shape):
        return tuple(input_shape)

    def get_config(self):
        config = super().get_config()
        config.update({"axis": self.axis, "momentum": self.momentum, "epsilon": self.epsilon,
                       "synchronized": self.synchronized,
                       "moving_mean_initializer": serialize(self.moving_mean_initializer),
                       "moving_variance_initializer": serialize(self.moving_variance_initializer),
                       **self._scale_center_config()})
        return config


class LayerNormalization(_ScaleCenterMixin, Layer):
    """Normalize each example over ``axis`` (an int or a list; the last axis by default).

    Weights ``gamma`` then ``beta`` of shape ``[input_shape[a] for a in axis]``.
    ``rms_scaling=True`` (deprecated in Keras, kept for config compatibility) ignores ``center``
    and multiplies ``x / sqrt(var(x) + epsilon)`` by gamma, exactly as Keras does.
    """

    def __init__(self, axis=-1, epsilon=1e-3, center=True, scale=True, rms_scaling=False, beta_initializer="zeros",
                 gamma_initializer="ones", beta_regularizer=None, gamma_regularizer=None, beta_constraint=None,
                 gamma_constraint=None, **kwargs):
        super().__init__(**kwargs)
        self.supports_masking = True
        self.axis = list(axis) if isinstance(axis, (list, tuple)) else int(axis)
        self.epsilon = float(epsilon)
        self.rms_scaling = bool(rms_scaling)
        self._init_scale_center(center, scale, beta_initializer, gamma_initializer, beta_regularizer,
                                gamma_regularizer, beta_constraint, gamma_constraint)

    def _axes(self, rank):
        axes = [self.axis] if isinstance(self.axis, int) else self.axis
        for a in axes:
            if not -rank <= a < rank:
                raise ValueError(f'LayerNormalization "{self.name}": axis {a} is out of range for rank-{rank} inputs.')
        return sorted(a % rank for a in axes)

    def build(self, input_shape):
        rank = len(input_shape)
        self._axes_resolved = self._axes(rank)
        shape = tuple(input_shape[a] for a in self._axes_resolved)
        if any(d is None for d in shape):
            raise ValueError(f'LayerNormalization "{self.name}": the normalized axes of {tuple(input_shape)} must be known.')
        self._build_scale_center(shape)
        self._broadcast_shape = tuple(input_shape[i] if i in self._axes_resolved else 1 for i in range(rank))
        self._needs_reshape = self._axes_resolved != [rank - 1]
        self.input_spec = InputSpec(ndim=rank, axes={a: input_shape[a] for a in self._axes_resolved})

    def _broadcast(self, weight):
        if weight is None:
            return None
        return ops.reshape(weight, self._broadcast_shape) if self._needs_reshape else weight.value

    def call(self, inputs):
        axes = tuple(self._axes_resolved)
        inputs = _at_least_float32(inputs)
        if self.rms_scaling:
            gamma = self._broadcast(self.gamma)
            outputs = ops.multiply(inputs, ops.rsqrt(ops.add(ops.var(inputs, axis=axes, keepdims=True), self.epsilon)))
            outputs = outputs if gamma is None else ops.multiply(outputs, gamma)
        else:
            outputs = ops.layer_normalization(inputs, self.gamma, self.beta, axis=axes, epsilon=self.epsilon)
        return _in_compute_dtype(self, outputs)

    def compute_output_shape(self, input_shape):
        self._axes(len(input_shape))
        return tuple(input_shape)

    def get_config(self):
        config = super().get_config()
        config.update({"axis": self.axis, "epsilon": self.epsilon, "rms_scaling": self.rms_scaling,
                       **self._scale_center_config()})
        return config


class GroupNormalization(_ScaleCenterMixin, Layer):
    """Split the channels of ``axis`` into ``groups`` and normalize each example over every group.

    ``groups=32`` by default; ``groups=-1`` is instance normalization (one group per channel; the
    layer then records the channel count as ``groups``, as Keras does). The channel count must be a
    multiple of ``groups``. ``groups=1`` normalizes each example over all its channels (and spatial
    axes). Weights ``gamma`` then ``beta`` of shape ``(channels,)``, epsilon (1e-3) inside the
    square root, variance biased. Parameters: ``2 * channels``.
    """

    def __init__(self, groups=32, axis=-1, epsilon=1e-3, center=True, scale=True, beta_initializer="zeros",
                 gamma_initializer="ones", beta_regularizer=None, gamma_regularizer=None, beta_constraint=None,
                 gamma_constraint=None, **kwargs):
        if not isinstance(groups, int) or isinstance(groups, bool) or (groups <= 0 and groups != -1):
            raise ValueError("GroupNormalization: groups must be a positive integer (or -1 for instance "
                             f"normalization), got groups={groups!r}.")
        if not isinstance(axis, int) or isinstance(axis, bool):
            raise ValueError(f"GroupNormalization: axis must be an int, got axis={axis!r}.")
        super().__init__(**kwargs)
        self.supports_masking = True
        self.groups, self.axis, self.epsilon = groups, axis, float(epsilon)
        self._init_scale_center(center, scale, beta_initializer, gamma_initializer, beta_regularizer,
                                gamma_regularizer, beta_constraint, gamma_constraint)

    def _channel_axis(self, input_shape):
        rank = len(input_shape)
        if not -rank <= self.axis < rank or self.axis % rank == 0:
            raise ValueError(f'GroupNormalization "{self.name}": axis {self.axis} is out of range or the batch axis '
                             f"for inputs of shape {tuple(input_shape)}.")
        return self.axis % rank

    def build(self, input_shape):
        axis = self._channel_axis(input_shape)
        channels = input_shape[axis]
        if channels is None:
            raise ValueError(f'GroupNormalization "{self.name}": axis {self.axis} of the input must be known, got '
                             f"shape {tuple(input_shape)}.")
        if self.groups == -1:
            self.groups = channels
        if channels % self.groups != 0:
            raise ValueError(f'GroupNormalization "{self.name}": the number of channels ({channels}, axis {self.axis} '
                             f"of {tuple(input_shape)}) must be a multiple of groups ({self.groups}); choose groups "
                             f"that divides {channels}.")
        self._build_scale_center((channels,))
        self._axis = axis
        self.input_spec = InputSpec(ndim=len(input_shape), axes={axis: channels})

    def call(self, inputs):
        shape = tuple(ops.shape(inputs))
        inputs = _at_least_float32(inputs)
        axis, size = self._axis, shape[self._axis] // self.groups
        grouped = ops.reshape(inputs, (-1,) + shape[1:axis] + (self.groups, size) + shape[axis + 1:])
        reduction_axes = tuple(i for i in range(1, len(shape) + 1) if i != axis)
        mean, variance = ops.moments(grouped, axes=reduction_axes, keepdims=True)
        broadcast = (1,) * axis + (self.groups, size) + (1,) * (len(shape) - axis - 1)
        gamma = None if self.gamma is None else ops.reshape(self.gamma, broadcast)
        beta = None if self.beta is None else ops.reshape(self.beta, broadcast)
        outputs = _normalize(grouped, mean, variance, gamma, beta, self.epsilon)
        return _in_compute_dtype(self, ops.reshape(outputs, (-1,) + shape[1:]))

    def compute_output_shape(self, input_shape):
        self._channel_axis(input_shape)
        return tuple(input_shape)

    def get_config(self):
        config = super().get_config()
        config.update({"groups": self.groups, "axis": self.axis, "epsilon": self.epsilon,
                       **self._scale_center_config()})
        return config


class UnitNormalization(Layer):
    """Scale each example to unit L2 norm over ``axis`` (an int or a list; the last axis by default):
    ``x * min(1 / sqrt(sum(x**2)), 1e12)`` (Keras's epsilon 1e-12 on the norm), so an all-zero
    slice stays zero."""

    def __init__(self, axis=-1, **kwargs):
        super().__init__(**kwargs)
        if isinstance(axis, (list, tuple)) and all(isinstance(a, int) and not isinstance(a, bool) for a in axis):
            self.axis = list(axis)
        elif isinstance(axis, int) and not isinstance(axis, bool):
            self.axis = axis
        else:
            raise TypeError(f"UnitNormalization: axis must be an int or a list/tuple of ints, got axis={axis!r}.")
        self.supports_masking = True

    def build(self, input_shape):
        self.compute_output_shape(input_shape)

    def call(self, inputs):
        axis = tuple(self.axis) if isinstance(self.axis, list) else self.axis
        return ops.l2_normalize(inputs, axis=axis, epsilon=1e-24)  # epsilon on the squared norm

    def compute_output_shape(self, input_shape):
        rank = len(input_shape)
        for a in [self.axis] if isinstance(self.axis, int) else self.axis:
            if not -rank <= a < rank:
                raise ValueError(f'UnitNormalization "{self.name}": axis {self.axis} is out of range for inputs of '
                                 f"shape {tuple(input_shape)}.")
        return tuple(input_shape)

    def get_config(self):
        config = super().get_config()
        config["axis"] = self.axis
        return config
