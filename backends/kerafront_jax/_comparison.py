"""Comparisons and logic on ``jax.Array``: bool results, operands promoted as for arithmetic.

Operands whose shapes do not broadcast raise ``ValueError`` naming the op (``binary_op``).
"""

import jax.numpy as jnp

from kerafront_jax._convert import binary_op, tensor, unpromoted


equal = binary_op("equal", jnp.equal)
not_equal = binary_op("not_equal", jnp.not_equal)
less = binary_op("less", jnp.less)
less_equal = binary_op("less_equal", jnp.less_equal)
greater = binary_op("greater", jnp.greater)
greater_equal = binary_op("greater_equal", jnp.greater_equal)
logical_and = binary_op("logical_and", jnp.logical_and, unpromoted)
logical_or = binary_op("logical_or", jnp.logical_or, unpromoted)
logical_xor = binary_op("logical_xor", jnp.logical_xor, unpromoted)


def logical_not(x):
    return jnp.logical_not(tensor(x))


def isnan(x):
    return jnp.isnan(tensor(x))


def isfinite(x):
    return jnp.isfinite(tensor(x))
