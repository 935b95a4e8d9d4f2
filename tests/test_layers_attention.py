"""MultiHeadAttention, Attention, AdditiveAttention and Masking against NumPy computations and Keras 3.

NumPy references are written here from the papers' formulas (projections, scaled dot product,
masked softmax); attention over several axes is checked by flattening those axes into one, and over
a single inner axis by folding the outer axis into the batch. The Keras comparisons (skipped where
``keras`` is not installed) give both libraries the same weights and compare outputs and scores.
"""

import json
import os

import numpy as np
import pytest

import kerafront
from kerafront import _masking, ops
from kerafront import layers as L
from kerafront.saving import deserialize, serialize

TOL = dict(rtol=1e-5, atol=1e-5)


@pytest.fixture(scope="module")
def keras():
    os.environ.setdefault("KERAS_BACKEND", "numpy")  # no effect if another test module imported keras first
    return pytest.importorskip("keras")


def _np(x):
    return ops.convert_to_numpy(x)


def _softmax(x, axis=-1):
    e = np.exp(x - x.max(axis=axis, keepdims=True))
    return e / e.sum(axis=axis, keepdims=True)


def _random_weights(layer, seed=1):
    """Nonzero weights of ``layer``'s shapes (biases included), set on it and returned."""
    rng = np.random.default_rng(seed)
    weights = [rng.uniform(-0.5, 0.5, w.shape).astype("float32") for w in layer.get_weights()]
    layer.set_weights(weights)
    return weights


def _mha_reference(query, value, key, weights, num_heads, key_dim, mask=None, use_bias=True):
    """``(output, probabilities)`` of multi-head attention on ``(B, T, d)`` inputs; ``mask`` ``(B, T, S)``."""
    if use_bias:
        wq, bq, wk, bk, wv, bv, wo, bo = weights
    else:
        (wq, wk, wv, wo), bq, bk, bv, bo = weights, 0, 0, 0, 0
    q = np.einsum("btd,dnh->btnh", query, wq) + bq
    k = np.einsum("bsd,dnh->bsnh", key, wk) + bk
    v = np.einsum("bsd,dnh->bsnh", value, wv) + bv
    scores = np.einsum("btnh,bsnh->bnts", q, k) / np.sqrt(key_dim)
    if mask is not None:
        scores = np.where(mask[:, None], scores, -1e9)
    probabilities = _softmax(scores)
    if mask is not None:
        probabilities = np.where(mask[:, None], probabilities, 0.0)
    heads = np.einsum("bnts,bsnh->btnh", probabilities, v)
    out_dims = wo.shape[2:]
    output = np.einsum("btnh,nho->bto", heads, wo.reshape(wo.shape[0], wo.shape[1], -1)) + np.ravel(bo)
    return output.reshape(output.shape[:2] + out_dims), probabilities


def _inputs(rng, *shapes):
    return [rng.standard_normal(s).astype("float32") for s in shapes]


# ----------------------------------------------------------------------------------------------
# MultiHeadAttention against NumPy


def test_mha_matches_numpy_with_key_value_dim_and_output_shape(rng):
    query, value, key = _inputs(rng, (2, 4, 6), (2, 5, 7), (2, 5, 3))
    layer = L.MultiHeadAttention(3, 2, value_dim=4, output_shape=(2, 5))
    layer(query, value, key)
    assert [w.path for w in layer.weights] == [f"{layer.name}/{p}/{w}" for p in ("query", "key", "value",
                                               "attention_output") for w in ("kernel", "bias")]
    assert [w.shape for w in layer.weights] == [(6, 3, 2), (3, 2), (3, 3, 2), (3, 2), (7, 3, 4), (3, 4), (3, 4, 2, 5),
                                                (2, 5)]
    weights = _random_weights(layer)
    output, scores = layer(query, value, key, return_attention_scores=True)
    expected, probabilities = _mha_reference(query, value, key, weights, 3, 2)
    assert output.shape == (2, 4, 2, 5) and scores.shape == (2, 3, 4, 5)
    np.testing.assert_allclose(_np(output), expected, **TOL)
    np.testing.assert_allclose(_np(scores), probabilities, **TOL)


def test_mha_masks_combine_as_a_logical_and(rng):
    query, value = _inputs(rng, (2, 4, 6), (2, 5, 6))
    query_mask = np.array([[1, 1, 1, 0], [1, 1, 0, 0]], bool)
    value_mask = np.array([[1, 1, 1, 0, 0], [1, 1, 1, 1, 1]], bool)
    attention_mask = rng.random((2, 4, 5)) > 0.3
    layer = L.MultiHeadAttention(2, 3, use_bias=False)
    layer(query, value)
    weights = _random_weights(layer)
    output, scores = layer(query, value, query_mask=query_mask, value_mask=value_mask, attention_mask=attention_mask,
                           use_causal_mask=True, return_attention_scores=True)
    causal = np.tril(np.ones((4, 5), bool))
    mask = query_mask[:, :, None] & value_mask[:, None, :] & attention_mask & causal
    expected, probabilities = _mha_reference(query, value, value, weights, 2, 3, mask, use_bias=False)
    np.testing.assert_allclose(_np(output), expected, **TOL)
    np.testing.assert_allclose(_np(scores), probabilities, **TOL)
    assert np.all(_np(scores)[1, :, 2:] == 0)  # fully masked query rows get zero probabilities


def test_mha_attention_over_two_axes_equals_attention_over_the_flattened_axis(rng):
    x = rng.standard_normal((2, 3, 2, 4)).astype("float32")
    layer = L.MultiHeadAttention(2, 2, attention_axes=(1, 2))
    layer(x, x)
    weights = _random_weights(layer)
    output, scores = layer(x, x, return_attention_scores=True)
    flat = x.reshape(2, 6, 4)
    expected, probabilities = _mha_reference(flat, flat, flat, weights, 2, 2)
    np.testing.assert_allclose(_np(output), expected.reshape(2, 3, 2, 4), **TOL)
    np.testing.assert_allclose(_np(scores), probabilities.reshape(2, 2, 3, 2, 3, 2), **TOL)


def test_mha_attention_over_an_inner_axis_treats_the_outer_axis_as_batch(rng):
    x = rng.standard_normal((2, 3, 4, 5)).astype("float32")
    layer = L.MultiHeadAttention(2, 3, attention_axes=2)
    layer(x, x)
    weights = _random_weights(layer)
    output, scores = layer(x, x, return_attention_scores=True)
    folded = x.reshape(6, 4, 5)
    expected, probabilities = _mha_reference(folded, folded, folded, weights, 2, 3)
    assert scores.shape == (2, 3, 2, 4, 4)
    np.testing.assert_allclose(_np(output), expected.reshape(2, 3, 4, 5), **TOL)
    np.testing.assert_allclose(_np(scores), probabilities.reshape(2, 3, 2, 4, 4), **TOL)


def test_mha_dropout_drops_probabilities_only_in_training(rng):
    query, value = _inputs(rng, (2, 4, 6), (2, 5, 6))
    layer = L.MultiHeadAttention(2, 3, dropout=0.5, seed=3)
    plain = L.MultiHeadAttention(2, 3)
    layer(query, value), plain(query, value)
    plain.set_weights(_random_weights(layer))
    np.testing.assert_allclose(_np(layer(query, value)), _np(plain(query, value)), **TOL)
    trained, scores = layer(query, value, training=True, return_attention_scores=True)
    assert np.abs(_np(trained) - _np(plain(query, value))).max() > 1e-3
    np.testing.assert_allclose(_np(scores).sum(-1), 1.0, rtol=1e-5)  # scores are returned before dropout
    assert len(layer.weights) == 8 and len(layer.non_trainable_variables) == 1  # the dropout seed state


def test_mha_gate_and_sliding_window(rng):
    x = rng.standard_normal((1, 5, 4)).astype("float32")
    layer = L.MultiHeadAttention(1, 2, use_gate=True, sliding_window=2, use_bias=False)
    layer(x, x)
    assert [w.path.split("/", 1)[1] for w in layer.weights] == ["query/kernel", "key/kernel", "gate/kernel",
                                                                 "value/kernel", "attention_output/kernel"]
    wq, wk, wg, wv, wo = _random_weights(layer)
    output, scores = layer(x, x, return_attention_scores=True)
    band = np.abs(np.arange(5)[:, None] - np.arange(5)[None, :]) < 2
    assert np.all((_np(scores)[0, 0] > 0) == band)
    _, probabilities = _mha_reference(x, x, x, [wq, wk, wv, wo], 1, 2, band[None], use_bias=False)
    heads = np.einsum("bnts,bsnh->btnh", probabilities, np.einsum("bsd,dnh->bsnh", x, wv))
    gate = 1 / (1 + np.exp(-np.einsum("btd,dnh->btnh", x, wg)))
    np.testing.assert_allclose(_np(output), np.einsum("btnh,nho->bto", heads * gate, wo), **TOL)


@pytest.mark.parametrize("causal", [False, True])
def test_mha_fused_path_gives_the_einsum_path_numbers(rng, causal):
    """No mask (or only the causal one): ops.dot_product_attention; flash_attention=False: the einsum path."""
    query, value = _inputs(rng, (2, 4, 6), (2, 5, 6))
    fused, plain = L.MultiHeadAttention(2, 3), L.MultiHeadAttention(2, 3, flash_attention=False)
    fused(query, value), plain(query, value)
    plain.set_weights(_random_weights(fused))
    assert fused._fused and not plain._fused
    np.testing.assert_allclose(_np(fused(query, value, use_causal_mask=causal)),
                               _np(plain(query, value, use_causal_mask=causal)), **TOL)
    with pytest.raises(ValueError, match="flash_attention=True does not compute the attention scores"):
        L.MultiHeadAttention(2, 3, flash_attention=True)(query, value, return_attention_scores=True)


def test_mha_accepts_a_list_of_inputs(rng):
    query, value = _inputs(rng, (2, 4, 6), (2, 5, 6))
    layer = L.MultiHeadAttention(2, 3)
    np.testing.assert_array_equal(_np(layer([query, value])), _np(layer(query, value)))
    assert layer.compute_output_shape([(2, 4, 6), (2, 5, 6)]) == (2, 4, 6)


# ----------------------------------------------------------------------------------------------
# Attention and AdditiveAttention against NumPy


def _attention_reference(query, value, key, scores, query_mask=None, value_mask=None, causal=False):
    keep = np.ones(scores.shape, bool)
    if value_mask is not None:
        keep &= value_mask[:, None, :]
    if causal:
        keep &= np.tril(np.ones(scores.shape[-2:], bool))
    weights = _softmax(np.where(keep, scores, scores - 1e9))
    output = weights @ value
    if query_mask is not None:
        output = np.where(query_mask[..., None], output, 0.0)
    return output, weights


@pytest.mark.parametrize("score_mode,use_scale", [("dot", False), ("dot", True), ("concat", False), ("concat", True)])
def test_attention_matches_numpy(rng, score_mode, use_scale):
    query, value, key = _inputs(rng, (2, 3, 4), (2, 5, 4), (2, 5, 4))
    query_mask = np.array([[1, 1, 0], [1, 1, 1]], bool)
    value_mask = np.array([[1, 1, 1, 0, 0], [0, 1, 1, 1, 1]], bool)
    layer = L.Attention(use_scale=use_scale, score_mode=score_mode)
    layer([query, value, key])
    assert [w.name for w in layer.weights] == ["scale"] * use_scale + ["concat_score_weight"] * (score_mode == "concat")
    layer.set_weights([np.float32(1.5 + i) for i in range(len(layer.weights))])
    scale = 1.5 if use_scale else 1.0
    if score_mode == "dot":
        scores = scale * query @ key.transpose(0, 2, 1)
    else:
        weight = 2.5 if use_scale else 1.5
        scores = weight * np.tanh(scale * (query[:, :, None] + key[:, None])).sum(-1)
    output, weights = layer([query, value, key], mask=[query_mask, value_mask], use_causal_mask=True,
                            return_attention_scores=True)
    expected, expected_weights = _attention_reference(query, value, key, scores, query_mask, value_mask, causal=True)
    np.testing.assert_allclose(_np(output), expected, **TOL)
    np.testing.assert_allclose(_np(weights), expected_weights, **TOL)
    np.testing.assert_array_equal(_np(layer.compute_mask([query, value], [query_mask, value_mask])), query_mask)


def test_additive_attention_matches_numpy(rng):
    query, value = _inputs(rng, (2, 3, 4), (2, 5, 4))
    value_mask = np.array([[1, 1, 1, 0, 0], [1, 1, 1, 1, 1]], bool)
    layer = L.AdditiveAttention()
    layer([query, value])
    (scale,) = _random_weights(layer)
    assert scale.shape == (4,)
    scores = (scale * np.tanh(query[:, :, None] + value[:, None])).sum(-1)
    expected, expected_weights = _attention_reference(query, value, value, scores, value_mask=value_mask)
    output, weights = layer([query, value], mask=[None, value_mask], return_attention_scores=True)
    np.testing.assert_allclose(_np(output), expected, **TOL)
    np.testing.assert_allclose(_np(weights), expected_weights, **TOL)
    assert "score_mode" not in layer.get_config()


# ----------------------------------------------------------------------------------------------
# Masking


def test_masking_zeroes_masked_timesteps_and_reports_the_mask(rng):
    x = rng.standard_normal((2, 4, 3)).astype("float32")
    x[0, 1] = 0.0
    x[1, 3] = 0.0
    x[1, 0, 0] = 0.0  # one zero feature does not mask the step
    layer = L.Masking()
    mask = x.any(axis=-1)
    np.testing.assert_array_equal(_np(layer(x)), np.where(mask[..., None], x, 0.0))
    np.testing.assert_array_equal(_np(layer.compute_mask(x)), mask)
    padded = np.where(mask[..., None], x, -1.0).astype("float32")
    out = L.Masking(mask_value=-1.0)(padded)
    np.testing.assert_array_equal(_np(out), np.where(mask[..., None], x, 0.0))
    np.testing.assert_array_equal(_np(_masking.get_mask(out)), mask)


def test_masking_and_embedding_masks_reach_attention(rng):
    """Masks attached by Masking / Embedding(mask_zero=True) fill MHA's query/value masks and Attention's mask."""
    ids = np.array([[3, 4, 0, 0], [5, 1, 2, 0]])
    inputs = L.Input((4,), dtype="int32")
    embedded = L.Embedding(10, 6, mask_zero=True)(inputs)
    mha = L.MultiHeadAttention(2, 3)
    attention = L.Attention()
    model = kerafront.Model(inputs, [mha(embedded, embedded), attention([embedded, embedded])])
    mha_out, attention_out = model(ids)
    vectors = _np(model.layers[1](ids))
    mask = ids != 0
    np.testing.assert_allclose(_np(mha_out), _np(mha(vectors, vectors, query_mask=mask, value_mask=mask)), **TOL)
    np.testing.assert_allclose(_np(attention_out), _np(attention([vectors, vectors], mask=[mask, mask])), **TOL)
    assert np.abs(_np(mha_out) - _np(mha(vectors, vectors))).max() > 1e-4


# ----------------------------------------------------------------------------------------------
# Against Keras 3


def _keras_weights(keras, layer):
    """``layer.get_weights()`` without the DeprecationWarning NumPy 2 raises on Keras's (NumPy, JAX) and
    TensorFlow's variables' ``__array__``: ``w + 0`` is a plain tensor on every Keras backend."""
    return [keras.ops.convert_to_numpy(keras.ops.add(w, 0)) for w in layer.weights]


def _keras_mha_pair(keras, rng, inputs, **kwargs):
    theirs = keras.layers.MultiHeadAttention(**kwargs)
    theirs.build(*[x.shape for x in inputs])  # not a call: Keras-on-JAX's fused path refuses value_dim != key_dim
    ours = L.MultiHeadAttention(**kwargs)
    ours(*inputs)
    weights = [rng.uniform(-0.5, 0.5, w.shape).astype("float32") for w in _keras_weights(keras, theirs)]
    theirs.set_weights(weights)
    ours.set_weights(weights)
    return theirs, ours


@pytest.mark.parametrize("kwargs,shapes,call", [
    ({"num_heads": 2, "key_dim": 3}, [(2, 4, 6), (2, 5, 6)], {"use_causal_mask": True}),
    ({"num_heads": 2, "key_dim": 3, "value_dim": 4, "output_shape": (2, 5)}, [(2, 4, 6), (2, 5, 7), (2, 5, 3)], {}),
    ({"num_heads": 2, "key_dim": 2, "attention_axes": (1, 2)}, [(2, 3, 2, 4), (2, 3, 2, 4)], {}),
    ({"num_heads": 1, "key_dim": 2, "use_gate": True, "sliding_window": 2}, [(2, 5, 4), (2, 5, 4)],
     {"use_causal_mask": True}),
], ids=["causal", "value_dim_output_shape_key", "attention_axes_1_2", "gate_sliding_window"])
def test_mha_matches_keras(keras, rng, kwargs, shapes, call):
    inputs = _inputs(rng, *shapes)
    theirs, ours = _keras_mha_pair(keras, rng, inputs, **kwargs)
    assert ours.get_config().keys() >= theirs.get_config().keys() - {"dtype"}
    expected, expected_scores = theirs(*inputs, return_attention_scores=True, **call)
    output, scores = ours(*inputs, return_attention_scores=True, **call)
    np.testing.assert_allclose(_np(output), keras.ops.convert_to_numpy(expected), **TOL)
    np.testing.assert_allclose(_np(scores), keras.ops.convert_to_numpy(expected_scores), **TOL)


def test_mha_masks_match_keras(keras, rng):
    """Keras reads the query mask from the tensor (here attached by Masking); value and attention masks as given."""
    query, value = _inputs(rng, (2, 4, 6), (2, 5, 6))
    query[0, 3] = 0.0
    query[1, 2:] = 0.0
    value_mask = np.array([[1, 1, 1, 0, 0], [1, 1, 1, 1, 1]], bool)
    attention_mask = rng.random((2, 4, 5)) > 0.3
    theirs, ours = _keras_mha_pair(keras, rng, [query, value], num_heads=2, key_dim=3)
    q_in, v_in = keras.Input((4, 6)), keras.Input((5, 6))
    m_in, a_in = keras.Input((5,), dtype="bool"), keras.Input((4, 5), dtype="bool")
    masked = keras.layers.Masking()(q_in)
    # return_attention_scores keeps Keras on its einsum path: its fused path (JAX's dot_product_attention)
    # averages all values for a fully masked query row, where the einsum path and kerafront give zeros
    outputs = theirs(masked, v_in, value_mask=m_in, attention_mask=a_in, use_causal_mask=True,
                     return_attention_scores=True)
    model = keras.Model([q_in, v_in, m_in, a_in], outputs[0])
    expected = keras.ops.convert_to_numpy(model([query, value, value_mask, attention_mask]))
    output = ours(L.Masking()(query), value, value_mask=value_mask, attention_mask=attention_mask,
                  use_causal_mask=True)
    np.testing.assert_allclose(_np(output), expected, **TOL)


@pytest.mark.parametrize("cls,kwargs", [("Attention", {}), ("Attention", {"use_scale": True}),
                                        ("Attention", {"score_mode": "concat", "use_scale": True}),
                                        ("AdditiveAttention", {}), ("AdditiveAttention", {"use_scale": False})])
def test_attention_layers_match_keras(keras, rng, cls, kwargs):
    query, value, key = _inputs(rng, (2, 3, 4), (2, 5, 4), (2, 5, 4))
    masks = [np.array([[1, 1, 0], [1, 1, 1]], bool), np.array([[1, 1, 1, 0, 0], [0, 1, 1, 1, 1]], bool)]
    theirs, ours = getattr(keras.layers, cls)(**kwargs), getattr(L, cls)(**kwargs)
    theirs([query, value, key])
    ours([query, value, key])
    weights = [w + np.float32(0.3) for w in _keras_weights(keras, theirs)]
    theirs.set_weights(weights)
    ours.set_weights(weights)
    assert ours.get_config().keys() == theirs.get_config().keys()
    for call in ({}, {"mask": masks, "use_causal_mask": True}):
        expected, expected_scores = theirs([query, value, key], return_attention_scores=True, **call)
        output, scores = ours([query, value, key], return_attention_scores=True, **call)
        np.testing.assert_allclose(_np(output), keras.ops.convert_to_numpy(expected), **TOL)
        np.testing.assert_allclose(_np(scores), keras.ops.convert_to_numpy(expected_scores), **TOL)


def test_masking_matches_keras(keras, rng):
    x = rng.standard_normal((2, 4, 3)).astype("float32")
    x[0, 1] = 0.5
    x[1, 2:] = 0.5
    theirs, ours = keras.layers.Masking(0.5), L.Masking(0.5)
    np.testing.assert_array_equal(_np(ours(x)), keras.ops.convert_to_numpy(theirs(x)))
    np.testing.assert_array_equal(_np(ours.compute_mask(x)), keras.ops.convert_to_numpy(theirs.compute_mask(x)))
    assert ours.get_config().keys() == theirs.get_config().keys()


# ----------------------------------------------------------------------------------------------
# Functional API, saving, errors


def test_functional_model_with_attention_scores_and_saving(rng, tmp_path):
    query, value = _inputs(rng, (2, 4, 6), (2, 5, 6))
    q_in, v_in = L.Input((4, 6)), L.Input((5, 6))
    output, scores = L.MultiHeadAttention(2, 3, name="mha")(q_in, v_in, return_attention_scores=True,
                                                            use_causal_mask=True)
    assert output.shape == (None, 4, 6) and scores.shape == (None, 2, 4, 5)
    attended, weights = L.Attention(use_scale=True)([L.Masking()(output), v_in], return_attention_scores=True)
    assert attended.shape == (None, 4, 6) and weights.shape == (None, 4, 5)
    pooled = L.AdditiveAttention()([attended, v_in])
    model = kerafront.Model([q_in, v_in], [pooled, scores, weights])
    _random_weights(model)
    expected = [_np(t) for t in model([query, value])]
    path = str(tmp_path / "attention.kerafront")
    kerafront.saving.save_model(model, path)
    loaded = kerafront.saving.load_model(path)
    for got, want in zip(loaded([query, value]), expected):
        np.testing.assert_allclose(_np(got), want, **TOL)
    clone = deserialize(json.loads(json.dumps(serialize(model))))
    clone.set_weights(model.get_weights())
    np.testing.assert_allclose(_np(clone([query, value])[0]), expected[0], **TOL)


def test_mha_build_config_round_trip(rng):
    layer = L.MultiHeadAttention(2, 3)
    layer(*_inputs(rng, (2, 4, 6), (2, 5, 7)))
    build_config = json.loads(json.dumps(layer.get_build_config()))
    assert build_config == {"shapes_dict": {"query_shape": [2, 4, 6], "value_shape": [2, 5, 7]}}
    clone = L.MultiHeadAttention.from_config(layer.get_config())
    clone.build_from_config(build_config)
    assert [w.shape for w in clone.weights] == [w.shape for w in layer.weights]


@pytest.mark.parametrize("make,call,message", [
    (lambda: L.MultiHeadAttention(2, 0), None, r'MultiHeadAttention ".*": key_dim must be a positive integer, got 0'),
    (lambda: L.MultiHeadAttention(0, 2), None, r"num_heads must be a positive integer, got 0"),
    (lambda: L.MultiHeadAttention(2, 2, dropout=1.0), None, r"dropout must be in \[0, 1\)"),
    (lambda: L.MultiHeadAttention(2, 2), lambda layer, q, v: layer(q[:, 0], v[:, 0]),
     r"same rank, at least 3 .* got shapes"),
    (lambda: L.MultiHeadAttention(2, 2), lambda layer, q, v: layer(q, v, value_mask=np.ones((2, 4), bool)),
     r'MultiHeadAttention ".*": value_mask must have shape \(2, 5\) .* got a mask of shape \(2, 4\)'),
    (lambda: L.MultiHeadAttention(2, 2), lambda layer, q, v: layer(q, v, attention_mask=np.ones((2, 5, 4), bool)),
     r"attention_mask must broadcast to the attention scores' shape \(2, 4, 5\)"),
    (lambda: L.MultiHeadAttention(2, 2), lambda layer, q, v: layer(q), r"expected query and value"),
    (lambda: L.MultiHeadAttention(2, 2, attention_axes=(1, 2)), lambda layer, q, v: layer(q, v),
     r"attention_axes must be distinct axes"),
    (lambda: L.Attention(score_mode="add"), None, r'Attention ".*": score_mode must be "dot" or "concat"'),
    (lambda: L.Attention(), lambda layer, q, v: layer(q), r'Attention ".*" must be called on a list'),
    (lambda: L.Attention(), lambda layer, q, v: layer([q, q], mask=[np.ones((2, 3), bool), None]),
     r"query_mask must have shape \(2, 4\)"),
    (lambda: L.Masking(mask_value="zero"), None, r'Masking ".*": mask_value must be a number'),
])
def test_bad_input_raises_a_clear_error(rng, make, call, message):
    query, value = _inputs(rng, (2, 4, 6), (2, 5, 6))
    with pytest.raises(ValueError, match=message):
        layer = make()
        call(layer, query, value)
