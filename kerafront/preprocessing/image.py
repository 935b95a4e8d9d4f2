"""``keras.preprocessing.image``: PIL-backed image file helpers and ``smart_resize``."""

import numpy as np

from kerafront.utils import array_to_img, img_to_array, load_img, save_img

__all__ = ["array_to_img", "img_to_array", "load_img", "save_img", "smart_resize"]


def _crop_box(height, width, target_height, target_width):
    """The centred window with the target's aspect ratio (Keras's integer rounding)."""
    crop_height = max(min(height, int(float(width * target_height) / target_width)), 1)
    crop_width = max(min(width, int(float(height * target_width) / target_height)), 1)
    return int(float(height - crop_height) / 2), int(float(width - crop_width) / 2), crop_height, crop_width


def smart_resize(x, size, interpolation="bilinear", data_format="channels_last"):
    """``x`` (an image ``(h, w, c)`` or a batch ``(n, h, w, c)``; channels first with that ``data_format``)
    centre-cropped to the aspect ratio of ``size`` and resized to ``size`` without distortion. A NumPy
    input gives a NumPy array, any other a backend tensor (as Keras)."""
    from kerafront import ops
    if len(size) != 2:
        raise ValueError(f"smart_resize: size must be (height, width), got {size!r}.")
    if data_format not in ("channels_last", "channels_first"):
        raise ValueError(f"smart_resize: data_format must be 'channels_last' or 'channels_first', got {data_format!r}.")
    image = ops.convert_to_tensor(x)
    shape = tuple(ops.shape(image))
    if len(shape) not in (3, 4):
        raise ValueError("smart_resize: expected an image (height, width, channels) or a batch (batch, height, "
                         f"width, channels), got shape {shape}.")
    spatial = len(shape) - 3 if data_format == "channels_last" else len(shape) - 2
    top, left, crop_height, crop_width = _crop_box(shape[spatial], shape[spatial + 1], *size)
    start, extent = [0] * len(shape), list(shape)
    start[spatial:spatial + 2], extent[spatial:spatial + 2] = (top, left), (crop_height, crop_width)
    image = ops.image.resize(ops.slice(image, start, extent), size=tuple(size), interpolation=interpolation,
                             data_format=data_format)
    return np.asarray(ops.convert_to_numpy(image)) if isinstance(x, np.ndarray) else image
