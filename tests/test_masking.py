"""Masks: Keras's rules for which layers pass, make, use or drop them, and the numbers against Keras 3
itself (the Keras test skips where ``keras`` is not installed). Cross-backend checks are in
``conformance_tests/test_masks.py``."""

import warnings

import numpy as np
import pytest

import kerafront
import keras_on_tensorflow
from kerafront import _masking, layers as L, ops

IDS = np.array([[1, 2, 0, 0], [3, 4, 5, 0], [6, 0, 0, 0]], "int32")
KEEP = IDS != 0


def test_supports_masking_follows_keras():
    class Plain(L.Layer):
        def call(self, inputs):
            return inputs

    class MakesMask(L.Layer):
        def call(self, inputs):
            return inputs

        def compute_mask(self, inputs, previous_mask=None):
            return ops.greater(ops.sum(inputs, axis=-1), 0)

    assert not Plain().supports_masking
    assert MakesMask().supports_masking   # a class with its own compute_mask supports masks
    assert L.Dense(2).supports_masking and L.Dropout(0.1).supports_masking and L.LayerNormalization().supports_masking
    assert not L.Flatten().supports_masking and not L.Conv1D(2, 2).supports_masking
    assert not L.Lambda(lambda x: x).supports_masking and L.Lambda(lambda x: x, mask=lambda x, m: m).supports_masking
    layer = Plain()
    layer.supports_masking = True
    assert layer.supports_masking
    x = np.ones((2, 3, 2), "float32")
    x[0, 2] = -1
    np.testing.assert_array_equal(_masking.get_mask(MakesMask()(x)), [[True, True, False], [True, True, True]])


def test_a_layer_that_cannot_use_a_mask_warns_once_and_drops_it():
    vectors = L.Embedding(10, 2, mask_zero=True)(IDS)
    flatten = L.Flatten()
    with pytest.warns(UserWarning, match='"flatten.*does not support masking'):
        out = flatten(vectors)
    assert _masking.get_mask(out) is None
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        flatten(vectors)


def test_named_mask_arguments_are_filled_from_their_tensors():
    received = {}

    class TwoInputs(L.Layer):
        supports_masking = True

        def call(self, query, value, query_mask=None, value_mask=None):
            received.update(query=query_mask, value=value_mask)
            return query

    query = L.Embedding(10, 2, mask_zero=True)(IDS)
    value = np.ones((3, 4, 2), "float32")
    TwoInputs()(query, value)
    np.testing.assert_array_equal(received["query"], KEEP)
    assert received["value"] is None


def test_a_mask_given_explicitly_wins_over_the_attached_one():
    received = []

    class Recorder(L.Layer):
        supports_masking = True

        def call(self, inputs, mask=None):
            received.append(mask)
            return ops.add(inputs, 0.0)

    vectors = L.Embedding(10, 2, mask_zero=True)(IDS)
    mine = np.ones((3, 4), bool)
    out = Recorder()(vectors, mask=mine)
    assert received[0] is mine
    assert _masking.get_mask(out) is mine


def test_masks_on_arrays_are_dropped_with_the_array():
    x = np.ones((2, 3))
    _masking.set_mask(x, np.ones((2, 3), bool))
    key = id(x)
    assert key in _masking._table
    del x
    assert key not in _masking._table


def test_lambda_mask_and_merge_errors():
    vectors = L.Embedding(10, 2, mask_zero=True)(IDS)
    out = L.Lambda(lambda x: ops.multiply(x, 2.0), mask=lambda x, m: ops.logical_not(m))(vectors)
    np.testing.assert_array_equal(_masking.get_mask(out), ~KEEP)
    with pytest.raises(ValueError, match='Add "add.*mask must be a list'):
        L.Add(name="add").compute_mask([vectors, vectors], KEEP)
    with pytest.raises(ValueError, match="GlobalAveragePooling1D .*mask must have shape"):
        L.GlobalAveragePooling1D()(vectors, mask=np.ones((3, 5), bool))


def test_mask_of_wrong_shape_for_a_loss_is_an_error():
    y_pred = np.ones((3, 5, 2), "float32")
    _masking.set_mask(y_pred, np.ones((3, 4), bool))
    with pytest.raises(ValueError, match="mean_squared_error: the mask attached to y_pred has shape"):
        kerafront.losses.MeanSquaredError()(np.zeros((3, 5, 2), "float32"), y_pred)


def _masked_run(lib, pooled):
    inputs = lib.Input((4,), dtype="int32")
    hidden = lib.layers.Embedding(10, 3, mask_zero=True)(inputs)
    hidden = lib.layers.Dense(5, activation="tanh")(hidden)
    outputs = lib.layers.GlobalAveragePooling1D()(hidden) if pooled else lib.layers.Dense(1)(hidden)
    model = lib.Model(inputs, outputs)
    rng = np.random.default_rng(3)
    model.set_weights([rng.normal(size=w.shape).astype("float32") * 0.5 for w in model.get_weights()])
    model.compile(optimizer=lib.optimizers.SGD(0.1), loss="mae" if pooled else "mse", metrics=["mse", "mae"])
    shape = (3, 5) if pooled else (3, 4, 1)
    y = np.random.default_rng(4).normal(size=shape).astype("float32")
    # (no sample_weight: Keras 3.15 fails on per-sample weights with a time-step mask, "Incompatible
    # shapes: [2] vs. [2,4]"; kerafront's rule for that case is checked in conformance_tests/test_masks.py)
    history = model.fit(IDS, y, batch_size=2, epochs=2, shuffle=False, verbose=0)
    logs = model.evaluate(IDS, y, batch_size=2, verbose=0, return_dict=True)
    return history.history, logs, model.get_weights()


@pytest.mark.parametrize("pooled", [False, True], ids=["per_step_output", "masked_average"])
def test_masked_training_matches_keras(pooled):
    history, logs, weights = _masked_run(kerafront, pooled)
    k_history, k_logs, k_weights = keras_on_tensorflow.call("test_masking", "_masked_run", pooled)
    assert sorted(history) == sorted(k_history)
    for key in k_history:
        np.testing.assert_allclose(history[key], k_history[key], rtol=1e-4, atol=1e-6, err_msg=key)
    for key in k_logs:
        np.testing.assert_allclose(logs[key], k_logs[key], rtol=1e-4, atol=1e-6, err_msg=key)
    for ours, theirs in zip(weights, k_weights):
        np.testing.assert_allclose(ours, theirs, rtol=1e-4, atol=1e-6)
