"""``Resizing``: resize images to ``(height, width)`` with ``kerafront.ops.image.resize``."""

from kerafront import ops
from kerafront.layers import _utils
from kerafront.layers.preprocessing._data_layer import DataLayer
from kerafront.ops import image


def check_target_size(layer, height, width):
    """``(height, width)`` as positive ints, or a ValueError naming ``layer``."""
    for name, value in (("height", height), ("width", width)):
        if not isinstance(value, int) or isinstance(value, bool) or value <= 0:
            raise ValueError(f"{layer}: {name} must be a positive integer, got {name}={value!r}.")
    return height, width


def resized_shape(input_shape, height, width, data_format):
    """``input_shape`` (3-D or 4-D) with its spatial sizes replaced by ``height`` and ``width``."""
    shape = list(input_shape)
    rows = len(shape) - (3 if data_format == "channels_last" else 2)
    shape[rows], shape[rows + 1] = height, width
    return tuple(shape)


class Resizing(DataLayer):
    """Resize ``(batch, height, width, channels)`` or unbatched ``(height, width, channels)`` images (channels
    first with ``data_format="channels_first"``) to ``(height, width)``; the output keeps the input's dtype.

    ``interpolation``: "bilinear" (default), "nearest", "bicubic", "area", "lanczos3", "lanczos5" -- Keras's
    numbers (see ``kerafront.ops.image.resize``). ``crop_to_aspect_ratio`` / ``pad_to_aspect_ratio`` (with
    ``fill_value``) keep the aspect ratio; ``antialias`` widens the kernel when downsampling.
    """

    def __init__(self, height, width, interpolation="bilinear", crop_to_aspect_ratio=False, pad_to_aspect_ratio=False,
                 fill_mode="constant", fill_value=0.0, antialias=False, data_format=None, **kwargs):
        super().__init__(**kwargs)
        self.height, self.width = check_target_size("Resizing", height, width)
        if interpolation not in image.INTERPOLATIONS:
            raise ValueError(f"Resizing: interpolation must be one of {image.INTERPOLATIONS}, "
                             f"got interpolation={interpolation!r}.")
        if fill_mode != "constant":
            raise ValueError(f"Resizing: fill_mode must be 'constant' (the only mode Keras supports), "
                             f"got {fill_mode!r}.")
        if crop_to_aspect_ratio and pad_to_aspect_ratio:
            raise ValueError("Resizing: crop_to_aspect_ratio and pad_to_aspect_ratio cannot both be True.")
        self.interpolation = interpolation
        self.crop_to_aspect_ratio = bool(crop_to_aspect_ratio)
        self.pad_to_aspect_ratio = bool(pad_to_aspect_ratio)
        self.fill_mode = fill_mode
        self.fill_value = fill_value
        self.antialias = bool(antialias)
        self.data_format = _utils.normalize_data_format(data_format, "Resizing")

    def call(self, inputs):
        if len(ops.shape(inputs)) not in (3, 4):
            raise ValueError(f'Resizing "{self.name}": inputs must be 3-D or 4-D images, got shape '
                             f"{tuple(ops.shape(inputs))}.")
        return image.resize(inputs, (self.height, self.width), interpolation=self.interpolation,
                            antialias=self.antialias, crop_to_aspect_ratio=self.crop_to_aspect_ratio,
                            pad_to_aspect_ratio=self.pad_to_aspect_ratio, fill_mode=self.fill_mode,
                            fill_value=self.fill_value, data_format=self.data_format)

    def compute_output_shape(self, input_shape):
        if len(input_shape) not in (3, 4):
            raise ValueError(f'Resizing "{self.name}": inputs must be 3-D or 4-D images, got shape '
                             f"{tuple(input_shape)}.")
        return resized_shape(input_shape, self.height, self.width, self.data_format)

    def get_config(self):
        config = super().get_config()
        config.update({"data_format": self.data_format, "height": self.height, "width": self.width,
                       "interpolation": self.interpolation, "crop_to_aspect_ratio": self.crop_to_aspect_ratio,
                       "pad_to_aspect_ratio": self.pad_to_aspect_ratio, "fill_mode": self.fill_mode,
                       "fill_value": self.fill_value, "antialias": self.antialias})
        return config
