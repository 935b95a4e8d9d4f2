"""Reshaping layers: Flatten, Reshape, Permute, RepeatVector, ZeroPadding2D, Cropping2D, UpSampling2D.

Shapes below exclude nothing: ``(batch, ...)``; the batch axis is never reshaped.
"""

import math

import numpy as np

from kerafront import ops
from kerafront.layers import _utils
from kerafront.layers.input_spec import InputSpec
from kerafront.layers.layer import Layer


def _prod(dims):
    return None if any(d is None for d in dims) else int(math.prod(dims))


class Flatten(Layer):
    """``(batch, d1, ..., dn)`` -> ``(batch, d1 * ... * dn)``. With ``data_format="channels_first"``
    the channel axis is moved last first, so the order matches a channels_last model's (Keras's rule)."""

    def __init__(self, data_format=None, **kwargs):
        super().__init__(**kwargs)
        self.data_format = _utils.normalize_data_format(data_format, "Flatten")
        self.input_spec = InputSpec(min_ndim=1)

    def call(self, inputs):
        shape = tuple(ops.shape(inputs))
        if self.data_format == "channels_first" and len(shape) > 2:
            inputs = ops.transpose(inputs, (0,) + tuple(range(2, len(shape))) + (1,))
        return ops.reshape(inputs, (-1, int(math.prod(shape[1:]))))

    def compute_output_shape(self, input_shape):
        return (input_shape[0], _prod(input_shape[1:]))

    def get_config(self):
        config = super().get_config()
        config["data_format"] = self.data_format
        return config


class Reshape(Layer):
    """``(batch, ...)`` -> ``(batch, *target_shape)``; one entry of ``target_shape`` may be -1."""

    def __init__(self, target_shape, **kwargs):
        super().__init__(**kwargs)
        self.target_shape = tuple(int(d) for d in target_shape)
        if sum(d == -1 for d in self.target_shape) > 1 or any(d < -1 or d == 0 for d in self.target_shape):
            raise ValueError(f"Reshape: target_shape must hold positive sizes and at most one -1, got {target_shape!r}.")

    def _resolve(self, input_shape):
        """``target_shape`` with -1 filled in from the input's non-batch sizes (None when unknown)."""
        size = _prod(input_shape[1:])
        known = int(math.prod(d for d in self.target_shape if d != -1))
        if -1 in self.target_shape:
            if size is None:
                return tuple(None if d == -1 else d for d in self.target_shape)
            if size % known:
                self._mismatch(input_shape)
            return tuple(size // known if d == -1 else d for d in self.target_shape)
        if size is not None and size != known:
            self._mismatch(input_shape)
        return self.target_shape

    def _mismatch(self, input_shape):
        raise ValueError(f'Reshape "{self.name}": cannot reshape input of shape {tuple(input_shape)} '
                         f"({_prod(input_shape[1:])} values per example) to target_shape {self.target_shape}.")

    def call(self, inputs):
        return ops.reshape(inputs, (-1,) + self._resolve(tuple(ops.shape(inputs))))

    def compute_output_shape(self, input_shape):
        return (input_shape[0],) + self._resolve(input_shape)

    def get_config(self):
        config = super().get_config()
        config["target_shape"] = self.target_shape
        return config


class Permute(Layer):
    """Permute the non-batch axes: ``dims`` is 1-indexed, e.g. ``(2, 1)`` swaps axes 1 and 2."""

    def __init__(self, dims, **kwargs):
        super().__init__(**kwargs)
        self.dims = tuple(int(d) for d in dims)
        if sorted(self.dims) != list(range(1, len(self.dims) + 1)):
            raise ValueError(f"Permute: dims must be a permutation of 1..{len(self.dims)} (1-indexed; the batch "
                             f"axis stays first), got {dims!r}.")
        self.input_spec = InputSpec(ndim=len(self.dims) + 1)

    def call(self, inputs):
        return ops.transpose(inputs, (0,) + self.dims)

    def compute_output_shape(self, input_shape):
        return (input_shape[0],) + tuple(input_shape[d] for d in self.dims)

    def get_config(self):
        config = super().get_config()
        config["dims"] = self.dims
        return config


class RepeatVector(Layer):
    """``(batch, features)`` -> ``(batch, n, features)``: the input repeated ``n`` times."""

    def __init__(self, n, **kwargs):
        super().__init__(**kwargs)
        if not isinstance(n, int) or n <= 0:
            raise ValueError(f"RepeatVector: n must be a positive integer, got {n!r}.")
        self.n = n
        self.input_spec = InputSpec(ndim=2)

    def call(self, inputs):
        return ops.repeat(ops.expand_dims(inputs, 1), self.n, axis=1)

    def compute_output_shape(self, input_shape):
        return (input_shape[0], self.n, input_shape[1])

    def get_config(self):
        config = super().get_config()
        config["n"] = self.n
        return config


def _pairs(value, name, layer):
    """``int`` / ``(a, b)`` / ``((top, bottom), (left, right))`` -> ``((top, bottom), (left, right))``."""
    if isinstance(value, int):
        return ((value, value), (value, value))
    value = tuple(value)
    if len(value) == 2 and all(isinstance(v, int) for v in value):
        return ((value[0], value[0]), (value[1], value[1]))
    if len(value) == 2 and all(isinstance(v, (list, tuple)) and len(v) == 2 for v in value):
        pairs = tuple(tuple(int(x) for x in v) for v in value)
        if any(x < 0 for pair in pairs for x in pair):
            raise ValueError(f"{layer}: {name} must be non-negative, got {value!r}.")
        return pairs
    raise ValueError(f"{layer}: {name} must be an int, a pair of ints or a pair of (before, after) pairs, got {value!r}.")


class ZeroPadding2D(Layer):
    """Pad rows and columns with zeros: ``padding`` int, ``(rows, cols)`` or ``((top, bottom), (left, right))``."""

    def __init__(self, padding=(1, 1), data_format=None, **kwargs):
        super().__init__(**kwargs)
        self.padding = _pairs(padding, "padding", "ZeroPadding2D")
        self.data_format = _utils.normalize_data_format(data_format, "ZeroPadding2D")
        self.input_spec = InputSpec(ndim=4)

    def call(self, inputs):
        pad = [(0, 0), self.padding[0], self.padding[1], (0, 0)]
        if self.data_format == "channels_first":
            pad = [(0, 0), (0, 0), self.padding[0], self.padding[1]]
        return ops.pad(inputs, pad)

    def compute_output_shape(self, input_shape):
        batch, (rows, cols), channels = _utils.split_shape(input_shape, self.data_format)
        rows = None if rows is None else rows + sum(self.padding[0])
        cols = None if cols is None else cols + sum(self.padding[1])
        return _utils.join_shape(batch, (rows, cols), channels, self.data_format)

    def get_config(self):
        config = super().get_config()
        config.update({"padding": self.padding, "data_format": self.data_format})
        return config


class Cropping2D(Layer):
    """Remove rows and columns at the borders: ``cropping`` like ZeroPadding2D's ``padding``."""

    def __init__(self, cropping=((0, 0), (0, 0)), data_format=None, **kwargs):
        super().__init__(**kwargs)
        self.cropping = _pairs(cropping, "cropping", "Cropping2D")
        self.data_format = _utils.normalize_data_format(data_format, "Cropping2D")
        self.input_spec = InputSpec(ndim=4)

    def _out_sizes(self, rows, cols, input_shape):
        out = [None if n is None else n - sum(c) for n, c in zip((rows, cols), self.cropping)]
        if any(n is not None and n <= 0 for n in out):
            raise ValueError(f'Cropping2D "{self.name}": cropping {self.cropping} removes every row or column of an '
                             f"input of shape {tuple(input_shape)}.")
        return out

    def call(self, inputs):
        shape = tuple(ops.shape(inputs))
        batch, (rows, cols), channels = _utils.split_shape(shape, self.data_format)
        out_rows, out_cols = self._out_sizes(rows, cols, shape)
        (top, _), (left, _) = self.cropping
        start = _utils.join_shape(0, (top, left), 0, self.data_format)
        return ops.slice(inputs, start, _utils.join_shape(batch, (out_rows, out_cols), channels, self.data_format))

    def compute_output_shape(self, input_shape):
        batch, (rows, cols), channels = _utils.split_shape(input_shape, self.data_format)
        return _utils.join_shape(batch, tuple(self._out_sizes(rows, cols, input_shape)), channels, self.data_format)

    def get_config(self):
        config = super().get_config()
        config.update({"cropping": self.cropping, "data_format": self.data_format})
        return config


def _bilinear_matrix(in_size, scale):
    """``(in_size * scale, in_size)`` interpolation weights: half-pixel centres, edges clamped
    (TensorFlow's ``resize(..., "bilinear")``, which Keras's UpSampling2D uses)."""
    out = np.arange(in_size * scale)
    src = np.clip((out + 0.5) / scale - 0.5, 0, in_size - 1)
    low = np.floor(src).astype(int)
    high = np.minimum(low + 1, in_size - 1)
    frac = src - low
    matrix = np.zeros((in_size * scale, in_size))
    matrix[out, low] += 1 - frac
    matrix[out, high] += frac
    return matrix


class UpSampling2D(Layer):
    """Enlarge rows by ``size[0]`` and columns by ``size[1]``: ``"nearest"`` repeats pixels,
    ``"bilinear"`` interpolates (half-pixel centres, as TensorFlow/Keras)."""

    def __init__(self, size=(2, 2), data_format=None, interpolation="nearest", **kwargs):
        super().__init__(**kwargs)
        self.size = _utils.normalize_tuple(size, 2, "size", "UpSampling2D")
        self.data_format = _utils.normalize_data_format(data_format, "UpSampling2D")
        if interpolation not in ("nearest", "bilinear"):
            raise ValueError(f"UpSampling2D: interpolation must be 'nearest' or 'bilinear', got {interpolation!r}.")
        self.interpolation = interpolation
        self.input_spec = InputSpec(ndim=4)

    def call(self, inputs):
        row_axis, col_axis = _utils.spatial_axes(4, self.data_format)
        if self.interpolation == "nearest":
            return ops.repeat(ops.repeat(inputs, self.size[0], axis=row_axis), self.size[1], axis=col_axis)
        shape = tuple(ops.shape(inputs))
        rows = ops.convert_to_tensor(_bilinear_matrix(shape[row_axis], self.size[0]), dtype=ops.dtype(inputs))
        cols = ops.convert_to_tensor(_bilinear_matrix(shape[col_axis], self.size[1]), dtype=ops.dtype(inputs))
        pattern = "bhwc,Hh,Ww->bHWc" if self.data_format == "channels_last" else "bchw,Hh,Ww->bcHW"
        return ops.einsum(pattern, inputs, rows, cols)

    def compute_output_shape(self, input_shape):
        batch, spatial, channels = _utils.split_shape(input_shape, self.data_format)
        out = tuple(None if n is None else n * s for n, s in zip(spatial, self.size))
        return _utils.join_shape(batch, out, channels, self.data_format)

    def get_config(self):
        config = super().get_config()
        config.update({"size": self.size, "data_format": self.data_format, "interpolation": self.interpolation})
        return config
