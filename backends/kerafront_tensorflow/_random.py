"""Section random: seeded random primitives on TensorFlow's stateless kernels.

``seed`` is an int (used as ``[seed, 0]``) or an integer tensor of shape (2,), the state a
``kerafront.random.SeedGenerator`` threads through compiled steps. Stateless ops take the seed as
a tensor input, so inside ``compile`` (``tf.function``) a new seed value gives new numbers without
retracing, and the same value gives the same numbers.
"""

import numpy as np

from kerafront.spec_rules import single_axis
from kerafront_tensorflow._convert import as_tensor, floatx_tf, shape_arg, static_shape, tf_dtype
from kerafront_tensorflow._tf import tf


def _seed(op, seed):
    """A (2,) int32/int64 seed tensor; ``ValueError`` for anything else."""
    if isinstance(seed, (int, np.integer)) and not isinstance(seed, bool):
        return tf.constant([int(seed), 0], dtype=tf.int64)
    if seed is None or isinstance(seed, (bool, float)):
        raise _seed_error(op, repr(seed))
    seed = as_tensor(seed)
    if not seed.dtype.is_integer or static_shape(seed) != (2,):
        raise _seed_error(op, f"a tensor of dtype {seed.dtype.name} and shape {static_shape(seed)}")
    if seed.dtype not in (tf.int32, tf.int64):
        seed = tf.cast(seed, tf.int32)
    return seed


def _seed_error(op, received):
    return ValueError(f"{op}: seed must be an int or an integer tensor of shape (2,) (a SeedGenerator state), "
                      f"got {received}.")


def _float_dtype(op, dtype):
    target = floatx_tf() if dtype is None else tf_dtype(dtype)
    if not target.is_floating:
        raise ValueError(f"{op}: dtype must be a float dtype, got {dtype!r}.")
    return target


def random_normal(shape, seed, mean=0.0, stddev=1.0, dtype=None):
    target = _float_dtype("random_normal", dtype)
    return tf.random.stateless_normal(shape_arg(shape), _seed("random_normal", seed), mean=mean, stddev=stddev,
                                      dtype=target)


def random_uniform(shape, seed, minval=0.0, maxval=1.0, dtype=None):
    """Floats in ``[minval, maxval)``; an integer dtype draws ints in ``[int(minval), int(maxval))``."""
    target = floatx_tf() if dtype is None else tf_dtype(dtype)
    seed = _seed("random_uniform", seed)
    if target.is_integer:
        if target not in (tf.int32, tf.int64):
            values = tf.random.stateless_uniform(shape_arg(shape), seed, int(minval), int(maxval), dtype=tf.int32)
            return tf.cast(values, target)
        return tf.random.stateless_uniform(shape_arg(shape), seed, int(minval), int(maxval), dtype=target)
    if not target.is_floating:
        raise ValueError(f"random_uniform: dtype must be a float or integer dtype, got {dtype!r}.")
    return tf.random.stateless_uniform(shape_arg(shape), seed, minval=minval, maxval=maxval, dtype=target)


def truncated_normal(shape, seed, mean=0.0, stddev=1.0, dtype=None):
    """Normal samples resampled until they lie within two ``stddev`` of ``mean``."""
    target = _float_dtype("truncated_normal", dtype)
    return tf.random.stateless_truncated_normal(shape_arg(shape), _seed("truncated_normal", seed), mean=mean,
                                                stddev=stddev, dtype=target)


def random_shuffle(x, seed, axis=0):
    """Permute the slices along ``axis`` by the stable argsort of uniform keys."""
    x = as_tensor(x)
    axis = single_axis(axis, x.shape.rank, "random_shuffle")
    length = static_shape(x)[axis]
    if length is None:
        length = tf.shape(x)[axis]
    keys = tf.random.stateless_uniform([length], _seed("random_shuffle", seed), dtype=tf.float32)
    return tf.gather(x, tf.argsort(keys, stable=True), axis=axis)
