"""Seeded random primitives on JAX's counter-based threefry generator.

A seed is an int or an integer tensor of shape (2,) (``kerafront.random.SeedGenerator``'s state).
Either way its bits become the threefry key data directly (an int as its high and low 32-bit
words), so a seed tensor passed into a ``jax.jit``-compiled function is traced like any input:
a new seed value draws new numbers without retracing, the same value the same numbers.
"""

import functools

import jax
import jax.numpy as jnp
import numpy as np

from kerafront.spec_rules import single_axis

from kerafront_jax._convert import FLOATS, floatx_dtype, jax_dtype, tensor

_UINT32 = jnp.dtype("uint32")
_IMPL = "threefry2x32"
_MASK = 0xFFFFFFFF


def _key_data(seed, op):
    """The (2,) key words of an int seed or a (2,) integer seed tensor (cast to uint32 in the sampler)."""
    if isinstance(seed, (int, np.integer)) and not isinstance(seed, bool):
        seed = int(seed)
        return np.array([(seed >> 32) & _MASK, seed & _MASK], dtype=np.uint32)
    seed = tensor(seed)
    if seed.shape != (2,) or not jnp.issubdtype(seed.dtype, jnp.integer):
        raise ValueError(f"{op}: seed must be an int or an integer tensor of shape (2,) "
                         f"(a SeedGenerator state), got dtype {seed.dtype} and shape {tuple(seed.shape)}.")
    return seed


def _key(data):
    return jax.random.wrap_key_data(data.astype(_UINT32), impl=_IMPL)


def _float_dtype(dtype, op):
    target = floatx_dtype(op) if dtype is None else jax_dtype(dtype, op)
    if target not in FLOATS:
        raise TypeError(f"{op}: dtype must be a float dtype, got {dtype!r}.")
    return target


def _shape(shape):
    return (int(shape),) if isinstance(shape, (int, np.integer)) else tuple(int(d) for d in shape)


# Samplers are jitted (shape and dtype static), so an eager draw is one cached dispatch and a seed
# passed as a traced value never retraces.

@functools.partial(jax.jit, static_argnums=(1, 2))
def _normal(data, shape, dtype, mean, stddev):
    return (jax.random.normal(_key(data), shape, dtype) * stddev + mean).astype(dtype)


@functools.partial(jax.jit, static_argnums=(1, 2))
def _truncated_normal(data, shape, dtype, mean, stddev):
    return (jax.random.truncated_normal(_key(data), -2.0, 2.0, shape, dtype) * stddev + mean).astype(dtype)


@functools.partial(jax.jit, static_argnums=(1, 2))
def _uniform(data, shape, dtype, minval, maxval):
    return jax.random.uniform(_key(data), shape, dtype, minval, maxval)


@functools.partial(jax.jit, static_argnums=(1, 2))
def _randint(data, shape, dtype, minval, maxval):
    return jax.random.randint(_key(data), shape, minval, maxval, dtype)


@functools.partial(jax.jit, static_argnums=2)
def _permutation(data, x, axis):
    return jax.random.permutation(_key(data), x, axis=axis, independent=False)


def random_normal(shape, seed, mean=0.0, stddev=1.0, dtype=None):
    target = _float_dtype(dtype, "random_normal")
    return _normal(_key_data(seed, "random_normal"), _shape(shape), target, mean, stddev)


def random_uniform(shape, seed, minval=0.0, maxval=1.0, dtype=None):
    """Floats in ``[minval, maxval)``; an integer ``dtype`` draws integers in ``[minval, maxval)``."""
    target = floatx_dtype("random_uniform") if dtype is None else jax_dtype(dtype, "random_uniform")
    data = _key_data(seed, "random_uniform")
    if target in FLOATS:
        return _uniform(data, _shape(shape), target, minval, maxval)
    if not jnp.issubdtype(target, jnp.integer):
        raise TypeError(f"random_uniform: dtype must be a float or integer dtype, got {dtype!r}.")
    return _randint(data, _shape(shape), target, minval, maxval)


def truncated_normal(shape, seed, mean=0.0, stddev=1.0, dtype=None):
    target = _float_dtype(dtype, "truncated_normal")
    return _truncated_normal(_key_data(seed, "truncated_normal"), _shape(shape), target, mean, stddev)


def random_shuffle(x, seed, axis=0):
    x = tensor(x)
    axis = single_axis(axis, x.ndim, "random_shuffle")
    return _permutation(_key_data(seed, "random_shuffle"), x, axis)
