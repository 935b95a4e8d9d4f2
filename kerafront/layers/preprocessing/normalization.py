"""``Normalization``: feature-wise ``(x - mean) / sqrt(variance)``, with statistics given or adapted."""

import math

import numpy as np

from kerafront import config, ops
from kerafront.layers.preprocessing import _encoding
from kerafront.layers.preprocessing._data_layer import DataLayer


class Normalization(DataLayer):
    """Shift and scale inputs by a mean and variance kept per position of ``axis``.

    ``axis`` (default -1): the axes that keep their own statistics; ``None`` for one scalar mean
    and variance. ``mean``/``variance``: given statistics (broadcast against the kept axes; no
    weights are made), or left ``None`` and learned by ``adapt(data)``, stored as the non-trainable
    weights ``mean``, ``variance`` (shape: the kept axes) and ``count`` as in Keras. ``invert``:
    compute ``mean + x * sqrt(variance)`` instead. The divisor is ``max(sqrt(variance), epsilon)``.
    Input and output shapes are equal.

    >>> layer = Normalization(mean=2.0, variance=4.0)
    >>> [float(v) for v in layer(np.array([[2.0], [6.0]]))[:, 0]]
    [0.0, 2.0]
    """

    def __init__(self, axis=-1, mean=None, variance=None, invert=False, **kwargs):
        super().__init__(**kwargs)
        if axis is None:
            axis = ()
        elif isinstance(axis, int):
            axis = (axis,)
        self.axis = tuple(int(a) for a in axis)
        if (mean is None) != (variance is None):
            raise ValueError(f"Normalization: give both mean and variance, or neither (to adapt them); received "
                             f"mean={mean!r}, variance={variance!r}.")
        if mean is not None:
            if np.shape(mean) != np.shape(variance):
                raise ValueError(f"Normalization: mean and variance must have the same shape; received mean shape "
                                 f"{np.shape(mean)} and variance shape {np.shape(variance)}.")
            if len(np.shape(mean)) > len(self.axis):
                raise ValueError(f"Normalization: the rank of mean ({len(np.shape(mean))}) must be at most the "
                                 f"number of kept axes {self.axis}.")
        self.input_mean = mean
        self.input_variance = variance
        self.invert = bool(invert)
        self.supports_masking = True
        self._build_input_shape = None

    def build(self, input_shape):
        ndim = len(input_shape)
        if any(a < -ndim or a >= ndim for a in self.axis):
            raise ValueError(f"Normalization: every axis must be in [-{ndim}, {ndim}) for inputs of rank {ndim}; "
                             f"received axis={self.axis}.")
        self._build_input_shape = tuple(input_shape)
        self._keep_axis = tuple(sorted(a % ndim for a in self.axis))
        for a in self._keep_axis:
            if input_shape[a] is None:
                raise ValueError(f"Normalization: kept axis {a} must have a known size; received input shape "
                                 f"{tuple(input_shape)}.")
        self._reduce_axis = tuple(d for d in range(ndim) if d not in self._keep_axis)
        self._broadcast_shape = tuple(input_shape[d] if d in self._keep_axis else 1 for d in range(ndim))
        stat_shape = tuple(input_shape[d] for d in self._keep_axis)
        if self.input_mean is None:
            self.adapt_mean = self.add_weight(name="mean", shape=stat_shape, initializer="zeros", trainable=False)
            self.adapt_variance = self.add_weight(name="variance", shape=stat_shape, initializer="ones",
                                                  trainable=False)
            self.count = self.add_weight(name="count", shape=(), dtype="int32", initializer="zeros",
                                         trainable=False)
        else:
            self._given = (self._expand(self.input_mean, ndim), self._expand(self.input_variance, ndim))

    def _expand(self, value, ndim):
        """A given statistic as a NumPy array of the broadcast shape (Keras's placement on the kept axes)."""
        value = np.asarray(value, dtype="float64")
        if value.ndim:
            expanded = [1] * ndim
            for i in range(1, value.ndim + 1):
                expanded[self._keep_axis[-i]] = value.shape[-i]
            value = value.reshape(expanded)
        return np.broadcast_to(value, self._broadcast_shape)

    def adapt(self, data):
        """Compute ``mean`` and ``variance`` over ``data`` (one array, or an iterable/dataset of batches).

        A NumPy array or tensor is one batch; a list of arrays, a generator or a ``tf.data.Dataset``
        are batches, combined exactly (a dataset of rank-1 elements is batched by 128, as in Keras).
        A list of plain numbers is read as one array.
        """
        if self.input_mean is not None:
            raise ValueError("Normalization: adapt() cannot change a mean and variance given to the constructor; "
                             "create the layer without mean/variance to adapt it.")
        if isinstance(data, (list, tuple)) and data and not any(_encoding._is_array_like(d) for d in data):
            data = np.asarray(data)
        if _encoding.is_tf_dataset(data) and len(_element_shape(data)) == 1:
            data = data.batch(128)
        arrays = (np.asarray(_encoding.to_host(b), dtype="float64") for b in _encoding.batches(data, ()))
        first = next(arrays, None)
        if first is None:
            raise ValueError("Normalization: adapt() received no data (an empty iterable); pass at least one batch.")
        self._check_adapt_shape(first.shape)
        if _encoding._is_array_like(data) and not _encoding.is_tf_dataset(data):
            mean, variance = np.mean(first, axis=self._reduce_axis), np.var(first, axis=self._reduce_axis)
        else:
            mean, variance, total = 0.0, 0.0, 0
            for batch in _chain(first, arrays):
                self._check_adapt_shape(batch.shape)
                count = math.prod(batch.shape[d] for d in self._reduce_axis)
                total += count
                weight = count / total
                batch_mean = np.mean(batch, axis=self._reduce_axis)
                new_mean = mean * (1 - weight) + batch_mean * weight
                variance = ((variance + (mean - new_mean) ** 2) * (1 - weight)
                            + (np.var(batch, axis=self._reduce_axis) + (batch_mean - new_mean) ** 2) * weight)
                mean = new_mean
        self.adapt_mean.assign(np.asarray(mean, dtype=self.adapt_mean.dtype))
        self.adapt_variance.assign(np.asarray(variance, dtype=self.adapt_variance.dtype))

    def _check_adapt_shape(self, shape):
        if not self.built:
            self.build(tuple(shape))
            return
        if len(shape) != len(self._build_input_shape) or any(
                shape[d] != self._build_input_shape[d] for d in self._keep_axis):
            raise ValueError(f"Normalization: the layer was built for inputs of shape {self._build_input_shape}; "
                             f"adapt() received data of shape {tuple(shape)}.")

    def _statistics(self):
        if self.input_mean is None:
            mean = ops.reshape(ops.cast(self.adapt_mean, self.dtype), self._broadcast_shape)
            variance = ops.reshape(ops.cast(self.adapt_variance, self.dtype), self._broadcast_shape)
            return mean, variance
        return tuple(ops.convert_to_tensor(v.astype(self.dtype)) for v in self._given)

    @property
    def mean(self):
        """The mean in use, shaped to broadcast against the inputs (Keras's attribute); None before build."""
        return self._statistics()[0] if self.built else None

    @property
    def variance(self):
        """The variance in use, shaped like ``mean``; None before build."""
        return self._statistics()[1] if self.built else None

    def call(self, inputs):
        dtype = self.dtype if ops.dtype(inputs) != self.dtype else None
        if dtype is not None:
            inputs = ops.cast(inputs, dtype)
        mean, variance = self._statistics()
        scale = ops.maximum(ops.sqrt(variance), config.epsilon())
        if self.invert:
            return ops.add(mean, ops.multiply(inputs, scale))
        return ops.divide(ops.subtract(inputs, mean), scale)

    def compute_output_shape(self, input_shape):
        return tuple(input_shape)

    def get_config(self):
        config_ = super().get_config()
        config_.update({"axis": list(self.axis), "invert": self.invert,
                        "mean": np.array(self.input_mean).tolist(), "variance": np.array(self.input_variance).tolist()})
        return config_


def _element_shape(dataset):
    spec = dataset.element_spec
    spec = spec[0] if isinstance(spec, tuple) else spec
    return tuple(spec.shape)


def _chain(first, rest):
    yield first
    yield from rest
