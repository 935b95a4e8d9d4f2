"""Confusion-matrix metrics: ``Precision``, ``Recall`` and ``AUC`` (Keras 3 semantics).

Counts are accumulated per threshold: a prediction is positive at threshold ``t`` when
``y_pred > t``; a label is positive when it is non-zero. Sample weights weight the counts.
Predictions are expected in ``[0, 1]`` (probabilities; ``AUC(from_logits=True)`` applies a sigmoid).
"""

import math

from kerafront import ops
from kerafront.losses.loss import divide_no_nan, float_tensor, squeeze_or_expand_to_same_rank
from kerafront.metrics.metric import Metric

__all__ = ["Precision", "Recall", "AUC", "confusion_counts"]

NEG_INF = -1e10


def _keep_top_k(y_pred, k):
    """``y_pred`` with everything but the ``k`` largest entries of each row set to -inf."""
    _, indices = ops.top_k(y_pred, k)
    kept = ops.sum(ops.one_hot(indices, ops.shape(y_pred)[-1], dtype="int32"), axis=-2)
    return ops.where(ops.greater(kept, 0), y_pred, ops.full_like(y_pred, -math.inf))


def confusion_counts(y_true, y_pred, thresholds, sample_weight=None, top_k=None, class_id=None,
                     num_labels=None, dtype="float32"):
    """Weighted ``(tp, fp, tn, fn)`` per threshold, each of shape ``(len(thresholds),)``, or
    ``(len(thresholds), num_labels)`` when ``num_labels`` is given (multi-label: the last axis of
    ``y_pred`` holds independent labels).
    """
    y_pred = float_tensor(y_pred, dtype)
    y_true = float_tensor(y_true, dtype)
    y_true, y_pred = squeeze_or_expand_to_same_rank(y_true, y_pred)
    if top_k is not None:
        y_pred = _keep_top_k(y_pred, top_k)
    if class_id is not None:
        y_true, y_pred = y_true[..., class_id], y_pred[..., class_id]
    weights = ops.ones_like(y_pred)
    if sample_weight is not None:
        sample_weight = float_tensor(sample_weight, dtype)
        sample_weight, _ = squeeze_or_expand_to_same_rank(sample_weight, y_pred)
        extra = ops.ndim(y_pred) - ops.ndim(sample_weight)
        if extra > 0:
            sample_weight = ops.reshape(sample_weight, tuple(ops.shape(sample_weight)) + (1,) * extra)
        weights = ops.multiply(weights, sample_weight)
    labels = 1 if num_labels is None else num_labels
    y_pred = ops.reshape(y_pred, (-1, labels))
    y_true = ops.reshape(ops.broadcast_to(y_true, ops.shape(weights)), (-1, labels))
    weights = ops.reshape(weights, (-1, labels))
    positive_weight = ops.multiply(ops.cast(ops.not_equal(y_true, 0), dtype), weights)
    negative_weight = ops.subtract(weights, positive_weight)
    thresholds = ops.reshape(ops.convert_to_tensor(list(thresholds), dtype=dtype), (-1, 1, 1))
    predicted = ops.cast(ops.greater(ops.expand_dims(y_pred, 0), thresholds), dtype)   # (T, M, labels)
    tp = ops.sum(ops.multiply(predicted, positive_weight), axis=1)
    fp = ops.sum(ops.multiply(predicted, negative_weight), axis=1)
    fn = ops.subtract(ops.sum(positive_weight, axis=0), tp)
    tn = ops.subtract(ops.sum(negative_weight, axis=0), fp)
    if num_labels is None:
        tp, fp, tn, fn = (ops.squeeze(c, axis=-1) for c in (tp, fp, tn, fn))
    return tp, fp, tn, fn


def _thresholds(thresholds, default):
    if thresholds is None:
        return [default]
    values = [float(t) for t in (thresholds if isinstance(thresholds, (list, tuple)) else [thresholds])]
    if any(not 0.0 <= t <= 1.0 for t in values):
        raise ValueError(f"thresholds must lie in [0, 1], got {thresholds!r}.")
    return values


class _PrecisionRecall(Metric):
    """Shared state of ``Precision`` and ``Recall``: true positives and one kind of error."""

    def __init__(self, thresholds=None, top_k=None, class_id=None, name=None, dtype=None):
        super().__init__(name=name, dtype=dtype)
        self.init_thresholds = thresholds
        self.top_k = top_k
        self.class_id = class_id
        self.thresholds = _thresholds(thresholds, 0.5 if top_k is None else NEG_INF)
        self.true_positives = self.add_variable((len(self.thresholds),), name="true_positives")
        self.errors = self.add_variable((len(self.thresholds),), name=self._error_name)

    def update_state(self, y_true, y_pred, sample_weight=None):
        tp, fp, _, fn = confusion_counts(y_true, y_pred, self.thresholds, sample_weight, self.top_k,
                                         self.class_id, dtype=self.dtype)
        self.true_positives.assign_add(tp)
        self.errors.assign_add(fp if self._error_name == "false_positives" else fn)

    def result(self):
        tp = self.true_positives.value
        value = divide_no_nan(tp, ops.add(tp, self.errors.value))
        return value[0] if len(self.thresholds) == 1 else value

    def get_config(self):
        return {**super().get_config(), "thresholds": self.init_thresholds, "top_k": self.top_k,
                "class_id": self.class_id}


class Precision(_PrecisionRecall):
    """``tp / (tp + fp)``; ``thresholds`` (default 0.5; a list gives one value per threshold),
    ``top_k`` (only the k highest predictions per row count as positive), ``class_id``."""

    _error_name = "false_positives"


class Recall(_PrecisionRecall):
    """``tp / (tp + fn)``; arguments as ``Precision``."""

    _error_name = "false_negatives"


class AUC(Metric):
    """Area under the ROC or precision-recall curve, from counts at ``num_thresholds`` thresholds.

    Thresholds are ``-eps, 1/(n-1), 2/(n-1), ..., (n-2)/(n-1), 1+eps`` (or ``thresholds`` with
    ``-eps`` and ``1+eps`` added). ``summation_method``: ``"interpolation"`` (trapezoids for ROC;
    Davis & Goadrich's interpolation for PR), ``"minoring"`` or ``"majoring"`` (Riemann sums of the
    lower / upper values). ``multi_label=True`` needs ``num_labels`` and averages the per-label AUCs
    (weighted by ``label_weights`` when given).
    """

    def __init__(self, num_thresholds=200, curve="ROC", summation_method="interpolation", name=None, dtype=None,
                 thresholds=None, multi_label=False, num_labels=None, label_weights=None, from_logits=False):
        super().__init__(name=name, dtype=dtype)
        curve, summation_method = str(curve).upper(), str(summation_method).lower()
        if curve not in ("ROC", "PR"):
            raise ValueError(f"AUC: curve must be 'ROC' or 'PR', got {curve!r}.")
        if summation_method not in ("interpolation", "minoring", "majoring"):
            raise ValueError(f"AUC: summation_method must be 'interpolation', 'minoring' or 'majoring', "
                             f"got {summation_method!r}.")
        if multi_label and not num_labels:
            raise ValueError("AUC: multi_label=True needs num_labels (the size of y_pred's last axis), so that "
                             "the state can be created before the first (possibly compiled) update.")
        if not multi_label and num_labels:
            raise ValueError("AUC: num_labels is only used with multi_label=True.")
        from kerafront import config
        eps = config.epsilon()
        if thresholds is not None:
            inner = sorted(_thresholds(thresholds, None))
            self.num_thresholds = len(inner) + 2
        else:
            if num_thresholds <= 1:
                raise ValueError(f"AUC: num_thresholds must be an integer > 1, got {num_thresholds!r}.")
            self.num_thresholds = int(num_thresholds)
            inner = [(i + 1) / (num_thresholds - 1) for i in range(num_thresholds - 2)]
        self.thresholds = [0.0 - eps] + inner + [1.0 + eps]
        self._init_thresholds = thresholds is not None
        self.curve, self.summation_method = curve, summation_method
        self.multi_label, self.num_labels = bool(multi_label), num_labels
        self.label_weights = None if label_weights is None else [float(w) for w in label_weights]
        self.from_logits = from_logits
        shape = (self.num_thresholds, num_labels) if multi_label else (self.num_thresholds,)
        self.true_positives = self.add_variable(shape, name="true_positives")
        self.false_positives = self.add_variable(shape, name="false_positives")
        self.true_negatives = self.add_variable(shape, name="true_negatives")
        self.false_negatives = self.add_variable(shape, name="false_negatives")

    def update_state(self, y_true, y_pred, sample_weight=None):
        if self.from_logits:
            y_pred = ops.sigmoid(float_tensor(y_pred, self.dtype))
        counts = confusion_counts(y_true, y_pred, self.thresholds, sample_weight,
                                  num_labels=self.num_labels if self.multi_label else None, dtype=self.dtype)
        for variable, count in zip((self.true_positives, self.false_positives, self.true_negatives,
                                    self.false_negatives), counts):
            variable.assign_add(count)

    def _interpolate_pr_auc(self, tp, fp, fn):
        """Davis & Goadrich (2006): precision interpolated linearly in the count of positives."""
        dtp = ops.subtract(tp[:-1], tp[1:])
        p = ops.add(tp, fp)
        dp = ops.subtract(p[:-1], p[1:])
        prec_slope = divide_no_nan(dtp, ops.maximum(dp, 0.0))
        intercept = ops.subtract(tp[1:], ops.multiply(prec_slope, p[1:]))
        both_positive = ops.logical_and(ops.greater(p[:-1], 0), ops.greater(p[1:], 0))
        safe_ratio = ops.where(both_positive, divide_no_nan(p[:-1], ops.maximum(p[1:], 0.0)), ops.ones_like(p[1:]))
        increments = divide_no_nan(ops.multiply(prec_slope, ops.add(dtp, ops.multiply(intercept, ops.log(safe_ratio)))),
                                   ops.maximum(ops.add(tp[1:], fn[1:]), 0.0))
        return ops.sum(increments, axis=0)

    def result(self):
        tp, fp = self.true_positives.value, self.false_positives.value
        tn, fn = self.true_negatives.value, self.false_negatives.value
        if self.curve == "PR" and self.summation_method == "interpolation":
            by_label = self._interpolate_pr_auc(tp, fp, fn)
        else:
            recall = divide_no_nan(tp, ops.add(tp, fn))
            if self.curve == "ROC":
                x, y = divide_no_nan(fp, ops.add(fp, tn)), recall
            else:
                x, y = recall, divide_no_nan(tp, ops.add(tp, fp))
            if self.summation_method == "interpolation":
                heights = ops.divide(ops.add(y[:-1], y[1:]), 2.0)
            elif self.summation_method == "minoring":
                heights = ops.minimum(y[:-1], y[1:])
            else:
                heights = ops.maximum(y[:-1], y[1:])
            by_label = ops.sum(ops.multiply(ops.subtract(x[:-1], x[1:]), heights), axis=0)
        if not self.multi_label:
            return by_label
        if self.label_weights is None:
            return ops.mean(by_label)
        weights = ops.convert_to_tensor(self.label_weights, dtype=self.dtype)
        return divide_no_nan(ops.sum(ops.multiply(by_label, weights)), ops.sum(weights))

    def get_config(self):
        config = {**super().get_config(), "num_thresholds": self.num_thresholds, "curve": self.curve,
                  "summation_method": self.summation_method, "multi_label": self.multi_label,
                  "num_labels": self.num_labels, "label_weights": self.label_weights,
                  "from_logits": self.from_logits}
        if self._init_thresholds:
            config["thresholds"] = self.thresholds[1:-1]
        return config
