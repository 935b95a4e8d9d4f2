"""Loss-like metrics: running means of per-sample functions (crossentropies, hinges, correlations, ...).

Every class here is a ``MeanMetricWrapper`` of one function ``fn(y_true, y_pred, **options)`` that
returns one value per sample. The functions come from ``kerafront.losses.functions``, except the
metric-only ones defined here as in Keras: ``cosine_similarity`` (positive, where the loss is its
negative), ``pearson_correlation`` and ``concordance_correlation``.
"""

from kerafront import config, ops
from kerafront.losses import functions as F
from kerafront.losses.loss import float_tensor, squeeze_or_expand_to_same_rank
from kerafront.metrics.reduction import MeanMetricWrapper

__all__ = ["binary_focal_crossentropy", "categorical_focal_crossentropy", "squared_hinge", "categorical_hinge",
           "cosine_similarity", "pearson_correlation", "concordance_correlation",
           "BinaryCrossentropy", "CategoricalCrossentropy", "SparseCategoricalCrossentropy", "KLDivergence",
           "Poisson", "CosineSimilarity", "LogCoshError", "MeanAbsolutePercentageError",
           "MeanSquaredLogarithmicError", "Hinge", "SquaredHinge", "CategoricalHinge", "PearsonCorrelation",
           "ConcordanceCorrelation"]


def _pair(y_true, y_pred):
    y_pred = float_tensor(y_pred)
    return float_tensor(y_true, ops.dtype(y_pred)), y_pred


# The loss functions Keras also exports from ``keras.metrics`` (one definition per formula: kerafront.losses).
squared_hinge = F.squared_hinge
categorical_hinge = F.categorical_hinge
binary_focal_crossentropy = F.binary_focal_crossentropy
categorical_focal_crossentropy = F.categorical_focal_crossentropy


def cosine_similarity(y_true, y_pred, axis=-1):
    """``sum(l2_normalize(y_true) * l2_normalize(y_pred), axis)``: +1 for aligned vectors (the loss is its negative)."""
    y_true, y_pred = squeeze_or_expand_to_same_rank(*_pair(y_true, y_pred))
    return ops.sum(ops.multiply(ops.l2_normalize(y_true, axis=axis), ops.l2_normalize(y_pred, axis=axis)), axis=axis)


def pearson_correlation(y_true, y_pred, axis=-1):
    """Pearson's r of ``y_true`` and ``y_pred`` along ``axis`` (one value per row): the mean of the
    product of both standardized (population std) rows."""
    y_true, y_pred = squeeze_or_expand_to_same_rank(*_pair(y_true, y_pred))
    true_centered = ops.subtract(y_true, ops.mean(y_true, axis=axis, keepdims=True))
    pred_centered = ops.subtract(y_pred, ops.mean(y_pred, axis=axis, keepdims=True))
    true_centered = ops.divide(true_centered, ops.std(true_centered, axis=axis, keepdims=True))
    pred_centered = ops.divide(pred_centered, ops.std(pred_centered, axis=axis, keepdims=True))
    return ops.mean(ops.multiply(true_centered, pred_centered), axis=axis)


def concordance_correlation(y_true, y_pred, axis=-1):
    """Lin's concordance coefficient along ``axis``: ``mean(2 cov / (var_t + var_p + (mean_t - mean_p)**2 + eps))``.

    As Keras 3.15 computes it, the covariance term is ``(y_true - mean(y_pred)) * (y_pred - mean(y_pred))``
    (so the numbers match Keras's).
    """
    y_true, y_pred = squeeze_or_expand_to_same_rank(*_pair(y_true, y_pred))
    true_mean = ops.mean(y_true, axis=axis, keepdims=True)
    pred_mean = ops.mean(y_pred, axis=axis, keepdims=True)
    true_var = ops.var(ops.subtract(y_true, true_mean), axis=axis, keepdims=True)
    pred_var = ops.var(ops.subtract(y_pred, pred_mean), axis=axis, keepdims=True)
    covariance = ops.multiply(ops.subtract(y_true, pred_mean), ops.subtract(y_pred, pred_mean))
    norm = ops.add(ops.add(true_var, pred_var), ops.square(ops.subtract(true_mean, pred_mean)))
    return ops.mean(ops.divide(ops.multiply(covariance, 2.0), ops.add(norm, config.epsilon())), axis=axis)


class _Wrapper(MeanMetricWrapper):
    """A ``MeanMetricWrapper`` whose options are attributes and ``get_config`` keys (Keras's layout)."""

    _function = None          # staticmethod: the per-sample function
    _default_name = None

    def __init__(self, name=None, dtype=None, **options):
        super().__init__(type(self)._function, name=name or self._default_name, dtype=dtype, **options)
        for key, value in options.items():
            setattr(self, key, value)

    def get_config(self):
        return {"name": self.name, "dtype": self.dtype, **self._fn_kwargs}


def _simple(class_name, function, default_name, doc):
    """A wrapper class without options: ``cls(name=default_name, dtype=None)``."""
    def __init__(self, name=default_name, dtype=None):
        _Wrapper.__init__(self, name=name, dtype=dtype)
    return type(class_name, (_Wrapper,), {"__init__": __init__, "__doc__": doc, "__module__": __name__,
                                          "_function": staticmethod(function),
                                          "_default_name": default_name})


KLDivergence = _simple("KLDivergence", F.kl_divergence, "kl_divergence",
                       "Running mean of ``sum(y_true * log(y_true / y_pred), axis=-1)`` (both clipped to [eps, 1]).")
Poisson = _simple("Poisson", F.poisson, "poisson", "Running mean of ``mean(y_pred - y_true * log(y_pred + eps), -1)``.")
LogCoshError = _simple("LogCoshError", F.log_cosh, "logcosh",
                       "Running mean of ``mean(log(cosh(y_pred - y_true)), axis=-1)``.")
MeanAbsolutePercentageError = _simple(
    "MeanAbsolutePercentageError", F.mean_absolute_percentage_error, "mean_absolute_percentage_error",
    "Running mean of ``100 * mean(abs((y_true - y_pred) / max(abs(y_true), eps)), axis=-1)``.")
MeanSquaredLogarithmicError = _simple(
    "MeanSquaredLogarithmicError", F.mean_squared_logarithmic_error, "mean_squared_logarithmic_error",
    "Running mean of ``mean(square(log1p(max(y_pred, eps)) - log1p(max(y_true, eps))), axis=-1)``.")
Hinge = _simple("Hinge", F.hinge, "hinge", "Running mean of ``mean(maximum(1 - y_true * y_pred, 0), -1)``.")
SquaredHinge = _simple("SquaredHinge", squared_hinge, "squared_hinge",
                       "Running mean of ``mean(square(maximum(1 - y_true * y_pred, 0)), -1)``.")
CategoricalHinge = _simple("CategoricalHinge", categorical_hinge, "categorical_hinge",
                           "Running mean of ``maximum(max((1 - y_true) * y_pred) - sum(y_true * y_pred) + 1, 0)``.")


class BinaryCrossentropy(_Wrapper):
    """Running mean of ``binary_crossentropy`` (``from_logits``, ``label_smoothing`` as the loss)."""

    _function = staticmethod(F.binary_crossentropy)

    def __init__(self, name="binary_crossentropy", dtype=None, from_logits=False, label_smoothing=0):
        super().__init__(name=name, dtype=dtype, from_logits=from_logits, label_smoothing=label_smoothing)


class CategoricalCrossentropy(_Wrapper):
    """Running mean of ``categorical_crossentropy`` over one-hot targets."""

    _function = staticmethod(F.categorical_crossentropy)

    def __init__(self, name="categorical_crossentropy", dtype=None, from_logits=False, label_smoothing=0, axis=-1):
        super().__init__(name=name, dtype=dtype, from_logits=from_logits, label_smoothing=label_smoothing, axis=axis)


class SparseCategoricalCrossentropy(_Wrapper):
    """Running mean of ``sparse_categorical_crossentropy`` over integer targets (``ignore_class`` skipped)."""

    _function = staticmethod(F.sparse_categorical_crossentropy)

    def __init__(self, name="sparse_categorical_crossentropy", dtype=None, from_logits=False, ignore_class=None,
                 axis=-1):
        super().__init__(name=name, dtype=dtype, from_logits=from_logits, ignore_class=ignore_class, axis=axis)


class CosineSimilarity(_Wrapper):
    """Running mean of the cosine similarity along ``axis`` (+1 aligned, -1 opposite)."""

    _function = staticmethod(cosine_similarity)

    def __init__(self, name="cosine_similarity", dtype=None, axis=-1):
        super().__init__(name=name, dtype=dtype, axis=axis)

    def get_config(self):
        return {"name": self.name, "dtype": self.dtype}   # Keras 3.15 leaves axis out


class PearsonCorrelation(_Wrapper):
    """Running mean of the per-row Pearson correlation along ``axis``."""

    _function = staticmethod(pearson_correlation)

    def __init__(self, name="pearson_correlation", dtype=None, axis=-1):
        super().__init__(name=name, dtype=dtype, axis=axis)


class ConcordanceCorrelation(_Wrapper):
    """Running mean of the per-row concordance correlation along ``axis``."""

    _function = staticmethod(concordance_correlation)

    def __init__(self, name="concordance_correlation", dtype=None, axis=-1):
        super().__init__(name=name, dtype=dtype, axis=axis)
