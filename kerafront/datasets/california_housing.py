"""``keras.datasets.california_housing``: 20,640 districts, 8 features, median house values."""

from kerafront.datasets import _housing


def load_data(version="large", path="california_housing.npz", test_split=0.2, seed=113):
    """``(x_train, y_train), (x_test, y_test)``; ``version="small"`` keeps the first 600 rows, as Keras."""
    return _housing.load("california_housing", path, test_split, seed, version=version)
