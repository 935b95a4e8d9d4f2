"""Layer case rows: colour, blur and equalisation augmentation layers (see ``kerafront.layers._cases``).

As in ``augmentation.py``: inference rows (the identity, or ``AutoContrast``'s stretch) and the
deterministic ``Equalization`` training row are compared across backends; rows marked
``random_in_training`` draw from each backend's generator and are checked on NumPy.
"""

from kerafront import layers as L
from kerafront.layers._cases import LayerCase as C

S = (2, 4, 5, 3)


def _training(id, make, shape=S):
    return C(id, make, shape, shape, 0, 0, training=True, random_in_training=True)


CASES = [
    C("solarization_inference", lambda: L.Solarization(0.2, 0.5, seed=1), S, S, 0, 0),
    _training("solarization_training", lambda: L.Solarization((0.1, 0.2), (0.0, 0.01), value_range=(-3, 3), seed=1)),
    C("random_invert_inference", lambda: L.RandomInvert(seed=1), S, S, 0, 0),
    _training("random_invert_training", lambda: L.RandomInvert(value_range=(-3, 3), seed=1)),
    C("random_grayscale_inference", lambda: L.RandomGrayscale(seed=1), S, S, 0, 0),
    _training("random_grayscale_training_cf", lambda: L.RandomGrayscale(0.7, data_format="channels_first", seed=1),
              (2, 3, 4, 5)),
    C("auto_contrast", lambda: L.AutoContrast(value_range=(-3, 3)), S, S, 0, 0),
    C("auto_contrast_training", lambda: L.AutoContrast(), S, S, 0, 0, training=True),
    C("random_posterization_inference", lambda: L.RandomPosterization(4, seed=1), S, S, 0, 0),
    _training("random_posterization_training", lambda: L.RandomPosterization((2, 6), value_range=(-3, 3), seed=1)),
    C("random_color_degeneration_inference", lambda: L.RandomColorDegeneration(0.5, seed=1), S, S, 0, 0),
    _training("random_color_degeneration_training",
              lambda: L.RandomColorDegeneration(0.5, value_range=(-10, 10), seed=1)),
    C("random_saturation_inference", lambda: L.RandomSaturation(0.5, seed=1), S, S, 0, 0),
    _training("random_saturation_training", lambda: L.RandomSaturation((0.2, 0.6), value_range=(-10, 10), seed=1)),
    C("random_hue_inference", lambda: L.RandomHue(0.5, seed=1), S, S, 0, 0),
    _training("random_hue_training", lambda: L.RandomHue(0.4, value_range=(-4, 4), seed=1)),
    C("random_sharpness_inference", lambda: L.RandomSharpness(0.5, seed=1), S, S, 0, 0),
    _training("random_sharpness_training_cf",
              lambda: L.RandomSharpness(0.8, value_range=(-10, 10), data_format="channels_first", seed=1),
              (2, 3, 4, 5)),
    C("random_color_jitter_inference", lambda: L.RandomColorJitter(brightness_factor=0.2, hue_factor=0.2, seed=1),
      S, S, 0, 0),
    _training("random_color_jitter_training",
              lambda: L.RandomColorJitter((-10, 10), 0.1, 0.3, (0.4, 0.6), 0.1, seed=1)),
    C("random_gaussian_blur_inference", lambda: L.RandomGaussianBlur(seed=1), S, S, 0, 0),
    _training("random_gaussian_blur_training",
              lambda: L.RandomGaussianBlur(0.8, (3, 5), (0.5, 1.0), value_range=(-10, 10), seed=1)),
    C("equalization_inference", lambda: L.Equalization(), S, S, 0, 0),
    C("equalization_training", lambda: L.Equalization(value_range=(-3, 3), bins=32), S, S, 0, 0, training=True),
]
CASES += [
    C("mix_up_inference", lambda: L.MixUp(seed=1), S, S, 0, 0),
    _training("mix_up_training", lambda: L.MixUp(alpha=0.5, seed=1), (4, 3, 4, 2)),
    C("cut_mix_inference", lambda: L.CutMix(seed=1), S, S, 0, 0),
    _training("cut_mix_training_cf", lambda: L.CutMix(data_format="channels_first", seed=1), (4, 2, 5, 4)),
    C("random_erasing_inference", lambda: L.RandomErasing(seed=1), S, S, 0, 0),
    _training("random_erasing_training", lambda: L.RandomErasing(0.9, fill_value=0.5, value_range=(-3, 3), seed=1)),
]
CASES += [
    C("random_shear_inference", lambda: L.RandomShear(0.3, 0.2, seed=1), S, S, 0, 0),
    _training("random_shear_training", lambda: L.RandomShear((0.1, 0.4), 0.3, fill_mode="constant", seed=1)),
    _training("random_shear_training_cf", lambda: L.RandomShear(0.2, interpolation="nearest", fill_mode="wrap",
                                                                data_format="channels_first", seed=1), (2, 2, 5, 4)),
]
CASES += [
    C("random_perspective_inference", lambda: L.RandomPerspective(seed=1), S, S, 0, 0),
    _training("random_perspective_training", lambda: L.RandomPerspective(0.8, scale=0.5, fill_value=0.5, seed=1)),
    _training("random_perspective_training_cf", lambda: L.RandomPerspective(interpolation="nearest",
                                                                            data_format="channels_first", seed=1),
              (2, 2, 5, 4)),
]
