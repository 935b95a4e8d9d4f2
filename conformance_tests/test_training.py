"""Level 4: whole models train the same way on every backend.

* An MLP and the perf.md CNN, trained 20 steps from identical weights and data, follow the NumPy
  reference's loss curve within ``LOSS_CURVE_RTOL`` (float32 rounding differences between BLAS,
  oneDNN and XLA kernels compound through 20 Adam steps; Adam divides by sqrt(v), so gradients near
  zero amplify them — 1e-3 relative leaves a margin over the ~1e-5 seen, while a wrong gradient or
  optimizer rule moves the curve by far more) and end with the same weights within ``WEIGHT_ATOL``.
* The Keras iris example reaches test accuracy >= 0.9 on every backend.
"""

import numpy as np
import pytest

import kerafront
from benchmarks.data import initial_weights, iris_w1
from conformance_tests import harness

LOSS_CURVE_RTOL = 1e-3
WEIGHT_ATOL = 1e-3


def _mlp():
    model = kerafront.Sequential([kerafront.Input(shape=(4,)), kerafront.layers.Dense(10, activation="relu"),
                                  kerafront.layers.Dense(3, activation="softmax")])
    model.set_weights(initial_weights()[0])
    return model


def _cnn():
    layers = kerafront.layers
    model = kerafront.Sequential([
        kerafront.Input(shape=(28, 28, 1)), layers.Conv2D(32, 3, activation="relu"), layers.MaxPooling2D(),
        layers.Conv2D(64, 3, activation="relu"), layers.MaxPooling2D(), layers.Flatten(),
        layers.Dense(10, activation="softmax")])
    model.set_weights(initial_weights()[1])
    return model


def _trajectory(backend, build, x, y, loss, batch_size, steps=20):
    with kerafront.backend_scope(backend):
        model = build()
        model.compile(optimizer=kerafront.optimizers.Adam(1e-3), loss=loss)
        losses = []
        for step in range(steps):
            start = (step * batch_size) % len(x)
            losses.append(float(model.train_on_batch(x[start:start + batch_size], y[start:start + batch_size])))
        return np.array(losses), model.get_weights()


def _data(kind):
    if kind == "mlp":
        x, y, _, _ = iris_w1()
        return _mlp, x, y, "categorical_crossentropy", 32
    rng = np.random.default_rng(0)
    x = rng.random((64, 28, 28, 1), dtype=np.float32)
    return _cnn, x, rng.integers(0, 10, 64).astype("int32"), "sparse_categorical_crossentropy", 16


_reference_cache = {}


@pytest.mark.parametrize("kind", ["mlp", "cnn"])
def test_training_trajectory_matches_reference(other_backend, kind):
    build, x, y, loss, batch_size = _data(kind)
    if kind not in _reference_cache:
        _reference_cache[kind] = _trajectory(harness.REFERENCE, build, x, y, loss, batch_size)
    ref_losses, ref_weights = _reference_cache[kind]
    losses, weights = _trajectory(other_backend, build, x, y, loss, batch_size)
    assert ref_losses[-1] < ref_losses[0], "the reference did not learn"
    error = np.max(np.abs(losses - ref_losses) / np.abs(ref_losses))
    assert error <= LOSS_CURVE_RTOL, (f"{kind} on {other_backend}: loss curve differs from the reference by "
                                      f"{error:.2e} relative\n{losses}\n{ref_losses}")
    for index, (w, r) in enumerate(zip(weights, ref_weights)):
        np.testing.assert_allclose(w, r, atol=WEIGHT_ATOL, err_msg=f"{kind} on {other_backend}: weight {index}")


def test_iris_example_reaches_90_percent(backend):
    from examples.iris_mlp import main
    with kerafront.backend_scope(backend):
        accuracy = main(verbose=0)
    assert accuracy >= 0.9, f"iris test accuracy {accuracy:.3f} on {backend}"
