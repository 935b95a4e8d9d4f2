"""Reductions on ``jax.Array``: sum, prod, mean, var, cumsum, any, all, max, min, argmax, argmin.

Integer sums/products keep their dtype (JAX widens int8/int16 to int32), bool sums to int32, means
of integers are floatx and index results are int32. ``max``/``min`` send the gradient at ties to
the first extreme element in row-major order (JAX splits it evenly between ties). Axes are
normalised by ``kerafront.spec_rules``.
"""

import builtins
import functools
import math

import jax
import jax.numpy as jnp
import numpy as np

from kerafront.spec_rules import normalize_axis, single_axis

from kerafront_jax._convert import FLOATS, float_tensor, tensor

_INT32 = jnp.dtype("int32")
_BOOL = jnp.dtype("bool")


def _sum_dtype(x):
    if x.dtype == _BOOL:
        return _INT32
    return None if x.dtype in FLOATS else x.dtype


def sum(x, axis=None, keepdims=False):
    x = tensor(x)
    return jnp.sum(x, axis=normalize_axis(axis, x.ndim, "sum"), dtype=_sum_dtype(x), keepdims=keepdims)


def prod(x, axis=None, keepdims=False):
    x = tensor(x)
    return jnp.prod(x, axis=normalize_axis(axis, x.ndim, "prod"), dtype=_sum_dtype(x), keepdims=keepdims)


def _reduction(name, reduce, operand):
    """Reduction ``name``: ``reduce`` over the validated axes of ``operand(x)``."""
    def op(x, axis=None, keepdims=False):
        x = operand(x)
        return reduce(x, axis=normalize_axis(axis, x.ndim, name), keepdims=keepdims)

    op.__name__ = op.__qualname__ = name
    return op


mean = _reduction("mean", jnp.mean, float_tensor)
var = _reduction("var", jnp.var, float_tensor)
any = _reduction("any", jnp.any, tensor)
all = _reduction("all", jnp.all, tensor)


def cumsum(x, axis=None):
    x = tensor(x)
    if axis is None:
        x, axis = x.reshape(-1), 0
    return jnp.cumsum(x, axis=single_axis(axis, x.ndim, "cumsum"), dtype=_sum_dtype(x))


def _first_extreme_mask(x, axes, find):
    """Bool mask of ``x.shape``: True at the first (row-major) arg-extreme over ``axes``."""
    kept = [a for a in range(x.ndim) if a not in axes]
    perm = kept + list(axes)
    moved = jnp.transpose(x, perm)
    flat = moved.reshape(moved.shape[:len(kept)] + (math.prod(x.shape[a] for a in axes),))
    index = find(flat, axis=-1)
    mask = jnp.arange(flat.shape[-1]) == index[..., None]
    return jnp.transpose(mask.reshape(moved.shape), np.argsort(perm))


def _tie_first_reduction(reduce, find):
    @functools.partial(jax.custom_jvp, nondiff_argnums=(1, 2))
    def reduction(x, axes, keepdims):
        return reduce(x, axis=axes, keepdims=keepdims)

    @reduction.defjvp
    def reduction_jvp(axes, keepdims, primals, tangents):
        (x,), (t,) = primals, tangents
        mask = _first_extreme_mask(x, axes, find)
        return reduce(x, axis=axes, keepdims=keepdims), jnp.sum(jnp.where(mask, t, 0), axis=axes, keepdims=keepdims)

    return jax.jit(reduction, static_argnums=(1, 2))


_max_first = _tie_first_reduction(jnp.max, jnp.argmax)
_min_first = _tie_first_reduction(jnp.min, jnp.argmin)


def _extreme(x, axis, keepdims, op, reduction, plain):
    x = tensor(x)
    axes = normalize_axis(axis, x.ndim, op)
    if builtins.any(x.shape[a] == 0 for a in axes):
        raise ValueError(f"{op}: cannot reduce over an empty axis; received shape {tuple(x.shape)}, axis {axis!r}.")
    if x.dtype in FLOATS and axes:
        return reduction(x, axes, bool(keepdims))
    return plain(x, axis=axes, keepdims=keepdims)


def max(x, axis=None, keepdims=False):
    return _extreme(x, axis, keepdims, "max", _max_first, jnp.max)


def min(x, axis=None, keepdims=False):
    return _extreme(x, axis, keepdims, "min", _min_first, jnp.min)


def _arg(x, axis, keepdims, op, find):
    x = tensor(x)
    if axis is not None:
        axis = single_axis(axis, x.ndim, op)
    if x.size == 0:
        raise ValueError(f"{op}: cannot take the {op} of an empty tensor of shape {tuple(x.shape)}.")
    return find(x, axis=axis, keepdims=keepdims).astype(_INT32)


def argmax(x, axis=None, keepdims=False):
    return _arg(x, axis, keepdims, "argmax", jnp.argmax)


def argmin(x, axis=None, keepdims=False):
    return _arg(x, axis, keepdims, "argmin", jnp.argmin)
