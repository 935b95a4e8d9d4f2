"""Reductions and linear algebra on ``jax.Array``.

Integer sums/products keep their dtype (JAX widens int8/int16 to int32), bool sums to int32, means
of integers are floatx and index results are int32. ``max``/``min`` send the gradient at ties to
the first extreme element in row-major order (JAX splits it evenly between ties).
"""

import builtins
import functools
import math

import jax
import jax.numpy as jnp
import numpy as np

from kerafront_jax._convert import FLOATS, float_tensor, promote_all, tensor

_INT32 = jnp.dtype("int32")
_BOOL = jnp.dtype("bool")


def normalize_axis(axis, ndim, op):
    """``axis`` (None, int or sequence) as None or a tuple of non-negative ints; ``ValueError`` when out of range."""
    if axis is None:
        return None
    if type(axis) is int and 0 <= axis < ndim:
        return (axis,)
    axes = (axis,) if isinstance(axis, (int, np.integer)) else tuple(axis)
    out = []
    for a in axes:
        if not -ndim <= a < builtins.max(ndim, 1) or (ndim == 0 and a not in (0, -1)):
            raise ValueError(f"{op}: axis {a} is out of bounds for a tensor of rank {ndim}.")
        out.append(int(a) % builtins.max(ndim, 1))
    if len(set(out)) != len(out):
        raise ValueError(f"{op}: repeated axis in {axis!r}.")
    return tuple(out)


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


def mean(x, axis=None, keepdims=False):
    x = float_tensor(x)
    return jnp.mean(x, axis=normalize_axis(axis, x.ndim, "mean"), keepdims=keepdims)


def var(x, axis=None, keepdims=False):
    x = float_tensor(x)
    return jnp.var(x, axis=normalize_axis(axis, x.ndim, "var"), keepdims=keepdims)


def std(x, axis=None, keepdims=False):
    x = float_tensor(x)
    return jnp.std(x, axis=normalize_axis(axis, x.ndim, "std"), keepdims=keepdims)


def cumsum(x, axis=None):
    x = tensor(x)
    if axis is None:
        x, axis = x.reshape(-1), 0
    axis = normalize_axis(axis, x.ndim, "cumsum")[0]
    return jnp.cumsum(x, axis=axis, dtype=_sum_dtype(x))


def any(x, axis=None, keepdims=False):
    x = tensor(x)
    return jnp.any(x, axis=normalize_axis(axis, x.ndim, "any"), keepdims=keepdims)


def all(x, axis=None, keepdims=False):
    x = tensor(x)
    return jnp.all(x, axis=normalize_axis(axis, x.ndim, "all"), keepdims=keepdims)


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
    axes = tuple(range(x.ndim)) if axes is None else axes
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
        axis = normalize_axis(axis, x.ndim, op)
        if len(axis) != 1:
            raise ValueError(f"{op}: axis must be an int or None, got {axis!r}.")
        axis = axis[0]
    if x.size == 0:
        raise ValueError(f"{op}: cannot take the {op} of an empty tensor of shape {tuple(x.shape)}.")
    return find(x, axis=axis, keepdims=keepdims).astype(_INT32)


def argmax(x, axis=None, keepdims=False):
    return _arg(x, axis, keepdims, "argmax", jnp.argmax)


def argmin(x, axis=None, keepdims=False):
    return _arg(x, axis, keepdims, "argmin", jnp.argmin)


# ----------------------------------------------------------------------------------------------
# Linear algebra


def matmul(x1, x2):
    x1, x2 = promote_all((x1, x2), "matmul")
    s1, s2 = x1.shape, x2.shape
    if not s1 or not s2:
        raise ValueError(f"matmul: operands must have rank >= 1, got shapes {tuple(s1)} and {tuple(s2)}.")
    inner2 = s2[0] if len(s2) == 1 else s2[-2]
    if s1[-1] != inner2:
        raise ValueError(f"matmul: inner dimensions differ: {tuple(s1)} @ {tuple(s2)}.")
    if len(s1) > 2 and len(s2) > 2:
        try:
            np.broadcast_shapes(s1[:-2], s2[:-2])
        except ValueError:
            raise ValueError(f"matmul: batch dimensions do not broadcast: {tuple(s1)} @ {tuple(s2)}.") from None
    return jnp.matmul(x1, x2)


def einsum(subscripts, *operands):
    operands = promote_all(operands, "einsum") if len(operands) > 1 else [tensor(operands[0])]
    try:
        return jnp.einsum(subscripts, *operands)
    except (ValueError, TypeError, IndexError) as error:
        shapes = ", ".join(str(tuple(o.shape)) for o in operands)
        raise ValueError(f"einsum: subscripts {subscripts!r} do not fit operand shapes {shapes}: {error}") from None
