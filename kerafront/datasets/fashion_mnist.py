"""``keras.datasets.fashion_mnist``: 70,000 28x28 grayscale images of 10 kinds of clothing."""

import os

from kerafront.datasets import _origin, _reading

_FILES = ("train-labels-idx1-ubyte.gz", "train-images-idx3-ubyte.gz",
          "t10k-labels-idx1-ubyte.gz", "t10k-images-idx3-ubyte.gz")


def load_data():
    """``(x_train, y_train), (x_test, y_test)`` as uint8 arrays, shaped as MNIST's."""
    what = "fashion_mnist.load_data"
    paths = [_origin.fetch("fashion_mnist", member=name, cache_subdir=os.path.join("datasets", "fashion-mnist"))
             for name in _FILES]
    y_train, x_train, y_test, x_test = (_reading.read_idx(path, 2049 if "labels" in path else 2051, what)
                                        for path in paths)
    for x, y in ((x_train, y_train), (x_test, y_test)):
        if len(x) != len(y):
            raise ValueError(f"{what}: {len(x)} images but {len(y)} labels; the files are corrupted.")
    return (x_train, y_train), (x_test, y_test)
