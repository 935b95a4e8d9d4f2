"""Cases for the signal, segment and special-function ops (kerafront/ops/signal.py, ``complex_fft``, ``erfc``,
``erfinv``, ``nextafter``), against ``numpy.fft``, loops written from the definitions and ``math.erf``/``erfc``.

Complex arguments are ``[T(real), T(imag)]`` pairs. The STFT references frame, window and transform in plain
NumPy (the windows are the periodic Hann and Hamming windows of scipy's ``get_window``); the segment references
loop over the rows. ``ERROR_CASES`` joins conformance_tests/test_errors.py's table.
"""

import math

import numpy as np

from conformance_tests.cases import Gen, T, add
from conformance_tests.cases.kinks import NO_KINK_ROWS

g = Gen("signal")

NO_KINK_ROWS.update({
    "i0": "abs at 0, where i0 is even and its derivative is 0 (row at_zero); `where` switches series at |x| == 30, "
          "where both agree to rounding",
    "segment_sum": "`where` drops the rows whose id is outside [0, num_segments), by id, never by value",
    "segment_prod": "`where` picks each segment's rows by id, never by value",
    "segment_max": "`where` picks each segment's rows by id; ties in its max are max's rows (row ties_first_row)",
    "segment_min": "`where` picks each segment's rows by id; ties in its min are min's rows (row ties_first_row)",
})


# ----------------------------------------------------------------------------------------------
# References

def _complex(real, imag):
    return real.astype(np.float64) + 1j * imag.astype(np.float64)


def _pair(z):
    return z.real, z.imag


def _complex_fft(real, imag, rank=1, inverse=False):
    z = (np.fft.ifftn if inverse else np.fft.fftn)(_complex(real, imag), axes=tuple(range(-rank, 0)))
    return np.stack([z.real, z.imag])


def _erfinv(x):
    """Bisection (80 halvings of [0, 7]: below float64 spacing) on ``math.erf(y) < |v|``, or on ``math.erfc(y) >
    1 - |v|`` above 1/2, where ``1 - |v|`` is exact and erf's values near 1 are too coarse to compare."""
    def one(v):
        a = abs(v)
        if a >= 1:
            return math.copysign(math.inf, v) if a == 1 else math.nan
        lo, hi = 0.0, 7.0
        for _ in range(80):
            mid = (lo + hi) / 2
            below = math.erfc(mid) > 1 - a if a > 0.5 else math.erf(mid) < a
            lo, hi = (mid, hi) if below else (lo, mid)
        return math.copysign((lo + hi) / 2, v)
    return np.vectorize(one, otypes=[np.float64])(x)


def _window(kind, length, fft_length):
    n = np.arange(length)
    a = {"hann": 0.5, "hamming": 0.54}[kind]
    values = a - (1 - a) * np.cos(2 * np.pi * n / length)
    before = (fft_length - length) // 2
    return np.pad(values, (before, fft_length - length - before))


def _frames(x, length, stride):
    count = 1 + (x.shape[-1] - length) // stride
    return np.stack([x[..., t * stride:t * stride + length] for t in range(count)], axis=-2)


def _stft(x, sequence_length, sequence_stride, fft_length, window="hann", center=True):
    if center:
        x = np.pad(x, [(0, 0)] * (x.ndim - 1) + [(fft_length // 2, fft_length // 2)], mode="reflect")
    frames = _frames(x, fft_length, sequence_stride)
    if window is not None:
        frames = frames * _window(window, sequence_length, fft_length)
    return _pair(np.fft.rfft(frames, fft_length))


def _istft(x, sequence_length, sequence_stride, fft_length, length=None, window="hann", center=True):
    frames = np.fft.irfft(_complex(*x), fft_length)
    win = np.ones(fft_length) if window is None else _window(window, sequence_length, fft_length)
    steps = frames.shape[-2]
    out = np.zeros(frames.shape[:-2] + ((steps - 1) * sequence_stride + fft_length,))
    norm = np.zeros(out.shape[-1])
    for t in range(steps):
        out[..., t * sequence_stride:t * sequence_stride + fft_length] += frames[..., t, :] * win
        norm[t * sequence_stride:t * sequence_stride + fft_length] += win ** 2
    out = out * (win.sum() / (win.sum() if window is not None else sequence_stride)) / np.where(norm > 1e-10, norm, 1)
    start = fft_length // 2 if center else 0
    stop = start + length if length is not None else out.shape[-1] - (fft_length // 2 if center else 0)
    return out[..., start:stop]


def _segment(reduce, empty):
    def reference(data, segment_ids, num_segments=None, sorted=False):
        out = np.full((num_segments,) + data.shape[1:], empty, dtype=data.dtype)
        for s in range(num_segments):
            rows = data[segment_ids == s]
            if len(rows):
                out[s] = reduce(rows, axis=0)
        return out
    return reference


# ----------------------------------------------------------------------------------------------
# The primitive and the transforms

re23, im23 = g.normal((2, 3)), g.normal((2, 3))
re235, im235 = g.normal((2, 3, 5)), g.normal((2, 3, 5))
add("complex_fft", "rank1", T(re23), T(im23), dtype="float32", expect=_complex_fft)
add("complex_fft", "rank2_inverse", T(re235), T(im235), kwargs={"rank": 2, "inverse": True}, dtype="float32",
    expect=_complex_fft)
add("complex_fft", "float64", T(re23.astype("float64")), T(im23.astype("float64")), kwargs={"inverse": True},
    dtype="float64", expect=_complex_fft)
add("complex_fft", "length1", T(g.normal((3, 1))), T(g.normal((3, 1))), dtype="float32", expect=_complex_fft)

add("fft", "rank2", [T(g.normal((2, 6))), T(g.normal((2, 6)))], dtype="float32",
    expect=lambda x: _pair(np.fft.fft(_complex(*x))))
add("fft", "odd_length", [T(g.normal((5,))), T(g.normal((5,)))], dtype="float32",
    expect=lambda x: _pair(np.fft.fft(_complex(*x))))
add("fft", "float64", [T(g.normal((3, 4), "float64")), T(g.normal((3, 4), "float64"))], dtype="float64",
    expect=lambda x: _pair(np.fft.fft(_complex(*x))))
add("fft2", "rank3", [T(re235), T(im235)], dtype="float32", expect=lambda x: _pair(np.fft.fft2(_complex(*x))))
add("ifft2", "rank2", [T(g.normal((4, 3))), T(g.normal((4, 3)))], dtype="float32",
    expect=lambda x: _pair(np.fft.ifft2(_complex(*x))))

add("rfft", "default_length", T(g.normal((2, 6))), dtype="float32", expect=lambda x: _pair(np.fft.rfft(x)))
add("rfft", "cropped_odd", T(g.normal((2, 8))), 5, dtype="float32", expect=lambda x, n: _pair(np.fft.rfft(x, n)))
add("rfft", "zero_padded", T(g.normal((3, 4))), kwargs={"fft_length": 7}, dtype="float32",
    expect=lambda x, fft_length: _pair(np.fft.rfft(x, fft_length)))
add("rfft", "int_input", T(g.ints((5,))), dtype="float32", expect=lambda x: _pair(np.fft.rfft(x)))

add("irfft", "default_length", [T(g.normal((2, 5))), T(g.normal((2, 5)))], dtype="float32",
    expect=lambda x: np.fft.irfft(_complex(*x)))
add("irfft", "odd_length", [T(g.normal((2, 4))), T(g.normal((2, 4)))], 7, dtype="float32",
    expect=lambda x, n: np.fft.irfft(_complex(*x), n))
add("irfft", "cropped_bins", [T(g.normal((6,))), T(g.normal((6,)))], kwargs={"fft_length": 4}, dtype="float32",
    expect=lambda x, fft_length: np.fft.irfft(_complex(*x), fft_length))
add("irfft", "padded_bins", [T(g.normal((3,))), T(g.normal((3,)))], kwargs={"fft_length": 9}, dtype="float32",
    expect=lambda x, fft_length: np.fft.irfft(_complex(*x), fft_length))

# ----------------------------------------------------------------------------------------------
# Framing and short-time transforms

add("extract_sequences", "stride2", T(g.normal((2, 9))), 3, 2, dtype="float32", expect=_frames)
add("extract_sequences", "int_overlap", T(g.ints((7,))), 4, 1, dtype="int32", expect=_frames)
add("extract_sequences", "rank3_stride_gt_length", T(g.normal((2, 2, 10))), 2, 3, dtype="float32", expect=_frames)

signal = g.normal((2, 20))
add("stft", "hann_center", T(signal), 8, 4, 8, dtype="float32", expect=_stft)
add("stft", "hamming_padded_window", T(signal), 6, 3, 10, kwargs={"window": "hamming", "center": False},
    dtype="float32", expect=_stft)
add("stft", "no_window", T(g.normal((15,))), 4, 2, 4, kwargs={"window": None}, dtype="float32", expect=_stft)
add("stft", "float64", T(g.normal((12,), "float64")), 5, 2, 6, dtype="float64", expect=_stft)

spectrum = [T(g.normal((2, 6, 5))), T(g.normal((2, 6, 5)))]
add("istft", "hann_center", spectrum, 8, 4, 8, dtype="float32", expect=_istft)
add("istft", "hamming_length", spectrum, 6, 3, 8, kwargs={"length": 12, "window": "hamming", "center": False},
    dtype="float32", expect=_istft)
add("istft", "no_window", [T(g.normal((4, 3))), T(g.normal((4, 3)))], 4, 2, 4, kwargs={"window": None},
    dtype="float32", expect=_istft)

# ----------------------------------------------------------------------------------------------
# Segment reductions (ids unsorted, one empty segment, one id outside [0, num_segments))

rows = g.distinct((6, 2))
ids = np.array([2, 0, 2, 4, 0, 1], "int32")
add("segment_sum", "unsorted_empty_dropped", T(rows), T(ids), 4, dtype="float32",
    expect=_segment(np.sum, 0))
add("segment_sum", "int_data", T(g.ints((5,))), T(np.array([0, 0, 1, 3, 3], "int32")), kwargs={"num_segments": 4},
    dtype="int32", expect=_segment(np.sum, 0))
add("segment_sum", "sorted_hint", T(g.normal((4, 3))), T(np.array([0, 0, 1, 1], "int32")), 2, True,
    dtype="float32", expect=_segment(np.sum, 0))
add("segment_max", "unsorted_empty", T(rows), T(ids), 4, dtype="float32", expect=_segment(np.max, -np.inf),
    grad=False)
add("segment_max", "unsorted_gradient", T(rows), T(ids), 3, dtype="float32", expect=_segment(np.max, -np.inf))
add("segment_max", "int_empty_is_min", T(g.ints((4,))), T(np.array([0, 2, 2, 0], "int32")), 3, dtype="int32",
    expect=_segment(np.max, np.iinfo(np.int32).min))
add("segment_max", "ties_first_row", T(np.array([1.0, 3.0, 3.0, 2.0], "float32")), T(np.array([0, 0, 0, 1], "int32")),
    2, dtype="float32", expect=_segment(np.max, -np.inf), grad=False)
add("segment_min", "unsorted_empty", T(rows), T(ids), 4, dtype="float32", expect=_segment(np.min, np.inf),
    grad=False)
add("segment_min", "unsorted_gradient", T(rows), T(ids), 3, dtype="float32", expect=_segment(np.min, np.inf))
add("segment_min", "ties_first_row", T(np.array([1.0, 1.0, 3.0], "float32")), T(np.array([0, 0, 1], "int32")), 2,
    dtype="float32", expect=_segment(np.min, np.inf), grad=False)
add("segment_prod", "unsorted_empty", T(g.uniform((6, 2), 0.5, 1.5)), T(ids), 4, dtype="float32",
    expect=_segment(np.prod, 1))

# ----------------------------------------------------------------------------------------------
# Special functions

add("erfc", "range", T(g.uniform((2, 5), -3, 3)), dtype="float32",
    expect=np.vectorize(math.erfc, otypes=[np.float64]))
add("erfc", "tail_where_erf_is_one", T(np.array([4.0, 6.0, 9.0], "float64")), dtype="float64",
    expect=np.vectorize(math.erfc, otypes=[np.float64]))
add("erfc", "int_input", T(np.array([0, 1, -2], "int32")), dtype="float32",
    expect=np.vectorize(math.erfc, otypes=[np.float64]))
add("erfinv", "inside", T(g.uniform((2, 5), -0.9, 0.9)), dtype="float32", expect=_erfinv)
add("erfinv", "near_one_float64", T(np.array([0.999, -0.99999, 1 - 1e-12, 0.5, 0.0], "float64")), dtype="float64",
    expect=_erfinv, fd=False)
add("erfinv", "bounds", T(np.array([1.0, -1.0, 1.5, -2.0], "float32")), dtype="float32", expect=_erfinv, grad=False)
add("nextafter", "up_and_down", T(np.array([1.0, 1.0, 0.0, -2.0], "float32")),
    T(np.array([2.0, 0.0, 1.0, -2.0], "float32")), dtype="float32",
    expect=lambda a, b: np.nextafter(a.astype(np.float32), b.astype(np.float32)))
add("nextafter", "float64_broadcast", T(g.normal((2, 3), "float64")), 0.0, dtype="float64", expect=np.nextafter)
add("i0", "range", T(g.uniform((2, 6), -12, 12)), dtype="float32", expect=np.i0)
add("i0", "asymptotic_float64", T(np.array([29.5, 30.5, 45.0, -80.0, 300.0], "float64")), dtype="float64",
    expect=np.i0, grad=False)
add("i0", "asymptotic_gradient", T(np.array([29.0, 31.0, -33.0], "float64")), dtype="float64", expect=np.i0)
add("i0", "at_zero", T(np.array([0.0, 1e-3], "float64")), dtype="float64", expect=np.i0)
add("i0", "int_input", T(np.array([0, 1, -3], "int32")), dtype="float32", expect=np.i0)


# ----------------------------------------------------------------------------------------------
# Errors (joined to conformance_tests/test_errors.py's table): id -> (op, text, call(ops))

def _ones(ops, shape, dtype="float32"):
    return ops.convert_to_tensor(np.ones(shape, dtype))


ERROR_CASES = {
    "complex_fft_shapes_differ": ("complex_fft", "(2, 3) and (2, 4)", lambda ops: ops.complex_fft(
        _ones(ops, (2, 3)), _ones(ops, (2, 4)))),
    "complex_fft_int_parts": ("complex_fft", "float", lambda ops: ops.complex_fft(
        _ones(ops, (3,), "int32"), _ones(ops, (3,), "int32"))),
    "complex_fft_rank_3": ("complex_fft", "rank", lambda ops: ops.complex_fft(
        _ones(ops, (2, 2, 2)), _ones(ops, (2, 2, 2)), rank=3)),
    "fft_not_a_pair": ("fft", "tuple", lambda ops: ops.fft(_ones(ops, (4,)))),
    "fft2_rank_1": ("fft2", "rank >= 2", lambda ops: ops.fft2((_ones(ops, (4,)), _ones(ops, (4,))))),
    "stft_int_input": ("stft", "float32 or float64", lambda ops: ops.stft(_ones(ops, (16,), "int32"), 4, 2, 4)),
    "stft_fft_shorter_than_sequence": ("stft", "fft_length", lambda ops: ops.stft(_ones(ops, (16,)), 8, 2, 4)),
    "stft_unknown_window": ("stft", "hann", lambda ops: ops.stft(_ones(ops, (16,)), 4, 2, 4, window="kaiser")),
    "stft_stride_zero": ("stft", "sequence_stride", lambda ops: ops.stft(_ones(ops, (16,)), 4, 0, 4)),
    "segment_sum_ids_2d": ("segment_sum", "1-D", lambda ops: ops.segment_sum(
        _ones(ops, (2, 2)), _ones(ops, (2, 2), "int32"), 2)),
    "segment_max_length_mismatch": ("segment_max", "leading dimension", lambda ops: ops.segment_max(
        _ones(ops, (3,)), _ones(ops, (2,), "int32"), 2)),
}
