"""Recurrent layers on every backend against the NumPy reference, with masks (which the layer table
cannot express), training trajectories (level 4) and saving across backends (level 5).

* Layers with identical weights, called with a mask that is not right-padding (a hole, left and
  right padding), forwards and ``go_backwards``, through the whole-sequence op and the cell loop,
  ``Bidirectional`` in every merge mode with states: outputs and gradients of
  ``sum(outputs * cotangent)`` w.r.t. every weight and the inputs match the reference.
* An ``Embedding(mask_zero=True)`` + ``Bidirectional(GRU)`` + ``LSTM`` classifier trained with Adam
  from identical weights follows the reference's loss curve (``test_training.py``'s tolerance).
* A model holding every recurrent layer, saved on NumPy, loads on each backend and predicts the same.
"""

import numpy as np
import pytest

import kerafront
from kerafront import layers as L
from kerafront import ops
from kerafront.saving import load_model, save_model

from conformance_tests import harness, tolerances
from conformance_tests.test_training import LOSS_CURVE_RTOL, WEIGHT_ATOL

X = np.random.default_rng(0).standard_normal((3, 5, 4)).astype("float32")
MASK = np.array([[True, True, True, False, False], [False, True, True, True, True], [True, False, True, True, True]])

CASES = {
    "lstm_masked": lambda: L.LSTM(3, return_sequences=True),
    "lstm_masked_backwards_state": lambda: L.LSTM(3, go_backwards=True, return_state=True),
    "lstm_cell_loop_masked": lambda: L.LSTM(3, return_sequences=True, use_cudnn=False),
    "gru_masked_backwards": lambda: L.GRU(3, return_sequences=True, go_backwards=True),
    "gru_reset_before_masked": lambda: L.GRU(3, reset_after=False, return_state=True),
    "simple_rnn_masked_zero_output": lambda: L.SimpleRNN(3, return_sequences=True, zero_output_for_mask=True),
    "stacked_cells_masked": lambda: L.RNN([L.LSTMCell(3), L.GRUCell(2)], return_sequences=True),
    "bidirectional_concat_masked": lambda: L.Bidirectional(L.LSTM(2, return_sequences=True)),
    "bidirectional_none_states_masked": lambda: L.Bidirectional(L.GRU(2, return_sequences=True, return_state=True),
                                                                merge_mode=None),
    "bidirectional_sum": lambda: L.Bidirectional(L.LSTM(2), merge_mode="sum"),
    "bidirectional_mul_masked": lambda: L.Bidirectional(L.GRU(2, return_sequences=True), merge_mode="mul"),
    "bidirectional_ave_masked": lambda: L.Bidirectional(L.SimpleRNN(2), merge_mode="ave"),
    "time_distributed_masked": lambda: L.TimeDistributed(L.Dense(2)),
}
_reference = {}


def _run(backend, case_id, weights=None):
    """``(weights, outputs, weight_grads, input_grad)`` of ``case_id`` on ``backend``, called with MASK
    unless the case id says otherwise."""
    mask = MASK if "masked" in case_id else None
    with kerafront.backend_scope(backend):
        kerafront.utils.set_random_seed(0)
        layer = CASES[case_id]()
        layer(X)
        if weights is None:
            rng = np.random.default_rng(1)
            weights = [(rng.standard_normal(w.shape) * 0.5).astype("float32") for w in layer.get_weights()]
        layer.set_weights(weights)
        trainable = [v.value for v in layer.trainable_variables]
        non_trainable = [v.value for v in layer.non_trainable_variables]

        def loss(trainable_values, x):
            outputs, _ = layer.stateless_call(trainable_values, non_trainable, x, mask=mask)
            leaves = list(outputs) if isinstance(outputs, (list, tuple)) else [outputs]
            total = 0.0
            for i, leaf in enumerate(leaves):
                cotangent = np.random.default_rng(10 + i).standard_normal(tuple(ops.shape(leaf))).astype("float32")
                total = ops.add(total, ops.sum(ops.multiply(leaf, cotangent)))
            return total, leaves

        (_, outputs), (weight_grads, input_grad) = ops.value_and_grad(loss, argnums=(0, 1), has_aux=True)(
            trainable, ops.convert_to_tensor(X))
        to_np = ops.convert_to_numpy
        return weights, [to_np(o) for o in outputs], [to_np(g) for g in weight_grads], to_np(input_grad)


def _problems(backend, what, actual, expected, vjp=False):
    rtol, atol = tolerances.tolerance("float32", "linalg", vjp=vjp)
    reason = tolerances.mismatch(actual, expected, rtol, atol)
    return [] if reason is None else [f"{what} on {backend}: {reason}"]


@pytest.mark.parametrize("case_id", sorted(CASES))
def test_recurrent_layer_matches_reference(other_backend, case_id):
    if case_id not in _reference:
        _reference[case_id] = _run(harness.REFERENCE, case_id)
    weights, ref_outputs, ref_grads, ref_input_grad = _reference[case_id]
    _, outputs, grads, input_grad = _run(other_backend, case_id, weights)
    problems = []
    assert len(outputs) == len(ref_outputs) and len(grads) == len(ref_grads)
    for i, (out, ref) in enumerate(zip(outputs, ref_outputs)):
        problems += _problems(other_backend, f"{case_id} output {i}", out, ref)
    for i, (grad, ref) in enumerate(zip(grads, ref_grads)):
        problems += _problems(other_backend, f"{case_id} grad of weight {i}", grad, ref, vjp=True)
    problems += _problems(other_backend, f"{case_id} grad of the inputs", input_grad, ref_input_grad, vjp=True)
    assert not problems, "\n".join(problems)


def _text_model():
    kerafront.utils.set_random_seed(4)
    model = kerafront.Sequential([
        kerafront.Input((7,), dtype="int32"), L.Embedding(20, 6, mask_zero=True),
        L.Bidirectional(L.GRU(4, return_sequences=True)), L.LSTM(5), L.Dense(1, activation="sigmoid")])
    rng = np.random.default_rng(5)
    model.set_weights([(rng.standard_normal(w.shape) * 0.4).astype("float32") for w in model.get_weights()])
    return model


def _text_data():
    rng = np.random.default_rng(6)
    x = rng.integers(1, 20, (32, 7)).astype("int32")
    lengths = rng.integers(2, 8, 32)
    x[np.arange(7)[None, :] >= lengths[:, None]] = 0   # right-padded sequences of 2 to 7 tokens
    return x, (x[:, 0] > 10).astype("float32")[:, None]


def _trajectory(backend, steps=10, batch_size=8):
    x, y = _text_data()
    with kerafront.backend_scope(backend):
        model = _text_model()
        model.compile(optimizer=kerafront.optimizers.Adam(1e-2), loss="binary_crossentropy")
        losses = []
        for step in range(steps):
            start = (step * batch_size) % len(x)
            losses.append(float(model.train_on_batch(x[start:start + batch_size], y[start:start + batch_size])))
        return np.array(losses), model.get_weights()


def test_text_classifier_training_trajectory_matches_reference(other_backend):
    if "text" not in _reference:
        _reference["text"] = _trajectory(harness.REFERENCE)
    ref_losses, ref_weights = _reference["text"]
    losses, weights = _trajectory(other_backend)
    assert ref_losses[-1] < ref_losses[0], "the reference did not learn"
    error = np.max(np.abs(losses - ref_losses) / np.abs(ref_losses))
    assert error <= LOSS_CURVE_RTOL, (f"Embedding+LSTM on {other_backend}: loss curve differs from the reference by "
                                      f"{error:.2e} relative\n{losses}\n{ref_losses}")
    for index, (w, r) in enumerate(zip(weights, ref_weights)):
        np.testing.assert_allclose(w, r, atol=WEIGHT_ATOL, err_msg=f"Embedding+LSTM on {other_backend}: weight {index}")


def _every_recurrent_layer():
    kerafront.utils.set_random_seed(8)
    inputs = kerafront.Input((5, 4))
    x = L.TimeDistributed(L.Dense(4, activation="tanh"))(inputs)
    x = L.Bidirectional(L.LSTM(3, return_sequences=True), merge_mode="sum")(x)
    x = L.GRU(3, return_sequences=True, reset_after=False, go_backwards=True)(x)
    x = L.RNN([L.SimpleRNNCell(3), L.GRUCell(2)], return_sequences=True)(x)
    sequence, state = L.SimpleRNN(2, return_state=True)(x)
    return kerafront.Model(inputs, L.Add()([sequence, state]))


@pytest.fixture(scope="module")
def saved_on_numpy(tmp_path_factory):
    with kerafront.backend_scope(harness.REFERENCE):
        model = _every_recurrent_layer()
        path = tmp_path_factory.mktemp("recurrent") / "recurrent.kerafront"
        save_model(model, path)
        return path, ops.convert_to_numpy(model(X))


def test_saved_recurrent_model_loads_on_every_backend(backend, saved_on_numpy):
    path, expected = saved_on_numpy
    with kerafront.backend_scope(backend):
        got = ops.convert_to_numpy(load_model(path)(X))
    np.testing.assert_allclose(got, expected, rtol=1e-4, atol=1e-5, err_msg=f"loaded on {backend}")
