"""Masks end to end, on every backend: ``Embedding(mask_zero=True)`` makes a mask; it travels with the
tensors through Sequential and functional models (eager, symbolic and inside compiled training
steps), reaches ``call(..., mask=)`` of the layers that ask for it, and leaves padded time steps out of
losses and metrics. Expected numbers are computed here with NumPy from the model's own predictions.
"""

import numpy as np
import pytest

import kerafront
from kerafront import _masking, layers as L, ops

IDS = np.array([[1, 2, 0, 0], [3, 4, 5, 0], [6, 0, 0, 0]], "int32")
KEEP = IDS != 0
TARGETS = np.random.default_rng(0).normal(size=(3, 4, 1)).astype("float32")
WEIGHTS = np.array([1.0, 0.5, 2.0], "float32")


def _model():
    inputs = kerafront.Input((4,), dtype="int32")
    hidden = L.Embedding(10, 3, mask_zero=True)(inputs)
    return kerafront.Model(inputs, L.Dense(1)(L.Dense(5, activation="tanh")(hidden)))


def _mask_of(x):
    mask = _masking.get_mask(x)
    return None if mask is None else np.asarray(ops.convert_to_numpy(mask))


def test_mask_flows_through_sequential_and_functional(backend):
    with kerafront.backend_scope(backend):
        kerafront.utils.set_random_seed(1)
        sequential = kerafront.Sequential([kerafront.Input((4,), dtype="int32"), L.Embedding(10, 3, mask_zero=True),
                                           L.Dense(2), L.Dropout(0.5)])
        np.testing.assert_array_equal(_mask_of(sequential(IDS)), KEEP)
        np.testing.assert_array_equal(_mask_of(sequential(IDS, training=True)), KEEP)
        functional = _model()
        np.testing.assert_array_equal(_mask_of(functional(IDS)), KEEP)
        assert _masking.get_mask(functional.outputs[0]) is not None   # the symbolic output carries one too


def test_layers_receive_the_mask_and_pooling_skips_padded_steps(backend):
    seen = []

    class Recorder(L.Layer):
        supports_masking = True

        def call(self, inputs, mask=None):
            seen.append(None if mask is None else np.asarray(ops.convert_to_numpy(mask)))
            return inputs

    with kerafront.backend_scope(backend):
        kerafront.utils.set_random_seed(2)
        embedding = L.Embedding(10, 3, mask_zero=True)
        vectors = embedding(IDS)
        Recorder()(vectors)
        np.testing.assert_array_equal(seen[0], KEEP)
        pooled = np.asarray(ops.convert_to_numpy(L.GlobalAveragePooling1D()(vectors)))
        table = np.asarray(ops.convert_to_numpy(embedding.embeddings.value))
        expected = np.stack([table[row[keep]].mean(axis=0) for row, keep in zip(IDS, KEEP)])
        np.testing.assert_allclose(pooled, expected, rtol=1e-5, atol=1e-6)


def test_masked_loss_and_metrics_in_evaluate_and_fit(backend):
    with kerafront.backend_scope(backend):
        kerafront.utils.set_random_seed(3)
        model = _model()
        model.compile(optimizer=kerafront.optimizers.SGD(0.1), loss="mse", metrics=["mae"], weighted_metrics=["mse"])
        predictions = np.asarray(model.predict(IDS, verbose=0))[..., 0]
        errors = predictions - TARGETS[..., 0]
        logs = model.evaluate(IDS, TARGETS, sample_weight=WEIGHTS, verbose=0, return_dict=True)
        weights = WEIGHTS[:, None] * KEEP
        # Keras's rules: the loss divides the weighted sum by the number of unmasked steps; a metric
        # (unweighted, as compile(metrics=) is) averages the unmasked steps; a weighted metric divides
        # by the sum of the weights of the unmasked steps.
        np.testing.assert_allclose(logs["loss"], (errors ** 2 * weights).sum() / KEEP.sum(), rtol=1e-5)
        np.testing.assert_allclose(logs["mae"], np.abs(errors)[KEEP].mean(), rtol=1e-5)
        np.testing.assert_allclose(logs["mse"], (errors ** 2 * weights).sum() / weights.sum(), rtol=1e-5)
        history = model.fit(IDS, TARGETS, epochs=1, batch_size=3, verbose=0, shuffle=False)
        np.testing.assert_allclose(history.history["loss"][0], (errors ** 2)[KEEP].mean(), rtol=1e-5)
        np.testing.assert_allclose(history.history["mae"][0], np.abs(errors)[KEEP].mean(), rtol=1e-5)
        np.testing.assert_allclose(history.history["mse"][0], (errors ** 2)[KEEP].mean(), rtol=1e-5)


def test_explicit_mask_argument_of_a_model(backend):
    with kerafront.backend_scope(backend):
        kerafront.utils.set_random_seed(4)
        inputs = kerafront.Input((4, 2))
        model = kerafront.Model(inputs, L.GlobalAveragePooling1D()(inputs))
        x = np.random.default_rng(1).normal(size=(3, 4, 2)).astype("float32")
        out = np.asarray(ops.convert_to_numpy(model(x, mask=KEEP)))
        expected = np.stack([row[keep].mean(axis=0) for row, keep in zip(x, KEEP)])
        np.testing.assert_allclose(out, expected, rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("merge", ["add", "concatenate"])
def test_merge_masks(backend, merge):
    with kerafront.backend_scope(backend):
        a = L.Embedding(10, 2, mask_zero=True)(IDS)
        b = L.Embedding(10, 2, mask_zero=True)(np.roll(IDS, 1, axis=1))
        out = L.Add()([a, b]) if merge == "add" else L.Concatenate()([a, b])
        other = np.roll(IDS, 1, axis=1) != 0
        np.testing.assert_array_equal(_mask_of(out), KEEP | other)   # Keras: kept where any input keeps it
