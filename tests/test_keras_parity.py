"""kerafront's training API against Keras 3 itself (skipped where ``keras`` is not installed).

The same model, weights, data and optimizer in both; the numbers must agree: the history of ``fit``
(keys and values), ``evaluate``'s list and dict, ``metrics_names``, ``weighted_metrics`` and
``steps_per_execution``, a functional subclass overriding ``train_step``.
"""

import os

import numpy as np
import pytest

import kerafront
import keras_on_tensorflow

keras = pytest.importorskip("keras")

X = np.random.default_rng(5).normal(size=(10, 3)).astype("float32")
Y = (np.random.default_rng(6).random(size=(10, 1)) > 0.5).astype("float32")
SW = np.random.default_rng(7).random(size=(10,)).astype("float32")
WEIGHTS = [np.random.default_rng(8).normal(size=(3, 4)).astype("float32") * 0.5, np.zeros(4, "float32"),
           np.random.default_rng(9).normal(size=(4, 1)).astype("float32") * 0.5, np.zeros(1, "float32")]


def _run(lib, **compile_args):
    inputs = lib.Input(shape=(3,))
    hidden = lib.layers.Dense(4, activation="relu")(inputs)
    model = lib.Model(inputs, lib.layers.Dense(1, activation="sigmoid")(hidden))
    model.set_weights(WEIGHTS)
    model.compile(optimizer=lib.optimizers.SGD(0.1), loss="binary_crossentropy", **compile_args)
    history = model.fit(X, Y, sample_weight=SW, batch_size=4, epochs=2, shuffle=False, verbose=0)
    evaluated = model.evaluate(X, Y, sample_weight=SW, batch_size=4, verbose=0)
    as_dict = model.evaluate(X, Y, sample_weight=SW, batch_size=4, verbose=0, return_dict=True)
    return history.history, evaluated, as_dict, model.metrics_names, model.get_weights()


@pytest.mark.parametrize("compile_args", [
    {"metrics": ["accuracy", "mae"]},
    {"metrics": ["mae"], "weighted_metrics": ["mae", "accuracy"]},
    {"metrics": ["accuracy"], "steps_per_execution": 2},
], ids=["metrics", "weighted_metrics", "steps_per_execution"])
def test_fit_and_evaluate_match_keras(compile_args):
    ours = _run(kerafront, **compile_args)
    theirs = _run(keras, **compile_args)
    history, evaluated, as_dict, names, weights = ours
    k_history, k_evaluated, k_dict, k_names, k_weights = theirs
    assert list(history) == list(k_history)
    for key in k_history:
        np.testing.assert_allclose(history[key], k_history[key], rtol=1e-4, atol=1e-6, err_msg=key)
    assert list(as_dict) == list(k_dict)
    for key in k_dict:
        np.testing.assert_allclose(as_dict[key], k_dict[key], rtol=1e-4, atol=1e-6, err_msg=key)
    if "weighted_metrics" in compile_args:
        # Keras 3 lists a weighted metric under its unweighted twin's name (mae twice) and the
        # weighted one last; kerafront lists each result once, in the order the metrics were compiled.
        assert len(k_evaluated) == 5 and k_evaluated[1] == k_evaluated[2]
        np.testing.assert_allclose(evaluated, [k_dict[k] for k in ("loss", "mae", "weighted_mae", "accuracy")],
                                   rtol=1e-4, atol=1e-6)
    else:
        np.testing.assert_allclose(evaluated, k_evaluated, rtol=1e-4, atol=1e-6)
    assert names == k_names
    for a, b in zip(weights, k_weights):
        np.testing.assert_allclose(a, b, rtol=1e-4, atol=1e-6)


def _subclass_history(lib):
    class Custom(lib.Model):
        def train_step(self, data):
            logs = super().train_step(data)
            return {**logs, "twice": 2.0 * logs["loss"]}

    inputs = lib.Input(shape=(3,))
    outputs = lib.layers.Dense(1, activation="sigmoid")(lib.layers.Dense(4, activation="relu")(inputs))
    model = Custom(inputs, outputs)
    model.set_weights(WEIGHTS)
    model.compile(optimizer=lib.optimizers.SGD(0.1), loss="binary_crossentropy", metrics=["accuracy"])
    history = model.fit(X, Y, batch_size=5, epochs=2, shuffle=False, verbose=0)
    return {key: [float(v) for v in values] for key, values in history.history.items()}


def test_a_functional_subclass_train_step_matches_keras():
    """Keras's ``train_step(self, data)`` is its TensorFlow/torch form (on JAX it takes ``(state, data)``),
    so Keras runs on TensorFlow here, in its own process."""
    results = [_subclass_history(kerafront), keras_on_tensorflow.call("test_keras_parity", "_subclass_history")]
    ours, theirs = results
    assert sorted(ours) == sorted(theirs)
    for key in theirs:
        np.testing.assert_allclose(ours[key], theirs[key], rtol=1e-4, atol=1e-6, err_msg=key)
