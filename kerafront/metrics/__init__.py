"""``kerafront.metrics``: stateful metrics (see ``metric.py`` for the contract) and ``get``.

``get(identifier, loss=None, output_shape=None, y_true_shape=None)`` returns a ``Metric``
instance for a name, a ``Metric`` (as is), a ``Metric`` subclass, a function
``fn(y_true, y_pred) -> per-sample values`` (wrapped in ``MeanMetricWrapper``) or a serialized
dict. ``"accuracy"``/``"acc"`` resolve as Keras's ``compile`` does:

* binary accuracy for a binary-crossentropy loss or predictions whose last dimension is 1;
* sparse categorical accuracy for a sparse-categorical-crossentropy loss, or targets with one
  axis fewer than the predictions (or a trailing 1 against several classes);
* categorical accuracy otherwise.

A metric obtained from a string is named by that string (``metrics=["mse"]`` logs ``"mse"``).
"""

from kerafront._lookup import Catalog
from kerafront.losses import functions as _loss_functions
from kerafront.losses.loss import _snake_case
from kerafront.metrics import accuracy_metrics as _accuracy
from kerafront.metrics.accuracy_metrics import (
    Accuracy, BinaryAccuracy, CategoricalAccuracy, SparseCategoricalAccuracy, SparseTopKCategoricalAccuracy,
    TopKCategoricalAccuracy, accuracy, binary_accuracy, categorical_accuracy, in_top_k, sparse_categorical_accuracy,
    sparse_top_k_categorical_accuracy, top_k_categorical_accuracy)
from kerafront.metrics import at_thresholds as _at_thresholds
from kerafront.metrics import iou as _iou
from kerafront.metrics import loss_like as _loss_like
from kerafront.metrics import scores as _scores
from kerafront.metrics.at_thresholds import *  # noqa: F403 (names listed in its __all__)
from kerafront.metrics.confusion import AUC, Precision, Recall
from kerafront.metrics.iou import *  # noqa: F403
from kerafront.metrics.loss_like import *  # noqa: F403
from kerafront.metrics.metric import Metric
from kerafront.metrics.reduction import Mean, MeanMetricWrapper, Sum
from kerafront.metrics.regression import MeanAbsoluteError, MeanSquaredError, RootMeanSquaredError
from kerafront.metrics.scores import *  # noqa: F403

_MORE_CLASSES = [getattr(module, name) for module in (_at_thresholds, _iou, _loss_like, _scores)
                 for name in module.__all__ if name[0].isupper()]

CLASSES = {cls.__name__: cls for cls in (
    Mean, Sum, MeanMetricWrapper, Accuracy, BinaryAccuracy, CategoricalAccuracy, SparseCategoricalAccuracy,
    TopKCategoricalAccuracy, SparseTopKCategoricalAccuracy, MeanAbsoluteError, MeanSquaredError,
    RootMeanSquaredError, Precision, Recall, AUC, *_MORE_CLASSES)}

# Function forms Keras exports from ``keras.metrics`` (the loss functions, plus metric-only ones).
FUNCTIONS = {
    **{name: getattr(_loss_functions, name) for name in (
        "binary_crossentropy", "categorical_crossentropy", "sparse_categorical_crossentropy", "hinge", "huber",
        "kl_divergence", "log_cosh", "mean_absolute_error", "mean_absolute_percentage_error",
        "mean_squared_error", "mean_squared_logarithmic_error", "poisson")},
    **{name: getattr(_loss_like, name) for name in (
        "binary_focal_crossentropy", "categorical_focal_crossentropy", "categorical_hinge", "squared_hinge",
        "pearson_correlation", "concordance_correlation")},
}
globals().update(FUNCTIONS)

# Strings naming a metric class (instantiated with ``name=<the string>``).
_CLASS_NAMES = {
    **{name: cls for name, cls in CLASSES.items() if cls is not MeanMetricWrapper},
    "mean": Mean, "sum": Sum,
    "binary_accuracy": BinaryAccuracy, "categorical_accuracy": CategoricalAccuracy,
    "sparse_categorical_accuracy": SparseCategoricalAccuracy,
    "top_k_categorical_accuracy": TopKCategoricalAccuracy,
    "sparse_top_k_categorical_accuracy": SparseTopKCategoricalAccuracy,
    "mse": MeanSquaredError, "MSE": MeanSquaredError, "mean_squared_error": MeanSquaredError,
    "mae": MeanAbsoluteError, "MAE": MeanAbsoluteError, "mean_absolute_error": MeanAbsoluteError,
    "rmse": RootMeanSquaredError, "root_mean_squared_error": RootMeanSquaredError,
    "precision": Precision, "recall": Recall, "auc": AUC, "AUC": AUC,
    # Keras also accepts each class's snake-case name ("true_positives", "f1_score", "r2_score", ...);
    # classes with required arguments (IoU's num_classes, ...) still need them.
    **{_snake_case(cls.__name__): cls for cls in _MORE_CLASSES},
    "logcosh": _loss_like.LogCoshError, "bce": _loss_like.BinaryCrossentropy, "BCE": _loss_like.BinaryCrossentropy,
}

# Strings naming a per-sample function (wrapped in ``MeanMetricWrapper``): loss-like metrics.
_FUNCTION_NAMES = {
    "mape": _loss_functions.mean_absolute_percentage_error, "MAPE": _loss_functions.mean_absolute_percentage_error,
    "msle": _loss_functions.mean_squared_logarithmic_error, "MSLE": _loss_functions.mean_squared_logarithmic_error,
    "kld": _loss_functions.kl_divergence, "KLD": _loss_functions.kl_divergence,
    **{name: getattr(_loss_functions, name) for name in _loss_functions.__all__
       if name not in ("mean_squared_error", "mean_absolute_error", "cosine_similarity")},
    **{name: fn for name, fn in FUNCTIONS.items() if name not in _CLASS_NAMES},
}
# (cosine_similarity is left out: the loss is the *negative* similarity, Keras's metric the positive.)

_ACCURACY_NAMES = ("accuracy", "acc")

_CATALOG = Catalog("metrics", "metric", Metric, CLASSES, expected="a metric name, Metric, function or config dict",
                   instance="a Metric instance", wrap_function=MeanMetricWrapper)


def functions_by_name():
    """Every per-sample metric function by name (for ``MeanMetricWrapper.from_config``)."""
    names = {name: getattr(_accuracy, name) for name in _accuracy.__all__ if name.endswith("accuracy")}
    names.update({name: getattr(_loss_functions, name) for name in _loss_functions.__all__})
    names.update(FUNCTIONS)
    return names


def valid_names():
    return sorted(set(_CLASS_NAMES) | set(_FUNCTION_NAMES) | set(_ACCURACY_NAMES))


def serialize(metric):
    """``{"class_name": ..., "config": ...}`` for a ``Metric``."""
    return _CATALOG.serialize(metric)


def deserialize(config, custom_objects=None):
    """Rebuild a metric from ``serialize``'s output; class names resolve like ``kerafront.saving.deserialize``
    (``custom_objects``, scopes, registered classes), then against this module's classes."""
    return get(config) if isinstance(config, str) else _CATALOG.from_config(config, custom_objects)


def _accuracy_for(name, loss, output_shape, y_true_shape):
    from kerafront.losses import (BinaryCrossentropy, CategoricalCrossentropy, SparseCategoricalCrossentropy,
                                  get as get_loss)
    loss = get_loss(loss) if loss is not None else None
    loss_fn = getattr(loss, "fn", None)
    if isinstance(loss, BinaryCrossentropy) or loss_fn is _loss_functions.binary_crossentropy:
        return BinaryAccuracy(name=name)
    if isinstance(loss, SparseCategoricalCrossentropy) or loss_fn is _loss_functions.sparse_categorical_crossentropy:
        return SparseCategoricalAccuracy(name=name)
    if isinstance(loss, CategoricalCrossentropy) or loss_fn is _loss_functions.categorical_crossentropy:
        return CategoricalAccuracy(name=name)
    if output_shape is not None:
        output_shape = tuple(output_shape)
        if output_shape and output_shape[-1] == 1:
            return BinaryAccuracy(name=name)
        if y_true_shape is not None:
            y_true_shape = tuple(y_true_shape)
            if len(y_true_shape) == len(output_shape) - 1 or (
                    len(y_true_shape) == len(output_shape) and y_true_shape[-1] == 1):
                return SparseCategoricalAccuracy(name=name)
    return CategoricalAccuracy(name=name)


def _from_name(name, loss, output_shape, y_true_shape):
    """The metric a string names (see the module docstring)."""
    if name in _ACCURACY_NAMES:
        return _accuracy_for(name, loss, output_shape, y_true_shape)
    if name in CLASSES:
        return CLASSES[name]()
    if name in _CLASS_NAMES:
        return _CLASS_NAMES[name](name=name)
    if name in _FUNCTION_NAMES:
        return MeanMetricWrapper(_FUNCTION_NAMES[name], name=name)
    raise ValueError(f"Unknown metric {name!r}. Valid names: {', '.join(valid_names())}.")


def get(identifier, loss=None, output_shape=None, y_true_shape=None):
    """Resolve ``identifier`` to a ``Metric`` (see the module docstring); ``None`` gives ``None``.

    ``loss`` (a loss or its identifier), ``output_shape`` (the model output's shape) and
    ``y_true_shape`` only steer ``"accuracy"``.
    """
    if isinstance(identifier, str):
        return _from_name(identifier, loss, output_shape, y_true_shape)
    return None if identifier is None else _CATALOG.get(identifier)


__all__ = ["Metric", "get", "serialize", "deserialize", *CLASSES,
           *(name for name in _accuracy.__all__ if name not in CLASSES), *FUNCTIONS]
