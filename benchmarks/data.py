"""Deterministic inputs and initial weights shared by kerafront workloads and hand-written baselines."""

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


# W3 (text classifier) and W4 (transformer encoder block). "full" is the workload of targets.json;
# "tiny" is the same model at toy sizes, for tests (``--size tiny``).
W3_SIZES = {"full": {"vocab": 20000, "embed": 128, "units": 128, "length": 200, "batch": 64, "steps": 4},
            "tiny": {"vocab": 50, "embed": 8, "units": 8, "length": 12, "batch": 8, "steps": 2}}
W4_SIZES = {"full": {"length": 128, "width": 128, "heads": 4, "key_dim": 32, "ffn": 256, "classes": 10,
                     "batch": 32, "steps": 4},
            "tiny": {"length": 8, "width": 16, "heads": 4, "key_dim": 4, "ffn": 32, "classes": 10,
                     "batch": 4, "steps": 2}}


def text_w3(size="full"):
    """W3 data: ``steps`` batches of random token ids ``(samples, length)`` int32 and 0/1 labels ``(samples, 1)``."""
    s = W3_SIZES[size]
    samples = s["batch"] * s["steps"]
    rng = np.random.default_rng(3)
    ids = rng.integers(0, s["vocab"], (samples, s["length"])).astype("int32")
    return ids, rng.integers(0, 2, (samples, 1)).astype("float32")


def sequences_w4(size="full"):
    """W4 data: ``steps`` batches of random vectors ``(samples, length, width)`` and class ids ``(samples,)``."""
    s = W4_SIZES[size]
    samples = s["batch"] * s["steps"]
    rng = np.random.default_rng(4)
    x = rng.normal(size=(samples, s["length"], s["width"])).astype("float32")
    return x, rng.integers(0, s["classes"], samples).astype("int32")


def _uniform(rng, shape, limit):
    return rng.uniform(-limit, limit, shape).astype("float32")


def _glorot(rng, fan_in, fan_out, shape=None):
    return _uniform(rng, shape or (fan_in, fan_out), np.sqrt(6 / (fan_in + fan_out)))


def _orthogonal(rng, rows, columns):
    """A ``(rows, columns)`` matrix with orthonormal rows (rows <= columns), as Keras's ``orthogonal``."""
    q, r = np.linalg.qr(rng.normal(size=(columns, rows)))
    return (q * np.sign(np.diag(r))).T.astype("float32")


def w3_weights(size="full", seed=2):
    """W3's weights in Keras's layout and order: Embedding ``embeddings``; LSTM ``kernel``
    ``(embed, 4 units)``, ``recurrent_kernel`` ``(units, 4 units)``, ``bias`` (gates i, f, c, o; forget
    block ones, Keras's ``unit_forget_bias``); Dense ``kernel`` ``(units, 1)``, ``bias``."""
    s = W3_SIZES[size]
    rng = np.random.default_rng(seed)
    embed, units = s["embed"], s["units"]
    bias = np.zeros(4 * units, "float32")
    bias[units:2 * units] = 1.0
    return [_uniform(rng, (s["vocab"], embed), 0.05), _glorot(rng, embed, 4 * units),
            _orthogonal(rng, units, 4 * units), bias, _glorot(rng, units, 1), np.zeros(1, "float32")]


W4_LAYERS = ("attention", "norm_1", "ffn_1", "ffn_2", "norm_2", "head")


def w4_weights(size="full", seed=3):
    """W4's weights per layer (names of ``W4_LAYERS``), each list in Keras's layout and order.

    ``attention`` (MultiHeadAttention): query, key, value kernels ``(width, heads, key_dim)`` and biases
    ``(heads, key_dim)``, then the output kernel ``(heads, key_dim, width)`` and bias ``(width,)``;
    ``norm_*`` (LayerNormalization): gamma, beta; ``ffn_1``, ``ffn_2``, ``head`` (Dense): kernel, bias.
    """
    s = W4_SIZES[size]
    rng = np.random.default_rng(seed)
    width, heads, key_dim, ffn = s["width"], s["heads"], s["key_dim"], s["ffn"]
    attention = []
    for _ in range(3):
        attention += [_glorot(rng, width, heads * key_dim, (width, heads, key_dim)),
                      np.zeros((heads, key_dim), "float32")]
    attention += [_glorot(rng, heads * key_dim, width, (heads, key_dim, width)), np.zeros(width, "float32")]

    def norm():
        return [np.ones(width, "float32"), np.zeros(width, "float32")]

    return {"attention": attention, "norm_1": norm(),
            "ffn_1": [_glorot(rng, width, ffn), np.zeros(ffn, "float32")],
            "ffn_2": [_glorot(rng, ffn, width), np.zeros(width, "float32")], "norm_2": norm(),
            "head": [_glorot(rng, width, s["classes"]), np.zeros(s["classes"], "float32")]}
