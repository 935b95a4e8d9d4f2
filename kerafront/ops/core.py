"""Keras's update, selection and casting ops (``keras.ops``) as composites of the spec's primitives.

``scatter_update`` and ``slice_update`` return updated copies; ``unstack``, ``in_top_k``, ``cdist``,
``saturate_cast``, ``unique`` (eager, or sized for compiled functions) and ``view`` (on the
``bitcast`` primitive). Names, arguments and defaults are Keras 3's; the values NumPy's (or, where
NumPy has no such op, JAX's, which Keras follows on its JAX backend).
"""

import builtins

from kerafront._keras_tensor import KerasTensor
from kerafront.config import floatx
from kerafront.dtypes import is_float, result_type, standardize_dtype
from kerafront.ops._dispatch import composite
from kerafront.ops._primitives import (add, all, any, arange, argsort, bitcast, cast, clip, concatenate,
                                       convert_to_numpy, convert_to_tensor, cumsum, dtype as dtype_of, equal,
                                       expand_dims, greater, greater_equal, less, logical_and, logical_not, max,
                                       maximum, min, minimum, multiply, not_equal, ones, prod, reshape, scatter,
                                       shape as shape_of, slice, split, sqrt, squeeze, subtract, sum, take,
                                       take_along_axis, top_k, where, zeros)

__all__ = ["cdist", "in_top_k", "saturate_cast", "scatter_update", "slice_update", "unique", "unstack", "view"]


def _axis(axis, rank, op):
    if not isinstance(axis, int) or not -rank <= axis < rank:
        raise ValueError(f"{op}: axis must be an int in [{-rank}, {rank}) for a tensor of rank {rank}, "
                         f"received {axis!r}.")
    return axis % rank


def _static_dim(size, op, what):
    if size is None:
        raise ValueError(f"{op}: {what} must be known (not None) to build the op; received an unknown size.")
    return size


# ----------------------------------------------------------------------------------------------
# Updates

def _check_reduction(reduction):
    if reduction is None:
        return None
    name = reduction.lower() if isinstance(reduction, str) else reduction
    if name not in ("add", "max", "min", "mul"):
        raise ValueError(f"scatter_update: invalid reduction {reduction!r}; expected None, 'add', 'max', 'min' "
                         "or 'mul'.")
    return name


@composite
def scatter_update(inputs, indices, updates, reduction=None):
    """``inputs`` with ``inputs[indices[i]] = updates[i]`` for each row ``i``: a new tensor, ``inputs``'s dtype.

    ``indices``: ints of shape ``(N, k)``, ``k <= inputs.ndim`` (a row names ``inputs[i0, .., ik-1]``);
    ``updates``: shape ``(N, *inputs.shape[k:])``. A position named by several rows takes the last
    one's update (``reduction=None``), or combines its updates and the input value with ``"add"``,
    ``"max"``, ``"min"`` or ``"mul"``. Rows are compared pairwise (memory ``N * N * update size``).
    """
    reduction = _check_reduction(reduction)
    inputs = convert_to_tensor(inputs)
    out_dtype = dtype_of(inputs)
    indices = cast(convert_to_tensor(indices), "int32")
    updates = cast(convert_to_tensor(updates), out_dtype)
    shape, index_shape, update_shape = tuple(shape_of(inputs)), tuple(shape_of(indices)), tuple(shape_of(updates))
    if len(index_shape) != 2 or not 1 <= index_shape[1] <= len(shape):
        raise ValueError(f"scatter_update: indices must have shape (N, k) with 1 <= k <= {len(shape)} (the rank of "
                         f"inputs {shape}); received shape {index_shape}.")
    k = index_shape[1]
    if update_shape != (index_shape[0],) + shape[k:]:
        raise ValueError(f"scatter_update: updates must have shape (N,) + inputs.shape[{k}:] = "
                         f"{(index_shape[0],) + shape[k:]}; received {update_shape}.")
    hit = greater(scatter(indices, ones(update_shape, dtype="float32"), shape), 0.0)
    if reduction == "add":
        return cast(add(inputs, scatter(indices, updates, shape)), out_dtype)
    n, tail = index_shape[0], (1,) * (len(update_shape) - 1)
    same = all(equal(expand_dims(indices, 1), expand_dims(indices, 0)), axis=-1)      # (N, N): rows i, j equal
    order = arange(n)
    later_duplicate = any(logical_and(same, less(expand_dims(order, 1), expand_dims(order, 0))), axis=1)
    last = reshape(logical_not(later_duplicate), (n,) + tail)   # the row whose update lands
    if reduction is not None:
        same = reshape(same, (n, n) + tail)
        own, others = expand_dims(updates, 1), expand_dims(updates, 0)
        if reduction == "mul":
            updates = prod(where(same, others, ones((), dtype=out_dtype)), axis=1)
        else:
            pool = where(same, others, own)             # row i's group; row i itself where j is elsewhere
            updates = (max if reduction == "max" else min)(pool, axis=1)
    placed = scatter(indices, where(last, updates, zeros((), dtype=out_dtype)), shape)
    if reduction == "mul":
        placed = multiply(inputs, placed)
    elif reduction is not None:
        placed = (maximum if reduction == "max" else minimum)(inputs, placed)
    return where(hit, placed, inputs)


@composite
def slice_update(inputs, start_indices, updates):
    """``inputs`` with the block at ``start_indices`` (one start per axis) replaced by ``updates``.

    ``start_indices``: a list (ints or scalar tensors) or a 1-D int tensor. ``updates`` has ``inputs``'s
    rank and fits inside it. Python-int starts are checked (``ValueError`` when the block would reach
    past an edge); tensor starts are clamped so that the block fits, as ``jax.lax.dynamic_update_slice``
    does. Built from ``take`` and ``where``, so the starts may be tensors inside compiled functions.
    Result dtype: ``inputs``'s.
    """
    inputs = convert_to_tensor(inputs)
    out_dtype = dtype_of(inputs)
    updates = cast(convert_to_tensor(updates), out_dtype)
    shape, update_shape = tuple(shape_of(inputs)), tuple(shape_of(updates))
    if isinstance(start_indices, (list, tuple)):
        starts = list(start_indices)
    else:  # a 1-D tensor of starts
        starts = unstack(start_indices) if len(shape_of(start_indices)) == 1 else None
    if starts is None or len(starts) != len(shape) or len(update_shape) != len(shape):
        raise ValueError(f"slice_update: expected one start index per axis of inputs {shape} and updates of the same "
                         f"rank; received start_indices={start_indices!r} and updates of shape {update_shape}.")
    mask, block = None, updates
    for axis, (size, length, start) in enumerate(zip(shape, update_shape, starts)):
        if isinstance(start, int) and not isinstance(start, bool):
            if size is not None and length is not None and not 0 <= start <= size - length:
                raise ValueError(f"slice_update: updates of length {length} starting at {start} do not fit in "
                                 f"axis {axis} of inputs {shape}.")
        else:
            start = clip(cast(start, "int32"), 0, size - length)
        position = arange(_static_dim(size, "slice_update", f"axis {axis} of inputs"))
        block = take(block, clip(subtract(position, start), 0, length - 1), axis=axis)
        inside = logical_and(greater_equal(position, start), less(position, add(start, length)))
        inside = reshape(inside, tuple(size if a == axis else 1 for a in range(len(shape))))
        mask = inside if mask is None else logical_and(mask, inside)
    return inputs if mask is None else where(mask, block, inputs)


# ----------------------------------------------------------------------------------------------
# Shapes, comparisons, distances, casts

@composite
def unstack(x, num=None, axis=0):
    """The slices of ``x`` along ``axis``, as a list of tensors of rank ``x.ndim - 1``.

    ``num``: the length of ``axis`` (needed only when it is unknown); a ``num`` that disagrees with a
    known length raises ``ValueError``.
    """
    x = convert_to_tensor(x)
    shape = tuple(shape_of(x))
    axis = _axis(axis, len(shape), "unstack")
    length = shape[axis] if shape[axis] is not None else num
    if num is not None and length != num:
        raise ValueError(f"unstack: num={num} does not match the length {length} of axis {axis} of a tensor of "
                         f"shape {shape}.")
    length = _static_dim(length, "unstack", f"the length of axis {axis} (or num)")
    if length == 0:
        return []
    return [squeeze(part, axis) for part in split(x, length, axis)]


@composite
def in_top_k(targets, predictions, k):
    """Whether ``predictions[i, targets[i]]`` is among the ``k`` largest of row ``i``: bool, ``targets``'s shape.

    ``predictions``: ``(..., num_classes)``; ``targets``: integer class ids ``(...)``. Ties count as in
    (a target equal to the ``k``-th largest value is in), as TensorFlow's and Keras's JAX
    ``in_top_k``; ``k >= num_classes`` makes every target in.
    """
    if not isinstance(k, int) or isinstance(k, bool) or k < 1:
        raise ValueError(f"in_top_k: k must be a positive int, received {k!r}.")
    predictions = convert_to_tensor(predictions)
    targets = cast(convert_to_tensor(targets), "int32")
    classes = _static_dim(shape_of(predictions)[-1], "in_top_k", "the number of classes")
    k = builtins.min(k, classes)
    kth = take(top_k(predictions, k)[0], k - 1, axis=-1)
    target_value = squeeze(take_along_axis(predictions, expand_dims(targets, -1), axis=-1), -1)
    return greater_equal(target_value, kth)


@composite
def cdist(x, y):
    """Euclidean distances between the rows of ``x`` ``(..., m, d)`` and ``y`` ``(..., n, d)``: ``(..., m, n)``.

    Batch dimensions broadcast; integer inputs give floatx. The gradient at a zero distance is NaN
    (that of ``sqrt`` at 0), as on Keras's backends.
    """
    x, y = convert_to_tensor(x), convert_to_tensor(y)
    x_shape, y_shape = tuple(shape_of(x)), tuple(shape_of(y))
    if len(x_shape) < 2 or len(y_shape) < 2 or (None not in (x_shape[-1], y_shape[-1])
                                                 and x_shape[-1] != y_shape[-1]):
        raise ValueError(f"cdist: expected x of shape (..., m, d) and y of shape (..., n, d) with the same d; "
                         f"received {x_shape} and {y_shape}.")
    dtype = result_type(dtype_of(x), dtype_of(y))
    dtype = dtype if is_float(dtype) else floatx()
    difference = subtract(expand_dims(cast(x, dtype), -2), expand_dims(cast(y, dtype), -3))
    return sqrt(sum(multiply(difference, difference), axis=-1))


_FLOAT_MAX = {"float16": 65504.0, "bfloat16": 3.3895313892515355e38, "float32": 3.4028234663852886e38,
              "float64": 1.7976931348623157e308}
_INT_RANGE = {"bool": (0, 1), "uint8": (0, 255), "int8": (-128, 127), "int16": (-32768, 32767),
              "int32": (-2 ** 31, 2 ** 31 - 1), "int64": (-2 ** 63, 2 ** 63 - 1)}


def _dtype_range(dtype):
    if dtype in _FLOAT_MAX:
        return -_FLOAT_MAX[dtype], _FLOAT_MAX[dtype]
    return _INT_RANGE[dtype]


def _representable_toward_zero(value, dtype):
    """``value`` rounded into ``dtype``; stepped toward 0 when rounding went past it (Keras's nudge)."""
    import numpy as np
    if dtype == "bfloat16":
        import ml_dtypes
        np_type = ml_dtypes.bfloat16
    else:
        np_type = np.dtype(dtype).type
    rounded = np_type(value)
    if is_float(dtype) and builtins.abs(float(rounded)) > builtins.abs(value):
        rounded = np.nextafter(rounded, np_type(0))
    return float(rounded) if is_float(dtype) else int(rounded)


@composite
def saturate_cast(x, dtype):
    """Cast ``x`` to ``dtype`` after clipping it to the range both dtypes represent (no wrap-around).

    ``cast([-1., 256.], "uint8")`` may wrap; ``saturate_cast`` gives ``[0, 255]``. Bounds a float
    input cannot hold exactly are rounded toward 0, as Keras does (float32 -> int32 saturates at
    2147483520).
    """
    dtype = standardize_dtype(dtype)
    x = convert_to_tensor(x)
    in_dtype = standardize_dtype(dtype_of(x))
    (in_min, in_max), (out_min, out_max) = _dtype_range(in_dtype), _dtype_range(dtype)
    low = _representable_toward_zero(builtins.max(in_min, out_min), in_dtype)
    high = _representable_toward_zero(builtins.min(in_max, out_max), in_dtype)
    if in_dtype == "bool":
        return cast(x, dtype)
    return cast(clip(x, low, high), dtype)


@composite
def view(x, dtype=None):
    """The bytes of ``x`` read as ``dtype`` (NumPy's ``ndarray.view``): the last axis scales by the ratio of
    item sizes, e.g. int32 ``(3,)`` viewed as uint8 is ``(12,)`` (little-endian). ``dtype=None``: ``x``."""
    x = convert_to_tensor(x)
    return x if dtype is None else bitcast(x, dtype)


# ----------------------------------------------------------------------------------------------
# unique

@composite
def unique(x, sorted=True, return_index=False, return_inverse=False, return_counts=False, axis=None, size=None,
           fill_value=None):
    """The sorted unique elements of ``x`` (flattened; along ``axis``: its unique slices), as NumPy's ``unique``.

    Also, on request and in this order: the index of each value's first occurrence, the inverse
    (``x``'s shape for ``axis=None``: the position of each element's value) and the counts; indices
    are int32. Without ``size`` the length depends on the values, so ``x`` is read eagerly (a
    ``ValueError`` inside compiled functions). With ``size`` (``axis=None`` only) the result has
    exactly ``size`` entries, computed from a stable sort inside the graph: extra unique values are
    dropped, missing ones filled with ``fill_value`` (default 0; counts 0, indices 0).
    ``sorted=False`` still sorts (as NumPy before 2.3 and Keras's NumPy backend).
    """
    outputs = [True, return_index, return_inverse, return_counts]
    if size is None:
        if isinstance(x, KerasTensor):
            dtypes = [x.dtype, "int32", "int32", "int32"]
            shapes = [(None,), (None,), x.shape if axis is None else (x.shape[axis],), (None,)]
            results = [KerasTensor(shape, dtype) for shape, dtype, wanted in zip(shapes, dtypes, outputs) if wanted]
            return results[0] if len(results) == 1 else tuple(results)
        return _unique_eager(x, return_index, return_inverse, return_counts, axis)
    if axis is not None:
        raise ValueError(f"unique: size is supported with axis=None only; received axis={axis!r}.")
    if not isinstance(size, int) or isinstance(size, bool) or size < 1:
        raise ValueError(f"unique: size must be a positive int, received {size!r}.")
    x = convert_to_tensor(x)
    flat = reshape(x, (-1,))
    n = _static_dim(shape_of(flat)[0], "unique", "the number of elements of x")
    order = argsort(flat)
    ordered = take(flat, order)
    first = concatenate([ones((builtins.min(n, 1),), dtype="bool"),
                         not_equal(slice(ordered, [1], [n - 1]), slice(ordered, [0], [n - 1]))], 0)
    group = subtract(cumsum(cast(first, "int32")), 1)                # each sorted element's unique slot
    slots = builtins.max(n, size)
    group_rows = expand_dims(group, -1)

    def per_slot(values, fill):
        placed = slice(scatter(group_rows, where(first, values, zeros((), dtype=dtype_of(values))), (slots,)),
                       [0], [size])
        return where(less(arange(size), sum(cast(first, "int32"))), placed, cast(fill, dtype_of(values)))

    results = [per_slot(ordered, 0 if fill_value is None else fill_value)]
    if return_index:
        results.append(per_slot(cast(order, "int32"), 0))
    if return_inverse:
        inverse = scatter(expand_dims(cast(order, "int32"), -1), group, (n,))
        results.append(reshape(inverse, shape_of(x)))
    if return_counts:
        counts = slice(scatter(group_rows, ones((n,), dtype="int32"), (slots,)), [0], [size])
        results.append(counts)
    return results[0] if len(results) == 1 else tuple(results)


def _unique_eager(x, return_index, return_inverse, return_counts, axis):
    import numpy as np
    try:
        values = convert_to_numpy(x)
    except Exception as error:  # a tracer: JAX's and TensorFlow's errors differ, the cause is the same
        raise ValueError("unique: without size, the number of unique values depends on the data, so it runs "
                         "eagerly only; inside a compiled function pass size= (and fill_value=). "
                         f"({type(error).__name__})") from None
    result = np.unique(values, return_index=return_index, return_inverse=return_inverse,
                       return_counts=return_counts, axis=axis)
    if not isinstance(result, tuple):
        return convert_to_tensor(result)
    unique_values, *rest = result
    if return_inverse and axis is None:
        position = 1 + int(return_index)
        rest[position - 1] = rest[position - 1].reshape(values.shape)
    return (convert_to_tensor(unique_values),) + tuple(convert_to_tensor(r.astype("int32")) for r in rest)
