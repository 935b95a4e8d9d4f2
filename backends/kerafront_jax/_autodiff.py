"""Autodiff: ``jax.value_and_grad`` and ``lax.stop_gradient``, with kerafront's argument and value checks.

Differentiated arguments must hold float leaves and ``fn`` must return a scalar; both raise
kerafront's error (naming the argument or the shape) before JAX's own.

``grad`` is the composite ``kerafront.ops.grad`` (from ``value_and_grad``); ``compile`` is in ``_compile``.

Pytrees: ``kerafront.tree`` treats dicts (sorted keys), lists, tuples and namedtuples as nodes and
``None`` as an empty subtree, exactly as JAX does, so arguments and gradients pass through
``jax.value_and_grad`` unchanged.
"""

import functools

import jax
import jax.numpy as jnp
from jax import lax

from kerafront.dtypes import FLOAT_DTYPES

from kerafront_jax._convert import dtype_name, tensor, to_array


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


def _check_float_arguments(args, argnums):
    """Raise kerafront's ``TypeError`` for a non-float leaf in a differentiated argument (JAX's own
    error names neither the argument nor the fix)."""
    for n in (argnums,) if isinstance(argnums, int) else argnums:
        if not -len(args) <= n < len(args):
            continue  # JAX raises its own error for argnums out of range
        for leaf in jax.tree_util.tree_leaves(args[n]):
            if isinstance(leaf, float):
                continue
            name = dtype_name(leaf.dtype) if hasattr(leaf, "dtype") else dtype_name(to_array(leaf).dtype)
            if name not in FLOAT_DTYPES:
                raise TypeError(f"value_and_grad: can only differentiate with respect to float tensors; argument "
                                f"{n} has a leaf of dtype {name}. Cast it to a float dtype or pass it through "
                                f"another (non-differentiated) argument.")


def value_and_grad(fn, argnums=0, has_aux=False):
    transformed = jax.value_and_grad(_scalar_checked(fn, has_aux, "value_and_grad"), argnums=argnums,
                                     has_aux=has_aux)

    @functools.wraps(fn)
    def value_and_grads(*args, **kwargs):
        _check_float_arguments(args, argnums)
        return transformed(*args, **kwargs)

    return value_and_grads


def stop_gradient(x):
    return lax.stop_gradient(tensor(x))


def custom_gradient_call(fn, args):
    """``jax.custom_gradient`` over the arguments (see ``kerafront.spec``)."""

    @jax.custom_gradient
    def call(*values):
        y, vjp = fn(*values)
        return y, lambda g: tuple(jnp.zeros_like(v) if d is None else d for v, d in zip(values, vjp(g)))

    return call(*(tensor(a) for a in args))


def remat(fn):
    """``jax.checkpoint``: the wrapped function's activations are recomputed in the backward pass."""
    return jax.checkpoint(fn)
