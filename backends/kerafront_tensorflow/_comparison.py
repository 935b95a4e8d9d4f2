"""Section comparison: comparisons, logic, ``isnan``/``isfinite`` (bool results; see ``kerafront.spec``).

Operands are promoted like arithmetic (``binary_operands``) and shapes that do not broadcast raise
``ValueError`` naming the op; logic ops read numbers as ``x != 0``.
"""

from kerafront_tensorflow._convert import FLOAT_TF, as_tensor, binary_op, binary_operands, bool_operand
from kerafront_tensorflow._kernels import kernels
from kerafront_tensorflow._tf import tf

_BOOL = tf.bool


def _ordered_operands(x1, x2):
    """Promoted operands; bools compare as 0/1 (TensorFlow has no ordering kernels for bool)."""
    x1, x2 = binary_operands(x1, x2)
    if x1.dtype is _BOOL:
        return tf.cast(x1, tf.uint8), tf.cast(x2, tf.uint8)
    return x1, x2


def _truth_operands(x1, x2):
    """Both operands as bool tensors (``x != 0`` for numbers), not promoted against each other."""
    return bool_operand(x1), bool_operand(x2)


equal = binary_op("equal", kernels.Equal)
not_equal = binary_op("not_equal", kernels.NotEqual)
less = binary_op("less", kernels.Less, operands=_ordered_operands)
less_equal = binary_op("less_equal", kernels.LessEqual, operands=_ordered_operands)
greater = binary_op("greater", kernels.Greater, operands=_ordered_operands)
greater_equal = binary_op("greater_equal", kernels.GreaterEqual, operands=_ordered_operands)
logical_and = binary_op("logical_and", kernels.LogicalAnd, operands=_truth_operands)
logical_or = binary_op("logical_or", kernels.LogicalOr, operands=_truth_operands)
logical_xor = binary_op("logical_xor", kernels.NotEqual, operands=_truth_operands)


def logical_not(x):
    return kernels.LogicalNot(x=bool_operand(x))


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
