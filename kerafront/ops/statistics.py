"""Keras's NumPy-style reductions written from primitives: NaN-ignoring reductions, quantiles, ``average``,
``cumprod``, ``corrcoef`` (the rules composites follow: ``kerafront.ops``).

Quantiles sort along the reduced axes (moved last and merged) and interpolate between the two order
statistics around ``q * (n - 1)`` (``method``: NumPy's ``"linear"``, ``"lower"``, ``"higher"``,
``"midpoint"``, ``"nearest"``); NaN is sorted as ``inf`` (TensorFlow's sort does not put NaN last), and
the NaN-ignoring forms count ``n`` per slice. ``q`` may be a scalar or a 1-D sequence/tensor; a 1-D ``q``
puts its axis first, as NumPy does.
"""

from kerafront import config
from kerafront.dtypes import is_float, result_type, standardize_dtype
from kerafront.ops._dispatch import composite
from kerafront.ops._primitives import (add, all, any, arange, argmax, argmin, cast, ceil, clip, convert_to_tensor,
                                       cumsum, divide, dtype as dtype_of, equal, expand_dims, floor, full,
                                       greater_equal, is_tensor, isnan, less, logical_not, matmul, max, mean, min,
                                       multiply, not_equal, ones, prod, reshape, round, scan, shape as shape_of, sort,
                                       sqrt, square, squeeze, subtract, sum, take_along_axis, transpose, where)

__all__ = ["amax", "amin", "ptp", "average", "count_nonzero", "cumprod", "nancumsum", "nancumprod", "nansum",
           "nanprod", "nanmean", "nanvar", "nanstd", "nanmax", "nanmin", "nanargmax", "nanargmin", "quantile",
           "percentile", "median", "nanquantile", "nanpercentile", "nanmedian", "corrcoef"]

_QUANTILE_METHODS = ("linear", "lower", "higher", "midpoint", "nearest")


def _tensor(x):
    return x if is_tensor(x) else convert_to_tensor(x)


def _float_dtype(x):
    dtype = dtype_of(x)
    return dtype if is_float(dtype) else config.floatx()


def _is_float(x):
    return is_float(dtype_of(x))


@composite
def amax(x, axis=None, keepdims=False):
    """Alias of ``max``."""
    return max(x, axis=axis, keepdims=keepdims)


@composite
def amin(x, axis=None, keepdims=False):
    """Alias of ``min``."""
    return min(x, axis=axis, keepdims=keepdims)


@composite
def ptp(x, axis=None, keepdims=False):
    """Range, ``max(x) - min(x)`` over ``axis``."""
    return subtract(max(x, axis=axis, keepdims=keepdims), min(x, axis=axis, keepdims=keepdims))


@composite
def average(x, axis=None, weights=None):
    """Weighted mean ``sum(x * w) / sum(w)`` over ``axis``; 1-D ``weights`` (``axis`` an int) lie along ``axis``.
    Without weights, ``mean``. The result is a float (integers in floatx)."""
    x = _tensor(x)
    if weights is None:
        return mean(cast(x, _float_dtype(x)), axis=axis)
    weights = _tensor(weights)
    dtype = result_type(dtype_of(x), dtype_of(weights), weak=(float,), floatx=config.floatx())
    x, weights = cast(x, dtype), cast(weights, dtype)
    if shape_of(weights) != shape_of(x):
        if axis is None or len(shape_of(weights)) != 1:
            raise ValueError(f"average: weights of shape {shape_of(weights)} differ from x's {shape_of(x)}; give 1-D "
                             "weights with an int axis, or weights of x's shape.")
        rank = len(shape_of(x))
        if shape_of(weights)[0] != shape_of(x)[axis]:
            raise ValueError(f"average: 1-D weights of length {shape_of(weights)[0]} do not match x's axis {axis} "
                             f"of size {shape_of(x)[axis]}.")
        weights = reshape(weights, tuple(-1 if a == axis % rank else 1 for a in range(rank)))
    return divide(sum(multiply(x, weights), axis=axis), sum(multiply(weights, ones(shape_of(x), dtype)), axis=axis))


@composite
def count_nonzero(x, axis=None):
    """Number of non-zero entries over ``axis`` (int32)."""
    return sum(cast(not_equal(_tensor(x), 0), "int32"), axis=axis)


def _cumulative_dtype(x, dtype):
    dtype = standardize_dtype(dtype or dtype_of(x))
    return "int32" if dtype == "bool" else dtype


@composite
def cumprod(x, axis=None, dtype=None):
    """Cumulative product along ``axis`` (the flattened input when ``None``), as a ``scan``, so it is differentiable
    everywhere (zeros included). ``dtype``: of the result, default ``x``'s (bool gives int32)."""
    x = _tensor(x)
    x = cast(x, _cumulative_dtype(x, dtype))
    if axis is None:
        x, axis = reshape(x, (-1,)), 0
    rank = len(shape_of(x))
    axis = axis % rank
    order = [axis] + [a for a in range(rank) if a != axis]
    moved = transpose(x, order)
    if shape_of(moved)[0] == 0:
        return x

    def step(carry, row):
        carry = multiply(carry, row)
        return carry, carry

    # A trailing axis of 1 keeps every step's slice at least 1-D (the NumPy reference's scan drops the
    # gradient of 0-d slices of a 1-D ``xs``).
    _, out = scan(step, ones(shape_of(moved)[1:] + (1,), dtype_of(x)), expand_dims(moved, -1))
    return transpose(squeeze(out, axis=-1), [order.index(a) for a in range(rank)])


@composite
def nancumsum(x, axis=None, dtype=None):
    """``cumsum`` with NaN counted as 0."""
    x = _tensor(x)
    if _is_float(x):
        x = where(isnan(x), 0.0, x)
    return cast(cumsum(x, axis=axis), _cumulative_dtype(x, dtype))


@composite
def nancumprod(x, axis=None, dtype=None):
    """``cumprod`` with NaN counted as 1."""
    x = _tensor(x)
    if _is_float(x):
        x = where(isnan(x), 1.0, x)
    return cumprod(x, axis=axis, dtype=dtype)


def _small_int_to_int32(x):
    dtype = standardize_dtype(dtype_of(x))
    return cast(x, "int32") if dtype in ("bool", "int8", "int16") else x


@composite
def nansum(x, axis=None, keepdims=False):
    """``sum`` with NaN counted as 0 (bool, int8 and int16 sum in int32)."""
    x = _small_int_to_int32(_tensor(x))
    if _is_float(x):
        x = where(isnan(x), 0.0, x)
    return cast(sum(x, axis=axis, keepdims=keepdims), dtype_of(x))


@composite
def nanprod(x, axis=None, keepdims=False):
    """``prod`` with NaN counted as 1 (bool, int8 and int16 multiply in int32)."""
    x = _small_int_to_int32(_tensor(x))
    if _is_float(x):
        x = where(isnan(x), 1.0, x)
    return cast(prod(x, axis=axis, keepdims=keepdims), dtype_of(x))


def _kept_count(x, axis, keepdims):
    return sum(cast(logical_not(isnan(x)), dtype_of(x)), axis=axis, keepdims=keepdims)


@composite
def nanmean(x, axis=None, keepdims=False):
    """Mean of the non-NaN entries (NaN where all are NaN); integers in floatx."""
    x = _tensor(x)
    x = cast(x, _float_dtype(x))
    return divide(sum(where(isnan(x), 0.0, x), axis=axis, keepdims=keepdims), _kept_count(x, axis, keepdims))


@composite
def nanvar(x, axis=None, keepdims=False):
    """Population variance of the non-NaN entries (NaN where all are NaN)."""
    x = _tensor(x)
    x = cast(x, _float_dtype(x))
    centered = where(isnan(x), 0.0, subtract(x, nanmean(x, axis=axis, keepdims=True)))
    return divide(sum(square(centered), axis=axis, keepdims=keepdims), _kept_count(x, axis, keepdims))


@composite
def nanstd(x, axis=None, keepdims=False):
    """``sqrt(nanvar(x))``."""
    return sqrt(nanvar(x, axis=axis, keepdims=keepdims))


def _nan_extreme(x, axis, keepdims, reduce, fill):
    x = _tensor(x)
    if not _is_float(x):
        return reduce(x, axis=axis, keepdims=keepdims)
    missing = isnan(x)
    out = reduce(where(missing, fill, x), axis=axis, keepdims=keepdims)
    return where(all(missing, axis=axis, keepdims=keepdims), float("nan"), out)


@composite
def nanmax(x, axis=None, keepdims=False):
    """``max`` ignoring NaN (NaN where all are NaN)."""
    return _nan_extreme(x, axis, keepdims, max, float("-inf"))


@composite
def nanmin(x, axis=None, keepdims=False):
    """``min`` ignoring NaN (NaN where all are NaN)."""
    return _nan_extreme(x, axis, keepdims, min, float("inf"))


def _nan_arg(x, axis, keepdims, reduce, fill):
    x = _tensor(x)
    if not _is_float(x):
        return reduce(x, axis=axis, keepdims=keepdims)
    missing = isnan(x)
    out = reduce(where(missing, fill, x), axis=axis, keepdims=keepdims)
    return where(all(missing, axis=axis, keepdims=keepdims), -1, out)


@composite
def nanargmax(x, axis=None, keepdims=False):
    """``argmax`` ignoring NaN; -1 where all are NaN (Keras's rule; NumPy raises)."""
    return _nan_arg(x, axis, keepdims, argmax, float("-inf"))


@composite
def nanargmin(x, axis=None, keepdims=False):
    """``argmin`` ignoring NaN; -1 where all are NaN (Keras's rule; NumPy raises)."""
    return _nan_arg(x, axis, keepdims, argmin, float("inf"))


def _reduced_last(name, x, axis):
    """``(x with the reduced axes merged into a last one, shape kept with keepdims)``. The reduced axes must have
    known sizes (symbolic inputs: one kept axis, such as the batch, may be unknown)."""
    shape = tuple(shape_of(x))
    rank = len(shape)
    axes = tuple(range(rank)) if axis is None else tuple(sorted(a % rank for a in (
        (axis,) if isinstance(axis, int) else axis)))
    if unknown := [a for a in axes if shape[a] is None]:
        raise ValueError(f"{name}: the reduced axes {axes} must have known sizes, received shape {shape} "
                         f"(axis {unknown[0]} is unknown); reduce over known axes.")
    kept = [a for a in range(rank) if a not in axes]
    size = 1
    for a in axes:
        size *= shape[a]
    moved = transpose(x, kept + list(axes)) if rank else reshape(x, (1,))
    merged = reshape(moved, tuple(-1 if shape[a] is None else shape[a] for a in kept) + (size,))
    keepdims_shape = tuple(1 if a in axes else (-1 if shape[a] is None else shape[a]) for a in range(rank))
    return merged, keepdims_shape


def _lerp(a, b, t):
    """``a + (b - a) * t``, from the nearer end (NumPy's form: exact at ``t`` 0 and 1, monotone)."""
    difference = subtract(b, a)
    return where(greater_equal(t, 0.5), subtract(b, multiply(difference, subtract(1.0, t))),
                 add(a, multiply(difference, t)))


def _quantile(name, x, q, axis, method, keepdims, ignore_nan):
    if method not in _QUANTILE_METHODS:
        raise ValueError(f"{name}: method must be one of {_QUANTILE_METHODS}, received {method!r}.")
    x = _tensor(x)
    x = cast(x, _float_dtype(x))
    q = convert_to_tensor(q, dtype=dtype_of(x)) if not is_tensor(q) else cast(q, dtype_of(x))
    if len(shape_of(q)) > 1:
        raise ValueError(f"{name}: q must be a scalar or 1-D, received shape {shape_of(q)}.")
    merged, keepdims_shape = _reduced_last(name, x, axis)
    size = shape_of(merged)[-1]
    missing = isnan(merged)
    ordered = sort(where(missing, float("inf"), merged), axis=-1)   # NaN last on every backend
    kept = _kept_count(merged, -1, True)
    ordered = where(less(arange(size, dtype=dtype_of(x)), kept), ordered, 0.0)   # NaN's places: no inf - inf
    count = kept if ignore_nan else full((), float(size), dtype_of(x))
    q_row = reshape(q, (1,) * (len(shape_of(merged)) - 1) + (-1,))
    position = multiply(q_row, subtract(count, 1.0))
    last = float(max(size - 1, 0))
    low, high = clip(floor(position), 0.0, last), clip(ceil(position), 0.0, last)
    if method == "nearest":
        low = high = clip(round(position), 0.0, last)
    lower = take_along_axis(ordered, cast(low, "int32"), axis=-1)
    upper = take_along_axis(ordered, cast(high, "int32"), axis=-1)
    if method == "lower" or method == "nearest":
        out = lower
    elif method == "higher":
        out = upper
    elif method == "midpoint":
        out = multiply(add(lower, upper), 0.5)
    else:
        out = _lerp(lower, upper, subtract(position, low))
    invalid = equal(count, 0.0) if ignore_nan else any(missing, axis=-1, keepdims=True)
    out = where(invalid, float("nan"), out)
    rank = len(shape_of(out))
    out = transpose(out, [rank - 1] + list(range(rank - 1)))
    if keepdims:
        out = reshape(out, (shape_of(out)[0],) + keepdims_shape)
    return squeeze(out, axis=0) if len(shape_of(q)) == 0 else out


@composite
def quantile(x, q, axis=None, method="linear", keepdims=False):
    """The ``q``-th quantiles (``q`` in [0, 1]) over ``axis``; NaN where a slice holds NaN. Float result."""
    return _quantile("quantile", x, q, axis, method, keepdims, ignore_nan=False)


@composite
def percentile(x, q, axis=None, method="linear", keepdims=False):
    """``quantile(x, q / 100)``."""
    return _quantile("percentile", x, divide(_tensor(q), 100.0), axis, method, keepdims, ignore_nan=False)


@composite
def median(x, axis=None, keepdims=False):
    """``quantile(x, 0.5)``."""
    return _quantile("median", x, 0.5, axis, "linear", keepdims, ignore_nan=False)


@composite
def nanquantile(x, q, axis=None, method="linear", keepdims=False):
    """``quantile`` of the non-NaN entries (NaN where all are NaN)."""
    return _quantile("nanquantile", x, q, axis, method, keepdims, ignore_nan=True)


@composite
def nanpercentile(x, q, axis=None, method="linear", keepdims=False):
    """``nanquantile(x, q / 100)``."""
    return _quantile("nanpercentile", x, divide(_tensor(q), 100.0), axis, method, keepdims, ignore_nan=True)


@composite
def nanmedian(x, axis=None, keepdims=False):
    """``nanquantile(x, 0.5)``."""
    return _quantile("nanmedian", x, 0.5, axis, "linear", keepdims, ignore_nan=True)


@composite
def corrcoef(x):
    """Pearson correlation matrix of the rows of ``x`` (variables, observations); a 1-D ``x`` gives 1.0.
    Clipped to [-1, 1], as NumPy does."""
    x = _tensor(x)
    dtype = standardize_dtype(dtype_of(x))
    if dtype in ("int64", "float64"):
        dtype = "float64"
    elif dtype not in ("float16", "bfloat16"):
        dtype = config.floatx()
    x = cast(x, dtype)
    vector = len(shape_of(x)) == 1
    if vector:
        x = expand_dims(x, 0)
    centered = subtract(x, mean(x, axis=1, keepdims=True))
    covariance = matmul(centered, transpose(centered))
    scale = sqrt(sum(square(centered), axis=1))
    out = clip(divide(covariance, multiply(expand_dims(scale, 1), expand_dims(scale, 0))), -1.0, 1.0)
    return reshape(out, ()) if vector else out
