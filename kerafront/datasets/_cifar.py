"""CIFAR-10 and CIFAR-100: the Toronto tarball, unpacked once, its pickled batches read with arrays only."""

import os

import numpy as np

from kerafront import config
from kerafront.datasets import _origin, _reading


def folder(name, inner):
    """The unpacked data set folder (``get_file`` checks the tarball's hash and every member)."""
    root = _origin.fetch(name, fname=f"{inner}-target", extract=True)
    return os.path.join(root, inner)


def finish(x_train, y_train, x_test, y_test):
    """Keras's layout: labels as (n, 1), images channels-last unless the config says otherwise."""
    y_train, y_test = np.reshape(y_train, (-1, 1)), np.reshape(y_test, (-1, 1))
    if config.image_data_format() == "channels_last":
        x_train, x_test = x_train.transpose(0, 2, 3, 1), x_test.transpose(0, 2, 3, 1)
    return (x_train, y_train), (x_test, y_test)


def load(path, label_key, what):
    return _reading.load_pickled_batch(path, label_key, what)
