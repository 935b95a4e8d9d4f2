"""A GAN with one custom ``train_step`` that runs on every backend (keras.io's "GAN overriding train_step").

Run: ``python examples/gan.py`` (any backend: ``KERAFRONT_BACKEND=jax python examples/gan.py``).

The generator learns to turn 4-D standard normal noise into samples of a 1-D Gaussian
(mean ``DATA_MEAN``, standard deviation ``DATA_STD``); the discriminator learns to tell the two apart.
In Keras this step is written once per framework (``tf.GradientTape`` on TensorFlow,
``loss.backward()`` on torch, a stateless function on JAX). Here it is written once with kerafront
ops: ``ops.value_and_grad(loss_fn)(variables)`` differentiates the model's Variables and
``optimizer.apply(grads, variables)`` updates them, on NumPy, torch, JAX and TensorFlow alike; JAX
and TensorFlow compile it from its second call, as they compile the built-in step.

The latent vectors come from a ``kerafront.random.SeedGenerator`` held by the model: its state is a
variable of the model, so a compiled step draws new numbers at every call instead of reusing the
ones it was traced with.
"""

import numpy as np

import kerafront
from kerafront import layers, ops

DATA_MEAN, DATA_STD = 4.0, 1.25


class GAN(kerafront.Model):
    """A generator and a discriminator trained against each other; ``fit(real_samples)`` trains both.

    ``discriminator``: samples ``(batch, *sample_shape)`` -> logits ``(batch, 1)`` (1 means "generated").
    ``generator``: latent vectors ``(batch, latent_dim)`` -> samples ``(batch, *sample_shape)``.
    Both must be built (e.g. ``Sequential`` models starting with an ``Input``).
    """

    def __init__(self, discriminator, generator, latent_dim, seed=None, **kwargs):
        super().__init__(**kwargs)
        self.discriminator = discriminator
        self.generator = generator
        self.latent_dim = latent_dim
        self.seed_generator = kerafront.random.SeedGenerator(seed)
        self.d_loss_tracker = kerafront.metrics.Mean(name="d_loss")
        self.g_loss_tracker = kerafront.metrics.Mean(name="g_loss")

    def compile(self, d_optimizer, g_optimizer, loss_fn):
        super().compile()
        self.d_optimizer = d_optimizer
        self.g_optimizer = g_optimizer
        self.loss_fn = loss_fn

    @property
    def metrics(self):
        return [self.d_loss_tracker, self.g_loss_tracker]

    def sample_latent(self, batch_size):
        """Standard normal latent vectors ``(batch_size, latent_dim)``, new ones at every call."""
        return kerafront.random.normal((batch_size, self.latent_dim), seed=self.seed_generator)

    def train_discriminator(self, real_samples, latent):
        """One step of the discriminator on generated (label 1) and real (label 0) samples; returns its loss."""
        batch_size = ops.shape(real_samples)[0]
        samples = ops.concatenate([self.generator(latent), real_samples], axis=0)
        labels = ops.concatenate([ops.ones((batch_size, 1)), ops.zeros((batch_size, 1))], axis=0)
        variables = self.discriminator.trainable_variables

        def d_loss_fn(_values):
            return self.loss_fn(labels, self.discriminator(samples, training=True))

        d_loss, grads = ops.value_and_grad(d_loss_fn)(variables)
        self.d_optimizer.apply(grads, variables)
        return d_loss

    def train_generator(self, latent):
        """One step of the generator towards samples the discriminator calls real; returns its loss.

        The loss goes through the discriminator, but only the generator's variables are differentiated
        and updated.
        """
        misleading_labels = ops.zeros((ops.shape(latent)[0], 1))
        variables = self.generator.trainable_variables

        def g_loss_fn(_values):
            return self.loss_fn(misleading_labels, self.discriminator(self.generator(latent, training=True)))

        g_loss, grads = ops.value_and_grad(g_loss_fn)(variables)
        self.g_optimizer.apply(grads, variables)
        return g_loss

    def train_step(self, real_samples):
        batch_size = ops.shape(real_samples)[0]
        d_loss = self.train_discriminator(real_samples, self.sample_latent(batch_size))
        g_loss = self.train_generator(self.sample_latent(batch_size))
        self.d_loss_tracker.update_state(d_loss)
        self.g_loss_tracker.update_state(g_loss)
        return {"d_loss": self.d_loss_tracker.result(), "g_loss": self.g_loss_tracker.result()}


def make_gan(latent_dim=4, hidden=16, seed=0):
    """A GAN of two small MLPs for 1-D samples (weights drawn from ``seed``)."""
    kerafront.utils.set_random_seed(seed)
    discriminator = kerafront.Sequential([
        kerafront.Input((1,)),
        layers.Dense(hidden, activation="leaky_relu"),
        layers.Dense(1),
    ], name="discriminator")
    generator = kerafront.Sequential([
        kerafront.Input((latent_dim,)),
        layers.Dense(hidden, activation="leaky_relu"),
        layers.Dense(1),
    ], name="generator")
    return GAN(discriminator, generator, latent_dim, seed=seed)


def main(epochs=20, seed=0, verbose=2, num_samples=1024, batch_size=64):
    """Train on ``num_samples`` draws of N(DATA_MEAN, DATA_STD**2) for ``epochs`` epochs; return a dict:
    ``history`` (per-epoch ``d_loss``/``g_loss``), the generated samples' ``mean`` and ``std``, ``ok``
    (the mean within 0.5 of the data's and the std within a factor 1.5 of it) and the ``gan``.

    The discriminator learns five times faster than the generator, and both Adams use ``beta_1=0.5``
    (as DCGAN does): with equal rates the generator's mean overshoots the data's and swings around it.
    """
    data = np.random.default_rng(seed).normal(DATA_MEAN, DATA_STD, (num_samples, 1)).astype("float32")
    gan = make_gan(seed=seed)
    gan.compile(d_optimizer=kerafront.optimizers.Adam(5e-2, beta_1=0.5),
                g_optimizer=kerafront.optimizers.Adam(1e-2, beta_1=0.5),
                loss_fn=kerafront.losses.BinaryCrossentropy(from_logits=True))
    history = gan.fit(data, batch_size=batch_size, epochs=epochs, verbose=verbose)

    latent = np.random.default_rng(seed + 1).standard_normal((4096, gan.latent_dim)).astype("float32")
    generated = gan.generator.predict(latent, batch_size=4096, verbose=0)
    mean, std = float(generated.mean()), float(generated.std())
    ok = abs(mean - DATA_MEAN) < 0.5 and 1 / 1.5 < std / DATA_STD < 1.5
    print(f"backend={kerafront.backend()} data: mean {DATA_MEAN:.2f} std {DATA_STD:.2f}; "
          f"generated: mean {mean:.2f} std {std:.2f} ({'close' if ok else 'NOT close'})")
    return {"history": history.history, "mean": mean, "std": std, "ok": ok, "gan": gan}


if __name__ == "__main__":
    main()
