"""Section comparison: comparisons, logic, ``isnan``/``isfinite`` (bool results; see ``kerafront.spec``).

Operands are promoted like arithmetic (``binary_operands``) and shapes that do not broadcast raise
``ValueError`` naming the op; logic ops read numbers as ``x != 0``.
"""

from kerafront_tensorflow._convert import (FLOAT_TF, as_tensor, binary_operands, bool_operand,
                                           names_broadcast_errors)
from kerafront_tensorflow._kernels import kernels
from kerafront_tensorflow._tf import tf

_BOOL = tf.bool


def _ordered(x1, x2):
    """Bools compare as 0/1 (TensorFlow has no ordering kernels for bool)."""
    if x1.dtype is _BOOL:
        return tf.cast(x1, tf.uint8), tf.cast(x2, tf.uint8)
    return x1, x2


@names_broadcast_errors
def equal(x1, x2):
    x1, x2 = binary_operands(x1, x2)
    return kernels.Equal(x=x1, y=x2)


@names_broadcast_errors
def not_equal(x1, x2):
    x1, x2 = binary_operands(x1, x2)
    return kernels.NotEqual(x=x1, y=x2)


@names_broadcast_errors
def less(x1, x2):
    x1, x2 = _ordered(*binary_operands(x1, x2))
    return kernels.Less(x=x1, y=x2)


@names_broadcast_errors
def less_equal(x1, x2):
    x1, x2 = _ordered(*binary_operands(x1, x2))
    return kernels.LessEqual(x=x1, y=x2)


@names_broadcast_errors
def greater(x1, x2):
    x1, x2 = _ordered(*binary_operands(x1, x2))
    return kernels.Greater(x=x1, y=x2)


@names_broadcast_errors
def greater_equal(x1, x2):
    x1, x2 = _ordered(*binary_operands(x1, x2))
    return kernels.GreaterEqual(x=x1, y=x2)


@names_broadcast_errors
def logical_and(x1, x2):
    return kernels.LogicalAnd(x=bool_operand(x1), y=bool_operand(x2))


@names_broadcast_errors
def logical_or(x1, x2):
    return kernels.LogicalOr(x=bool_operand(x1), y=bool_operand(x2))


def logical_not(x):
    return kernels.LogicalNot(x=bool_operand(x))


@names_broadcast_errors
def logical_xor(x1, x2):
    return kernels.NotEqual(x=bool_operand(x1), y=bool_operand(x2))


def isnan(x):
    x = as_tensor(x)
    if x.dtype in FLOAT_TF:
        return kernels.IsNan(x=x)
    return tf.zeros_like(x, dtype=_BOOL)


def isfinite(x):
    x = as_tensor(x)
    if x.dtype in FLOAT_TF:
        return kernels.IsFinite(x=x)
    return tf.ones_like(x, dtype=_BOOL)
