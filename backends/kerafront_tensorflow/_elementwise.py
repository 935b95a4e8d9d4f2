"""Section elementwise: arithmetic, unary float math, ``maximum``/``minimum``/``clip``, ``where``, rounding.

Binary ops promote with ``binary_operands`` (kerafront's table; TensorFlow itself never promotes)
and call TensorFlow's op wrappers directly (``_kernels.py``): they skip the dispatch layers of
``tf.math`` (tens of microseconds per eager call) and have the same registered gradients.
Operands whose shapes do not broadcast raise ``ValueError`` naming the op (``binary_op``,
``names_broadcast_errors``).
"""

import math

from kerafront_tensorflow._convert import (FLOAT_TF, as_tensor, binary_op, binary_operands, bool_operand,
                                           float_operand, floatx_tf, names_broadcast_errors, operands)
from kerafront_tensorflow._kernels import kernels
from kerafront_tensorflow._tf import tf

_BOOL = tf.bool


def _refuse_bool_subtract(x, y):
    raise TypeError("subtract: boolean subtraction is not supported (as in NumPy); use logical_xor.")


def _true_division_operands(x1, x2):
    """Promoted operands; integer or bool ones are cast to floatx (true division)."""
    x1, x2 = binary_operands(x1, x2)
    if x1.dtype not in FLOAT_TF:
        x1, x2 = tf.cast(x1, floatx_tf()), tf.cast(x2, floatx_tf())
    return x1, x2


def _integer_operands(x1, x2):
    """Promoted operands; bools as int8 (TensorFlow has no bool division kernels)."""
    x1, x2 = binary_operands(x1, x2)
    if x1.dtype is _BOOL:
        x1, x2 = tf.cast(x1, tf.int8), tf.cast(x2, tf.int8)
    return x1, x2


def _integer_safe(kernel):
    """``kernel`` with integer division by zero giving 0, as in NumPy (TensorFlow's CPU kernel raises instead)."""
    def safe(x, y):
        if x.dtype in FLOAT_TF:
            return kernel(x=x, y=y)
        zero = kernels.Equal(x=y, y=tf.zeros((), y.dtype))
        divisor = kernels.SelectV2(condition=zero, t=tf.ones((), y.dtype), e=y)
        return kernels.SelectV2(condition=zero, t=tf.zeros((), x.dtype), e=kernel(x=x, y=divisor))
    return safe


add = binary_op("add", kernels.AddV2, on_bool=kernels.LogicalOr)
subtract = binary_op("subtract", kernels.Sub, on_bool=_refuse_bool_subtract)
multiply = binary_op("multiply", kernels.Mul, on_bool=kernels.LogicalAnd)
divide = binary_op("divide", kernels.RealDiv, operands=_true_division_operands,
                   doc="True division; integer or bool operands are cast to floatx first.")
arctan2 = binary_op("arctan2", lambda x, y: kernels.Atan2(y=x, x=y), operands=_true_division_operands,
                    doc="``tf.math.atan2(x1, x2)``; integer or bool operands are cast to floatx first.")
floor_divide = binary_op("floor_divide", _integer_safe(kernels.FloorDiv), operands=_integer_operands,
                         doc="``tf.math.floordiv``: rounds toward -inf for ints and floats, as Python's ``//``.")
mod = binary_op("mod", _integer_safe(kernels.FloorMod), operands=_integer_operands,
                doc="``tf.math.floormod``: the result takes the divisor's sign, as Python's ``%``.")
power = binary_op("power", kernels.Pow)


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


def erfc(x):
    return kernels.Erfc(x=float_operand(x))


def erfinv(x):
    """``tf.math.erfinv``; in float64 one Halley step refines it (TensorFlow's kernel is off by ~1e-6 near
    ``|x| = 1``), and the gradient is the exact ``sqrt(pi) / 2 * exp(y**2)`` of the refined value."""
    x = float_operand(x)
    return _erfinv_float64(x) if x.dtype == tf.float64 else kernels.Erfinv(x=x)


@tf.custom_gradient
def _erfinv_float64(x):
    a = tf.abs(x)
    guess = kernels.Erfinv(x=a)
    inside = a < 1
    y = tf.where(inside, guess, tf.zeros_like(a))
    residual = tf.where(a > 0.5, (1 - a) - kernels.Erfc(x=y), kernels.Erf(x=y) - a)
    step = residual / (_TWO_OVER_SQRT_PI * tf.exp(-tf.square(y)))
    refined = tf.sign(x) * tf.where(inside, y - step / (1 + y * step), guess)
    return refined, lambda g: g * (_SQRT_PI_OVER_TWO * tf.exp(tf.square(refined)))


_TWO_OVER_SQRT_PI = 2 / math.sqrt(math.pi)
_SQRT_PI_OVER_TWO = math.sqrt(math.pi) / 2


nextafter = binary_op("nextafter", lambda x, y: kernels.NextAfter(x1=x, x2=y), operands=_true_division_operands,
                      doc="``tf.math.nextafter``; integer or bool operands are cast to floatx first.")


maximum = binary_op("maximum", kernels.Maximum, on_bool=kernels.LogicalOr,
                    doc="At ties TensorFlow's gradient goes to ``x1`` (it masks with ``x1 >= x2``), as the spec asks.")
minimum = binary_op("minimum", kernels.Minimum, on_bool=kernels.LogicalAnd,
                    doc="At ties the gradient goes to ``x1`` (TensorFlow masks with ``x1 <= x2``).")


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
