"""Intersection-over-union metrics: ``IoU``, ``MeanIoU``, ``BinaryIoU``, ``OneHotIoU``, ``OneHotMeanIoU``.

State: one ``(num_classes, num_classes)`` confusion matrix ``total_confusion_matrix`` (rows: true
class, columns: predicted class), of integer dtype by default as in Keras (float sample weights are
then truncated, as Keras does). For class ``c``: ``iou_c = cm[c, c] / (row_c + col_c - cm[c, c])``;
the result is the mean of ``iou_c`` over ``target_class_ids`` whose denominator is non-zero.
Labels or predictions outside ``[0, num_classes)`` and labels equal to ``ignore_class`` are skipped.
"""

from kerafront import config, ops
from kerafront.metrics.metric import Metric

__all__ = ["IoU", "MeanIoU", "BinaryIoU", "OneHotIoU", "OneHotMeanIoU"]


class IoU(Metric):
    """Mean IoU over ``target_class_ids``.

    Args:
        num_classes: the number of classes (the confusion matrix is ``num_classes x num_classes``).
        target_class_ids: the classes averaged in the result.
        ignore_class: a label value left out of the counts (e.g. a "void" class), or None.
        sparse_y_true, sparse_y_pred: False when that input holds scores/one-hot rows along
            ``axis`` (an ``argmax`` is taken first).
        dtype: the confusion matrix's dtype ("int32" by default, as Keras).
    """

    def __init__(self, num_classes, target_class_ids, name=None, dtype=None, ignore_class=None, sparse_y_true=True,
                 sparse_y_pred=True, axis=-1):
        super().__init__(name=name, dtype=dtype or "int32")
        target_class_ids = list(target_class_ids)
        if not target_class_ids or max(target_class_ids) >= num_classes or min(target_class_ids) < 0:
            raise ValueError(f"{type(self).__name__}: target_class_ids must be non-empty and lie in "
                             f"[0, {num_classes}), got {target_class_ids!r}.")
        self.num_classes = num_classes
        self.target_class_ids = target_class_ids
        self.ignore_class = ignore_class
        self.sparse_y_true = sparse_y_true
        self.sparse_y_pred = sparse_y_pred
        self.axis = axis
        self.total_cm = self.add_variable((num_classes, num_classes), name="total_confusion_matrix")

    def update_state(self, y_true, y_pred, sample_weight=None):
        y_true, y_pred = ops.convert_to_tensor(y_true), ops.convert_to_tensor(y_pred)
        if not self.sparse_y_true:
            y_true = ops.argmax(y_true, axis=self.axis)
        if not self.sparse_y_pred:
            y_pred = ops.argmax(y_pred, axis=self.axis)
        y_true = ops.reshape(ops.cast(y_true, "int32"), (-1,))
        y_pred = ops.reshape(ops.cast(y_pred, "int32"), (-1,))
        weights = ops.ones(ops.shape(y_true), dtype="float32")
        if sample_weight is not None:
            sample_weight = ops.cast(ops.cast(ops.convert_to_tensor(sample_weight), self.dtype), "float32")
            weights = ops.multiply(weights, ops.reshape(sample_weight, (-1,)) if ops.ndim(sample_weight) else
                                   sample_weight)
        keep = ops.logical_and(ops.logical_and(ops.greater_equal(y_true, 0), ops.less(y_true, self.num_classes)),
                               ops.logical_and(ops.greater_equal(y_pred, 0), ops.less(y_pred, self.num_classes)))
        if self.ignore_class is not None:
            keep = ops.logical_and(keep, ops.not_equal(y_true, self.ignore_class))
        weights = ops.where(keep, weights, 0.0)
        true_rows = ops.multiply(ops.one_hot(ops.where(keep, y_true, 0), self.num_classes, dtype="float32"),
                                 ops.expand_dims(weights, -1))
        pred_rows = ops.one_hot(ops.where(keep, y_pred, 0), self.num_classes, dtype="float32")
        batch_cm = ops.matmul(ops.transpose(true_rows), pred_rows)
        self.total_cm.assign_add(ops.cast(batch_cm, self.dtype))

    def result(self):
        cm = ops.cast(self.total_cm.value, "float32")
        true_positives = ops.diagonal(cm)
        denominator = ops.subtract(ops.add(ops.sum(cm, axis=0), ops.sum(cm, axis=1)), true_positives)
        ids = ops.convert_to_tensor(self.target_class_ids, dtype="int32")
        true_positives = ops.take(true_positives, ids)
        denominator = ops.take(denominator, ids)
        valid = ops.greater(denominator, 1e-9)
        iou = ops.where(valid, ops.divide(true_positives, ops.add(denominator, config.epsilon())), 0.0)
        return ops.divide(ops.sum(iou), ops.add(ops.sum(ops.cast(valid, "float32")), config.epsilon()))

    def get_config(self):
        return {**super().get_config(), "num_classes": self.num_classes, "target_class_ids": self.target_class_ids,
                "ignore_class": self.ignore_class, "sparse_y_true": self.sparse_y_true,
                "sparse_y_pred": self.sparse_y_pred, "axis": self.axis}


class MeanIoU(IoU):
    """IoU averaged over every class."""

    def __init__(self, num_classes, name=None, dtype=None, ignore_class=None, sparse_y_true=True, sparse_y_pred=True,
                 axis=-1):
        super().__init__(num_classes, list(range(num_classes)), name=name, dtype=dtype, ignore_class=ignore_class,
                         sparse_y_true=sparse_y_true, sparse_y_pred=sparse_y_pred, axis=axis)

    def get_config(self):
        config = super().get_config()
        del config["target_class_ids"]
        return config


class BinaryIoU(IoU):
    """IoU of binary labels against ``y_pred >= threshold`` (classes 0 and 1)."""

    def __init__(self, target_class_ids=(0, 1), threshold=0.5, name=None, dtype=None):
        super().__init__(2, target_class_ids, name=name, dtype=dtype)
        self.threshold = threshold

    def update_state(self, y_true, y_pred, sample_weight=None):
        predicted = ops.greater_equal(ops.cast(ops.convert_to_tensor(y_pred), "float32"), self.threshold)
        return super().update_state(y_true, ops.cast(predicted, "int32"), sample_weight)

    def get_config(self):
        return {"target_class_ids": self.target_class_ids, "threshold": self.threshold, "name": self.name,
                "dtype": self.dtype}


class OneHotIoU(IoU):
    """``IoU`` for one-hot labels (and, unless ``sparse_y_pred``, score rows as predictions)."""

    def __init__(self, num_classes, target_class_ids, name=None, dtype=None, ignore_class=None, sparse_y_pred=False,
                 axis=-1):
        super().__init__(num_classes, target_class_ids, name=name, dtype=dtype, ignore_class=ignore_class,
                         sparse_y_true=False, sparse_y_pred=sparse_y_pred, axis=axis)

    def get_config(self):
        config = super().get_config()
        del config["sparse_y_true"]
        return config


class OneHotMeanIoU(MeanIoU):
    """``MeanIoU`` for one-hot labels (and, unless ``sparse_y_pred``, score rows as predictions)."""

    def __init__(self, num_classes, name=None, dtype=None, ignore_class=None, sparse_y_pred=False, axis=-1):
        super().__init__(num_classes, name=name, dtype=dtype, ignore_class=ignore_class, sparse_y_true=False,
                         sparse_y_pred=sparse_y_pred, axis=axis)

    def get_config(self):
        config = super().get_config()
        del config["sparse_y_true"]
        return config
