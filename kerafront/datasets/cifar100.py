"""``keras.datasets.cifar100``: 60,000 32x32 colour images in 100 fine (20 coarse) classes."""

import os

import numpy as np

from kerafront.datasets import _cifar


def load_data(label_mode="fine"):
    """``(x_train, y_train), (x_test, y_test)`` as CIFAR-10's, with ``label_mode`` "fine" (100 classes) or
    "coarse" (20 superclasses)."""
    if label_mode not in ("fine", "coarse"):
        raise ValueError(f'cifar100.load_data: label_mode must be "fine" or "coarse", got {label_mode!r}.')
    what = "cifar100.load_data"
    root = _cifar.folder("cifar100", "cifar-100-python")
    x_train, y_train = _cifar.load(os.path.join(root, "train"), f"{label_mode}_labels", what)
    x_test, y_test = _cifar.load(os.path.join(root, "test"), f"{label_mode}_labels", what)
    return _cifar.finish(x_train, np.asarray(y_train), x_test, np.asarray(y_test))   # int64 labels, as Keras
