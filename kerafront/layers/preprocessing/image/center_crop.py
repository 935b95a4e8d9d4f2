"""``CenterCrop``: the central ``(height, width)`` window of images."""

from kerafront import ops
from kerafront.layers import _utils
from kerafront.layers.preprocessing._data_layer import DataLayer
from kerafront.layers.preprocessing.image.resizing import check_target_size, resized_shape
from kerafront.ops import image


class CenterCrop(DataLayer):
    """Crop the central ``(height, width)`` window of 3-D or 4-D images, cast to the layer's dtype.

    The window starts at ``(in - target) // 2`` on each axis. An image smaller than the target on
    either axis is instead resized as Keras does (``smart_resize``): the largest centred window with the
    target's aspect ratio, resized bilinearly to ``(height, width)``.
    """

    def __init__(self, height, width, data_format=None, **kwargs):
        super().__init__(**kwargs)
        self.height, self.width = check_target_size("CenterCrop", height, width)
        self.data_format = _utils.normalize_data_format(data_format, "CenterCrop")

    def call(self, inputs):
        inputs = ops.cast(inputs, self.compute_dtype)
        shape = ops.shape(inputs)
        if len(shape) not in (3, 4):
            raise ValueError(f'CenterCrop "{self.name}": inputs must be 3-D or 4-D images, got shape {tuple(shape)}.')
        rows = len(shape) - (3 if self.data_format == "channels_last" else 2)
        height, width = shape[rows], shape[rows + 1]
        if height >= self.height and width >= self.width:
            return image.crop_images(inputs, (height - self.height) // 2, (width - self.width) // 2,
                                     target_height=self.height, target_width=self.width, data_format=self.data_format)
        return image.resize(inputs, (self.height, self.width), crop_to_aspect_ratio=True, data_format=self.data_format)

    def compute_output_shape(self, input_shape):
        if len(input_shape) not in (3, 4):
            raise ValueError(f'CenterCrop "{self.name}": inputs must be 3-D or 4-D images, got shape '
                             f"{tuple(input_shape)}.")
        return resized_shape(input_shape, self.height, self.width, self.data_format)

    def get_config(self):
        config = super().get_config()
        config.update({"data_format": self.data_format, "height": self.height, "width": self.width})
        return config
