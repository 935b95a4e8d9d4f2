"""Random rules: the samples' shape and dtype. The seed is checked by its shape and dtype only, so a
symbolic or real seed tensor (a SeedGenerator's state) needs no value."""

from kerafront._keras_tensor import KerasTensor
from kerafront.config import state
from kerafront.dtypes import INT_DTYPES, is_float, standardize_dtype
from kerafront.ops._symbolic._arguments import dims, rule, spec_of
from kerafront.spec_rules import single_axis


def _check_seed(seed, op):
    if type(seed) is int:
        return
    shape, dtype = spec_of(seed, op)
    if dtype not in INT_DTYPES or len(shape) != 1 or shape[0] not in (2, None):
        raise ValueError(f"{op}: seed must be an int or an integer tensor of shape (2,) (a SeedGenerator state), "
                         f"got {type(seed).__name__} of dtype {dtype} and shape {shape}.")


def _samples(op, shape, seed, dtype, floats_only=True):
    _check_seed(seed, op)
    dtype = standardize_dtype(dtype) or state.floatx
    if floats_only and not is_float(dtype):
        raise ValueError(f"{op}: dtype must be a float dtype, got {dtype}.")
    return KerasTensor(dims(shape, op), dtype)


@rule
def random_normal(shape, seed, mean=0.0, stddev=1.0, dtype=None):
    return _samples("random_normal", shape, seed, dtype)


@rule
def random_uniform(shape, seed, minval=0.0, maxval=1.0, dtype=None):
    return _samples("random_uniform", shape, seed, dtype, floats_only=False)


@rule
def truncated_normal(shape, seed, mean=0.0, stddev=1.0, dtype=None):
    return _samples("truncated_normal", shape, seed, dtype)


@rule
def random_shuffle(x, seed, axis=0):
    shape, dtype = spec_of(x, "random_shuffle")
    if not shape:
        raise ValueError("random_shuffle: needs a tensor of rank >= 1, got a scalar.")
    single_axis(axis, len(shape), "random_shuffle")
    _check_seed(seed, "random_shuffle")
    return KerasTensor(shape, dtype)
