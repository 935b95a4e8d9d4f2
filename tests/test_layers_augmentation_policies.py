"""``ops.image.scale_and_translate`` and ``RandomElasticTransform``: values against JAX, Keras 3 and hand
computations, gradients, identity at inference, fresh draws inside compiled ``fit`` on every backend,
configs and bad arguments.

Keras runs on its NumPy backend (``KERAS_BACKEND=numpy``; JAX when another test module imported it first).
"""

import os

import numpy as np
import pytest

import kerafront
from kerafront import layers as L
from kerafront import ops

os.environ.setdefault("KERAS_BACKEND", "numpy")  # no effect if another test module imported keras first
FRAMEWORKS = ("numpy", "torch", "jax", "tensorflow")
RNG = np.random.default_rng(0)
X = RNG.uniform(0, 255, size=(3, 7, 8, 3)).astype("float32")


def _np(x):
    return np.asarray(ops.convert_to_numpy(x))


@pytest.fixture(params=FRAMEWORKS)
def backend(request):
    pytest.importorskip(request.param)
    with kerafront.backend_scope(request.param):
        yield request.param


# ------------------------------------------------------------------------------------------------
# ops.image.scale_and_translate

def test_scale_and_translate_doubles_by_hand():
    """Keras's docstring example: a 3x3 ramp doubled with translation -(scale/2 - 0.5) is linear."""
    images = np.arange(9, dtype="float32").reshape(3, 3)
    scale = np.array([2.0, 2.0], "float32")
    out = _np(ops.image.scale_and_translate(images, (5, 5), scale, -(scale / 2 - 0.5), (0, 1), "linear"))
    want = np.add.outer(np.arange(5) * 1.5, np.arange(5) * 0.5)
    np.testing.assert_allclose(out, want, atol=1e-6)
    assert out.dtype == np.float32


def test_scale_and_translate_outside_the_input_is_zero_and_identity_is_exact():
    images = RNG.standard_normal((4, 5)).astype("float32")
    same = _np(ops.image.scale_and_translate(images, (4, 5), [1.0, 1.0], [0.0, 0.0], (0, 1), "cubic"))
    np.testing.assert_allclose(same, images, atol=1e-6)
    shifted = _np(ops.image.scale_and_translate(images, (4, 5), [1.0, 1.0], [0.0, 2.0], (0, 1), "linear"))
    np.testing.assert_allclose(shifted[:, 2:], images[:, :3], atol=1e-6)  # x lands at x + 2
    np.testing.assert_array_equal(shifted[:, :1], 0.0)  # sample at -2 < -0.5: outside


@pytest.mark.parametrize("method", ["linear", "bilinear", "cubic", "tricubic", "lanczos3", "lanczos5"])
@pytest.mark.parametrize("antialias", [True, False])
def test_scale_and_translate_matches_jax(method, antialias):
    jax = pytest.importorskip("jax")
    images = RNG.standard_normal((2, 7, 6, 3)).astype("float32")
    jax_method = {"bilinear": "linear", "tricubic": "cubic"}.get(method, method)
    for shape, scale, translation in (((2, 4, 9, 3), [0.6, 1.4], [0.3, -0.7]), ((2, 11, 3, 3), [1.7, 0.45],
                                                                               [-1.2, 0.5])):
        scale, translation = np.array(scale, "float32"), np.array(translation, "float32")
        got = _np(ops.image.scale_and_translate(images, shape, scale, translation, (1, 2), method, antialias))
        want = np.asarray(jax.image.scale_and_translate(images, shape, (1, 2), scale, translation, jax_method,
                                                        antialias=antialias))
        np.testing.assert_allclose(got, want, atol=1e-5)


def test_scale_and_translate_integers_round_and_clip_like_keras_numpy():
    """Integers: resampled in float32, rounded, clipped to the input's own min and max (Keras's NumPy backend;
    its JAX backend returns float32 instead)."""
    images = RNG.integers(10, 200, (5, 6)).astype("uint8")
    args = ((8, 4), [1.5, 0.7], [0.2, 0.1], (0, 1), "cubic")
    floats = _np(ops.image.scale_and_translate(images.astype("float32"), *args))
    got = _np(ops.image.scale_and_translate(images, *args))
    assert got.dtype == np.uint8
    np.testing.assert_array_equal(got, np.clip(np.round(floats), images.min(), images.max()).astype("uint8"))


def _cubic_loss(x, scale, translation, cotangent):
    out = ops.image.scale_and_translate(x, (7, 4), scale, translation, (0, 1), "cubic")
    return ops.sum(ops.multiply(out, ops.convert_to_tensor(cotangent.astype(ops.dtype(out)))))


def test_scale_and_translate_gradients(backend):
    """Float32 gradients on each backend. In the images: the transposed map (<f(x), c> == <x, grad>, f is
    linear in x); in scale and translation: central differences of the float64 NumPy forward."""
    images = RNG.standard_normal((5, 6))
    cotangent = RNG.standard_normal((7, 4))
    scale, translation = np.array([1.3, 0.6]), np.array([0.4, -0.3])
    grads = ops.grad(_cubic_loss, argnums=(0, 1, 2))(*(ops.convert_to_tensor(a.astype("float32")) for a in
                                                       (images, scale, translation)), cotangent)
    image_grad, scale_grad, translation_grad = (_np(g).astype("float64") for g in grads)
    with kerafront.backend_scope("numpy"):
        value = float(_np(_cubic_loss(images, scale, translation, cotangent)))
        np.testing.assert_allclose(np.sum(image_grad * images), value, rtol=1e-4)
        for point, grad, which in ((scale, scale_grad, 0), (translation, translation_grad, 1)):
            for i in range(2):
                moved = [[scale, translation], [scale, translation]]
                moved[0][which], moved[1][which] = point + 1e-6 * np.eye(2)[i], point - 1e-6 * np.eye(2)[i]
                up, down = (float(_np(_cubic_loss(images, *args, cotangent))) for args in moved)
                np.testing.assert_allclose(grad[i], (up - down) / 2e-6, rtol=2e-3, atol=1e-3)


def test_scale_and_translate_compiles_with_traced_scale(backend):
    images = RNG.standard_normal((2, 5, 6, 1)).astype("float32")

    def run(x, scale):
        return ops.image.scale_and_translate(x, (2, 3, 9, 1), scale, ops.zeros((2,)), (1, 2), "linear")

    scale = np.array([0.6, 1.5], "float32")
    compiled = ops.compile(run)(ops.convert_to_tensor(images), ops.convert_to_tensor(scale))
    np.testing.assert_allclose(_np(compiled), _np(run(images, scale)), atol=1e-6)


def test_scale_and_translate_symbolic_shape():
    x = kerafront.Input((5, 6, 3))
    out = ops.image.scale_and_translate(x, (None, 9, 2, 3), [1.8, 0.4], [0.0, 0.0], (1, 2), "linear")
    assert tuple(out.shape) == (None, 9, 2, 3)


@pytest.mark.parametrize("kwargs, match", [
    (dict(method="nearest"), "scale_and_translate: method must be one of"),
    (dict(output_shape=(3, 3)), r"scale_and_translate: output_shape must have one entry per dim of images \(rank 3\)"),
    (dict(spatial_dims=(0, 3)), "scale_and_translate: spatial_dims must be distinct axes"),
    (dict(spatial_dims=(1, 1)), "scale_and_translate: spatial_dims must be distinct axes"),
    (dict(scale=[1.0, 1.0, 1.0]), r"scale_and_translate: scale must have one entry per spatial dim \(shape \(2,\)\)"),
    (dict(translation=[0.0]), r"scale_and_translate: translation must have one entry per spatial dim"),
])
def test_scale_and_translate_errors(kwargs, match):
    arguments = dict(output_shape=(3, 4, 2), scale=[1.0, 1.0], translation=[0.0, 0.0], spatial_dims=(0, 1),
                     method="linear")
    arguments.update(kwargs)
    with pytest.raises(ValueError, match=match):
        ops.image.scale_and_translate(np.zeros((3, 4, 2), "float32"), **arguments)


def test_scale_and_translate_config_names_match_keras():
    keras = pytest.importorskip("keras")
    import inspect
    ours = inspect.signature(ops.image.scale_and_translate).parameters
    theirs = inspect.signature(keras.ops.image.scale_and_translate).parameters
    assert [(p.name, p.default) for p in ours.values()] == [(p.name, p.default) for p in theirs.values()]


# ------------------------------------------------------------------------------------------------
# RandomElasticTransform

def test_elastic_matches_keras_primitives_given_the_same_draws():
    """The layer's draws, replayed from a generator with the same seed, composed by hand with Keras's own
    ``gaussian_blur`` and ``map_coordinates`` (Keras's formulas: alpha = 0.1 s max(h, w), sigma = 0.05 s
    min(h, w), kernel int(6 sigma) | 1)."""
    keras = pytest.importorskip("keras")
    from kerafront import random as kf_random
    images = RNG.uniform(0, 255, size=(4, 20, 22, 2)).astype("float32")
    layer = L.RandomElasticTransform(factor=(0.5, 0.5), scale=(0.8, 0.8), value_range=(0, 240), seed=5)
    got = _np(layer(images, training=True))
    generator = kf_random.SeedGenerator(5)
    probability = _np(kf_random.uniform((4, 1, 1, 1), 0.5, 0.5, seed=generator))
    apply = _np(kf_random.uniform((4, 1, 1, 1), 0.0, 1.0, seed=generator)) < probability
    s = float(_np(kf_random.uniform((), 0.8, 0.8, seed=generator)))
    alpha, sigma = 0.1 * s * 22, 0.05 * s * 20
    kernel = int(6 * sigma) | 1
    fields = []
    for _ in range(2):
        noise = _np(kf_random.normal((4, 20, 22, 1), seed=generator)) * sigma
        blurred = keras.ops.convert_to_numpy(keras.ops.image.gaussian_blur(
            noise, kernel_size=(kernel, kernel), sigma=(sigma, sigma), data_format="channels_last"))
        fields.append(np.broadcast_to(blurred, images.shape) * alpha)
    b, y, x, c = np.meshgrid(*(np.arange(n, dtype="float32") for n in images.shape), indexing="ij")
    warped = keras.ops.convert_to_numpy(keras.ops.image.map_coordinates(
        images, np.stack([b, y + fields[1], x + fields[0], c]), order=1, fill_mode="reflect"))
    want = np.clip(np.where(apply, warped, images), 0, 240)
    assert apply.any() and not apply.all() and np.abs(warped - images).max() > 1.0
    np.testing.assert_allclose(got, want, rtol=1e-5, atol=2e-3)


def test_elastic_identity_cases():
    layer = L.RandomElasticTransform(seed=1)
    np.testing.assert_array_equal(_np(layer(X)), X)  # inference
    np.testing.assert_array_equal(_np(L.RandomElasticTransform(scale=0.0, seed=1)(X - 10, training=True)), X - 10)
    np.testing.assert_array_equal(_np(L.RandomElasticTransform(factor=0.0, seed=1)(X - 10, training=True)), X - 10)
    flat = np.full((6, 7, 3), 9.0, "float32")  # any warp of a constant image (reflect) is the same image
    np.testing.assert_allclose(_np(L.RandomElasticTransform(seed=2)(flat, training=True)), flat, atol=1e-4)
    clipped = _np(L.RandomElasticTransform(factor=(1.0, 1.0), value_range=(0, 1), seed=3)(flat, training=True))
    np.testing.assert_allclose(clipped, np.ones_like(flat), atol=1e-6)


def test_elastic_channels_first_is_channels_last_transposed():
    last = _np(L.RandomElasticTransform(seed=4)(X, training=True))
    first = _np(L.RandomElasticTransform(seed=4, data_format="channels_first")(np.moveaxis(X, -1, 1), training=True))
    np.testing.assert_allclose(np.moveaxis(first, 1, -1), last, rtol=1e-5, atol=1e-3)
    assert np.abs(last - X).max() > 1.0


def test_elastic_compiled_fit_steps_draw_fresh_warps(backend):
    """The same batch every step and no learning: the step losses differ only if each step draws anew."""
    model = kerafront.Sequential([kerafront.Input((6, 6, 3)), L.RandomElasticTransform(seed=3), L.Flatten(),
                                  L.Dense(1, use_bias=False, kernel_initializer="ones")])
    model.compile(optimizer=kerafront.optimizers.SGD(0.0), loss="mse")
    x = np.random.default_rng(1).uniform(0, 255, (8, 6, 6, 3)).astype("float32")
    records = []

    class Record(kerafront.callbacks.Callback):
        def on_train_batch_end(self, batch, logs=None):
            records.append(float(logs["loss"]))

    model.fit(np.concatenate([x] * 3), np.zeros((24, 1), "float32"), batch_size=8, epochs=1, shuffle=False,
              verbose=0, callbacks=[Record()])
    assert len(records) == 3 and len(set(records)) == 3, records
    inference = _np(model.layers[0](x))
    np.testing.assert_array_equal(inference, x)


def test_elastic_config_matches_keras_and_round_trips():
    keras = pytest.importorskip("keras")
    args = dict(factor=0.6, scale=(0.2, 0.5), interpolation="nearest", fill_mode="mirror", fill_value=1.5,
                value_range=(0, 1), seed=9)
    ours = L.RandomElasticTransform(**args).get_config()
    theirs = keras.layers.RandomElasticTransform(**args).get_config()
    assert set(ours) - {"dtype"} == set(theirs) - {"dtype"}
    for key in set(theirs) - {"name", "dtype"}:
        value = theirs[key]
        assert ours[key] == (list(value) if isinstance(value, tuple) else value), key
    layer = L.RandomElasticTransform(**args)
    clone = L.RandomElasticTransform.from_config(layer.get_config())
    images = X / 255.0
    np.testing.assert_array_equal(_np(clone(images, training=True)), _np(layer(images, training=True)))
    assert isinstance(kerafront.layers.deserialize(kerafront.layers.serialize(layer)), L.RandomElasticTransform)


@pytest.mark.parametrize("kwargs, match", [
    (dict(factor=1.5), r"RandomElasticTransform: factor must lie in \[0.0, 1.0\]"),
    (dict(scale=(0.1, 0.2, 0.3)), "RandomElasticTransform: scale must be a number or a pair"),
    (dict(interpolation="bicubic"), "RandomElasticTransform: interpolation must be one of"),
    (dict(fill_mode="edge"), "RandomElasticTransform: fill_mode must be one of"),
    (dict(fill_value="zero"), "RandomElasticTransform: fill_value must be a number"),
    (dict(value_range=(1, 0)), "RandomElasticTransform: value_range must be .* low < high"),
])
def test_elastic_bad_arguments(kwargs, match):
    with pytest.raises(ValueError, match=match):
        L.RandomElasticTransform(**kwargs)


def test_elastic_bad_rank_names_the_layer():
    with pytest.raises(ValueError, match="RandomElasticTransform: expected images of rank 3"):
        L.RandomElasticTransform()(np.zeros((2, 3), "float32"), training=True)


# ------------------------------------------------------------------------------------------------
# RandAugment

def _inner_layers(factor, seed, value_range=(0, 255)):
    """Keras's eleven inner layers written out by hand for ``factor = (lower, upper)``, seeded ``seed + k``."""
    colour = dict(value_range=value_range)
    return [L.RandomShear(x_factor=factor, y_factor=factor, seed=seed),
            L.RandomTranslation(factor, factor, seed=seed + 1),
            L.RandomRotation(factor, seed=seed + 2), L.RandomBrightness(factor, seed=seed + 3, **colour),
            L.RandomColorDegeneration(factor, seed=seed + 4, **colour),
            L.RandomContrast(factor, seed=seed + 5, **colour),
            L.RandomSharpness(factor, seed=seed + 6, **colour),
            L.RandomPosterization(max(1, int(8 * factor[1])), seed=seed + 7, **colour),
            L.Solarization(factor, factor, seed=seed + 8, **colour), L.AutoContrast(**colour), L.Equalization(**colour)]


@pytest.mark.parametrize("factor", [0.5, (0.2, 0.9), 0.05])
def test_rand_augment_inner_layers_are_keras_s(factor):
    keras = pytest.importorskip("keras")
    ours = L.RandAugment(factor=factor, value_range=(0, 1), interpolation="nearest", seed=2)
    theirs = keras.layers.RandAugment(factor=factor, value_range=(0, 1), interpolation="nearest", seed=2)
    for layer in ours.augmentations:
        want = getattr(theirs, layer.name).get_config()
        got = layer.get_config()
        assert set(got) - {"dtype"} == set(want) - {"dtype"}, layer.name
        for key in set(want) - {"name", "dtype", "seed"}:
            assert got[key] == (list(want[key]) if isinstance(want[key], tuple) else want[key]), (layer.name, key)
        assert type(layer).__name__ == type(getattr(theirs, layer.name)).__name__


@pytest.mark.parametrize("num_ops", [1, 2])
def test_rand_augment_applies_the_drawn_layers_in_turn(num_ops):
    """Replayed by hand: the choices from a generator with the layer's seed, the inner layers written out."""
    from kerafront import random as kf_random
    images = X[:2, :6, :6]
    seen = set()
    for seed in range(8):
        got = _np(L.RandAugment(num_ops=num_ops, factor=(0.1, 0.6), seed=seed)(images, training=True))
        choices = _np(kf_random.randint((num_ops,), 0, 11, seed=kf_random.SeedGenerator(seed)))
        inner = _inner_layers((0.1, 0.6), seed)
        want = images
        for choice in choices:
            want = [_np(layer(want, training=True)) for layer in inner][choice]
        seen.update(choices.tolist())
        np.testing.assert_allclose(got, want, rtol=1e-6, atol=1e-4)
    assert len(seen) >= 4, seen


def test_rand_augment_identity_cases():
    np.testing.assert_array_equal(_np(L.RandAugment(seed=1)(X)), X)
    np.testing.assert_array_equal(_np(L.RandAugment(num_ops=0, seed=1)(X, training=True)), X)
    assert _np(L.RandAugment(seed=1)(X.astype("uint8"))).dtype == np.float32


def test_rand_augment_compiled_fit_steps_draw_fresh(backend):
    model = kerafront.Sequential([kerafront.Input((6, 6, 3)), L.RandAugment(num_ops=2, seed=3), L.Flatten(),
                                  L.Dense(1, use_bias=False, kernel_initializer="ones")])
    model.compile(optimizer=kerafront.optimizers.SGD(0.0), loss="mse")
    x = np.random.default_rng(1).uniform(0, 255, (8, 6, 6, 3)).astype("float32")
    records = []

    class Record(kerafront.callbacks.Callback):
        def on_train_batch_end(self, batch, logs=None):
            records.append(float(logs["loss"]))

    model.fit(np.concatenate([x] * 3), np.zeros((24, 1), "float32"), batch_size=8, epochs=1, shuffle=False,
              verbose=0, callbacks=[Record()])
    assert len(records) == 3 and len(set(records)) >= 2, records
    np.testing.assert_array_equal(_np(model.layers[0](x)), x)


def test_rand_augment_config_matches_keras_and_round_trips():
    keras = pytest.importorskip("keras")
    args = dict(value_range=(0, 1), num_ops=3, factor=(0.1, 0.4), interpolation="nearest", seed=4)
    ours, theirs = L.RandAugment(**args).get_config(), keras.layers.RandAugment(**args).get_config()
    assert set(ours) - {"dtype"} == set(theirs) - {"dtype"}
    for key in set(theirs) - {"name", "dtype"}:
        assert ours[key] == (list(theirs[key]) if isinstance(theirs[key], tuple) else theirs[key]), key
    layer = L.RandAugment(**args)
    clone = kerafront.layers.deserialize(kerafront.layers.serialize(layer))
    images = X[:2] / 255.0
    np.testing.assert_array_equal(_np(clone(images, training=True)), _np(layer(images, training=True)))


@pytest.mark.parametrize("kwargs, match", [
    (dict(num_ops=-1), "RandAugment: num_ops must be a non-negative integer"),
    (dict(num_ops=1.5), "RandAugment: num_ops must be a non-negative integer"),
    (dict(factor=1.2), r"RandAugment: factor must lie in \[0.0, 1.0\]"),
    (dict(interpolation="bicubic"), "RandAugment: interpolation must be one of"),
    (dict(value_range=(255, 0)), "RandAugment: value_range must be .* low < high"),
])
def test_rand_augment_bad_arguments(kwargs, match):
    with pytest.raises(ValueError, match=match):
        L.RandAugment(**kwargs)


def test_bincount_compiles_when_minlength_covers_the_values(backend):
    """What ``Equalization`` (inside ``RandAugment``) needs in a compiled step: a static length."""
    values = np.array([0, 3, 3, 1, 5, 3], "int32")
    compiled = ops.compile(lambda x: ops.bincount(x, minlength=8))(ops.convert_to_tensor(values))
    np.testing.assert_array_equal(_np(compiled), np.bincount(values, minlength=8))
    try:  # eager compiles (NumPy, torch) read the length from x; tracing ones say what they need
        np.testing.assert_array_equal(_np(ops.compile(ops.bincount)(ops.convert_to_tensor(values))),
                                      np.bincount(values))
    except ValueError as error:
        assert "bincount: inside a compiled function" in str(error) and "pass minlength" in str(error)


# ------------------------------------------------------------------------------------------------
# AugMix

AUGMIX_ORDER = (0, 1, 2, 7, 8, 9, 10, 3, 4, 5, 6)  # AugMix's order of the eleven layers, as RandAugment indices


def _augmix_inner_layers(factor, seed, all_ops=True, value_range=(0, 255)):
    """AugMix's inner layers by hand: RandAugment's eleven in AugMix's order, seeded ``seed + position``."""
    built = _inner_layers(factor, 0, value_range)
    order = AUGMIX_ORDER if all_ops else AUGMIX_ORDER[:7]
    layers = []
    for position, index in enumerate(order):
        config = built[index].get_config()
        if "seed" in config and index < 9:
            config["seed"] = seed + position
        layers.append(type(built[index]).from_config(config))
    return layers


@pytest.mark.parametrize("all_ops", [True, False])
def test_aug_mix_inner_layers_are_keras_s(all_ops):
    keras = pytest.importorskip("keras")
    ours = L.AugMix(factor=(0.1, 0.7), value_range=(0, 1), all_ops=all_ops, seed=2)
    theirs = keras.layers.AugMix(factor=(0.1, 0.7), value_range=(0, 1), all_ops=all_ops, seed=2)
    assert [layer.name for layer in ours.augmentations] == list(theirs._augment_layers)
    for layer in ours.augmentations:
        want, got = getattr(theirs, layer.name).get_config(), layer.get_config()
        for key in set(want) - {"name", "dtype", "seed"}:
            assert got[key] == (list(want[key]) if isinstance(want[key], tuple) else want[key]), (layer.name, key)


@pytest.mark.parametrize("all_ops", [True, False])
def test_aug_mix_mixes_the_drawn_chains_by_hand(all_ops):
    """Replayed by hand: Dirichlet chain weights (normalised gamma draws), the beta mixing weight, the step
    choices (the last index means "no layer"), each step running every inner layer; then the convex mix."""
    from kerafront import random as kf_random
    images = X[:2, :6, :6]
    for seed in range(3):
        got = _np(L.AugMix(num_chains=2, chain_depth=2, factor=(0.1, 0.5), alpha=0.7, all_ops=all_ops,
                           seed=seed)(images, training=True))
        generator = kf_random.SeedGenerator(seed)
        gammas = _np(kf_random.gamma((2,), 0.7, seed=generator))
        keep = float(_np(kf_random.beta((), 0.7, 0.7, seed=generator)))
        inner = _augmix_inner_layers((0.1, 0.5), seed, all_ops)
        choices = _np(kf_random.randint((2, 2), 0, len(inner) + 1, seed=generator))
        mixed = np.zeros_like(images)
        for chain, weight in enumerate(gammas / gammas.sum()):
            chained = images
            for choice in choices[chain]:
                outputs = [_np(layer(chained, training=True)) for layer in inner] + [chained]
                chained = outputs[choice]
            mixed = mixed + chained * weight
        want = np.clip(keep * images + (1 - keep) * mixed, 0, 255)
        assert 0 < keep < 1
        np.testing.assert_allclose(got, want, rtol=1e-5, atol=1e-3)


def test_aug_mix_identity_at_inference():
    np.testing.assert_array_equal(_np(L.AugMix(seed=1)(X)), X)
    assert _np(L.AugMix(seed=1)(X.astype("uint8"))).dtype == np.float32


def test_aug_mix_compiled_fit_steps_draw_fresh(backend):
    model = kerafront.Sequential([kerafront.Input((5, 5, 3)), L.AugMix(num_chains=2, chain_depth=1, seed=3),
                                  L.Flatten(), L.Dense(1, use_bias=False, kernel_initializer="ones")])
    model.compile(optimizer=kerafront.optimizers.SGD(0.0), loss="mse")
    x = np.random.default_rng(1).uniform(0, 255, (8, 5, 5, 3)).astype("float32")
    records = []

    class Record(kerafront.callbacks.Callback):
        def on_train_batch_end(self, batch, logs=None):
            records.append(float(logs["loss"]))

    model.fit(np.concatenate([x] * 3), np.zeros((24, 1), "float32"), batch_size=8, epochs=1, shuffle=False,
              verbose=0, callbacks=[Record()])
    assert len(records) == 3 and len(set(records)) == 3, records  # the beta weight alone is continuous


def test_aug_mix_config_matches_keras_and_round_trips():
    keras = pytest.importorskip("keras")
    args = dict(value_range=(0, 1), num_chains=2, chain_depth=4, factor=(0.1, 0.4), alpha=0.5, all_ops=False,
                interpolation="nearest", seed=4)
    ours, theirs = L.AugMix(**args).get_config(), keras.layers.AugMix(**args).get_config()
    assert set(ours) - {"dtype"} == set(theirs) - {"dtype"}
    for key in set(theirs) - {"name", "dtype"}:
        assert ours[key] == (list(theirs[key]) if isinstance(theirs[key], tuple) else theirs[key]), key
    layer = L.AugMix(**args)
    clone = kerafront.layers.deserialize(kerafront.layers.serialize(layer))
    images = X[:2] / 255.0
    np.testing.assert_array_equal(_np(clone(images, training=True)), _np(layer(images, training=True)))


@pytest.mark.parametrize("kwargs, match", [
    (dict(num_chains=0), "AugMix: num_chains must be a positive integer"),
    (dict(chain_depth=2.5), "AugMix: chain_depth must be a positive integer"),
    (dict(alpha=0.0), "AugMix: alpha must be a positive number"),
    (dict(factor=-0.1), r"AugMix: factor must lie in \[0.0, 1.0\]"),
    (dict(interpolation="area"), "AugMix: interpolation must be one of"),
])
def test_aug_mix_bad_arguments(kwargs, match):
    with pytest.raises(ValueError, match=match):
        L.AugMix(**kwargs)


def test_take_of_one_element_keeps_its_gradient(backend):
    """A 0-d index (how ``scale_and_translate`` reads ``scale[i]``): NumPy's reference once returned a NumPy
    scalar there, which its tape did not record, so the gradient was silently zero."""
    grad = ops.grad(lambda v: ops.multiply(ops.take(v, 1), 3.0))(ops.convert_to_tensor(np.array([1.0, 2.0], "float32")))
    np.testing.assert_array_equal(_np(grad), [0.0, 3.0])
