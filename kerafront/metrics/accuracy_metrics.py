"""Accuracy metrics: per-sample match functions and their running-mean classes (Keras 3 semantics).

Every function returns float matches (1.0 or 0.0) of shape ``(batch, ...)`` without the class axis.
"""

from kerafront import config, ops
from kerafront.losses.functions import sparse_class_ids
from kerafront.losses.loss import as_tensor, float_tensor, squeeze_or_expand_to_same_rank
from kerafront.metrics.reduction import MeanMetricWrapper

__all__ = ["accuracy", "binary_accuracy", "categorical_accuracy", "sparse_categorical_accuracy",
           "top_k_categorical_accuracy", "sparse_top_k_categorical_accuracy", "in_top_k", "Accuracy",
           "BinaryAccuracy", "CategoricalAccuracy", "SparseCategoricalAccuracy", "TopKCategoricalAccuracy",
           "SparseTopKCategoricalAccuracy"]


def _matches(condition):
    return ops.cast(condition, config.floatx())


def accuracy(y_true, y_pred):
    """1 where ``y_true == y_pred`` exactly (after rank alignment)."""
    y_pred = float_tensor(y_pred)
    y_true = float_tensor(y_true, ops.dtype(y_pred))
    y_true, y_pred = squeeze_or_expand_to_same_rank(y_true, y_pred)
    return _matches(ops.equal(y_true, y_pred))


def binary_accuracy(y_true, y_pred, threshold=0.5):
    """1 where ``(y_pred > threshold) == y_true`` (targets 0/1; ``(batch,)`` or ``(batch, 1)``)."""
    y_pred = float_tensor(y_pred)
    y_true = float_tensor(y_true, ops.dtype(y_pred))
    y_true, y_pred = squeeze_or_expand_to_same_rank(y_true, y_pred)
    predicted = ops.cast(ops.greater(y_pred, threshold), ops.dtype(y_true))
    return _matches(ops.equal(y_true, predicted))


def categorical_accuracy(y_true, y_pred):
    """1 where ``argmax(y_true) == argmax(y_pred)`` over the last axis (one-hot targets)."""
    y_pred = as_tensor(y_pred)
    y_true = as_tensor(y_true)
    return _matches(ops.equal(ops.argmax(y_true, axis=-1), ops.argmax(y_pred, axis=-1)))


def _class_ids(where, y_true, y_pred):
    """int32 ids in ``[0, num_classes)``; eager calls raise ``ValueError`` naming ``where`` for others."""
    y_true = as_tensor(y_true)
    if ops.ndim(y_true) == ops.ndim(y_pred) and ops.shape(y_true)[-1] == 1:
        y_true = ops.squeeze(y_true, axis=-1)
    return sparse_class_ids(where, y_true, ops.shape(y_pred)[-1])


def sparse_categorical_accuracy(y_true, y_pred):
    """1 where the integer id ``y_true`` (``(batch,)`` or ``(batch, 1)``) equals ``argmax(y_pred)``.

    Ids outside ``[0, num_classes)`` (-1 included) raise ``ValueError`` in eager calls (Keras counts them
    as misses).
    """
    y_pred = as_tensor(y_pred)
    ids = _class_ids("sparse_categorical_accuracy", y_true, y_pred)
    return _matches(ops.equal(ids, ops.argmax(y_pred, axis=-1)))


def in_top_k(targets, predictions, k):
    """True where ``predictions[..., targets]`` is among the ``k`` largest of its row.

    Ties count in, as TensorFlow's ``in_top_k``: the target is in the top k when fewer than ``k``
    classes score strictly higher.
    """
    target_scores = ops.take_along_axis(predictions, ops.expand_dims(targets, -1), axis=-1)
    higher = ops.sum(ops.cast(ops.greater(predictions, target_scores), "int32"), axis=-1)
    return ops.less(higher, k)


def top_k_categorical_accuracy(y_true, y_pred, k=5):
    """1 where the class ``argmax(y_true)`` is among the ``k`` top scores of ``y_pred``."""
    y_pred = as_tensor(y_pred)
    targets = ops.argmax(as_tensor(y_true), axis=-1)
    return _matches(in_top_k(targets, y_pred, k))


def sparse_top_k_categorical_accuracy(y_true, y_pred, k=5):
    """1 where the integer id ``y_true`` is among the ``k`` top scores of ``y_pred``."""
    y_pred = as_tensor(y_pred)
    return _matches(in_top_k(_class_ids("sparse_top_k_categorical_accuracy", y_true, y_pred), y_pred, k))


class Accuracy(MeanMetricWrapper):
    """How often predictions equal labels exactly (``accuracy``)."""

    def __init__(self, name="accuracy", dtype=None):
        super().__init__(accuracy, name=name, dtype=dtype)


class BinaryAccuracy(MeanMetricWrapper):
    """How often ``y_pred > threshold`` matches binary labels."""

    def __init__(self, name="binary_accuracy", dtype=None, threshold=0.5):
        super().__init__(binary_accuracy, name=name, dtype=dtype, threshold=threshold)
        self.threshold = threshold

    def get_config(self):
        return {**super().get_config(), "threshold": self.threshold}


class CategoricalAccuracy(MeanMetricWrapper):
    """How often ``argmax(y_pred)`` matches one-hot labels."""

    def __init__(self, name="categorical_accuracy", dtype=None):
        super().__init__(categorical_accuracy, name=name, dtype=dtype)


class SparseCategoricalAccuracy(MeanMetricWrapper):
    """How often ``argmax(y_pred)`` matches integer labels."""

    def __init__(self, name="sparse_categorical_accuracy", dtype=None):
        super().__init__(sparse_categorical_accuracy, name=name, dtype=dtype)


class _TopKAccuracy(MeanMetricWrapper):
    """A top-``k`` match function's running mean; ``k`` is an attribute and part of the config."""

    def __init__(self, fn, k, name, dtype):
        super().__init__(fn, name=name, dtype=dtype, k=k)
        self.k = k

    def get_config(self):
        return {**super().get_config(), "k": self.k}


class TopKCategoricalAccuracy(_TopKAccuracy):
    """How often the one-hot target class is in the top ``k`` predictions."""

    def __init__(self, k=5, name="top_k_categorical_accuracy", dtype=None):
        super().__init__(top_k_categorical_accuracy, k, name, dtype)


class SparseTopKCategoricalAccuracy(_TopKAccuracy):
    """How often the integer target class is in the top ``k`` predictions."""

    def __init__(self, k=5, name="sparse_top_k_categorical_accuracy", dtype=None):
        super().__init__(sparse_top_k_categorical_accuracy, k, name, dtype)
