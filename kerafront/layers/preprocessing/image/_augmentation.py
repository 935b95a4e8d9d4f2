"""What the augmentation layers share: argument checks, the seed generator, image axes.

Every augmentation layer draws in ``call`` only when ``training=True`` (otherwise it is the
identity, except ``RandomCrop``), from its ``SeedGenerator`` (``seed_generator``), whose state is a
non-trainable variable threaded through compiled steps: two steps of a compiled ``fit`` draw
different augmentations, and the same ``seed`` gives the same sequence on one backend. Images are
``(height, width, channels)`` or ``(batch, height, width, channels)`` (channels first with
``data_format="channels_first"``); outputs take the layer's float dtype, as in Keras.
"""

import numbers

from kerafront import ops
from kerafront import random as kf_random
from kerafront.layers import _utils
from kerafront.layers.preprocessing._data_layer import DataLayer

FILL_MODES = ("reflect", "wrap", "constant", "nearest")
INTERPOLATIONS = ("nearest", "bilinear")


def _is_number(value):
    return isinstance(value, numbers.Real) and not isinstance(value, bool)


def factor_range(layer, name, factor, low, high, low_open=False):
    """Keras's ``(lower, upper)`` from a number ``f`` (``(-f, f)``, clipped to ``low``) or a pair
    (sorted); every number must lie in ``[low, high]`` (``(low, high]`` with ``low_open``)."""
    interval = f"{'(' if low_open else '['}{low}, {high}]"
    values = list(factor) if isinstance(factor, (tuple, list)) else [factor]
    if len(values) not in (1, 2) or (isinstance(factor, (tuple, list)) and len(values) != 2) or \
            not all(_is_number(v) for v in values):
        raise ValueError(f"{layer}: {name} must be a number or a pair of numbers (lower, upper) in {interval}, "
                         f"got {name}={factor!r}.")
    for v in values:
        if v > high or v < low or (low_open and v == low):
            raise ValueError(f"{layer}: {name} must lie in {interval}, got {name}={factor!r}.")
    if len(values) == 2:
        lower, upper = sorted(float(v) for v in values)
        return lower, upper
    magnitude = abs(float(values[0]))
    return max(-magnitude, float(low)), magnitude


def as_json(factor):
    """A factor as its config holds it: a pair as a list (what JSON gives back), a number as is."""
    return list(factor) if isinstance(factor, (tuple, list)) else factor


def check_choice(layer, name, value, choices):
    if value not in choices:
        raise ValueError(f"{layer}: {name} must be one of {choices}, got {name}={value!r}.")
    return value


def check_value_range(layer, value_range):
    """``value_range``: a pair ``(low, high)`` with ``low < high``."""
    if not isinstance(value_range, (tuple, list)) or len(value_range) != 2 or \
            not all(_is_number(v) for v in value_range):
        raise ValueError(f"{layer}: value_range must be a pair of numbers (low, high), "
                         f"got value_range={value_range!r}.")
    if value_range[0] >= value_range[1]:
        raise ValueError(f"{layer}: value_range must be (low, high) with low < high, got value_range={value_range!r}; "
                         f"did you mean {tuple(value_range[::-1])!r}?")
    return value_range


class BaseAugmentation(DataLayer):
    """An augmentation layer: a seed generator, a data format, the identity outside training."""

    def __init__(self, seed=None, data_format=None, **kwargs):
        super().__init__(**kwargs)
        self.data_format = _utils.normalize_data_format(data_format, type(self).__name__)
        self.seed = seed
        self.seed_generator = kf_random.SeedGenerator(seed, name="seed_generator")
        self.seed_generator.state.path = f"{self.name}/seed_generator_state"

    def image_axes(self, images):
        """``(batch_size, height, width, row_axis, col_axis)`` of a 3-D or 4-D image tensor; batch 1 when 3-D."""
        shape = tuple(ops.shape(images))
        if len(shape) not in (3, 4):
            raise ValueError(f"{type(self).__name__}: expected images of rank 3 (height, width, channels) or 4 "
                             f"(batch, height, width, channels), got shape {shape}.")
        rank = len(shape)
        row_axis, col_axis = (rank - 3, rank - 2) if self.data_format == "channels_last" else (rank - 2, rank - 1)
        return (shape[0] if rank == 4 else 1), shape[row_axis], shape[col_axis], row_axis, col_axis

    def per_image_shape(self, images):
        """``(batch, 1, 1, 1)`` (``(1, 1, 1)`` for one image): one random draw per image."""
        rank = len(tuple(ops.shape(images)))
        return (tuple(ops.shape(images))[0], 1, 1, 1) if rank == 4 else (1, 1, 1)

    def uniform(self, shape, minval, maxval):
        return kf_random.uniform(shape, minval=minval, maxval=maxval, seed=self.seed_generator_for_call())

    def as_float(self, images):
        return ops.cast(images, self.compute_dtype)

    def compute_output_shape(self, input_shape):
        return tuple(input_shape)

    def get_config(self):
        config = super().get_config()
        config.update({"data_format": self.data_format, "seed": self.seed})
        return config


class BaseAffineAugmentation(BaseAugmentation):
    """An augmentation through ``affine_transform``: ``fill_mode``, ``interpolation``, ``fill_value``."""

    def __init__(self, fill_mode="reflect", interpolation="bilinear", seed=None, fill_value=0.0, data_format=None,
                 **kwargs):
        super().__init__(seed=seed, data_format=data_format, **kwargs)
        name = type(self).__name__
        self.fill_mode = check_choice(name, "fill_mode", fill_mode, FILL_MODES)
        self.interpolation = check_choice(name, "interpolation", interpolation, INTERPOLATIONS)
        if not _is_number(fill_value):
            raise ValueError(f"{name}: fill_value must be a number, got fill_value={fill_value!r}.")
        self.fill_value = fill_value

    def transform(self, images, matrices):
        """``images`` (float) through ``matrices`` (``(batch, 8)``; one row for a single image)."""
        from kerafront.ops._image_affine import affine_transform
        unbatched = len(tuple(ops.shape(images))) == 3
        outputs = affine_transform(ops.expand_dims(images, 0) if unbatched else images, matrices,
                                   interpolation=self.interpolation, fill_mode=self.fill_mode,
                                   fill_value=self.fill_value, data_format=self.data_format)
        return ops.squeeze(outputs, 0) if unbatched else outputs

    def get_config(self):
        config = super().get_config()
        config.update({"fill_mode": self.fill_mode, "interpolation": self.interpolation,
                       "fill_value": self.fill_value})
        return config


def affine_rows(*columns):
    """``(batch, 8)`` transforms from eight ``(batch, 1)`` columns (Python numbers broadcast)."""
    batch = next(tuple(ops.shape(c))[0] for c in columns if not _is_number(c))
    dtype = next(ops.dtype(c) for c in columns if not _is_number(c))
    return ops.concatenate([ops.full((batch, 1), float(c), dtype=dtype) if _is_number(c) else c for c in columns],
                           axis=1)
