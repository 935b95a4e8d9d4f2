"""A variational autoencoder trained with the built-in ``fit`` on every backend (keras.io's VAE example).

Run: ``python examples/vae.py`` (any backend: ``KERAFRONT_BACKEND=tensorflow python examples/vae.py``).

The data are the 36 images of 8x8 pixels that hold one 3x3 square, at every position; a 2-D latent
space can order them by the square's position. The encoder maps an image to ``z_mean`` and
``z_log_var``; ``Sampling`` draws ``z = z_mean + exp(0.5 * z_log_var) * eps`` and adds the KL
divergence from the prior N(0, I) with ``add_loss``; the decoder maps ``z`` back to pixel
probabilities. Keras's example overrides ``train_step`` to add the two losses; here no step is
written: ``compile(loss=reconstruction_loss)`` gives the reconstruction term and the built-in step's
``compute_loss`` adds every ``add_loss`` term (``model.losses``), so ``fit(x, x)`` trains the VAE.

``eps`` comes from a ``kerafront.random.SeedGenerator`` held by the layer: its state is a variable
of the model, so a compiled step draws new noise at every call.
"""

import numpy as np

import kerafront
from kerafront import layers, ops

IMAGE_SIZE, SQUARE = 8, 3


class Sampling(layers.Layer):
    """``[z_mean, z_log_var]`` (each ``(batch, latent_dim)``) -> ``z`` ``(batch, latent_dim)``.

    ``z = z_mean + exp(0.5 * z_log_var) * eps`` with ``eps ~ N(0, I)``, and adds the KL divergence
    from N(0, I), ``-0.5 * mean over the batch of sum over the latent axis of
    (1 + z_log_var - z_mean**2 - exp(z_log_var))``, to the model's losses with ``add_loss``.
    """

    def __init__(self, seed=None, **kwargs):
        super().__init__(**kwargs)
        self.seed_generator = kerafront.random.SeedGenerator(seed)

    def noise(self, shape):
        """``eps``: standard normal of ``shape``, new values at every call."""
        return kerafront.random.normal(shape, seed=self.seed_generator)

    def call(self, inputs):
        z_mean, z_log_var = inputs
        kl_per_sample = ops.sum(1.0 + z_log_var - ops.square(z_mean) - ops.exp(z_log_var), axis=-1)
        self.add_loss(-0.5 * ops.mean(kl_per_sample))
        return z_mean + ops.exp(0.5 * z_log_var) * self.noise(ops.shape(z_mean))

    def compute_output_shape(self, input_shape):
        return tuple(input_shape[0])


class VAE(kerafront.Model):
    """``encoder``: images ``(batch, pixels)`` -> ``[z_mean, z_log_var, z]``; ``decoder``: ``z`` -> pixel
    probabilities ``(batch, pixels)``. Calling the VAE encodes, samples and decodes."""

    def __init__(self, encoder, decoder, **kwargs):
        super().__init__(**kwargs)
        self.encoder = encoder
        self.decoder = decoder

    def call(self, images, training=None):
        _, _, z = self.encoder(images, training=training)
        return self.decoder(z, training=training)


def reconstruction_loss(images, probabilities):
    """Binary crossentropy summed over the pixels of each image: ``(batch, pixels)`` -> ``(batch,)``."""
    return ops.sum(ops.binary_crossentropy(images, probabilities), axis=-1)


def squares_dataset():
    """The 36 images ``(36, 64)`` float32 with one 3x3 square of ones at each position."""
    positions = IMAGE_SIZE - SQUARE + 1
    images = np.zeros((positions, positions, IMAGE_SIZE, IMAGE_SIZE), "float32")
    for row in range(positions):
        for col in range(positions):
            images[row, col, row:row + SQUARE, col:col + SQUARE] = 1.0
    return images.reshape(positions * positions, IMAGE_SIZE * IMAGE_SIZE)


def make_vae(latent_dim=2, hidden=64, seed=0, sampling=None):
    """A VAE of two small MLPs for 64-pixel images (weights drawn from ``seed``); ``sampling`` replaces
    the ``Sampling`` layer (tests pass one with fixed noise)."""
    kerafront.utils.set_random_seed(seed)
    pixels = IMAGE_SIZE * IMAGE_SIZE
    images = kerafront.Input((pixels,))
    hidden_units = layers.Dense(hidden, activation="relu")(images)
    z_mean = layers.Dense(latent_dim, name="z_mean")(hidden_units)
    z_log_var = layers.Dense(latent_dim, name="z_log_var")(hidden_units)
    z = (sampling or Sampling(seed=seed, name="sampling"))([z_mean, z_log_var])
    encoder = kerafront.Model(images, [z_mean, z_log_var, z], name="encoder")
    decoder = kerafront.Sequential([
        kerafront.Input((latent_dim,)),
        layers.Dense(hidden, activation="relu"),
        layers.Dense(pixels, activation="sigmoid"),
    ], name="decoder")
    return VAE(encoder, decoder, name="vae")


def main(epochs=100, seed=0, verbose=2, batch_size=9):
    """Train on the 36 square images; return a dict: ``history`` (per-epoch ``loss``), the
    ``reconstruction`` loss (per image, decoding ``z_mean``), the ``baseline`` (the same loss when
    every image is predicted as the mean image), ``ok`` (reconstruction below half the baseline)
    and the ``vae``."""
    images = squares_dataset()
    vae = make_vae(seed=seed)
    vae.compile(optimizer=kerafront.optimizers.Adam(3e-2), loss=reconstruction_loss)
    history = vae.fit(images, images, batch_size=batch_size, epochs=epochs, verbose=verbose)

    z_mean, _, _ = vae.encoder.predict(images, verbose=0)
    decoded = vae.decoder.predict(z_mean, verbose=0)
    reconstruction = _mean_bce(images, decoded)
    baseline = _mean_bce(images, np.broadcast_to(images.mean(axis=0), images.shape))
    ok = reconstruction < 0.5 * baseline
    print(f"backend={kerafront.backend()} reconstruction loss per image {reconstruction:.2f} "
          f"(mean-image baseline {baseline:.2f}) -> {'learned' if ok else 'NOT learned'}")
    return {"history": history.history, "reconstruction": reconstruction, "baseline": baseline, "ok": ok,
            "vae": vae}


def _mean_bce(images, probabilities):
    p = np.clip(probabilities, 1e-7, 1 - 1e-7)
    return float(np.mean(np.sum(-(images * np.log(p) + (1 - images) * np.log(1 - p)), axis=-1)))


if __name__ == "__main__":
    main()
