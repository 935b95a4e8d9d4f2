"""Keras 3's quantization functions and ``Quantizer`` classes, written once from ``kerafront.ops``.

* int8 / int4: ``abs_max_quantize`` (symmetric, one scale per slice along ``axis``),
  ``abs_max_quantize_grouped_with_zero_point`` (asymmetric, a scale and zero point per group of rows),
  ``pack_int4`` / ``unpack_int4`` (two signed nibbles per byte, low nibble first).
* fake quantization: ``fake_quant_with_min_max_vars`` (TensorFlow's op: the range is nudged so that 0.0
  is exactly representable), with the straight-through gradient Keras defines.
* float8: ``quantize_and_dequantize``, ``compute_float8_scale``, ``compute_float8_amax_history``.

No backend here has float8 dtypes, so ``quantize_and_dequantize`` rounds to the float8 grid with
arithmetic (round to nearest even, as a cast does) and lets the gradient through the rounding, as the
gradient of a cast does.
"""

import math

import numpy as np

from kerafront import dtypes, ops

EPSILON = 1e-7  # Keras's default ``epsilon`` (``backend.epsilon()`` when its functions were defined)

# name -> (mantissa bits, smallest normal exponent, largest finite value): ml_dtypes.finfo's numbers
_FLOAT_GRIDS = {"float8_e4m3fn": (3, -6, 448.0), "float8_e5m2": (2, -14, 57344.0),
                "float16": (10, -14, 65504.0), "bfloat16": (7, -126, 3.3895313892515355e38)}


class Quantizer:
    """Base class: ``__call__(x)`` returns the quantized output (here ``x`` itself)."""

    def __init__(self, output_dtype="int8"):
        self.output_dtype = output_dtype

    def __call__(self, x):
        return x

    @classmethod
    def from_config(cls, config):
        return cls(**config)

    def get_config(self):
        raise NotImplementedError(f"{self} does not implement get_config()")


class AbsMaxQuantizer(Quantizer):
    """``abs_max_quantize`` as an object: ``quantizer(x, axis=None) -> (quantized, scale)``.

    ``axis`` given to the constructor is Keras's deprecated spelling; the call's ``axis`` wins, and
    without either the scale is taken along the last axis.
    """

    def __init__(self, axis=None, value_range=(-127, 127), epsilon=EPSILON, output_dtype="int8"):
        super().__init__(output_dtype=output_dtype)
        self.axis = None if axis is None else (axis,) if isinstance(axis, int) else tuple(axis)
        self.value_range = value_range
        self.epsilon = epsilon
        if output_dtype == "int8" and (value_range[0] < -128 or value_range[1] > 127):
            raise ValueError("AbsMaxQuantizer: output_dtype='int8' needs value_range within [-128, 127], received "
                             f"value_range={value_range}.")

    def __call__(self, x, axis=None, to_numpy=False):
        axis = self.axis if axis is None else axis
        return abs_max_quantize(x, -1 if axis is None else axis, self.value_range, self.output_dtype, self.epsilon,
                                to_numpy)

    def get_config(self):
        config = {"value_range": self.value_range, "epsilon": self.epsilon, "output_dtype": self.output_dtype}
        if self.axis is not None:
            config["axis"] = self.axis
        return config


def abs_max_quantize(inputs, axis, value_range=(-127, 127), dtype="int8", epsilon=EPSILON, to_numpy=False):
    """``(quantized, scale)``: ``scale = value_range[1] / (max |inputs| along axis + epsilon)`` (kept dims,
    the inputs' dtype) and ``quantized = clip(round(inputs * scale), *value_range)`` as ``dtype``.

    ``to_numpy=True`` computes on the host with NumPy (saves device memory); the numbers are the same.
    """
    if to_numpy:
        array = np.asarray(ops.convert_to_numpy(inputs))
        original_dtype = dtypes.standardize_dtype(array.dtype)
        axis = tuple(axis) if isinstance(axis, (list, tuple)) else axis
        scale = np.divide(value_range[1], np.add(np.max(np.abs(array), axis=axis, keepdims=True), epsilon))
        outputs = np.clip(np.round(np.multiply(array, scale)), value_range[0], value_range[1]).astype(dtype)
        return ops.convert_to_tensor(outputs), ops.convert_to_tensor(scale, dtype=original_dtype)
    inputs = ops.convert_to_tensor(inputs)
    scale = ops.divide(value_range[1], ops.add(ops.max(ops.abs(inputs), axis=axis, keepdims=True), epsilon))
    scale = ops.cast(scale, ops.dtype(inputs))
    outputs = ops.clip(ops.round(ops.multiply(inputs, scale)), value_range[0], value_range[1])
    return ops.cast(outputs, dtype), scale


def abs_max_quantize_grouped_with_zero_point(inputs, block_size, value_range=(-8, 7), dtype="int8",
                                             epsilon=EPSILON, to_numpy=False):
    """``(quantized, scale, zero_point)`` of a 2-D ``(input_dim, output_dim)`` tensor, asymmetric, one
    scale and zero point per group of ``block_size`` rows and per column.

    ``scale`` and ``zero_point`` are ``(ceil(input_dim / block_size), output_dim)`` (the inputs' dtype and
    int8); ``quantized = clip(round(inputs / scale) + zero_point, *value_range)`` as ``dtype``. A last,
    short group is padded with zero rows, which take part in its min and max when there are several
    groups (Keras's rule; the NumPy path always counts them, as Keras's does). The device
    path widens a group whose min equals its max by 1 on each side; the NumPy path does not (Keras's two
    paths differ there too).
    """
    if not isinstance(block_size, int) or isinstance(block_size, bool) or block_size <= 0:
        raise ValueError(f"abs_max_quantize_grouped_with_zero_point: block_size must be a positive integer, "
                         f"received {block_size!r}.")
    shape = tuple(ops.shape(inputs))
    if len(shape) != 2:
        raise ValueError("abs_max_quantize_grouped_with_zero_point: inputs must be 2-D (input_dim, output_dim), "
                         f"received shape {shape}.")
    qmin, qmax = value_range
    input_dim, output_dim = shape
    n_groups = math.ceil(input_dim / block_size)
    padded_dim = n_groups * block_size
    if to_numpy:
        return _grouped_numpy(inputs, block_size, qmin, qmax, dtype, epsilon, n_groups, padded_dim)
    inputs = ops.convert_to_tensor(inputs)
    original_dtype = ops.dtype(inputs)
    bits = int(math.log2(qmax - qmin + 1))
    maxq = float(2 ** bits - 1)
    padded = ops.pad(inputs, [[0, padded_dim - input_dim], [0, 0]]) if padded_dim > input_dim else inputs
    grouped = ops.reshape(padded, (n_groups, block_size, output_dim))
    statistics_of = grouped if n_groups > 1 else ops.expand_dims(inputs, 0)  # Keras: one group sees no padding
    low, high = ops.min(statistics_of, axis=1), ops.max(statistics_of, axis=1)
    flat = ops.equal(low, high)
    low, high = ops.where(flat, ops.subtract(low, 1), low), ops.where(flat, ops.add(high, 1), high)
    value_span = ops.subtract(high, low)
    if epsilon > 0:
        value_span = ops.add(value_span, epsilon)
    scale = ops.divide(value_span, maxq)
    scale = ops.cast(ops.where(ops.less_equal(scale, 0), 1e-8, scale), original_dtype)
    zero_point = ops.add(ops.round(ops.divide(ops.negative(low), scale)), -(2 ** (bits - 1)))
    zero_point = ops.cast(ops.clip(zero_point, -(2 ** (bits - 1)), 2 ** (bits - 1) - 1), "int8")
    outputs = ops.add(ops.round(ops.divide(grouped, ops.expand_dims(scale, 1))),
                      ops.cast(ops.expand_dims(zero_point, 1), original_dtype))
    outputs = ops.cast(ops.clip(outputs, qmin, qmax), dtype)
    outputs = ops.reshape(outputs, (padded_dim, output_dim))[:input_dim]
    return outputs, scale, zero_point


def _grouped_numpy(inputs, block_size, qmin, qmax, dtype, epsilon, n_groups, padded_dim):
    array = np.asarray(ops.convert_to_numpy(inputs))
    original_dtype = dtypes.standardize_dtype(array.dtype)
    input_dim, output_dim = array.shape
    padded = np.concatenate([array, np.zeros((padded_dim - input_dim, output_dim), array.dtype)])
    grouped = padded.reshape(n_groups, block_size, output_dim)
    low, high = grouped.min(axis=1, keepdims=True), grouped.max(axis=1, keepdims=True)
    scale = (high - low + epsilon) / (qmax - qmin)
    zero_point = np.clip(np.round(-low / scale) + qmin, qmin, qmax)
    outputs = np.clip(np.round(grouped / scale) + zero_point, qmin, qmax).astype(dtype)
    outputs = outputs.reshape(padded_dim, output_dim)[:input_dim]
    return (ops.convert_to_tensor(outputs), ops.convert_to_tensor(scale[:, 0], dtype=original_dtype),
            ops.convert_to_tensor(zero_point[:, 0].astype("int8")))


# ----------------------------------------------------------------------------------------------
# Fake quantization


def _nudged_range(min_range, max_range, num_bits, narrow_range):
    """TensorFlow's nudging: the range moved so that 0.0 lands on a quantization level."""
    quant_min, quant_max = (1 if narrow_range else 0), (1 << num_bits) - 1
    levels = quant_max - quant_min
    scale = ops.divide(ops.subtract(max_range, min_range), levels)
    inv_scale = ops.divide(levels, ops.subtract(max_range, min_range))
    zero_point = ops.round(ops.clip(ops.subtract(quant_min, ops.divide(min_range, scale)), quant_min, quant_max))
    nudged_min = ops.multiply(ops.subtract(quant_min, zero_point), scale)
    nudged_max = ops.multiply(ops.subtract(quant_max, zero_point), scale)
    return nudged_min, nudged_max, scale, inv_scale


def _per_channel(values, axis, rank, name):
    """``values`` of shape ``(channels,)`` reshaped to broadcast along ``axis`` of a rank-``rank`` input."""
    if ops.ndim(values) == 0:
        return values
    if ops.ndim(values) != 1:
        raise ValueError(f"fake_quant_with_min_max_vars: with axis={axis}, {name} must be a scalar or 1-D (one "
                         f"value per channel), received shape {tuple(ops.shape(values))}.")
    shape = [1] * rank
    shape[axis] = -1
    return ops.reshape(values, shape)


def fake_quant_with_min_max_vars(inputs, min_vals, max_vals, num_bits=8, narrow_range=False, axis=None):
    """Quantize ``inputs`` to ``2**num_bits`` levels over ``[min_vals, max_vals]`` and back to floats.

    The levels are ``[0, 2**num_bits - 1]`` (``[1, ...]`` with ``narrow_range``) over the nudged range
    (TensorFlow's ``fake_quant_with_min_max_vars``). ``axis``: per-channel ranges (``min_vals`` and
    ``max_vals`` of shape ``(inputs.shape[axis],)``); None: one range. Gradients (straight through, as
    Keras defines them): ``inputs`` get the upstream gradient where ``nudged_min <= x <= nudged_max``,
    ``min_vals`` the sum of it where ``x <= nudged_min``, ``max_vals`` where ``x >= nudged_max``
    (TensorFlow's own kernel uses strict inequalities for the last two: they differ only at exactly
    the nudged bounds). The output has the inputs' shape and dtype.
    """
    if not isinstance(num_bits, (int, np.integer)) or isinstance(num_bits, bool) or not 2 <= num_bits <= 16:
        raise ValueError(f"fake_quant_with_min_max_vars: num_bits must be an integer in [2, 16], received "
                         f"{num_bits!r}.")
    inputs = ops.convert_to_tensor(inputs)
    min_vals, max_vals = ops.convert_to_tensor(min_vals), ops.convert_to_tensor(max_vals)
    dtype, rank = ops.dtype(inputs), ops.ndim(inputs)
    if axis is not None:
        if not -rank <= axis < rank:
            raise ValueError(f"fake_quant_with_min_max_vars: axis {axis} is out of range for inputs of rank {rank}.")
        axis = axis % rank
        min_vals = _per_channel(min_vals, axis, rank, "min_vals")
        max_vals = _per_channel(max_vals, axis, rank, "max_vals")
    compute_dtype = "float64" if "float64" in (ops.dtype(min_vals), dtype) else "float32"
    low, high = ops.cast(min_vals, compute_dtype), ops.cast(max_vals, compute_dtype)
    nudged_min, nudged_max, scale, inv_scale = _nudged_range(ops.stop_gradient(low), ops.stop_gradient(high),
                                                             int(num_bits), narrow_range)
    x = ops.cast(inputs, compute_dtype)
    quant_zero = ops.floor(ops.add(ops.multiply(ops.negative(nudged_min), inv_scale), 0.5))
    shifted = ops.subtract(ops.clip(x, nudged_min, nudged_max), nudged_min)
    levels = ops.floor(ops.add(ops.subtract(ops.multiply(shifted, inv_scale), quant_zero), 0.5))
    result = ops.stop_gradient(ops.multiply(levels, scale))
    # Straight-through gradient: each term is 0 in value and carries its slice of the upstream gradient.
    inside = ops.logical_and(ops.greater_equal(x, nudged_min), ops.less_equal(x, nudged_max))
    result = ops.add(result, ops.where(inside, ops.subtract(x, ops.stop_gradient(x)), 0.0))
    result = ops.add(result, ops.where(ops.less_equal(x, nudged_min), ops.subtract(low, ops.stop_gradient(low)), 0.0))
    result = ops.add(result, ops.where(ops.greater_equal(x, nudged_max),
                                       ops.subtract(high, ops.stop_gradient(high)), 0.0))
    return ops.cast(result, dtype)


# ----------------------------------------------------------------------------------------------
# float8


def compute_float8_scale(amax, scale, dtype_max, margin=0):
    """The new scale ``amax * 2**margin / dtype_max``; where ``amax`` is 0 or not finite, ``scale`` is kept
    (Transformer Engine's ``update_fp8_metas``)."""
    kept = ops.reciprocal(scale)
    factor = ops.divide(ops.divide(dtype_max, amax), 2 ** margin)
    factor = ops.where(ops.greater(amax, 0.0), factor, kept)
    factor = ops.where(ops.isfinite(amax), factor, kept)
    return ops.reciprocal(factor)


def compute_float8_amax_history(x, amax_history):
    """``amax_history`` rolled one place to the left with ``max |x|`` written at index 0."""
    amax = ops.reshape(ops.cast(ops.max(ops.abs(x)), ops.dtype(amax_history)), (1,))
    rolled = ops.roll(amax_history, shift=-1)
    return ops.concatenate([amax, rolled[1:]], axis=0)


def _round_to_grid(x, mantissa_bits, min_exponent):
    """``x`` (finite, float32 or float64) rounded to the nearest value with ``mantissa_bits`` bits after
    the point, ties to even, with subnormals below ``2**min_exponent`` -- what a cast to that float does."""
    magnitude = ops.abs(x)
    exponent = ops.floor(ops.log2(ops.maximum(magnitude, 2.0 ** min_exponent)))
    exponent = ops.where(ops.greater(ops.power(2.0, exponent), magnitude), exponent - 1, exponent)  # log2 rounding
    exponent = ops.maximum(exponent, min_exponent)
    step = ops.power(2.0, ops.subtract(exponent, mantissa_bits))
    return ops.multiply(ops.round(ops.divide(x, step)), step)


def quantize_and_dequantize(inputs, scale, quantized_dtype, compute_dtype):
    """``inputs / scale`` clipped to the finite range of ``quantized_dtype``, rounded to it, times ``scale``,
    in ``compute_dtype``. ``quantized_dtype``: ``"float8_e4m3fn"``, ``"float8_e5m2"``, ``"float16"`` or
    ``"bfloat16"``. The gradient passes through the rounding (as through a cast) and stops where clipped."""
    if quantized_dtype not in _FLOAT_GRIDS:
        raise ValueError(f"quantize_and_dequantize: quantized_dtype must be one of {', '.join(_FLOAT_GRIDS)}, "
                         f"received {quantized_dtype!r}.")
    mantissa_bits, min_exponent, largest = _FLOAT_GRIDS[quantized_dtype]
    scale = ops.cast(scale, compute_dtype)
    x = ops.clip(ops.divide(ops.cast(inputs, compute_dtype), scale), -largest, largest)
    work = ops.cast(x, "float64" if compute_dtype == "float64" else "float32")
    rounded = ops.cast(_round_to_grid(ops.stop_gradient(work), mantissa_bits, min_exponent), compute_dtype)
    x = ops.add(x, ops.stop_gradient(ops.subtract(rounded, x)))
    return ops.multiply(x, scale)


# ----------------------------------------------------------------------------------------------
# int4 packing


def _check_int_dtype(dtype, name):
    if dtype not in ("int8", "uint8"):
        raise ValueError(f"{name}: dtype must be 'int8' or 'uint8', received {dtype!r}.")


def pack_int4(arr, axis=0, dtype="int8"):
    """Pack int4 values (in ``[-8, 7]``, held as ``dtype``) two per byte along ``axis``: the first of each
    pair in the low nibble, the second in the high one; an odd length gets a zero appended.

    Returns ``(packed, packed_shape, orig_len)``; ``unpack_int4(packed, orig_len, axis)`` inverts it.
    Computed with NumPy on the host, as Keras does.
    """
    _check_int_dtype(dtype, "pack_int4")
    got = dtypes.standardize_dtype(ops.dtype(arr) if not isinstance(arr, np.ndarray) else arr.dtype)
    if got != dtype:
        raise TypeError(f"pack_int4: expected a {dtype} tensor for packing, received {got}.")
    array = np.asarray(ops.convert_to_numpy(arr))
    if not -array.ndim <= axis < array.ndim:
        raise ValueError(f"pack_int4: axis {axis} is out of range for a tensor of rank {array.ndim}.")
    array = np.moveaxis(array, axis, 0)
    orig_len = array.shape[0]
    if orig_len % 2:
        array = np.concatenate([array, np.zeros((1,) + array.shape[1:], array.dtype)])
    low, high = array[0::2].astype(dtype) & np.array(0x0F, dtype), array[1::2].astype(dtype) & np.array(0x0F, dtype)
    packed = np.moveaxis((low | (high << np.array(4, dtype))).astype(dtype), 0, axis)
    return ops.convert_to_tensor(packed), tuple(packed.shape), orig_len


def unpack_int4(packed, orig_len, axis=0, dtype="int8"):
    """The inverse of ``pack_int4``: ``(..., orig_len, ...)`` values in ``[-8, 7]`` (``[0, 15]`` for
    ``dtype="uint8"``) as ``dtype``. Written with ops, so it runs inside compiled functions."""
    _check_int_dtype(dtype, "unpack_int4")
    packed = ops.convert_to_tensor(packed)
    if ops.dtype(packed) not in ("int8", "uint8"):
        raise TypeError(f"unpack_int4: expected an int8 or uint8 tensor for unpacking, received {ops.dtype(packed)}.")
    rank = ops.ndim(packed)
    if not -rank <= axis < rank:
        raise ValueError(f"unpack_int4: axis {axis} is out of range for a tensor of rank {rank}.")
    axis = axis % rank
    front = ops.moveaxis(packed, axis, 0)
    mask = ops.convert_to_tensor(np.array(0x0F, ops.dtype(packed)))
    low, high = ops.bitwise_and(front, mask), ops.bitwise_and(ops.right_shift(front, 4), mask)
    if dtype == "int8":  # nibbles 8..15 are -8..-1: (n ^ 8) - 8
        eight = ops.convert_to_tensor(np.array(8, ops.dtype(packed)))
        low = ops.subtract(ops.bitwise_xor(low, eight), eight)
        high = ops.subtract(ops.bitwise_xor(high, eight), eight)
    pairs = ops.stack([ops.cast(low, dtype), ops.cast(high, dtype)], axis=1)
    unpacked = ops.reshape(pairs, (-1,) + tuple(ops.shape(front))[1:])[:orig_len]
    return ops.moveaxis(unpacked, 0, axis)
