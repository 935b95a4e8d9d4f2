"""Creation, conversion, ``cast`` and the tensor's ``shape``/``dtype``, with VJPs where differentiable.

Python floats become floatx, Python ints int32; a ``dtype`` argument is a kerafront dtype name.
"""

import numpy as np

from kerafront_numpy._autodiff import primitive
from kerafront_numpy._convert import dtype_name, floatx, is_bfloat16, is_float, np_dtype, quiet, to_array

ndarray = np.ndarray


def _shape_tuple(shape, op):
    if isinstance(shape, (int, np.integer)):
        return (int(shape),)
    try:
        return tuple(int(d) for d in shape)
    except TypeError:
        raise TypeError(f"{op}: shape must be an int or a sequence of ints, got {shape!r}.") from None


def _identity_vjp(g, out, x, dtype=None):
    if isinstance(x, list):
        return ([g[i] for i in range(len(x))],)
    return (g,)


@primitive(_identity_vjp)
def convert_to_tensor(x, dtype=None):
    """ndarray of ``x``: arrays pass through uncopied; Python floats -> floatx, ints -> int32."""
    return to_array(x, dtype)


@primitive(None)
def convert_to_numpy(x):
    """An ndarray copy of ``x``; bfloat16 becomes float32."""
    array = np.array(x)
    if is_bfloat16(array.dtype):
        array = array.astype(np.float32)
    return array


@primitive(None)
def is_tensor(x):
    return isinstance(x, ndarray)


@primitive(None)
def zeros(shape, dtype=None):
    return np.zeros(_shape_tuple(shape, "zeros"), dtype=floatx() if dtype is None else np_dtype(dtype))


@primitive(None)
def ones(shape, dtype=None):
    return np.ones(_shape_tuple(shape, "ones"), dtype=floatx() if dtype is None else np_dtype(dtype))


@primitive(None)
def full(shape, fill_value, dtype=None):
    """Filled tensor; without dtype: floatx for a Python float, int32 for an int, else the value's dtype."""
    value = to_array(fill_value)
    dt = value.dtype if dtype is None else np_dtype(dtype)
    return np.full(_shape_tuple(shape, "full"), value, dtype=dt)


@primitive(None)
def arange(start, stop=None, step=1, dtype=None):
    """``np.arange``; int32 when start/stop/step are all ints, else floatx (computed in float64)."""
    if step == 0:
        raise ValueError("arange: step must not be 0.")
    values = [v for v in (start, stop, step) if v is not None]
    if dtype is None:
        integral = all(isinstance(v, (int, np.integer)) or (isinstance(v, ndarray) and v.dtype.kind in "iub")
                       for v in values)
        dt = np.dtype(np.int32) if integral else floatx()
    else:
        dt = np_dtype(dtype)
    if stop is None:
        start, stop = 0, start
    return np.arange(start, stop, step, dtype=np.float64 if is_float(dt) else None
                     ).astype(dt, copy=False)


@primitive(None)
def eye(n, m=None, k=0, dtype=None):
    return np.eye(int(n), None if m is None else int(m), int(k), dtype=floatx() if dtype is None else np_dtype(dtype))


def _cast_vjp(g, out, x, dtype):
    return (g if is_float(to_array(x).dtype) else None,)


@primitive(_cast_vjp)
def cast(x, dtype):
    """Cast to ``dtype``; float -> int truncates toward zero (NaN/inf give unspecified integers)."""
    dt = np_dtype(dtype)
    if type(x) is ndarray:
        if x.dtype == dt:
            return x
        return quiet(x.astype, dt)
    return quiet(to_array(x).astype, dt, copy=False)


@primitive(None)
def shape(x):
    return x.shape if type(x) is ndarray else np.shape(x)


@primitive(None)
def dtype(x):
    return dtype_name(x.dtype if type(x) is ndarray else to_array(x).dtype)


@primitive(None)
def bitcast(x, dtype):
    """``ndarray.view`` after ``kerafront.spec_rules.bitcast_shape``'s check (see ``kerafront.spec``)."""
    from kerafront.dtypes import standardize_dtype
    from kerafront.spec_rules import bitcast_shape
    x = to_array(x)
    x = x if x.flags.c_contiguous else x.copy()  # ascontiguousarray would make a 0-d array 1-d
    bitcast_shape(x.shape, dtype_name(x.dtype), standardize_dtype(dtype))
    return x.view(np_dtype(dtype))
