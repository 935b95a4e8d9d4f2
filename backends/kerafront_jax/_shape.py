"""Shape manipulation, gathering, scattering and sorting on ``jax.Array``.

Shape checks run in Python on static shapes (also while tracing under ``jax.jit``), so bad
arguments raise kerafront's ``ValueError`` instead of a JAX traceback. Gather indices are
normalised to int32 with negative values counted from the end; out-of-range indices raise
``spec_rules.index_error`` when the indices are concrete (NumPy or Python indices are checked on the
host, an eager array with one min/max reduction) and fill their positions inside a traced function
(NaN for floats, the dtype's minimum for integers: ``mode="fill"``), so a jitted step that gathers
with a bad index gives NaN rather than a neighbour's value.
"""

import builtins
import functools
import math

import jax
import jax.numpy as jnp
import numpy as np
from jax import lax

from kerafront.spec_rules import index_error, normalize_axis, single_axis, squeeze_axes

from kerafront_jax._convert import promote_all, tensor

_INT32 = jnp.dtype("int32")
_INTS = (int, np.integer)


def _shape_tuple(value):
    return (int(value),) if isinstance(value, _INTS) else tuple(int(d) for d in value)


def reshape(x, newshape):
    x = tensor(x)
    target = _shape_tuple(newshape)
    unknown = [i for i, d in enumerate(target) if d == -1]
    known = math.prod(d for d in target if d != -1)
    if len(unknown) > 1 or builtins.any(d < -1 for d in target):
        bad = True
    elif unknown:
        bad = known == 0 or x.size % known != 0
    else:
        bad = known != x.size
    if bad:
        raise ValueError(f"reshape: cannot reshape a tensor of shape {tuple(x.shape)} ({x.size} elements) "
                         f"into shape {target}.")
    return jnp.reshape(x, target)


def transpose(x, axes=None):
    x = tensor(x)
    if axes is None:
        return jnp.transpose(x)
    axes = tuple(int(a) for a in axes)
    if sorted(a % builtins.max(x.ndim, 1) for a in axes) != list(range(x.ndim)) or len(axes) != x.ndim:
        raise ValueError(f"transpose: axes {axes} are not a permutation of the {x.ndim} axes of shape "
                         f"{tuple(x.shape)}.")
    return jnp.transpose(x, axes)


def expand_dims(x, axis):
    x = tensor(x)
    axes = (axis,) if isinstance(axis, _INTS) else tuple(axis)
    out_ndim = x.ndim + len(axes)
    normalize_axis(axes, out_ndim, "expand_dims")
    return jnp.expand_dims(x, axes)


def squeeze(x, axis=None):
    x = tensor(x)
    if axis is None:
        return jnp.squeeze(x)
    return jnp.squeeze(x, squeeze_axes(axis, x.shape))


def broadcast_to(x, shape):
    x = tensor(x)
    target = _shape_tuple(shape)
    try:
        if np.broadcast_shapes(tuple(x.shape), target) != target:
            raise ValueError
    except ValueError:
        raise ValueError(f"broadcast_to: cannot broadcast shape {tuple(x.shape)} to {target}.") from None
    return jnp.broadcast_to(x, target)


def _same_dtype(xs, op):
    xs = list(xs)
    if not xs:
        raise ValueError(f"{op}: needs at least one tensor, got an empty sequence.")
    first = xs[0]
    if builtins.all(isinstance(x, jax.Array) and x.dtype == getattr(first, "dtype", None) for x in xs):
        return xs
    return promote_all(xs, op) if len(xs) > 1 else [tensor(first)]


def concatenate(xs, axis=0):
    xs = _same_dtype(xs, "concatenate")
    rank = xs[0].ndim
    axis = single_axis(axis, rank, "concatenate")
    for x in xs:
        if x.ndim != rank or builtins.any(x.shape[d] != xs[0].shape[d] for d in range(rank) if d != axis):
            shapes = [tuple(t.shape) for t in xs]
            raise ValueError(f"concatenate: shapes {shapes} differ outside axis {axis}.")
    return jnp.concatenate(xs, axis=axis)


def stack(xs, axis=0):
    xs = _same_dtype(xs, "stack")
    if builtins.any(x.shape != xs[0].shape for x in xs):
        raise ValueError(f"stack: all tensors need the same shape, got {[tuple(x.shape) for x in xs]}.")
    return jnp.stack(xs, axis=single_axis(axis, xs[0].ndim + 1, "stack"))


def split(x, indices_or_sections, axis=0):
    x = tensor(x)
    axis = single_axis(axis, x.ndim, "split")
    if isinstance(indices_or_sections, _INTS):
        sections = int(indices_or_sections)
        if sections <= 0 or x.shape[axis] % sections:
            raise ValueError(f"split: {sections} sections do not divide axis {axis} of shape {tuple(x.shape)} "
                             f"equally; pass split points as a list instead.")
        return jnp.split(x, sections, axis=axis)
    return jnp.split(x, [int(i) for i in indices_or_sections], axis=axis)


def tile(x, repeats):
    return jnp.tile(tensor(x), repeats)


def repeat(x, repeats, axis=None):
    x = tensor(x)
    if axis is not None:
        axis = single_axis(axis, x.ndim, "repeat")
    return jnp.repeat(x, repeats, axis=axis)


_PAD_MODES = ("constant", "reflect", "symmetric")


def pad(x, pad_width, mode="constant", constant_values=0):
    x = tensor(x)
    if mode not in _PAD_MODES:
        raise ValueError(f"pad: mode must be one of {_PAD_MODES}, got {mode!r}.")
    widths = np.broadcast_to(np.asarray(pad_width, dtype=np.int64), (x.ndim, 2)) if x.ndim else ()
    if np.any(np.asarray(widths) < 0):
        raise ValueError(f"pad: pad widths must be >= 0, got {pad_width!r}.")
    widths = tuple((int(b), int(a)) for b, a in widths)
    if mode == "constant":
        return jnp.pad(x, widths, mode="constant", constant_values=constant_values)
    return jnp.pad(x, widths, mode=mode)


def flip(x, axis=None):
    x = tensor(x)
    return jnp.flip(x, axis=normalize_axis(axis, x.ndim, "flip"))


def slice(x, start_indices, shape):
    x = tensor(x)
    sizes = _shape_tuple(shape)
    starts = tuple(start_indices)
    if len(starts) != x.ndim or len(sizes) != x.ndim:
        raise ValueError(f"slice: start_indices {starts} and shape {sizes} need one entry per axis of "
                         f"shape {tuple(x.shape)}.")
    if builtins.all(isinstance(s, _INTS) for s in starts):
        ends = tuple(int(s) + n for s, n in zip(starts, sizes))
        if builtins.any(s < 0 or e > d for s, e, d in zip(starts, ends, x.shape)):
            raise ValueError(f"slice: start {starts} with size {sizes} exceeds shape {tuple(x.shape)}.")
        return lax.slice(x, tuple(int(s) for s in starts), ends)
    return lax.dynamic_slice(x, [tensor(s) for s in starts], sizes)


def _indices(indices, op):
    """``indices`` as an int32 array (NumPy/Python indices are checked on the host)."""
    if isinstance(indices, jax.Array):
        if not jnp.issubdtype(indices.dtype, jnp.integer):
            raise TypeError(f"{op}: indices must be integers, got dtype {indices.dtype}.")
        return indices if indices.dtype == _INT32 else indices.astype(_INT32)
    array = np.asarray(indices)
    if array.dtype.kind not in "iu":
        raise TypeError(f"{op}: indices must be integers, got dtype {array.dtype}.")
    return array.astype(np.int32)


@jax.jit
def _bounds(indices):
    return jnp.stack([jnp.min(indices), jnp.max(indices)])


def _check_bounds(op, indices, size, axis, shape):
    """Raise for indices outside ``[-size, size)`` when they are concrete (not while tracing)."""
    if isinstance(indices, jax.core.Tracer) or not indices.size:
        return
    low, high = (indices.min(), indices.max()) if isinstance(indices, np.ndarray) else _bounds(indices).tolist()
    if low < -size or high >= size:
        raise index_error(op, low, high, size, axis, shape)


def take(x, indices, axis=None):
    x = tensor(x)
    shape, named_axis = tuple(x.shape), axis
    indices = _indices(indices, "take")
    if axis is None:
        x, axis = x.reshape(-1), 0
    else:
        axis = named_axis = single_axis(axis, x.ndim, "take")
    _check_bounds("take", indices, x.shape[axis], named_axis, shape)
    return _take(x, indices, axis)


@functools.partial(jax.jit, static_argnums=2)
def _take(x, indices, axis):
    return jnp.take(x, indices, axis=axis, mode="fill")


def take_along_axis(x, indices, axis=None):
    x = tensor(x)
    shape, named_axis = tuple(x.shape), axis
    indices = _indices(indices, "take_along_axis")
    if axis is None:
        x, indices, axis = x.reshape(-1), indices.reshape(-1), 0
    if indices.ndim != x.ndim:
        raise ValueError(f"take_along_axis: indices need the rank of x: x {tuple(x.shape)}, "
                         f"indices {tuple(indices.shape)}.")
    if named_axis is not None:
        axis = named_axis = single_axis(axis, x.ndim, "take_along_axis")
    _check_bounds("take_along_axis", indices, x.shape[axis], named_axis, shape)
    return jnp.take_along_axis(x, jnp.asarray(indices), axis=axis, mode="fill")


def scatter(indices, values, shape):
    values = tensor(values)
    indices = _indices(indices, "scatter")
    target = _shape_tuple(shape)
    if indices.ndim != 2 or indices.shape[1] > len(target):
        raise ValueError(f"scatter: indices must have shape (N, k) with k <= {len(target)} (rank of {target}), "
                         f"got {tuple(indices.shape)}.")
    expected = (indices.shape[0],) + target[indices.shape[1]:]
    if tuple(values.shape) != expected:
        raise ValueError(f"scatter: values must have shape {expected} for indices {tuple(indices.shape)} "
                         f"and shape {target}, got {tuple(values.shape)}.")
    indices = jnp.asarray(indices)
    index = tuple(indices[:, i] for i in range(indices.shape[1]))
    return jnp.zeros(target, dtype=values.dtype).at[index].add(values)


def sort(x, axis=-1):
    x = tensor(x)
    if axis is not None:
        axis = single_axis(axis, x.ndim, "sort")
    return jnp.sort(x, axis=axis, stable=True)


def argsort(x, axis=-1):
    x = tensor(x)
    if axis is not None:
        axis = single_axis(axis, x.ndim, "argsort")
    return jnp.argsort(x, axis=axis, stable=True).astype(_INT32)


def top_k(x, k, sorted=True):
    """``lax.top_k`` (always sorted, descending; ties keep the lower index first)."""
    x = tensor(x)
    if x.ndim == 0 or not 0 <= k <= x.shape[-1]:
        raise ValueError(f"top_k: k must be in [0, {x.shape[-1] if x.ndim else 0}] for shape {tuple(x.shape)}, "
                         f"got k={k}.")
    values, indices = lax.top_k(x, int(k))
    return values, indices.astype(_INT32)
