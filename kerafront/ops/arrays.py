"""Keras's ``keras.ops`` array names (creation, stacking, splitting, indexing, contractions) as composites.

Each is written from the spec's primitives (the rules composites follow: ``kerafront.ops``), with
Keras 3's names, arguments and defaults and NumPy's values. ``nonzero`` and ``bincount`` (without a
``minlength`` that covers every value) read their input's values to size the output, as NumPy does:
they run eagerly, not inside a compiled function.
"""

import builtins

from kerafront import config
from kerafront.dtypes import is_float, result_type, standardize_dtype
from kerafront.ops._dispatch import composite
from kerafront.ops._primitives import (abs, add, all, any, arange, argsort, broadcast_to, cast, concatenate,
                                       convert_to_numpy, convert_to_tensor, divide, dtype as dtype_of, einsum, equal, exp,
                                       expand_dims, eye, flip, floor, floor_divide, full, greater_equal, isfinite,
                                       isnan, less, less_equal, log, logical_and, logical_not, logical_or, matmul,
                                       max, mod, multiply, power, reshape, shape as shape_of, sign, slice, split,
                                       squeeze, stack, subtract, sum, take, transpose, where, zeros)
from kerafront.ops.math import ravel, zeros_like

__all__ = ["allclose", "append", "argpartition", "array", "array_split", "bincount", "copy", "correlate", "cross",
           "diag", "diagflat", "diagonal", "diff", "digitize", "dot", "dsplit", "dstack", "empty", "empty_like",
           "fliplr", "flipud", "geomspace", "get_item", "histogram", "hsplit", "hstack", "identity", "inner", "isin", "kron",
           "linspace", "logspace", "meshgrid", "nan_to_num", "nonzero", "outer", "roll", "rot90", "searchsorted",
           "select", "tensordot", "trace", "trapezoid", "tri", "tril", "triu", "unravel_index", "vander", "vdot",
           "vsplit", "vstack"]


def _rank(x):
    return len(shape_of(x))


def _axis(axis, rank, op):
    if not -rank <= axis < builtins.max(rank, 1):
        raise ValueError(f"{op}: axis {axis} is out of range for a tensor of rank {rank}.")
    return axis % builtins.max(rank, 1)


def _slice_axis(x, start, stop, axis):
    """``x[..., start:stop, ...]`` along ``axis`` (non-negative ``start <= stop``)."""
    shape = list(shape_of(x))
    starts = [0] * len(shape)
    starts[axis], shape[axis] = start, stop - start
    return slice(x, starts, shape)


def _move_to_end(x, axes):
    """Transpose ``x`` so that ``axes`` (non-negative) come last, in that order."""
    rank = _rank(x)
    return transpose(x, [a for a in range(rank) if a not in axes] + list(axes))


def _float_result(*xs):
    """Keras's float result for ops that are float even on integers: float inputs keep their type, else floatx."""
    dtype = result_type(*(dtype_of(x) for x in xs))
    return dtype if is_float(dtype) else config.floatx()


# ----------------------------------------------------------------------------------------------
# Creation

@composite
def array(x, dtype=None):
    """A tensor from ``x`` (a nested list, NumPy array or tensor), cast to ``dtype`` when given."""
    return convert_to_tensor(x, dtype=dtype)


@composite
def copy(x):
    """A new tensor equal to ``x`` (a gradient passes through unchanged)."""
    x = convert_to_tensor(x)
    return where(True, x, x)


@composite
def empty(shape, dtype=None):
    """A tensor of ``shape`` (filled with zeros: kerafront never hands out uninitialised memory)."""
    return zeros(shape, dtype=dtype)


@composite
def empty_like(x, dtype=None):
    """A tensor shaped like ``x`` (zeros), with ``x``'s dtype unless ``dtype`` is given."""
    return zeros_like(x, dtype=dtype)


@composite
def identity(n, dtype=None):
    """The ``(n, n)`` identity matrix; dtype defaults to floatx."""
    return eye(n, dtype=dtype)


@composite
def tri(N, M=None, k=0, dtype=None):
    """``(N, M)`` matrix with ones at and below diagonal ``k`` (``M`` defaults to ``N``; dtype to floatx)."""
    M = N if M is None else M
    below = less_equal(subtract(expand_dims(arange(M), 0), expand_dims(arange(N), 1)), k)
    return cast(below, dtype or config.floatx())


def _band(x, k, lower, op):
    shape = shape_of(x)
    if len(shape) < 2:
        raise ValueError(f"{op}: expected a tensor of rank >= 2, received shape {tuple(shape)}.")
    offset = subtract(expand_dims(arange(shape[-1]), 0), expand_dims(arange(shape[-2]), 1))
    keep = less_equal(offset, k) if lower else greater_equal(offset, k)
    return where(keep, x, zeros((), dtype=dtype_of(x)))


@composite
def tril(x, k=0):
    """``x`` with the entries above diagonal ``k`` of its last two axes set to zero."""
    return _band(x, k, True, "tril")


@composite
def triu(x, k=0):
    """``x`` with the entries below diagonal ``k`` of its last two axes set to zero."""
    return _band(x, k, False, "triu")


def _spaced(start, stop, num, endpoint, axis):
    """``num`` evenly spaced values from ``start`` to ``stop`` along a new ``axis`` (float), and the step."""
    start, stop = convert_to_tensor(start), convert_to_tensor(stop)
    dtype = _float_result(start, stop)
    start, stop = cast(start, dtype), cast(stop, dtype)
    divisions = num - 1 if endpoint else num
    span = subtract(stop, start)
    step = divide(span, divisions) if divisions > 0 else multiply(span, float("nan"))
    rank = _rank(span)
    positions = reshape(arange(num, dtype=dtype), (num,) + (1,) * rank)
    values = add(start, multiply(positions, step)) if divisions > 0 else add(start, multiply(positions, span))
    if endpoint and num > 1:
        is_last = reshape(equal(arange(num), num - 1), (num,) + (1,) * rank)
        values = where(is_last, stop, values)
    axis = _axis(axis, rank + 1, "linspace")
    if axis:
        values = transpose(values, list(range(1, axis + 1)) + [0] + list(range(axis + 1, rank + 1)))
    return values, step


def _to_dtype(values, dtype):
    """Cast float samples to ``dtype``; to an integer dtype they are floored first, as NumPy does."""
    if dtype is None:
        return values
    if not is_float(standardize_dtype(dtype)):
        values = floor(values)
    return cast(values, dtype)


@composite
def linspace(start, stop, num=50, endpoint=True, retstep=False, dtype=None, axis=0):
    """``num`` evenly spaced samples over ``[start, stop]`` (``stop`` excluded when ``endpoint=False``).

    ``start`` and ``stop`` may be tensors: the samples run along a new ``axis``. ``retstep=True`` also
    returns the spacing. Samples are float (floatx for integer limits) unless ``dtype`` says otherwise.
    """
    values, step = _spaced(start, stop, num, endpoint, axis)
    values = _to_dtype(values, dtype)
    return (values, step) if retstep else values


@composite
def logspace(start, stop, num=50, endpoint=True, base=10, dtype=None, axis=0):
    """``base ** linspace(start, stop, num)``: samples evenly spaced on a log scale."""
    exponents, _ = _spaced(start, stop, num, endpoint, axis)
    return _to_dtype(power(cast(base, dtype_of(exponents)), exponents), dtype)


@composite
def geomspace(start, stop, num=50, endpoint=True, dtype=None, axis=0):
    """``num`` samples from ``start`` to ``stop`` in geometric progression (both nonzero, of one sign; Python
    numbers are checked, a tensor holding 0 gives non-finite samples)."""
    if isinstance(start, (int, float)) and isinstance(stop, (int, float)) and 0 in (start, stop):
        raise ValueError(f"geomspace: start and stop must be nonzero (a geometric sequence cannot include 0), "
                         f"received {start} and {stop}.")
    start, stop = convert_to_tensor(start), convert_to_tensor(stop)
    direction = sign(start)
    exponents, _ = _spaced(log(abs(start)), log(abs(stop)), num, endpoint, axis)
    rank = _rank(exponents)
    axis = _axis(axis, rank, "geomspace")
    values = multiply(cast(expand_dims(direction, axis), dtype_of(exponents)), exp(exponents))
    index = reshape(arange(num), tuple(num if a == axis else 1 for a in range(rank)))
    values = where(equal(index, 0), cast(expand_dims(start, axis), dtype_of(values)), values)
    if endpoint and num > 1:
        values = where(equal(index, num - 1), cast(expand_dims(stop, axis), dtype_of(values)), values)
    return _to_dtype(values, dtype)


@composite
def meshgrid(*x, indexing="xy"):
    """Coordinate grids from 1-D vectors: ``"xy"`` (Cartesian, the first two axes swapped) or ``"ij"`` (matrix)."""
    if indexing not in ("xy", "ij"):
        raise ValueError(f"meshgrid: indexing must be 'xy' or 'ij', received {indexing!r}.")
    vectors = [ravel(v) for v in x]
    sizes = [shape_of(v)[0] for v in vectors]
    if indexing == "xy" and len(vectors) > 1:
        sizes[0], sizes[1] = sizes[1], sizes[0]
    grids = []
    for i, v in enumerate(vectors):
        position = (1 - i if i < 2 else i) if indexing == "xy" and len(vectors) > 1 else i
        view = reshape(v, tuple(-1 if a == position else 1 for a in range(len(vectors))))
        grids.append(broadcast_to(view, tuple(sizes)))
    return grids


@composite
def vander(x, N=None, increasing=False):
    """Vandermonde matrix of 1-D ``x``: column ``j`` is ``x ** (N - 1 - j)`` (``x ** j`` when ``increasing``)."""
    x = convert_to_tensor(x)
    if _rank(x) != 1:
        raise ValueError(f"vander: expected a 1-D tensor, received shape {tuple(shape_of(x))}.")
    N = shape_of(x)[0] if N is None else N
    exponents = arange(N) if increasing else arange(N - 1, -1, -1)
    return power(expand_dims(x, 1), cast(exponents, dtype_of(x)))


# ----------------------------------------------------------------------------------------------
# Joining and splitting

@composite
def append(x1, x2, axis=None):
    """``x2`` appended to ``x1`` along ``axis`` (both flattened first when ``axis`` is None)."""
    if axis is None:
        return concatenate([ravel(x1), ravel(x2)], axis=0)
    return concatenate([x1, x2], axis=axis)


def _at_least(x, rank, where_new):
    x = convert_to_tensor(x)
    shape = tuple(shape_of(x))
    missing = rank - len(shape)
    if missing <= 0:
        return x
    if rank == 3 and len(shape) == 2:
        return reshape(x, shape + (1,))
    if rank == 3 and len(shape) == 1:
        return reshape(x, (1,) + shape + (1,))
    return reshape(x, (1,) * missing + shape) if where_new == "front" else reshape(x, shape + (1,) * missing)


@composite
def hstack(xs):
    """Stack horizontally: along axis 1 (axis 0 for 1-D tensors)."""
    xs = [_at_least(x, 1, "front") for x in xs]
    return concatenate(xs, axis=0 if _rank(xs[0]) == 1 else 1)


@composite
def vstack(xs):
    """Stack vertically: along axis 0, 1-D tensors becoming rows."""
    return concatenate([_at_least(x, 2, "front") for x in xs], axis=0)


@composite
def dstack(xs):
    """Stack along the third axis (1-D ``(N,)`` become ``(1, N, 1)``, 2-D ``(M, N)`` become ``(M, N, 1)``)."""
    return concatenate([_at_least(x, 3, "front") for x in xs], axis=2)


@composite
def array_split(x, indices_or_sections, axis=0):
    """Like ``split``, but ``n`` sections need not divide the axis: the first ``size % n`` get one more."""
    if isinstance(indices_or_sections, int):
        sections = indices_or_sections
        if sections <= 0:
            raise ValueError(f"array_split: the number of sections must be positive, received {sections}.")
        size = shape_of(x)[_axis(axis, _rank(x), "array_split")]
        small, extra = divmod(size, sections)
        bounds, position = [], 0
        for i in range(sections - 1):
            position += small + (1 if i < extra else 0)
            bounds.append(position)
        indices_or_sections = bounds
    return split(x, list(indices_or_sections), axis=axis)


@composite
def hsplit(x, indices_or_sections):
    """Split along axis 1 (axis 0 for 1-D tensors)."""
    return split(x, indices_or_sections, axis=0 if _rank(x) == 1 else 1)


@composite
def vsplit(x, indices_or_sections):
    """Split along axis 0 (rank >= 2)."""
    if _rank(x) < 2:
        raise ValueError(f"vsplit: expected a tensor of rank >= 2, received shape {tuple(shape_of(x))}.")
    return split(x, indices_or_sections, axis=0)


@composite
def dsplit(x, indices_or_sections):
    """Split along axis 2 (rank >= 3)."""
    if _rank(x) < 3:
        raise ValueError(f"dsplit: expected a tensor of rank >= 3, received shape {tuple(shape_of(x))}.")
    return split(x, indices_or_sections, axis=2)


# ----------------------------------------------------------------------------------------------
# Rearranging

@composite
def fliplr(x):
    """Reverse axis 1 (rank >= 2)."""
    if _rank(x) < 2:
        raise ValueError(f"fliplr: expected a tensor of rank >= 2, received shape {tuple(shape_of(x))}.")
    return flip(x, axis=1)


@composite
def flipud(x):
    """Reverse axis 0 (rank >= 1)."""
    if _rank(x) < 1:
        raise ValueError("flipud: expected a tensor of rank >= 1, received a scalar.")
    return flip(x, axis=0)


@composite
def roll(x, shift, axis=None):
    """Shift elements by ``shift`` along ``axis``, wrapping around (over the flattened tensor when ``axis`` is None)."""
    x = convert_to_tensor(x)
    if axis is None:
        return reshape(roll(ravel(x), shift, axis=0), shape_of(x))
    shifts = (shift,) if isinstance(shift, int) else tuple(shift)
    axes = (axis,) if isinstance(axis, int) else tuple(axis)
    if len(shifts) == 1 and len(axes) > 1:
        shifts = shifts * len(axes)
    if len(shifts) != len(axes):
        raise ValueError(f"roll: shift and axis must have the same length, received {shift} and {axis}.")
    for s, a in zip(shifts, axes):
        a = _axis(a, _rank(x), "roll")
        size = shape_of(x)[a]
        if size == 0 or s % size == 0:
            continue
        cut = size - s % size
        x = concatenate([_slice_axis(x, cut, size, a), _slice_axis(x, 0, cut, a)], axis=a)
    return x


@composite
def rot90(array, k=1, axes=(0, 1)):
    """Rotate by 90 degrees ``k`` times in the plane of ``axes`` (from the first axis towards the second)."""
    rank = _rank(array)
    if len(axes) != 2 or rank < 2:
        raise ValueError(f"rot90: expected two axes of a tensor of rank >= 2, received axes={axes} for "
                         f"shape {tuple(shape_of(array))}.")
    a0, a1 = _axis(axes[0], rank, "rot90"), _axis(axes[1], rank, "rot90")
    if a0 == a1:
        raise ValueError(f"rot90: the two axes must differ, received {axes}.")
    k %= 4
    if k == 0:
        return copy(array)
    if k == 2:
        return flip(flip(array, axis=a0), axis=a1)
    swapped = list(range(rank))
    swapped[a0], swapped[a1] = a1, a0
    if k == 1:
        return transpose(flip(array, axis=a1), swapped)
    return flip(transpose(array, swapped), axis=a1)


@composite
def get_item(x, key):
    """``x[key]`` with NumPy's basic indexing: ints, slices (any step), ``None``, ``...`` and tuples of them; an
    integer tensor alone gathers along axis 0. Boolean masks are refused (their result size depends on values)."""
    x = convert_to_tensor(x)
    if not isinstance(key, tuple):
        if not isinstance(key, (int, builtins.slice, type(None), type(Ellipsis))):
            key = convert_to_tensor(key)
            if standardize_dtype(dtype_of(key)) == "bool" or is_float(standardize_dtype(dtype_of(key))):
                raise TypeError(f"get_item: keys are ints, slices, None, ..., tuples of them or an integer tensor; "
                                f"received a {dtype_of(key)} tensor (for a boolean mask use ops.where).")
            return take(x, key, axis=0)
        key = (key,)
    shape = shape_of(x)
    if builtins.sum(item is Ellipsis for item in key) > 1:
        raise IndexError("get_item: an index can only have a single ellipsis ('...').")
    consumed = builtins.sum(item is not None and item is not Ellipsis for item in key)
    if consumed > len(shape):
        raise IndexError(f"get_item: too many indices for a tensor of shape {tuple(shape)}: {key}.")
    if Ellipsis not in key:
        key = key + (Ellipsis,)
    at = key.index(Ellipsis)
    key = key[:at] + (builtins.slice(None),) * (len(shape) - consumed) + key[at + 1:]
    axis, dropped, new_axes = 0, [], []
    for item in key:
        if item is None:
            new_axes.append(axis - len(dropped) + len(new_axes))
            continue
        size = shape[axis]
        if isinstance(item, builtins.slice):
            start, stop, step = item.indices(size)
            if step == 1:
                x = _slice_axis(x, start, builtins.max(start, stop), axis)
            else:
                x = take(x, arange(start, stop, step), axis=axis)
        elif isinstance(item, int):
            if not -size <= item < size:
                raise IndexError(f"get_item: index {item} is out of bounds for axis {axis} with size {size}.")
            x = _slice_axis(x, item % size, item % size + 1, axis)
            dropped.append(axis)
        else:
            raise TypeError(f"get_item: a tuple key holds ints, slices, None or ...; received {item!r}.")
        axis += 1
    if dropped:
        x = squeeze(x, axis=tuple(dropped))
    for position in new_axes:
        x = expand_dims(x, position)
    return x


@composite
def diagonal(x, offset=0, axis1=0, axis2=1):
    """The diagonal ``offset`` of the plane (``axis1``, ``axis2``), as a new last axis."""
    rank = _rank(x)
    if rank < 2:
        raise ValueError(f"diagonal: expected a tensor of rank >= 2, received shape {tuple(shape_of(x))}.")
    axis1, axis2 = _axis(axis1, rank, "diagonal"), _axis(axis2, rank, "diagonal")
    if axis1 == axis2:
        raise ValueError(f"diagonal: axis1 and axis2 must differ, received {axis1} and {axis2}.")
    x = _move_to_end(x, (axis1, axis2))
    rows, cols = shape_of(x)[-2:]
    on_diagonal = cast(eye(rows, cols, k=offset), "bool")
    rows_sum = sum(where(on_diagonal, x, zeros((), dtype=dtype_of(x))), axis=-1)
    first = 0 if offset >= 0 else -offset
    last = builtins.max(first, builtins.min(rows, cols - offset))
    return _slice_axis(rows_sum, first, last, rank - 2)


@composite
def diag(x, k=0):
    """Of a 1-D ``x``: the square matrix with ``x`` on diagonal ``k``. Of a 2-D ``x``: its diagonal ``k``."""
    x = convert_to_tensor(x)
    rank = _rank(x)
    if rank == 2:
        return diagonal(x, offset=k)
    if rank != 1:
        raise ValueError(f"diag: expected a 1-D or 2-D tensor, received shape {tuple(shape_of(x))}.")
    n = shape_of(x)[0] + (k if k >= 0 else -k)
    padded = concatenate([x, zeros((n - shape_of(x)[0],), dtype=dtype_of(x))], axis=0)
    values = expand_dims(padded, 1 if k >= 0 else 0)   # row r holds x[r] (k >= 0), column c holds x[c] (k < 0)
    return where(cast(eye(n, k=k), "bool"), values, zeros((), dtype=dtype_of(x)))


@composite
def diagflat(x, k=0):
    """The square matrix with the flattened ``x`` on diagonal ``k``."""
    return diag(ravel(x), k=k)


@composite
def trace(x, offset=0, axis1=0, axis2=1):
    """Sum along the diagonal ``offset`` of the plane (``axis1``, ``axis2``); small integers sum as int32."""
    total = sum(diagonal(x, offset=offset, axis1=axis1, axis2=axis2), axis=-1)
    dtype = standardize_dtype(dtype_of(x))
    if not is_float(dtype) and dtype not in ("int64", "uint32", "uint64"):
        total = cast(total, "int32")
    return total


@composite
def diff(a, n=1, axis=-1):
    """The ``n``-th discrete difference along ``axis``: ``a[i + 1] - a[i]``, repeated ``n`` times."""
    axis = _axis(axis, _rank(a), "diff")
    for _ in range(n):
        size = shape_of(a)[axis]
        a = subtract(_slice_axis(a, 1, builtins.max(size, 1), axis), _slice_axis(a, 0, builtins.max(size - 1, 0), axis))
    return a


# ----------------------------------------------------------------------------------------------
# Products

@composite
def tensordot(x1, x2, axes=2):
    """Sum of products over ``axes``: an int ``n`` (the last ``n`` of ``x1`` with the first ``n`` of ``x2``) or
    a pair of axis lists. Result shape: ``x1``'s free axes then ``x2``'s."""
    x1, x2 = convert_to_tensor(x1), convert_to_tensor(x2)
    r1, r2 = _rank(x1), _rank(x2)
    if isinstance(axes, int):
        axes1, axes2 = list(range(r1 - axes, r1)), list(range(axes))
    else:
        axes1, axes2 = ([a] if isinstance(a, int) else list(a) for a in axes)
    axes1 = [_axis(a, r1, "tensordot") for a in axes1]
    axes2 = [_axis(a, r2, "tensordot") for a in axes2]
    s1, s2 = shape_of(x1), shape_of(x2)
    if len(axes1) != len(axes2) or builtins.any(s1[a] != s2[b] for a, b in zip(axes1, axes2)):
        raise ValueError(f"tensordot: contracted dimensions differ: axes {axes1} of shape {tuple(s1)} and "
                         f"axes {axes2} of shape {tuple(s2)}.")
    letters = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
    if r1 + r2 - len(axes1) > len(letters):
        raise ValueError(f"tensordot: at most {len(letters)} distinct axes, received ranks {r1} and {r2}.")
    names1 = list(letters[:r1])
    names2 = list(letters[r1:r1 + r2])
    for a, b in zip(axes1, axes2):
        names2[b] = names1[a]
    free = [names1[a] for a in range(r1) if a not in axes1] + [names2[b] for b in range(r2) if b not in axes2]
    return einsum(f"{''.join(names1)},{''.join(names2)}->{''.join(free)}", x1, x2)


@composite
def dot(x1, x2):
    """NumPy's ``dot``: a product with scalars, else a sum over ``x1``'s last axis and ``x2``'s second-to-last
    (its only axis when 1-D)."""
    x1, x2 = convert_to_tensor(x1), convert_to_tensor(x2)
    if _rank(x1) == 0 or _rank(x2) == 0:
        return multiply(x1, x2)
    return tensordot(x1, x2, axes=([-1], [0 if _rank(x2) == 1 else -2]))


@composite
def inner(x1, x2):
    """Sum of products over the last axes of ``x1`` and ``x2`` (a product with scalars)."""
    x1, x2 = convert_to_tensor(x1), convert_to_tensor(x2)
    if _rank(x1) == 0 or _rank(x2) == 0:
        return multiply(x1, x2)
    return tensordot(x1, x2, axes=([-1], [-1]))


@composite
def outer(x1, x2):
    """``ravel(x1)[:, None] * ravel(x2)[None, :]``."""
    return multiply(expand_dims(ravel(x1), 1), expand_dims(ravel(x2), 0))


@composite
def vdot(x1, x2):
    """Dot product of the flattened inputs."""
    return sum(multiply(ravel(x1), ravel(x2)))


@composite
def kron(x1, x2):
    """Kronecker product: blocks ``x1[i] * x2`` (the lower-rank input gets leading axes of size 1)."""
    x1, x2 = convert_to_tensor(x1), convert_to_tensor(x2)
    rank = builtins.max(_rank(x1), _rank(x2))
    s1 = (1,) * (rank - _rank(x1)) + tuple(shape_of(x1))
    s2 = (1,) * (rank - _rank(x2)) + tuple(shape_of(x2))
    a = reshape(x1, tuple(d for s in s1 for d in (s, 1)))
    b = reshape(x2, tuple(d for s in s2 for d in (1, s)))
    return reshape(multiply(a, b), tuple(p * q for p, q in zip(s1, s2)))


@composite
def cross(x1, x2, axisa=-1, axisb=-1, axisc=-1, axis=None):
    """Cross product of vectors of 2 or 3 components along ``axisa`` of ``x1`` and ``axisb`` of ``x2``
    (``axis`` sets all three); two 2-component vectors give the scalar z-component."""
    if axis is not None:
        axisa = axisb = axisc = axis
    x1, x2 = convert_to_tensor(x1), convert_to_tensor(x2)
    a = _move_to_end(x1, (_axis(axisa, _rank(x1), "cross"),))
    b = _move_to_end(x2, (_axis(axisb, _rank(x2), "cross"),))
    na, nb = shape_of(a)[-1], shape_of(b)[-1]
    if na not in (2, 3) or nb not in (2, 3):
        raise ValueError(f"cross: vectors must have 2 or 3 components, received {na} and {nb}.")

    def component(v, n, i):
        return squeeze(_slice_axis(v, i, i + 1, _rank(v) - 1), -1) if i < n else None

    a0, a1, a2 = (component(a, na, i) for i in range(3))
    b0, b1, b2 = (component(b, nb, i) for i in range(3))
    z = subtract(multiply(a0, b1), multiply(a1, b0))
    if na == 2 and nb == 2:
        return z
    x = multiply(a1, b2) if a2 is None else (negative_of(multiply(a2, b1)) if b2 is None
                                              else subtract(multiply(a1, b2), multiply(a2, b1)))
    y = negative_of(multiply(a0, b2)) if a2 is None else (multiply(a2, b0) if b2 is None
                                                          else subtract(multiply(a2, b0), multiply(a0, b2)))
    out = stack([x, y, z], axis=-1)
    return _move_from_end(out, _axis(axisc, _rank(out), "cross"))


def negative_of(x):
    return subtract(zeros((), dtype=dtype_of(x)), x)


def _move_from_end(x, axis):
    rank = _rank(x)
    order = list(range(rank - 1))
    order.insert(axis, rank - 1)
    return transpose(x, order)


@composite
def correlate(x1, x2, mode="valid"):
    """Cross-correlation of two 1-D tensors, ``c[k] = sum_n x1[n + k] * x2[n]``, as NumPy's ``mode``:
    ``"valid"`` (full overlap), ``"same"`` (length of the longer input) or ``"full"``. Integer inputs
    give float32 (int64: float64), as in Keras."""
    if mode not in ("valid", "same", "full"):
        raise ValueError(f"correlate: mode must be 'valid', 'same' or 'full', received {mode!r}.")
    x1, x2 = convert_to_tensor(x1), convert_to_tensor(x2)
    if _rank(x1) != 1 or _rank(x2) != 1:
        raise ValueError(f"correlate: expected two 1-D tensors, received shapes {tuple(shape_of(x1))} and "
                         f"{tuple(shape_of(x2))}.")
    dtype = result_type(dtype_of(x1), dtype_of(x2))
    dtype = dtype if dtype in ("bfloat16", "float16", "float64") else ("float64" if dtype == "int64" else "float32")
    x1, x2 = cast(x1, dtype), cast(x2, dtype)
    n, m = shape_of(x1)[0], shape_of(x2)[0]
    if n == 0 or m == 0:
        raise ValueError("correlate: inputs must not be empty.")
    padding = zeros((m - 1,), dtype=dtype)
    padded = concatenate([padding, x1, padding], axis=0)
    windows = take(padded, add(expand_dims(arange(n + m - 1), 1), expand_dims(arange(m), 0)), axis=0)
    full_ = matmul(windows, x2)     # full_[i] = c[i - (m - 1)]
    if mode == "full":
        return full_
    if mode == "valid":
        return _slice_axis(full_, builtins.min(n, m) - 1, builtins.max(n, m), 0)
    length = builtins.max(n, m)
    start = (m - 1) // 2 if n >= m else n // 2     # NumPy's centring (it swaps the inputs when x2 is longer)
    return _slice_axis(full_, start, start + length, 0)


# ----------------------------------------------------------------------------------------------
# Searching, counting, testing

@composite
def allclose(x1, x2, rtol=1e-05, atol=1e-08, equal_nan=False):
    """Whether every ``|x1 - x2| <= atol + rtol * |x2|`` (equal infinities are close; NaNs only with
    ``equal_nan``): a 0-d bool tensor."""
    x1, x2 = convert_to_tensor(x1), convert_to_tensor(x2)
    dtype = _float_result(x1, x2)
    a, b = cast(x1, dtype), cast(x2, dtype)
    close = less_equal(abs(subtract(a, b)), add(atol, multiply(rtol, abs(b))))
    close = logical_or(close, equal(a, b))
    if equal_nan:
        close = logical_or(close, logical_and(isnan(a), isnan(b)))
    return all(close)


@composite
def isin(x1, x2, assume_unique=False, invert=False):
    """Elementwise: whether each element of ``x1`` occurs in ``x2`` (negated when ``invert``)."""
    found = any(equal(expand_dims(convert_to_tensor(x1), -1), ravel(x2)), axis=-1)
    return logical_not(found) if invert else found


@composite
def searchsorted(sorted_sequence, values, side="left"):
    """Insertion indices (int32) of ``values`` into the increasing 1-D ``sorted_sequence``: before equal
    entries (``side="left"``) or after them (``"right"``)."""
    if side not in ("left", "right"):
        raise ValueError(f"searchsorted: side must be 'left' or 'right', received {side!r}.")
    sorted_sequence = convert_to_tensor(sorted_sequence)
    if _rank(sorted_sequence) != 1:
        raise ValueError(f"searchsorted: sorted_sequence must be 1-D, received shape "
                         f"{tuple(shape_of(sorted_sequence))}.")
    v = expand_dims(convert_to_tensor(values), -1)
    before = less(sorted_sequence, v) if side == "left" else less_equal(sorted_sequence, v)
    return sum(cast(before, "int32"), axis=-1)


@composite
def digitize(x, bins):
    """Index (int32) of the bin of each ``x`` for increasing ``bins``: ``i`` with ``bins[i-1] <= x < bins[i]``."""
    bins = convert_to_tensor(bins)
    if _rank(bins) != 1:
        raise ValueError(f"digitize: bins must be 1-D, received shape {tuple(shape_of(bins))}.")
    return sum(cast(less_equal(bins, expand_dims(convert_to_tensor(x), -1)), "int32"), axis=-1)


@composite
def argpartition(x, kth, axis=-1):
    """Indices (int32) that partition ``x`` along ``axis``: the element at position ``kth`` is the one a sort
    puts there, smaller ones before it, larger ones after (kerafront returns the full ``argsort``, one valid
    partition; NumPy's order within each side is unspecified)."""
    size = shape_of(x)[_axis(axis, _rank(x), "argpartition")]
    if not -size <= kth < size:
        raise ValueError(f"argpartition: kth={kth} is out of range for an axis of size {size}.")
    return cast(argsort(x, axis=axis), "int32")


@composite
def select(condlist, choicelist, default=0):
    """Elementwise: the choice of the first true condition in ``condlist``, else ``default``."""
    if len(condlist) != len(choicelist):
        raise ValueError(f"select: condlist and choicelist must have the same length, received "
                         f"{len(condlist)} and {len(choicelist)}.")
    if not condlist:
        raise ValueError("select: condlist must not be empty.")
    choices = [convert_to_tensor(c) for c in choicelist]
    dtype = result_type(*(dtype_of(c) for c in choices))
    out = cast(convert_to_tensor(default), dtype)
    for condition, choice in reversed(list(zip(condlist, choices))):
        out = where(condition, cast(choice, dtype), out)
    return out


@composite
def nan_to_num(x, nan=0.0, posinf=None, neginf=None):
    """``x`` with NaN replaced by ``nan`` and infinities by ``posinf``/``neginf`` (default: the dtype's
    largest/lowest finite value). Integer and bool tensors are returned unchanged."""
    x = convert_to_tensor(x)
    dtype = standardize_dtype(dtype_of(x))
    if not is_float(dtype):
        return x
    import numpy as np   # dtype metadata only; NumPy has no bfloat16, whose largest value is (2 - 2**-7) * 2**127
    largest = 3.3895313892515355e38 if dtype == "bfloat16" else float(np.finfo(dtype).max)
    posinf = largest if posinf is None else posinf
    neginf = -largest if neginf is None else neginf
    finite_or_nan = logical_or(isfinite(x), isnan(x))
    x = where(isnan(x), full((), nan, dtype=dtype), x)
    infinity = where(less(x, 0), full((), neginf, dtype=dtype), full((), posinf, dtype=dtype))
    return where(finite_or_nan, x, infinity)


@composite
def nonzero(x):
    """Indices (int32) of the nonzero elements: one tensor per axis. Reads the values (eager only)."""
    import numpy as np
    return tuple(convert_to_tensor(i.astype("int32")) for i in np.nonzero(convert_to_numpy(x)))


@composite
def bincount(x, weights=None, minlength=0, sparse=False):
    """Count (or sum ``weights`` for) each value of the non-negative integer ``x`` (1-D, or 2-D: one count per
    row). Length ``max(max(x) + 1, minlength)``: read from ``x`` (eagerly) unless ``minlength`` covers it."""
    if sparse:
        raise ValueError("bincount: sparse=True is not supported by kerafront (it has no sparse tensors).")
    x = convert_to_tensor(x)
    if is_float(standardize_dtype(dtype_of(x))) or _rank(x) not in (1, 2):
        raise ValueError(f"bincount: expected a 1-D or 2-D integer tensor, received {dtype_of(x)} of shape "
                         f"{tuple(shape_of(x))}.")
    try:
        values = convert_to_numpy(x)
    except TypeError:  # traced inside compile(): only a static length can be used, so minlength must cover x
        if minlength <= 0:
            raise ValueError("bincount: inside a compiled function the output length cannot be read from x; "
                             "pass minlength (values >= minlength are not counted there).") from None
        values = None
    if values is not None and values.size and values.min() < 0:
        raise ValueError("bincount: values must be non-negative.")
    length = minlength if values is None else builtins.max(int(values.max()) + 1 if values.size else 0, minlength)
    hits = equal(expand_dims(x, -1), arange(length))
    if weights is None:
        return sum(cast(hits, "int32"), axis=-2)
    weights = convert_to_tensor(weights)
    return sum(where(hits, expand_dims(weights, -1), zeros((), dtype=dtype_of(weights))), axis=-2)


@composite
def histogram(x, bins=10, range=None):
    """``(counts, edges)`` of 1-D ``x`` in ``bins`` equal bins over ``range`` (default: ``x``'s min and max);
    each bin holds ``edges[i] <= x < edges[i + 1]``, the last one also its right edge; outside values are
    not counted."""
    x = convert_to_tensor(x)
    if _rank(x) != 1:
        raise ValueError(f"histogram: expected a 1-D tensor, received shape {tuple(shape_of(x))}.")
    if not isinstance(bins, int) or bins < 1:
        raise ValueError(f"histogram: bins must be a positive int, received {bins!r}.")
    if range is None:
        from kerafront.ops._primitives import min as minimum_of
        low, high = minimum_of(x), max(x)
    else:
        low, high = range
    dtype = _float_result(x)
    edges = linspace(cast(low, dtype), cast(high, dtype), bins + 1)
    x = cast(x, dtype)
    inside = logical_and(greater_equal(x, slice(edges, [0], [1])), less_equal(x, slice(edges, [bins], [1])))
    index = sum(cast(less_equal(slice(edges, [1], [bins - 1]), expand_dims(x, -1)), "int32"), axis=-1)
    hits = logical_and(equal(expand_dims(index, -1), arange(bins)), expand_dims(inside, -1))
    return sum(cast(hits, "int32"), axis=0), edges


@composite
def unravel_index(indices, shape):
    """Coordinates (one tensor per dimension of ``shape``) of flat ``indices`` into a row-major ``shape``."""
    indices = convert_to_tensor(indices)
    coordinates = []
    for size in reversed(tuple(shape)):
        coordinates.append(mod(indices, size))
        indices = floor_divide(indices, size)
    return tuple(reversed(coordinates))


@composite
def trapezoid(y, x=None, dx=1.0, axis=-1):
    """Integral of ``y`` along ``axis`` by the trapezoidal rule, at sample points ``x`` (1-D, or shaped like
    ``y``) or spacing ``dx``."""
    y = convert_to_tensor(y)
    dtype = _float_result(y)
    y = cast(y, dtype)
    axis = _axis(axis, _rank(y), "trapezoid")
    size = shape_of(y)[axis]
    if x is None:
        spacing = cast(dx, dtype)
    else:
        x = cast(convert_to_tensor(x), dtype)
        spacing = diff(x, axis=0 if _rank(x) == 1 else axis)
        if _rank(x) == 1:
            spacing = reshape(spacing, tuple(-1 if a == axis else 1 for a in builtins.range(_rank(y))))
    heights = add(_slice_axis(y, 1, builtins.max(size, 1), axis), _slice_axis(y, 0, builtins.max(size - 1, 0), axis))
    return sum(multiply(multiply(spacing, heights), 0.5), axis=axis)

