"""What every rule shares: the registry, reading shapes and dtypes from arguments, broadcasting (helpers, no op).

An argument may be a KerasTensor, a native tensor, a Variable, a NumPy array, a Python scalar (weak:
its dtype is ``None`` here and ``promote`` treats it as ``kerafront.dtypes`` does) or a nested list.
"""

import math
import operator

import numpy as np

from kerafront._keras_tensor import KerasTensor
from kerafront.config import active, state
from kerafront.dtypes import INT_DTYPES, is_float, result_type, standardize_dtype
from kerafront.spec_rules import broadcast_error, broadcastable

RULES = {}
PYTHON_SCALARS = (bool, int, float)


def rule(fn):
    """Register ``fn`` as the symbolic rule of the primitive of the same name."""
    RULES[fn.__name__] = fn
    return fn


def spec_of(x, op="op"):
    """``(shape, dtype)`` of a tensor argument; dtype ``None`` for a weak Python scalar."""
    if isinstance(x, KerasTensor):
        return x.shape, x.dtype
    if type(x) in PYTHON_SCALARS:
        return (), None
    if isinstance(x, (np.ndarray, np.generic)):
        return tuple(x.shape), standardize_dtype(x.dtype)
    if isinstance(x, (list, tuple)):
        if any(isinstance(item, KerasTensor) for item in x):
            return _stacked([spec_of(item, op) for item in x], op)
        array = np.asarray(x)
        if array.dtype == object:
            raise TypeError(f"{op}: cannot read a shape and dtype from {x!r}.")
        names = {"float64": state.floatx, "int64": "int32"}
        return tuple(array.shape), names.get(array.dtype.name, None) or standardize_dtype(array.dtype)
    impl = active.tables.impl
    if impl and impl["is_tensor"](x):
        return tuple(impl["shape"](x)), impl["dtype"](x)
    if hasattr(x, "shape") and hasattr(x, "dtype"):  # a Variable, or another framework's tensor
        return tuple(x.shape), standardize_dtype(x.dtype)
    raise TypeError(f"{op}: expected a tensor, got {type(x).__name__}.")


def shape_of(x, op="op"):
    return spec_of(x, op)[0]


def _stacked(specs, op):
    shape = specs[0][0]
    for other, _ in specs[1:]:
        shape = same_shape(op, shape, other)
    return (len(specs),) + shape, result_type(*[d for _, d in specs if d is not None], floatx=state.floatx)


def promote(*args):
    """kerafront's result dtype of the operands (Python scalars weak)."""
    strong, weak = [], []
    for x in args:
        if type(x) in PYTHON_SCALARS:
            weak.append(type(x))
        else:
            strong.append(spec_of(x)[1])
    return result_type(*strong, weak=tuple(weak), floatx=state.floatx)


def dims(shape, op, name="shape"):
    """A shape argument (an int or a sequence of ints, ``None`` or a tensor for an unknown dim) as a tuple."""
    if isinstance(shape, KerasTensor):
        if shape.ndim != 1 or shape.shape[0] is None:
            raise TypeError(f"{op}: {name} must be a tuple of ints, got the symbolic {shape!r}.")
        return (None,) * shape.shape[0]
    try:
        return (operator.index(shape),)
    except TypeError:
        pass
    try:
        return tuple(None if d is None or isinstance(d, KerasTensor) else operator.index(d) for d in shape)
    except TypeError:
        raise TypeError(f"{op}: {name} must be an int or a sequence of ints, got {shape!r}.") from None


def known(*values):
    return all(v is not None for v in values)


def merge(a, b):
    """One dim known to equal two others (either may be ``None``)."""
    return b if a is None else a


def same_shape(op, a, b):
    if len(a) != len(b) or any(known(x, y) and x != y for x, y in zip(a, b)):
        raise ValueError(f"{op}: all tensors must have the same shape, got {a} and {b}.")
    return tuple(merge(x, y) for x, y in zip(a, b))


def broadcast(op, shapes):
    """NumPy's broadcast of ``shapes``: ``None`` with 1 is ``None``, ``None`` with ``n`` is ``n``."""
    shapes = [tuple(s) for s in shapes]
    if not broadcastable(shapes):
        raise broadcast_error(op, shapes)
    rank = max(len(s) for s in shapes)
    out = []
    for column in zip(*[(1,) * (rank - len(s)) + s for s in shapes]):
        sized = [d for d in column if d is not None and d != 1]
        out.append(sized[0] if sized else None if None in column else 1)
    return tuple(out)


def float_of(dtype):
    """Unary float math computes integers and bools in floatx."""
    return dtype if is_float(dtype) else state.floatx


def int_indices(indices, op):
    shape, dtype = spec_of(indices, op)
    if dtype is not None and dtype not in INT_DTYPES and 0 not in shape:
        raise TypeError(f"{op}: indices must be integers, got dtype {dtype}; cast them with "
                        "kerafront.ops.cast(indices, 'int32').")
    return shape


def size_of(shape):
    """Number of elements of ``shape``; ``None`` when a dim is unknown."""
    return math.prod(shape) if known(*shape) else None


def no_values(op):
    """The error of a transformation (``value_and_grad``, ``compile``) given symbolic tensors."""
    return TypeError(f"{op}: symbolic tensors (KerasTensors) have no values to differentiate or compile. Call {op} "
                     "on real tensors, e.g. inside a layer's call when the model runs on data.")
