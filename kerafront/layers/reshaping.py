"""Reshaping layers: Flatten, Reshape, Permute, RepeatVector, ZeroPadding1D/2D/3D, Cropping1D/2D/3D,
UpSampling1D/2D/3D.

Shapes below exclude nothing: ``(batch, ...)``; the batch axis is never reshaped.
"""

import math
import numbers

from kerafront import ops
from kerafront.layers import _utils
from kerafront.layers.input_spec import InputSpec
from kerafront.layers.layer import Layer
from kerafront.ops import image


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


def _spatial_pairs(value, rank, name, layer):
    """``(before, after)`` per spatial dim from Keras's spellings of ``padding``/``cropping``.

    An int is every side; ``rank`` entries give each dim either one int (both sides) or a
    ``(before, after)`` pair; in 1-D a pair of ints is ``(before, after)``. Negative amounts raise.
    """
    expected = ("an int, a pair of ints (before, after)" if rank == 1 else
                f"an int, a tuple of {rank} ints or a tuple of {rank} (before, after) pairs")

    def integer(v):
        return isinstance(v, numbers.Integral) and not isinstance(v, bool)

    if integer(value):
        pairs = ((int(value), int(value)),) * rank
    else:
        entries = tuple(value) if isinstance(value, (list, tuple)) else None
        if rank == 1 and entries is not None and len(entries) == 2 and all(integer(v) for v in entries):
            entries = (entries,)
        if entries is None or len(entries) != rank:
            raise ValueError(f"{layer}: {name} must be {expected}, got {value!r}.")
        pairs = []
        for entry in entries:
            if integer(entry):
                pairs.append((int(entry), int(entry)))
            elif isinstance(entry, (list, tuple)) and len(entry) == 2 and all(integer(v) for v in entry):
                pairs.append((int(entry[0]), int(entry[1])))
            else:
                raise ValueError(f"{layer}: {name} must be {expected}, got {value!r}.")
        pairs = tuple(pairs)
    if any(amount < 0 for pair in pairs for amount in pair):
        raise ValueError(f"{layer}: {name} must be non-negative, got {value!r}.")
    return pairs


def _keras_form(pairs):
    """The pairs as Keras stores them: ``(before, after)`` in 1-D, one pair per dim otherwise."""
    return pairs[0] if len(pairs) == 1 else pairs


class BaseZeroPadding(Layer):
    """Pad the ``rank`` spatial axes with zeros (``padding``: see ``_spatial_pairs``)."""

    rank = 2

    def __init__(self, padding, data_format=None, **kwargs):
        super().__init__(**kwargs)
        cls = type(self).__name__
        self._pairs = _spatial_pairs(padding, self.rank, "padding", cls)
        self.padding = _keras_form(self._pairs)
        self.data_format = _utils.normalize_data_format(data_format, cls)
        self.input_spec = InputSpec(ndim=self.rank + 2)

    def call(self, inputs):
        if self.data_format == "channels_first":
            return ops.pad(inputs, [(0, 0), (0, 0), *self._pairs])
        return ops.pad(inputs, [(0, 0), *self._pairs, (0, 0)])

    def compute_output_shape(self, input_shape):
        batch, spatial, channels = _utils.split_shape(input_shape, self.data_format)
        out = tuple(None if n is None else n + sum(pair) for n, pair in zip(spatial, self._pairs))
        return _utils.join_shape(batch, out, channels, self.data_format)

    def get_config(self):
        config = super().get_config()
        config.update({"padding": self.padding, "data_format": self.data_format})
        return config


class ZeroPadding1D(BaseZeroPadding):
    """Pad steps with zeros: ``padding`` int or ``(before, after)``."""

    rank = 1

    def __init__(self, padding=1, data_format=None, **kwargs):
        super().__init__(padding, data_format=data_format, **kwargs)


class ZeroPadding2D(BaseZeroPadding):
    """Pad rows and columns with zeros: ``padding`` int, ``(rows, cols)`` or ``((top, bottom), (left, right))``."""

    rank = 2

    def __init__(self, padding=(1, 1), data_format=None, **kwargs):
        super().__init__(padding, data_format=data_format, **kwargs)


class ZeroPadding3D(BaseZeroPadding):
    """Pad depth, rows and columns with zeros: ``padding`` int, 3 ints or 3 ``(before, after)`` pairs."""

    rank = 3

    def __init__(self, padding=((1, 1), (1, 1), (1, 1)), data_format=None, **kwargs):
        super().__init__(padding, data_format=data_format, **kwargs)


class BaseCropping(Layer):
    """Remove ``cropping`` positions at the borders of the ``rank`` spatial axes (spelled like ``padding``)."""

    rank = 2

    def __init__(self, cropping, data_format=None, **kwargs):
        super().__init__(**kwargs)
        cls = type(self).__name__
        self._pairs = _spatial_pairs(cropping, self.rank, "cropping", cls)
        self.cropping = _keras_form(self._pairs)
        self.data_format = _utils.normalize_data_format(data_format, cls)
        self.input_spec = InputSpec(ndim=self.rank + 2)

    def _out_sizes(self, spatial, input_shape):
        out = tuple(None if n is None else n - sum(pair) for n, pair in zip(spatial, self._pairs))
        if any(n is not None and n <= 0 for n in out):
            what = {1: "step", 2: "row or column", 3: "depth slice, row or column"}[self.rank]
            raise ValueError(f'{type(self).__name__} "{self.name}": cropping {self.cropping} removes every {what} of '
                             f"an input of shape {tuple(input_shape)}; each axis's cropping must be smaller than its "
                             f"size.")
        return out

    def call(self, inputs):
        shape = tuple(ops.shape(inputs))
        batch, spatial, channels = _utils.split_shape(shape, self.data_format)
        out = self._out_sizes(spatial, shape)
        start = _utils.join_shape(0, tuple(before for before, _ in self._pairs), 0, self.data_format)
        return ops.slice(inputs, start, _utils.join_shape(batch, out, channels, self.data_format))

    def compute_output_shape(self, input_shape):
        batch, spatial, channels = _utils.split_shape(input_shape, self.data_format)
        return _utils.join_shape(batch, self._out_sizes(spatial, input_shape), channels, self.data_format)

    def get_config(self):
        config = super().get_config()
        config.update({"cropping": self.cropping, "data_format": self.data_format})
        return config


class Cropping1D(BaseCropping):
    """Remove steps at both ends: ``cropping`` int or ``(before, after)``; inputs ``(batch, steps, features)``
    (Keras's Cropping1D has no ``data_format``)."""

    rank = 1

    def __init__(self, cropping=(1, 1), **kwargs):
        super().__init__(cropping, data_format="channels_last", **kwargs)

    def get_config(self):
        config = super().get_config()
        config.pop("data_format")
        return config


class Cropping2D(BaseCropping):
    """Remove rows and columns at the borders: ``cropping`` like ZeroPadding2D's ``padding``."""

    rank = 2

    def __init__(self, cropping=((0, 0), (0, 0)), data_format=None, **kwargs):
        super().__init__(cropping, data_format=data_format, **kwargs)


class Cropping3D(BaseCropping):
    """Remove depth slices, rows and columns at the borders: ``cropping`` like ZeroPadding3D's ``padding``."""

    rank = 3

    def __init__(self, cropping=((1, 1), (1, 1), (1, 1)), data_format=None, **kwargs):
        super().__init__(cropping, data_format=data_format, **kwargs)


class UpSampling1D(Layer):
    """Repeat each step ``size`` times: ``(batch, steps, features)`` -> ``(batch, steps * size, features)``."""

    def __init__(self, size=2, **kwargs):
        super().__init__(**kwargs)
        if not isinstance(size, numbers.Integral) or isinstance(size, bool):
            raise TypeError(f"UpSampling1D: size must be a positive int, got {size!r}.")
        if size <= 0:
            raise ValueError(f"UpSampling1D: size must be a positive int, got {size!r}.")
        self.size = int(size)
        self.input_spec = InputSpec(ndim=3)

    def call(self, inputs):
        return ops.repeat(inputs, self.size, axis=1)

    def compute_output_shape(self, input_shape):
        return (input_shape[0], None if input_shape[1] is None else input_shape[1] * self.size, input_shape[2])

    def get_config(self):
        config = super().get_config()
        config["size"] = self.size
        return config


class UpSampling3D(Layer):
    """Repeat depth, rows and columns ``size[0]``, ``size[1]``, ``size[2]`` times (nearest neighbour)."""

    def __init__(self, size=(2, 2, 2), data_format=None, **kwargs):
        super().__init__(**kwargs)
        self.size = _utils.normalize_tuple(size, 3, "size", "UpSampling3D")
        self.data_format = _utils.normalize_data_format(data_format, "UpSampling3D")
        self.input_spec = InputSpec(ndim=5)

    def call(self, inputs):
        for axis, factor in zip(_utils.spatial_axes(5, self.data_format), self.size):
            inputs = ops.repeat(inputs, factor, axis=axis)
        return inputs

    def compute_output_shape(self, input_shape):
        batch, spatial, channels = _utils.split_shape(input_shape, self.data_format)
        out = tuple(None if n is None else n * s for n, s in zip(spatial, self.size))
        return _utils.join_shape(batch, out, channels, self.data_format)

    def get_config(self):
        config = super().get_config()
        config.update({"size": self.size, "data_format": self.data_format})
        return config


class UpSampling2D(Layer):
    """Enlarge rows by ``size[0]`` and columns by ``size[1]``: ``"nearest"`` repeats pixels; "bilinear",
    "bicubic", "lanczos3", "lanczos5" and "area" resample with ``kerafront.ops.image.resize`` (Keras's rule)."""

    def __init__(self, size=(2, 2), data_format=None, interpolation="nearest", **kwargs):
        super().__init__(**kwargs)
        self.size = _utils.normalize_tuple(size, 2, "size", "UpSampling2D")
        self.data_format = _utils.normalize_data_format(data_format, "UpSampling2D")
        interpolation = interpolation.lower() if isinstance(interpolation, str) else interpolation
        if interpolation not in image.INTERPOLATIONS:
            raise ValueError(f"UpSampling2D: interpolation must be one of {image.INTERPOLATIONS}, "
                             f"got interpolation={interpolation!r}.")
        self.interpolation = interpolation
        self.input_spec = InputSpec(ndim=4)

    def call(self, inputs):
        row_axis, col_axis = _utils.spatial_axes(4, self.data_format)
        if self.interpolation == "nearest":
            return ops.repeat(ops.repeat(inputs, self.size[0], axis=row_axis), self.size[1], axis=col_axis)
        shape = ops.shape(inputs)
        size = (shape[row_axis] * self.size[0], shape[col_axis] * self.size[1])
        return image.resize(inputs, size, interpolation=self.interpolation, data_format=self.data_format)

    def compute_output_shape(self, input_shape):
        batch, spatial, channels = _utils.split_shape(input_shape, self.data_format)
        out = tuple(None if n is None else n * s for n, s in zip(spatial, self.size))
        return _utils.join_shape(batch, out, channels, self.data_format)

    def get_config(self):
        config = super().get_config()
        config.update({"size": self.size, "data_format": self.data_format, "interpolation": self.interpolation})
        return config
