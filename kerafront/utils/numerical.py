"""``to_categorical``, ``normalize`` and ``set_random_seed``."""

import random

import numpy as np


def to_categorical(x, num_classes=None):
    """One-hot encode integer class ids as a float32 NumPy array (Keras's ``to_categorical``).

    ``x``: ids of any shape; a trailing axis of size 1 is dropped, so ``(n, 1)`` -> ``(n, num_classes)``.
    ``num_classes`` defaults to ``max(x) + 1``. Negative or too-large ids raise ``ValueError``.
    """
    x = np.asarray(x)
    if x.dtype.kind == "f":
        if not np.all(np.equal(np.mod(x, 1), 0)):
            raise ValueError("to_categorical: class ids must be integers, got non-integral floats.")
    x = x.astype("int64")
    if x.ndim > 1 and x.shape[-1] == 1:
        x = x.reshape(x.shape[:-1])
    if x.size and x.min() < 0:
        raise ValueError(f"to_categorical: class ids must be >= 0, got {int(x.min())}.")
    if num_classes is None:
        num_classes = int(x.max()) + 1 if x.size else 0
    elif x.size and x.max() >= num_classes:
        raise ValueError(f"to_categorical: class id {int(x.max())} is out of range for num_classes={num_classes}.")
    out = np.zeros(x.shape + (num_classes,), dtype="float32")
    np.put_along_axis(out, x[..., None], 1.0, axis=-1)
    return out


def normalize(x, axis=-1, order=2):
    """``x`` divided by its ``order``-norm along ``axis`` (Keras's ``keras.utils.normalize``).

    A NumPy array gives a NumPy array (same shape and dtype family), an all-zero slice stays zero;
    a backend tensor goes to ``kerafront.ops.normalize`` and stays a tensor.

    >>> normalize(np.array([[3.0, 4.0], [0.0, 0.0]])).tolist()
    [[0.6, 0.8], [0.0, 0.0]]
    """
    if not isinstance(x, np.ndarray):
        from kerafront import ops
        if ops.is_tensor(x):
            return ops.normalize(x, axis=axis, order=order)
        x = np.asarray(x, dtype="float64" if np.asarray(x).dtype.kind in "biu" else None)
    if x.ndim == 0:
        raise ValueError("normalize: expected an array with at least one axis, got a scalar.")
    norm = np.atleast_1d(np.linalg.norm(x, order, axis))
    norm[norm == 0] = 1
    return x / np.expand_dims(norm, axis if axis is not None else -1)


def set_random_seed(seed):
    """Seed kerafront's generator (initial weights, unseeded dropout), Python's ``random`` and NumPy's
    global generator, so that a script gives the same initial weights on every backend."""
    from kerafront import random as kf_random
    if not isinstance(seed, int):
        raise ValueError(f"set_random_seed: seed must be an int, got {type(seed).__name__}.")
    kf_random.set_global_seed(seed)
    random.seed(seed)
    np.random.seed(seed)
