"""Augmentation layers: properties on every backend, fixed transforms against closed forms and Keras 3,
seeding (fresh draws in compiled steps), tf.data pipelines on other backends, and bad arguments.

Keras runs on its NumPy backend (``KERAS_BACKEND=numpy``; JAX when another test module imported it first).
"""

import itertools
import math
import os

import numpy as np
import pytest

import kerafront
from kerafront import layers as L
from kerafront import ops
from kerafront.ops import image

os.environ.setdefault("KERAS_BACKEND", "numpy")  # no effect if another test module imported keras first
FRAMEWORKS = {"numpy": "numpy", "torch": "torch", "jax": "jax", "tensorflow": "tensorflow"}
X = np.random.default_rng(0).uniform(0, 255, size=(8, 5, 6, 3)).astype("float32")

LAYERS = {
    "flip": lambda: L.RandomFlip(seed=3),
    "rotation": lambda: L.RandomRotation(0.3, seed=3),
    "zoom": lambda: L.RandomZoom(0.3, (-0.2, 0.2), fill_mode="constant", seed=3),
    "translation": lambda: L.RandomTranslation(0.3, 0.3, fill_mode="wrap", interpolation="nearest", seed=3),
    "contrast": lambda: L.RandomContrast(0.5, seed=3),
    "brightness": lambda: L.RandomBrightness(0.3, seed=3),
    "crop": lambda: L.RandomCrop(3, 4, seed=3),
}


@pytest.fixture(params=sorted(FRAMEWORKS))
def backend(request):
    pytest.importorskip(FRAMEWORKS[request.param])
    with kerafront.backend_scope(request.param):
        yield request.param


def _np(x):
    return np.asarray(ops.convert_to_numpy(x))


@pytest.mark.parametrize("name", sorted(LAYERS))
def test_shapes_dtypes_ranges_and_identity_at_inference(backend, name):
    layer = LAYERS[name]()
    out = _np(layer(X, training=True))
    assert out.dtype == np.float32 and np.all(np.isfinite(out))
    assert out.shape == ((8, 3, 4, 3) if name == "crop" else X.shape)
    assert out.min() >= 0.0 and out.max() <= 255.0  # every transform here keeps pixels in the value range
    assert not np.array_equal(out, X[:, :3, :4] if name == "crop" else X), "training=True changed nothing"
    single = _np(layer(X[0], training=True))
    assert single.shape == out.shape[1:]
    if name != "crop":
        np.testing.assert_array_equal(_np(layer(X)), X)
        np.testing.assert_array_equal(_np(layer(X, training=False)), X)
    assert _np(layer(X.astype("int32"), training=True)).dtype == np.float32


def test_horizontal_flip_is_a_mirror(backend):
    for mode, mirror in (("horizontal", X[:, :, ::-1]), ("vertical", X[:, ::-1]),
                         ("horizontal_and_vertical", X[:, ::-1, ::-1])):
        out = _np(L.RandomFlip(mode, seed=5)(X, training=True))
        flipped = [np.array_equal(o, m) for o, m in zip(out, mirror)]
        kept = [np.array_equal(o, x) for o, x in zip(out, X)]
        assert all(f or k for f, k in zip(flipped, kept)), mode
        assert any(flipped) and any(kept), f"{mode}: 8 images should not all go the same way"


def test_channels_first_equals_channels_last(backend):
    for make in (lambda df: L.RandomRotation(0.2, seed=7, data_format=df),
                 lambda df: L.RandomContrast(0.4, seed=7, data_format=df),
                 lambda df: L.RandomCrop(3, 4, seed=7, data_format=df)):
        last = _np(make("channels_last")(X, training=True))
        first = _np(make("channels_first")(np.moveaxis(X, -1, 1), training=True))
        np.testing.assert_allclose(np.moveaxis(first, 1, -1), last, rtol=1e-5, atol=1e-4)


def _rotation_matrix(turns, height, width):
    a = turns * 2 * math.pi
    cx, cy = (width - 1) / 2, (height - 1) / 2
    c, s = math.cos(a), math.sin(a)
    return np.array([c, -s, cx - cx * c + cy * s, s, c, cy - cx * s - cy * c, 0, 0], "float32")


def test_fixed_rotation_equals_closed_form_affine_transform(backend):
    for turns, fill_mode in ((0.125, "reflect"), (-0.3, "constant"), (0.25, "nearest")):
        layer = L.RandomRotation((turns, turns), fill_mode=fill_mode, fill_value=7.0, seed=1)
        want = _np(image.affine_transform(X, np.tile(_rotation_matrix(turns, 5, 6), (8, 1)), fill_mode=fill_mode,
                                          fill_value=7.0))
        np.testing.assert_allclose(_np(layer(X, training=True)), want, rtol=1e-5, atol=1e-3)


def test_quarter_turn_of_a_square_image_is_rot90():
    x = X[:, :5, :5]
    out = L.RandomRotation((0.25, 0.25), interpolation="nearest", seed=1)(x, training=True)
    np.testing.assert_array_equal(out, np.rot90(x, k=1, axes=(1, 2)))


@pytest.mark.parametrize("make", [
    lambda lib: lib.layers.RandomRotation((0.125, 0.125), fill_mode="reflect"),
    lambda lib: lib.layers.RandomRotation((-0.07, -0.07), fill_mode="constant", interpolation="nearest",
                                          fill_value=3.0),
    lambda lib: lib.layers.RandomZoom((0.3, 0.3), (-0.2, -0.2), fill_mode="wrap"),
    lambda lib: lib.layers.RandomZoom((-0.25, -0.25), fill_mode="nearest"),
    lambda lib: lib.layers.RandomTranslation((0.2, 0.2), (-0.3, -0.3), fill_mode="constant"),
    lambda lib: lib.layers.RandomTranslation((-0.13, -0.13), (0.21, 0.21), fill_mode="reflect"),
    lambda lib: lib.layers.RandomBrightness((0.1, 0.1)),
    lambda lib: lib.layers.RandomContrast((0.0, 0.0)),
], ids=["rotation_reflect", "rotation_nearest", "zoom_wrap", "zoom_in", "translation_constant",
        "translation_reflect", "brightness", "contrast"])
def test_fixed_transforms_match_keras(make):
    """A factor with lower == upper draws one value, so Keras and kerafront apply the same transform."""
    keras = pytest.importorskip("keras")
    want = keras.ops.convert_to_numpy(make(keras)(X, training=True))
    got = _np(make(kerafront)(X, training=True))
    np.testing.assert_allclose(got, want, rtol=1e-5, atol=2e-3)


def test_configs_match_keras():
    keras = pytest.importorskip("keras")
    for name in ("RandomFlip", "RandomRotation", "RandomZoom", "RandomTranslation", "RandomContrast",
                 "RandomBrightness", "RandomCrop"):
        args = {"RandomFlip": (), "RandomCrop": (3, 4), "RandomTranslation": (0.1, 0.2)}.get(name, (0.2,))
        ours = getattr(L, name)(*args, seed=4).get_config()
        theirs = getattr(keras.layers, name)(*args, seed=4).get_config()
        assert set(ours) - {"dtype"} == set(theirs) - {"dtype"}, name
        for key in set(theirs) - {"name", "dtype"}:
            value = list(theirs[key]) if isinstance(theirs[key], tuple) else theirs[key]
            assert ours[key] == value, (name, key)


def test_same_seed_same_sequence_and_calls_differ(backend):
    for name in ("rotation", "brightness", "crop"):
        first, second = LAYERS[name](), LAYERS[name]()
        a1, a2 = _np(first(X, training=True)), _np(first(X, training=True))
        b1, b2 = _np(second(X, training=True)), _np(second(X, training=True))
        np.testing.assert_array_equal(a1, b1)
        np.testing.assert_array_equal(a2, b2)
        if name != "crop":  # a crop has few positions; two draws may coincide
            assert not np.array_equal(a1, a2), name


def test_crop_positions_vary_and_are_windows(backend):
    layer = L.RandomCrop(3, 4, seed=11)
    windows = set()
    for _ in range(12):
        out = _np(layer(X, training=True))
        matches = [(r, c) for r, c in itertools.product(range(3), range(3))
                   if np.array_equal(out, X[:, r:r + 3, c:c + 4])]
        assert len(matches) == 1
        windows.add(matches[0])
    assert len(windows) > 2


def test_crop_at_inference_is_centred_and_resized():
    out = L.RandomCrop(4, 4)(X[:, :4, :6])
    np.testing.assert_array_equal(out, X[:, :4, 1:5])  # the centred 4 x 4 window, no resize needed
    out = L.RandomCrop(2, 3)(X)  # largest 2:3 window of 5 x 6: 4 x 6 rows 0..3, resized to 2 x 3
    np.testing.assert_allclose(out, image.resize(X[:, 0:4], (2, 3)), rtol=1e-6)


def test_compiled_fit_steps_draw_fresh_augmentations(backend):
    """The same batch every step; the loss of step 2 differs from step 1 only if the draws differ."""
    model = kerafront.Sequential([kerafront.Input((2, 2, 1)), L.RandomBrightness(0.5, value_range=(-100, 100), seed=1),
                                  L.Flatten(), L.Dense(1, use_bias=False, kernel_initializer="ones")])
    model.compile(optimizer=kerafront.optimizers.SGD(0.0), loss="mse")
    x, y = np.zeros((4, 2, 2, 1), "float32"), np.zeros((4, 1), "float32")
    records = []

    class Record(kerafront.callbacks.Callback):
        def on_train_batch_end(self, batch, logs=None):
            records.append(float(logs["loss"]))

    model.fit(np.concatenate([x, x, x]), np.concatenate([y, y, y]), batch_size=4, epochs=1, shuffle=False,
              verbose=0, callbacks=[Record()])
    assert len(records) == 3 and len(set(records)) == 3, records  # running means of three different losses


@pytest.mark.parametrize("make, match", [
    (lambda: L.RandomRotation(1.5), "RandomRotation: factor must lie in"),
    (lambda: L.RandomRotation((0.1, 0.2, 0.3)), "RandomRotation: factor must be a number or a pair"),
    (lambda: L.RandomRotation(0.1, fill_mode="mirror"), "RandomRotation: fill_mode must be one of"),
    (lambda: L.RandomZoom(0.1, interpolation="bicubic"), "RandomZoom: interpolation must be one of"),
    (lambda: L.RandomZoom(-1.0), r"RandomZoom: height_factor must lie in \(-1.0, 1.0\]"),
    (lambda: L.RandomZoom(0.1, width_factor="wide"), "RandomZoom: width_factor must be a number"),
    (lambda: L.RandomTranslation(0.1, 1.2), "RandomTranslation: width_factor must lie in"),
    (lambda: L.RandomContrast(-0.2), r"RandomContrast: factor must lie in \[0.0, 1.0\]"),
    (lambda: L.RandomContrast(0.2, value_range=(255, 0)), "RandomContrast: value_range must be .* low < high"),
    (lambda: L.RandomBrightness(0.2, value_range=(1, 0)), "RandomBrightness: value_range must be .* low < high"),
    (lambda: L.RandomBrightness(0.2, value_range=5), "RandomBrightness: value_range must be a pair"),
    (lambda: L.RandomCrop(-2, 3), "RandomCrop: height must be a positive integer"),
    (lambda: L.RandomCrop(2, 0), "RandomCrop: width must be a positive integer"),
    (lambda: L.RandomFlip("diagonal"), "RandomFlip: mode must be one of"),
    (lambda: L.RandomFlip(data_format="nhwc"), "data_format"),
])
def test_bad_arguments_raise_value_error(make, match):
    with pytest.raises(ValueError, match=match):
        make()


def test_bad_rank_names_the_layer():
    with pytest.raises(ValueError, match="RandomFlip: expected images of rank 3"):
        L.RandomFlip()(np.zeros((2, 3), "float32"), training=True)


@pytest.mark.parametrize("active", ["numpy", "jax"])
def test_tf_data_pipeline_on_another_backend(active):
    """In a tf.data map the layers compute with TensorFlow; the active backend's tensors never appear,
    and each pass over the data draws new flips."""
    tf = pytest.importorskip("tensorflow")
    pytest.importorskip(active)
    with kerafront.backend_scope(active):
        flip, rescale = L.RandomFlip("horizontal", seed=2), L.Rescaling(1 / 255.0)
        dataset = tf.data.Dataset.from_tensor_slices(X).batch(4).map(
            lambda batch: rescale(flip(batch, training=True)))
        passes = [np.concatenate([b.numpy() for b in dataset]) for _ in range(3)]
        assert kerafront.backend() == active
    scaled = X / np.float32(255.0)
    for out in passes:
        assert out.dtype == np.float32 and out.shape == X.shape
        for o, x in zip(out, scaled):
            assert np.allclose(o, x, rtol=1e-6) or np.allclose(o, x[:, ::-1], rtol=1e-6)
    assert not all(np.array_equal(passes[0], p) for p in passes[1:]), "every pass drew the same flips"
    with kerafront.backend_scope(active):  # the layer still works eagerly on the active backend afterwards
        np.testing.assert_array_equal(_np(flip(X)), X)
