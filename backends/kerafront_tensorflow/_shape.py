"""Section shape: shape manipulation, gathers, scatter and sorting (see ``kerafront.spec``).

Shape errors are checked in Python on static shapes (dimensions unknown while tracing are skipped)
so that bad input raises ``ValueError`` naming the op and the shapes instead of an
``InvalidArgumentError`` from a kernel; axes are normalised by ``kerafront.spec_rules``.

Gather indices out of ``[-size, size)`` raise ``spec_rules.index_error`` when they are eager (read
once on the host: one min/max there). In a ``tf.function`` graph they are unknown until run time,
where ``tf.gather`` raises ``InvalidArgumentError`` on CPU and yields zeros on GPU (TensorFlow's rule).
"""

import builtins
import math

import numpy as np

from kerafront.spec_rules import index_error, normalize_axis, single_axis, squeeze_axes
from kerafront_tensorflow._convert import as_tensor, operands, static_shape
from kerafront_tensorflow._creation import convert_to_tensor
from kerafront_tensorflow._tf import Tensor, tf


def _known(dims):
    return builtins.all(isinstance(d, int) for d in dims)


def reshape(x, newshape):
    """One entry may be -1; ``ValueError`` naming both shapes when the sizes differ."""
    x = as_tensor(x)
    if isinstance(newshape, (int, np.integer)):
        newshape = (int(newshape),)
    if isinstance(newshape, Tensor):
        return tf.reshape(x, newshape)
    newshape = tuple(newshape)
    old = static_shape(x)
    if _known(old) and _known(newshape):
        if builtins.sum(1 for d in newshape if d == -1) > 1 or builtins.any(d < -1 for d in newshape):
            raise ValueError(f"reshape: invalid target shape {newshape} (at most one -1, no other negatives).")
        size, known = math.prod(old), math.prod(d for d in newshape if d != -1)
        if (-1 in newshape and (known == 0 or size % known)) or (-1 not in newshape and size != known):
            raise ValueError(f"reshape: cannot reshape a tensor of shape {old} (size {size}) into shape {newshape}.")
    return tf.reshape(x, newshape)


def transpose(x, axes=None):
    x = as_tensor(x)
    if axes is None:
        return tf.transpose(x)
    rank = x.shape.rank
    axes = tuple(axes)
    if sorted(a % rank for a in axes) != list(range(rank)) or len(axes) != rank:
        raise ValueError(f"transpose: axes {axes} are not a permutation of the {rank} axes of shape "
                         f"{static_shape(x)}.")
    return tf.transpose(x, [a % rank for a in axes])


def expand_dims(x, axis):
    """``axis`` int or tuple; positions refer to the output, as in NumPy."""
    x = as_tensor(x)
    axes = (axis,) if isinstance(axis, int) else tuple(axis)
    for a in normalize_axis(axes, x.shape.rank + len(axes), "expand_dims"):
        x = tf.expand_dims(x, a)
    return x


def squeeze(x, axis=None):
    x = as_tensor(x)
    if axis is None:
        return tf.squeeze(x)
    axes = squeeze_axes(axis, static_shape(x))
    return tf.squeeze(x, list(axes)) if axes else x


def broadcast_to(x, shape):
    x = as_tensor(x)
    shape = tuple(shape) if not isinstance(shape, int) else (shape,)
    dims = static_shape(x)
    ok = len(dims) <= len(shape) and builtins.all(
        d is None or not isinstance(s, int) or d in (1, s) for d, s in zip(reversed(dims), reversed(shape)))
    if not ok:
        raise ValueError(f"broadcast_to: cannot broadcast shape {dims} to {shape}.")
    return tf.broadcast_to(x, shape)


def _joinable(op, xs, axis, skip_axis):
    """``xs`` promoted to one dtype and checked for one rank and equal sizes (but along ``axis`` when
    ``skip_axis``): the operands of concatenate and stack."""
    tensors = operands(*xs)
    if not tensors:
        raise ValueError(f"{op}: needs at least one tensor.")
    shapes = [static_shape(t) for t in tensors]
    rank = len(shapes[0])
    for s in shapes:
        if len(s) != rank:
            raise ValueError(f"{op}: all inputs must have the same rank, got shapes {shapes}.")
    if skip_axis and rank:
        axis = single_axis(axis, rank, op)
    for d in range(rank):
        if skip_axis and d == axis:
            continue
        sizes = {s[d] for s in shapes if s[d] is not None}
        if len(sizes) > 1:
            what = "except along the concatenation axis" if skip_axis else ""
            raise ValueError(f"{op}: input shapes must match {what}, got {shapes}.")
    return tensors


def concatenate(xs, axis=0):
    return tf.concat(_joinable("concatenate", xs, axis, skip_axis=True), axis)


def stack(xs, axis=0):
    return tf.stack(_joinable("stack", xs, axis, skip_axis=False), axis)


def split(x, indices_or_sections, axis=0):
    """An int must divide the axis; a list of split points gives ``x[p_i:p_{i+1}]`` pieces (NumPy)."""
    x = as_tensor(x)
    rank = x.shape.rank
    axis = single_axis(axis, rank, "split")
    size = static_shape(x)[axis]
    if isinstance(indices_or_sections, (int, np.integer)):
        sections = int(indices_or_sections)
        if sections <= 0 or (size is not None and size % sections):
            raise ValueError(f"split: {sections} sections do not divide axis {axis} of size {size} "
                             f"(shape {static_shape(x)}); pass split points instead.")
        return tf.split(x, sections, axis)
    points = [int(p) for p in indices_or_sections]
    bounds = [None] + points + [None]
    lead = (builtins.slice(None),) * axis
    return [x[lead + (builtins.slice(a, b),)] for a, b in zip(bounds[:-1], bounds[1:])]


def tile(x, repeats):
    x = as_tensor(x)
    repeats = [int(repeats)] if isinstance(repeats, (int, np.integer)) else [int(r) for r in repeats]
    rank = x.shape.rank
    if len(repeats) > rank:
        x = tf.reshape(x, [1] * (len(repeats) - rank) + list(shape_list(x)))
    repeats = [1] * (x.shape.rank - len(repeats)) + repeats
    return tf.tile(x, repeats)


def shape_list(x):
    """Shape entries as ints where static, else scalar tensors."""
    dims = static_shape(x)
    if None not in dims:
        return list(dims)
    dynamic = tf.shape(x)
    return [dynamic[i] if d is None else d for i, d in enumerate(dims)]


def repeat(x, repeats, axis=None):
    x = as_tensor(x)
    if axis is not None:
        axis = single_axis(axis, x.shape.rank, "repeat")
    return tf.repeat(x, repeats, axis=axis)


_PAD_MODES = {"constant": "CONSTANT", "reflect": "REFLECT", "symmetric": "SYMMETRIC"}


def _pad_pairs(pad_width, rank):
    """``pad_width`` as ``rank`` pairs: an int, one (before, after) pair, or one pair per axis."""
    array = np.asarray(pad_width, dtype=np.int64)
    if array.ndim == 0:
        array = np.full((rank, 2), int(array))
    elif array.shape in ((2,), (1, 2)):
        array = np.tile(array.reshape(1, 2), (rank, 1))
    elif array.shape == (rank, 1):
        array = np.tile(array, (1, 2))
    if array.shape != (rank, 2):
        raise ValueError(f"pad: pad_width must be an int, a (before, after) pair or {rank} pairs, got {pad_width!r}.")
    if (array < 0).any():
        raise ValueError(f"pad: pad_width must be non-negative, got {pad_width!r}.")
    return array.tolist()


def pad(x, pad_width, mode="constant", constant_values=0):
    """``mode``: constant, reflect (pad < size) or symmetric (pad <= size) per axis."""
    x = as_tensor(x)
    if mode not in _PAD_MODES:
        raise ValueError(f"pad: mode must be one of {tuple(_PAD_MODES)}, got {mode!r}.")
    pairs = _pad_pairs(pad_width, x.shape.rank)
    dims = static_shape(x)
    if mode != "constant":
        for axis, ((before, after), size) in enumerate(zip(pairs, dims)):
            limit = size - 1 if mode == "reflect" else size
            if size is not None and builtins.max(before, after) > limit:
                raise ValueError(f"pad: mode {mode!r} needs padding <= {limit} on axis {axis} of shape {dims}, "
                                 f"got {(before, after)}.")
        return tf.pad(x, pairs, mode=_PAD_MODES[mode])
    return tf.pad(x, pairs, constant_values=tf.cast(constant_values, x.dtype))


def flip(x, axis=None):
    x = as_tensor(x)
    return tf.reverse(x, list(normalize_axis(axis, x.shape.rank, "flip")))


def slice(x, start_indices, shape):
    x = as_tensor(x)
    return tf.slice(x, list(start_indices), list(shape))


def _indices(op, indices, size, axis, shape):
    """int32 indices with negatives wrapped; eager indices out of ``[-size, size)`` raise ``index_error``
    (``axis`` and ``shape``: the axis and shape of ``x`` the caller gave, for the message)."""
    tensor = None
    if isinstance(indices, Tensor):
        if indices.dtype.is_floating or indices.dtype is tf.bool:
            raise TypeError(f"{op}: indices must be integers, got dtype {indices.dtype.name}.")
        if not hasattr(indices, "numpy") or size is None:
            indices = tf.cast(indices, tf.int32)
            return indices if size is None else tf.where(indices < 0, indices + size, indices)
        tensor, indices = indices, indices.numpy()
    array = np.asarray(indices)
    if array.dtype.kind not in "iu":
        raise TypeError(f"{op}: indices must be integers, got dtype {array.dtype}.")
    if size is None or not array.size:
        return tf.constant(array.astype(np.int32)) if tensor is None else tf.cast(tensor, tf.int32)
    low, high = array.min(), array.max()
    if low < -size or high >= size:
        raise index_error(op, low, high, size, axis, shape)
    if low < 0:
        return tf.constant(np.where(array < 0, array + size, array).astype(np.int32))
    return tf.constant(array.astype(np.int32)) if tensor is None else tf.cast(tensor, tf.int32)


def take(x, indices, axis=None):
    x = as_tensor(x)
    shape, named_axis = static_shape(x), axis
    if axis is None:
        x, axis = tf.reshape(x, [-1]), 0
    else:
        axis = named_axis = single_axis(axis, x.shape.rank, "take")
    return tf.gather(x, _indices("take", indices, static_shape(x)[axis], named_axis, shape), axis=axis)


def take_along_axis(x, indices, axis=None):
    """NumPy's ``take_along_axis``: the non-``axis`` dims of ``x`` and ``indices`` broadcast."""
    x = as_tensor(x)
    shape, named_axis = static_shape(x), axis
    if axis is None:
        x, axis = tf.reshape(x, [-1]), 0
    rank = x.shape.rank
    axis = single_axis(axis, rank, "take_along_axis")
    if named_axis is not None:
        named_axis = axis
    indices = _indices("take_along_axis", indices, static_shape(x)[axis], named_axis, shape)
    if indices.shape.rank != rank:
        raise ValueError(f"take_along_axis: indices must have the rank of x ({rank}), got shape "
                         f"{static_shape(indices)} for x of shape {static_shape(x)}.")
    x_dims, i_dims = static_shape(x), static_shape(indices)
    if builtins.any(a != b and not (a is None and b is None)
                    for d, (a, b) in enumerate(zip(x_dims, i_dims)) if d != axis):
        x_shape, i_shape = tf.shape(x), tf.shape(indices)
        batch = tf.broadcast_dynamic_shape(tf.tensor_scatter_nd_update(x_shape, [[axis]], [1]),
                                           tf.tensor_scatter_nd_update(i_shape, [[axis]], [1]))
        x = tf.broadcast_to(x, tf.tensor_scatter_nd_update(batch, [[axis]], [x_shape[axis]]))
        indices = tf.broadcast_to(indices, tf.tensor_scatter_nd_update(batch, [[axis]], [i_shape[axis]]))
    if axis == rank - 1:
        return tf.gather(x, indices, axis=axis, batch_dims=axis)
    perm = [d for d in range(rank) if d != axis] + [axis]
    inverse = [perm.index(d) for d in range(rank)]
    out = tf.gather(tf.transpose(x, perm), tf.transpose(indices, perm), axis=rank - 1, batch_dims=rank - 1)
    return tf.transpose(out, inverse)


def scatter(indices, values, shape):
    """``tf.scatter_nd``: duplicates add up."""
    values = as_tensor(values)
    indices = convert_to_tensor(indices, "int32")
    return tf.scatter_nd(indices, values, list(shape))


def sort(x, axis=-1):
    """Ascending and stable (TensorFlow sorts through ``top_k``, which keeps the lower index first)."""
    x = as_tensor(x)
    if x.shape.rank:
        axis = single_axis(axis, x.shape.rank, "sort")
    if 0 in static_shape(x):
        return tf.identity(x)  # TensorFlow's sort gradient fails on empty tensors
    if x.dtype is tf.bool:
        return tf.cast(tf.sort(tf.cast(x, tf.int32), axis=axis), tf.bool)
    return tf.sort(x, axis=axis)


def argsort(x, axis=-1):
    x = as_tensor(x)
    if x.shape.rank:
        axis = single_axis(axis, x.shape.rank, "argsort")
    if x.dtype is tf.bool:
        x = tf.cast(x, tf.int32)
    return tf.argsort(x, axis=axis, stable=True)


def top_k(x, k, sorted=True):
    """``(values, int32 indices)`` of the ``k`` largest along the last axis; ties keep the lower index first."""
    x = as_tensor(x)
    n = static_shape(x)[-1] if x.shape.rank else None
    if x.shape.rank == 0 or (n is not None and not 0 <= k <= n):
        raise ValueError(f"top_k: k={k} must be in [0, {n}] for the last axis of shape {static_shape(x)}.")
    result = tf.math.top_k(x, k=k, sorted=sorted)
    return result.values, result.indices
