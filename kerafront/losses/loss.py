"""The ``Loss`` base class and the weighting/reduction shared by every loss.

A loss maps ``(y_true, y_pred)`` to per-sample values with ``call`` (usually reducing the last
axis, so ``(batch, d)`` gives ``(batch,)``), then ``__call__`` applies Keras 3's semantics:

1. ``sample_weight`` (any shape that broadcasts against the per-sample values once its rank is
   aligned: a ``(batch,)`` weight on ``(batch, time)`` values weights whole rows; trailing size-1
   axes are dropped when the weight has higher rank) multiplies the values;
2. the weighted values are reduced by ``reduction``:

   * ``"sum_over_batch_size"`` (default) and ``"mean"``: sum / number of per-sample values;
   * ``"sum"``: sum;
   * ``"mean_with_sample_weight"``: sum / sum of the (broadcast) weights (sum / count without weights);
   * ``"none"`` or ``None``: the weighted per-sample values, unreduced.

Losses compute in ``y_pred``'s float dtype (floatx when ``y_pred`` is not floating). Everything
is written with ``kerafront.ops``, so a loss runs inside compiled training steps on every backend.
"""

import numpy as np

from kerafront import _lookup, _masking, config, ops
from kerafront import dtypes as _dtypes
from kerafront.saving import serialization as _serialization

REDUCTIONS = ("sum_over_batch_size", "sum", "mean", "mean_with_sample_weight", "none", None)


def standardize_reduction(reduction):
    """Validate ``reduction`` (see the module docstring) and return it."""
    if reduction not in REDUCTIONS:
        raise ValueError(f"Loss: reduction must be one of {REDUCTIONS}, got {reduction!r}.")
    return reduction


def as_tensor(x, dtype=None):
    """``x`` as a native tensor (cast to ``dtype`` when given).

    Native tensors (NumPy arrays on the NumPy backend) keep their dtype unless ``dtype`` asks for a
    cast (a differentiable ``cast``). Other NumPy arrays and Python values follow the frontend
    boundary rule: without ``dtype``, float64 becomes floatx and 64-bit integers become int32
    (labels; JAX without x64 has no int64).
    """
    if ops.is_tensor(x):
        return x if dtype is None or ops.dtype(x) == dtype else ops.cast(x, dtype)
    if isinstance(x, (np.ndarray, np.generic, list, tuple, int, float)):
        if dtype is None:
            array_dtype = np.asarray(x).dtype
            if array_dtype.kind == "f" and array_dtype.itemsize == 8:
                dtype = config.floatx()
            elif array_dtype.kind in "iu" and array_dtype.itemsize == 8:
                dtype = "int32"
        return ops.convert_to_tensor(x, dtype=dtype)
    x = ops.convert_to_tensor(x)
    if dtype is not None and ops.dtype(x) != dtype:
        x = ops.cast(x, dtype)
    return x


def float_tensor(x, dtype=None):
    """``x`` as a tensor of ``dtype``, or of its own float dtype, or floatx."""
    x = as_tensor(x, dtype)
    if dtype is None and not _dtypes.is_float(ops.dtype(x)):
        x = ops.cast(x, config.floatx())
    return x


def squeeze_or_expand_to_same_rank(x1, x2, expand_rank_1=True):
    """Keras's rank alignment: when ranks differ by one and the longer ends in 1, drop that axis
    (or, for a rank-1 partner, add a trailing axis to it). Other shapes are returned unchanged."""
    r1, r2 = ops.ndim(x1), ops.ndim(x2)
    if r1 == r2 + 1 and ops.shape(x1)[-1] == 1:
        if r2 == 1 and expand_rank_1:
            return x1, ops.expand_dims(x2, -1)
        return ops.squeeze(x1, axis=-1), x2
    if r2 == r1 + 1 and ops.shape(x2)[-1] == 1:
        if r1 == 1 and expand_rank_1:
            return ops.expand_dims(x1, -1), x2
        return x1, ops.squeeze(x2, axis=-1)
    return x1, x2


def align_sample_weight(values, sample_weight):
    """``sample_weight`` reshaped to broadcast against ``values`` (see the module docstring)."""
    sample_weight = float_tensor(sample_weight, ops.dtype(values))
    v_rank = ops.ndim(values)
    while ops.ndim(sample_weight) > v_rank and ops.shape(sample_weight)[-1] == 1:
        sample_weight = ops.squeeze(sample_weight, axis=-1)
    w_rank = ops.ndim(sample_weight)
    if 0 < w_rank < v_rank:
        sample_weight = ops.reshape(sample_weight, tuple(ops.shape(sample_weight)) + (1,) * (v_rank - w_rank))
    if ops.ndim(sample_weight) > v_rank:
        raise ValueError(f"Loss: sample_weight of shape {tuple(ops.shape(sample_weight))} does not fit "
                         f"per-sample losses of shape {tuple(ops.shape(values))}; give one weight per sample.")
    return sample_weight


def reduce_weighted_values(values, sample_weight=None, reduction="sum_over_batch_size", mask=None):
    """Weight ``values`` by ``sample_weight`` (and a boolean ``mask``), then reduce them.

    A ``mask`` (same shape as ``values``) zeroes the masked values; the mean reductions then divide
    by the number of unmasked values, as Keras does for ``ignore_class``.
    """
    reduction = standardize_reduction(reduction)
    weights = None
    if sample_weight is not None:
        weights = align_sample_weight(values, sample_weight)
        values = ops.multiply(values, weights)
    if mask is not None:
        values = ops.where(mask, values, ops.zeros_like(values))
    if reduction in (None, "none"):
        return values
    total = ops.sum(values)
    if reduction == "sum":
        return total
    if reduction == "mean_with_sample_weight" and weights is not None:
        weights = ops.broadcast_to(weights, ops.shape(values))
        if mask is not None:
            weights = ops.where(mask, weights, ops.zeros_like(weights))
        divisor = ops.sum(weights)
    elif mask is not None:
        divisor = ops.sum(ops.cast(mask, ops.dtype(values)))
    else:
        count = ops.size(values)   # a tensor when a dimension is unknown while tracing
        if isinstance(count, int):
            return total if count == 0 else ops.divide(total, float(count))
        divisor = ops.cast(count, ops.dtype(total))
    return divide_no_nan(total, divisor)


def align_mask(name, values, mask):
    """A mask attached to predictions, shaped like the per-sample ``values`` (Keras drops a trailing
    axis of size 1 or adds one); another shape is an error naming ``name``."""
    mask = ops.cast(mask, "bool") if ops.dtype(mask) != "bool" else mask
    value_shape, mask_shape = tuple(ops.shape(values)), tuple(ops.shape(mask))
    if mask_shape == value_shape:
        return mask
    if mask_shape[-1:] == (1,) and mask_shape[:-1] == value_shape:
        return ops.squeeze(mask, -1)
    if value_shape[-1:] == (1,) and value_shape[:-1] == mask_shape:
        return ops.expand_dims(mask, -1)
    raise ValueError(f"{name}: the mask attached to y_pred has shape {mask_shape}, which does not fit the "
                     f"per-sample values of shape {value_shape} (a mask has one entry per sample and time step).")


def divide_no_nan(x, y):
    """``x / y``, and 0 where ``y == 0`` (no NaN, no inf, and no NaN gradient)."""
    is_zero = ops.equal(y, 0)
    quotient = ops.divide(x, ops.where(is_zero, ops.ones_like(y), y))
    return ops.where(is_zero, ops.zeros_like(quotient), quotient)


class Loss(_lookup.Configurable):
    """Base class of losses: subclasses implement ``call(y_true, y_pred) -> per-sample values``.

    Args:
        reduction: see the module docstring; default ``"sum_over_batch_size"``.
        name: the loss's name (defaults to the snake-case class name).
        dtype: the float dtype the loss computes in; ``None`` (default) computes in ``y_pred``'s float
            dtype (floatx for other inputs). Not part of ``get_config``, as in Keras.

    ``loss(y_true, y_pred, sample_weight=None)`` returns a scalar tensor (or the per-sample
    values for ``reduction="none"``). A subclass may define ``compute_mask(y_true, y_pred)``
    returning a boolean tensor shaped like the per-sample values (entries to ignore are False).
    """

    def __init__(self, reduction="sum_over_batch_size", name=None, dtype=None):
        self.reduction = standardize_reduction(reduction)
        self.name = name or _snake_case(type(self).__name__)
        if dtype is not None and not _dtypes.is_float(_dtypes.standardize_dtype(dtype)):
            raise ValueError(f"{type(self).__name__}: dtype must be a float dtype, got {dtype!r}.")
        self.dtype = None if dtype is None else _dtypes.standardize_dtype(dtype)

    def __call__(self, y_true, y_pred, sample_weight=None):
        in_mask = _masking.get_mask(y_pred)   # a model's output mask (e.g. padded time steps)
        y_pred = float_tensor(y_pred, self.dtype)
        y_true = as_tensor(y_true)
        values = self.call(y_true, y_pred)
        mask = self.compute_mask(y_true, y_pred)
        value_mask = _masking.get_mask(values)   # a loss function's own mask (``circle`` keeps its positive rows)
        if value_mask is not None:
            mask = value_mask if mask is None else ops.logical_and(mask, value_mask)
        if in_mask is not None:
            in_mask = align_mask(self.name, values, in_mask)
            mask = in_mask if mask is None else ops.logical_and(mask, in_mask)
        return reduce_weighted_values(values, sample_weight, self.reduction, mask=mask)

    def call(self, y_true, y_pred):
        raise NotImplementedError(f"{type(self).__name__} must implement call(y_true, y_pred).")

    def compute_mask(self, y_true, y_pred):
        return None

    def get_config(self):
        return {"name": self.name, "reduction": self.reduction}

    def __repr__(self):
        return f"<{type(self).__name__} name={self.name!r} reduction={self.reduction!r}>"


class LossFunctionWrapper(Loss):
    """A ``Loss`` from a function ``fn(y_true, y_pred, **kwargs) -> per-sample values``.

    ``y_true`` is cast to ``y_pred``'s dtype and both are rank-aligned
    (``squeeze_or_expand_to_same_rank``) before ``fn`` runs, as in Keras.
    """

    cast_targets = True

    def __init__(self, fn, reduction="sum_over_batch_size", name=None, dtype=None, **kwargs):
        super().__init__(reduction=reduction, name=name or getattr(fn, "__name__", None), dtype=dtype)
        self.fn = fn
        self._fn_kwargs = kwargs

    def call(self, y_true, y_pred):
        if self.cast_targets:
            y_true = float_tensor(y_true, ops.dtype(y_pred))
            y_true, y_pred = squeeze_or_expand_to_same_rank(y_true, y_pred)
        return self.fn(y_true, y_pred, **self._fn_kwargs)

    def get_config(self):
        config = super().get_config()
        if type(self) is LossFunctionWrapper:
            config["fn"] = _serialization.get_registered_name(self.fn)
        config.update(self._fn_kwargs)
        return config

    @classmethod
    def from_config(cls, config):
        if cls is not LossFunctionWrapper:
            return cls(**config)
        from kerafront.losses import functions
        known = {name: getattr(functions, name) for name in functions.__all__}
        return _lookup.wrapper_from_config(cls, config, known, "loss function")

    def __repr__(self):
        return f"<{type(self).__name__} fn={getattr(self.fn, '__name__', self.fn)} kwargs={self._fn_kwargs}>"


def _snake_case(name):
    """``MeanSquaredError`` -> ``mean_squared_error``; ``AUC`` -> ``auc``."""
    out = []
    for i, ch in enumerate(name):
        if ch.isupper() and i and (not name[i - 1].isupper() or (i + 1 < len(name) and name[i + 1].islower())):
            out.append("_")
        out.append(ch.lower())
    return "".join(out)
