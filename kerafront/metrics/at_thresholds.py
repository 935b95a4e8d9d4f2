"""Counts at thresholds and the operating-point metrics built on them (Keras 3 semantics).

* ``TruePositives``, ``FalsePositives``, ``TrueNegatives``, ``FalseNegatives``: weighted counts at
  ``thresholds`` (default 0.5; a list gives one count per threshold).
* ``SensitivityAtSpecificity``, ``SpecificityAtSensitivity``, ``PrecisionAtRecall``,
  ``RecallAtPrecision``: the best value of one rate among the ``num_thresholds`` evenly spaced
  thresholds ``0, 1/(n-1), ..., 1`` where the other rate is at least the given value (0 when none is).

As in ``confusion.py``, a prediction is positive at threshold ``t`` when ``y_pred > t`` and a label
is positive when it is non-zero.
"""

from kerafront import ops
from kerafront.losses.loss import divide_no_nan
from kerafront.metrics.confusion import _thresholds, confusion_counts
from kerafront.metrics.metric import Metric

__all__ = ["TruePositives", "FalsePositives", "TrueNegatives", "FalseNegatives", "SensitivityAtSpecificity",
           "SpecificityAtSensitivity", "PrecisionAtRecall", "RecallAtPrecision"]

_COUNT_INDEX = {"true_positives": 0, "false_positives": 1, "true_negatives": 2, "false_negatives": 3}


class _ConditionCount(Metric):
    """One of the four confusion counts, accumulated per threshold in the ``accumulator`` variable."""

    _condition = None

    def __init__(self, thresholds=None, name=None, dtype=None):
        super().__init__(name=name, dtype=dtype)
        self.init_thresholds = thresholds
        self.thresholds = _thresholds(thresholds, 0.5)
        self.accumulator = self.add_variable((len(self.thresholds),), name="accumulator")

    def update_state(self, y_true, y_pred, sample_weight=None):
        counts = confusion_counts(y_true, y_pred, self.thresholds, sample_weight, dtype=self.dtype)
        self.accumulator.assign_add(counts[_COUNT_INDEX[self._condition]])

    def result(self):
        value = self.accumulator.value
        return value[0] if len(self.thresholds) == 1 else value

    def get_config(self):
        return {**super().get_config(), "thresholds": self.init_thresholds}


class TruePositives(_ConditionCount):
    """Weighted count of positive labels predicted positive (``y_pred > threshold``)."""

    _condition = "true_positives"


class FalsePositives(_ConditionCount):
    """Weighted count of negative labels predicted positive."""

    _condition = "false_positives"


class TrueNegatives(_ConditionCount):
    """Weighted count of negative labels predicted negative."""

    _condition = "true_negatives"


class FalseNegatives(_ConditionCount):
    """Weighted count of positive labels predicted negative."""

    _condition = "false_negatives"


class _OperatingPoint(Metric):
    """Counts at ``num_thresholds`` evenly spaced thresholds; subclasses pick the constrained and the
    maximized rate. ``class_id`` restricts a multi-class prediction to one column."""

    _value_name = None   # the constructor argument holding the constraint (``specificity``, ...)

    def __init__(self, value, num_thresholds=200, class_id=None, name=None, dtype=None):
        super().__init__(name=name, dtype=dtype)
        if not 0.0 <= value <= 1.0:
            raise ValueError(f"{type(self).__name__}: {self._value_name} must be in the range [0, 1], got {value!r}.")
        if num_thresholds <= 0:
            raise ValueError(f"{type(self).__name__}: num_thresholds must be an integer > 0, got {num_thresholds!r}.")
        self.value = value
        setattr(self, self._value_name, value)
        self.num_thresholds = num_thresholds
        self.class_id = class_id
        if num_thresholds == 1:
            self.thresholds = [0.5]
        else:
            self.thresholds = [0.0] + [(i + 1) / (num_thresholds - 1) for i in range(num_thresholds - 2)] + [1.0]
        shape = (len(self.thresholds),)
        self.true_positives = self.add_variable(shape, name="true_positives")
        self.false_positives = self.add_variable(shape, name="false_positives")
        self.true_negatives = self.add_variable(shape, name="true_negatives")
        self.false_negatives = self.add_variable(shape, name="false_negatives")

    def update_state(self, y_true, y_pred, sample_weight=None):
        counts = confusion_counts(y_true, y_pred, self.thresholds, sample_weight, class_id=self.class_id,
                                  dtype=self.dtype)
        for variable, count in zip((self.true_positives, self.false_positives, self.true_negatives,
                                    self.false_negatives), counts):
            variable.assign_add(count)

    def _rates(self):
        tp, fp = self.true_positives.value, self.false_positives.value
        tn, fn = self.true_negatives.value, self.false_negatives.value
        return {"recall": divide_no_nan(tp, ops.add(tp, fn)), "specificity": divide_no_nan(tn, ops.add(tn, fp)),
                "precision": divide_no_nan(tp, ops.add(tp, fp))}

    def result(self):
        rates = self._rates()
        feasible = ops.greater_equal(rates[self._constrained], self.value)
        return ops.maximum(ops.max(ops.where(feasible, rates[self._maximized], 0.0)), 0.0)

    def get_config(self):
        return {**super().get_config(), "class_id": self.class_id, "num_thresholds": self.num_thresholds,
                self._value_name: self.value}


class SensitivityAtSpecificity(_OperatingPoint):
    """Best sensitivity (recall) where specificity ``tn / (tn + fp)`` is at least ``specificity``."""

    _value_name, _constrained, _maximized = "specificity", "specificity", "recall"

    def __init__(self, specificity, num_thresholds=200, class_id=None, name=None, dtype=None):
        super().__init__(specificity, num_thresholds, class_id, name, dtype)


class SpecificityAtSensitivity(_OperatingPoint):
    """Best specificity where sensitivity (recall) is at least ``sensitivity``."""

    _value_name, _constrained, _maximized = "sensitivity", "recall", "specificity"

    def __init__(self, sensitivity, num_thresholds=200, class_id=None, name=None, dtype=None):
        super().__init__(sensitivity, num_thresholds, class_id, name, dtype)


class PrecisionAtRecall(_OperatingPoint):
    """Best precision where recall is at least ``recall``."""

    _value_name, _constrained, _maximized = "recall", "recall", "precision"

    def __init__(self, recall, num_thresholds=200, class_id=None, name=None, dtype=None):
        super().__init__(recall, num_thresholds, class_id, name, dtype)


class RecallAtPrecision(_OperatingPoint):
    """Best recall where precision is at least ``precision``."""

    _value_name, _constrained, _maximized = "precision", "precision", "recall"

    def __init__(self, precision, num_thresholds=200, class_id=None, name=None, dtype=None):
        super().__init__(precision, num_thresholds, class_id, name, dtype)
