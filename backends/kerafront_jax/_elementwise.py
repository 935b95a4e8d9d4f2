"""Elementwise math on ``jax.Array`` with kerafront's promotion and gradient rules.

Where JAX's gradients differ from ``spec.KINK_RULES``, the rule is rebuilt here: JAX splits the
gradient of ``maximum``/``minimum``/``clip`` evenly at ties (the spec sends it to ``x1`` / keeps 1
on the closed interval) and gives ``abs`` a gradient of 1 at 0 (the spec: 0). Unary float math on
integer inputs computes in floatx; ``abs``, ``sign``, ``negative``, ``square`` and the rounding ops
keep an integer dtype. Operands whose shapes do not broadcast raise ``ValueError`` naming the op
(``binary_op``, ``names_broadcast_errors``).
"""

import jax
import jax.numpy as jnp
from jax import lax

from kerafront_jax._convert import (FLOATS, array_dtype, binary_op, float_tensor, floatx_dtype, names_broadcast_errors,
                                    promote, promote_all, tensor)

_SCALARS = (int, float)

# ----------------------------------------------------------------------------------------------
# Binary arithmetic (promotion per kerafront.dtypes; same-dtype arrays skip it)


add = binary_op("add", jnp.add)
subtract = binary_op("subtract", jnp.subtract)
multiply = binary_op("multiply", jnp.multiply)


def _true_division_operands(x1, x2, op):
    """Promoted operands; integers divide in floatx (a Python int stays weak)."""
    x1, x2 = promote(x1, x2, op)
    if array_dtype(x1, x2) not in FLOATS:
        target = floatx_dtype(op)
        x1, x2 = [x.astype(target) if isinstance(x, jax.Array) else x for x in (x1, x2)]
    return x1, x2


divide = binary_op("divide", jnp.true_divide, _true_division_operands)
arctan2 = binary_op("arctan2", jnp.arctan2, _true_division_operands)
floor_divide = binary_op("floor_divide", jnp.floor_divide)
mod = binary_op("mod", jnp.remainder)


@names_broadcast_errors
def power(x1, x2):
    if isinstance(x2, int) and not isinstance(x2, bool) and isinstance(x1, jax.Array) and x1.dtype in FLOATS:
        return lax.integer_pow(x1, x2)  # exact and cheap, like x ** 3 in plain JAX
    x1, x2 = promote(x1, x2, "power")
    return jnp.power(x1, x2)


# Multi-op primitives are jitted once so that an eager call is one cached XLA dispatch; inside an
# outer jax.jit they inline like plain jnp code.

@jax.jit
def _maximum_float(x1, x2):
    return jnp.where((x1 >= x2) | jnp.isnan(x1), x1, x2)


@jax.jit
def _minimum_float(x1, x2):
    return jnp.where((x1 <= x2) | jnp.isnan(x1), x1, x2)


@jax.jit
def _clip(x, x_min, x_max):
    low = jnp.where(x < x_min, x_min, x)
    return jnp.where(low > x_max, x_max, low)


def _on_floats(float_kernel, kernel):
    """``float_kernel`` for float operands, else ``kernel`` (integers have no NaN and no gradient)."""
    def pick(x1, x2):
        return float_kernel(x1, x2) if array_dtype(x1, x2) in FLOATS else kernel(x1, x2)
    return pick


maximum = binary_op("maximum", _on_floats(_maximum_float, jnp.maximum),
                    doc="Max; ties send the gradient to ``x1``; NaN in either operand propagates.")
minimum = binary_op("minimum", _on_floats(_minimum_float, jnp.minimum),
                    doc="Min; ties send the gradient to ``x1``; NaN in either operand propagates.")


@names_broadcast_errors
def clip(x, x_min, x_max):
    """``min(max(x, x_min), x_max)`` (so ``x_max`` wins when ``x_min > x_max``, as NumPy);
    the gradient w.r.t. ``x`` is 1 on the closed interval."""
    x = tensor(x)
    if not (x.dtype in FLOATS and type(x_min) in _SCALARS and type(x_max) in _SCALARS):
        x, x_min, x_max = promote_all((x, x_min, x_max), "clip")
    return _clip(x, x_min, x_max)


@names_broadcast_errors
def where(condition, x1, x2):
    condition = tensor(condition)
    if condition.dtype != jnp.bool_:
        condition = condition.astype(jnp.bool_)
    x1, x2 = promote(x1, x2, "where")
    return jnp.where(condition, x1, x2)


# ----------------------------------------------------------------------------------------------
# Unary


@jax.custom_jvp
def _abs_with_zero_grad(x):
    return jnp.abs(x)


@_abs_with_zero_grad.defjvp
def _abs_jvp(primals, tangents):
    (x,), (t,) = primals, tangents
    return jnp.abs(x), t * jnp.sign(x)


_abs_float = jax.jit(_abs_with_zero_grad)


def abs(x):
    """``|x|``; the gradient is ``sign(x)``, 0 at 0."""
    x = tensor(x)
    return _abs_float(x) if x.dtype in FLOATS else jnp.abs(x)


def negative(x):
    return jnp.negative(tensor(x))


def sign(x):
    return jnp.sign(tensor(x))


def square(x):
    return jnp.square(tensor(x))


def sqrt(x):
    return jnp.sqrt(float_tensor(x))


def rsqrt(x):
    return lax.rsqrt(float_tensor(x))


def exp(x):
    return jnp.exp(float_tensor(x))


def log(x):
    return jnp.log(float_tensor(x))


def log1p(x):
    return jnp.log1p(float_tensor(x))


def expm1(x):
    return jnp.expm1(float_tensor(x))


def sin(x):
    return jnp.sin(float_tensor(x))


def cos(x):
    return jnp.cos(float_tensor(x))


def tanh(x):
    return jnp.tanh(float_tensor(x))


def sigmoid(x):
    return lax.logistic(float_tensor(x))


def erf(x):
    return lax.erf(float_tensor(x))


def erfc(x):
    return lax.erfc(float_tensor(x))


def erfinv(x):
    return lax.erf_inv(float_tensor(x))


nextafter = binary_op("nextafter", jnp.nextafter, _true_division_operands)


def round(x):
    """Half to even; integer and bool inputs are returned unchanged (also by floor and ceil)."""
    x = tensor(x)
    return jnp.round(x) if x.dtype in FLOATS else x


def floor(x):
    x = tensor(x)
    return jnp.floor(x) if x.dtype in FLOATS else x


def ceil(x):
    x = tensor(x)
    return jnp.ceil(x) if x.dtype in FLOATS else x
