"""Shared helpers (no ops): dtype tables, conversion of Python/NumPy values, promotion, shape errors.

TensorFlow never promotes implicitly (``tf.add(int32, float32)`` is an error), so every binary op
goes through ``binary_operands``: equal dtypes take a fast path, anything else is promoted with
``kerafront.dtypes.result_type`` (Python scalars weak) and cast explicitly. The ``convert_to_tensor``
op (``_creation.py``) passes tensors through and hands every other value to ``from_value``.
"""

import functools
import re

import numpy as np

from kerafront import config, spec_rules
from kerafront.dtypes import ALL_DTYPES, FLOAT_DTYPES, result_type, standardize_dtype
from kerafront_tensorflow._kernels import kernels
from kerafront_tensorflow._tf import Tensor, tf

TF_DTYPES = {name: tf.as_dtype(name) for name in ALL_DTYPES}
DTYPE_NAMES = {tf_dtype: name for name, tf_dtype in TF_DTYPES.items()}
FLOAT_TF = frozenset(TF_DTYPES[name] for name in FLOAT_DTYPES)
_WEAK_TYPES = (bool, int, float)
_BOOL = tf.bool
_INT32 = tf.int32
_HAS_SHAPE_TUPLE = hasattr(Tensor, "_shape_tuple")
# What a kernel raises for operands of incompatible shapes: eagerly, or from graph shape inference.
SHAPE_ERRORS = (tf.errors.InvalidArgumentError, ValueError)


def tf_dtype(dtype):
    """The ``tf.DType`` for a kerafront dtype name (or anything ``standardize_dtype`` accepts)."""
    if isinstance(dtype, tf.DType):
        return dtype
    found = TF_DTYPES.get(dtype)
    return found if found is not None else TF_DTYPES[standardize_dtype(dtype)]


def dtype_name(tf_type):
    """kerafront name of a ``tf.DType``; ``TypeError`` for dtypes kerafront does not support."""
    name = DTYPE_NAMES.get(tf_type)
    return name if name is not None else standardize_dtype(tf_type)


def floatx_tf():
    return TF_DTYPES[config.floatx()]


def static_shape(x):
    """Static shape as a tuple, ``None`` for a dimension unknown while tracing."""
    dims = x._shape_tuple() if _HAS_SHAPE_TUPLE else None  # cached tuple, no TensorShape object
    return dims if dims is not None else tuple(x.shape)


def shape_arg(shape):
    """A shape argument as a list (an int means a 1-D shape); entries may be scalar tensors while tracing."""
    if isinstance(shape, (int, np.integer)):
        return [int(shape)]
    if isinstance(shape, Tensor):
        return shape
    return list(shape)


# ----------------------------------------------------------------------------------------------
# Values that are not tensors yet


def _default_dtype(array):
    """Default dtype for data from Python lists: floats -> floatx, ints -> int32, bools -> bool."""
    kind = array.dtype.kind
    if kind == "f":
        return floatx_tf()
    if kind in "iu":
        return _INT32
    if kind == "b":
        return _BOOL
    raise TypeError(f"convert_to_tensor: cannot convert data of NumPy dtype {array.dtype} "
                    f"(expected numbers or bools).")


def _check_numpy_dtype(dtype):
    """kerafront's name of a NumPy dtype; ``TypeError`` naming ``convert_to_tensor`` for one it lacks."""
    try:
        return standardize_dtype(dtype)
    except TypeError as error:
        raise TypeError(f"convert_to_tensor: {error}") from None


def _holds_tensor(items):
    """True when a nested list holds a tensor (symbolic tensors cannot go through NumPy)."""
    return any(isinstance(item, Tensor) or (isinstance(item, (list, tuple)) and _holds_tensor(item))
               for item in items)


def _python_scalar(value, kind, target):
    """Python float -> floatx, int -> int32, bool -> bool; then ``target`` when given."""
    default = floatx_tf() if kind is float else (_INT32 if kind is int else _BOOL)
    if target is None or target is default:
        return tf.constant(value, dtype=default)
    # tf.constant turns an int into any number type and a float into any float type; the other
    # pairs (float -> int truncates, number -> bool) need a cast.
    if (kind is int and target is not _BOOL) or (kind is float and target in FLOAT_TF):
        return tf.constant(value, dtype=target)
    return tf.cast(tf.constant(value, dtype=default), target)


def as_tensor(x):
    """``x`` itself when it is a tensor, else ``from_value(x)`` (the spec's default dtypes)."""
    return x if isinstance(x, Tensor) else from_value(x)


def from_value(x, target=None):
    """A ``tf.Tensor`` from a Python scalar, NumPy array, ``tf.Variable`` or nested list (not a tensor).

    ``target`` is a ``tf.DType`` or None (Python floats -> floatx, ints -> int32, bools -> bool;
    NumPy arrays keep their dtype).
    """
    kind = type(x)
    if kind is float or kind is int or kind is bool:
        return _python_scalar(x, kind, target)
    if isinstance(x, (np.ndarray, np.generic)):
        _check_numpy_dtype(x.dtype)
        tensor = tf.convert_to_tensor(x)
    elif isinstance(x, tf.Variable):
        tensor = tf.convert_to_tensor(x)
    elif isinstance(x, (list, tuple)) and _holds_tensor(x):
        tensor = tf.stack(operands(*[as_tensor(item) for item in x]))
    else:
        array = np.asarray(x)
        tensor = tf.convert_to_tensor(array)
        if target is None:
            target = _default_dtype(array)
    if target is not None and tensor.dtype is not target:
        tensor = tf.cast(tensor, target)
    return tensor


# ----------------------------------------------------------------------------------------------
# Promotion of operands


def _describe(x):
    """(strong dtype name or None, weak Python type or None) of an operand."""
    if isinstance(x, Tensor):
        return dtype_name(x.dtype), None
    kind = type(x)
    if kind in _WEAK_TYPES:
        return None, kind
    if isinstance(x, (np.ndarray, np.generic)):
        return _check_numpy_dtype(x.dtype), None
    return dtype_name(from_value(x).dtype), None


def _to_target(x, target):
    if isinstance(x, Tensor):
        return x if x.dtype is target else tf.cast(x, target)
    return from_value(x, target)


def result_dtype(*xs):
    """The promoted ``tf.DType`` of operands ``xs`` (tensors, arrays, Python scalars)."""
    strong, weak = [], []
    for x in xs:
        name, weak_type = _describe(x)
        if name is None:
            weak.append(weak_type)
        else:
            strong.append(name)
    return TF_DTYPES[result_type(*strong, weak=tuple(weak), floatx=config.floatx())]


def binary_operands(x1, x2):
    """``(x1, x2)`` as tensors of their promoted dtype; tensors of equal dtype pass untouched."""
    if isinstance(x1, Tensor) and isinstance(x2, Tensor) and x1.dtype is x2.dtype:
        return x1, x2
    target = result_dtype(x1, x2)
    return _to_target(x1, target), _to_target(x2, target)


def operands(*xs):
    """Several operands promoted to one dtype (concatenate, einsum, clip...)."""
    target = result_dtype(*xs)
    return [_to_target(x, target) for x in xs]


def float_operand(x):
    """``x`` as a tensor; integer and bool tensors become floatx (unary float math)."""
    x = as_tensor(x)
    return x if x.dtype in FLOAT_TF else tf.cast(x, floatx_tf())


def bool_operand(x):
    """``x`` as a bool tensor: ``x != 0`` for numbers (logic ops, ``where``'s condition, any/all)."""
    x = as_tensor(x)
    if x.dtype is _BOOL:
        return x
    return kernels.NotEqual(x=x, y=tf.zeros((), x.dtype))


# ----------------------------------------------------------------------------------------------
# Errors


def kernel_reason(error):
    """A TensorFlow kernel error's own sentence, without the function-node prefix and op suffix."""
    text = getattr(error, "message", None) or str(error)
    return re.sub(r"^\{\{function_node [^}]*\}\}\s*|\s*\[Op:\w+\].*$", "", text, flags=re.DOTALL)


def _raise_unless_broadcastable(op, operands):
    """In an ``except`` for a kernel's error: raise the ``ValueError`` naming ``op`` when the operands'
    static shapes do not broadcast (the kernel's error suppressed); else return, for the caller to re-raise it."""
    shapes = [static_shape(x) if isinstance(x, Tensor) else np.shape(x) for x in operands]
    if not spec_rules.broadcastable(shapes):
        raise spec_rules.broadcast_error(op, shapes) from None


def names_broadcast_errors(fn):
    """Decorator of an op on several operands: shapes that do not broadcast raise ``ValueError`` naming it.

    The kernel's own error is caught (no check on the fast path) and replaced when the operands'
    static shapes do not broadcast; any other kernel error passes unchanged.
    """
    op = fn.__name__

    @functools.wraps(fn)
    def checked(*args, **kwargs):
        try:
            return fn(*args, **kwargs)
        except SHAPE_ERRORS:
            _raise_unless_broadcastable(op, [*args, *kwargs.values()])
            raise

    return checked


def binary_op(name, kernel, on_bool=None, operands=binary_operands, doc=None):
    """Binary op ``name``: ``kernel(x=, y=)`` on ``operands(x1, x2)`` (``binary_operands``: kerafront's
    table), or ``on_bool`` when those are bool and it is given.

    The same contract as ``names_broadcast_errors``, without its extra call: the kernel's error for
    shapes that do not broadcast becomes a ``ValueError`` naming ``name``; any other passes unchanged.
    """
    def op(x1, x2):
        try:
            a, b = operands(x1, x2)
            if on_bool is not None and a.dtype is _BOOL:
                return on_bool(x=a, y=b)
            return kernel(x=a, y=b)
        except SHAPE_ERRORS:
            _raise_unless_broadcastable(name, (x1, x2))
            raise

    op.__name__ = op.__qualname__ = name
    op.__doc__ = doc
    return op
