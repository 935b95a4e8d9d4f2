"""Recurrent layers against step-by-step NumPy loops and against Keras 3.

The NumPy references (``conformance_tests/cases/recurrent.py``) are written from Keras's cell
equations with Keras's mask rule; each layer runs both its whole-sequence op (``ops.lstm`` /
``ops.gru``) and its cell loop (``use_cudnn=False``, ``unroll=True``). The Keras comparisons
(skipped where ``keras`` is not installed) give both libraries the same weights.
"""

import json
import os

import numpy as np
import pytest

import kerafront
from kerafront import layers as L
from kerafront import ops
from kerafront.ops.rnn import rnn
from kerafront.saving import deserialize, serialize
from conformance_tests.naive_recurrent import gru_reference, lstm_reference, reference_loop

TOL = dict(rtol=1e-5, atol=1e-5)
X = np.random.default_rng(0).standard_normal((3, 6, 4)).astype("float32")
MASK = np.ones((3, 6), bool)
MASK[0, 4:] = False   # right padding
MASK[1, :2] = False   # left padding
MASK[2, 2] = False    # a hole


@pytest.fixture(scope="module")
def keras():
    os.environ.setdefault("KERAS_BACKEND", "jax")  # no effect if another test module imported keras first
    return pytest.importorskip("keras")


def _np(x):
    return ops.convert_to_numpy(x)


def _random_weights(layer, seed=1):
    rng = np.random.default_rng(seed)
    weights = [(rng.standard_normal(w.shape) * 0.5).astype("float32") for w in layer.get_weights()]
    layer.set_weights(weights)
    return weights


def _simple_rnn_reference(x, h0, kernel, recurrent_kernel, bias, **kwargs):
    def step(x_t, states):
        h = np.tanh(x_t @ kernel + bias + states[0] @ recurrent_kernel)
        return h, [h]
    last, outputs, (h,) = reference_loop(step, x, [h0], **kwargs)
    return last, outputs, h


def _reference(kind, x, weights, h0, **kwargs):
    """``(last, outputs, *states)`` of the NumPy loop for a layer of ``kind`` with Keras's ``weights``."""
    if kind == "lstm":
        return lstm_reference(x, h0, h0, *weights, **kwargs)
    if kind == "simple_rnn":
        return _simple_rnn_reference(x, h0, *weights, **kwargs)
    return gru_reference(x, h0, *weights, reset_after=kind == "gru", **kwargs)


LAYERS = {"lstm": L.LSTM, "gru": L.GRU, "gru_reset_before": L.GRU, "simple_rnn": L.SimpleRNN}
PATHS = [{}, {"use_cudnn": False}, {"unroll": True}]  # whole-sequence op, cell loop, unrolled cell loop


@pytest.mark.parametrize("kind", sorted(LAYERS))
@pytest.mark.parametrize("path", range(len(PATHS)), ids=["op", "cell_loop", "unrolled"])
@pytest.mark.parametrize("go_backwards", [False, True], ids=["forward", "backwards"])
@pytest.mark.parametrize("masked", [False, True], ids=["unmasked", "masked"])
def test_layer_matches_numpy_loop(kind, path, go_backwards, masked):
    kwargs = dict(PATHS[path])
    if kind == "simple_rnn":
        kwargs.pop("use_cudnn", None)
    if kind == "gru_reset_before":
        kwargs["reset_after"] = False
    layer = LAYERS[kind](5, return_sequences=True, return_state=True, go_backwards=go_backwards, **kwargs)
    layer(X)
    weights = [w.astype("float64") for w in _random_weights(layer)]
    mask = MASK if masked else None
    output, *states = layer(X, mask=mask)
    last, outputs, *ref_states = _reference(kind, X.astype("float64"), weights, np.zeros((3, 5)), mask=mask,
                                            go_backwards=go_backwards)
    np.testing.assert_allclose(_np(output), outputs, **TOL)
    for state, ref in zip(states, ref_states):
        np.testing.assert_allclose(_np(state), ref, **TOL)
    layer.return_sequences = False
    np.testing.assert_allclose(_np(layer(X, mask=mask)[0]), last, **TOL)


def test_initial_state_and_zero_output_for_mask():
    layer = L.LSTM(3, return_sequences=True, zero_output_for_mask=True)
    layer(X)
    weights = [w.astype("float64") for w in _random_weights(layer)]
    h0, c0 = np.random.default_rng(2).standard_normal((2, 3, 3)).astype("float32")
    out = layer(X, initial_state=[h0, c0], mask=MASK)
    _, expected, _, _ = lstm_reference(X.astype("float64"), h0, c0, *weights, mask=MASK, zero_output_for_mask=True)
    np.testing.assert_allclose(_np(out), expected, **TOL)
    assert np.all(_np(out)[~MASK] == 0)


def test_masked_leading_steps_output_zeros_until_the_first_real_step():
    """Keras's TF/torch rule: the previous output before the first step is zeros, not the initial state."""
    def step(x, states):
        return ops.add(x, states[0]), [ops.add(x, states[0])]

    x = np.ones((1, 3, 2), "float32")
    last, outputs, (state,) = rnn(step, x, [np.full((1, 2), 5.0, "float32")], mask=np.array([[False, True, False]]))
    np.testing.assert_array_equal(_np(outputs)[0], [[0, 0], [6, 6], [6, 6]])
    np.testing.assert_array_equal(_np(last), [[6, 6]])
    np.testing.assert_array_equal(_np(state), [[6, 6]])


def test_dropout_uses_one_mask_per_sequence_and_only_in_training():
    """Identity kernel, zero recurrent kernel: each step's output is its input times the one input mask."""
    layer = L.SimpleRNN(8, activation=None, dropout=0.5, return_sequences=True, seed=3)
    x = np.ones((4, 5, 8), "float32")
    layer(x)
    layer.set_weights([np.eye(8, dtype="float32"), np.zeros((8, 8), "float32"), np.zeros(8, "float32")])
    out = _np(layer(x, training=True))
    assert set(np.unique(out)) <= {0.0, 2.0} and 0 < np.mean(out == 0) < 1
    np.testing.assert_array_equal(out, np.repeat(out[:, :1], 5, axis=1))
    assert not np.array_equal(_np(layer(x, training=True)), out)  # a new mask for the next sequence
    np.testing.assert_array_equal(_np(layer(x)), x)


@pytest.mark.parametrize("make", [lambda: L.LSTM(3, dropout=0.3, recurrent_dropout=0.3),
                                  lambda: L.GRU(3, dropout=0.3, recurrent_dropout=0.3, reset_after=False),
                                  lambda: L.GRU(3, dropout=0.3)], ids=["lstm", "gru_reset_before", "gru_op"])
def test_dropout_rnns_run_in_training_and_are_exact_at_inference(make):
    layer = make()
    inference = _np(layer(X))
    reference = make()
    reference(X)
    reference.set_weights(layer.get_weights())
    reference.cell.dropout = reference.cell.recurrent_dropout = 0.0
    np.testing.assert_allclose(inference, _np(reference(X)), **TOL)
    assert not np.allclose(_np(layer(X, training=True)), inference)


def test_stateful_layer_carries_states_between_calls():
    layer = L.GRU(3, stateful=True, batch_input_shape=(3, 6, 4))
    first, second = _np(layer(X)), _np(layer(X))
    fresh = L.GRU(3)
    fresh(X)
    fresh.set_weights(layer.get_weights())
    np.testing.assert_allclose(first, _np(fresh(X)), **TOL)
    np.testing.assert_allclose(second, _np(fresh(X, initial_state=first)), **TOL)
    assert len(layer.weights) == 3 and len(layer.get_weights()) == 3 and len(layer.states) == 1
    layer.reset_states()
    np.testing.assert_allclose(_np(layer(X)), first, **TOL)
    layer.reset_state([np.ones((3, 3), "float32")])
    np.testing.assert_allclose(_np(layer.states[0].value), 1.0)
    with pytest.raises(ValueError, match="stateful with batch size 3"):
        layer(X[:2])


def test_user_cell_with_list_state_size_and_stacked_cells():
    class Accumulator(L.Layer):
        """Keeps a running sum and a running count; outputs sum * kernel."""
        state_size = [2, 1]
        output_size = 2

        def build(self, input_shape):
            self.kernel = self.add_weight((2,), initializer="ones", name="kernel")

        def call(self, inputs, states):
            total, count = ops.add(states[0], inputs), ops.add(states[1], 1.0)
            return ops.multiply(total, self.kernel), [total, count]

    x = np.arange(12, dtype="float32").reshape(2, 3, 2)
    out, total, count = L.RNN(Accumulator(), return_state=True)(x)
    np.testing.assert_allclose(_np(out), x.sum(axis=1))
    np.testing.assert_allclose(_np(count), 3.0)
    stacked = L.RNN([L.SimpleRNNCell(3), L.LSTMCell(2)], return_state=True)
    out, (simple_h,), (h, c) = stacked(X)  # SimpleRNNCell's initial state is a list of one, as in Keras
    assert _np(out).shape == (3, 2) and _np(simple_h).shape == (3, 3)
    np.testing.assert_allclose(_np(out), _np(h))
    assert [w.shape for w in stacked.weights] == [(4, 3), (3, 3), (3,), (3, 8), (2, 8), (8,)]


def test_bidirectional_state_order_and_initial_state_split():
    layer = L.Bidirectional(L.LSTM(2, return_sequences=True, return_state=True), merge_mode=None)
    forward, backward, *states = layer(X)
    assert len(states) == 4
    f_weights = [w.astype("float64") for w in layer.forward_layer.get_weights()]
    b_weights = [w.astype("float64") for w in layer.backward_layer.get_weights()]
    h0 = np.random.default_rng(4).standard_normal((4, 3, 2)).astype("float32")
    forward, backward, *states = layer(X, initial_state=list(h0), mask=MASK)
    _, f_out, f_h, f_c = lstm_reference(X, h0[0], h0[1], *f_weights, mask=MASK, zero_output_for_mask=True)
    _, b_out, b_h, b_c = lstm_reference(X, h0[2], h0[3], *b_weights, mask=MASK, go_backwards=True,
                                        zero_output_for_mask=True)
    np.testing.assert_allclose(_np(forward), f_out, **TOL)
    np.testing.assert_allclose(_np(backward), b_out[:, ::-1], **TOL)
    for state, ref in zip(states, (f_h, f_c, b_h, b_c)):
        np.testing.assert_allclose(_np(state), ref, **TOL)


def test_compute_mask_rules():
    mask = ops.convert_to_tensor(MASK)
    assert L.LSTM(2).compute_mask(X, mask) is None
    assert L.LSTM(2, return_sequences=True).compute_mask(X, mask) is mask
    assert L.LSTM(2, return_sequences=True, return_state=True).compute_mask(X, mask) == [mask, None, None]
    assert L.Bidirectional(L.GRU(2, return_sequences=True), merge_mode=None).compute_mask(X, mask) == [mask, mask]
    assert L.Bidirectional(L.GRU(2)).compute_mask(X, mask) is None
    assert L.TimeDistributed(L.Dense(2)).compute_mask(X, mask) is mask


def test_embedding_mask_reaches_the_lstm_in_a_sequential_model():
    ids = np.array([[3, 5, 2, 0, 0], [0, 0, 4, 1, 7]], "int32")
    model = kerafront.Sequential([L.Embedding(9, 4, mask_zero=True), L.LSTM(3, return_sequences=True)])
    out = _np(model(ids))
    embedded = model.layers[0](ids)
    np.testing.assert_allclose(out, _np(model.layers[1](embedded, mask=ids != 0)), **TOL)
    np.testing.assert_allclose(out[0, 3:], np.repeat(out[0, 2:3], 2, axis=0), **TOL)


def test_functional_api_with_unknown_time_dimension():
    inputs = kerafront.Input((None, 8))
    sequences, h, c = L.LSTM(4, return_sequences=True, return_state=True)(inputs)
    assert sequences.shape == (None, None, 4) and h.shape == c.shape == (None, 4)
    merged = L.Bidirectional(L.GRU(3, return_sequences=True))(sequences)
    outputs = L.TimeDistributed(L.Dense(2))(merged)
    assert merged.shape == (None, None, 6) and outputs.shape == (None, None, 2)
    model = kerafront.Model(inputs, [outputs, h])
    out, state = model(np.zeros((2, 7, 8), "float32"))
    assert _np(out).shape == (2, 7, 2) and _np(state).shape == (2, 4)


@pytest.mark.parametrize("make", [
    lambda: L.RNN(L.LSTMCell(3), return_sequences=True, go_backwards=True),
    lambda: L.RNN([L.GRUCell(3, reset_after=False), L.SimpleRNNCell(2)]),
    lambda: L.Bidirectional(L.GRU(3), merge_mode="mul", backward_layer=L.GRU(3, go_backwards=True, activation="relu")),
    lambda: L.TimeDistributed(L.Dense(2, activation="relu")),
    lambda: L.LSTM(3, unit_forget_bias=False, recurrent_dropout=0.1, use_cudnn=False),
], ids=["rnn_cell", "stacked", "bidirectional_backward_layer", "time_distributed", "lstm_options"])
def test_nested_configs_round_trip_through_json(make):
    layer = make()
    expected = _np(layer(X))
    clone = deserialize(json.loads(json.dumps(serialize(layer))))
    assert json.dumps(clone.get_config(), sort_keys=True) == json.dumps(layer.get_config(), sort_keys=True)
    clone(X)
    clone.set_weights(layer.get_weights())
    np.testing.assert_allclose(_np(clone(X)), expected, **TOL)


def test_unit_forget_bias_initializes_the_forget_gate_to_one():
    layer = L.LSTM(2, bias_initializer="ones", unit_forget_bias=True)
    layer(X)
    np.testing.assert_array_equal(layer.get_weights()[2], np.ones(8))
    layer = L.LSTM(2)
    layer(X)
    np.testing.assert_array_equal(layer.get_weights()[2], [0, 0, 1, 1, 0, 0, 0, 0])


@pytest.mark.parametrize("call, message", [
    (lambda: L.LSTM(2)(np.zeros((2, 3), "float32")), r'layer "lstm.*" \(LSTM\).*expected rank 3.*\(2, 3\)'),
    (lambda: L.GRU(2)(X, mask=np.ones((3, 5), bool)), r'GRU layer ".*": the mask must have shape.*\(3, 6\).*\(3, 5\)'),
    (lambda: L.Bidirectional(L.LSTM(2), merge_mode="max"), r"Bidirectional: unknown merge_mode 'max'"),
    (lambda: L.LSTM(2)(X, initial_state=[np.zeros((3, 2), "float32")]),
     r'LSTM layer ".*": initial_state must be 2 tensor\(s\) of shape \(batch, 2\), \(batch, 2\).*received 1'),
    (lambda: L.SimpleRNN(2)(X, initial_state=np.zeros((3, 4), "float32")),
     r"initial_state must be 1 tensor\(s\) of shape \(batch, 2\).*received 1 of shape\(s\) \(3, 4\)"),
    (lambda: kerafront.Sequential([kerafront.Input((6, 4)), L.LSTM(2, stateful=True)]),
     r'LSTM layer ".*": stateful=True needs a fixed batch size, received inputs of shape \(None, 6, 4\)'),
    (lambda: L.LSTM(2, activation="relu", use_cudnn=True)(X), r'LSTM layer ".*": use_cudnn=True needs'),
    (lambda: L.TimeDistributed(L.Dense(2))(np.zeros((2, 3), "float32")), r"TimeDistributed .*rank >= 3"),
    (lambda: ops.gru(X, np.zeros((3, 2)), np.zeros((4, 6)), np.zeros((2, 6)), np.zeros((6,))),
     r"gru: bias must have shape \(2, 3 \* units\) with units=2, received shape \(6,\)"),
    (lambda: ops.lstm(X, np.zeros((3, 2)), np.zeros((2, 2)), np.zeros((4, 8)), np.zeros((2, 8))),
     r"lstm: initial_c must have shape \(batch, units\) = \(3, 2\), received shape \(2, 2\)"),
])
def test_bad_input_names_the_layer_expected_and_received(call, message):
    with pytest.raises(ValueError, match=message):
        call()


# ----------------------------------------------------------------------------------------------
# Keras 3 itself


KERAS_CASES = {
    "lstm_sequences": ("LSTM", dict(units=5, return_sequences=True)),
    "lstm_backwards_state": ("LSTM", dict(units=5, go_backwards=True, return_state=True)),
    "lstm_cell_loop": ("LSTM", dict(units=4, activation="relu", return_sequences=True)),
    "gru_reset_after": ("GRU", dict(units=5, return_sequences=True, return_state=True)),
    "gru_reset_before_backwards": ("GRU", dict(units=5, reset_after=False, go_backwards=True, return_sequences=True)),
    "gru_no_bias": ("GRU", dict(units=3, use_bias=False)),
    "simple_rnn_state": ("SimpleRNN", dict(units=3, return_state=True, go_backwards=True)),
}


def _both(keras, build):
    """Run ``build(lib)`` for kerafront and Keras, give both Keras's weights made nonzero; returns the pair."""
    ours, theirs = build(kerafront), build(keras)
    ours(X)
    theirs(X)
    assert [v.path.split("/")[-1] for v in ours.weights] == [v.path.split("/")[-1] for v in theirs.weights]
    rng = np.random.default_rng(7)
    weights = [(rng.standard_normal(tuple(v.shape)) * 0.5).astype("float32") for v in theirs.weights]
    assert [w.shape for w in ours.get_weights()] == [w.shape for w in weights]
    theirs.set_weights(weights)
    ours.set_weights(weights)
    return ours, theirs


def _assert_same_outputs(ours, theirs, **kwargs):
    a, b = ours(X, **kwargs), theirs(X, **kwargs)
    a, b = (list(a), list(b)) if isinstance(b, (list, tuple)) else ([a], [b])
    assert len(a) == len(b)
    for x, y in zip(a, b):
        np.testing.assert_allclose(_np(x), np.asarray(y), **TOL)


@pytest.mark.parametrize("case", sorted(KERAS_CASES))
def test_layer_matches_keras(keras, case):
    name, kwargs = KERAS_CASES[case]
    ours, theirs = _both(keras, lambda lib: getattr(lib.layers, name)(**kwargs))
    _assert_same_outputs(ours, theirs)
    _assert_same_outputs(ours, theirs, mask=MASK)
    assert sorted(ours.get_config()) == sorted(set(theirs.get_config()) | {"seed"})


@pytest.mark.parametrize("merge_mode, masked", [("concat", True), (None, True), ("sum", False), ("mul", False),
                                                ("ave", False)])
def test_bidirectional_matches_keras(keras, merge_mode, masked):
    ours, theirs = _both(keras, lambda lib: lib.layers.Bidirectional(
        lib.layers.LSTM(3, return_sequences=True), merge_mode=merge_mode))
    _assert_same_outputs(ours, theirs, mask=MASK if masked else None)
    if merge_mode in ("concat", None):
        ours, theirs = _both(keras, lambda lib: lib.layers.Bidirectional(lib.layers.GRU(3, return_state=True),
                                                                         merge_mode=merge_mode))
        _assert_same_outputs(ours, theirs)


def test_stacked_cells_and_time_distributed_match_keras(keras):
    ours, theirs = _both(keras, lambda lib: lib.layers.RNN(
        [lib.layers.LSTMCell(3), lib.layers.GRUCell(2, reset_after=False)], return_sequences=True))
    _assert_same_outputs(ours, theirs)
    _assert_same_outputs(ours, theirs, mask=MASK)
    ours, theirs = _both(keras, lambda lib: lib.layers.TimeDistributed(lib.layers.Dense(3, activation="tanh")))
    _assert_same_outputs(ours, theirs)
