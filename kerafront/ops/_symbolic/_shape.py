"""Shape-manipulation rules (reshape, concatenate, split, pad, take, top_k, ...) and ``getitem``, the
basic indexing of a KerasTensor (not a primitive: eager tensors index natively)."""

import builtins
import math

import numpy as np

from kerafront._keras_tensor import KerasTensor
from kerafront.ops._symbolic._arguments import (broadcast, dims, int_indices, known, merge, promote, rule,
                                                same_shape, shape_of, size_of, spec_of)
from kerafront.spec_rules import normalize_axis, single_axis, squeeze_axes


@rule
def reshape(x, newshape):
    shape, dtype = spec_of(x, "reshape")
    target = dims(newshape, "reshape", "newshape")
    size = size_of(shape)
    inferred = [i for i, d in enumerate(target) if d == -1]
    if len(inferred) > 1 or any(d is not None and d < -1 for d in target):
        raise ValueError(f"reshape: newshape {target} may hold one -1 and otherwise sizes >= 0.")
    rest = [d for d in target if d != -1]
    if size is not None and known(*rest):
        rest_size = math.prod(rest)
        if (rest_size != size) if not inferred else (rest_size == 0 or size % rest_size):
            raise ValueError(f"reshape: cannot reshape a tensor of shape {shape} ({size} elements) into shape "
                             f"{target}.")
        if inferred:
            target = tuple(size // rest_size if d == -1 else d for d in target)
    return KerasTensor(tuple(None if d == -1 else d for d in target), dtype)


@rule
def transpose(x, axes=None):
    shape, dtype = spec_of(x, "transpose")
    if axes is None:
        return KerasTensor(shape[::-1], dtype)
    if sorted(a % max(len(shape), 1) for a in axes) != list(range(len(shape))):
        raise ValueError(f"transpose: axes {tuple(axes)} are not a permutation of the {len(shape)} axes of shape "
                         f"{shape}.")
    return KerasTensor(tuple(shape[a] for a in axes), dtype)


@rule
def expand_dims(x, axis):
    shape, dtype = spec_of(x, "expand_dims")
    rank = len(shape) + (1 if isinstance(axis, int) else len(axis))
    axes = normalize_axis(axis, rank, "expand_dims")
    remaining = iter(shape)
    return KerasTensor(tuple(1 if i in axes else next(remaining) for i in range(rank)), dtype)


@rule
def squeeze(x, axis=None):
    """With ``axis=None`` an unknown dim is kept (taken not to be 1, as Keras does)."""
    shape, dtype = spec_of(x, "squeeze")
    axes = tuple(i for i, d in enumerate(shape) if d == 1) if axis is None else squeeze_axes(axis, shape)
    return KerasTensor(tuple(d for i, d in enumerate(shape) if i not in axes), dtype)


@rule
def broadcast_to(x, shape):
    x_shape, dtype = spec_of(x, "broadcast_to")
    target = dims(shape, "broadcast_to")
    padded = (1,) * (len(target) - len(x_shape)) + x_shape
    if len(x_shape) > len(target) or any(known(d, t) and d not in (1, t) for d, t in zip(padded, target)):
        raise ValueError(f"broadcast_to: cannot broadcast shape {x_shape} to {target}.")
    return KerasTensor(tuple(d if t is None and d != 1 else t for d, t in zip(padded, target)), dtype)


def _sequence(xs, op):
    if not isinstance(xs, (list, tuple)) or not xs:
        raise ValueError(f"{op}: needs a non-empty sequence of tensors, got {xs!r}.")
    return [shape_of(x, op) for x in xs]


@rule
def concatenate(xs, axis=0):
    shapes = _sequence(xs, "concatenate")
    axis = single_axis(axis, len(shapes[0]), "concatenate")
    out = list(shapes[0])
    for other in shapes[1:]:
        if len(other) != len(out) or any(
                i != axis and known(a, b) and a != b for i, (a, b) in enumerate(zip(out, other))):
            raise ValueError(f"concatenate: cannot join shapes {shapes} along axis {axis}.")
        out = [(a + b if known(a, b) else None) if i == axis else merge(a, b)
               for i, (a, b) in enumerate(zip(out, other))]
    return KerasTensor(out, promote(*xs))


@rule
def stack(xs, axis=0):
    shapes = _sequence(xs, "stack")
    shape = shapes[0]
    for other in shapes[1:]:
        shape = same_shape("stack", shape, other)
    axis = single_axis(axis, len(shape) + 1, "stack")
    return KerasTensor(shape[:axis] + (len(shapes),) + shape[axis:], promote(*xs))


@rule
def split(x, indices_or_sections, axis=0):
    shape, dtype = spec_of(x, "split")
    axis = single_axis(axis, len(shape), "split")
    length = shape[axis]
    if isinstance(indices_or_sections, int):
        sections = indices_or_sections
        if sections <= 0 or (length is not None and length % sections):
            raise ValueError(f"split: {sections} sections do not divide axis {axis} of shape {shape} (size {length}); "
                             "pass split points instead.")
        sizes = [None if length is None else length // sections] * sections
    else:
        bounds = [0] + [int(p) for p in indices_or_sections] + [None]
        sizes = [None if length is None else len(range(length)[start:stop])
                 for start, stop in zip(bounds[:-1], bounds[1:])]
    return [KerasTensor(shape[:axis] + (n,) + shape[axis + 1:], dtype) for n in sizes]


@rule
def tile(x, repeats):
    shape, dtype = spec_of(x, "tile")
    reps = dims(repeats, "tile", "repeats")
    rank = max(len(reps), len(shape))
    reps, shape = (1,) * (rank - len(reps)) + reps, (1,) * (rank - len(shape)) + shape
    return KerasTensor(tuple(d * r if known(d, r) else None for d, r in zip(shape, reps)), dtype)


@rule
def repeat(x, repeats, axis=None):
    if not isinstance(repeats, int) or repeats < 0:
        raise ValueError(f"repeat: repeats must be a non-negative int, got {repeats!r}.")
    shape, dtype = spec_of(x, "repeat")
    if axis is None:
        size = size_of(shape)
        return KerasTensor((None if size is None else size * repeats,), dtype)
    axis = single_axis(axis, len(shape), "repeat")
    length = shape[axis]
    return KerasTensor(shape[:axis] + (None if length is None else length * repeats,) + shape[axis + 1:], dtype)


@rule
def pad(x, pad_width, mode="constant", constant_values=0):
    shape, dtype = spec_of(x, "pad")
    if mode not in ("constant", "reflect", "symmetric"):
        raise ValueError(f"pad: mode must be 'constant', 'reflect' or 'symmetric', got {mode!r}.")
    widths = np.broadcast_to(np.asarray(pad_width, dtype=np.int64), (len(shape), 2)) if shape else np.zeros((0, 2))
    if (widths < 0).any():
        raise ValueError(f"pad: pad widths must be non-negative, got {pad_width!r}.")
    if mode == "reflect" and any(n is not None and max(w) >= n for w, n in zip(widths, shape) if max(w)):
        raise ValueError(f"pad: reflect padding {widths.tolist()} needs every pad width < the axis size (shape "
                         f"{shape}).")
    return KerasTensor(tuple(None if n is None else n + int(b) + int(a) for (b, a), n in zip(widths, shape)), dtype)


@rule
def flip(x, axis=None):
    shape, dtype = spec_of(x, "flip")
    normalize_axis(axis, len(shape), "flip")
    return KerasTensor(shape, dtype)


@rule
def slice(x, start_indices, shape):
    x_shape, dtype = spec_of(x, "slice")
    starts, sizes = dims(start_indices, "slice", "start_indices"), dims(shape, "slice")
    if len(starts) != len(x_shape) or len(sizes) != len(x_shape):
        raise ValueError(f"slice: start_indices {starts} and shape {sizes} need one entry per axis of the input "
                         f"(shape {x_shape}).")
    for s, n, size in zip(starts, sizes, x_shape):
        if (s is not None and s < 0) or (n is not None and n < 0) or (known(s, n, size) and s + n > size):
            raise ValueError(f"slice: start {starts} with shape {sizes} leaves the input of shape {x_shape}.")
    return KerasTensor(sizes, dtype)


@rule
def take(x, indices, axis=None):
    shape, dtype = spec_of(x, "take")
    index_shape = int_indices(indices, "take")
    if axis is None:
        return KerasTensor(index_shape, dtype)
    axis = single_axis(axis, len(shape), "take")
    return KerasTensor(shape[:axis] + index_shape + shape[axis + 1:], dtype)


@rule
def take_along_axis(x, indices, axis=None):
    shape, dtype = spec_of(x, "take_along_axis")
    index_shape = int_indices(indices, "take_along_axis")
    if axis is None:
        return KerasTensor(index_shape, dtype)
    if len(index_shape) != len(shape):
        raise ValueError(f"take_along_axis: indices must have the rank of x ({len(shape)}), got shape {index_shape}.")
    axis = single_axis(axis, len(shape), "take_along_axis")
    others = broadcast("take_along_axis",
                       [shape[:axis] + shape[axis + 1:], index_shape[:axis] + index_shape[axis + 1:]])
    return KerasTensor(others[:axis] + (index_shape[axis],) + others[axis:], dtype)


@rule
def scatter(indices, values, shape):
    index_shape = int_indices(indices, "scatter")
    out = dims(shape, "scatter")
    if len(index_shape) != 2 or (index_shape[1] is not None and index_shape[1] > len(out)):
        raise ValueError(f"scatter: indices must have shape (N, k) with k <= rank {len(out)}, got {index_shape}.")
    return KerasTensor(out, spec_of(values, "scatter")[1] or promote(values))


def _sorted(name, x, axis, dtype=None):
    shape, x_dtype = spec_of(x, name)
    if shape:
        single_axis(axis, len(shape), name)
    return KerasTensor(shape, dtype or x_dtype)


@rule
def sort(x, axis=-1):
    return _sorted("sort", x, axis)


@rule
def argsort(x, axis=-1):
    return _sorted("argsort", x, axis, "int32")


@rule
def top_k(x, k, sorted=True):
    shape, dtype = spec_of(x, "top_k")
    if not shape:
        raise ValueError("top_k: needs a tensor of rank >= 1, got a scalar.")
    if int(k) < 0 or (shape[-1] is not None and int(k) > shape[-1]):
        raise ValueError(f"top_k: k={k} is out of range for a last axis of size {shape[-1]}.")
    out = shape[:-1] + (int(k),)
    return KerasTensor(out, dtype), KerasTensor(out, "int32")


def getitem(x, index):
    """``x[index]`` for basic indexing (ints, slices, ``None``, ``...``): the result's KerasTensor.

    Not a primitive (eager tensors index natively): ``KerasTensor.__getitem__`` calls it.
    """
    shape, dtype = spec_of(x, "getitem")
    items = index if isinstance(index, tuple) else (index,)
    if any(not (isinstance(i, (int, builtins.slice)) or i is None or i is Ellipsis) for i in items):
        raise TypeError(f"getitem: a symbolic tensor takes ints, slices, None and ... as indices, got {index!r}; "
                        "use kerafront.ops.take or take_along_axis to gather with tensors.")
    used = sum(1 for i in items if i is not None and i is not Ellipsis)
    if used > len(shape) or sum(1 for i in items if i is Ellipsis) > 1:
        raise IndexError(f"getitem: index {index!r} has too many entries for shape {shape}.")
    if Ellipsis in items:
        at = items.index(Ellipsis)
        items = items[:at] + (builtins.slice(None),) * (len(shape) - used) + items[at + 1:]
    else:
        items = items + (builtins.slice(None),) * (len(shape) - used)
    out, remaining = [], iter(shape)
    for item in items:
        if item is None:
            out.append(1)
            continue
        size = next(remaining)
        if isinstance(item, builtins.slice):
            full = item.start is None and item.stop is None and item.step in (None, 1)
            out.append(size if full else None if size is None else len(range(size)[item]))
        elif size is not None and not -size <= item < size:
            raise IndexError(f"getitem: index {item} is out of range for an axis of size {size} (shape {shape}).")
    return KerasTensor(out, dtype)
