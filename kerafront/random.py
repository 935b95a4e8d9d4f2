"""Seeded randomness that works eagerly and inside compiled steps.

A ``SeedGenerator`` keeps its state in a non-trainable int32 ``Variable`` of shape (2,). Each draw
uses the current state as the seed of a random primitive and advances the state; inside a
``StatelessScope`` (the trainer's compiled step) the advance is recorded as an updated
non-trainable value, so the state is threaded through ``jax.jit``/``tf.function`` instead of being
baked in at trace time: two calls of a compiled step draw different numbers.
"""

import numpy as np

from kerafront import config, ops
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


# --------------------------------------------------------------------------------------------------
# Composite distributions (Keras's signatures), built from the uniform and normal primitives


def _seeds(seed, count):
    """``count`` independent seeds from one ``seed`` argument (each draw of a composite uses its own)."""
    if seed is None or isinstance(seed, SeedGenerator):
        return [_resolve_seed(seed) for _ in range(count)]
    if isinstance(seed, (int, np.integer)) and not isinstance(seed, bool):
        return [np.array([int(seed) % (2**31 - 1), i], dtype=np.int32) for i in range(count)]
    return [add(seed, np.array([0, i], dtype=np.int32)) for i in range(count)]  # a (2,) seed tensor


def randint(shape, minval, maxval, dtype="int32", seed=None):
    """Integers uniform in ``[minval, maxval)``."""
    if int(maxval) <= int(minval):
        raise ValueError(f"randint: maxval must be greater than minval, got minval={minval}, maxval={maxval}.")
    low, span = int(minval), int(maxval) - int(minval)
    u = random_uniform(tuple(shape), _resolve_seed(seed), dtype="float32")
    values = ops.minimum(ops.floor(ops.add(ops.multiply(u, float(span)), float(low))), float(low + span - 1))
    return cast(values, dtype)


def categorical(logits, num_samples, dtype="int32", seed=None):
    """Class indices of shape ``(batch, num_samples)`` drawn from ``logits`` of shape ``(batch, num_classes)``
    (unnormalized log-probabilities), by the Gumbel-max trick."""
    logits = ops.convert_to_tensor(logits)
    if len(shape_of(logits)) != 2:
        raise ValueError("categorical: logits must have shape (batch_size, num_classes), got "
                         f"{tuple(shape_of(logits))}.")
    batch, classes = shape_of(logits)
    tiny = float(np.finfo(np.float32).tiny)
    u = random_uniform((batch, int(num_samples), classes), _resolve_seed(seed), minval=tiny, dtype="float32")
    gumbel = ops.negative(ops.log(ops.negative(ops.log(u))))
    scores = ops.add(ops.expand_dims(cast(logits, "float32"), 1), gumbel)
    return cast(ops.argmax(scores, axis=-1), dtype)


_GAMMA_PROPOSALS = 16  # Marsaglia-Tsang accepts >= 95% of proposals: all 16 rejected has odds < 1e-20


def _standard_gamma(shape, alpha, seed_normal, seed_uniform, seed_boost):
    """Gamma(alpha, 1) by Marsaglia and Tsang's method with a fixed number of proposals per element (so it
    compiles); alpha < 1 draws Gamma(alpha + 1) and scales by ``U ** (1 / alpha)``."""
    alpha = ops.broadcast_to(ops.convert_to_tensor(alpha, dtype="float32"), shape)
    boosted = ops.where(ops.less(alpha, 1.0), ops.add(alpha, 1.0), alpha)
    d = ops.subtract(boosted, 1.0 / 3.0)
    c = ops.divide(1.0, ops.sqrt(ops.multiply(d, 9.0)))
    proposals = (_GAMMA_PROPOSALS,) + tuple(shape)
    x = random_normal(proposals, seed_normal, dtype="float32")
    u = random_uniform(proposals, seed_uniform, minval=float(np.finfo(np.float32).tiny), dtype="float32")
    v = ops.power(ops.add(ops.multiply(c, x), 1.0), 3)
    positive = ops.greater(v, 0.0)
    safe_v = ops.where(positive, v, 1.0)
    bound = ops.add(ops.multiply(0.5, ops.square(x)), ops.multiply(d, ops.add(ops.subtract(1.0, safe_v),
                                                                              ops.log(safe_v))))
    accepted = ops.logical_and(positive, ops.less(ops.log(u), bound))
    first = ops.expand_dims(ops.argmax(cast(accepted, "int32"), axis=0), 0)
    sample = ops.squeeze(ops.take_along_axis(ops.multiply(d, safe_v), first, axis=0), 0)
    boost = random_uniform(tuple(shape), seed_boost, minval=float(np.finfo(np.float32).tiny), dtype="float32")
    scale = ops.where(ops.less(alpha, 1.0), ops.power(boost, ops.divide(1.0, alpha)), 1.0)
    return ops.multiply(sample, scale)


def gamma(shape, alpha, dtype=None, seed=None):
    """Gamma(``alpha``, scale 1) samples; ``alpha`` is a positive float (or broadcasts to ``shape``)."""
    if isinstance(alpha, (int, float, np.number, np.ndarray)) and np.any(np.asarray(alpha) <= 0):
        raise ValueError(f"gamma: alpha must be positive, got {alpha}.")
    shape = tuple(shape)
    return cast(_standard_gamma(shape, alpha, *_seeds(seed, 3)), dtype or config.floatx())


def beta(shape, alpha, beta, dtype=None, seed=None):
    """Beta(``alpha``, ``beta``) samples, as ``X / (X + Y)`` with ``X ~ Gamma(alpha)``, ``Y ~ Gamma(beta)``."""
    shape = tuple(shape)
    seeds = _seeds(seed, 6)
    x = _standard_gamma(shape, alpha, *seeds[:3])
    y = _standard_gamma(shape, beta, *seeds[3:])
    return cast(ops.divide(x, ops.add(x, y)), dtype or config.floatx())


def binomial(shape, counts, probabilities, dtype=None, seed=None):
    """Binomial(``counts``, ``probabilities``) samples: the number of ``counts`` Bernoulli trials that succeed.
    ``counts`` must be known when called (a number or array); ``probabilities`` broadcast to ``shape``."""
    shape = tuple(shape)
    counts_array = np.asarray(counts)
    if counts_array.dtype.kind not in "iuf" or np.any(counts_array < 0) \
            or np.any(counts_array != np.floor(counts_array)):
        raise ValueError(f"binomial: counts must be non-negative whole numbers, got {counts!r}.")
    trials = int(counts_array.max()) if counts_array.size else 0
    u = random_uniform((trials,) + shape, _resolve_seed(seed), dtype="float32")
    p = ops.broadcast_to(ops.convert_to_tensor(probabilities, dtype="float32"), shape)
    success = ops.less(u, p)
    if counts_array.ndim:  # per-element counts: trials past an element's count do not count
        index = np.arange(trials, dtype=np.float32).reshape((trials,) + (1,) * len(shape))
        success = ops.logical_and(success, np.broadcast_to(index < counts_array, (trials,) + shape))
    return cast(ops.sum(cast(success, "float32"), axis=0), dtype or config.floatx())
