"""Conformance level 3: layers with identical weights agree with the NumPy reference.

Every row of ``kerafront.layers.testing.LAYER_CASES`` is built on the reference and on each other
backend; the reference's weights (perturbed, so that BatchNorm's moving statistics and biases are
not trivial) are copied with ``set_weights``; then outputs and the gradients of
``sum(outputs * cotangent)`` with respect to every trainable weight and every float input must
match, in inference mode and -- where the layer is deterministic -- in training mode. Dropout rows
run at inference only (masks come from each backend's own generator). Then a functional model with
two branches and a merge, and BatchNormalization's moving statistics after a training call.

Tolerances: float32 of class ``linalg`` (convolutions and matmuls reorder sums), gradients x10
(``conformance_tests/tolerances.py``).
"""

import numpy as np
import pytest

import kerafront
from kerafront import layers as L
from kerafront import ops
from kerafront.layers.testing import LAYER_CASES, reference_arrays, run_with_gradients

from conformance_tests import harness, tolerances

CASES = {case.id: case for case in LAYER_CASES}
_reference = {}


def _perturbed(weights, seed=5):
    rng = np.random.default_rng(seed)
    return [w + 0.1 * rng.uniform(-1, 1, w.shape).astype(w.dtype) if w.dtype.kind == "f" else w for w in weights]


def _run_case(backend, case, training, weights=None):
    """Build ``case`` on ``backend``, set ``weights`` (default: the perturbed initial ones), run with gradients."""
    with kerafront.backend_scope(backend):
        kerafront.utils.set_random_seed(0)
        layer = case.make()
        inputs, cotangent = reference_arrays(case)
        layer(inputs)
        layer.set_weights(_perturbed(layer.get_weights()) if weights is None else weights)
        outputs, weight_grads, input_grads = run_with_gradients(layer, inputs, training, cotangent,
                                                                differentiate_inputs=not case.int_inputs)
        return layer.get_weights(), outputs, weight_grads, input_grads


def _compare(backend, what, actual, expected, vjp=False):
    """Record the error and return a problem string (None when within tolerance)."""
    rtol, atol = tolerances.tolerance("float32", "linalg", vjp=vjp)
    reason = tolerances.mismatch(actual, expected, rtol, atol)
    max_abs, max_rel = tolerances.errors(actual, expected) if np.shape(actual) == np.shape(expected) else (np.inf,) * 2
    harness.RECORDS.append(("layer_vjp" if vjp else "layer", backend, "float32", max_abs, max_rel, reason is None))
    return None if reason is None else f"{what} on {backend}: {reason}; max abs err {max_abs:.3g}"


def _modes(case):
    return [False] + ([True] if case.training and not case.random_in_training else [])


@pytest.mark.parametrize("case_id", sorted(CASES))
def test_layer_matches_reference(other_backend, case_id):
    case = CASES[case_id]
    problems = []
    for training in _modes(case):
        key = (case_id, training)
        if key not in _reference:
            _reference[key] = _run_case(harness.REFERENCE, case, training)
        weights, ref_out, ref_weight_grads, ref_input_grads = _reference[key]
        _, out, weight_grads, input_grads = _run_case(other_backend, case, training, weights)
        mode = "training" if training else "inference"
        problems.append(_compare(other_backend, f"{case_id} ({mode}) outputs", out, ref_out))
        assert len(weight_grads) == len(ref_weight_grads)
        for i, (g, ref) in enumerate(zip(weight_grads, ref_weight_grads)):
            problems.append(_compare(other_backend, f"{case_id} ({mode}) grad of weight {i}", g, ref, vjp=True))
        if ref_input_grads is not None:
            pairs = zip(input_grads, ref_input_grads) if isinstance(ref_input_grads, list) else [
                (input_grads, ref_input_grads)]
            for i, (g, ref) in enumerate(pairs):
                problems.append(_compare(other_backend, f"{case_id} ({mode}) grad of input {i}", g, ref, vjp=True))
    problems = [p for p in problems if p]
    assert not problems, "\n".join(problems)


def _two_branch_model():
    inputs = L.Input((6, 6, 2))
    left = L.MaxPooling2D()(L.Conv2D(3, 3, padding="same", activation="relu")(inputs))
    right = L.Conv2D(3, 1, activation="tanh")(L.AveragePooling2D()(inputs))
    merged = L.BatchNormalization()(L.Concatenate()([left, right]))
    outputs = L.Dense(4, activation="softmax")(L.Flatten()(merged))
    return kerafront.Model(inputs, outputs)


def _run_model(backend, weights=None):
    rng = np.random.default_rng(7)
    x = rng.standard_normal((3, 6, 6, 2)).astype("float32")
    cotangent = rng.standard_normal((3, 4)).astype("float32")
    with kerafront.backend_scope(backend):
        kerafront.utils.set_random_seed(0)
        model = _two_branch_model()
        model.set_weights(_perturbed(model.get_weights()) if weights is None else weights)
        weights = model.get_weights()
        results = {}
        for training in (False, True):
            results[training] = run_with_gradients(model, x, training, cotangent)
        model(x, training=True)  # an eager training call updates the moving statistics in place
        return weights, results, model.get_weights()[-2:]


def test_functional_model_with_two_branches_and_a_merge(other_backend):
    weights, expected, expected_statistics = _run_model(harness.REFERENCE)
    _, actual, statistics = _run_model(other_backend, weights)
    problems = [_compare(other_backend, f"BatchNormalization {name} after a training call", got, want)
                for name, got, want in zip(("moving_mean", "moving_variance"), statistics, expected_statistics)]
    for training in (False, True):
        (out, weight_grads, input_grads), (ref_out, ref_weight_grads, ref_input_grads) = actual[training], expected[training]
        problems.append(_compare(other_backend, f"outputs (training={training})", out, ref_out))
        problems.append(_compare(other_backend, f"input grads (training={training})", input_grads, ref_input_grads,
                                 vjp=True))
        for i, (g, ref) in enumerate(zip(weight_grads, ref_weight_grads)):
            problems.append(_compare(other_backend, f"grad of weight {i} (training={training})", g, ref, vjp=True))
    problems = [p for p in problems if p]
    assert not problems, "\n".join(problems)


def _batch_norm_statistics(backend):
    x = np.random.default_rng(3).standard_normal((8, 4, 4, 3)).astype("float32") * 2 + 1
    with kerafront.backend_scope(backend):
        layer = L.BatchNormalization(momentum=0.9)
        layer(x)
        trainable = [v.value for v in layer.trainable_variables]
        non_trainable = [v.value for v in layer.non_trainable_variables]
        _, stateless = layer.stateless_call(trainable, non_trainable, x, training=True)
        layer(x, training=True)
        return [ops.convert_to_numpy(v) for v in stateless], layer.get_weights()[2:]


def test_batch_norm_moving_statistics_after_a_training_call(backend):
    stateless, eager = _batch_norm_statistics(backend)
    x = np.random.default_rng(3).standard_normal((8, 4, 4, 3)) * 2 + 1
    expected = [0.1 * x.mean(axis=(0, 1, 2)), 0.9 + 0.1 * x.var(axis=(0, 1, 2))]
    problems = []
    for name, got in (("stateless_call", stateless), ("eager call", eager)):
        for stat, value, want in zip(("moving_mean", "moving_variance"), got, expected):
            problems.append(_compare(backend, f"{name} {stat}", value, want.astype("float32")))
    problems = [p for p in problems if p]
    assert not problems, "\n".join(problems)
