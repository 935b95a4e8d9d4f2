"""Seeded random primitives on ``np.random.Generator``.

``seed`` is an int or an integer tensor of shape (2,) (a ``SeedGenerator`` state); the generator
is ``np.random.default_rng`` seeded from its values, so the same seed gives the same numbers.
float16/bfloat16 samples are drawn in float32 and cast.
"""

import numpy as np

from kerafront.spec_rules import single_axis

from kerafront_numpy._autodiff import primitive
from kerafront_numpy._convert import floatx, is_float, np_dtype, to_array

_MASK = (1 << 64) - 1


def _rng(seed, op):
    if isinstance(seed, (int, np.integer)) and not isinstance(seed, bool):
        return np.random.default_rng(int(seed) & _MASK)
    array = np.asarray(seed)
    if array.dtype.kind not in "iu" or array.shape != (2,):
        raise ValueError(f"{op}: seed must be an int or an integer tensor of shape (2,) (a SeedGenerator state), "
                         f"got {type(seed).__name__} of dtype {array.dtype} and shape {array.shape}.")
    return np.random.default_rng([int(v) & _MASK for v in array])


def _shape(shape):
    if isinstance(shape, (int, np.integer)):
        return (int(shape),)
    return tuple(int(d) for d in shape)


def _float_dtype(dtype, op):
    dt = floatx() if dtype is None else np_dtype(dtype)
    if not is_float(dt):
        raise ValueError(f"{op}: dtype must be a float dtype, got {dt.name}.")
    return dt, (dt if dt in (np.float32, np.float64) else np.dtype(np.float32))


@primitive(None)
def random_normal(shape, seed, mean=0.0, stddev=1.0, dtype=None):
    """Normal samples ``mean + stddev * z``; dtype defaults to floatx."""
    dt, draw_dt = _float_dtype(dtype, "random_normal")
    z = _rng(seed, "random_normal").standard_normal(_shape(shape), dtype=draw_dt)
    return (z * draw_dt.type(stddev) + draw_dt.type(mean)).astype(dt, copy=False)


@primitive(None)
def random_uniform(shape, seed, minval=0.0, maxval=1.0, dtype=None):
    """Uniform samples in ``[minval, maxval)``; an integer dtype draws integers in that range."""
    rng = _rng(seed, "random_uniform")
    dt = floatx() if dtype is None else np_dtype(dtype)
    if dt.kind in "iu":
        return rng.integers(int(minval), int(maxval), size=_shape(shape), dtype=dt)
    _, draw_dt = _float_dtype(dt, "random_uniform")
    u = rng.random(_shape(shape), dtype=draw_dt)
    low, high = draw_dt.type(minval), draw_dt.type(maxval)
    out = low + (high - low) * u
    out = np.minimum(out, np.nextafter(high, low))  # rounding must not reach maxval
    return out.astype(dt, copy=False)


@primitive(None)
def truncated_normal(shape, seed, mean=0.0, stddev=1.0, dtype=None):
    """Normal samples within two ``stddev`` of ``mean``: values outside are redrawn until none are."""
    dt, draw_dt = _float_dtype(dtype, "truncated_normal")
    rng = _rng(seed, "truncated_normal")
    z = rng.standard_normal(_shape(shape), dtype=draw_dt)
    outside = np.abs(z) > 2
    while outside.any():
        z[outside] = rng.standard_normal(int(outside.sum()), dtype=draw_dt)
        outside = np.abs(z) > 2
    return (z * draw_dt.type(stddev) + draw_dt.type(mean)).astype(dt, copy=False)


@primitive(None)
def random_shuffle(x, seed, axis=0):
    """``x`` with its slices along ``axis`` in a random permutation."""
    x = to_array(x)
    if x.ndim == 0:
        raise ValueError("random_shuffle: needs a tensor of rank >= 1, got a scalar.")
    axis = single_axis(axis, x.ndim, "random_shuffle")
    return np.take(x, _rng(seed, "random_shuffle").permutation(x.shape[axis]), axis=axis)
