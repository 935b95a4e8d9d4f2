"""Adaptive pooling (Keras's ``AdaptiveAveragePooling1D/2D/3D`` and ``AdaptiveMaxPooling1D/2D/3D``): a fixed
output size whatever the input size, with PyTorch's windows (``ops.adaptive_average_pool``)."""

from kerafront import ops
from kerafront.layers import _utils
from kerafront.layers.input_spec import InputSpec
from kerafront.layers.layer import Layer


class BaseAdaptivePooling(Layer):
    """Inputs ``(batch, *spatial, channels)`` (``channels_first``: ``(batch, channels, *spatial)``) ->
    ``(batch, *output_size, channels)``. Spatial axis of length ``L`` -> ``n`` windows
    ``[floor(i * L / n), ceil((i + 1) * L / n))``; ``output_size``: an int (every axis) or ``rank`` ints."""

    rank = 2
    mode = "average"

    def __init__(self, output_size, data_format=None, **kwargs):
        super().__init__(**kwargs)
        cls = type(self).__name__
        if isinstance(output_size, int) and not isinstance(output_size, bool):
            output_size = (output_size,) * self.rank
        if (not isinstance(output_size, (tuple, list)) or len(output_size) != self.rank
                or any(not isinstance(n, int) or isinstance(n, bool) or n <= 0 for n in output_size)):
            raise ValueError(f"{cls}: output_size must be a positive integer or a tuple of {self.rank} positive "
                             f"integers, got {output_size!r}.")
        self.output_size = tuple(output_size)
        self.data_format = _utils.normalize_data_format(data_format, cls)
        self.input_spec = InputSpec(ndim=self.rank + 2)

    def call(self, inputs):
        pool = ops.adaptive_max_pool if self.mode == "max" else ops.adaptive_average_pool
        return pool(inputs, self.output_size, data_format=self.data_format)

    def compute_output_shape(self, input_shape):
        batch, _, channels = _utils.split_shape(input_shape, self.data_format)
        return _utils.join_shape(batch, self.output_size, channels, self.data_format)

    def get_config(self):
        config = super().get_config()
        config.update({"output_size": self.output_size, "data_format": self.data_format})
        return config


class AdaptiveAveragePooling1D(BaseAdaptivePooling):
    rank, mode = 1, "average"


class AdaptiveAveragePooling2D(BaseAdaptivePooling):
    rank, mode = 2, "average"


class AdaptiveAveragePooling3D(BaseAdaptivePooling):
    rank, mode = 3, "average"


class AdaptiveMaxPooling1D(BaseAdaptivePooling):
    rank, mode = 1, "max"


class AdaptiveMaxPooling2D(BaseAdaptivePooling):
    rank, mode = 2, "max"


class AdaptiveMaxPooling3D(BaseAdaptivePooling):
    rank, mode = 3, "max"
