"""Masks of the attention layers: shape checks, the causal mask, and the masked softmax.

Masks are boolean (or 0/1) tensors; ``True`` marks a position that may be attended to. A masked
score is replaced by a large negative number (-1e9, -3e4 in float16) before the softmax, as Keras
does, so a row with every position masked still gives finite numbers.
"""

import numbers

from kerafront import ops
from kerafront.layers.symbolic import KerasTensor


def large_negative(dtype):
    """The score given to masked positions: -1e9, or -3e4 where float16 cannot hold -1e9."""
    return -3e4 if dtype == "float16" else -1e9


def check_mask_shape(layer, what, mask_shape, expected):
    """Raise ``ValueError`` naming ``layer`` unless ``mask_shape`` equals ``expected`` (``None`` matches any size)."""
    mask_shape, expected = _static(mask_shape), _static(expected)
    if len(mask_shape) != len(expected) or any(m is not None and e is not None and m != e
                                               for m, e in zip(mask_shape, expected)):
        raise ValueError(f'{type(layer).__name__} "{layer.name}": {what} must have shape {expected} (the '
                         f"input's shape without its feature axis), got a mask of shape {mask_shape}.")


def check_broadcastable(layer, what, mask_shape, target, target_name):
    """Raise ``ValueError`` naming ``layer`` unless ``mask_shape`` broadcasts to ``target`` without growing it
    (its rank at most ``target``'s, each axis 1 or equal when aligned from the right)."""
    mask_shape, target = _static(mask_shape), _static(target)
    fits = len(mask_shape) <= len(target) and all(
        m is None or t is None or m in (1, t) for m, t in zip(mask_shape[::-1], target[::-1]))
    if not fits:
        raise ValueError(f'{type(layer).__name__} "{layer.name}": {what} must broadcast to the attention '
                         f"scores' shape {target} ({target_name}; each axis 1 or equal, aligned from the right), "
                         f"got a mask of shape {mask_shape}.")


def _static(shape):
    """``shape`` with sizes known only while tracing (TensorFlow's scalar tensors) as ``None``."""
    return tuple(d if isinstance(d, numbers.Integral) else None for d in shape)


def as_bool(mask):
    """``mask`` as a boolean tensor (a float or int mask keeps its nonzero entries)."""
    return mask if ops.dtype(mask) == "bool" else ops.not_equal(mask, 0)


def causal_mask(query_length, key_length):
    """``(query_length, key_length)`` booleans, True where the key position ``j <= i``, the query position.

    With an unknown length (symbolic shapes) the result is a symbolic tensor of that shape.
    """
    if query_length is None or key_length is None:
        return KerasTensor((query_length, key_length), "bool")
    rows = ops.expand_dims(ops.arange(query_length, dtype="int32"), -1)
    return ops.greater_equal(rows, ops.arange(key_length, dtype="int32"))


def band_mask(query_length, key_length, window):
    """``(query_length, key_length)`` booleans, True where ``|i - j| < window`` (a sliding window)."""
    if query_length is None or key_length is None:
        return KerasTensor((query_length, key_length), "bool")
    rows = ops.expand_dims(ops.arange(query_length, dtype="int32"), -1)
    distance = ops.abs(ops.subtract(rows, ops.arange(key_length, dtype="int32")))
    return ops.less(distance, window)


def both(mask, other):
    """The logical AND of two masks, either of which may be ``None``."""
    if mask is None:
        return other
    if other is None:
        return mask
    return ops.logical_and(mask, other)


def masked_softmax(scores, mask, axis):
    """``softmax(scores)`` over ``axis`` (an int or tuple) with masked positions given no weight.

    ``mask`` broadcasts to ``scores``; masked scores become ``large_negative`` before the softmax and
    masked probabilities are zeroed after it (a fully masked row gives zeros, as in Keras 3).
    """
    if mask is None:
        return ops.softmax(scores, axis=axis)
    scores = ops.where(mask, scores, large_negative(ops.dtype(scores)))
    return ops.where(mask, ops.softmax(scores, axis=axis), 0.0)
