"""Deterministic inputs shared by kerafront workloads and hand-written baselines."""

import numpy as np


def iris_w1():
    """W1 data: 120 standardized training rows and 30 test rows, one-hot targets (float32)."""
    from kerafront.datasets import load_iris
    x, y = load_iris()
    order = np.random.default_rng(42).permutation(len(x))
    x, y = x[order], y[order]
    x_train, x_test = x[:120], x[120:]
    mean, std = x_train.mean(0), x_train.std(0)
    x_train, x_test = ((x_train - mean) / std).astype("float32"), ((x_test - mean) / std).astype("float32")
    eye = np.eye(3, dtype="float32")
    return x_train, eye[y[:120]], x_test, eye[y[120:]]


def mnist_like_w2(samples=2048):
    """W2 data: random 28x28x1 images and integer labels 0..9 (the timing does not depend on content)."""
    rng = np.random.default_rng(0)
    return rng.random((samples, 28, 28, 1), dtype=np.float32), rng.integers(0, 10, samples).astype("int32")


def initial_weights(seed=1):
    """Glorot-uniform weights for the W1 MLP and W2 CNN in Keras layout, shared by every implementation."""
    rng = np.random.default_rng(seed)

    def glorot(shape, fan_in, fan_out):
        limit = np.sqrt(6 / (fan_in + fan_out))
        return rng.uniform(-limit, limit, shape).astype("float32")

    mlp = [glorot((4, 10), 4, 10), np.zeros(10, "float32"), glorot((10, 3), 10, 3), np.zeros(3, "float32")]
    cnn = [glorot((3, 3, 1, 32), 9, 288), np.zeros(32, "float32"), glorot((3, 3, 32, 64), 288, 576),
           np.zeros(64, "float32"), glorot((1600, 10), 1600, 10), np.zeros(10, "float32")]
    return mlp, cnn
