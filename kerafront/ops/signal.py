"""Keras's signal, segment and special-function ops (``keras.ops.fft`` ... ``segment_max``, ``i0``) as composites.

kerafront has no complex dtype: as in Keras, a complex tensor is a tuple ``(real, imag)`` of two float
tensors of one shape. Every transform goes through the one primitive ``complex_fft`` (``kerafront.spec``),
so all of them are differentiable on every backend. Numbers follow Keras 3 on JAX:

* ``rfft``/``irfft`` are NumPy's (``irfft`` ignores the imaginary parts of the zero and Nyquist bins), written
  as the full transform of the signal and of the spectrum's Hermitian extension.
* ``stft``: the last axis is reflect-padded by ``fft_length // 2`` (``center=True``), cut into frames of
  ``fft_length`` every ``sequence_stride``, multiplied by the window (periodic Hann or Hamming of
  ``sequence_length``, zero-padded to ``fft_length`` around its centre) and ``rfft``-ed: output
  ``(..., num_frames, fft_length // 2 + 1)``. ``istft`` is the windowed overlap-add divided by the overlapped
  squared window (where that exceeds 1e-10), scaled as Keras does. A window given as a tensor is read as a
  constant (no gradient flows into it).
* ``segment_*``: ``segment_ids`` is a 1-D integer tensor; ids outside ``[0, num_segments)`` are dropped and empty
  segments get JAX's fill (``segment_max``: -inf, or the integer dtype's minimum; ``segment_min``: +inf or the
  maximum; ``segment_prod``: 1; ``segment_sum``: 0). ``num_segments=None`` reads ``max(segment_ids) + 1`` from
  the values (eager only; JAX's Keras backend refuses it). ``segment_max``/``min``/``prod`` compare every row
  with every segment, so they hold ``num_segments * len(data)`` rows in memory; ties in ``segment_max``/``min``
  send the gradient to the first maximal (minimal) row, ``max``'s rule.
* ``i0`` (the modified Bessel function of order 0): its power series up to ``|x| = 30`` and the asymptotic
  series above, both to float64 rounding, differentiated as written.
"""

import builtins
import math

import numpy as np

from kerafront import config
from kerafront._keras_tensor import KerasTensor
from kerafront.dtypes import INT_DTYPES, is_float, standardize_dtype
from kerafront.ops._dispatch import composite
from kerafront.ops._primitives import (abs, add, cast, complex_fft, concatenate, convert_to_numpy, convert_to_tensor,
                                       divide, dtype as dtype_of, equal, exp, expand_dims, greater_equal, is_tensor,
                                       less, less_equal, log, logical_and, max, min, multiply, negative, pad, prod,
                                       reshape, scatter, shape as shape_of, square, subtract, take, transpose, where,
                                       zeros)

__all__ = ["fft", "fft2", "ifft2", "rfft", "irfft", "stft", "istft", "extract_sequences", "segment_sum",
           "segment_max", "segment_min", "segment_prod", "i0"]


def _tensor(x):
    return x if is_tensor(x) else convert_to_tensor(x)


def _parts(op, x, rank=1):
    """The ``(real, imag)`` tuple of a complex argument, checked as Keras checks it."""
    if not isinstance(x, (tuple, list)) or len(x) != 2:
        raise ValueError(f"{op}: x must be a tuple (real, imag) of two float tensors (kerafront has no complex "
                         f"dtype); received {type(x).__name__} {x!r:.80}.")
    real, imag = _tensor(x[0]), _tensor(x[1])
    if tuple(shape_of(real)) != tuple(shape_of(imag)):
        raise ValueError(f"{op}: the real and imaginary parts must have the same shape; received "
                         f"{tuple(shape_of(real))} and {tuple(shape_of(imag))}.")
    if not (is_float(dtype_of(real)) and is_float(dtype_of(imag))):
        raise ValueError(f"{op}: the real and imaginary parts must be float tensors; received "
                         f"{dtype_of(real)} and {dtype_of(imag)}.")
    if len(shape_of(real)) < rank:
        raise ValueError(f"{op}: x must have rank >= {rank}; received shape {tuple(shape_of(real))}.")
    return real, imag


def _split(stacked):
    """``complex_fft``'s ``(2, ...)`` result as the tuple ``(real, imag)``."""
    return take(stacked, 0, axis=0), take(stacked, 1, axis=0)


def _positive_int(op, name, value):
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value <= 0:
        raise ValueError(f"{op}: `{name}` must be a positive integer; received {name}={value!r}.")
    return int(value)


def _last(x, indices):
    """``x[..., indices]`` along the last axis (``indices``: a Python list or an int array)."""
    return take(x, np.asarray(indices, dtype=np.int32), axis=-1)


def _fit_last(x, n):
    """``x`` cropped or zero-padded at the end of its last axis to length ``n``."""
    length = shape_of(x)[-1]
    if length > n:
        return _last(x, list(range(n)))
    if length < n:
        return pad(x, [(0, 0)] * (len(shape_of(x)) - 1) + [(0, n - length)])
    return x


# ----------------------------------------------------------------------------------------------
# Fourier transforms

@composite
def fft(x):
    """1-D DFT over the last axis of ``x = (real, imag)``; returns ``(real, imag)`` of the same shape."""
    real, imag = _parts("fft", x)
    return _split(complex_fft(real, imag, rank=1))


@composite
def fft2(x):
    """2-D DFT over the last two axes of ``x = (real, imag)``; returns ``(real, imag)``."""
    real, imag = _parts("fft2", x, rank=2)
    return _split(complex_fft(real, imag, rank=2))


@composite
def ifft2(x):
    """Inverse 2-D DFT (divided by the size) over the last two axes of ``x = (real, imag)``."""
    real, imag = _parts("ifft2", x, rank=2)
    return _split(complex_fft(real, imag, rank=2, inverse=True))


def _float_input(x):
    x = _tensor(x)
    return x if is_float(dtype_of(x)) else cast(x, config.floatx())


@composite
def rfft(x, fft_length=None):
    """DFT of real ``x`` (..., n) over its last axis: ``(real, imag)`` of shape (..., fft_length // 2 + 1).

    ``x`` is cropped or zero-padded to ``fft_length`` (default: its length) first, as ``numpy.fft.rfft``.
    """
    x = _float_input(x)
    if len(shape_of(x)) < 1:
        raise ValueError(f"rfft: x must have rank >= 1; received shape {tuple(shape_of(x))}.")
    n = shape_of(x)[-1] if fft_length is None else _positive_int("rfft", "fft_length", fft_length)
    x = _fit_last(x, n)
    real, imag = _split(complex_fft(x, zeros(shape_of(x), dtype=dtype_of(x))))
    bins = list(range(n // 2 + 1))
    return _last(real, bins), _last(imag, bins)


@composite
def irfft(x, fft_length=None):
    """Inverse of ``rfft``: real (..., fft_length) from ``x = (real, imag)`` of shape (..., m).

    ``fft_length`` defaults to ``2 * (m - 1)``; the first ``fft_length // 2 + 1`` bins are used (zero-padded
    when fewer), the rest of the spectrum is their Hermitian mirror, as ``numpy.fft.irfft``.
    """
    real, imag = _parts("irfft", x)
    m = shape_of(real)[-1]
    n = 2 * (m - 1) if fft_length is None else _positive_int("irfft", "fft_length", fft_length)
    if n < 1:
        raise ValueError(f"irfft: the output length must be positive; received x of shape {tuple(shape_of(real))} "
                         f"and fft_length={fft_length!r} (the default is 2 * (m - 1)).")
    real, imag = _fit_last(real, n // 2 + 1), _fit_last(imag, n // 2 + 1)
    mirror = list(range((n + 1) // 2 - 1, 0, -1))
    if mirror:
        real = concatenate([real, _last(real, mirror)], axis=-1)
        imag = concatenate([imag, negative(_last(imag, mirror))], axis=-1)
    return take(complex_fft(real, imag, rank=1, inverse=True), 0, axis=0)


# ----------------------------------------------------------------------------------------------
# Framing and short-time transforms

@composite
def extract_sequences(x, sequence_length, sequence_stride):
    """Frames of the last axis: (..., n) -> (..., 1 + (n - sequence_length) // sequence_stride, sequence_length)."""
    sequence_length = _positive_int("extract_sequences", "sequence_length", sequence_length)
    sequence_stride = _positive_int("extract_sequences", "sequence_stride", sequence_stride)
    x = _tensor(x)
    if len(shape_of(x)) < 1:
        raise ValueError(f"extract_sequences: x must have rank >= 1; received shape {tuple(shape_of(x))}.")
    frames = builtins.max(0, 1 + (shape_of(x)[-1] - sequence_length) // sequence_stride)
    starts = np.arange(frames, dtype=np.int32)[:, None] * sequence_stride
    return _last(x, starts + np.arange(sequence_length, dtype=np.int32)[None, :])


def _window(op, window, sequence_length, fft_length):
    """The window as a float64 NumPy array of ``fft_length`` (zero-padded around its centre), or None."""
    if window is None:
        return None
    if isinstance(window, str):
        if window not in ("hann", "hamming"):
            raise ValueError(f'{op}: a string window must be "hann" or "hamming"; received window={window!r}.')
        a = 0.5 if window == "hann" else 0.54
        n = np.arange(sequence_length, dtype=np.float64)
        values = a - (1 - a) * np.cos(2 * math.pi * n / sequence_length)  # periodic, as scipy's get_window
    else:
        values = np.asarray(convert_to_numpy(window) if is_tensor(window) else window, dtype=np.float64)
        if values.shape != (sequence_length,):
            raise ValueError(f"{op}: the window must have shape (sequence_length,) = ({sequence_length},); received "
                             f"shape {values.shape}.")
    before = (fft_length - sequence_length) // 2
    return np.pad(values, (before, fft_length - sequence_length - before))


def _short_time_arguments(op, sequence_length, sequence_stride, fft_length):
    sequence_length = _positive_int(op, "sequence_length", sequence_length)
    sequence_stride = _positive_int(op, "sequence_stride", sequence_stride)
    fft_length = _positive_int(op, "fft_length", fft_length)
    if fft_length < sequence_length:
        raise ValueError(f"{op}: `fft_length` must be >= `sequence_length`; received sequence_length="
                         f"{sequence_length}, fft_length={fft_length}.")
    return sequence_length, sequence_stride, fft_length


@composite
def stft(x, sequence_length, sequence_stride, fft_length, window="hann", center=True):
    """Short-time Fourier transform of the last axis: ``(real, imag)`` of (..., frames, fft_length // 2 + 1).

    ``x`` is float32 or float64 (``TypeError`` otherwise, as Keras); ``window``: ``"hann"``, ``"hamming"``, a
    tensor of ``sequence_length`` values or None; ``center=True`` reflect-pads ``fft_length // 2`` at both ends.
    """
    sequence_length, sequence_stride, fft_length = _short_time_arguments(
        "stft", sequence_length, sequence_stride, fft_length)
    x = _tensor(x)
    dtype = dtype_of(x)
    if dtype not in ("float32", "float64"):
        raise TypeError(f"stft: x must be float32 or float64; received {dtype}.")
    win = _window("stft", window, sequence_length, fft_length)
    if center:
        half = fft_length // 2
        x = pad(x, [(0, 0)] * (len(shape_of(x)) - 1) + [(half, half)], mode="reflect")
    frames = extract_sequences(x, fft_length, sequence_stride)
    if win is not None:
        frames = multiply(frames, convert_to_tensor(win, dtype=dtype))
    return rfft(frames, fft_length)


def _overlap_add(frames, stride):
    """Sum of frames (..., T, F) placed every ``stride`` samples: (..., (T - 1) * stride + F)."""
    shape = tuple(shape_of(frames))
    batch, (steps, width) = shape[:-2], shape[-2:]
    rank = len(shape)
    order = [rank - 2, rank - 1] + list(range(rank - 2))
    values = reshape(transpose(frames, order), (steps * width,) + batch)
    positions = (np.arange(steps)[:, None] * stride + np.arange(width)[None, :]).reshape(-1, 1).astype(np.int32)
    summed = scatter(positions, values, ((steps - 1) * stride + width,) + batch)
    return transpose(summed, list(range(1, rank - 1)) + [0])


@composite
def istft(x, sequence_length, sequence_stride, fft_length, length=None, window="hann", center=True):
    """Inverse of ``stft``: real (..., samples) from ``x = (real, imag)`` of (..., frames, fft_length // 2 + 1).

    Samples: ``length`` when given (counted from the first kept sample), else ``(frames - 1) * sequence_stride
    + fft_length``, less ``fft_length // 2`` at both ends when ``center``. (Keras keeps no sample for
    ``center=True`` with ``fft_length == 1``; kerafront keeps them all.)
    """
    sequence_length, sequence_stride, fft_length = _short_time_arguments(
        "istft", sequence_length, sequence_stride, fft_length)
    real, imag = _parts("istft", x, rank=2)
    dtype = dtype_of(real)
    win = _window("istft", window, sequence_length, fft_length)
    steps = shape_of(real)[-2]
    frames = irfft((real, imag), fft_length)
    window_values = np.ones(fft_length) if win is None else win
    if win is not None:
        frames = multiply(frames, convert_to_tensor(win, dtype=dtype))
    signal = _overlap_add(frames, sequence_stride)
    norm = np.zeros((steps - 1) * sequence_stride + fft_length)
    for t in range(steps):
        norm[t * sequence_stride:t * sequence_stride + fft_length] += window_values ** 2
    scale = window_values.sum() / (window_values.sum() if win is not None else sequence_stride)
    signal = multiply(signal, convert_to_tensor(scale / np.where(norm > 1e-10, norm, 1.0), dtype=dtype))
    total = shape_of(signal)[-1]
    start = fft_length // 2 if center else 0
    stop = start + length if length is not None else total - fft_length // 2 if center else total
    return _last(signal, list(range(start, builtins.min(stop, total))))


# ----------------------------------------------------------------------------------------------
# Segment reductions

def _segment_arguments(op, data, segment_ids, num_segments):
    data, segment_ids = _tensor(data), _tensor(segment_ids)
    ids_shape, data_shape = tuple(shape_of(segment_ids)), tuple(shape_of(data))
    if len(ids_shape) != 1:
        raise ValueError(f"{op}: segment_ids must be a 1-D tensor; received shape {ids_shape} (flatten data and "
                         f"segment_ids first, or map over the leading axes).")
    if not data_shape or (ids_shape[0] is not None and data_shape[0] is not None and ids_shape[0] != data_shape[0]):
        raise ValueError(f"{op}: segment_ids and data must have the same leading dimension; received shapes "
                         f"{ids_shape} and {data_shape}.")
    if standardize_dtype(dtype_of(segment_ids)) not in INT_DTYPES:
        raise TypeError(f"{op}: segment_ids must be an integer tensor; received {dtype_of(segment_ids)}.")
    if num_segments is None:
        if isinstance(segment_ids, KerasTensor):
            raise ValueError(f"{op}: num_segments must be given for symbolic inputs (it is read from the values of "
                             f"segment_ids otherwise).")
        ids = convert_to_numpy(segment_ids)
        num_segments = int(ids.max()) + 1 if ids.size else 0
    elif isinstance(num_segments, bool) or not isinstance(num_segments, (int, np.integer)) or num_segments < 0:
        raise ValueError(f"{op}: num_segments must be a non-negative integer or None; received {num_segments!r}.")
    return data, cast(segment_ids, "int32"), int(num_segments)


def _membership(segment_ids, num_segments, rank):
    """Bool (num_segments, N, 1, ...) of rank ``rank + 1``: row ``n`` belongs to segment ``s``."""
    ids = reshape(segment_ids, (1, -1) + (1,) * (rank - 1))
    segments = np.arange(num_segments, dtype=np.int32).reshape((-1, 1) + (1,) * (rank - 1))
    return equal(ids, segments)


def _extreme(dtype, largest):
    dtype = standardize_dtype(dtype)
    if is_float(dtype):
        return math.inf if largest else -math.inf
    if dtype == "bool":
        return largest
    info = np.iinfo(dtype)
    return int(info.max if largest else info.min)


@composite
def segment_sum(data, segment_ids, num_segments=None, sorted=False):
    """Sum of the rows of ``data`` (N, ...) in each segment: (num_segments, ...); ``sorted`` is only a hint."""
    data, segment_ids, num = _segment_arguments("segment_sum", data, segment_ids, num_segments)
    rank = len(shape_of(data))
    kept = reshape(logical_and(greater_equal(segment_ids, 0), less(segment_ids, num)), (-1,) + (1,) * (rank - 1))
    values = where(kept, data, zeros((), dtype=dtype_of(data)))
    indices = expand_dims(where(logical_and(greater_equal(segment_ids, 0), less(segment_ids, num)), segment_ids, 0), 1)
    return scatter(indices, values, (num,) + tuple(shape_of(data))[1:])


def _segment_reduce(op, reduce, fill, data, segment_ids, num_segments):
    data, segment_ids, num = _segment_arguments(op, data, segment_ids, num_segments)
    rank = len(shape_of(data))
    fill = convert_to_tensor(fill(dtype_of(data)), dtype=dtype_of(data))
    members = where(_membership(segment_ids, num, rank), expand_dims(data, 0), fill)
    return reduce(members, axis=1)


@composite
def segment_max(data, segment_ids, num_segments=None, sorted=False):
    """Max of the rows of ``data`` in each segment; an empty segment is -inf (an integer dtype's minimum)."""
    return _segment_reduce("segment_max", max, lambda d: _extreme(d, largest=False), data, segment_ids,
                           num_segments)


@composite
def segment_min(data, segment_ids, num_segments=None, sorted=False):
    """Min of the rows of ``data`` in each segment; an empty segment is +inf (an integer dtype's maximum)."""
    return _segment_reduce("segment_min", min, lambda d: _extreme(d, largest=True), data, segment_ids,
                           num_segments)


@composite
def segment_prod(data, segment_ids, num_segments=None, sorted=False):
    """Product of the rows of ``data`` in each segment; an empty segment is 1."""
    return _segment_reduce("segment_prod", prod, lambda d: 1, data, segment_ids, num_segments)


# ----------------------------------------------------------------------------------------------
# Special functions

_SERIES_TERMS = 60     # sum_k (x^2 / 4)^k / (k!)^2 for |x| <= 30: the last term is below 1e-22 of the sum
_ASYMPTOTIC_TERMS = 20  # e^x / sqrt(2 pi x) * sum_k a_k / x^k for |x| > 30: error below 1e-20
_SWITCH = 30.0


def _asymptotic_coefficients():
    """``a_k = ((2k - 1)!!)^2 / (k! 8^k)``, from ``a_k = a_{k-1} (2k - 1)^2 / (8k)``."""
    out, a = [1.0], 1.0
    for k in range(1, _ASYMPTOTIC_TERMS):
        a *= (2 * k - 1) ** 2 / (8.0 * k)
        out.append(a)
    return out


_ASYMPTOTIC = _asymptotic_coefficients()


def _i0_dtype(dtype):
    """Keras's result dtype: float64 for int64 and float64, float16/bfloat16 kept, floatx otherwise."""
    dtype = standardize_dtype(dtype)
    if dtype in ("int64", "float64"):
        return "float64"
    return dtype if dtype in ("float16", "bfloat16") else config.floatx()


@composite
def i0(x):
    """Modified Bessel function of the first kind, order 0 (``numpy.i0``); gradient ``i1(x)`` as differentiated."""
    x = _tensor(x)
    result_dtype = _i0_dtype(dtype_of(x))
    work = "float32" if result_dtype in ("float16", "bfloat16") else result_dtype
    a = abs(cast(x, work))
    small = less_equal(a, _SWITCH)
    near = where(small, a, 0.0)
    q = multiply(square(near), 0.25)
    series = convert_to_tensor(1.0, dtype=work)
    for k in range(_SERIES_TERMS, 0, -1):
        series = add(divide(multiply(q, series), float(k * k)), 1.0)
    far = where(small, _SWITCH + 1.0, a)
    inverse = divide(1.0, far)
    tail = convert_to_tensor(_ASYMPTOTIC[-1], dtype=work)
    for coefficient in reversed(_ASYMPTOTIC[:-1]):
        tail = add(multiply(tail, inverse), coefficient)
    asymptotic = multiply(exp(subtract(far, multiply(log(multiply(far, 2 * math.pi)), 0.5))), tail)
    return cast(where(small, series, asymptotic), result_dtype)
