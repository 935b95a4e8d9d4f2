"""``keras.datasets.cifar10``: 60,000 32x32 colour images in 10 classes."""

import os

import numpy as np

from kerafront.datasets import _cifar


def load_data():
    """``(x_train, y_train), (x_test, y_test)``: uint8 images (50000, 32, 32, 3) and (10000, 32, 32, 3)
    (channels first under ``image_data_format() == "channels_first"``), labels (n, 1) uint8 in 0..9."""
    what = "cifar10.load_data"
    root = _cifar.folder("cifar10", "cifar-10-batches-py")
    batches = [_cifar.load(os.path.join(root, f"data_batch_{i}"), "labels", what) for i in range(1, 6)]
    x_test, y_test = _cifar.load(os.path.join(root, "test_batch"), "labels", what)
    x_train = np.concatenate([x for x, _ in batches])
    y_train = np.concatenate([np.asarray(y, dtype=np.uint8) for _, y in batches])
    return _cifar.finish(x_train, y_train, x_test, np.asarray(y_test, dtype=np.uint8))
