"""Creation primitives, ``cast``, ``shape`` and ``dtype`` (see ``kerafront.spec``)."""

import builtins

import numpy as np

from kerafront_tensorflow._convert import (FLOAT_TF, Tensor, convert_to_tensor, floatx_tf, tf, tf_dtype)


def _shape_arg(shape):
    """A shape argument as a list (an int means a 1-D shape); entries may be scalar tensors while tracing."""
    if isinstance(shape, (int, np.integer)):
        return [int(shape)]
    if isinstance(shape, Tensor):
        return shape
    return list(shape)


def _creation_dtype(dtype):
    return floatx_tf() if dtype is None else tf_dtype(dtype)


def zeros(shape, dtype=None):
    return tf.zeros(_shape_arg(shape), dtype=_creation_dtype(dtype))


def ones(shape, dtype=None):
    return tf.ones(_shape_arg(shape), dtype=_creation_dtype(dtype))


def full(shape, fill_value, dtype=None):
    """``fill_value`` may be a Python scalar (float -> floatx, int -> int32, bool -> bool) or a tensor."""
    if dtype is None:
        value = convert_to_tensor(fill_value)
    else:
        value = convert_to_tensor(fill_value, dtype)
    return tf.fill(_shape_arg(shape), value)


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


def cast(x, dtype):
    """``tf.cast``: float -> int truncates toward zero; gradients flow float -> float only."""
    return tf.cast(convert_to_tensor(x), tf_dtype(dtype))


def shape(x):
    """Static shape; a dimension unknown while tracing is returned as a scalar int32 tensor."""
    if not isinstance(x, Tensor):
        x = convert_to_tensor(x)
    dims = tuple(x.shape)
    if None in dims:
        dynamic = tf.shape(x)
        return tuple(dynamic[i] if d is None else d for i, d in enumerate(dims))
    return dims
