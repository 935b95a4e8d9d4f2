"""``keras.datasets.mnist``: 70,000 28x28 grayscale digits."""

from kerafront.datasets import _origin, _reading


def load_data(path="mnist.npz"):
    """``(x_train, y_train), (x_test, y_test)``: uint8 arrays of shapes (60000, 28, 28), (60000,),
    (10000, 28, 28), (10000,). ``path`` is the file name in the cache (``~/.kerafront/datasets``)."""
    arrays = _reading.load_npz(_origin.fetch("mnist", fname=path), "mnist.load_data")
    x_train, y_train, x_test, y_test = _reading.take(arrays, ["x_train", "y_train", "x_test", "y_test"],
                                                     "mnist.load_data")
    return (x_train, y_train), (x_test, y_test)
