"""Eager checks of targets against a loss, for errors that compiled code cannot raise.

Shape errors (integer labels given to categorical crossentropy, a wrong number of classes) are
raised by the losses themselves from static shapes. Label *values* (a sparse class id outside
``[0, num_classes)``) can only be seen eagerly: the trainer calls ``validate_targets`` once on the
first batch when its targets are NumPy arrays.
"""

import numpy as np

from kerafront.losses import functions as F
from kerafront.losses.classes import CategoricalCrossentropy, SparseCategoricalCrossentropy


def _kind(loss):
    """``(family, ignore_class)``: family is ``"sparse"``, ``"categorical"`` or ``None``."""
    if isinstance(loss, SparseCategoricalCrossentropy):
        return "sparse", loss.ignore_class
    if isinstance(loss, CategoricalCrossentropy):
        return "categorical", None
    fn = getattr(loss, "fn", None)
    if fn is F.sparse_categorical_crossentropy:
        return "sparse", loss._fn_kwargs.get("ignore_class")
    if fn is F.categorical_crossentropy:
        return "categorical", None
    return None, None


def validate_targets(loss, y_true, y_pred_shape):
    """Check NumPy targets ``y_true`` against ``loss`` for predictions of shape ``y_pred_shape``.

    Raises ``ValueError`` for integer labels given to categorical crossentropy (suggesting the
    sparse loss), a class count that differs from the predictions', or sparse class ids that
    are not integers in ``[0, num_classes)`` (``ignore_class`` excepted). Returns ``None``; a loss
    outside the crossentropy family, or targets that are not NumPy arrays, are not checked.
    """
    from kerafront.losses import get
    loss = get(loss)
    if not isinstance(y_true, (np.ndarray, list, tuple)):
        return
    y_true = np.asarray(y_true)
    y_pred_shape = tuple(y_pred_shape)
    kind, ignore_class = _kind(loss)
    name = loss.name
    if kind == "categorical":
        F.check_categorical_targets(name, y_true.shape, y_pred_shape)
    elif kind == "sparse":
        F.check_sparse_targets(name, y_true.shape, y_pred_shape)
        _check_class_ids(name, y_true, y_pred_shape[-1], ignore_class)


def _check_class_ids(name, y_true, num_classes, ignore_class):
    labels = y_true.reshape(-1)
    if ignore_class is not None:
        labels = labels[labels != ignore_class]
    if labels.size == 0:
        return
    if labels.dtype.kind == "f" and not np.all(np.isfinite(labels) & (labels == np.round(labels))):
        raise ValueError(f"{name}: sparse categorical crossentropy needs integer class ids, but y_true holds "
                         f"non-integer values (e.g. {labels[labels != np.round(labels)][:3].tolist()}). "
                         f"Use CategoricalCrossentropy for soft or one-hot targets.")
    if labels.dtype.kind not in "iufb":
        raise ValueError(f"{name}: y_true must hold integer class ids, got dtype {labels.dtype}.")
    low, high = labels.min(), labels.max()
    if low < 0 or high >= num_classes:
        raise ValueError(f"{name}: class ids must be in [0, {num_classes}) for predictions with {num_classes} "
                         f"classes, but y_true holds values from {low} to {high}. Check the last layer's units "
                         f"(it needs {int(high) + 1} units for these labels) or the labels.")
