"""Layer case rows: image layers (see ``kerafront.layers._cases``).

Resizing is linear in the images for every interpolation, so each has a row (outputs and gradients on every
backend); "nearest" gathers, the others apply host-computed weight matrices. None has weights.
"""

from kerafront import layers as L
from kerafront.layers._cases import LayerCase as C

CASES = [
    C("rescaling", lambda: L.Rescaling(1 / 255, offset=-1), (2, 3, 3, 2), (2, 3, 3, 2), 0, 0),
    C("rescaling_per_channel", lambda: L.Rescaling([0.5, 1.0, 2.0], offset=0.25), (2, 2, 2, 3), (2, 2, 2, 3), 0, 0),
    C("resizing_bilinear_up", lambda: L.Resizing(5, 7), (2, 3, 4, 2), (2, 5, 7, 2), 0, 0),
    C("resizing_bilinear_down_antialias", lambda: L.Resizing(3, 2, antialias=True), (2, 7, 5, 2), (2, 3, 2, 2), 0, 0),
    C("resizing_nearest", lambda: L.Resizing(5, 3, interpolation="nearest"), (2, 3, 4, 2), (2, 5, 3, 2), 0, 0),
    C("resizing_bicubic", lambda: L.Resizing(6, 3, interpolation="bicubic"), (2, 4, 5, 2), (2, 6, 3, 2), 0, 0),
    C("resizing_area", lambda: L.Resizing(3, 5, interpolation="area"), (2, 7, 4, 2), (2, 3, 5, 2), 0, 0),
    C("resizing_lanczos3", lambda: L.Resizing(5, 3, interpolation="lanczos3"), (2, 4, 6, 2), (2, 5, 3, 2), 0, 0),
    C("resizing_lanczos5_antialias", lambda: L.Resizing(3, 7, interpolation="lanczos5", antialias=True),
      (2, 8, 4, 2), (2, 3, 7, 2), 0, 0),
    C("resizing_crop_to_aspect_ratio_channels_first",
      lambda: L.Resizing(3, 3, crop_to_aspect_ratio=True, data_format="channels_first"), (2, 2, 4, 6),
      (2, 2, 3, 3), 0, 0),
    C("resizing_pad_to_aspect_ratio", lambda: L.Resizing(4, 4, pad_to_aspect_ratio=True, fill_value=0.5),
      (2, 3, 6, 2), (2, 4, 4, 2), 0, 0),
    C("center_crop", lambda: L.CenterCrop(3, 4), (2, 6, 7, 2), (2, 3, 4, 2), 0, 0),
    # smaller than the target on one axis: the largest centred window of the target's aspect ratio, resized
    C("center_crop_resizes_small_images", lambda: L.CenterCrop(5, 2, data_format="channels_first"), (2, 2, 3, 4),
      (2, 2, 5, 2), 0, 0),
    C("up_sampling2d_bicubic", lambda: L.UpSampling2D((2, 3), interpolation="bicubic"), (1, 3, 2, 2), (1, 6, 6, 2),
      0, 0),
    C("up_sampling2d_bilinear_channels_first",
      lambda: L.UpSampling2D(2, interpolation="bilinear", data_format="channels_first"), (1, 2, 3, 3), (1, 2, 6, 6),
      0, 0),
]
