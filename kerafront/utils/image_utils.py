"""Pillow-backed image files: ``load_img``, ``img_to_array``, ``array_to_img``, ``save_img``.

Pillow is the optional extra ``image`` (``pip install "kerafront[image]"``), imported inside the
function that needs it; without it these raise an ``ImportError`` that says so. ``img_to_array``
needs only NumPy. Arrays are ``(height, width, channels)`` (``channels_first``: channels leading)
in floatx, with values 0-255 as Keras gives them.
"""

import io
import os
import warnings

import numpy as np

from kerafront import config

INTERPOLATIONS = ("nearest", "bilinear", "bicubic", "hamming", "box", "lanczos")
COLOR_MODES = ("grayscale", "rgb", "rgba")


def pil_image():
    """``PIL.Image``, or an ``ImportError`` naming the extra to install."""
    try:
        from PIL import Image
    except ImportError:
        raise ImportError('kerafront.utils image functions need Pillow: pip install "kerafront[image]" '
                          "(or pip install pillow).") from None
    return Image


def _check_color_mode(color_mode, where):
    if color_mode not in COLOR_MODES:
        raise ValueError(f"{where}: color_mode must be 'grayscale', 'rgb' or 'rgba', got {color_mode!r}.")


def _converted(image, color_mode):
    if color_mode == "grayscale":
        return image if image.mode in ("L", "I;16", "I") else image.convert("L")
    wanted = color_mode.upper()
    return image if image.mode == wanted else image.convert(wanted)


def load_img(path, color_mode="rgb", target_size=None, interpolation="nearest", keep_aspect_ratio=False):
    """A ``PIL.Image`` read from ``path`` (a path or an ``io.BytesIO``), as Keras's ``load_img``.

    ``color_mode``: "grayscale", "rgb" or "rgba". ``target_size``: ``(height, width)`` to resize to
    with ``interpolation`` (Pillow's filters: "nearest", "bilinear", "bicubic", "hamming", "box",
    "lanczos"); ``keep_aspect_ratio`` first crops the centre to the target's aspect ratio.
    Only regular files are read (not FIFOs, devices or folders).
    """
    from kerafront import _files
    Image = pil_image()
    _check_color_mode(color_mode, "load_img")
    if isinstance(path, io.BytesIO):
        image = Image.open(path)
    elif isinstance(path, (str, bytes, os.PathLike)):
        with _files.open_regular(os.fsdecode(path) if isinstance(path, bytes) else path, "load_img") as f:
            image = Image.open(io.BytesIO(f.read()))
    else:
        raise TypeError(f"load_img: path must be a file path or an io.BytesIO, got {type(path).__name__}.")
    image = _converted(image, color_mode)
    if target_size is None:
        return image
    if len(target_size) != 2:
        raise ValueError(f"load_img: target_size must be (height, width), got {target_size!r}.")
    if interpolation not in INTERPOLATIONS:
        raise ValueError(f"load_img: interpolation must be one of {INTERPOLATIONS}, got {interpolation!r}.")
    size = (int(target_size[1]), int(target_size[0]))
    if image.size == size:
        return image
    resample = getattr(Image.Resampling, interpolation.upper())
    box = None
    if keep_aspect_ratio:
        width, height = image.size
        crop_height = min(height, (width * size[1]) // size[0])
        crop_width = min(width, (height * size[0]) // size[1])
        top, left = (height - crop_height) // 2, (width - crop_width) // 2
        box = (left, top, left + crop_width, top + crop_height)
    return image.resize(size, resample, box=box)


def img_to_array(img, data_format=None, dtype=None):
    """A PIL image (or array) as a 3-D array: ``(height, width, channels)``, or channels first."""
    data_format = config.standardize_data_format(data_format, "img_to_array")
    x = np.asarray(img, dtype=dtype or config.floatx())
    if x.ndim == 2:
        return x[None] if data_format == "channels_first" else x[..., None]
    if x.ndim != 3:
        raise ValueError(f"img_to_array: expected an image of 2 or 3 axes, got shape {x.shape}.")
    return x.transpose(2, 0, 1) if data_format == "channels_first" else x


def array_to_img(x, data_format=None, scale=True, dtype=None):
    """A 3-D array as a PIL image (mode L, RGB or RGBA by its 1, 3 or 4 channels).

    ``scale``: stretch the values to 0-255 first (min to 0, max to 255), as Keras does.
    """
    Image = pil_image()
    data_format = config.standardize_data_format(data_format, "array_to_img")
    x = np.array(x, dtype=dtype or config.floatx())
    if x.ndim != 3:
        raise ValueError(f"array_to_img: expected one image of rank 3, got an array of shape {x.shape}.")
    if data_format == "channels_first":
        x = x.transpose(1, 2, 0)
    if scale:
        x = x - np.min(x)
        peak = np.max(x)
        if peak != 0:
            x = x / peak
        x = x * 255
    channels = x.shape[2]
    if channels in (3, 4):
        return Image.fromarray(x.astype("uint8"), "RGBA" if channels == 4 else "RGB")
    if channels == 1:
        if np.max(x) > 255:
            return Image.fromarray(x[:, :, 0].astype("int32"), "I")
        return Image.fromarray(x[:, :, 0].astype("uint8"), "L")
    raise ValueError(f"array_to_img: expected 1, 3 or 4 channels, got {channels} (shape {x.shape}).")


def save_img(path, x, data_format=None, file_format=None, scale=True, **kwargs):
    """Write the 3-D array ``x`` as an image file; the format comes from the extension unless given.

    An RGBA image saved as JPEG is converted to RGB with a warning (JPEG has no alpha), as in Keras.
    """
    if file_format is None and isinstance(path, (str, os.PathLike)):
        file_format = os.path.splitext(os.fspath(path))[1][1:].lower() or None
    if file_format and file_format.lower() == "jpg":
        file_format = "jpeg"
    image = array_to_img(x, data_format=data_format, scale=scale)
    if image.mode == "RGBA" and file_format == "jpeg":
        warnings.warn("save_img: JPEG has no alpha channel; the RGBA image is saved as RGB.", stacklevel=2)
        image = image.convert("RGB")
    image.save(path, format=file_format, **kwargs)
