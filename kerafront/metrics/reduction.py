"""``Mean``, ``Sum`` and ``MeanMetricWrapper`` (a running weighted mean of per-sample values)."""

from kerafront import _lookup, _masking, ops
from kerafront.losses.loss import align_mask, divide_no_nan, float_tensor, squeeze_or_expand_to_same_rank
from kerafront.metrics.metric import Metric
from kerafront.saving import serialization as _serialization


def reduce_to_samplewise_values(values, sample_weight, reduce_fn, dtype):
    """Keras's per-sample reduction: returns ``(values (batch,), weights (batch,) or None)``.

    Values with more axes than the weights are first reduced (``reduce_fn``) over the extra axes;
    the weights are broadcast to the values and multiply them; finally values (and weights of
    rank > 1) are reduced over every axis but the first.
    """
    values = float_tensor(values, dtype)
    if sample_weight is not None:
        sample_weight = float_tensor(sample_weight, dtype)
        values, sample_weight = squeeze_or_expand_to_same_rank(values, sample_weight)
        weight_rank, value_rank = ops.ndim(sample_weight), ops.ndim(values)
        if value_rank > weight_rank:
            values = reduce_fn(values, axis=tuple(range(weight_rank, value_rank)))
        sample_weight = ops.broadcast_to(sample_weight, ops.shape(values))
        values = ops.multiply(values, sample_weight)
        if weight_rank > 1:
            sample_weight = reduce_fn(sample_weight, axis=tuple(range(1, weight_rank)))
    if ops.ndim(values) > 1:
        values = reduce_fn(values, axis=tuple(range(1, ops.ndim(values))))
    return values, sample_weight


class Sum(Metric):
    """Running (weighted) sum of ``values``: ``update_state(values, sample_weight=None)``."""

    def __init__(self, name="sum", dtype=None):
        super().__init__(name=name, dtype=dtype)
        self.total = self.add_variable(name="total")

    def update_state(self, values, sample_weight=None):
        values, _ = reduce_to_samplewise_values(values, sample_weight, ops.sum, self.dtype)
        self.total.assign_add(ops.sum(values))

    def result(self):
        return self.total.value


class Mean(Metric):
    """Running weighted mean: ``total / count`` with ``total += sum(values * w)``, ``count += sum(w)``.

    ``update_state(values, sample_weight=None)``: values of shape ``(batch, ...)`` are first
    averaged per sample; without weights each sample counts 1. The result is 0 before any update.
    """

    def __init__(self, name="mean", dtype=None):
        super().__init__(name=name, dtype=dtype)
        self.total = self.add_variable(name="total")
        self.count = self.add_variable(name="count")

    def update_state(self, values, sample_weight=None):
        if type(sample_weight) in (int, float) and ops.ndim(values) == 0:
            # One (already reduced) value standing for ``sample_weight`` samples, as the trainer's
            # loss tracker passes it: total += value * weight, count += weight.
            value = float_tensor(values, self.dtype)
            self.total.assign(ops.add(self.total.value, ops.multiply(value, float(sample_weight))))
            self.count.assign(ops.add(self.count.value, float(sample_weight)))
            return
        values, sample_weight = reduce_to_samplewise_values(values, sample_weight, ops.mean, self.dtype)
        self.total.assign_add(ops.sum(values))
        if sample_weight is not None:
            num_samples = ops.sum(sample_weight)
        elif ops.ndim(values) == 0:
            num_samples = 1.0
        else:
            batch = ops.shape(values)[0]   # a tensor when unknown while tracing
            num_samples = float(batch) if isinstance(batch, int) else ops.cast(batch, self.dtype)
        self.count.assign_add(num_samples)

    def result(self):
        return divide_no_nan(self.total.value, self.count.value)


class MeanMetricWrapper(Mean):
    """Running mean of ``fn(y_true, y_pred, **kwargs)``'s per-sample values (a loss-like metric).

    ``MeanMetricWrapper(kerafront.losses.huber, name="huber", delta=2.0)``.
    """

    def __init__(self, fn, name=None, dtype=None, **kwargs):
        super().__init__(name=name or getattr(fn, "__name__", "mean_metric_wrapper"), dtype=dtype)
        self._fn = fn
        self._fn_kwargs = kwargs

    def update_state(self, y_true, y_pred, sample_weight=None):
        mask = _masking.get_mask(y_pred)   # a model's output mask: masked time steps do not count
        values = self._fn(y_true, y_pred, **self._fn_kwargs)
        if mask is not None:
            mask = ops.cast(align_mask(self.name, values, mask), self.dtype)
            if sample_weight is None:
                sample_weight = mask
            else:   # per-sample weights apply to every step of their sample (Keras 3.15 raises here)
                sample_weight = float_tensor(sample_weight, self.dtype)
                extra = ops.ndim(mask) - ops.ndim(sample_weight)
                if extra > 0:
                    sample_weight = ops.reshape(sample_weight, tuple(ops.shape(sample_weight)) + (1,) * extra)
                sample_weight = ops.multiply(sample_weight, mask)
        return super().update_state(values, sample_weight=sample_weight)

    def get_config(self):
        config = super().get_config()
        if type(self) is MeanMetricWrapper:
            config["fn"] = _serialization.get_registered_name(self._fn)
            config.update(self._fn_kwargs)
        return config

    @classmethod
    def from_config(cls, config):
        if cls is not MeanMetricWrapper:
            return cls(**config)
        from kerafront.metrics import functions_by_name
        return _lookup.wrapper_from_config(cls, config, dict(sorted(functions_by_name().items())))
