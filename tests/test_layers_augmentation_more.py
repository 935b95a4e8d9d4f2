"""Colour, blur and equalisation augmentation layers: pinned draws against Keras 3, closed forms by hand,
identity at inference, fresh draws inside compiled ``fit`` steps on every backend, configs and bad arguments.

Keras runs on its NumPy backend (``KERAS_BACKEND=numpy``; JAX when another test module imported it first).
A factor ``(v, v)`` pins Keras's draw; where Keras draws a sign or a bit count we cannot pin, its
``transform_images`` is called with the transformation written out.
"""

import os

import numpy as np
import pytest

import kerafront
from kerafront import layers as L
from kerafront import ops

os.environ.setdefault("KERAS_BACKEND", "numpy")  # no effect if another test module imported keras first
FRAMEWORKS = ("numpy", "torch", "jax", "tensorflow")
X = np.random.default_rng(0).uniform(0, 255, size=(4, 5, 6, 3)).astype("float32")

# one layer per name, drawing continuously (or from many discrete outcomes) in training
RANDOM_LAYERS = {
    "solarization": lambda: L.Solarization(addition_factor=0.5, threshold_factor=0.5, seed=3),
    "invert": lambda: L.RandomInvert(seed=3),
    "grayscale": lambda: L.RandomGrayscale(seed=3),
    "posterization": lambda: L.RandomPosterization((1, 8), seed=3),
    "color_degeneration": lambda: L.RandomColorDegeneration(0.8, seed=3),
    "saturation": lambda: L.RandomSaturation((0.2, 0.8), seed=3),
    "hue": lambda: L.RandomHue(0.5, seed=3),
    "sharpness": lambda: L.RandomSharpness(1.0, seed=3),
    "color_jitter": lambda: L.RandomColorJitter(brightness_factor=0.3, contrast_factor=0.5, saturation_factor=0.5,
                                                hue_factor=0.3, seed=3),
    "gaussian_blur": lambda: L.RandomGaussianBlur(seed=3),
    "mix_up": lambda: L.MixUp(seed=3),
    "cut_mix": lambda: L.CutMix(seed=3),
    "erasing": lambda: L.RandomErasing(seed=3),
    "shear": lambda: L.RandomShear(0.5, 0.5, seed=3),
    "perspective": lambda: L.RandomPerspective(seed=3),
}
DISCRETE = {"invert", "grayscale", "posterization", "cut_mix"}


def _np(x):
    return np.asarray(ops.convert_to_numpy(x))


def _keras():
    return pytest.importorskip("keras")


@pytest.fixture(params=FRAMEWORKS)
def backend(request):
    pytest.importorskip(request.param)
    with kerafront.backend_scope(request.param):
        yield request.param


PINNED = {  # id: (make, channels_first)
    "solarization": (lambda lib: lib.layers.Solarization(), False),
    "solarization_unit": (lambda lib: lib.layers.Solarization(value_range=(0, 1)), False),
    "invert": (lambda lib: lib.layers.RandomInvert((1.0, 1.0)), False),
    "grayscale": (lambda lib: lib.layers.RandomGrayscale(1.0), False),
    "grayscale_cf": (lambda lib: lib.layers.RandomGrayscale(1.0, data_format="channels_first"), True),
    "auto_contrast": (lambda lib: lib.layers.AutoContrast(), False),
    "auto_contrast_range": (lambda lib: lib.layers.AutoContrast(value_range=(-10, 300)), False),
    "posterization": (lambda lib: lib.layers.RandomPosterization((3, 3)), False),
    "posterization_range": (lambda lib: lib.layers.RandomPosterization((6, 6), value_range=(0, 300)), False),
    "color_degeneration": (lambda lib: lib.layers.RandomColorDegeneration((0.4, 0.4)), False),
    "saturation": (lambda lib: lib.layers.RandomSaturation((0.3, 0.3)), False),
    "saturation_cf": (lambda lib: lib.layers.RandomSaturation((0.7, 0.7), data_format="channels_first"), True),
    "sharpness": (lambda lib: lib.layers.RandomSharpness((0.2, 0.2)), False),
    "sharpness_cf": (lambda lib: lib.layers.RandomSharpness((0.9, 0.9), data_format="channels_first"), True),
    "gaussian_blur": (lambda lib: lib.layers.RandomGaussianBlur((1.0, 1.0), kernel_size=5, sigma=(0.7, 0.7)), False),
    "gaussian_blur_cf": (lambda lib: lib.layers.RandomGaussianBlur((1.0, 1.0), kernel_size=(3, 5), sigma=(0.4, 0.4),
                                                                   data_format="channels_first"), True),
    "equalization": (lambda lib: lib.layers.Equalization(), False),
    "equalization_bins": (lambda lib: lib.layers.Equalization(bins=16, value_range=(0, 300)), False),
    "jitter_saturation": (lambda lib: lib.layers.RandomColorJitter(saturation_factor=(0.6, 0.6)), False),
}


@pytest.mark.parametrize("case", sorted(PINNED))
def test_pinned_draws_match_keras(case):
    keras = _keras()
    make, channels_first = PINNED[case]
    x = np.moveaxis(X, -1, 1) if channels_first else X
    want = keras.ops.convert_to_numpy(make(keras)(x, training=True))
    got = _np(make(kerafront)(x, training=True))
    assert got.shape == want.shape and got.dtype == np.float32
    np.testing.assert_allclose(got, want, rtol=1e-5, atol=1e-4)


def test_hue_shift_is_keras_with_either_sign():
    """Keras draws the sign of the hue shift per image; each image matches Keras's + or - transform."""
    keras = _keras()
    shift = 0.3 * 0.5
    plus, minus = (keras.ops.convert_to_numpy(keras.layers.RandomHue(0.3).transform_images(
        X, {"factor": np.full((4,), s, "float32")})) for s in (shift, -shift))
    got = _np(L.RandomHue((0.3, 0.3), seed=5)(X, training=True))
    signs = []
    for g, p, m in zip(got, plus, minus):
        signs.append(np.allclose(g, p, rtol=1e-5, atol=1e-3))
        assert signs[-1] or np.allclose(g, m, rtol=1e-5, atol=1e-3)


def test_posterization_draws_bits_in_the_half_open_range_like_keras():
    keras = _keras()
    per_bits = {b: keras.ops.convert_to_numpy(keras.layers.RandomPosterization((b, b))(X, training=True))
                for b in (2, 3, 4, 5)}
    got = _np(L.RandomPosterization((2, 5), seed=1)(np.concatenate([X] * 4), training=True))
    for g, x_index in zip(got, list(range(4)) * 4):
        matches = [b for b, want in per_bits.items() if np.array_equal(g, want[x_index])]
        assert matches and matches[0] in (2, 3, 4), matches  # randint excludes the upper end


def test_solarization_by_hand():
    x = np.array([0.0, 10.0, 100.0, 200.0, 255.0], "float32").reshape(1, 1, 5, 1)
    np.testing.assert_allclose(_np(L.Solarization()(x, training=True)).ravel(), [255, 245, 155, 55, 0])
    # value_range (0, 1): pixels mapped to [0, 255], inverted, mapped back
    np.testing.assert_allclose(_np(L.Solarization(value_range=(0, 1))(x / 255, training=True)).ravel(),
                               1 - x.ravel() / 255, rtol=1e-6, atol=1e-7)
    # threshold t in [0.6, 0.6 * 255]: pixels below t kept, the rest inverted -- 255 is always above
    out = _np(L.Solarization(threshold_factor=(0.6, 0.6), seed=2)(x, training=True)).ravel()
    assert out[0] == 0.0 and out[-1] == 0.0 and all(o in (v, 255 - v) for o, v in zip(out, x.ravel()))


def test_grayscale_weights_and_invert_by_hand():
    x = X[:1]
    gray = 0.2989 * x[..., 0] + 0.5870 * x[..., 1] + 0.1140 * x[..., 2]
    out = _np(L.RandomGrayscale(1.0)(x, training=True))
    for c in range(3):
        np.testing.assert_allclose(out[..., c], gray, rtol=1e-6)
    np.testing.assert_allclose(_np(L.RandomInvert((1.0, 1.0), value_range=(0, 300))(x, training=True)), 300 - x)
    np.testing.assert_array_equal(_np(L.RandomInvert((0.0, 0.0))(x, training=True)), x)


def test_posterization_keeps_the_top_bits():
    pixels = np.arange(256, dtype="float32").reshape(1, 16, 16, 1)
    for bits in (1, 2, 5, 8):
        out = _np(L.RandomPosterization((bits, bits))(pixels, training=True))
        mask = (0xFF << (8 - bits)) & 0xFF
        np.testing.assert_array_equal(out, (pixels.astype("uint8") & mask).astype("float32"))


def test_auto_contrast_and_sharpness_by_hand():
    x = np.array([[10.0, 20.0], [30.0, 50.0]], "float32").reshape(1, 2, 2, 1)
    np.testing.assert_allclose(_np(L.AutoContrast()(x)).ravel(), [0, 255 / 4, 255 / 2, 255], rtol=1e-6)
    flat = np.full((1, 2, 2, 1), 7.0, "float32")  # max == min: left as it was
    np.testing.assert_array_equal(_np(L.AutoContrast()(flat)), flat)
    # factor 0.5 is the identity; factor 0 is the 3x3 smoothing filter (zero padding)
    np.testing.assert_allclose(_np(L.RandomSharpness((0.5, 0.5))(X, training=True)), X, rtol=1e-6)
    ones = np.full((1, 3, 3, 1), 13.0, "float32")
    smooth = _np(L.RandomSharpness((0.0, 0.0))(ones, training=True))[0, :, :, 0]
    np.testing.assert_allclose(smooth, [[8, 10, 8], [10, 13, 10], [8, 10, 8]], rtol=1e-6)  # neighbours in range


def test_equalization_by_hand():
    x = np.array([0.0, 0.0, 100.0, 200.0], "float32").reshape(1, 2, 2, 1)
    # histogram: bin 0 twice, 100 and 200 once; cdf_min = 2, table = (cdf - 2) * 255 / 2, rounded half-even
    np.testing.assert_array_equal(_np(L.Equalization()(x, training=True)).ravel(), [0, 0, 128, 255])
    one_bin = np.full((1, 2, 2, 1), 9.0, "float32")
    np.testing.assert_array_equal(_np(L.Equalization()(one_bin, training=True)), one_bin)


@pytest.mark.parametrize("name", sorted(RANDOM_LAYERS) + ["auto_contrast", "equalization"])
def test_inference_is_identity_except_auto_contrast(backend, name):
    layer = {"auto_contrast": L.AutoContrast, "equalization": L.Equalization}.get(name, RANDOM_LAYERS.get(name))()
    out = _np(layer(X))
    assert out.dtype == np.float32 and out.shape == X.shape
    if name == "auto_contrast":  # active in both modes, as in Keras
        np.testing.assert_allclose(out.min(axis=(1, 2)), 0.0, atol=1e-3)
        np.testing.assert_allclose(out.max(axis=(1, 2)), 255.0, rtol=1e-6)
    else:
        np.testing.assert_array_equal(out, X)
        trained = _np(layer(X, training=True))
        assert trained.shape == X.shape and np.all(np.isfinite(trained))
        assert _np(layer(X[0], training=True)).shape == X.shape[1:]


@pytest.mark.parametrize("name", sorted(RANDOM_LAYERS))
def test_compiled_fit_steps_draw_fresh_augmentations(backend, name):
    """The same batch every step and no learning: the step losses differ only if each step draws anew."""
    model = kerafront.Sequential([kerafront.Input((4, 4, 3)), RANDOM_LAYERS[name](), L.Flatten(),
                                  L.Dense(1, use_bias=False, kernel_initializer="ones")])
    model.compile(optimizer=kerafront.optimizers.SGD(0.0), loss="mse")
    x = np.random.default_rng(1).uniform(0, 255, (8, 4, 4, 3)).astype("float32")
    records = []

    class Record(kerafront.callbacks.Callback):
        def on_train_batch_end(self, batch, logs=None):
            records.append(float(logs["loss"]))

    model.fit(np.concatenate([x] * 3), np.zeros((24, 1), "float32"), batch_size=8, epochs=1, shuffle=False,
              verbose=0, callbacks=[Record()])
    assert len(records) == 3 and len(set(records)) >= (2 if name in DISCRETE else 3), records


def test_configs_match_keras():
    keras = _keras()
    for name, args in (("Solarization", ()), ("RandomInvert", ()), ("RandomGrayscale", ()), ("AutoContrast", ()),
                       ("RandomPosterization", (4,)), ("RandomColorDegeneration", (0.3,)),
                       ("RandomSaturation", (0.3,)), ("RandomHue", (0.3,)), ("RandomSharpness", (0.3,)),
                       ("RandomColorJitter", ()), ("Equalization", ()), ("RandomGaussianBlur", ())):
        ours = getattr(L, name)(*args).get_config()
        theirs = getattr(keras.layers, name)(*args).get_config()
        assert set(ours) - {"dtype"} == set(theirs) - {"dtype"}, name
        for key in set(theirs) - {"name", "dtype"}:
            value = list(theirs[key]) if isinstance(theirs[key], tuple) else theirs[key]
            assert ours[key] == value, (name, key)


def test_config_round_trip_keeps_the_transform():
    layer = L.RandomColorJitter(brightness_factor=(0.1, 0.1), contrast_factor=(0.2, 0.2), value_range=(0, 300),
                                seed=4)
    clone = L.RandomColorJitter.from_config(layer.get_config())
    np.testing.assert_allclose(_np(clone(X, training=True)), _np(layer(X, training=True)), rtol=1e-6)


@pytest.mark.parametrize("make, match", [
    (lambda: L.Solarization(addition_factor=1.5), r"Solarization: addition_factor must lie in \[0.0, 1.0\]"),
    (lambda: L.Solarization(value_range=(255, 0)), "Solarization: value_range must be .* low < high"),
    (lambda: L.RandomInvert((0.2, 0.3, 0.4)), "RandomInvert: factor must be a number or a pair"),
    (lambda: L.RandomGrayscale(1.5), r"RandomGrayscale: factor must be a number in \[0, 1\]"),
    (lambda: L.AutoContrast(value_range=5), "AutoContrast: value_range must be a pair"),
    (lambda: L.RandomPosterization(9), r"RandomPosterization: factor must lie in \[1, 8\]"),
    (lambda: L.RandomColorDegeneration(2.0), "RandomColorDegeneration: factor must lie in"),
    (lambda: L.RandomSaturation("high"), "RandomSaturation: factor must be a number"),
    (lambda: L.RandomHue(-0.2), r"RandomHue: factor must lie in \[0.0, 1.0\]"),
    (lambda: L.RandomSharpness(1.2), "RandomSharpness: factor must lie in"),
    (lambda: L.RandomGaussianBlur(kernel_size=4), "RandomGaussianBlur: kernel_size must be an odd"),
    (lambda: L.RandomGaussianBlur(sigma=2.0), "RandomGaussianBlur: sigma must lie in"),
    (lambda: L.Equalization(bins=1), "Equalization: bins must be an integer >= 2"),
    (lambda: L.RandomColorJitter(hue_factor=3.0), "RandomHue: factor must lie in"),
])
def test_bad_arguments_raise_value_error(make, match):
    with pytest.raises(ValueError, match=match):
        make()


def test_bad_rank_and_channels_name_the_op():
    with pytest.raises(ValueError, match="rgb_to_grayscale: images must have 3 channels"):
        L.RandomGrayscale(1.0)(np.zeros((1, 2, 2, 4), "float32"), training=True)
    with pytest.raises(ValueError, match="AutoContrast: expected images of rank 3"):
        L.AutoContrast()(np.zeros((2, 3), "float32"))


# ------------------------------------------------------------------------------------------------
# MixUp, CutMix, RandomErasing: each output checked against the closed form its own mixed labels imply

MIXING = {
    "mix_up": lambda: L.MixUp(alpha=0.8, seed=3),
    "cut_mix": lambda: L.CutMix(seed=3),
    "erasing": lambda: L.RandomErasing(seed=3),
}
BATCH = np.random.default_rng(2).uniform(0, 255, size=(6, 8, 9, 3)).astype("float32")


def test_mix_up_mixes_images_with_the_label_weights(backend):
    layer = L.MixUp(alpha=0.8, seed=4)
    for _ in range(3):
        out = layer({"images": BATCH, "labels": np.eye(6, dtype="float32")}, training=True)
        images, labels = _np(out["images"]), _np(out["labels"])
        np.testing.assert_allclose(labels.sum(axis=1), 1.0, rtol=1e-6)
        # with one-hot labels, row i of the mixed labels holds w_i and 1 - w_i: image i is that mix of the batch
        np.testing.assert_allclose(images, np.einsum("ij,jhwc->ihwc", labels, BATCH), rtol=1e-5, atol=1e-3)
    assert not np.allclose(images, BATCH)


def test_cut_mix_pastes_one_box_weighted_by_its_area(backend):
    layer = L.CutMix(seed=5)
    for _ in range(4):
        out = layer({"images": BATCH, "labels": np.eye(6, dtype="float32")}, training=True)
        images, labels = _np(out["images"]), _np(out["labels"])
        for i in range(6):
            pasted = ~np.all(images[i] == BATCH[i], axis=-1)
            others = [j for j in range(6) if j != i and labels[i, j] > 0]
            if not pasted.any():
                continue
            assert len(others) == 1
            j = others[0]
            np.testing.assert_array_equal(images[i][pasted], BATCH[j][pasted])
            rows, cols = np.nonzero(pasted.any(axis=1))[0], np.nonzero(pasted.any(axis=0))[0]
            assert pasted[rows.min():rows.max() + 1, cols.min():cols.max() + 1].all()  # one box
            # label weight 1 - (box area / image area) with the box's real-valued sides: within a pixel each way
            area = (1.0 - labels[i, i]) * 8 * 9
            assert (len(rows) - 1) * (len(cols) - 1) - 1e-3 <= area <= (len(rows) + 1) * (len(cols) + 1) + 1e-3


def test_random_erasing_fills_one_box(backend):
    layer = L.RandomErasing((1.0, 1.0), scale=(0.2, 0.3), fill_value=(7, 8, 9), seed=6)
    out = _np(layer(BATCH, training=True))
    for o, x in zip(out, BATCH):
        erased = np.all(o == [7, 8, 9], axis=-1)
        np.testing.assert_array_equal(o[~erased], x[~erased])
        rows, cols = np.nonzero(erased.any(axis=1))[0], np.nonzero(erased.any(axis=0))[0]
        assert erased[rows.min():rows.max() + 1, cols.min():cols.max() + 1].all()
        # sides sqrt(0.2 .. 0.3) of 8 rows and 9 columns: 3.6 .. 4.4 rows, 4.0 .. 4.9 columns
        assert 3 <= len(rows) <= 5 and 4 <= len(cols) <= 6
    noise = _np(L.RandomErasing((1.0, 1.0), value_range=(0, 1), seed=6)(BATCH / 255, training=True))
    assert noise.min() >= 0.0 and noise.max() <= 1.0  # Gaussian noise clipped to value_range


@pytest.mark.parametrize("name", sorted(MIXING))
def test_mixing_identity_at_inference_and_fresh_draws(backend, name):
    layer = MIXING[name]()
    np.testing.assert_array_equal(_np(layer(BATCH)), BATCH)
    first, second = _np(layer(BATCH, training=True)), _np(layer(BATCH, training=True))
    assert not np.array_equal(first, second)


def test_cut_mix_leaves_a_single_image_alone():
    np.testing.assert_array_equal(_np(L.CutMix(seed=1)(BATCH[0], training=True)), BATCH[0])


def test_mixing_configs_match_keras():
    keras = _keras()
    for name in ("MixUp", "CutMix", "RandomErasing"):
        ours, theirs = getattr(L, name)(seed=2).get_config(), getattr(keras.layers, name)(seed=2).get_config()
        assert set(ours) - {"dtype"} == set(theirs) - {"dtype"}, name
        for key in set(theirs) - {"name", "dtype"}:
            value = list(theirs[key]) if isinstance(theirs[key], tuple) else theirs[key]
            assert ours[key] == value, (name, key)


@pytest.mark.parametrize("make, match", [
    (lambda: L.MixUp(alpha=0), "MixUp: alpha must be a positive number"),
    (lambda: L.CutMix(factor=2.0), "CutMix: factor must lie in"),
    (lambda: L.RandomErasing(scale=(0.1, 1.5)), "RandomErasing: scale must lie in"),
    (lambda: L.RandomErasing(fill_value=(1, 2)), "RandomErasing: fill_value must be None, a number or three"),
])
def test_mixing_bad_arguments(make, match):
    with pytest.raises(ValueError, match=match):
        make()


def test_mixing_dict_without_images_is_refused():
    with pytest.raises(ValueError, match="MixUp: expected a dict with an 'images' key"):
        L.MixUp()({"pixels": BATCH}, training=True)


# ------------------------------------------------------------------------------------------------
# RandomShear

@pytest.mark.parametrize("kwargs", [dict(x_factor=(0.3, 0.3)), dict(y_factor=(0.2, 0.2), fill_mode="constant"),
                                    dict(x_factor=(0.1, 0.1), y_factor=(0.25, 0.25), interpolation="nearest",
                                         fill_mode="wrap")])
def test_shear_is_keras_with_either_sign(kwargs):
    """Keras draws one sign per image for both factors; each image matches Keras's + or - shear."""
    keras = _keras()
    x_shear, y_shear = kwargs.get("x_factor", (0, 0))[0], kwargs.get("y_factor", (0, 0))[0]
    layer = keras.layers.RandomShear(**kwargs)
    plus, minus = (keras.ops.convert_to_numpy(layer.transform_images(
        X, {"shear_factor": np.tile(np.array([[s * x_shear, s * y_shear]], "float32"), (4, 1)),
            "input_shape": X.shape})) for s in (1, -1))
    got = _np(L.RandomShear(seed=2, **kwargs)(np.concatenate([X] * 3), training=True))
    signs = []
    for g, p, m in zip(got, np.concatenate([plus] * 3), np.concatenate([minus] * 3)):
        signs.append(np.allclose(g, p, rtol=1e-5, atol=2e-3))
        assert signs[-1] or np.allclose(g, m, rtol=1e-5, atol=2e-3)
    assert any(signs) and not all(signs)


def test_shear_by_hand():
    """Output (x, y) reads the input at (x + s y, y): with s = 1 and "wrap", row y is rolled left by y."""
    x = np.arange(30, dtype="float32").reshape(1, 5, 6, 1)
    out = _np(L.RandomShear(x_factor=(1.0, 1.0), fill_mode="wrap", interpolation="nearest", seed=0)(
        np.concatenate([x] * 8), training=True))
    for o in out:
        rolled = [np.array_equal(o[y, :, 0], np.roll(x[0, y, :, 0], -s * y)) for s in (1, -1) for y in range(5)]
        assert all(rolled[:5]) or all(rolled[5:])


def test_shear_config_and_errors():
    keras = _keras()
    ours, theirs = L.RandomShear(0.2, (0.1, 0.3), seed=1).get_config(), \
        keras.layers.RandomShear(0.2, (0.1, 0.3), seed=1).get_config()
    assert set(ours) - {"dtype"} == set(theirs) - {"dtype"}
    for key in set(theirs) - {"name", "dtype"}:
        assert ours[key] == (list(theirs[key]) if isinstance(theirs[key], tuple) else theirs[key]), key
    with pytest.raises(ValueError, match=r"RandomShear: x_factor must lie in \[0.0, 1.0\]"):
        L.RandomShear(-0.2)
    with pytest.raises(ValueError, match="RandomShear: fill_mode must be one of"):
        L.RandomShear(0.2, fill_mode="mirror")


# ------------------------------------------------------------------------------------------------
# RandomPerspective

def test_perspective_matches_keras_given_the_same_draws():
    """The layer's draws, replayed from a generator with the same seed, handed to Keras's own transform."""
    keras = _keras()
    from kerafront import random as kf_random
    layer = L.RandomPerspective((0.5, 0.5), scale=0.6, fill_value=2.0, seed=7)
    got = _np(layer(X, training=True))
    generator = kf_random.SeedGenerator(7)
    probability = _np(kf_random.uniform((4, 1, 1, 1), 0.5, 0.5, seed=generator)).ravel()
    apply = _np(kf_random.uniform((4, 1, 1, 1), 0.0, 1.0, seed=generator)).ravel() < probability
    offsets = _np(kf_random.uniform((4, 4, 2), -0.3, 0.3, seed=generator))
    corners = np.tile(np.array([[[0, 0], [5, 0], [0, 4], [5, 4]]], "float32"), (4, 1, 1))
    theirs = keras.layers.RandomPerspective(scale=0.6, fill_value=2.0)
    want = keras.ops.convert_to_numpy(theirs.transform_images(X, {
        "apply_perspective": apply, "start_points": corners, "end_points": corners + corners * offsets,
        "input_shape": X.shape}))
    assert apply.any() and not apply.all()
    np.testing.assert_allclose(got, want, rtol=1e-5, atol=2e-3)


def test_perspective_without_movement_is_the_identity():
    np.testing.assert_allclose(_np(L.RandomPerspective(scale=0.0, seed=1)(X, training=True)), X, rtol=1e-6, atol=1e-4)
    np.testing.assert_array_equal(_np(L.RandomPerspective((0.0, 0.0), seed=1)(X, training=True)), X)


def test_perspective_config_and_errors():
    keras = _keras()
    ours, theirs = L.RandomPerspective(0.4, 0.7, seed=1).get_config(), \
        keras.layers.RandomPerspective(0.4, 0.7, seed=1).get_config()
    assert set(ours) - {"dtype"} == set(theirs) - {"dtype"}
    for key in set(theirs) - {"name", "dtype"}:
        assert ours[key] == (list(theirs[key]) if isinstance(theirs[key], tuple) else theirs[key]), key
    with pytest.raises(ValueError, match=r"RandomPerspective: scale must be a number in \[0, 1\]"):
        L.RandomPerspective(scale=1.5)
    with pytest.raises(ValueError, match="RandomPerspective: interpolation must be one of"):
        L.RandomPerspective(interpolation="bicubic")
