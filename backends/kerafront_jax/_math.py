"""Creation, elementwise math and comparisons on ``jax.Array`` with kerafront's semantics.

Where JAX's gradients differ from the spec, the rule is rebuilt here: JAX splits the gradient of
``maximum``/``minimum``/``clip`` evenly at ties (the spec sends it to ``x1`` / keeps 1 on the
closed interval) and gives ``abs`` a gradient of 1 at 0 (the spec: 0).
"""

import jax
import jax.numpy as jnp
import numpy as np
from jax import lax

from kerafront import config

from kerafront_jax._convert import (FLOATS, array_dtype, float_tensor, floatx_dtype, jax_dtype, promote,
                                    promote_all, tensor)

_INTS = (int, np.integer)
_SCALARS = (int, float)

# ----------------------------------------------------------------------------------------------
# Creation


def _creation_dtype(dtype, op):
    return floatx_dtype(op) if dtype is None else jax_dtype(dtype, op)


try:  # JAX has no public "am I tracing?"; without it every creation goes through jnp
    from jax._src.core import trace_ctx as _trace_ctx
    _eager = _trace_ctx.is_top_level
except (ImportError, AttributeError):  # pragma: no cover - other JAX versions
    def _eager():
        return False


def _filled(shape, value, dtype):
    """A constant array. Outside a trace it is made on the host and transferred: eager ``jnp.full``
    compiles an XLA kernel per new shape (~20 ms each on CPU; building Adam's slots for a small
    model took 0.27 s that way). Inside a trace, ``jnp.full`` keeps it a cheap broadcast."""
    if _eager() and isinstance(value, (bool, int, float, np.generic)):
        try:
            shape = tuple(int(d) for d in shape) if isinstance(shape, (tuple, list)) else (int(shape),)
        except TypeError:
            return jnp.full(shape, value, dtype=dtype)
        return jax.device_put(np.full(shape, value, dtype=dtype))
    return jnp.full(shape, value, dtype=dtype)


def zeros(shape, dtype=None):
    return _filled(shape, 0, _creation_dtype(dtype, "zeros"))


def ones(shape, dtype=None):
    return _filled(shape, 1, _creation_dtype(dtype, "ones"))


def full(shape, fill_value, dtype=None):
    if dtype is None:
        if isinstance(fill_value, bool):
            dtype = "bool"
        elif isinstance(fill_value, _INTS):
            dtype = "int32"
        elif isinstance(fill_value, jax.Array):
            return jnp.full(shape, fill_value, dtype=fill_value.dtype)
        else:
            dtype = config.floatx()
    return _filled(shape, fill_value, jax_dtype(dtype, "full"))


def arange(start, stop=None, step=1, dtype=None):
    if dtype is None:
        all_ints = all(isinstance(v, _INTS) and not isinstance(v, bool) for v in (start, stop, step) if v is not None)
        dtype = "int32" if all_ints else config.floatx()
    return jnp.arange(start, stop, step, dtype=jax_dtype(dtype, "arange"))


def eye(n, m=None, k=0, dtype=None):
    return jnp.eye(n, m, k, dtype=_creation_dtype(dtype, "eye"))


# ----------------------------------------------------------------------------------------------
# Binary arithmetic (promotion per kerafront.dtypes; same-dtype arrays skip it)


def add(x1, x2):
    x1, x2 = promote(x1, x2, "add")
    return jnp.add(x1, x2)


def subtract(x1, x2):
    x1, x2 = promote(x1, x2, "subtract")
    return jnp.subtract(x1, x2)


def multiply(x1, x2):
    x1, x2 = promote(x1, x2, "multiply")
    return jnp.multiply(x1, x2)


def divide(x1, x2):
    x1, x2 = promote(x1, x2, "divide")
    if array_dtype(x1, x2) not in FLOATS:  # integers divide in floatx (a Python int stays weak)
        target = floatx_dtype("divide")
        x1, x2 = [x.astype(target) if isinstance(x, jax.Array) else x for x in (x1, x2)]
    return jnp.true_divide(x1, x2)


def floor_divide(x1, x2):
    x1, x2 = promote(x1, x2, "floor_divide")
    return jnp.floor_divide(x1, x2)


def mod(x1, x2):
    x1, x2 = promote(x1, x2, "mod")
    return jnp.remainder(x1, x2)


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


def maximum(x1, x2):
    """Max; ties send the gradient to ``x1``; NaN in either operand propagates."""
    x1, x2 = promote(x1, x2, "maximum")
    return _maximum_float(x1, x2) if array_dtype(x1, x2) in FLOATS else jnp.maximum(x1, x2)


def minimum(x1, x2):
    """Min; ties send the gradient to ``x1``; NaN in either operand propagates."""
    x1, x2 = promote(x1, x2, "minimum")
    return _minimum_float(x1, x2) if array_dtype(x1, x2) in FLOATS else jnp.minimum(x1, x2)


def clip(x, x_min, x_max):
    """``min(max(x, x_min), x_max)`` (so ``x_max`` wins when ``x_min > x_max``, as NumPy);
    the gradient w.r.t. ``x`` is 1 on the closed interval."""
    x = tensor(x)
    if not (x.dtype in FLOATS and type(x_min) in _SCALARS and type(x_max) in _SCALARS):
        x, x_min, x_max = promote_all((x, x_min, x_max), "clip")
    return _clip(x, x_min, x_max)


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


def round(x):
    """Half to even; integer inputs are returned unchanged."""
    x = tensor(x)
    return jnp.round(x) if x.dtype in FLOATS else x


def floor(x):
    return jnp.floor(float_tensor(x))


def ceil(x):
    return jnp.ceil(float_tensor(x))


# ----------------------------------------------------------------------------------------------
# Comparisons and logic


def equal(x1, x2):
    x1, x2 = promote(x1, x2, "equal")
    return jnp.equal(x1, x2)


def not_equal(x1, x2):
    x1, x2 = promote(x1, x2, "not_equal")
    return jnp.not_equal(x1, x2)


def less(x1, x2):
    x1, x2 = promote(x1, x2, "less")
    return jnp.less(x1, x2)


def less_equal(x1, x2):
    x1, x2 = promote(x1, x2, "less_equal")
    return jnp.less_equal(x1, x2)


def greater(x1, x2):
    x1, x2 = promote(x1, x2, "greater")
    return jnp.greater(x1, x2)


def greater_equal(x1, x2):
    x1, x2 = promote(x1, x2, "greater_equal")
    return jnp.greater_equal(x1, x2)


def logical_and(x1, x2):
    return jnp.logical_and(tensor(x1), tensor(x2))


def logical_or(x1, x2):
    return jnp.logical_or(tensor(x1), tensor(x2))


def logical_xor(x1, x2):
    return jnp.logical_xor(tensor(x1), tensor(x2))


def logical_not(x):
    return jnp.logical_not(tensor(x))


def isnan(x):
    return jnp.isnan(tensor(x))


def isfinite(x):
    return jnp.isfinite(tensor(x))
