"""Loss classes: each wraps a function of ``kerafront.losses.functions`` with a reduction.

Constructor arguments, names and defaults follow ``keras.losses`` (``reduction`` defaults to
``"sum_over_batch_size"``; see ``kerafront.losses.loss``).
"""

from kerafront import ops
from kerafront.losses import functions as F
from kerafront.losses.loss import LossFunctionWrapper

__all__ = ["MeanSquaredError", "MeanAbsoluteError", "MeanAbsolutePercentageError",
           "MeanSquaredLogarithmicError", "Huber", "LogCosh", "BinaryCrossentropy", "CategoricalCrossentropy",
           "SparseCategoricalCrossentropy", "KLDivergence", "Poisson", "Hinge", "CosineSimilarity"]


class _Simple(LossFunctionWrapper):
    """A wrapper around a fixed function with no options, named after the function by default."""

    function = None

    def __init__(self, reduction="sum_over_batch_size", name=None):
        super().__init__(type(self).function, reduction=reduction, name=name)


class MeanSquaredError(_Simple):
    """``mean(square(y_true - y_pred), axis=-1)`` per sample."""

    function = staticmethod(F.mean_squared_error)


class MeanAbsoluteError(_Simple):
    """``mean(abs(y_true - y_pred), axis=-1)`` per sample."""

    function = staticmethod(F.mean_absolute_error)


class MeanAbsolutePercentageError(_Simple):
    """``100 * mean(abs((y_true - y_pred) / max(abs(y_true), eps)), axis=-1)`` per sample."""

    function = staticmethod(F.mean_absolute_percentage_error)


class MeanSquaredLogarithmicError(_Simple):
    """``mean(square(log1p(y_pred) - log1p(y_true)), axis=-1)`` per sample (inputs floored at eps)."""

    function = staticmethod(F.mean_squared_logarithmic_error)


class LogCosh(_Simple):
    """``mean(log(cosh(y_pred - y_true)), axis=-1)`` per sample."""

    function = staticmethod(F.log_cosh)


class KLDivergence(_Simple):
    """``sum(y_true * log(y_true / y_pred), axis=-1)`` per sample (both clipped to ``[eps, 1]``)."""

    function = staticmethod(F.kl_divergence)


class Poisson(_Simple):
    """``mean(y_pred - y_true * log(y_pred + eps), axis=-1)`` per sample."""

    function = staticmethod(F.poisson)


class Hinge(_Simple):
    """``mean(maximum(1 - y_true * y_pred, 0), axis=-1)``; {0, 1} targets become {-1, 1}."""

    function = staticmethod(F.hinge)


class Huber(LossFunctionWrapper):
    """Quadratic for ``|y_pred - y_true| <= delta``, linear beyond (see ``functions.huber``)."""

    def __init__(self, delta=1.0, reduction="sum_over_batch_size", name="huber_loss"):
        super().__init__(F.huber, reduction=reduction, name=name, delta=float(delta))


class CosineSimilarity(LossFunctionWrapper):
    """``-sum(l2_normalize(y_true) * l2_normalize(y_pred), axis)``; minimising it aligns the vectors."""

    def __init__(self, axis=-1, reduction="sum_over_batch_size", name="cosine_similarity"):
        super().__init__(F.cosine_similarity, reduction=reduction, name=name, axis=axis)


class _Crossentropy(LossFunctionWrapper):
    """Shared options of the binary and categorical crossentropies (checked and kept as attributes)."""

    def __init__(self, fn, from_logits, label_smoothing, axis, reduction, name):
        if not 0.0 <= float(label_smoothing) <= 1.0:
            raise ValueError(f"{type(self).__name__}: label_smoothing must be in [0, 1], got {label_smoothing!r}.")
        super().__init__(fn, reduction=reduction, name=name, from_logits=from_logits,
                         label_smoothing=float(label_smoothing), axis=axis)
        self.from_logits = from_logits
        self.label_smoothing = float(label_smoothing)
        self.axis = axis


class BinaryCrossentropy(_Crossentropy):
    """Binary crossentropy averaged over the last axis (``functions.binary_crossentropy``).

    Args:
        from_logits: ``y_pred`` holds logits (stable softplus form) rather than probabilities.
        label_smoothing: in ``[0, 1]``; targets become ``y_true * (1 - s) + 0.5 * s``.
        axis: the axis averaged over (-1).
    """

    def __init__(self, from_logits=False, label_smoothing=0.0, axis=-1, reduction="sum_over_batch_size",
                 name="binary_crossentropy"):
        super().__init__(F.binary_crossentropy, from_logits, label_smoothing, axis, reduction, name)


class CategoricalCrossentropy(_Crossentropy):
    """Crossentropy for one-hot targets ``(batch, num_classes)`` (``functions.categorical_crossentropy``).

    Integer labels raise ``ValueError`` suggesting ``SparseCategoricalCrossentropy``; a class
    count that differs from ``y_pred``'s raises ``ValueError`` naming both shapes.
    """

    cast_targets = False

    def __init__(self, from_logits=False, label_smoothing=0.0, axis=-1, reduction="sum_over_batch_size",
                 name="categorical_crossentropy"):
        super().__init__(F.categorical_crossentropy, from_logits, label_smoothing, axis, reduction, name)


class SparseCategoricalCrossentropy(LossFunctionWrapper):
    """Crossentropy for integer class ids ``(batch,)`` or ``(batch, 1)`` against ``(batch, num_classes)``.

    ``ignore_class``: a label value whose entries get no loss and are left out of the mean
    (``sum_over_batch_size`` divides by the number of other entries, as Keras does).
    """

    cast_targets = False

    def __init__(self, from_logits=False, ignore_class=None, reduction="sum_over_batch_size",
                 name="sparse_categorical_crossentropy"):
        super().__init__(F.sparse_categorical_crossentropy, reduction=reduction, name=name,
                         from_logits=from_logits, ignore_class=ignore_class)
        self.from_logits = from_logits
        self.ignore_class = ignore_class

    def compute_mask(self, y_true, y_pred):
        if self.ignore_class is None:
            return None
        if ops.ndim(y_true) == ops.ndim(y_pred):
            y_true = ops.squeeze(y_true, axis=-1)
        return ops.not_equal(y_true, self.ignore_class)

