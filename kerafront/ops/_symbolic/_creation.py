"""Creation and conversion rules: ``zeros``/``ones``/``full``/``arange``/``eye`` shapes, ``cast``, and
``shape``/``dtype``/``is_tensor`` answered from a KerasTensor."""

import math

import numpy as np

from kerafront._keras_tensor import KerasTensor
from kerafront.config import active, state
from kerafront.dtypes import INT_DTYPES, standardize_dtype
from kerafront.ops._symbolic._arguments import PYTHON_SCALARS, dims, promote, rule, shape_of, spec_of
from kerafront.spec_rules import bitcast_shape


@rule
def convert_to_tensor(x, dtype=None):
    shape, x_dtype = spec_of(x, "convert_to_tensor")
    if x_dtype is None:
        x_dtype = {bool: "bool", int: "int32", float: state.floatx}[type(x)]
    return KerasTensor(shape, standardize_dtype(dtype) or x_dtype)


@rule
def convert_to_numpy(x):
    if isinstance(x, KerasTensor):
        x.__array__()
    return np.array(x)


@rule
def is_tensor(x):
    return isinstance(x, KerasTensor) or bool(active.tables.impl["is_tensor"](x))


@rule
def zeros(shape, dtype=None):
    return KerasTensor(dims(shape, "zeros"), standardize_dtype(dtype) or state.floatx)


@rule
def ones(shape, dtype=None):
    return KerasTensor(dims(shape, "ones"), standardize_dtype(dtype) or state.floatx)


@rule
def full(shape, fill_value, dtype=None):
    if dtype is None:
        dtype = spec_of(fill_value, "full")[1] or {bool: "bool", int: "int32", float: state.floatx}[type(fill_value)]
    return KerasTensor(dims(shape, "full"), dtype)


@rule
def arange(start, stop=None, step=1, dtype=None):
    values = [v for v in (start, stop, step) if v is not None]
    if dtype is None:
        integral = all(spec_of(v)[1] in INT_DTYPES or type(v) in (int, bool) for v in values)
        dtype = "int32" if integral else state.floatx
    if all(type(v) in PYTHON_SCALARS for v in values):
        if step == 0:
            raise ValueError("arange: step must not be 0.")
        begin, end = (0, start) if stop is None else (start, stop)
        return KerasTensor((max(math.ceil((end - begin) / step), 0),), dtype)
    return KerasTensor((None,), dtype)


@rule
def eye(n, m=None, k=0, dtype=None):
    rows = n if type(n) is int else None
    cols = rows if m is None else m if type(m) is int else None
    return KerasTensor((rows, cols), standardize_dtype(dtype) or state.floatx)


@rule
def cast(x, dtype):
    return KerasTensor(shape_of(x, "cast"), standardize_dtype(dtype))


class SymbolicShape(tuple):
    """What ``shape`` returns for a KerasTensor: its shape tuple (``None`` for unknown dims), marked so
    that an op given it (``zeros(shape(x))``, ``reshape(y, shape(x))``) stays symbolic even when
    every dim is known."""

    __slots__ = ()


@rule
def shape(x):
    return SymbolicShape(shape_of(x, "shape"))


@rule
def dtype(x):
    return spec_of(x, "dtype")[1]


@rule
def bitcast(x, dtype):
    shape, x_dtype = spec_of(x, "bitcast")
    target = standardize_dtype(dtype)
    return KerasTensor(bitcast_shape(shape, x_dtype or promote(x), target), target)
