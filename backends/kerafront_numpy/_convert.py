"""dtype mapping, tensor conversion and kerafront's promotion for the NumPy backend (helpers, no op).

kerafront promotes differently from NumPy (``int64 + float32 -> float32``, Python scalars are
weak, integer true division gives floatx), so every binary op goes through ``operands``, which
returns both operands ready for a NumPy ufunc whose result then has kerafront's dtype. The common
cases (same-dtype arrays, a float array with a Python float) cost one or two type checks.

bfloat16 comes from ``ml_dtypes`` (imported only when asked for); NumPy itself has none.
"""

import functools

import numpy as np

from kerafront import dtypes as _kdt, spec_rules
from kerafront.config import state

ndarray = np.ndarray
_NP_DTYPES = {name: np.dtype(name) for name in _kdt.ALL_DTYPES if name != "bfloat16"}
_NAMES = {dt: name for name, dt in _NP_DTYPES.items()}
_PROMOTED = {}

try:  # Silencing NumPy's floating-point warnings through the context variable costs ~0.3 us.
    from numpy._core.umath import _extobj_contextvar as _errvar, _make_extobj
    _IGNORE = _make_extobj(all="ignore")

    def quiet(fn, *args, **kwargs):
        """Call ``fn`` with NumPy's floating-point warnings off (log(0) is -inf, as in every framework)."""
        token = _errvar.set(_IGNORE)
        try:
            return fn(*args, **kwargs)
        finally:
            _errvar.reset(token)
except ImportError:  # pragma: no cover - other NumPy versions
    def quiet(fn, *args, **kwargs):
        """Call ``fn`` with NumPy's floating-point warnings off."""
        with np.errstate(all="ignore"):
            return fn(*args, **kwargs)


def _bfloat16():
    try:
        import ml_dtypes
    except ImportError:
        raise TypeError("bfloat16: the NumPy backend needs the ml_dtypes package for bfloat16 "
                        "(NumPy has no bfloat16); install it with `pip install ml_dtypes` or use float16/float32."
                        ) from None
    dt = np.dtype(ml_dtypes.bfloat16)
    _NP_DTYPES["bfloat16"] = dt
    _NAMES[dt] = "bfloat16"
    return dt


def np_dtype(dtype):
    """The NumPy dtype for a kerafront dtype name (or anything ``standardize_dtype`` accepts)."""
    dt = _NP_DTYPES.get(dtype) if type(dtype) is str else None
    if dt is not None:
        return dt
    name = _kdt.standardize_dtype(dtype)
    if name == "bfloat16":
        return _NP_DTYPES.get("bfloat16") or _bfloat16()
    return _NP_DTYPES[name]


def dtype_name(dt):
    """kerafront's name for NumPy dtype ``dt``; TypeError for one kerafront lacks (complex, str...)."""
    name = _NAMES.get(dt)
    if name is None:
        name = _kdt.standardize_dtype(dt.name)
        _NAMES[dt] = name
    return name


def floatx():
    return np_dtype(state.floatx)


def is_float(dt):
    """True for a floating NumPy dtype, bfloat16 included (its kind is 'V')."""
    return dt.kind == "f" or is_bfloat16(dt)


def is_bfloat16(dt):
    """True for ml_dtypes' bfloat16 (cheap: ``dtype.name`` is a slow Python property)."""
    return dt.kind == "V" and (_NAMES.get(dt) == "bfloat16" or dt.name == "bfloat16")


def to_array(x, dtype=None):
    """``convert_to_tensor`` on plain values: Python floats -> floatx, ints -> int32, bools -> bool.

    Arrays keep their dtype; NumPy scalars keep theirs; nested lists follow the Python rules
    (floats -> floatx, ints -> int32).
    """
    if type(x) is ndarray:
        array = x
    else:
        t = type(x)
        if t is float:
            array = np.asarray(x, dtype=floatx() if dtype is None else np_dtype(dtype))
            return array
        if t is int:
            array = np.asarray(x, dtype=np.int32 if dtype is None else np_dtype(dtype))
            return array
        if t is bool:
            return np.asarray(x, dtype=np.bool_ if dtype is None else np_dtype(dtype))
        if isinstance(x, (np.generic, ndarray)):
            array = np.asarray(x)
        elif isinstance(x, (list, tuple)):
            array = np.asarray(x)
            if dtype is None:
                if array.dtype == np.float64:
                    array = array.astype(floatx())
                elif array.dtype == np.int64:
                    array = array.astype(np.int32)
        else:
            try:
                array = np.asarray(x)
            except Exception as error:  # noqa: BLE001 - re-raised with the op's name
                raise TypeError(f"convert_to_tensor: cannot convert {type(x).__name__} to a tensor: {error}") from None
            if array.dtype == object:
                raise TypeError(f"convert_to_tensor: cannot convert {type(x).__name__} to a tensor.")
    if dtype is not None:
        dt = np_dtype(dtype)
        if array.dtype != dt:
            array = array.astype(dt)
    elif array.dtype not in _NAMES:
        try:
            dtype_name(array.dtype)
        except TypeError as error:
            raise TypeError(f"convert_to_tensor: {error}") from None
    return array


def promote(d1, d2):
    """kerafront's result dtype (NumPy dtype) of two NumPy dtypes, cached."""
    key = (d1, d2)
    dt = _PROMOTED.get(key)
    if dt is None:
        dt = np_dtype(_kdt.result_type(dtype_name(d1), dtype_name(d2)))
        _PROMOTED[key] = dt
    return dt


def _with_scalar(array, scalar):
    """Promote ``array`` against weak Python scalar ``scalar``; returns (array, scalar) for a ufunc."""
    kind = array.dtype.kind
    t = type(scalar)
    if t is float:
        if kind == "f":
            return array, scalar
        if is_bfloat16(array.dtype):
            return array, np.asarray(scalar, dtype=array.dtype)
        return array.astype(floatx()), scalar
    if t is bool:
        return array, np.asarray(scalar, dtype=array.dtype)
    # int
    if kind == "b":
        return array.astype(np.int32), scalar
    if kind == "V" and is_bfloat16(array.dtype):
        return array, np.asarray(scalar, dtype=array.dtype)
    return array, scalar


def operands(x1, x2):
    """Both operands of a binary op, converted so that the ufunc's result has kerafront's dtype."""
    t1, t2 = type(x1), type(x2)
    if t1 is ndarray:
        if t2 is ndarray:
            d1, d2 = x1.dtype, x2.dtype
            if d1 is d2 or d1 == d2:
                return x1, x2
            dt = promote(d1, d2)
            return (x1 if d1 == dt else x1.astype(dt)), (x2 if d2 == dt else x2.astype(dt))
        if t2 is float:
            if x1.dtype.kind == "f":
                return x1, x2
            return _with_scalar(x1, x2)
        if t2 is int or t2 is bool:
            return _with_scalar(x1, x2)
        return operands(x1, to_array(x2))
    if t2 is ndarray:
        if t1 is float and x2.dtype.kind == "f":
            return x1, x2
        if t1 is float or t1 is int or t1 is bool:
            x2, x1 = _with_scalar(x2, x1)
            return x1, x2
        return operands(to_array(x1), x2)
    if t1 in (float, int, bool) and t2 in (float, int, bool):
        dt = np_dtype(_kdt.result_type(weak=(t1, t2), floatx=state.floatx))
        return np.asarray(x1, dtype=dt), np.asarray(x2, dtype=dt)
    a1 = x1 if t1 in (float, int, bool) else to_array(x1)
    a2 = x2 if t2 in (float, int, bool) else to_array(x2)
    return operands(a1, a2)


def broadcast_error(op, *operands):
    """The ValueError for operands whose shapes do not broadcast (raised from the ufunc's own error)."""
    return spec_rules.broadcast_error(op, [np.shape(x) for x in operands])


def binary_forward(name, ufunc, doc=None, quiet_warnings=False):
    """The forward of binary primitive ``name``: ``ufunc`` on ``operands(x1, x2)``, an ndarray result.

    Shapes that do not broadcast raise ``ValueError`` naming ``name`` (from the ufunc's own error,
    so valid inputs pay no check); ``quiet_warnings`` runs the ufunc through ``quiet``. The caller
    wraps it in ``primitive(vjp)``, which keeps its VJP beside it.
    """
    kernel = functools.partial(quiet, ufunc) if quiet_warnings else ufunc

    def forward(x1, x2):
        x1, x2 = operands(x1, x2)
        try:
            return result_array(kernel(x1, x2))
        except ValueError:
            raise broadcast_error(name, x1, x2) from None

    forward.__name__ = forward.__qualname__ = name
    forward.__doc__ = doc
    return forward


def result_array(r):
    """A NumPy result as an ndarray: ufuncs return NumPy scalars for 0-d results, primitives never do."""
    return r if type(r) is ndarray else np.asarray(r)


def input_array(x):
    """A primitive's tensor argument as an ndarray (arrays pass through uncopied)."""
    return x if type(x) is ndarray else to_array(x)


def as_float(x):
    """``x`` as an array, integers and bools cast to floatx (unary float math)."""
    if type(x) is not ndarray:
        x = to_array(x)
    if x.dtype.kind == "f":
        return x
    if is_bfloat16(x.dtype):
        return x
    return x.astype(floatx())
