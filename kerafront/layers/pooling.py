"""Pooling layers: windowed max/average (1-D, 2-D, 3-D) and global max/average over the spatial axes.

``strides`` defaults to ``pool_size``. Average pooling with ``padding="same"`` divides each window by
its count of real (unpadded) elements, as TensorFlow/Keras do (torch counts padding by default).
"""

from kerafront import ops
from kerafront.layers import _utils
from kerafront.layers.input_spec import InputSpec
from kerafront.layers.layer import Layer


class BasePooling(Layer):
    """``rank``-D windowed pooling with ``pool_fn`` (``ops.max_pool`` or ``ops.average_pool``)."""

    rank = 2
    mode = "max"

    def __init__(self, pool_size, strides=None, padding="valid", data_format=None, **kwargs):
        super().__init__(**kwargs)
        cls = type(self).__name__
        self.pool_size = _utils.normalize_tuple(pool_size, self.rank, "pool_size", cls)
        self.strides = _utils.normalize_tuple(strides if strides is not None else self.pool_size, self.rank,
                                              "strides", cls)
        self.padding = _utils.normalize_padding(padding, cls)
        self.data_format = _utils.normalize_data_format(data_format, cls)
        self.input_spec = InputSpec(ndim=self.rank + 2)

    def build(self, input_shape):
        self.compute_output_shape(input_shape)  # a clear error for inputs smaller than the window

    def call(self, inputs):
        pool = ops.max_pool if self.mode == "max" else ops.average_pool
        return pool(inputs, self.pool_size, strides=self.strides, padding=self.padding, data_format=self.data_format)

    def compute_output_shape(self, input_shape):
        batch, spatial, channels = _utils.split_shape(input_shape, self.data_format)
        out = tuple(_utils.conv_output_length(n, p, s, self.padding) for n, p, s in
                    zip(spatial, self.pool_size, self.strides))
        if any(n is not None and n <= 0 for n in out):
            raise ValueError(f'{type(self).__name__} "{self.name}": input shape {tuple(input_shape)} is smaller than '
                             f"pool_size {self.pool_size} (padding {self.padding!r}).")
        return _utils.join_shape(batch, out, channels, self.data_format)

    def get_config(self):
        config = super().get_config()
        config.update({"pool_size": self.pool_size, "strides": self.strides, "padding": self.padding,
                       "data_format": self.data_format})
        return config


class _Pooling1D(BasePooling):
    """1-D windows; ``pool_size`` defaults to 2 (Keras)."""

    rank = 1

    def __init__(self, pool_size=2, strides=None, padding="valid", data_format=None, **kwargs):
        super().__init__(pool_size, strides=strides, padding=padding, data_format=data_format, **kwargs)


class _Pooling2D(BasePooling):
    """2-D windows; ``pool_size`` defaults to ``(2, 2)`` (Keras)."""

    rank = 2

    def __init__(self, pool_size=(2, 2), strides=None, padding="valid", data_format=None, **kwargs):
        super().__init__(pool_size, strides=strides, padding=padding, data_format=data_format, **kwargs)


class _Pooling3D(BasePooling):
    """3-D windows; ``pool_size`` defaults to ``(2, 2, 2)`` (Keras)."""

    rank = 3

    def __init__(self, pool_size=(2, 2, 2), strides=None, padding="valid", data_format=None, **kwargs):
        super().__init__(pool_size, strides=strides, padding=padding, data_format=data_format, **kwargs)


class MaxPooling1D(_Pooling1D):
    """Max over windows of ``pool_size`` steps: ``(batch, steps, channels)`` -> ``(batch, new_steps, channels)``."""

    mode = "max"


class MaxPooling2D(_Pooling2D):
    """Max over ``pool_size`` windows: ``(batch, rows, cols, channels)`` -> ``(batch, new_rows, new_cols, channels)``."""

    mode = "max"


class MaxPooling3D(_Pooling3D):
    """Max over ``pool_size`` windows: ``(batch, depth, rows, cols, channels)`` ->
    ``(batch, new_depth, new_rows, new_cols, channels)``."""

    mode = "max"


class AveragePooling1D(_Pooling1D):
    """Mean over windows of ``pool_size`` steps."""

    mode = "average"


class AveragePooling2D(_Pooling2D):
    """Mean over ``pool_size`` windows."""

    mode = "average"


class AveragePooling3D(_Pooling3D):
    """Mean over ``pool_size`` windows of a volume."""

    mode = "average"


class BaseGlobalPooling(Layer):
    """Reduce all spatial axes: ``(batch, *spatial, channels)`` -> ``(batch, channels)``
    (``keepdims=True`` keeps the spatial axes with size 1)."""

    rank = 2
    mode = "max"

    def __init__(self, data_format=None, keepdims=False, **kwargs):
        super().__init__(**kwargs)
        self.data_format = _utils.normalize_data_format(data_format, type(self).__name__)
        self.keepdims = bool(keepdims)
        self.input_spec = InputSpec(ndim=self.rank + 2)

    def call(self, inputs):
        axes = _utils.spatial_axes(self.rank + 2, self.data_format)
        reduce = ops.max if self.mode == "max" else ops.mean
        return reduce(inputs, axis=axes, keepdims=self.keepdims)

    def compute_output_shape(self, input_shape):
        batch, spatial, channels = _utils.split_shape(input_shape, self.data_format)
        if self.keepdims:
            return _utils.join_shape(batch, (1,) * len(spatial), channels, self.data_format)
        return (batch, channels)

    def get_config(self):
        config = super().get_config()
        config.update({"data_format": self.data_format, "keepdims": self.keepdims})
        return config


class GlobalMaxPooling1D(BaseGlobalPooling):
    rank, mode = 1, "max"


class GlobalMaxPooling2D(BaseGlobalPooling):
    rank, mode = 2, "max"


class GlobalAveragePooling1D(BaseGlobalPooling):
    """Average over the steps; with a mask ``(batch, steps)`` only the unmasked steps count (Keras)."""

    rank, mode = 1, "average"

    def __init__(self, data_format=None, keepdims=False, **kwargs):
        super().__init__(data_format=data_format, keepdims=keepdims, **kwargs)
        self.supports_masking = True

    def call(self, inputs, mask=None):
        if mask is None:
            return super().call(inputs)
        steps_axis = 1 if self.data_format == "channels_last" else 2
        expected = (ops.shape(inputs)[0], ops.shape(inputs)[steps_axis])
        if tuple(ops.shape(mask)) != tuple(expected):
            raise ValueError(f'GlobalAveragePooling1D "{self.name}": mask must have shape (batch, steps) = '
                             f"{expected}, got {tuple(ops.shape(mask))}.")
        weights = ops.cast(ops.expand_dims(mask, 2 if steps_axis == 1 else 1), ops.dtype(inputs))
        total = ops.sum(ops.multiply(inputs, weights), axis=steps_axis, keepdims=self.keepdims)
        return ops.divide(total, ops.sum(weights, axis=steps_axis, keepdims=self.keepdims))

    def compute_mask(self, inputs, mask=None):
        return None


class GlobalAveragePooling2D(BaseGlobalPooling):
    rank, mode = 2, "average"


class GlobalMaxPooling3D(BaseGlobalPooling):
    rank, mode = 3, "max"


class GlobalAveragePooling3D(BaseGlobalPooling):
    rank, mode = 3, "average"
