"""Every batch's labels are checked before it trains, on every backend (not only the first batch:
later batches used to train silently on torch and JAX and fail opaquely on TensorFlow)."""

import numpy as np
import pytest

import kerafront

X = np.random.default_rng(0).normal(size=(8, 3)).astype("float32")


@pytest.mark.parametrize("bad", [-1, 4, 7])
def test_a_bad_class_id_in_a_later_batch_names_the_loss(backend, bad):
    with kerafront.backend_scope(backend):
        inputs = kerafront.Input(shape=(3,))
        model = kerafront.Model(inputs, kerafront.layers.Dense(4, activation="softmax")(inputs))
        model.compile(optimizer="sgd", loss="sparse_categorical_crossentropy", metrics=["accuracy"])
        labels = np.array([0, 1, 2, 3, 0, 1, 2, bad])
        with pytest.raises(ValueError, match=r"sparse_categorical_crossentropy: class ids must be in \[0, 4\)"):
            model.fit(X, labels, batch_size=4, shuffle=False, verbose=0)
        with pytest.raises(ValueError, match=r"class ids must be in \[0, 4\)"):
            model.evaluate(X, labels, batch_size=4, verbose=0)
        with pytest.raises(ValueError, match="class_weight"):
            model.fit(X, np.zeros(8, "int64"), class_weight={-1: 2.0}, verbose=0)
