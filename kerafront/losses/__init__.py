"""``kerafront.losses``: loss classes, loss functions, ``get``, ``serialize``/``deserialize``.

``get(identifier)`` returns a ``Loss`` instance for a name (``"mse"``, ``"categorical_crossentropy"``,
``"CategoricalCrossentropy"``...), a ``Loss`` instance (returned as is), a ``Loss`` subclass
(instantiated), a function ``fn(y_true, y_pred)`` (wrapped in ``LossFunctionWrapper``) or a
serialized dict ``{"class_name": ..., "config": {...}}``.
"""

from kerafront._lookup import Catalog
from kerafront.losses import functions
from kerafront.losses.classes import (CTC, BinaryCrossentropy, BinaryFocalCrossentropy, CategoricalCrossentropy,
                                      CategoricalFocalCrossentropy, CategoricalGeneralizedCrossEntropy,
                                      CategoricalHinge, Circle, CosineSimilarity, Dice, Hinge, Huber, KLDivergence,
                                      LogCosh, MeanAbsoluteError, MeanAbsolutePercentageError, MeanSquaredError,
                                      MeanSquaredLogarithmicError, Poisson, SparseCategoricalCrossentropy,
                                      SquaredHinge, Tversky)
from kerafront.losses.functions import (binary_crossentropy, binary_focal_crossentropy, categorical_crossentropy,
                                        categorical_focal_crossentropy, categorical_generalized_cross_entropy,
                                        categorical_hinge, circle, cosine_similarity, ctc, dice, hinge, huber,
                                        kl_divergence, log_cosh, mean_absolute_error,
                                        mean_absolute_percentage_error, mean_squared_error,
                                        mean_squared_logarithmic_error, poisson, sparse_categorical_crossentropy,
                                        squared_hinge, tversky)
from kerafront.losses.loss import Loss, LossFunctionWrapper, reduce_weighted_values
from kerafront.losses.validation import validate_targets
from kerafront.saving import serialization as _serialization

# Short names, as in Keras.
mse = MSE = mean_squared_error
mae = MAE = mean_absolute_error
mape = MAPE = mean_absolute_percentage_error
msle = MSLE = mean_squared_logarithmic_error
kld = KLD = kullback_leibler_divergence = kl_divergence
logcosh = log_cosh

CLASSES = {cls.__name__: cls for cls in (
    MeanSquaredError, MeanAbsoluteError, MeanAbsolutePercentageError, MeanSquaredLogarithmicError, Huber, LogCosh,
    BinaryCrossentropy, CategoricalCrossentropy, SparseCategoricalCrossentropy, KLDivergence, Poisson, Hinge,
    CosineSimilarity, SquaredHinge, CategoricalHinge, BinaryFocalCrossentropy, CategoricalFocalCrossentropy,
    CategoricalGeneralizedCrossEntropy, Dice, Tversky, Circle, CTC, LossFunctionWrapper)}

# Every string ``get`` accepts, mapped to the class it instantiates.
NAMES = {
    **{name: cls for name, cls in CLASSES.items() if cls is not LossFunctionWrapper},
    "mean_squared_error": MeanSquaredError, "mse": MeanSquaredError, "MSE": MeanSquaredError,
    "mean_absolute_error": MeanAbsoluteError, "mae": MeanAbsoluteError, "MAE": MeanAbsoluteError,
    "mean_absolute_percentage_error": MeanAbsolutePercentageError, "mape": MeanAbsolutePercentageError,
    "MAPE": MeanAbsolutePercentageError,
    "mean_squared_logarithmic_error": MeanSquaredLogarithmicError, "msle": MeanSquaredLogarithmicError,
    "MSLE": MeanSquaredLogarithmicError,
    "huber": Huber, "huber_loss": Huber, "log_cosh": LogCosh, "logcosh": LogCosh,
    "binary_crossentropy": BinaryCrossentropy, "bce": BinaryCrossentropy, "BCE": BinaryCrossentropy,
    "categorical_crossentropy": CategoricalCrossentropy,
    "sparse_categorical_crossentropy": SparseCategoricalCrossentropy,
    "kl_divergence": KLDivergence, "kld": KLDivergence, "KLD": KLDivergence,
    "kullback_leibler_divergence": KLDivergence,
    "poisson": Poisson, "hinge": Hinge, "cosine_similarity": CosineSimilarity,
    "squared_hinge": SquaredHinge, "categorical_hinge": CategoricalHinge,
    "binary_focal_crossentropy": BinaryFocalCrossentropy,
    "categorical_focal_crossentropy": CategoricalFocalCrossentropy,
    "categorical_generalized_cross_entropy": CategoricalGeneralizedCrossEntropy, "dice": Dice, "tversky": Tversky,
    "circle": Circle, "ctc": CTC,
}


_CATALOG = Catalog("losses", "loss", Loss, CLASSES, names=NAMES,
                   expected="a loss name, Loss, function or config dict", wrap_function=LossFunctionWrapper)


def serialize(loss):
    """``{"class_name": ..., "config": ...}`` for a ``Loss``; a built-in or registered function gives its name."""
    return _serialization.serialize(loss)


def deserialize(config, custom_objects=None):
    """Rebuild a loss from ``serialize``'s output.

    Class names resolve like ``kerafront.saving.deserialize`` (``custom_objects``, a
    ``custom_object_scope``, ``@register_serializable`` classes), then against this module's classes.
    """
    if isinstance(config, str):
        if config in NAMES:
            return get(config)
        fn = _serialization.get_registered_object(config, custom_objects)
        if fn is None:
            raise ValueError(f"losses.deserialize: unknown loss {config!r}. Valid names: {', '.join(sorted(NAMES))}.")
        return get(fn)
    return _CATALOG.from_config(config, custom_objects)


def get(identifier):
    """Resolve ``identifier`` to a ``Loss`` (see the module docstring); ``None`` gives ``None``."""
    return None if identifier is None else _CATALOG.get(identifier)


__all__ = ["Loss", "get", "serialize", "deserialize", "validate_targets", "reduce_weighted_values", *CLASSES,
           *functions.__all__]
