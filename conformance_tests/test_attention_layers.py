"""Attention layers and masks on every backend, against the NumPy reference (levels 3 to 5).

The layer table (``LAYER_CASES``) compares unmasked outputs and gradients; here the same layers run
with masks (query, value and attention masks, the causal mask), returning their attention scores,
and outputs, scores and the gradients of ``sum(outputs * c1) + sum(scores * c2)`` with respect to
every weight and input must match the reference. Then masks made by ``Embedding(mask_zero=True)``
reach attention inside a functional model, a transformer block (MultiHeadAttention + residual +
LayerNormalization + feed-forward) follows the reference's loss curve for a few Adam steps, with
float inputs and with masked token ids, and a model with every attention layer saved on one backend
predicts the same when loaded on another.

Tolerances: ``conformance_tests/tolerances.py`` (float32, class ``linalg``); the loss curve uses
test_training.py's ``LOSS_CURVE_RTOL``.
"""

import numpy as np
import pytest

import kerafront
from kerafront import layers as L
from kerafront import ops
from kerafront.saving import load_model, save_model

from conformance_tests import harness, tolerances
from conformance_tests.test_training import LOSS_CURVE_RTOL, WEIGHT_ATOL

_RNG = np.random.default_rng(11)
QUERY_MASK = np.array([[1, 1, 1, 0], [1, 1, 0, 0]], bool)
VALUE_MASK = np.array([[1, 1, 1, 0, 0], [0, 1, 1, 1, 1]], bool)
ATTENTION_MASK = _RNG.random((2, 4, 5)) > 0.3

MASKED_CASES = {
    "mha_all_masks_causal": (lambda: L.MultiHeadAttention(2, 3), [(2, 4, 6), (2, 5, 6)],
                             {"query_mask": QUERY_MASK, "value_mask": VALUE_MASK, "attention_mask": ATTENTION_MASK,
                              "use_causal_mask": True}),
    "mha_key_mask_value_dim": (lambda: L.MultiHeadAttention(2, 3, value_dim=2, output_shape=4),
                               [(2, 4, 6), (2, 5, 6), (2, 5, 3)], {"key_mask": VALUE_MASK, "query_mask": QUERY_MASK}),
    "mha_attention_axes_1_2": (lambda: L.MultiHeadAttention(2, 2, attention_axes=(1, 2)), [(2, 3, 2, 4)] * 2,
                               {"query_mask": np.array([[[1, 1], [1, 0], [1, 1]], [[1, 1], [1, 1], [0, 0]]], bool)}),
    "attention_dot_masks_causal": (lambda: L.Attention(use_scale=True), [(2, 4, 6), (2, 5, 6)],
                                   {"mask": [QUERY_MASK, VALUE_MASK], "use_causal_mask": True}),
    "attention_concat_masks": (lambda: L.Attention(score_mode="concat"), [(2, 4, 6), (2, 5, 6), (2, 5, 6)],
                               {"mask": [None, VALUE_MASK]}),
    "additive_attention_masks": (lambda: L.AdditiveAttention(), [(2, 4, 6), (2, 5, 6)],
                                 {"mask": [QUERY_MASK, VALUE_MASK], "use_causal_mask": True}),
}
_reference = {}


def _compare(backend, what, actual, expected, vjp=False):
    rtol, atol = tolerances.tolerance("float32", "linalg", vjp=vjp)
    reason = tolerances.mismatch(actual, expected, rtol, atol)
    max_abs, max_rel = tolerances.errors(actual, expected) if np.shape(actual) == np.shape(expected) else (np.inf,) * 2
    harness.RECORDS.append(("layer_vjp" if vjp else "layer", backend, "float32", max_abs, max_rel, reason is None))
    return None if reason is None else f"{what} on {backend}: {reason}; max abs err {max_abs:.3g}"


def _run_masked(backend, case_id, weights=None):
    """Outputs, scores and gradients (weights, inputs) of a masked case on ``backend``."""
    make, shapes, call_kwargs = MASKED_CASES[case_id]
    rng = np.random.default_rng(1)
    inputs = [rng.standard_normal(s).astype("float32") for s in shapes]
    with kerafront.backend_scope(backend):
        kerafront.utils.set_random_seed(0)
        layer = make()
        layer(inputs)
        layer.set_weights([rng.uniform(-0.5, 0.5, w.shape).astype("float32") for w in layer.get_weights()]
                          if weights is None else weights)
        kwargs = {k: (v if not isinstance(v, (list, np.ndarray)) else
                      [None if m is None else ops.convert_to_tensor(m) for m in v] if isinstance(v, list)
                      else ops.convert_to_tensor(v)) for k, v in call_kwargs.items()}
        non_trainable = [v.value for v in layer.non_trainable_variables]
        output_shape, scores_shape = (tuple(ops.shape(t)) for t in layer(inputs, return_attention_scores=True,
                                                                             **kwargs))
        cotangents = [ops.convert_to_tensor(np.random.default_rng(2).standard_normal(s).astype("float32"))
                      for s in (output_shape, scores_shape)]

        def loss(trainable, tensors):
            (output, scores), _ = layer.stateless_call(trainable, non_trainable, tensors, return_attention_scores=True,
                                                       **kwargs)
            total = ops.add(ops.sum(ops.multiply(output, cotangents[0])), ops.sum(ops.multiply(scores, cotangents[1])))
            return total, (output, scores)

        trainable = [v.value for v in layer.trainable_variables]
        tensors = [ops.convert_to_tensor(x) for x in inputs]
        (_, (output, scores)), (weight_grads, input_grads) = ops.value_and_grad(
            loss, argnums=(0, 1), has_aux=True)(trainable, tensors)
        to_np = ops.convert_to_numpy
        return (layer.get_weights(), to_np(output), to_np(scores), [to_np(g) for g in weight_grads],
                [to_np(g) for g in input_grads])


@pytest.mark.parametrize("case_id", sorted(MASKED_CASES))
def test_masked_attention_matches_reference(other_backend, case_id):
    if case_id not in _reference:
        _reference[case_id] = _run_masked(harness.REFERENCE, case_id)
    weights, *expected = _reference[case_id]
    _, *actual = _run_masked(other_backend, case_id, weights)
    problems = [_compare(other_backend, f"{case_id} outputs", actual[0], expected[0]),
                _compare(other_backend, f"{case_id} attention scores", actual[1], expected[1])]
    for kind, got, want in (("weight", actual[2], expected[2]), ("input", actual[3], expected[3])):
        assert len(got) == len(want)
        problems += [_compare(other_backend, f"{case_id} grad of {kind} {i}", g, w, vjp=True)
                     for i, (g, w) in enumerate(zip(got, want))]
    problems = [p for p in problems if p]
    assert not problems, "\n".join(problems)


def _fused_and_einsum(backend):
    """Outputs and weight gradients of MultiHeadAttention's fused path (ops.dot_product_attention, causal)
    and of its einsum path (flash_attention=False), same weights."""
    rng = np.random.default_rng(3)
    query, value = rng.standard_normal((2, 6, 8)).astype("float32"), rng.standard_normal((2, 6, 8)).astype("float32")
    cotangent = rng.standard_normal((2, 6, 8)).astype("float32")
    results = []
    with kerafront.backend_scope(backend):
        for flash_attention in (None, False):
            kerafront.utils.set_random_seed(0)
            layer = L.MultiHeadAttention(2, 4, flash_attention=flash_attention)
            layer(query, value)
            layer.set_weights([w + 0.1 for w in layer.get_weights()])

            def loss(trainable, layer=layer):
                output, _ = layer.stateless_call(trainable, [], query, value, use_causal_mask=True)
                return ops.sum(ops.multiply(output, cotangent)), output

            (_, output), grads = ops.value_and_grad(loss, has_aux=True)([v.value for v in layer.trainable_variables])
            results.append([ops.convert_to_numpy(t) for t in [output] + list(grads)])
    return results


def test_mha_fused_path_matches_einsum_path(backend):
    fused, einsum = _fused_and_einsum(backend)
    problems = [_compare(backend, f"{'output' if i == 0 else f'grad of weight {i - 1}'} fused vs einsum", f, e,
                         vjp=i > 0) for i, (f, e) in enumerate(zip(fused, einsum))]
    problems = [p for p in problems if p]
    assert not problems, "\n".join(problems)


def test_masking_layer_matches_reference(backend):
    x = np.random.default_rng(4).standard_normal((2, 5, 3)).astype("float32")
    x[0, 1], x[1, 3:] = 0.0, 0.0
    with kerafront.backend_scope(backend):
        layer = L.Masking()
        output, mask = ops.convert_to_numpy(layer(x)), ops.convert_to_numpy(layer.compute_mask(x))
    np.testing.assert_array_equal(mask, x.any(axis=-1))
    np.testing.assert_array_equal(output, x)


def _token_model():
    ids = L.Input((6,), dtype="int32")
    embedded = L.Embedding(12, 8, mask_zero=True, name="embedding")(ids)
    attended = L.MultiHeadAttention(2, 4, name="mha")(embedded, embedded)
    scored = L.Attention(name="attention")([attended, embedded])
    return kerafront.Model(ids, [attended, scored])


def test_embedding_masks_reach_attention(backend):
    """``mask_zero`` ids are masked out of MHA's queries/values and Attention's values, on every backend."""
    ids = np.array([[3, 4, 5, 0, 0, 0], [7, 1, 2, 9, 11, 0]], "int32")
    mask = ids != 0
    with kerafront.backend_scope(backend):
        kerafront.utils.set_random_seed(0)
        model = _token_model()
        attended, scored = (ops.convert_to_numpy(t) for t in model(ids))
        vectors = ops.convert_to_numpy(model.get_layer("embedding")(ids))
        mha, attention = model.get_layer("mha"), model.get_layer("attention")
        expected_attended = ops.convert_to_numpy(mha(vectors, vectors, query_mask=mask, value_mask=mask))
        expected_scored = ops.convert_to_numpy(attention([expected_attended, vectors], mask=[mask, mask]))
    np.testing.assert_allclose(attended, expected_attended, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(scored, expected_scored, rtol=1e-5, atol=1e-6)
    assert np.all(scored[~mask] == 0)


# ----------------------------------------------------------------------------------------------
# Level 4: a transformer block trains the same way everywhere


def _transformer_block(tokens):
    """MultiHeadAttention(4 heads, key_dim 4) + residual + LayerNormalization + FFN 32 + residual +
    LayerNormalization, then mean pooling and a linear head; ``tokens``: int ids with padding 0."""
    if tokens:
        inputs = L.Input((8,), dtype="int32")
        x = L.Embedding(20, 16, mask_zero=True)(inputs)
    else:
        inputs = x = L.Input((8, 16))
    attended = L.MultiHeadAttention(4, 4)(x, x)
    x = L.LayerNormalization()(L.Add()([x, attended]))
    feed_forward = L.Dense(16)(L.Dense(32, activation="relu")(x))
    x = L.LayerNormalization()(L.Add()([x, feed_forward]))
    return kerafront.Model(inputs, L.Dense(1)(L.GlobalAveragePooling1D()(x)))


def _block_data(tokens):
    rng = np.random.default_rng(5)
    if tokens:
        x = rng.integers(1, 20, (16, 8)).astype("int32")
        x[:, 6:] = 0
        x[::3, 4:] = 0
    else:
        x = rng.standard_normal((16, 8, 16)).astype("float32")
    return x, rng.standard_normal((16, 1)).astype("float32")


def _block_trajectory(backend, tokens, weights=None, steps=8):
    """Initial weights, the losses of ``steps`` Adam steps on one fixed batch, and the final weights."""
    x, y = _block_data(tokens)
    with kerafront.backend_scope(backend):
        kerafront.utils.set_random_seed(0)
        model = _transformer_block(tokens)
        if weights is not None:
            model.set_weights(weights)
        initial = model.get_weights()
        model.compile(optimizer=kerafront.optimizers.Adam(3e-3), loss="mse")
        losses = [float(model.train_on_batch(x, y)) for _ in range(steps)]
        return initial, np.array(losses), model.get_weights()


_block_reference = {}


@pytest.mark.parametrize("tokens", [False, True], ids=["float_inputs", "masked_token_ids"])
def test_transformer_block_trajectory_matches_reference(other_backend, tokens):
    if tokens not in _block_reference:
        _block_reference[tokens] = _block_trajectory(harness.REFERENCE, tokens)
    initial, ref_losses, ref_weights = _block_reference[tokens]
    _, losses, weights = _block_trajectory(other_backend, tokens, initial)
    assert ref_losses[-1] < ref_losses[0], "the reference did not learn"
    error = np.max(np.abs(losses - ref_losses) / np.abs(ref_losses))
    assert error <= LOSS_CURVE_RTOL, (f"transformer block on {other_backend}: loss curve differs from the reference "
                                      f"by {error:.2e} relative\n{losses}\n{ref_losses}")
    for index, (w, r) in enumerate(zip(weights, ref_weights)):
        np.testing.assert_allclose(w, r, atol=WEIGHT_ATOL,
                                   err_msg=f"transformer block on {other_backend}: weight {index}")


# ----------------------------------------------------------------------------------------------
# Level 5: saved on one backend, loaded on another


def _attention_model():
    query, value = L.Input((4, 6)), L.Input((5, 6))
    attended = L.MultiHeadAttention(2, 3, value_dim=2)(L.Masking()(query), value, use_causal_mask=True)
    scored = L.Attention(use_scale=True, score_mode="concat")([attended, value])
    return kerafront.Model([query, value], L.AdditiveAttention()([scored, value]))


@pytest.mark.parametrize("direction", ["reference_to_other", "other_to_reference"])
def test_attention_model_saved_on_one_backend_loads_on_another(other_backend, direction, tmp_path):
    source, target = ((harness.REFERENCE, other_backend) if direction == "reference_to_other"
                      else (other_backend, harness.REFERENCE))
    rng = np.random.default_rng(6)
    x = [rng.standard_normal((3, 4, 6)).astype("float32"), rng.standard_normal((3, 5, 6)).astype("float32")]
    x[0][0, 2:] = 0.0
    path = tmp_path / "attention.kerafront"
    with kerafront.backend_scope(source):
        kerafront.utils.set_random_seed(1)
        model = _attention_model()
        model.set_weights([w + rng.uniform(-0.3, 0.3, w.shape).astype("float32") for w in model.get_weights()])
        expected = ops.convert_to_numpy(model(x))
        save_model(model, path)
    with kerafront.backend_scope(target):
        got = ops.convert_to_numpy(load_model(path)(x))
    np.testing.assert_allclose(got, expected, rtol=1e-4, atol=1e-5, err_msg=f"saved on {source}, loaded on {target}")
