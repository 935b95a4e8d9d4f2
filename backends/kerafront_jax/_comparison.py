"""Comparisons and logic on ``jax.Array``: bool results, operands promoted as for arithmetic.

Operands whose shapes do not broadcast raise ``ValueError`` naming the op (``names_broadcast_errors``).
"""

import jax.numpy as jnp

from kerafront_jax._convert import names_broadcast_errors, promote, tensor


@names_broadcast_errors
def equal(x1, x2):
    x1, x2 = promote(x1, x2, "equal")
    return jnp.equal(x1, x2)


@names_broadcast_errors
def not_equal(x1, x2):
    x1, x2 = promote(x1, x2, "not_equal")
    return jnp.not_equal(x1, x2)


@names_broadcast_errors
def less(x1, x2):
    x1, x2 = promote(x1, x2, "less")
    return jnp.less(x1, x2)


@names_broadcast_errors
def less_equal(x1, x2):
    x1, x2 = promote(x1, x2, "less_equal")
    return jnp.less_equal(x1, x2)


@names_broadcast_errors
def greater(x1, x2):
    x1, x2 = promote(x1, x2, "greater")
    return jnp.greater(x1, x2)


@names_broadcast_errors
def greater_equal(x1, x2):
    x1, x2 = promote(x1, x2, "greater_equal")
    return jnp.greater_equal(x1, x2)


@names_broadcast_errors
def logical_and(x1, x2):
    return jnp.logical_and(tensor(x1), tensor(x2))


@names_broadcast_errors
def logical_or(x1, x2):
    return jnp.logical_or(tensor(x1), tensor(x2))


@names_broadcast_errors
def logical_xor(x1, x2):
    return jnp.logical_xor(tensor(x1), tensor(x2))


def logical_not(x):
    return jnp.logical_not(tensor(x))


def isnan(x):
    return jnp.isnan(tensor(x))


def isfinite(x):
    return jnp.isfinite(tensor(x))
