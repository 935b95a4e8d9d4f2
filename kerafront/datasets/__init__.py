"""Small data sets shipped with kerafront (no downloads)."""

import os

import numpy as np

_HERE = os.path.dirname(os.path.abspath(__file__))
IRIS_CLASSES = ("setosa", "versicolor", "virginica")
IRIS_FEATURES = ("sepal_length", "sepal_width", "petal_length", "petal_width")


def load_iris():
    """Fisher's iris data: ``(x, y)`` with ``x`` float64 of shape (150, 4) (cm) and ``y`` int64 of shape (150,)."""
    table = np.loadtxt(os.path.join(_HERE, "iris.csv"), delimiter=",", skiprows=2)
    return table[:, :4], table[:, 4].astype(np.int64)
