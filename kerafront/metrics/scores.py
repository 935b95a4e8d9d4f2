"""Per-class scores over 2-D ``(batch, num_classes)`` inputs: ``FBetaScore``, ``F1Score``, ``R2Score``.

Their state has one entry per class, so it is created once the class count is known: by
``build_from_output_shape(shape)`` (``compile`` calls it with the model output's shape, before any
compiled step) or else on the first ``update_state``. ``variables`` is empty until then, as in Keras.
"""

from kerafront import config, ops
from kerafront.losses.loss import float_tensor, squeeze_or_expand_to_same_rank
from kerafront.metrics.metric import Metric

__all__ = ["FBetaScore", "F1Score", "R2Score"]


def _check_2d(where, y_true_shape, y_pred_shape):
    if len(y_pred_shape) != 2 or len(y_true_shape) != 2:
        raise ValueError(f"{where} expects 2D inputs with shape (batch_size, output_dim). Received input shapes: "
                         f"y_pred.shape={tuple(y_pred_shape)} and y_true.shape={tuple(y_true_shape)}.")
    if not isinstance(y_pred_shape[-1], int):
        raise ValueError(f"{where} needs the last dimension (output_dim) known, "
                         f"got y_pred.shape={tuple(y_pred_shape)}.")


class _PerClassMetric(Metric):
    """State variables named ``_state_names`` of shape ``_state_shape(num_classes)``, made on build."""

    _state_names = ()
    _variable_names = {}   # attribute -> variable name, where Keras names them differently

    def __init__(self, name=None, dtype=None):
        super().__init__(name=name, dtype=dtype)
        self.built = False

    def build_from_output_shape(self, y_pred_shape):
        """Create the state for predictions of shape ``(batch, num_classes)``; later calls do nothing."""
        if self.built:
            return
        y_pred_shape = tuple(y_pred_shape)
        _check_2d(type(self).__name__, y_pred_shape, y_pred_shape)
        for state_name in self._state_names:
            variable_name = self._variable_names.get(state_name, state_name)
            setattr(self, state_name, self.add_variable(self._state_shape(y_pred_shape[-1]), name=variable_name))
        self.built = True

    def _state_shape(self, num_classes):
        return (num_classes,)


class FBetaScore(_PerClassMetric):
    """F-beta score per class: ``(1 + beta**2) * p * r / (beta**2 * p + r)``.

    Args:
        average: None (one score per class), "micro" (counts pooled over classes), "macro" (mean of
            the class scores) or "weighted" (class scores weighted by their label totals).
        beta: a positive Python float; 1.0 is the F1 score.
        threshold: predictions above it count as positive; None (default) marks the row maximum of
            each sample (when non-zero) as its positive prediction.
    """

    _state_names = ("true_positives", "false_positives", "false_negatives", "intermediate_weights")

    def __init__(self, average=None, beta=1.0, threshold=None, name="fbeta_score", dtype=None):
        super().__init__(name=name, dtype=dtype)
        where = type(self).__name__
        if average not in (None, "micro", "macro", "weighted"):
            raise ValueError(f"{where}: average must be one of None, 'micro', 'macro', 'weighted', got {average!r}.")
        if not isinstance(beta, float):
            raise ValueError(f"{where}: beta must be a Python float, got {beta!r} of type {type(beta).__name__}.")
        if beta <= 0.0:
            raise ValueError(f"{where}: beta must be > 0, got {beta!r}.")
        if threshold is not None:
            if not isinstance(threshold, float):
                raise ValueError(f"{where}: threshold must be a Python float, got {threshold!r} "
                                 f"of type {type(threshold).__name__}.")
            if not 0.0 < threshold <= 1.0:
                raise ValueError(f"{where}: threshold must satisfy 0 < threshold <= 1, got {threshold!r}.")
        self.average, self.beta, self.threshold = average, beta, threshold
        self.axis = None if average == "micro" else 0

    def _state_shape(self, num_classes):
        return () if self.average == "micro" else (num_classes,)

    def update_state(self, y_true, y_pred, sample_weight=None):
        y_true = float_tensor(y_true, self.dtype)
        y_pred = float_tensor(y_pred, self.dtype)
        _check_2d(type(self).__name__, ops.shape(y_true), ops.shape(y_pred))
        self.build_from_output_shape(ops.shape(y_pred))
        if self.threshold is None:
            row_max = ops.max(y_pred, axis=-1, keepdims=True)
            predicted = ops.logical_and(ops.greater_equal(y_pred, row_max), ops.greater(ops.abs(y_pred), 1e-9))
        else:
            predicted = ops.greater(y_pred, self.threshold)
        predicted = ops.cast(predicted, self.dtype)
        weight = None if sample_weight is None else ops.expand_dims(float_tensor(sample_weight, self.dtype), 1)

        def weighted_sum(values):
            return ops.sum(values if weight is None else ops.multiply(values, weight), axis=self.axis)

        self.true_positives.assign_add(weighted_sum(ops.multiply(predicted, y_true)))
        self.false_positives.assign_add(weighted_sum(ops.multiply(predicted, ops.subtract(1.0, y_true))))
        self.false_negatives.assign_add(weighted_sum(ops.multiply(ops.subtract(1.0, predicted), y_true)))
        self.intermediate_weights.assign_add(weighted_sum(y_true))

    def result(self):
        if not self.built:
            return ops.convert_to_tensor(0.0, dtype=self.dtype)
        eps = config.epsilon()
        tp = self.true_positives.value
        precision = ops.divide(tp, ops.add(ops.add(tp, self.false_positives.value), eps))
        recall = ops.divide(tp, ops.add(ops.add(tp, self.false_negatives.value), eps))
        beta_squared = self.beta ** 2
        score = ops.multiply(ops.divide(ops.multiply(precision, recall),
                                        ops.add(ops.add(ops.multiply(precision, beta_squared), recall), eps)),
                             1.0 + beta_squared)
        if self.average == "weighted":
            totals = self.intermediate_weights.value
            return ops.sum(ops.multiply(score, ops.divide(totals, ops.add(ops.sum(totals), eps))))
        if self.average is not None:
            return ops.mean(score)
        return score

    def get_config(self):
        return {**super().get_config(), "average": self.average, "beta": self.beta, "threshold": self.threshold}


class F1Score(FBetaScore):
    """``FBetaScore`` with ``beta=1.0``: ``2 * p * r / (p + r)``."""

    def __init__(self, average=None, threshold=None, name="f1_score", dtype=None):
        super().__init__(average=average, beta=1.0, threshold=threshold, name=name, dtype=dtype)

    def get_config(self):
        config = super().get_config()
        del config["beta"]
        return config


class R2Score(_PerClassMetric):
    """Coefficient of determination ``1 - SS_res / SS_tot`` per output column, over all updates.

    Args:
        class_aggregation: "uniform_average" (mean over columns, default), "variance_weighted_average"
            (weighted by each column's total variance) or None (one score per column).
        num_regressors: ``p`` of the adjusted score ``1 - (1 - r2) (n - 1) / (n - p - 1)`` (0: plain R2;
            ``n`` counts every scalar seen, as Keras does). With ``p >= n - 1`` the plain score is returned
            (Keras also warns).
    """

    _state_names = ("squared_sum", "sum", "total_mse", "count")
    _variable_names = {"total_mse": "residual"}

    def __init__(self, class_aggregation="uniform_average", num_regressors=0, name="r2_score", dtype=None):
        super().__init__(name=name, dtype=dtype)
        valid = (None, "uniform_average", "variance_weighted_average")
        if class_aggregation not in valid:
            raise ValueError(f"R2Score: class_aggregation must be one of {valid}, got {class_aggregation!r}.")
        if num_regressors < 0:
            raise ValueError(f"R2Score: num_regressors must be >= 0, got {num_regressors!r}.")
        self.class_aggregation = class_aggregation
        self.num_regressors = num_regressors
        self.num_samples = self.add_variable((), name="num_samples")

    def update_state(self, y_true, y_pred, sample_weight=None):
        y_true = float_tensor(y_true, self.dtype)
        y_pred = float_tensor(y_pred, self.dtype)
        y_true, y_pred = squeeze_or_expand_to_same_rank(y_true, y_pred)
        _check_2d("R2Score", ops.shape(y_true), ops.shape(y_pred))
        self.build_from_output_shape(ops.shape(y_pred))
        weight = float_tensor(1.0 if sample_weight is None else sample_weight, self.dtype)
        if ops.ndim(weight) == 1:
            weight = ops.expand_dims(weight, 1)
        weight = ops.broadcast_to(weight, ops.shape(y_true))
        weighted_true = ops.multiply(y_true, weight)
        self.sum.assign_add(ops.sum(weighted_true, axis=0))
        self.squared_sum.assign_add(ops.sum(ops.multiply(y_true, weighted_true), axis=0))
        self.total_mse.assign_add(ops.sum(ops.multiply(ops.square(ops.subtract(y_true, y_pred)), weight), axis=0))
        self.count.assign_add(ops.sum(weight, axis=0))
        self.num_samples.assign_add(ops.cast(ops.size(y_true), self.dtype))

    def result(self):
        if not self.built:
            return ops.convert_to_tensor(0.0, dtype=self.dtype)
        total_sum = self.sum.value
        mean = ops.divide(total_sum, self.count.value)
        total = ops.subtract(self.squared_sum.value, ops.multiply(total_sum, mean))
        raw = ops.subtract(1.0, ops.divide(self.total_mse.value, total))
        raw = ops.where(ops.isinf(raw), 0.0, raw)
        if self.class_aggregation == "uniform_average":
            score = ops.mean(raw)
        elif self.class_aggregation == "variance_weighted_average":
            score = ops.divide(ops.sum(ops.multiply(total, raw)), ops.sum(total))
        else:
            score = raw
        if self.num_regressors == 0:
            return score
        n = self.num_samples.value
        adjusted = ops.subtract(1.0, ops.divide(ops.multiply(ops.subtract(1.0, score), ops.subtract(n, 1.0)),
                                                ops.subtract(ops.subtract(n, float(self.num_regressors)), 1.0)))
        return ops.where(ops.greater(ops.subtract(n, 1.0), float(self.num_regressors)), adjusted, score)

    def get_config(self):
        return {**super().get_config(), "class_aggregation": self.class_aggregation,
                "num_regressors": self.num_regressors}

