"""Conversion, dtypes and kerafront's promotion table on ``tf.Tensor``.

TensorFlow never promotes implicitly (``tf.add(int32, float32)`` is an error), so every binary op
goes through ``binary_operands``: equal dtypes take a fast path, anything else is promoted with
``kerafront.dtypes.result_type`` (Python scalars weak) and cast explicitly.
"""

import numpy as np

from kerafront import config
from kerafront.dtypes import ALL_DTYPES, FLOAT_DTYPES, result_type, standardize_dtype
from kerafront_tensorflow._tf import Tensor, tf

TF_DTYPES = {name: tf.as_dtype(name) for name in ALL_DTYPES}
DTYPE_NAMES = {tf_dtype: name for name, tf_dtype in TF_DTYPES.items()}
FLOAT_TF = frozenset(TF_DTYPES[name] for name in FLOAT_DTYPES)
_WEAK_TYPES = (bool, int, float)
_BOOL = tf.bool
_INT32 = tf.int32


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


def is_tensor(x):
    return isinstance(x, Tensor)


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


def convert_to_tensor(x, dtype=None):
    """Native ``tf.Tensor`` from a tensor, NumPy array, Python scalar or nested list (spec rules)."""
    if isinstance(x, Tensor):
        if dtype is None:
            return x
        target = tf_dtype(dtype)
        return x if x.dtype is target else tf.cast(x, target)
    target = None if dtype is None else tf_dtype(dtype)
    kind = type(x)
    if kind is float or kind is int or kind is bool:
        return _python_scalar(x, kind, target)
    if isinstance(x, (np.ndarray, np.generic)):
        standardize_dtype(x.dtype)
        tensor = tf.convert_to_tensor(x)
    elif isinstance(x, tf.Variable):
        tensor = tf.convert_to_tensor(x)
    elif isinstance(x, (list, tuple)) and _holds_tensor(x):
        tensor = tf.stack(operands(*[convert_to_tensor(item) for item in x]))
    else:
        array = np.asarray(x)
        tensor = tf.convert_to_tensor(array)
        if target is None:
            target = _default_dtype(array)
    if target is not None and tensor.dtype is not target:
        tensor = tf.cast(tensor, target)
    return tensor


def convert_to_numpy(x):
    """Host ``np.ndarray`` copy; bfloat16 becomes float32. Symbolic tensors raise ``TypeError``."""
    if isinstance(x, Tensor):
        if not hasattr(x, "numpy"):
            raise TypeError(f"convert_to_numpy: {x!r} is a symbolic tensor (inside a compiled function); "
                            f"convert values outside compile().")
        array = np.array(x.numpy(), copy=True)
    else:
        array = np.array(x, copy=True)
    if array.dtype.name == "bfloat16":
        array = array.astype(np.float32)
    return array


def dtype(x):
    if isinstance(x, Tensor):
        return dtype_name(x.dtype)
    return dtype_name(convert_to_tensor(x).dtype)


def _describe(x):
    """(strong dtype name or None, weak Python type or None) of an operand."""
    if isinstance(x, Tensor):
        return dtype_name(x.dtype), None
    kind = type(x)
    if kind in _WEAK_TYPES:
        return None, kind
    if isinstance(x, (np.ndarray, np.generic)):
        return standardize_dtype(x.dtype), None
    return dtype_name(convert_to_tensor(x).dtype), None


def _to_target(x, target):
    if isinstance(x, Tensor):
        return x if x.dtype is target else tf.cast(x, target)
    return convert_to_tensor(x, target)


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
    x = convert_to_tensor(x)
    return x if x.dtype in FLOAT_TF else tf.cast(x, floatx_tf())


def static_shape(x):
    """Static shape as a tuple, ``None`` for a dimension unknown while tracing."""
    dims = x._shape_tuple() if _HAS_SHAPE_TUPLE else None  # cached tuple, no TensorShape object
    return dims if dims is not None else tuple(x.shape)


_HAS_SHAPE_TUPLE = hasattr(Tensor, "_shape_tuple")
