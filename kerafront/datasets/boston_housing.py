"""``keras.datasets.boston_housing``: 506 houses, 13 features, prices in k$."""

from kerafront.datasets import _housing


def load_data(path="boston_housing.npz", test_split=0.2, seed=113):
    """``(x_train, y_train), (x_test, y_test)`` after Keras's seeded shuffle and split."""
    return _housing.load("boston_housing", path, test_split, seed)
