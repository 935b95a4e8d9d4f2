"""examples/gan.py, examples/vae.py and the README's custom ``train_step`` on every backend, checked
against hand computations.

The GAN's ``train_step`` is written once with ``ops.value_and_grad`` and ``optimizer.apply``; the VAE
trains with the built-in step, its KL term coming from ``add_loss``. Random primitives need not
agree across backends (``kerafront.spec``), so the checks that compare numbers replace the random
draws with fixed ones: latent vectors computed from the SeedGenerator's counter (so they still change
at every step, compiled or not), and a fixed ``eps`` for the VAE.
"""

import importlib.util
from pathlib import Path

import numpy as np
import pytest

import kerafront
from kerafront import layers, ops, registry

BACKENDS = ["numpy", "torch", "jax", "tensorflow"]
ROOT = Path(__file__).resolve().parents[1]
EXAMPLES = ROOT / "examples"


def _load(name):
    spec = importlib.util.spec_from_file_location(f"kerafront_example_{name}", EXAMPLES / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


gan_example, vae_example = _load("gan"), _load("vae")


@pytest.fixture(params=BACKENDS)
def backend(request):
    if not registry.is_available(request.param):
        pytest.skip(f"{request.param} is not installed")
    with kerafront.backend_scope(request.param):
        yield request.param


def _numpy(x):
    return np.asarray(ops.convert_to_numpy(x), dtype=np.float64)


def _sigmoid(x):
    return 1 / (1 + np.exp(-x))


def _bce_from_logits(labels, logits):
    return np.mean(np.logaddexp(0, logits) - logits * labels)


# ----------------------------------------------------------------------------------------------
# GAN

BATCH, LATENT_DIM, LR = 64, 4, 0.1   # the example's batch size and latent size
LATENT_BASE = np.random.default_rng(0).normal(size=(BATCH, LATENT_DIM)).astype("float32")
REAL = np.random.default_rng(1).normal(2.0, 0.5, (BATCH, 1)).astype("float32")


def _fixed_latent(step_call):
    """The latent vectors of the ``step_call``-th draw (0, 1, ...): the same on every backend."""
    return np.sin(LATENT_BASE.astype(np.float64) * (step_call + 1))


class FixedNoiseGAN(gan_example.GAN):
    """The example's GAN drawing ``sin(LATENT_BASE * (n + 1))`` at its n-th draw, n read from the seed state."""

    def sample_latent(self, batch_size):
        counter = ops.cast(self.seed_generator.state.value[1], "float32")   # a copy, read before advancing
        self.seed_generator.next()
        return ops.sin(ops.multiply(LATENT_BASE, ops.add(counter, 1.0)))


D_WEIGHTS = [np.array([[0.7]]), np.array([-0.3])]               # discriminator: w * x + b
G_WEIGHTS = [np.array([[0.5], [-0.4], [0.2], [0.3]]), np.array([0.1])]   # generator: z @ a + c


def _linear_gan():
    """The example's GAN (fixed latent draws) of a linear discriminator and generator, SGD for both."""
    discriminator = kerafront.Sequential([kerafront.Input((1,)), layers.Dense(1)], name="discriminator")
    generator = kerafront.Sequential([kerafront.Input((LATENT_DIM,)), layers.Dense(1)], name="generator")
    discriminator.set_weights([w.astype("float32") for w in D_WEIGHTS])
    generator.set_weights([w.astype("float32") for w in G_WEIGHTS])
    gan = FixedNoiseGAN(discriminator, generator, LATENT_DIM, seed=0)
    gan.compile(d_optimizer=kerafront.optimizers.SGD(LR), g_optimizer=kerafront.optimizers.SGD(LR),
                loss_fn=kerafront.losses.BinaryCrossentropy(from_logits=True))
    return gan


def _discriminator_step(d_weights, g_weights, latent):
    """Closed form of one SGD step of the discriminator on REAL (label 0) and generated samples (label 1);
    returns ``(loss, new discriminator weights)``."""
    (w, b), (a, c) = d_weights, g_weights
    samples = np.concatenate([latent @ a + c, REAL.astype(np.float64)])
    labels = np.concatenate([np.ones((BATCH, 1)), np.zeros((BATCH, 1))])
    logits = samples @ w + b
    dlogits = (_sigmoid(logits) - labels) / len(samples)
    return _bce_from_logits(labels, logits), [w - LR * samples.T @ dlogits, b - LR * dlogits.sum(0)]


def _generator_step(d_weights, g_weights, latent):
    """Closed form of one SGD step of the generator towards the label "real" (0) through the
    discriminator; returns ``(loss, new generator weights)``."""
    (w, b), (a, c) = d_weights, g_weights
    logits = (latent @ a + c) @ w + b
    dfake = _sigmoid(logits) / BATCH @ w.T
    return _bce_from_logits(0.0, logits), [a - LR * latent.T @ dfake, c - LR * dfake.sum(0)]


def _linear_gan_reference(steps):
    """``(d_losses, g_losses, discriminator weights + generator weights)`` after ``steps`` fit steps."""
    d_weights, g_weights, d_losses, g_losses = D_WEIGHTS, G_WEIGHTS, [], []
    for step in range(steps):
        d_loss, d_weights = _discriminator_step(d_weights, g_weights, _fixed_latent(2 * step))
        g_loss, g_weights = _generator_step(d_weights, g_weights, _fixed_latent(2 * step + 1))
        d_losses.append(d_loss)
        g_losses.append(g_loss)
    return d_losses, g_losses, d_weights + g_weights


def _assert_weights(got, expected, rtol=1e-5, atol=1e-7):
    assert len(got) == len(expected)
    for value, want in zip(got, expected):
        np.testing.assert_allclose(value, want, rtol=rtol, atol=atol)


def test_gan_phases_update_only_their_own_model_by_the_closed_form(backend):
    gan = _linear_gan()
    latent = _fixed_latent(0)
    d_loss = gan.train_discriminator(REAL, latent.astype("float32"))
    expected_loss, d_weights = _discriminator_step(D_WEIGHTS, G_WEIGHTS, latent)
    np.testing.assert_allclose(_numpy(d_loss), expected_loss, rtol=1e-5)
    _assert_weights(gan.discriminator.get_weights(), d_weights)
    _assert_weights(gan.generator.get_weights(), G_WEIGHTS, rtol=0, atol=1e-7)   # untouched

    g_loss = gan.train_generator(latent.astype("float32"))
    expected_loss, g_weights = _generator_step(d_weights, G_WEIGHTS, latent)
    np.testing.assert_allclose(_numpy(g_loss), expected_loss, rtol=1e-5)
    _assert_weights(gan.generator.get_weights(), g_weights)
    _assert_weights(gan.discriminator.get_weights(), d_weights)   # untouched by the generator's step


def test_gan_fit_steps_match_the_closed_form(backend):
    # Three steps: the first runs eagerly, the next two compiled on JAX and TensorFlow.
    gan = _linear_gan()
    history = gan.fit(REAL, batch_size=BATCH, epochs=3, shuffle=False, verbose=0)
    d_losses, g_losses, weights = _linear_gan_reference(3)
    np.testing.assert_allclose(history.history["d_loss"], d_losses, rtol=1e-5)
    np.testing.assert_allclose(history.history["g_loss"], g_losses, rtol=1e-5)
    _assert_weights(gan.discriminator.get_weights() + gan.generator.get_weights(), weights)
    # One train_on_batch is one more step of the same reference.
    logs = gan.train_on_batch(REAL, return_dict=True)
    d_losses, g_losses, _ = _linear_gan_reference(4)
    np.testing.assert_allclose([logs["d_loss"], logs["g_loss"]], [d_losses[-1], g_losses[-1]], rtol=1e-5)


def _example_gan_run(steps):
    """The example's MLP GAN (Adam), fixed latent draws, ``steps`` steps of one batch each."""
    example = gan_example.make_gan(latent_dim=LATENT_DIM, seed=3)
    gan = FixedNoiseGAN(example.discriminator, example.generator, LATENT_DIM, seed=3)
    initial = gan.get_weights()
    gan.compile(d_optimizer=kerafront.optimizers.Adam(5e-2, beta_1=0.5),
                g_optimizer=kerafront.optimizers.Adam(1e-2, beta_1=0.5),
                loss_fn=kerafront.losses.BinaryCrossentropy(from_logits=True))
    history = gan.fit(REAL, batch_size=BATCH, epochs=steps, shuffle=False, verbose=0)
    return initial, history.history, gan.get_weights()


@pytest.fixture(scope="module")
def numpy_gan_run():
    with kerafront.backend_scope("numpy"):
        return _example_gan_run(3)


def test_example_gan_logs_equal_numpy_backend(backend, numpy_gan_run):
    initial, history, weights = _example_gan_run(3)
    reference_initial, reference_history, reference_weights = numpy_gan_run
    for value, expected in zip(initial, reference_initial):
        np.testing.assert_array_equal(value, expected)   # same seed, same initial weights
    for name in ("d_loss", "g_loss"):
        np.testing.assert_allclose(history[name], reference_history[name], rtol=1e-4)
    _assert_weights(weights, reference_weights, rtol=1e-3, atol=1e-5)


def test_gan_main_learns_the_gaussian(backend, capsys):
    result = gan_example.main(epochs=6, verbose=0)
    assert "(close)" in capsys.readouterr().out
    assert result["ok"]
    assert abs(result["mean"] - gan_example.DATA_MEAN) < 0.5
    assert len(result["history"]["d_loss"]) == 6 and np.all(np.isfinite(result["history"]["g_loss"]))
    # Two latent draws per step, 16 steps per epoch: the seed state advanced in every (compiled) step.
    assert int(_numpy(result["gan"].seed_generator.state.value)[1]) == 2 * 16 * 6


# ----------------------------------------------------------------------------------------------
# VAE

VAE_BATCH = 6
EPS = np.random.default_rng(2).normal(size=(VAE_BATCH, 2)).astype("float32")


class FixedSampling(vae_example.Sampling):
    """``Sampling`` with ``eps = EPS`` at every call."""

    def noise(self, shape):
        return ops.convert_to_tensor(EPS)


def _kl(z_mean, z_log_var):
    return -0.5 * np.mean(np.sum(1 + z_log_var - z_mean ** 2 - np.exp(z_log_var), axis=-1))


def _bce_sum(images, probabilities):
    p = np.clip(probabilities, 1e-7, 1 - 1e-7)
    return np.mean(np.sum(-(images * np.log(p) + (1 - images) * np.log(1 - p)), axis=-1))


def test_sampling_adds_the_closed_form_kl(backend):
    rng = np.random.default_rng(5)
    z_mean, z_log_var = rng.normal(size=(4, 3)).astype("float32"), rng.normal(size=(4, 3)).astype("float32")
    layer = vae_example.Sampling(seed=1)
    z = _numpy(layer([ops.convert_to_tensor(z_mean), ops.convert_to_tensor(z_log_var)]))
    assert len(layer.losses) == 1
    np.testing.assert_allclose(_numpy(layer.losses[0]), _kl(z_mean.astype(np.float64), z_log_var), rtol=1e-5)
    # z = z_mean + exp(0.5 * z_log_var) * eps with eps the draw from the layer's seed state
    eps = (z - z_mean) / np.exp(0.5 * z_log_var)
    same_draw = kerafront.random.normal((4, 3), seed=kerafront.random.SeedGenerator(1))
    np.testing.assert_allclose(eps, _numpy(same_draw), rtol=1e-4, atol=1e-5)


def _vae_run(epochs):
    images = vae_example.squares_dataset()[::6]   # 6 images, one batch
    vae = vae_example.make_vae(seed=4, sampling=FixedSampling(name="sampling"))
    z_mean, z_log_var, z = (_numpy(t) for t in vae.encoder(images))
    reconstruction = _numpy(vae.decoder(z))
    vae.compile(optimizer=kerafront.optimizers.Adam(3e-2), loss=vae_example.reconstruction_loss)
    history = vae.fit(images, images, batch_size=VAE_BATCH, epochs=epochs, shuffle=False, verbose=0)
    return images, (z_mean, z_log_var, z, reconstruction), history.history["loss"], vae.get_weights()


@pytest.fixture(scope="module")
def numpy_vae_run():
    with kerafront.backend_scope("numpy"):
        return _vae_run(3)


def test_vae_fit_loss_is_reconstruction_plus_kl(backend, numpy_vae_run):
    images, (z_mean, z_log_var, z, reconstruction), losses, weights = _vae_run(3)
    np.testing.assert_allclose(z, z_mean + np.exp(0.5 * z_log_var) * EPS, rtol=1e-5, atol=1e-6)
    # The first step's loss is computed on the initial weights: reconstruction + KL, by hand.
    np.testing.assert_allclose(losses[0], _bce_sum(images, reconstruction) + _kl(z_mean, z_log_var), rtol=1e-5)
    assert losses[-1] < losses[0]
    # Compiled steps (JAX, TensorFlow) and eager ones (NumPy, torch) agree with the NumPy backend.
    _, _, reference_losses, reference_weights = numpy_vae_run
    np.testing.assert_allclose(losses, reference_losses, rtol=1e-4)
    _assert_weights(weights, reference_weights, rtol=1e-3, atol=1e-5)


def test_vae_main_learns_the_squares(backend, capsys):
    result = vae_example.main(epochs=30, verbose=0)
    assert "learned" in capsys.readouterr().out and result["ok"]
    assert result["reconstruction"] < 0.5 * result["baseline"]
    images = vae_example.squares_dataset()
    np.testing.assert_allclose(result["baseline"], _bce_sum(images, np.broadcast_to(images.mean(0), images.shape)),
                               rtol=1e-6)
    # The sampling layer's seed state advanced at each of the 4 steps of each epoch, compiled or not
    # (a state baked into a compiled step would stay near 0); the build pass and predict may add one each.
    sampling = result["vae"].encoder.get_layer("sampling")
    assert 4 * 30 <= int(_numpy(sampling.seed_generator.state.value)[1]) <= 4 * 30 + 2


# ----------------------------------------------------------------------------------------------
# The README's step

def _readme_step_source():
    section = (ROOT / "README.md").read_text().split("## One custom training step for every backend", 1)[1]
    return section.split("```python\n", 1)[1].split("```", 1)[0]


def test_readme_custom_train_step_is_sgd_with_metrics(backend):
    namespace = {}
    exec(_readme_step_source(), namespace)
    x = np.random.default_rng(6).normal(size=(6, 3))
    y = np.random.default_rng(7).normal(size=(6, 1))
    w, b = np.array([[0.3], [-0.2], [0.5]]), np.array([0.1])
    inputs = kerafront.Input((3,))
    model = namespace["CustomModel"](inputs, layers.Dense(1)(inputs))
    model.set_weights([w.astype("float32"), b.astype("float32")])
    model.compile(optimizer=kerafront.optimizers.SGD(0.1), loss="mse", metrics=["mae"])
    history = model.fit(x.astype("float32"), y.astype("float32"), batch_size=6, epochs=3, shuffle=False,
                        verbose=0)
    for epoch in range(3):   # full-batch SGD on the mean squared error, logged before each update
        error = x @ w + b - y
        np.testing.assert_allclose(history.history["loss"][epoch], np.mean(error ** 2), rtol=1e-5)
        np.testing.assert_allclose(history.history["mae"][epoch], np.mean(np.abs(error)), rtol=1e-5)
        w, b = w - 0.1 * x.T @ (2 * error / 6), b - 0.1 * np.sum(2 * error / 6, axis=0)
    _assert_weights(model.get_weights(), [w, b])
