"""Section elementwise: arithmetic, unary float math, ``maximum``/``minimum``/``clip``, ``where``, rounding.

Binary ops promote with ``binary_operands`` (kerafront's table; TensorFlow itself never promotes)
and call TensorFlow's op wrappers directly (``_kernels.py``): they skip the dispatch layers of
``tf.math`` (tens of microseconds per eager call) and have the same registered gradients.
Operands whose shapes do not broadcast raise ``ValueError`` naming the op (``names_broadcast_errors``).
"""

from kerafront_tensorflow._convert import (FLOAT_TF, as_tensor, binary_operands, bool_operand, float_operand,
                                           floatx_tf, names_broadcast_errors, operands)
from kerafront_tensorflow._kernels import kernels
from kerafront_tensorflow._tf import tf

_BOOL = tf.bool


@names_broadcast_errors
def add(x1, x2):
    x1, x2 = binary_operands(x1, x2)
    if x1.dtype is _BOOL:
        return kernels.LogicalOr(x=x1, y=x2)
    return kernels.AddV2(x=x1, y=x2)


@names_broadcast_errors
def subtract(x1, x2):
    x1, x2 = binary_operands(x1, x2)
    if x1.dtype is _BOOL:
        raise TypeError("subtract: boolean subtraction is not supported (as in NumPy); use logical_xor.")
    return kernels.Sub(x=x1, y=x2)


@names_broadcast_errors
def multiply(x1, x2):
    x1, x2 = binary_operands(x1, x2)
    if x1.dtype is _BOOL:
        return kernels.LogicalAnd(x=x1, y=x2)
    return kernels.Mul(x=x1, y=x2)


@names_broadcast_errors
def divide(x1, x2):
    """True division; integer or bool operands are cast to floatx first."""
    x1, x2 = binary_operands(x1, x2)
    if x1.dtype not in FLOAT_TF:
        x1, x2 = tf.cast(x1, floatx_tf()), tf.cast(x2, floatx_tf())
    return kernels.RealDiv(x=x1, y=x2)


def _integer_safe(kernel, x1, x2):
    """Integer division by zero gives 0, as in NumPy (TensorFlow's CPU kernel raises instead)."""
    if x1.dtype in FLOAT_TF:
        return kernel(x=x1, y=x2)
    zero = kernels.Equal(x=x2, y=tf.zeros((), x2.dtype))
    safe = kernels.SelectV2(condition=zero, t=tf.ones((), x2.dtype), e=x2)
    return kernels.SelectV2(condition=zero, t=tf.zeros((), x1.dtype), e=kernel(x=x1, y=safe))


@names_broadcast_errors
def floor_divide(x1, x2):
    """``tf.math.floordiv``: rounds toward -inf for ints and floats, as Python's ``//``."""
    x1, x2 = binary_operands(x1, x2)
    if x1.dtype is _BOOL:
        x1, x2 = tf.cast(x1, tf.int8), tf.cast(x2, tf.int8)
    return _integer_safe(kernels.FloorDiv, x1, x2)


@names_broadcast_errors
def mod(x1, x2):
    """``tf.math.floormod``: the result takes the divisor's sign, as Python's ``%``."""
    x1, x2 = binary_operands(x1, x2)
    if x1.dtype is _BOOL:
        x1, x2 = tf.cast(x1, tf.int8), tf.cast(x2, tf.int8)
    return _integer_safe(kernels.FloorMod, x1, x2)


@names_broadcast_errors
def power(x1, x2):
    x1, x2 = binary_operands(x1, x2)
    return kernels.Pow(x=x1, y=x2)


def negative(x):
    x = as_tensor(x)
    if x.dtype is _BOOL:
        raise TypeError("negative: boolean negation is not supported (as in NumPy); use logical_not.")
    return kernels.Neg(x=x)


def abs(x):
    x = as_tensor(x)
    return x if x.dtype is _BOOL or x.dtype.is_unsigned else kernels.Abs(x=x)


def sign(x):
    return kernels.Sign(x=as_tensor(x))


def square(x):
    return kernels.Square(x=as_tensor(x))


def sqrt(x):
    return kernels.Sqrt(x=float_operand(x))


def rsqrt(x):
    return kernels.Rsqrt(x=float_operand(x))


def exp(x):
    return kernels.Exp(x=float_operand(x))


def log(x):
    return kernels.Log(x=float_operand(x))


def log1p(x):
    return kernels.Log1p(x=float_operand(x))


def expm1(x):
    return kernels.Expm1(x=float_operand(x))


def sin(x):
    return kernels.Sin(x=float_operand(x))


def cos(x):
    return kernels.Cos(x=float_operand(x))


def tanh(x):
    return kernels.Tanh(x=float_operand(x))


def sigmoid(x):
    """``tf.math.sigmoid`` is computed without overflow for large ``|x|``."""
    return kernels.Sigmoid(x=float_operand(x))


def erf(x):
    return kernels.Erf(x=float_operand(x))


@names_broadcast_errors
def maximum(x1, x2):
    """At ties TensorFlow's gradient goes to ``x1`` (it masks with ``x1 >= x2``), as the spec asks."""
    x1, x2 = binary_operands(x1, x2)
    if x1.dtype is _BOOL:
        return kernels.LogicalOr(x=x1, y=x2)
    return kernels.Maximum(x=x1, y=x2)


@names_broadcast_errors
def minimum(x1, x2):
    """At ties the gradient goes to ``x1`` (TensorFlow masks with ``x1 <= x2``)."""
    x1, x2 = binary_operands(x1, x2)
    if x1.dtype is _BOOL:
        return kernels.LogicalAnd(x=x1, y=x2)
    return kernels.Minimum(x=x1, y=x2)


@names_broadcast_errors
def clip(x, x_min, x_max):
    """``minimum(maximum(x, x_min), x_max)`` in the promoted dtype; gradient 1 on the closed interval."""
    x, x_min, x_max = operands(x, x_min, x_max)
    return kernels.Minimum(x=kernels.Maximum(x=x, y=x_min), y=x_max)


@names_broadcast_errors
def where(condition, x1, x2):
    condition = bool_operand(condition)
    x1, x2 = binary_operands(x1, x2)
    return kernels.SelectV2(condition=condition, t=x1, e=x2)


def round(x):
    """Half to even (``tf.round`` is banker's rounding); integers are returned unchanged."""
    x = as_tensor(x)
    return kernels.Round(x=x) if x.dtype in FLOAT_TF else x


def floor(x):
    """Integers are returned unchanged (as NumPy and the reference backend do)."""
    x = as_tensor(x)
    return kernels.Floor(x=x) if x.dtype in FLOAT_TF else x


def ceil(x):
    x = as_tensor(x)
    return kernels.Ceil(x=x) if x.dtype in FLOAT_TF else x
