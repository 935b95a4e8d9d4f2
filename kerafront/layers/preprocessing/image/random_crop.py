"""``RandomCrop``: a random ``height x width`` window in training, a centred one (resized) at inference."""

from kerafront import ops
from kerafront import random as kf_random
from kerafront.layers.preprocessing.image._augmentation import BaseAugmentation


class RandomCrop(BaseAugmentation):
    """Crop images to ``(height, width)``.

    In training, when the images are larger than the target along both axes, one window position
    is drawn uniformly per call (shared by the batch, as in Keras). Otherwise -- at inference, or
    an image not larger along both axes -- take the largest centred window with the target's
    aspect ratio and resize it (bilinear) to ``(height, width)``, as Keras documents. (Keras 3.15's
    code returns inputs unchanged at inference, whose shape then differs from its own
    ``compute_output_shape``; kerafront follows the documented behaviour.)

    ``seed``: when None, one is drawn now and kept in the config, as Keras does.
    Shapes: ``(batch, H, W, C) -> (batch, height, width, C)`` (one image: no batch axis;
    channels first with ``data_format="channels_first"``).
    """

    def __init__(self, height, width, seed=None, data_format=None, **kwargs):
        for name, value in (("height", height), ("width", width)):
            if not isinstance(value, int) or isinstance(value, bool) or value <= 0:
                raise ValueError(f"RandomCrop: {name} must be a positive integer, got {name}={value!r}.")
        super().__init__(seed=kf_random.draw_seed() if seed is None else seed, data_format=data_format, **kwargs)
        self.height, self.width = height, width

    def call(self, inputs, training=False):
        images = self.as_float(inputs)
        _, in_height, in_width, row_axis, col_axis = self.image_axes(images)
        if training and in_height > self.height and in_width > self.width:
            for axis, size, target in ((row_axis, in_height, self.height), (col_axis, in_width, self.width)):
                start = ops.cast(self.uniform((), 0.0, float(size - target + 1)), "int32")
                start = ops.minimum(start, size - target)
                images = ops.take(images, ops.add(start, ops.arange(target, dtype="int32")), axis=axis)
            return images
        from kerafront.ops.image import resize
        return resize(images, (self.height, self.width), crop_to_aspect_ratio=True, data_format=self.data_format)

    def compute_output_shape(self, input_shape):
        shape = list(input_shape)
        rank = len(shape)
        row_axis, col_axis = (rank - 3, rank - 2) if self.data_format == "channels_last" else (rank - 2, rank - 1)
        shape[row_axis], shape[col_axis] = self.height, self.width
        return tuple(shape)

    def get_config(self):
        config = super().get_config()
        config.update({"height": self.height, "width": self.width})
        return config
