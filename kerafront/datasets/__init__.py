"""``kerafront.datasets``: the Keras data sets (downloaded once into the cache, read safely) and iris.

``mnist``, ``fashion_mnist``, ``cifar10``, ``cifar100``, ``imdb``, ``reuters``, ``boston_housing`` and
``california_housing`` have Keras's ``load_data`` (same files, hashes, splits and shuffles). Unlike
``np.load(allow_pickle=True)``, nothing in a downloaded file can run code: see ``_reading``.
``load_iris`` reads the small table shipped with kerafront (no download).
"""

import os

import numpy as np

from kerafront.datasets import (boston_housing, california_housing, cifar10, cifar100, fashion_mnist,  # noqa: F401
                                imdb, mnist, reuters)

_HERE = os.path.dirname(os.path.abspath(__file__))
IRIS_CLASSES = ("setosa", "versicolor", "virginica")
IRIS_FEATURES = ("sepal_length", "sepal_width", "petal_length", "petal_width")


def load_iris():
    """Fisher's iris data: ``(x, y)`` with ``x`` float64 of shape (150, 4) (cm) and ``y`` int64 of shape (150,)."""
    table = np.loadtxt(os.path.join(_HERE, "iris.csv"), delimiter=",", skiprows=2)
    return table[:, :4], table[:, 4].astype(np.int64)
