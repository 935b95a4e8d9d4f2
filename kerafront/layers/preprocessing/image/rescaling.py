"""``Rescaling``: ``inputs * scale + offset``, in the layer's dtype."""

import numpy as np

from kerafront import config, ops
from kerafront.layers.preprocessing._data_layer import DataLayer


def _plain(value, name):
    """A number, or a per-channel list of numbers, as it goes into the config (NumPy arrays become lists)."""
    if isinstance(value, (int, float, np.integer, np.floating)) and not isinstance(value, bool):
        return float(value) if isinstance(value, (float, np.floating)) else int(value)
    try:
        array = np.asarray(value, dtype="float64")
    except (TypeError, ValueError):
        array = None
    if array is None or array.ndim > 3 or array.size == 0:
        raise ValueError(f"Rescaling: {name} must be a number or a list of per-channel numbers, got {value!r}.")
    return array.tolist()


class Rescaling(DataLayer):
    """``outputs = cast(inputs, dtype) * scale + offset``, e.g. ``scale=1 / 255`` maps ``[0, 255]`` to ``[0, 1]``.

    Integer inputs give float outputs (the layer's dtype). ``scale``/``offset`` may be per-channel lists;
    with ``channels_first`` as the configured image data format, a list ``scale`` is reshaped to
    ``(channels, 1, 1)`` (Keras's rule). Any input shape; the output has the input's shape.
    """

    def __init__(self, scale, offset=0.0, **kwargs):
        super().__init__(**kwargs)
        self.scale = _plain(scale, "scale")
        self.offset = _plain(offset, "offset")
        self.supports_masking = True

    def call(self, inputs):
        dtype = self.compute_dtype
        scale = ops.convert_to_tensor(np.asarray(self.scale), dtype=dtype)
        offset = ops.convert_to_tensor(np.asarray(self.offset), dtype=dtype)
        scale_rank = len(ops.shape(scale))
        if scale_rank and config.image_data_format() == "channels_first":
            scale = ops.reshape(scale, tuple(ops.shape(scale)) + (1,) * (3 - scale_rank))
        return ops.add(ops.multiply(ops.cast(inputs, dtype), scale), offset)

    def compute_output_shape(self, input_shape):
        return tuple(input_shape)

    def get_config(self):
        config_ = super().get_config()
        config_.update({"scale": self.scale, "offset": self.offset})
        return config_
