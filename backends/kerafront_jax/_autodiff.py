"""Autodiff and compilation: JAX's own transformations, plus kerafront's error for non-scalar losses.

Pytrees: ``kerafront.tree`` treats dicts (sorted keys), lists, tuples and namedtuples as nodes and
``None`` as an empty subtree, exactly as JAX does, so arguments and gradients pass through
``jax.value_and_grad`` unchanged.
"""

import functools

import jax
import jax.numpy as jnp
from jax import lax

from kerafront_jax._convert import tensor


def _scalar_checked(fn, has_aux, op):
    """``fn`` wrapped to raise kerafront's ``ValueError`` for a non-scalar value before JAX's own error."""

    @functools.wraps(fn)
    def checked(*args, **kwargs):
        out = fn(*args, **kwargs)
        if has_aux:
            if not isinstance(out, (tuple, list)) or len(out) != 2:
                raise ValueError(f"{op}: with has_aux=True, fn must return a pair (value, aux), got "
                                 f"{type(out).__name__}.")
            value, aux = out
        else:
            value = out
        shape = tuple(jnp.shape(value))
        if shape != ():
            raise ValueError(f"{op}: fn must return a scalar (shape ()), got shape {shape}; reduce it first, "
                             f"e.g. with kerafront.ops.mean.")
        return (value, aux) if has_aux else value

    return checked


def value_and_grad(fn, argnums=0, has_aux=False):
    return jax.value_and_grad(_scalar_checked(fn, has_aux, "value_and_grad"), argnums=argnums, has_aux=has_aux)


def grad(fn, argnums=0, has_aux=False):
    return jax.grad(_scalar_checked(fn, has_aux, "grad"), argnums=argnums, has_aux=has_aux)


def stop_gradient(x):
    return lax.stop_gradient(tensor(x))


def compile(fn, donate_argnums=()):
    """``jax.jit(fn)``; the buffers of ``donate_argnums`` arguments may be reused for the outputs
    (the trainer donates the state it replaces), so callers must not read them afterwards."""
    return jax.jit(fn, donate_argnums=donate_argnums)
