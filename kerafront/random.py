"""Seeded randomness that works eagerly and inside compiled steps.

A ``SeedGenerator`` keeps its state in a non-trainable int32 ``Variable`` of shape (2,). Each draw
uses the current state as the seed of a random primitive and advances the state; inside a
``StatelessScope`` (the trainer's compiled step) the advance is recorded as an updated
non-trainable value, so the state is threaded through ``jax.jit``/``tf.function`` instead of being
baked in at trace time: two calls of a compiled step draw different numbers.
"""

import numpy as np

from kerafront.ops._primitives import (add, cast, dtype as dtype_of, less, multiply, random_normal, random_shuffle,
                                       random_uniform, shape as shape_of, truncated_normal)
from kerafront.ops.nn import dropout_mask
from kerafront.variables import Variable

_global_rng = None  # created on first use: numpy.random costs import time


def set_global_seed(seed):
    """Seed the process-wide NumPy generator used for initial weights and unseeded draws."""
    global _global_rng, _global_generator
    _global_rng = np.random.default_rng(seed)
    _global_generator = None


def global_rng():
    """The process-wide NumPy generator (seeded by ``set_global_seed``, else from OS entropy)."""
    global _global_rng
    if _global_rng is None:
        _global_rng = np.random.default_rng()
    return _global_rng


def draw_seed():
    """A fresh int seed from the global generator."""
    return int(global_rng().integers(0, 2**31 - 1))


class SeedGenerator:
    """Stateful seed source; ``next()`` returns a (2,) int32 seed tensor and advances the state."""

    def __init__(self, seed=None, name="seed_generator"):
        if seed is None:
            seed = draw_seed()
        self.initial_seed = int(seed)
        self.state = Variable(np.array([self.initial_seed % (2**31 - 1), 0], dtype=np.int32), dtype="int32",
                              trainable=False, name=name)

    def next(self):
        seed = self.state.value
        self.state.assign(add(seed, np.array([0, 1], dtype=np.int32)))
        return seed


_global_generator = None


def _resolve_seed(seed):
    global _global_generator
    if isinstance(seed, SeedGenerator):
        return seed.next()
    if seed is None:
        if _global_generator is None:
            _global_generator = SeedGenerator(draw_seed(), name="global_seed_generator")
        return _global_generator.next()
    return seed


def normal(shape, mean=0.0, stddev=1.0, dtype=None, seed=None):
    return random_normal(tuple(shape), _resolve_seed(seed), mean=mean, stddev=stddev, dtype=dtype)


def uniform(shape, minval=0.0, maxval=1.0, dtype=None, seed=None):
    return random_uniform(tuple(shape), _resolve_seed(seed), minval=minval, maxval=maxval, dtype=dtype)


def truncated_normal(shape, mean=0.0, stddev=1.0, dtype=None, seed=None):
    return truncated_normal(tuple(shape), _resolve_seed(seed), mean=mean, stddev=stddev, dtype=dtype)


def shuffle(x, axis=0, seed=None):
    return random_shuffle(x, _resolve_seed(seed), axis=axis)


def bernoulli(shape, p=0.5, dtype=None, seed=None):
    """1 with probability ``p``, else 0."""
    draws = random_uniform(tuple(shape), _resolve_seed(seed))
    return cast(less(draws, p), dtype or "float32")


def dropout(inputs, rate, noise_shape=None, seed=None):
    """Inverted dropout: zero each element with probability ``rate`` and scale the rest by ``1 / (1 - rate)``."""
    if not 0 <= rate < 1:
        raise ValueError(f"dropout: rate must be in [0, 1), got {rate}.")
    if rate == 0:
        return inputs
    mask_shape = tuple(noise_shape) if noise_shape is not None else tuple(shape_of(inputs))
    return multiply(inputs, cast(dropout_mask(mask_shape, rate, _resolve_seed(seed)), dtype_of(inputs)))
