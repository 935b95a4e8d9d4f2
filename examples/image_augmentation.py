"""Image classification with augmentation layers in the model: RandomFlip, RandomTranslation,
RandomRotation and RandomContrast, then Rescaling and a small CNN.

Run: ``python examples/image_augmentation.py`` (any backend: ``KERAFRONT_BACKEND=jax python ...``;
``--size``, ``--samples`` and ``--epochs`` shrink or grow it).

The images are synthetic, ``size x size`` RGB in ``[0, 255]``: class 0 holds horizontal stripes,
class 1 vertical ones, at a random phase and colour, with noise. Flips, small shifts, small
rotations and contrast changes keep the class, so the augmentations are label-preserving. They run
only in ``fit`` (``training=True``); ``evaluate`` and ``predict`` see the images unchanged.
"""

import argparse
import time

import numpy as np

import kerafront
from kerafront import layers


def make_dataset(samples, size=16, seed=0):
    """``(images, labels)``: ``images`` ``(samples, size, size, 3)`` float32 in [0, 255]; ``labels``
    ``(samples,)`` int32, 0 for horizontal stripes, 1 for vertical ones (half each)."""
    rng = np.random.default_rng(seed)
    labels = (np.arange(samples) % 2).astype("int32")
    rng.shuffle(labels)
    coordinate = np.arange(size, dtype="float32")
    images = np.empty((samples, size, size, 3), "float32")
    for i, label in enumerate(labels):
        period = rng.uniform(3.0, 5.0)
        wave = 0.5 + 0.5 * np.sin(2 * np.pi * coordinate / period + rng.uniform(0, 2 * np.pi))
        stripes = np.tile(wave[:, None], (1, size)) if label == 0 else np.tile(wave[None, :], (size, 1))
        colour = rng.uniform(0.4, 1.0, size=3)
        images[i] = 255.0 * np.clip(stripes[..., None] * colour + rng.normal(0, 0.05, (size, size, 3)), 0, 1)
    return images, labels


def make_model(size=16):
    """``(batch, size, size, 3)`` pixels in [0, 255] -> ``(batch, 2)`` class probabilities."""
    return kerafront.Sequential([
        kerafront.Input(shape=(size, size, 3)),
        layers.RandomFlip("horizontal_and_vertical", seed=1),
        layers.RandomTranslation(0.1, 0.1, fill_mode="reflect", seed=2),
        layers.RandomRotation(0.05, seed=3),
        layers.RandomContrast(0.2, seed=4),
        layers.Rescaling(1.0 / 255),
        layers.Conv2D(8, 3, activation="relu"),
        layers.MaxPooling2D(2),
        layers.Conv2D(16, 3, activation="relu", padding="same"),
        layers.GlobalAveragePooling2D(),
        layers.Dense(2, activation="softmax"),
    ])


def main(size=16, samples=256, epochs=5, verbose=2):
    kerafront.utils.set_random_seed(0)
    x_train, y_train = make_dataset(samples, size, seed=0)
    x_test, y_test = make_dataset(max(samples // 4, 32), size, seed=1)
    model = make_model(size)
    model.compile(optimizer=kerafront.optimizers.Adam(1e-2), loss="sparse_categorical_crossentropy",
                  metrics=["accuracy"])
    start = time.perf_counter()
    history = model.fit(x_train, y_train, batch_size=32, epochs=epochs, verbose=verbose)
    seconds = time.perf_counter() - start
    loss, accuracy = model.evaluate(x_test, y_test, batch_size=64, verbose=0)
    print(f"backend={kerafront.backend()} train_loss {history.history['loss'][0]:.4f} -> "
          f"{history.history['loss'][-1]:.4f} test_accuracy={accuracy:.4f} fit_seconds={seconds:.1f}")
    return {"accuracy": float(accuracy), "loss": float(loss), "history": history.history, "model": model}


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", type=int, default=16)
    parser.add_argument("--samples", type=int, default=256)
    parser.add_argument("--epochs", type=int, default=5)
    args = parser.parse_args()
    main(size=args.size, samples=args.samples, epochs=args.epochs)
