"""Layer case rows: augmentation layers (see ``kerafront.layers._cases``).

Inference rows are deterministic (the identity, or RandomCrop's centred crop and resize), so the
layer table compares them across backends; training rows draw from each backend's own generator
(``random_in_training``) and are checked on NumPy (shapes, config, finite-difference gradients).
"""

from kerafront import layers as L
from kerafront.layers._cases import LayerCase as C

CASES = [
    C("random_flip_inference", lambda: L.RandomFlip(seed=1), (2, 4, 5, 3), (2, 4, 5, 3), 0, 0),
    C("random_flip_training", lambda: L.RandomFlip("horizontal", seed=1), (4, 3, 4, 2), (4, 3, 4, 2), 0, 0,
      training=True, random_in_training=True),
    C("random_rotation_inference", lambda: L.RandomRotation(0.2, seed=1), (2, 4, 5, 3), (2, 4, 5, 3), 0, 0),
    C("random_rotation_training", lambda: L.RandomRotation((-0.2, 0.3), fill_mode="constant", seed=1),
      (2, 5, 4, 2), (2, 5, 4, 2), 0, 0, training=True, random_in_training=True),
    C("random_zoom_inference", lambda: L.RandomZoom(0.3, seed=1), (2, 4, 5, 3), (2, 4, 5, 3), 0, 0),
    C("random_zoom_training", lambda: L.RandomZoom(0.3, (-0.2, 0.1), fill_mode="wrap", seed=1), (2, 5, 4, 2),
      (2, 5, 4, 2), 0, 0, training=True, random_in_training=True),
    C("random_translation_inference", lambda: L.RandomTranslation(0.2, 0.3, seed=1), (2, 4, 5, 3), (2, 4, 5, 3),
      0, 0),
    C("random_translation_training_cf", lambda: L.RandomTranslation(0.3, 0.2, fill_mode="nearest",
                                                                    data_format="channels_first", seed=1),
      (2, 2, 5, 4), (2, 2, 5, 4), 0, 0, training=True, random_in_training=True),
    C("random_contrast_inference", lambda: L.RandomContrast(0.5, seed=1), (2, 4, 5, 3), (2, 4, 5, 3), 0, 0),
    C("random_contrast_training", lambda: L.RandomContrast((0.3, 0.5), value_range=(-10, 10), seed=1),
      (2, 4, 5, 3), (2, 4, 5, 3), 0, 0, training=True, random_in_training=True),
    C("random_brightness_inference", lambda: L.RandomBrightness(0.2, seed=1), (2, 4, 5, 3), (2, 4, 5, 3), 0, 0),
    C("random_brightness_training", lambda: L.RandomBrightness((-0.1, 0.2), value_range=(-10, 10), seed=1),
      (2, 4, 5, 3), (2, 4, 5, 3), 0, 0, training=True, random_in_training=True),
    # RandomCrop at inference: the largest centred window with the target's aspect ratio, resized
    C("random_crop_inference_center", lambda: L.RandomCrop(4, 4, seed=1), (2, 4, 6, 2), (2, 4, 4, 2), 0, 0),
    C("random_crop_inference_resize", lambda: L.RandomCrop(4, 3, seed=1), (2, 6, 6, 1), (2, 4, 3, 1), 0, 0),
    C("random_crop_training", lambda: L.RandomCrop(4, 4, seed=1), (2, 6, 7, 2), (2, 4, 4, 2), 0, 0,
      training=True, random_in_training=True),
]
