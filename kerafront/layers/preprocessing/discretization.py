"""``Discretization``: bucket numbers by boundaries, given or adapted from quantiles (Keras's method)."""

import numpy as np

from kerafront import config, ops
from kerafront.layers.preprocessing import _encoding
from kerafront.layers.preprocessing._data_layer import DataLayer


class Discretization(DataLayer):
    """Map each number to the index of its bucket: ``i`` where ``bin_boundaries[i-1] <= x < bin_boundaries[i]``.

    Give ``bin_boundaries`` (sorted), or ``num_bins`` and call ``adapt(data)``, which estimates the
    quantile boundaries with Keras's summary-merging method (precision ``epsilon``); the boundaries
    are kept in the config, so a saved model holds them. ``output_mode``: ``"int"`` (int32 indices,
    the input's shape) or ``"one_hot"``/``"multi_hot"``/``"count"`` over ``len(bin_boundaries) + 1``
    buckets (floatx; shapes as ``CategoryEncoding``). ``sparse=True`` is not supported.

    >>> layer = Discretization(bin_boundaries=[0.0, 1.0])
    >>> ops.convert_to_numpy(layer(np.array([-0.5, 0.0, 0.5, 2.0]))).tolist()
    [0, 1, 1, 2]
    """

    def __init__(self, bin_boundaries=None, num_bins=None, epsilon=0.01, output_mode="int", sparse=False,
                 dtype=None, name=None):
        super().__init__(name=name, dtype=dtype)
        _encoding.check_choice("Discretization", "output_mode", output_mode, _encoding.OUTPUT_MODES)
        if sparse:
            raise ValueError("Discretization: sparse=True is not supported by kerafront (outputs are dense); "
                             "use sparse=False.")
        if num_bins is not None and bin_boundaries is not None:
            raise ValueError(f"Discretization: pass either num_bins (then adapt()) or bin_boundaries, not both; "
                             f"received num_bins={num_bins!r} and bin_boundaries={bin_boundaries!r}.")
        if num_bins is None and bin_boundaries is None:
            raise ValueError("Discretization: pass bin_boundaries, or num_bins and then call adapt().")
        if num_bins is not None and (not isinstance(num_bins, int) or num_bins < 0):
            raise ValueError(f"Discretization: num_bins must be an integer >= 0; received num_bins={num_bins!r}.")
        if bin_boundaries is not None:
            bin_boundaries = _checked_boundaries(bin_boundaries)
        self.bin_boundaries = bin_boundaries
        self.num_bins = num_bins
        self.epsilon = epsilon
        self.output_mode = output_mode
        self.sparse = False
        self.summary = np.array([[], []], dtype="float32")

    @property
    def output_dtype(self):
        return "int32" if self.output_mode == "int" else self.dtype

    def adapt(self, data, steps=None):
        """Estimate ``num_bins`` quantile boundaries from ``data`` (an array, list, tensor or batches)."""
        if self.num_bins is None:
            raise ValueError("Discretization: adapt() needs num_bins; this layer was given bin_boundaries.")
        self.summary = np.array([[], []], dtype="float32")
        for i, batch in enumerate(_encoding.batches(data, ())):
            if steps is not None and i >= steps:
                break
            values = np.asarray(_encoding.to_host(batch)).astype("float32")
            self.summary = _merge_summaries(_summarize(values, self.epsilon), self.summary, self.epsilon)
        self.bin_boundaries = _compress_summary(self.summary, 1.0 / self.num_bins)[0, :-1].tolist()

    def call(self, inputs):
        if self.bin_boundaries is None:
            raise ValueError(f'Discretization "{self.name}": no bin_boundaries yet; pass bin_boundaries to the '
                             "constructor or call adapt() before calling the layer.")
        dtype = ops.dtype(inputs)
        values = inputs if dtype.startswith(("float", "bfloat")) else ops.cast(inputs, config.floatx())
        boundaries = ops.convert_to_tensor(np.asarray(self.bin_boundaries, dtype="float32"), dtype=ops.dtype(values))
        above = ops.greater_equal(ops.expand_dims(values, -1), boundaries)
        indices = ops.sum(ops.cast(above, "int32"), axis=-1)
        return _encoding.encode_categorical(indices, self.output_mode, len(self.bin_boundaries) + 1,
                                            self.output_dtype)

    def compute_output_shape(self, input_shape):
        input_shape = tuple(input_shape)
        if self.output_mode == "int":
            return input_shape
        depth = len(self.bin_boundaries) + 1 if self.bin_boundaries is not None else self.num_bins
        return _encoded_shape(input_shape, self.output_mode, depth)

    def compute_output_spec(self, inputs, *args, **kwargs):
        from kerafront.layers.symbolic import KerasTensor
        return KerasTensor(self.compute_output_shape(inputs.shape), self.output_dtype)

    def get_config(self):
        return {"bin_boundaries": self.bin_boundaries, "num_bins": self.num_bins, "epsilon": self.epsilon,
                "output_mode": self.output_mode, "sparse": self.sparse, "name": self.name, "dtype": self.dtype}

    @classmethod
    def from_config(cls, config_):
        config_ = dict(config_)
        config_.pop("trainable", None)
        if config_.get("bin_boundaries") is not None and config_.get("num_bins") is not None:
            boundaries = config_.pop("bin_boundaries")
            layer = cls(**config_)
            layer.bin_boundaries = _checked_boundaries(boundaries)
            return layer
        return cls(**config_)


def _checked_boundaries(boundaries):
    """Boundaries as a list of floats, refused unless numbers in ascending order."""
    try:
        values = np.asarray(boundaries, dtype="float64")
    except (TypeError, ValueError):
        raise ValueError(f"Discretization: bin_boundaries must be a list of numbers; received {boundaries!r}.") from None
    if values.ndim != 1 or np.any(np.diff(values) < 0) or not np.all(np.isfinite(values)):
        raise ValueError(f"Discretization: bin_boundaries must be a flat, finite, sorted list of numbers; received "
                         f"{boundaries!r}.")
    return values.tolist()


def _encoded_shape(input_shape, output_mode, depth):
    """Output shape of ``encode_categorical`` (the computation's shapes, as Keras's NumPy backend gives)."""
    if output_mode == "one_hot":
        if len(input_shape) > 1 and input_shape[-1] == 1:
            return input_shape[:-1] + (depth,)
        return input_shape + (depth,)
    if len(input_shape) <= 1:
        return (depth,)
    return (input_shape[0],) + input_shape[2:] + (depth,)


def _summarize(values, epsilon):
    """Keras's quantile summary of ``values``: every ``step``-th sorted value, each weighing ``step``."""
    values = np.sort(np.reshape(values, [-1]))
    step = max(values.size / (1.0 / epsilon), 1)
    boundaries = values[int(step - 1)::int(step)]
    return np.stack([boundaries, np.ones_like(boundaries) * step])


def _merge_summaries(first, second, epsilon):
    merged = np.concatenate((first, second), axis=1)
    merged = np.take(merged, np.argsort(merged[0]), axis=1)
    return _compress_summary(merged, epsilon)


def _compress_summary(summary, epsilon):
    """Interpolate a summary down to ``1 / epsilon`` bins (unchanged when it is already that small)."""
    if summary.shape[1] * epsilon < 1:
        return summary
    targets = epsilon + np.arange(0.0, 1.0, epsilon)
    cumulative = np.cumsum(summary[1])
    fractions = cumulative / cumulative[-1]
    values = np.interp(targets, fractions, summary[0])
    weights = np.diff(np.interp(targets, fractions, cumulative), prepend=0.0)
    return np.stack((values, weights)).astype("float32")
