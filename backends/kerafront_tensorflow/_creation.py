"""Section creation: conversion, ``dtype``, ``shape``, ``cast`` and the creation primitives (see ``kerafront.spec``)."""

import builtins

import numpy as np

from kerafront_tensorflow._convert import (FLOAT_TF, dtype_name, floatx_tf, from_value, shape_arg, tf_dtype)
from kerafront_tensorflow._tf import Tensor, tf


def convert_to_tensor(x, dtype=None):
    """Native ``tf.Tensor`` from a tensor, NumPy array, Python scalar or nested list (spec rules)."""
    if isinstance(x, Tensor):
        if dtype is None:
            return x
        target = tf_dtype(dtype)
        return x if x.dtype is target else tf.cast(x, target)
    return from_value(x, None if dtype is None else tf_dtype(dtype))


def convert_to_numpy(x):
    """Host ``np.ndarray`` copy (also of a ``tf.Variable``); bfloat16 becomes float32. Symbolic tensors
    raise ``TypeError``."""
    if isinstance(x, tf.Variable):
        x = x.value()
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


def is_tensor(x):
    return isinstance(x, Tensor)


def dtype(x):
    if isinstance(x, Tensor):
        return dtype_name(x.dtype)
    return dtype_name(from_value(x).dtype)


def shape(x):
    """Static shape; a dimension unknown while tracing is returned as a scalar int32 tensor."""
    if not isinstance(x, Tensor):
        x = from_value(x)
    dims = tuple(x.shape)
    if None in dims:
        dynamic = tf.shape(x)
        return tuple(dynamic[i] if d is None else d for i, d in enumerate(dims))
    return dims


def cast(x, dtype):
    """``tf.cast``: float -> int truncates toward zero; gradients flow float -> float only."""
    return tf.cast(convert_to_tensor(x), tf_dtype(dtype))


def _creation_dtype(dtype):
    return floatx_tf() if dtype is None else tf_dtype(dtype)


def zeros(shape, dtype=None):
    return tf.zeros(shape_arg(shape), dtype=_creation_dtype(dtype))


def ones(shape, dtype=None):
    return tf.ones(shape_arg(shape), dtype=_creation_dtype(dtype))


def full(shape, fill_value, dtype=None):
    """``fill_value`` may be a Python scalar (float -> floatx, int -> int32, bool -> bool) or a tensor."""
    return tf.fill(shape_arg(shape), convert_to_tensor(fill_value, dtype))


def arange(start, stop=None, step=1, dtype=None):
    """``np.arange``: int32 when start/stop/step are all ints, else floatx."""
    if stop is None:
        start, stop = 0, start
    if step == 0:
        raise ValueError("arange: step must not be 0.")
    if dtype is None:
        all_int = builtins.all(isinstance(v, (int, np.integer)) and not isinstance(v, bool)
                               for v in (start, stop, step))
        target = tf.int32 if all_int else floatx_tf()
    else:
        target = tf_dtype(dtype)
    if target in FLOAT_TF and target is not tf.float64:
        # Compute in float64 for an exact element count, as NumPy does, then cast.
        return tf.cast(tf.range(start, stop, step, dtype=tf.float64), target)
    return tf.range(start, stop, step, dtype=target)


def eye(n, m=None, k=0, dtype=None):
    return tf.constant(np.eye(n, m, k), dtype=_creation_dtype(dtype))


def bitcast(x, dtype):
    """``tf.bitcast``, reshaped to NumPy's view shape (the last axis scales; see ``kerafront.spec``). bool travels
    as uint8 (``tf.bitcast`` has no bool)."""
    from kerafront.dtypes import standardize_dtype
    from kerafront.spec_rules import bitcast_shape
    x, target = convert_to_tensor(x), standardize_dtype(dtype)
    source = dtype_name(x.dtype)
    out_shape = bitcast_shape(tuple(x.shape), source, target)
    if source == "bool":
        x = tf.cast(x, tf.uint8)
    wire = tf.uint8 if target == "bool" else tf_dtype(target)
    if x.dtype.size < wire.size:
        x = tf.reshape(x, out_shape + (wire.size // x.dtype.size,))
    y = tf.reshape(tf.bitcast(x, wire), out_shape)
    return tf.not_equal(y, 0) if target == "bool" else y
