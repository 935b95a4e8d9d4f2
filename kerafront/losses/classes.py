"""Loss classes: each wraps a function of ``kerafront.losses.functions`` with a reduction.

Constructor arguments, names and defaults follow ``keras.losses`` (``reduction`` defaults to
``"sum_over_batch_size"``; see ``kerafront.losses.loss``).
"""

from kerafront import ops
from kerafront.losses import functions as F
from kerafront.losses.loss import LossFunctionWrapper

__all__ = ["MeanSquaredError", "MeanAbsoluteError", "MeanAbsolutePercentageError",
           "MeanSquaredLogarithmicError", "Huber", "LogCosh", "BinaryCrossentropy", "CategoricalCrossentropy",
           "SparseCategoricalCrossentropy", "KLDivergence", "Poisson", "Hinge", "CosineSimilarity", "SquaredHinge",
           "CategoricalHinge", "BinaryFocalCrossentropy", "CategoricalFocalCrossentropy",
           "CategoricalGeneralizedCrossEntropy", "Dice", "Tversky", "Circle", "CTC"]


class _Simple(LossFunctionWrapper):
    """A wrapper around a fixed function with no options, named after the function by default."""

    function = None

    def __init__(self, reduction="sum_over_batch_size", name=None, dtype=None):
        super().__init__(type(self).function, reduction=reduction, name=name, dtype=dtype)


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

    def __init__(self, delta=1.0, reduction="sum_over_batch_size", name="huber_loss", dtype=None):
        super().__init__(F.huber, reduction=reduction, name=name, dtype=dtype, delta=float(delta))


class CosineSimilarity(LossFunctionWrapper):
    """``-sum(l2_normalize(y_true) * l2_normalize(y_pred), axis)``; minimising it aligns the vectors."""

    def __init__(self, axis=-1, reduction="sum_over_batch_size", name="cosine_similarity", dtype=None):
        super().__init__(F.cosine_similarity, reduction=reduction, name=name, dtype=dtype, axis=axis)


class _Crossentropy(LossFunctionWrapper):
    """Shared options of the binary and categorical crossentropies (checked and kept as attributes)."""

    def __init__(self, fn, from_logits, label_smoothing, axis, reduction, name, dtype=None, **options):
        if not 0.0 <= float(label_smoothing) <= 1.0:
            raise ValueError(f"{type(self).__name__}: label_smoothing must be in [0, 1], got {label_smoothing!r}.")
        super().__init__(fn, reduction=reduction, name=name, dtype=dtype, from_logits=from_logits,
                         label_smoothing=float(label_smoothing), axis=axis, **options)
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
                 name="binary_crossentropy", dtype=None):
        super().__init__(F.binary_crossentropy, from_logits, label_smoothing, axis, reduction, name, dtype)


class CategoricalCrossentropy(_Crossentropy):
    """Crossentropy for one-hot targets ``(batch, num_classes)`` (``functions.categorical_crossentropy``).

    Integer labels raise ``ValueError`` suggesting ``SparseCategoricalCrossentropy``; a class
    count that differs from ``y_pred``'s raises ``ValueError`` naming both shapes.
    """

    cast_targets = False

    def __init__(self, from_logits=False, label_smoothing=0.0, axis=-1, reduction="sum_over_batch_size",
                 name="categorical_crossentropy", dtype=None):
        super().__init__(F.categorical_crossentropy, from_logits, label_smoothing, axis, reduction, name, dtype)


class SparseCategoricalCrossentropy(LossFunctionWrapper):
    """Crossentropy for integer class ids ``(batch,)`` or ``(batch, 1)`` against ``(batch, num_classes)``.

    ``ignore_class``: a label value whose entries get no loss and are left out of the mean
    (``sum_over_batch_size`` divides by the number of other entries, as Keras does).
    """

    cast_targets = False

    def __init__(self, from_logits=False, ignore_class=None, reduction="sum_over_batch_size", axis=-1,
                 name="sparse_categorical_crossentropy", dtype=None):
        options = {} if axis == -1 else {"axis": axis}   # Keras's config has no axis key; kept when not -1
        super().__init__(F.sparse_categorical_crossentropy, reduction=reduction, name=name, dtype=dtype,
                         from_logits=from_logits, ignore_class=ignore_class, **options)
        self.from_logits = from_logits
        self.ignore_class = ignore_class
        self.axis = axis

    def compute_mask(self, y_true, y_pred):
        if self.ignore_class is None:
            return None
        if ops.ndim(y_true) == ops.ndim(y_pred):
            y_true = ops.squeeze(y_true, axis=self.axis)
        return ops.not_equal(y_true, self.ignore_class)


class SquaredHinge(_Simple):
    """``mean(square(maximum(1 - y_true * y_pred, 0)), axis=-1)``; {0, 1} targets become {-1, 1}."""

    function = staticmethod(F.squared_hinge)


class CategoricalHinge(_Simple):
    """``maximum(max((1 - y_true) * y_pred) - sum(y_true * y_pred) + 1, 0)`` for one-hot targets."""

    function = staticmethod(F.categorical_hinge)


class BinaryFocalCrossentropy(_Crossentropy):
    """Binary crossentropy scaled by the focal factor ``(1 - p_t) ** gamma`` (``functions.binary_focal_crossentropy``).

    Args:
        apply_class_balancing: weigh class 1 by ``alpha`` and class 0 by ``1 - alpha``.
        alpha: the class-1 weight (0.25). gamma: the focusing exponent (2.0; 0 gives plain crossentropy).
        from_logits, label_smoothing, axis: as in ``BinaryCrossentropy``.
    """

    def __init__(self, apply_class_balancing=False, alpha=0.25, gamma=2.0, from_logits=False, label_smoothing=0.0,
                 axis=-1, reduction="sum_over_batch_size", name="binary_focal_crossentropy", dtype=None):
        super().__init__(F.binary_focal_crossentropy, from_logits, label_smoothing, axis, reduction, name, dtype,
                         apply_class_balancing=apply_class_balancing, alpha=alpha, gamma=gamma)
        self.apply_class_balancing, self.alpha, self.gamma = apply_class_balancing, alpha, gamma


class CategoricalFocalCrossentropy(_Crossentropy):
    """Categorical crossentropy scaled by ``alpha * (1 - p) ** gamma`` per class
    (``functions.categorical_focal_crossentropy``); ``alpha`` is a float or one weight per class."""

    def __init__(self, alpha=0.25, gamma=2.0, from_logits=False, label_smoothing=0.0, axis=-1,
                 reduction="sum_over_batch_size", name="categorical_focal_crossentropy", dtype=None):
        super().__init__(F.categorical_focal_crossentropy, from_logits, label_smoothing, axis, reduction, name, dtype,
                         alpha=alpha, gamma=gamma)
        self.alpha, self.gamma = alpha, gamma


class CategoricalGeneralizedCrossEntropy(LossFunctionWrapper):
    """``(1 - p ** q) / q`` for integer labels (``functions.categorical_generalized_cross_entropy``).

    ``q`` must lie in ``(0, 1)`` (default 0.5): near 0 it behaves like crossentropy, near 1 like MAE.
    """

    cast_targets = False

    def __init__(self, q=0.5, reduction="sum_over_batch_size", name="categorical_generalized_cross_entropy",
                 dtype=None):
        if not 0 < q < 1:
            raise ValueError(f"CategoricalGeneralizedCrossEntropy: q must be in the interval (0, 1), got {q!r}.")
        super().__init__(F.categorical_generalized_cross_entropy, reduction=reduction, name=name, dtype=dtype, q=q)
        self.q = q


class Dice(LossFunctionWrapper):
    """``1 - 2 sum(y_true * y_pred) / (sum(y_true) + sum(y_pred) + eps)`` over ``axis`` (``None``: all axes)."""

    def __init__(self, reduction="sum_over_batch_size", name="dice", axis=None, dtype=None):
        super().__init__(F.dice, reduction=reduction, name=name, dtype=dtype, axis=axis)
        self.axis = axis


class Tversky(LossFunctionWrapper):
    """``1 - TP / (TP + alpha FP + beta FN + eps)`` over ``axis`` (``functions.tversky``); 0.5/0.5 is Dice."""

    def __init__(self, alpha=0.5, beta=0.5, reduction="sum_over_batch_size", name="tversky", axis=None, dtype=None):
        super().__init__(F.tversky, reduction=reduction, name=name, dtype=dtype, alpha=alpha, beta=beta, axis=axis)
        self.alpha, self.beta, self.axis = alpha, beta, axis


class Circle(LossFunctionWrapper):
    """Circle loss of integer labels and L2-normalised embeddings (``functions.circle``); the mean is over the
    rows whose loss is positive, as in Keras."""

    cast_targets = False

    def __init__(self, gamma=80.0, margin=0.4, remove_diagonal=True, reduction="sum_over_batch_size", name="circle",
                 dtype=None):
        super().__init__(F.circle, reduction=reduction, name=name, dtype=dtype, gamma=gamma, margin=margin,
                         remove_diagonal=remove_diagonal)
        self.gamma, self.margin, self.remove_diagonal = gamma, margin, remove_diagonal


class CTC(_Simple):
    """CTC loss of integer labels ``(batch, max_length)`` (0: blank and padding) under logits
    ``(batch, time, num_classes)`` (``functions.ctc``)."""

    function = staticmethod(F.ctc)
    cast_targets = False

    def __init__(self, reduction="sum_over_batch_size", name="ctc", dtype=None):
        super().__init__(reduction=reduction, name=name, dtype=dtype)

