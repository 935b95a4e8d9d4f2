"""Augmentation policies built from the other augmentation layers: Keras's ``RandAugment`` and ``AugMix``.

``RandAugment`` holds Keras's eleven inner layers, under Keras's attribute names and in Keras's order
(``AUGMENT_LAYERS``), built from its ``factor`` ``(lower, upper)`` as Keras builds them:
``RandomShear(x_factor=factor, y_factor=factor)``, ``RandomTranslation(factor, factor)``,
``RandomRotation(factor)``, ``RandomBrightness(factor)``, ``RandomColorDegeneration(factor)``,
``RandomContrast(factor)``, ``RandomSharpness(factor)``, ``RandomPosterization(max(1, int(8 * upper)))``,
``Solarization(factor, factor)``, ``AutoContrast()``, ``Equalization()`` (colour layers with ``value_range``,
geometric ones with ``interpolation``). ``AugMix`` builds the same layers, in its own order
(``AUGMIX_LAYERS_ALL``; the first seven with ``all_ops=False``).
"""

import numbers

from kerafront import ops
from kerafront import random as kf_random
from kerafront.layers.preprocessing.image._augmentation import check_choice, factor_range
from kerafront.layers.preprocessing.image.color import ColorAugmentation

AUGMENT_LAYERS = ("random_shear", "random_translation", "random_rotation", "random_brightness",
                  "random_color_degeneration", "random_contrast", "random_sharpness", "random_posterization",
                  "solarization", "auto_contrast", "equalization")


AUGMIX_LAYERS_ALL = ("random_shear", "random_translation", "random_rotation", "random_posterization", "solarization",
                     "auto_contrast", "equalization", "random_brightness", "random_color_degeneration",
                     "random_contrast", "random_sharpness")


def _inner_layers(names, factor, value_range, interpolation, seed, data_format, dtype):
    """The inner layers ``names``, in that order; with a ``seed``, the ``k``-th random one is seeded ``seed + k``."""
    from kerafront import layers as L

    geometric = dict(interpolation=interpolation)
    colour = dict(value_range=value_range)
    makers = {
        "random_shear": lambda **kw: L.RandomShear(x_factor=factor, y_factor=factor, **geometric, **kw),
        "random_translation": lambda **kw: L.RandomTranslation(factor, factor, **geometric, **kw),
        "random_rotation": lambda **kw: L.RandomRotation(factor, **geometric, **kw),
        "random_brightness": lambda **kw: L.RandomBrightness(factor, **colour, **kw),
        "random_color_degeneration": lambda **kw: L.RandomColorDegeneration(factor, **colour, **kw),
        "random_contrast": lambda **kw: L.RandomContrast(factor, **colour, **kw),
        "random_sharpness": lambda **kw: L.RandomSharpness(factor, **colour, **kw),
        "random_posterization": lambda **kw: L.RandomPosterization(max(1, int(8 * factor[1])), **colour, **kw),
        "solarization": lambda **kw: L.Solarization(factor, factor, **colour, **kw),
    }
    deterministic = {"auto_contrast": L.AutoContrast, "equalization": L.Equalization}
    layers = []
    for k, name in enumerate(names):
        common = dict(data_format=data_format, dtype=dtype, name=name)
        if name in deterministic:
            layers.append(deterministic[name](**colour, **common))
        else:
            layers.append(makers[name](seed=None if seed is None else seed + k, **common))
    return layers


def _choose(layers, choice, images):
    """``layers[choice](images)`` for a traced integer ``choice``; any other value keeps ``images``. Every layer
    runs (the choice is a tensor drawn inside the step) and ``where`` keeps the chosen output, as Keras does."""
    outputs = [layer(images, training=True) for layer in layers]
    for index, output in enumerate(outputs):
        images = ops.where(ops.equal(choice, index), ops.cast(output, ops.dtype(images)), images)
    return images


class RandAugment(ColorAugmentation):
    """In training, ``num_ops`` times: one of the eleven inner layers (see the module docstring), drawn
    uniformly, for the whole batch, is applied; at inference, the identity (cast to the layer's float dtype).

    Args (Keras 3.15.1's): ``value_range``, ``num_ops`` (default 2), ``factor`` (a number ``f`` in [0, 1]
    means ``(0, f)``; default 0.5), ``interpolation`` ("bilinear" or "nearest"), ``seed``, ``data_format``.

    Differences from Keras, in the draws only: the choices come from this layer's generator and each inner
    layer draws from its own (seeded ``seed + k``); an inner layer chosen twice in one call draws twice (Keras
    reuses its first draw). As in Keras, every inner layer runs at every step (the chosen output is kept
    with ``where``), so a call costs ``11 * num_ops`` augmentations.
    """

    def __init__(self, value_range=(0, 255), num_ops=2, factor=0.5, interpolation="bilinear", seed=None,
                 data_format=None, **kwargs):
        super().__init__(value_range=value_range, seed=seed, data_format=data_format, **kwargs)
        if not isinstance(num_ops, numbers.Integral) or isinstance(num_ops, bool) or num_ops < 0:
            raise ValueError(f"RandAugment: num_ops must be a non-negative integer, got num_ops={num_ops!r}.")
        self.num_ops = int(num_ops)
        self.factor = factor_range("RandAugment", "factor", factor, 0.0, 1.0)
        self.interpolation = check_choice("RandAugment", "interpolation", interpolation, ("nearest", "bilinear"))
        self.augmentations = _inner_layers(AUGMENT_LAYERS, self.factor, list(self.value_range), interpolation, seed,
                                           self.data_format, self.dtype)

    def call(self, inputs, training=False):
        images = self.as_float(inputs)
        if not training or self.num_ops == 0:
            return images
        choices = kf_random.randint((self.num_ops,), 0, len(AUGMENT_LAYERS), seed=self.seed_generator_for_call())
        for step in range(self.num_ops):
            images = _choose(self.augmentations, ops.take(choices, step), images)
        return images

    def get_config(self):
        config = super().get_config()
        config.update({"num_ops": self.num_ops, "interpolation": self.interpolation})
        return config


class AugMix(ColorAugmentation):
    """In training: ``num_chains`` chains of ``chain_depth`` steps, each step one inner layer or none (drawn
    uniformly among ``len(layers) + 1``, for the whole batch); the chains' outputs mixed with Dirichlet
    weights ``w`` (``gamma(alpha)`` draws, normalised), then ``m * x + (1 - m) * sum_c w_c chain_c(x)`` with
    ``m ~ beta(alpha, alpha)``, clipped to ``value_range``. At inference, the identity (cast).

    Args (Keras 3.15.1's): ``value_range``, ``num_chains`` (3), ``chain_depth`` (3), ``factor`` (0.3; a
    number ``f`` in [0, 1] means ``(0, f)``), ``alpha`` (1.0), ``all_ops`` (True: the eleven layers; False:
    the seven geometric/colour-reducing ones), ``interpolation``, ``seed``, ``data_format``.

    Differences from Keras, in the draws only: Keras picks each step's layer with Python's ``random`` (fixed
    once a step is traced); here it is drawn from this layer's generator inside the step, so every compiled
    step draws anew, at the cost of running every inner layer at each step (``where`` keeps the chosen one).
    Inner layers draw from their own generators (seeded ``seed + k``).
    """

    def __init__(self, value_range=(0, 255), num_chains=3, chain_depth=3, factor=0.3, alpha=1.0, all_ops=True,
                 interpolation="bilinear", seed=None, data_format=None, **kwargs):
        super().__init__(value_range=value_range, seed=seed, data_format=data_format, **kwargs)
        for name, value in (("num_chains", num_chains), ("chain_depth", chain_depth)):
            if not isinstance(value, numbers.Integral) or isinstance(value, bool) or value < 1:
                raise ValueError(f"AugMix: {name} must be a positive integer, got {name}={value!r}.")
        if not isinstance(alpha, numbers.Real) or isinstance(alpha, bool) or alpha <= 0:
            raise ValueError(f"AugMix: alpha must be a positive number, got alpha={alpha!r}.")
        self.num_chains, self.chain_depth, self.alpha, self.all_ops = int(num_chains), int(chain_depth), alpha, \
            bool(all_ops)
        self.factor = factor_range("AugMix", "factor", factor, 0.0, 1.0)
        self.interpolation = check_choice("AugMix", "interpolation", interpolation, ("nearest", "bilinear"))
        names = AUGMIX_LAYERS_ALL if self.all_ops else AUGMIX_LAYERS_ALL[:7]
        self.augmentations = _inner_layers(names, self.factor, list(self.value_range), interpolation, seed,
                                           self.data_format, self.dtype)

    def call(self, inputs, training=False):
        images = self.as_float(inputs)
        if not training:
            return images
        dtype = ops.dtype(images)
        seed = self.seed_generator_for_call()
        gammas = kf_random.gamma((self.num_chains,), self.alpha, seed=seed)
        chain_weights = ops.cast(ops.divide(gammas, ops.sum(gammas)), dtype)
        keep = ops.cast(kf_random.beta((), self.alpha, self.alpha, seed=seed), dtype)
        choices = kf_random.randint((self.num_chains, self.chain_depth), 0, len(self.augmentations) + 1, seed=seed)
        mixed = ops.zeros_like(images)
        for chain in range(self.num_chains):
            chained = images
            for step in range(self.chain_depth):
                chained = _choose(self.augmentations, ops.take(choices, chain * self.chain_depth + step), chained)
            mixed = ops.add(mixed, ops.multiply(chained, ops.take(chain_weights, chain)))
        out = ops.add(ops.multiply(keep, images), ops.multiply(ops.subtract(1.0, keep), mixed))
        return ops.clip(out, float(self.value_range[0]), float(self.value_range[1]))

    def get_config(self):
        config = super().get_config()
        config.update({"num_chains": self.num_chains, "chain_depth": self.chain_depth, "alpha": self.alpha,
                       "all_ops": self.all_ops, "interpolation": self.interpolation})
        return config
