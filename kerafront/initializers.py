"""Weight initializers (Keras 3's names, arguments and defaults).

Values are drawn with NumPy -- from ``np.random.default_rng(seed)`` when the initializer has a
seed (then every call gives the same values, as in Keras), else from
``kerafront.random.global_rng()`` -- in float64, then converted to the requested dtype. So the
same seed (``kerafront.utils.set_random_seed``) gives the same initial weights on every backend.

An initializer is called as ``initializer(shape, dtype=None)`` and returns a native tensor;
``initializer.numpy(shape)`` returns the float64 NumPy array.

Fans (Keras's rule): rank 2 ``(in, out)``; rank > 2 (conv kernels ``(*spatial, in, out)``) multiply
both by the receptive field size ``prod(spatial)``; rank 1 uses ``shape[0]`` for both.
"""

import math

import numpy as np

from kerafront import _lookup, config, ops
from kerafront import random as kf_random

__all__ = ["Initializer", "Zeros", "Ones", "Constant", "RandomNormal", "RandomUniform", "TruncatedNormal",
           "VarianceScaling", "GlorotUniform", "GlorotNormal", "HeUniform", "HeNormal", "LecunUniform",
           "LecunNormal", "Orthogonal", "Identity", "IdentityInitializer", "get", "serialize", "deserialize"]

# Std of a standard normal truncated to [-2, 2]: scales truncated draws back to the wanted variance.
_TRUNCATED_STD = 0.87962566103423978


class Initializer(_lookup.Configurable):
    """Base class: subclasses implement ``numpy(shape)``; ``get_config`` returns constructor arguments."""

    seed = None

    def __call__(self, shape, dtype=None):
        return ops.convert_to_tensor(self.numpy(tuple(shape)), dtype=dtype or config.floatx())

    def numpy(self, shape):
        raise TypeError(f"{type(self).__name__}: Initializer subclasses must define numpy(shape).")

    def _rng(self):
        return np.random.default_rng(self.seed) if self.seed is not None else kf_random.global_rng()

    def __repr__(self):
        return f"{type(self).__name__}({self.get_config()})"


class Zeros(Initializer):
    def numpy(self, shape):
        return np.zeros(shape)


class Ones(Initializer):
    def numpy(self, shape):
        return np.ones(shape)


class Constant(Initializer):
    """Every element equals ``value`` (a scalar)."""

    def __init__(self, value=0.0):
        self.value = value

    def numpy(self, shape):
        return np.full(shape, self.value, dtype=np.float64)

    def get_config(self):
        return {"value": self.value}


class RandomNormal(Initializer):
    def __init__(self, mean=0.0, stddev=0.05, seed=None):
        self.mean, self.stddev, self.seed = mean, stddev, seed

    def numpy(self, shape):
        return self._rng().normal(self.mean, self.stddev, size=shape)

    def get_config(self):
        return {"mean": self.mean, "stddev": self.stddev, "seed": self.seed}


class RandomUniform(Initializer):
    def __init__(self, minval=-0.05, maxval=0.05, seed=None):
        self.minval, self.maxval, self.seed = minval, maxval, seed

    def numpy(self, shape):
        return self._rng().uniform(self.minval, self.maxval, size=shape)

    def get_config(self):
        return {"minval": self.minval, "maxval": self.maxval, "seed": self.seed}


def _truncated_normal(rng, shape, mean, stddev):
    """Normal draws, the ones beyond two stddevs redrawn until none is left."""
    values = rng.standard_normal(size=shape)
    outside = np.abs(values) > 2
    while outside.any():
        values[outside] = rng.standard_normal(size=int(outside.sum()))
        outside = np.abs(values) > 2
    return mean + stddev * values


class TruncatedNormal(Initializer):
    """Normal values within two ``stddev`` of ``mean`` (those outside are redrawn)."""

    def __init__(self, mean=0.0, stddev=0.05, seed=None):
        self.mean, self.stddev, self.seed = mean, stddev, seed

    def numpy(self, shape):
        return _truncated_normal(self._rng(), shape, self.mean, self.stddev)

    def get_config(self):
        return {"mean": self.mean, "stddev": self.stddev, "seed": self.seed}


def compute_fans(shape):
    """``(fan_in, fan_out)`` by Keras's rule (module docstring)."""
    shape = tuple(shape)
    if len(shape) == 0:
        return 1, 1
    if len(shape) == 1:
        return shape[0], shape[0]
    if len(shape) == 2:
        return shape[0], shape[1]
    receptive = int(np.prod(shape[:-2]))
    return shape[-2] * receptive, shape[-1] * receptive


class VarianceScaling(Initializer):
    """Draws with variance ``scale / n``; ``n`` is fan_in, fan_out or their mean (``mode``).

    ``distribution``: ``"truncated_normal"`` (stddev corrected for the truncation),
    ``"untruncated_normal"`` or ``"uniform"`` (limit ``sqrt(3 * scale / n)``).
    """

    def __init__(self, scale=1.0, mode="fan_in", distribution="truncated_normal", seed=None):
        if scale <= 0:
            raise ValueError(f"VarianceScaling: scale must be positive, got {scale}.")
        if mode not in ("fan_in", "fan_out", "fan_avg"):
            raise ValueError(f"VarianceScaling: mode must be 'fan_in', 'fan_out' or 'fan_avg', got {mode!r}.")
        if distribution not in ("truncated_normal", "untruncated_normal", "uniform"):
            raise ValueError("VarianceScaling: distribution must be 'truncated_normal', 'untruncated_normal' or "
                             f"'uniform', got {distribution!r}.")
        self.scale, self.mode, self.distribution, self.seed = scale, mode, distribution, seed

    def numpy(self, shape):
        fan_in, fan_out = compute_fans(shape)
        n = {"fan_in": fan_in, "fan_out": fan_out, "fan_avg": (fan_in + fan_out) / 2}[self.mode]
        scale = self.scale / max(1.0, n)
        rng = self._rng()
        if self.distribution == "truncated_normal":
            return _truncated_normal(rng, shape, 0.0, math.sqrt(scale) / _TRUNCATED_STD)
        if self.distribution == "untruncated_normal":
            return rng.normal(0.0, math.sqrt(scale), size=shape)
        limit = math.sqrt(3.0 * scale)
        return rng.uniform(-limit, limit, size=shape)

    def get_config(self):
        return {"scale": self.scale, "mode": self.mode, "distribution": self.distribution, "seed": self.seed}


def _preset(name, scale, mode, distribution, doc):
    def __init__(self, seed=None):
        VarianceScaling.__init__(self, scale=scale, mode=mode, distribution=distribution, seed=seed)

    def get_config(self):
        return {"seed": self.seed}

    return type(name, (VarianceScaling,), {"__init__": __init__, "get_config": get_config, "__doc__": doc,
                                           "__module__": __name__})


GlorotUniform = _preset("GlorotUniform", 1.0, "fan_avg", "uniform",
                        "Uniform in ``[-l, l]``, ``l = sqrt(6 / (fan_in + fan_out))`` (Dense/Conv kernel default).")
GlorotNormal = _preset("GlorotNormal", 1.0, "fan_avg", "truncated_normal",
                       "Truncated normal with stddev ``sqrt(2 / (fan_in + fan_out))``.")
HeUniform = _preset("HeUniform", 2.0, "fan_in", "uniform", "Uniform in ``[-l, l]``, ``l = sqrt(6 / fan_in)``.")
HeNormal = _preset("HeNormal", 2.0, "fan_in", "truncated_normal", "Truncated normal, stddev ``sqrt(2 / fan_in)``.")
LecunUniform = _preset("LecunUniform", 1.0, "fan_in", "uniform", "Uniform in ``[-l, l]``, ``l = sqrt(3 / fan_in)``.")
LecunNormal = _preset("LecunNormal", 1.0, "fan_in", "truncated_normal",
                      "Truncated normal, stddev ``sqrt(1 / fan_in)``.")


class Orthogonal(Initializer):
    """An orthogonal matrix (QR of a normal draw, signs fixed) times ``gain``, reshaped to ``shape``.

    The matrix is ``(prod(shape[:-1]), shape[-1])``; rank must be at least 2.
    """

    def __init__(self, gain=1.0, seed=None):
        self.gain, self.seed = gain, seed

    def numpy(self, shape):
        if len(shape) < 2:
            raise ValueError(f"Orthogonal initializer needs a shape of rank >= 2, got {shape}.")
        rows, cols = int(np.prod(shape[:-1])), shape[-1]
        flat = self._rng().normal(size=(max(rows, cols), min(rows, cols)))
        q, r = np.linalg.qr(flat)
        q = q * np.sign(np.diag(r))
        if rows < cols:
            q = q.T
        return self.gain * q.reshape(shape)

    def get_config(self):
        return {"gain": self.gain, "seed": self.seed}


class Identity(Initializer):
    """``gain`` times the identity matrix (rank-2 shapes only; non-square gives a rectangular eye)."""

    def __init__(self, gain=1.0):
        self.gain = gain

    def numpy(self, shape):
        if len(shape) != 2:
            raise ValueError(f"Identity initializer needs a rank-2 shape, got {shape}.")
        return self.gain * np.eye(*shape)

    def get_config(self):
        return {"gain": self.gain}


IdentityInitializer = Identity

_ALIASES = {
    "zeros": Zeros, "ones": Ones, "constant": Constant, "random_normal": RandomNormal, "normal": RandomNormal,
    "random_uniform": RandomUniform, "uniform": RandomUniform, "truncated_normal": TruncatedNormal,
    "variance_scaling": VarianceScaling, "glorot_uniform": GlorotUniform, "glorot_normal": GlorotNormal,
    "he_uniform": HeUniform, "he_normal": HeNormal, "lecun_uniform": LecunUniform, "lecun_normal": LecunNormal,
    "orthogonal": Orthogonal, "identity": Identity,
}


def serialize(initializer):
    return _lookup.serialize(initializer)


def deserialize(config, custom_objects=None):
    return _lookup.deserialize(config, custom_objects)


def get(identifier):
    """An initializer from a name (``"he_normal"``, ``"HeNormal"``, a registered name), a config dict, an
    instance or a callable ``(shape, dtype)``; ``None`` gives ``None``."""
    return _lookup.get_callable(identifier, Initializer, "initializer", _find, _ALIASES,
                                expected="a name, a config dict, an Initializer or a callable (shape, dtype)")


def _find(name):
    from kerafront.saving import serialization
    obj = _ALIASES.get(name) or _ALIASES.get(name.lower()) or serialization.get_registered_object(name)
    if obj is not None and isinstance(obj, type) and not issubclass(obj, Initializer):
        return None
    return obj
