"""The Keras iris example, written with kerafront in place of keras.

Runs on whichever backend KERAFRONT_BACKEND selects (default: numpy):

    python examples/iris_mlp.py
    KERAFRONT_BACKEND=torch python examples/iris_mlp.py
"""

import time

import numpy as np

from kerafront.datasets import load_iris
from kerafront.layers import Dense
from kerafront.models import Sequential
from kerafront.utils import set_random_seed, to_categorical

import kerafront


def standard_scale(train, test):
    """What sklearn's StandardScaler does: centre and scale with the training set's statistics."""
    mean, std = train.mean(axis=0), train.std(axis=0)
    return (train - mean) / std, (test - mean) / std


def split_80_20(x, y, seed=42):
    order = np.random.default_rng(seed).permutation(len(x))
    cut = int(0.8 * len(x))
    return x[order[:cut]], x[order[cut:]], y[order[:cut]], y[order[cut:]]


def main(epochs=100, verbose=2):
    set_random_seed(42)
    x, y = load_iris()
    x_train, x_test, y_train, y_test = split_80_20(x, y)
    x_train, x_test = standard_scale(x_train, x_test)
    y_train, y_test = to_categorical(y_train, 3), to_categorical(y_test, 3)

    model = Sequential([
        Dense(10, activation="relu", input_shape=(4,)),
        Dense(3, activation="softmax"),
    ])
    model.compile(optimizer="adam", loss="categorical_crossentropy", metrics=["accuracy"])
    start = time.perf_counter()
    model.fit(x_train, y_train, epochs=epochs, batch_size=32, verbose=verbose)
    seconds = time.perf_counter() - start
    loss, accuracy = model.evaluate(x_test, y_test, verbose=0)
    print(f"backend={kerafront.backend()} test_loss={loss:.4f} test_accuracy={accuracy:.4f} fit_seconds={seconds:.2f}")
    return accuracy


if __name__ == "__main__":
    main()
