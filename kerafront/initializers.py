"""Weight initializers (Keras 3's names, arguments and defaults).

Values are drawn with NumPy -- from ``np.random.default_rng(seed)`` when the initializer has a
seed (then every call gives the same values, as in Keras), else from
``kerafront.random.global_rng()`` -- as float64 draws rounded to the requested dtype. So the same
seed (``kerafront.utils.set_random_seed``) gives the same initial weights on every backend. The
draws are made ``_CHUNK`` elements at a time straight into an array of the requested dtype, so a
float32 weight never has a float64 copy of its whole shape (``Orthogonal``'s QR excepted).

An initializer is called as ``initializer(shape, dtype=None)`` and returns a native tensor;
``initializer.numpy(shape)`` returns the float64 NumPy array. A subclass defines ``numpy(shape)``.

``skip_initialization()`` is for weights about to be overwritten (``load_model``): inside it,
``Layer.add_weight`` creates zeros and runs no initializer (``for_weight``).

Fans (Keras's rule, ``compute_fans``): rank 2 ``(in, out)``; rank > 2 (conv kernels
``(*spatial, in, out)``) multiply both by the receptive field size ``prod(spatial)``; rank 1 uses
``shape[0]`` for both. A variance-scaling initializer given ``input_axes`` and ``output_axes`` (Keras
3.15's arguments; ``EinsumDense`` sets them to its kernel's input and output axes) takes fan-in as the
product of the sizes on ``input_axes`` and fan-out on ``output_axes`` instead; with either left
``None`` the rule above applies.
"""

import contextlib
import copy
import math
import threading

import numpy as np

from kerafront import _lookup, config, ops
from kerafront import random as kf_random

__all__ = ["Initializer", "Zeros", "Ones", "Constant", "RandomNormal", "RandomUniform", "TruncatedNormal",
           "VarianceScaling", "GlorotUniform", "GlorotNormal", "HeUniform", "HeNormal", "LecunUniform",
           "LecunNormal", "Orthogonal", "OrthogonalInitializer", "Identity", "IdentityInitializer", "STFT",
           "STFTInitializer", "constant", "glorot_normal", "glorot_uniform", "he_normal", "he_uniform", "identity",
           "lecun_normal", "lecun_uniform", "ones", "orthogonal", "random_normal", "random_uniform", "stft",
           "truncated_normal", "variance_scaling", "zeros", "get", "serialize", "deserialize"]

# Std of a standard normal truncated to [-2, 2]: scales truncated draws back to the wanted variance.
_TRUNCATED_STD = 0.87962566103423978
_CHUNK = 1 << 20  # elements drawn as float64 at a time
_local = threading.local()


@contextlib.contextmanager
def skip_initialization(check=None):
    """Inside (this thread only), ``Layer.add_weight`` fills new weights with zeros instead of running
    their initializers: for weights whose values are about to be overwritten, as when loading.

    ``check(path, shape, dtype)``, when given, runs before each weight is allocated and may raise
    (``load_model`` refuses a weight the file does not hold, before allocating it).
    """
    previous = getattr(_local, "skip", None)
    _local.skip = (check,)
    try:
        yield
    finally:
        _local.skip = previous


def for_weight(identifier, shape, dtype, path):
    """The initializer ``Layer.add_weight`` gives the Variable of weight ``path``: ``get(identifier)``,
    or inside ``skip_initialization`` (after its check) one that makes zeros."""
    initializer = get(identifier)
    skip = getattr(_local, "skip", None)
    if skip is None:
        return initializer
    if skip[0] is not None:
        skip[0](path, tuple(shape), dtype)
    return _zeros_placeholder


def _zeros_placeholder(shape, dtype=None):
    return ops.zeros(tuple(shape), dtype=dtype or config.floatx())


def _generation_dtype(dtype):
    """The NumPy dtype values are generated in for a kerafront ``dtype`` (bfloat16: float32, cast after)."""
    return np.dtype(np.float32) if dtype == "bfloat16" else np.dtype(dtype)


def _chunked(shape, dtype, draw):
    """A ``dtype`` array of ``shape`` filled with ``draw(n)`` (``n`` float64 values), ``_CHUNK`` at a
    time: the values of one ``draw(size)`` call, without a float64 array of the whole shape."""
    size = math.prod(shape)
    if dtype == np.float64 or size <= _CHUNK:
        return np.asarray(draw(size)).astype(dtype, copy=False).reshape(shape)
    out = np.empty(size, dtype)
    for start in range(0, size, _CHUNK):
        stop = min(start + _CHUNK, size)
        out[start:stop] = draw(stop - start)
    return out.reshape(shape)


class Initializer(_lookup.Configurable):
    """Base class: subclasses implement ``numpy(shape)`` (float64 values); ``get_config`` returns
    constructor arguments. Built-ins implement ``_fill(shape, numpy_dtype)`` instead."""

    seed = None

    def __call__(self, shape, dtype=None):
        dtype = dtype or config.floatx()
        shape = tuple(shape)
        if type(self).numpy is not Initializer.numpy:  # a subclass's own numpy(shape)
            return ops.convert_to_tensor(self.numpy(shape), dtype=dtype)
        return ops.convert_to_tensor(self._fill(shape, _generation_dtype(dtype)), dtype=dtype)

    def numpy(self, shape):
        """The values for ``shape`` as a float64 NumPy array."""
        return self._fill(tuple(shape), np.dtype(np.float64))

    def _fill(self, shape, dtype):
        raise TypeError(f"{type(self).__name__}: Initializer subclasses must define numpy(shape).")

    def _rng(self):
        return np.random.default_rng(self.seed) if self.seed is not None else kf_random.global_rng()

    def __repr__(self):
        return f"{type(self).__name__}({self.get_config()})"


class Zeros(Initializer):
    def _fill(self, shape, dtype):
        return np.zeros(shape, dtype)


class Ones(Initializer):
    def _fill(self, shape, dtype):
        return np.ones(shape, dtype)


class Constant(Initializer):
    """Every element equals ``value`` (a scalar)."""

    def __init__(self, value=0.0):
        self.value = value

    def _fill(self, shape, dtype):
        return np.full(shape, np.float64(self.value), dtype=dtype)

    def get_config(self):
        return {"value": self.value}


class RandomNormal(Initializer):
    def __init__(self, mean=0.0, stddev=0.05, seed=None):
        self.mean, self.stddev, self.seed = mean, stddev, seed

    def _fill(self, shape, dtype):
        rng = self._rng()
        return _chunked(shape, dtype, lambda n: rng.normal(self.mean, self.stddev, size=n))

    def get_config(self):
        return {"mean": self.mean, "stddev": self.stddev, "seed": self.seed}


class RandomUniform(Initializer):
    def __init__(self, minval=-0.05, maxval=0.05, seed=None):
        self.minval, self.maxval, self.seed = minval, maxval, seed

    def _fill(self, shape, dtype):
        rng = self._rng()
        return _chunked(shape, dtype, lambda n: rng.uniform(self.minval, self.maxval, size=n))

    def get_config(self):
        return {"minval": self.minval, "maxval": self.maxval, "seed": self.seed}


def _truncated_normal(rng, shape, mean, stddev, dtype):
    """``mean + stddev * z`` in ``dtype``: standard normal draws ``z``, those beyond 2 redrawn (in
    index order) until none is left. Drawn ``_CHUNK`` at a time; the values do not depend on it."""
    size = math.prod(shape)
    out = np.empty(size, dtype)
    outside = [np.empty(0, np.intp)]
    for start in range(0, size, _CHUNK):
        values = rng.standard_normal(size=min(_CHUNK, size - start))
        outside.append(np.flatnonzero(np.abs(values) > 2) + start)
        out[start:start + values.size] = mean + stddev * values
    positions = np.concatenate(outside)
    while positions.size:
        values = rng.standard_normal(size=positions.size)
        inside = np.abs(values) <= 2
        out[positions[inside]] = mean + stddev * values[inside]
        positions = positions[~inside]
    return out.reshape(shape)


class TruncatedNormal(Initializer):
    """Normal values within two ``stddev`` of ``mean`` (those outside are redrawn)."""

    def __init__(self, mean=0.0, stddev=0.05, seed=None):
        self.mean, self.stddev, self.seed = mean, stddev, seed

    def _fill(self, shape, dtype):
        return _truncated_normal(self._rng(), shape, self.mean, self.stddev, dtype)

    def get_config(self):
        return {"mean": self.mean, "stddev": self.stddev, "seed": self.seed}


def compute_fans(shape, input_axes=None, output_axes=None):
    """``(fan_in, fan_out)`` by Keras's rule (module docstring); the axes count only when both are given."""
    shape = tuple(shape)
    if input_axes is not None and output_axes is not None:
        return math.prod(shape[axis] for axis in input_axes), math.prod(shape[axis] for axis in output_axes)
    if len(shape) == 0:
        return 1, 1
    if len(shape) == 1:
        return shape[0], shape[0]
    if len(shape) == 2:
        return shape[0], shape[1]
    receptive = int(np.prod(shape[:-2]))
    return shape[-2] * receptive, shape[-1] * receptive


def _checked_axes(name, what, axes):
    if axes is None:
        return None
    if not isinstance(axes, (list, tuple)) or not all(type(axis) is int for axis in axes):
        raise ValueError(f"{name}: {what} must be None or a list of ints (kernel axes counted into the fan), got "
                         f"{axes!r}.")
    return list(axes)


class VarianceScaling(Initializer):
    """Draws with variance ``scale / n``; ``n`` is fan_in, fan_out or their mean (``mode``).

    ``distribution``: ``"truncated_normal"`` (stddev corrected for the truncation; ``"normal"`` is
    taken as this, as in Keras), ``"untruncated_normal"`` or ``"uniform"`` (limit
    ``sqrt(3 * scale / n)``). ``input_axes``/``output_axes``: the axes of the weight counted into
    fan-in and fan-out (both or neither; module docstring).
    """

    def __init__(self, scale=1.0, mode="fan_in", distribution="truncated_normal", seed=None, input_axes=None,
                 output_axes=None):
        if scale <= 0:
            raise ValueError(f"VarianceScaling: scale must be positive, got {scale}.")
        if mode not in ("fan_in", "fan_out", "fan_avg"):
            raise ValueError(f"VarianceScaling: mode must be 'fan_in', 'fan_out' or 'fan_avg', got {mode!r}.")
        if isinstance(distribution, str):
            distribution = distribution.lower()
        if distribution == "normal":
            distribution = "truncated_normal"
        if distribution not in ("truncated_normal", "untruncated_normal", "uniform"):
            raise ValueError("VarianceScaling: distribution must be 'truncated_normal', 'untruncated_normal' or "
                             f"'uniform', got {distribution!r}.")
        self.scale, self.mode, self.distribution, self.seed = scale, mode, distribution, seed
        self.input_axes = _checked_axes(type(self).__name__, "input_axes", input_axes)
        self.output_axes = _checked_axes(type(self).__name__, "output_axes", output_axes)

    def with_fan_axes(self, input_axes, output_axes):
        """A copy that counts fans over these weight axes, unless this one already has both set (Keras's
        rule for ``EinsumDense``: the user's axes win)."""
        if self.input_axes is not None and self.output_axes is not None:
            return self
        clone = copy.copy(self)
        clone.input_axes = _checked_axes(type(self).__name__, "input_axes", input_axes)
        clone.output_axes = _checked_axes(type(self).__name__, "output_axes", output_axes)
        return clone

    def _fans(self, shape):
        if self.input_axes is not None and self.output_axes is not None:
            for axis in self.input_axes + self.output_axes:
                if not -len(shape) <= axis < len(shape):
                    raise ValueError(f"{type(self).__name__}: input_axes {self.input_axes} / output_axes "
                                     f"{self.output_axes} name axis {axis}, but the weight has shape {shape} "
                                     f"(rank {len(shape)}).")
        return compute_fans(shape, self.input_axes, self.output_axes)

    def _fill(self, shape, dtype):
        fan_in, fan_out = self._fans(shape)
        n = {"fan_in": fan_in, "fan_out": fan_out, "fan_avg": (fan_in + fan_out) / 2}[self.mode]
        scale = self.scale / max(1.0, n)
        rng = self._rng()
        if self.distribution == "truncated_normal":
            return _truncated_normal(rng, shape, 0.0, math.sqrt(scale) / _TRUNCATED_STD, dtype)
        if self.distribution == "untruncated_normal":
            return _chunked(shape, dtype, lambda size: rng.normal(0.0, math.sqrt(scale), size=size))
        limit = math.sqrt(3.0 * scale)
        return _chunked(shape, dtype, lambda size: rng.uniform(-limit, limit, size=size))

    def get_config(self):
        """Keras's keys and order: ``seed``, ``scale``, ``mode``, ``distribution``, ``input_axes``, ``output_axes``."""
        return {"seed": self.seed, "scale": self.scale, "mode": self.mode, "distribution": self.distribution,
                "input_axes": self.input_axes, "output_axes": self.output_axes}


def _preset(name, scale, mode, distribution, doc):
    def __init__(self, seed=None, input_axes=None, output_axes=None):
        VarianceScaling.__init__(self, scale=scale, mode=mode, distribution=distribution, seed=seed,
                                 input_axes=input_axes, output_axes=output_axes)

    def get_config(self):
        return {"seed": self.seed, "input_axes": self.input_axes, "output_axes": self.output_axes}

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

    def _fill(self, shape, dtype):
        if len(shape) < 2:
            raise ValueError(f"Orthogonal initializer needs a shape of rank >= 2, got {shape}.")
        rows, cols = int(np.prod(shape[:-1])), shape[-1]
        flat = self._rng().normal(size=(max(rows, cols), min(rows, cols)))
        q, r = np.linalg.qr(flat)
        q = q * np.sign(np.diag(r))
        if rows < cols:
            q = q.T
        return (self.gain * q.reshape(shape)).astype(dtype, copy=False)

    def get_config(self):
        return {"gain": self.gain, "seed": self.seed}


class Identity(Initializer):
    """``gain`` times the identity matrix (rank-2 shapes only; non-square gives a rectangular eye)."""

    def __init__(self, gain=1.0):
        self.gain = gain

    def _fill(self, shape, dtype):
        if len(shape) != 2:
            raise ValueError(f"Identity initializer needs a rank-2 shape, got {shape}.")
        return (np.float64(self.gain) * np.eye(*shape, dtype=dtype)).astype(dtype, copy=False)

    def get_config(self):
        return {"gain": self.gain}


IdentityInitializer = Identity
OrthogonalInitializer = Orthogonal


def _symmetric_cosine_window(coefficients):
    """A window ``sum_k (-1)**k a_k cos(2 pi k n / (M - 1))`` of length ``M`` (scipy's general cosine)."""
    def window(length):
        if length == 1:
            return np.ones(1)
        phase = 2 * np.pi * np.arange(length) / (length - 1)
        return sum((-1) ** k * a * np.cos(k * phase) for k, a in enumerate(coefficients))
    return window


_WINDOWS = {"hann": _symmetric_cosine_window((0.5, 0.5)), "hamming": _symmetric_cosine_window((0.54, 0.46)),
            "blackman": _symmetric_cosine_window((0.42, 0.5, 0.08)), "boxcar": np.ones}


def _window(name, length, periodic):
    """``scipy.signal.get_window(name, length, fftbins=periodic)``: hann, hamming, blackman and boxcar are
    computed here; other names need SciPy (imported only then)."""
    if name in _WINDOWS:
        return _WINDOWS[name](length + 1)[:-1] if periodic else _WINDOWS[name](length)
    try:
        import scipy.signal
    except ImportError as error:
        raise ValueError(f"STFT initializer: window {name!r} needs SciPy (pip install scipy); without it the "
                         f"windows are {sorted(_WINDOWS)}.") from error
    try:
        return np.asarray(scipy.signal.get_window(name, length, periodic), np.float64)
    except ValueError as error:
        raise ValueError(f"STFT initializer: unknown window {name!r} ({error}).") from None


class STFT(Initializer):
    """Kernel of a 1-D convolution computing one side of a short-time Fourier transform (``STFTSpectrogram``).

    ``shape`` is ``(frame_length, channels, bins)`` with ``bins = fft_length // 2 + 1``; the value at
    ``(t, c, f)`` is ``cos(-2 pi t f / fft_length)`` (``side="real"``) or its ``sin`` (``"imag"``), with
    ``fft_length = 2 * (bins - 1)``, times ``window[t]`` divided by ``sqrt(sum(window**2))``
    (``scaling="density"``) or ``sum(|window|)`` (``"spectrum"``). ``window`` is a name
    (``scipy.signal.get_window``'s, e.g. ``"hann"``), an array of length ``frame_length`` or ``None``;
    ``periodic=True`` gives the periodic (DFT-even) form of a named window.
    """

    def __init__(self, side="real", window="hann", scaling="density", periodic=False):
        if side not in ("real", "imag"):
            raise ValueError(f"STFT initializer: side must be 'real' or 'imag', got {side!r}.")
        if scaling not in (None, "density", "spectrum"):
            raise ValueError(f"STFT initializer: scaling must be None, 'density' or 'spectrum', got {scaling!r}.")
        if isinstance(window, str):
            _window(window, 1, periodic)
        self.side, self.window, self.scaling, self.periodic = side, window, scaling, periodic

    def _fill(self, shape, dtype):
        if len(shape) != 3:
            raise ValueError(f"STFT initializer needs a shape (frame_length, channels, fft_length // 2 + 1), got "
                             f"{shape}.")
        frame_length, channels, bins = shape
        time = np.arange(frame_length, dtype=np.float64).reshape(frame_length, 1, 1)
        frequency = np.arange(bins, dtype=np.float64).reshape(1, 1, bins) / (2 * (bins - 1))
        angle = -2 * np.pi * time * frequency
        kernel = np.cos(angle) if self.side == "real" else np.sin(angle)
        if self.window is not None:
            window = (_window(self.window, frame_length, self.periodic) if isinstance(self.window, str)
                      else np.asarray(self.window, np.float64))
            if window.shape != (frame_length,):
                raise ValueError(f"STFT initializer: window must have shape ({frame_length},) (frame_length), "
                                 f"got {window.shape}.")
            kernel = kernel * window.reshape(frame_length, 1, 1)
            if self.scaling == "density":
                kernel = kernel / np.sqrt(np.sum(window ** 2))
            elif self.scaling == "spectrum":
                kernel = kernel / np.sum(np.abs(window))
        return np.broadcast_to(kernel, shape).astype(dtype)

    def get_config(self):
        """Keras's keys and order: ``side``, ``window``, ``periodic``, ``scaling``."""
        return {"side": self.side, "window": self.window, "periodic": self.periodic, "scaling": self.scaling}


STFTInitializer = STFT

# Keras's snake_case spellings name the classes themselves (``keras.initializers.he_normal is HeNormal``).
zeros, ones, constant, identity, orthogonal, stft = Zeros, Ones, Constant, Identity, Orthogonal, STFT
random_normal, random_uniform, truncated_normal = RandomNormal, RandomUniform, TruncatedNormal
variance_scaling, glorot_normal, glorot_uniform = VarianceScaling, GlorotNormal, GlorotUniform
he_normal, he_uniform, lecun_normal, lecun_uniform = HeNormal, HeUniform, LecunNormal, LecunUniform

_ALIASES = {
    "zeros": Zeros, "ones": Ones, "constant": Constant, "random_normal": RandomNormal, "normal": RandomNormal,
    "random_uniform": RandomUniform, "uniform": RandomUniform, "truncated_normal": TruncatedNormal,
    "variance_scaling": VarianceScaling, "glorot_uniform": GlorotUniform, "glorot_normal": GlorotNormal,
    "he_uniform": HeUniform, "he_normal": HeNormal, "lecun_uniform": LecunUniform, "lecun_normal": LecunNormal,
    "orthogonal": Orthogonal, "identity": Identity, "stft": STFT, "OrthogonalInitializer": Orthogonal,
    "IdentityInitializer": Identity, "STFTInitializer": STFT,
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
