"""The rest of ``keras.losses`` (focal, hinge family, Dice, Tversky, Circle, generalized crossentropy, CTC)
and ``ops.ctc_loss``/``ops.ctc_decode``: values by hand or NumPy formula, against Keras 3 itself where it is
installed, config keys as Keras's, finite gradients, clear errors."""

import numpy as np
import pytest

import kerafront
from kerafront import losses, ops

EPS = 1e-7
RNG = np.random.default_rng(18)


def _np(x):
    return np.asarray(ops.convert_to_numpy(x))


def _keras():
    return pytest.importorskip("keras")


Y_BIN = np.array([[0, 1, 0, 0], [1, 1, 0, 1]], "float32")
P_BIN = np.array([[0.6, 0.3, 0.2, 0.8], [0.4, 0.7, 0.1, 0.9]], "float32")
Y_ONE_HOT = np.array([[0, 1, 0], [0, 0, 1]], "float32")
P_PROBS = np.array([[0.05, 0.9, 0.05], [0.1, 0.85, 0.05]], "float32")
LOGITS = RNG.normal(size=(2, 3)).astype("float32")
EMBEDDINGS = RNG.normal(size=(6, 4)).astype("float32")
EMBEDDINGS /= np.linalg.norm(EMBEDDINGS, axis=1, keepdims=True)
LABELS = np.array([0, 1, 0, 2, 1, 0], "int32")

# (class name, constructor kwargs, y_true, y_pred): each compared with Keras, per sample and reduced.
KERAS_ROWS = [
    ("SquaredHinge", {}, Y_BIN, LOGITS[:, :2].repeat(2, axis=1)),
    ("CategoricalHinge", {}, Y_ONE_HOT, LOGITS),
    ("BinaryFocalCrossentropy", {}, Y_BIN, P_BIN),
    ("BinaryFocalCrossentropy", {"apply_class_balancing": True, "gamma": 3.0, "from_logits": True,
                                 "label_smoothing": 0.1}, Y_BIN, LOGITS[:, :2].repeat(2, axis=1)),
    ("CategoricalFocalCrossentropy", {}, Y_ONE_HOT, P_PROBS),
    ("CategoricalFocalCrossentropy", {"alpha": 0.5, "gamma": 1.0, "from_logits": True, "label_smoothing": 0.2},
     Y_ONE_HOT, LOGITS),
    ("CategoricalGeneralizedCrossEntropy", {"q": 0.3}, np.array([1, 2]), P_PROBS),
    ("Dice", {}, Y_BIN, P_BIN),
    ("Dice", {"axis": 1}, Y_BIN, P_BIN),
    ("Tversky", {"alpha": 0.3, "beta": 0.7, "axis": 1}, Y_BIN, P_BIN),
    ("Circle", {"gamma": 2.0, "margin": 0.25}, LABELS, EMBEDDINGS),
    ("Circle", {"remove_diagonal": False}, LABELS, EMBEDDINGS),
    ("CTC", {}, np.array([[1, 2, 0], [3, 3, 1]]), RNG.normal(size=(2, 7, 5)).astype("float32")),
    ("SparseCategoricalCrossentropy", {"ignore_class": 2, "axis": -1}, np.array([1, 2]), P_PROBS),
]


@pytest.mark.parametrize("name, kwargs, y_true, y_pred", KERAS_ROWS, ids=[f"{r[0]}-{i}" for i, r in
                                                                         enumerate(KERAS_ROWS)])
def test_loss_matches_keras(name, kwargs, y_true, y_pred):
    keras = _keras()
    for reduction in ("sum_over_batch_size", "sum", None):
        ours = getattr(losses, name)(reduction=reduction, **kwargs)(y_true, y_pred)
        theirs = getattr(keras.losses, name)(reduction=reduction, **kwargs)(y_true, y_pred)
        np.testing.assert_allclose(_np(ours), np.asarray(theirs), rtol=2e-5, atol=2e-6, err_msg=f"{reduction}")
    ours = getattr(losses, name)(**kwargs).get_config()
    theirs = getattr(keras.losses, name)(**kwargs).get_config()
    assert ours == theirs


def test_function_forms_match_keras():
    keras = _keras()
    rows = [("squared_hinge", {}, Y_BIN, P_BIN), ("categorical_hinge", {}, Y_ONE_HOT, LOGITS),
            ("binary_focal_crossentropy", {"gamma": 1.5}, Y_BIN, P_BIN),
            ("categorical_focal_crossentropy", {"alpha": [0.2, 0.3, 0.5]}, Y_ONE_HOT, P_PROBS),
            ("categorical_generalized_cross_entropy", {"q": 0.7}, np.array([1, 0]), P_PROBS),
            ("dice", {"axis": (1,)}, Y_BIN, P_BIN), ("tversky", {"alpha": 0.1, "beta": 0.9}, Y_BIN, P_BIN),
            ("circle", {"gamma": 4.0}, LABELS, EMBEDDINGS),
            ("ctc", {}, np.array([[2, 1], [1, 0]]), RNG.normal(size=(2, 4, 3)).astype("float32"))]
    for name, kwargs, y_true, y_pred in rows:
        np.testing.assert_allclose(_np(getattr(losses, name)(y_true, y_pred, **kwargs)),
                                   np.asarray(getattr(keras.losses, name)(y_true, y_pred, **kwargs)),
                                   rtol=2e-5, atol=2e-6, err_msg=name)


def test_hand_values():
    # squared hinge: {0,1} -> {-1,1}; y=[1,-1], p=[0.5, 0.5] -> mean([0.25, 2.25]) = 1.25
    assert np.isclose(float(_np(losses.squared_hinge(np.array([[1.0, 0.0]]), np.array([[0.5, 0.5]])))[0]), 1.25)
    # categorical hinge: pos = 0.6, neg = max(0.3, 0.1) -> max(0.3 - 0.6 + 1, 0) = 0.7
    value = losses.categorical_hinge(np.array([[0.0, 1.0, 0.0]]), np.array([[0.3, 0.6, 0.1]]))
    assert np.isclose(float(_np(value)[0]), 0.7)
    # binary focal, gamma=2: y=1, p=0.8 -> 0.2**2 * -log(0.8)
    value = losses.binary_focal_crossentropy(np.array([[1.0]]), np.array([[0.8]]))
    assert np.isclose(float(_np(value)[0]), 0.04 * -np.log(0.8), rtol=1e-5)
    # categorical focal: alpha * (1 - 0.9)**2 * -log(0.9)
    value = losses.categorical_focal_crossentropy(np.array([[0.0, 1.0, 0.0]]), np.array([[0.05, 0.9, 0.05]]))
    assert np.isclose(float(_np(value)[0]), 0.25 * 0.01 * -np.log(0.9), rtol=1e-5)
    # generalized crossentropy: (1 - 0.8 ** 0.5) / 0.5
    value = losses.categorical_generalized_cross_entropy(np.array([1]), np.array([[0.2, 0.8]]), q=0.5)
    assert np.isclose(float(_np(value)[0]), (1 - np.sqrt(0.8)) / 0.5, rtol=1e-6)
    # dice over everything: 1 - 2 * 1.0 / (2 + 1.5)
    value = losses.dice(np.array([[1.0, 1.0, 0.0]]), np.array([[0.5, 0.5, 0.5]]))
    assert np.isclose(float(_np(value)), 1 - 2.0 / (3.5 + EPS), rtol=1e-6)
    # tversky: TP=1, FP(keras: y*(1-p))=1, FN((1-y)*p)=0.5 -> 1 - 1 / (1 + 0.3 * 1 + 0.7 * 0.5)
    value = losses.tversky(np.array([[1.0, 1.0, 0.0]]), np.array([[0.5, 0.5, 0.5]]), alpha=0.3, beta=0.7)
    assert np.isclose(float(_np(value)), 1 - 1 / (1.65 + EPS), rtol=1e-6)


def _circle_reference(labels, embeddings, gamma, margin):
    distances = np.maximum(1 - embeddings @ embeddings.T, 0)
    values = []
    for i in range(len(labels)):
        pos = [j for j in range(len(labels)) if labels[j] == labels[i] and j != i]
        neg = [j for j in range(len(labels)) if labels[j] != labels[i]]
        p = [-gamma * max(margin + distances[i, j], 0) * (margin - distances[i, j]) for j in pos]
        n = [gamma * max(1 + margin - distances[i, j], 0) * (1 - margin - distances[i, j]) for j in neg]
        if not p or not n:
            values.append(0.0)
            continue
        values.append(np.logaddexp(0, np.logaddexp.reduce(p) + np.logaddexp.reduce(n)))
    return np.array(values)


def test_circle_against_definition_and_mean_over_positive_rows():
    labels = np.array([0, 1, 0, 2], "int32")   # the rows of labels 1 and 2 have no positive pair: loss 0
    expected = _circle_reference(labels, EMBEDDINGS[:4].astype(np.float64), gamma=3.0, margin=0.4)
    per_row = losses.circle(labels, EMBEDDINGS[:4], gamma=3.0)
    np.testing.assert_allclose(_np(per_row), expected, rtol=1e-5, atol=1e-6)
    reduced = losses.Circle(gamma=3.0)(labels, EMBEDDINGS[:4])
    assert np.isclose(float(_np(reduced)), expected[expected > 0].mean(), rtol=1e-5)


def _ctc_brute_force(labels, logits):
    """-log of the summed probability of every path collapsing to ``labels`` (blank 0)."""
    import itertools
    log_probs = logits - np.log(np.exp(logits).sum(-1, keepdims=True))
    total = 0.0
    for path in itertools.product(range(logits.shape[1]), repeat=logits.shape[0]):
        collapsed = [c for k, c in enumerate(path) if c != 0 and (k == 0 or path[k - 1] != c)]
        if collapsed == list(labels):
            total += np.exp(sum(log_probs[t, c] for t, c in enumerate(path)))
    return -np.log(total)


def test_ctc_loss_against_definition():
    logits = RNG.normal(size=(2, 4, 3))
    y_true = np.array([[1, 1], [2, 0]])
    expected = [_ctc_brute_force([1, 1], logits[0]), _ctc_brute_force([2], logits[1])]
    np.testing.assert_allclose(_np(losses.CTC(reduction=None)(y_true, logits.astype("float32"))), expected,
                               rtol=1e-5)
    # one step, one label: -log softmax(logits)[label]
    value = ops.ctc_loss(np.array([[2]]), logits[:1, :1].astype("float32"), np.array([1]), np.array([1]))
    assert np.isclose(float(_np(value)[0]), -(logits[0, 0, 2] - np.log(np.exp(logits[0, 0]).sum())), rtol=1e-5)


def test_ctc_ops_match_keras():
    keras = _keras()
    logits = RNG.normal(size=(3, 5, 5)).astype("float32")
    target = np.array([[1, 2, 2], [4, 0, 0], [3, 1, 0]], "int32")
    target_length, output_length = np.array([3, 1, 2], "int32"), np.array([5, 3, 4], "int32")
    for mask_index in (0, 4):
        ours = ops.ctc_loss(target, logits, target_length, output_length, mask_index=mask_index)
        theirs = keras.ops.ctc_loss(target, logits, target_length, output_length, mask_index=mask_index)
        np.testing.assert_allclose(_np(ours), np.asarray(theirs), rtol=1e-5)
    lengths = np.array([5, 3, 4], "int32")
    # Keras's beam search on JAX compiles for tens of seconds; its NumPy backend's function is the same algorithm.
    # Importing that package rebinds ``keras.src.backend.numpy`` (the active backend's numpy ops, which every
    # ``keras.ops`` call reads) to the NumPy backend; the binding is put back at once.
    import keras.src.backend as keras_backend
    active_numpy = keras_backend.numpy
    try:
        from keras.src.backend.numpy import nn as keras_numpy_nn
    finally:
        keras_backend.numpy = active_numpy
    for kwargs in ({}, {"merge_repeated": False}, {"mask_index": 4},
                   {"strategy": "beam_search", "beam_width": 3, "top_paths": 2},
                   {"strategy": "beam_search", "beam_width": 5, "top_paths": 3, "mask_index": 2}):
        paths, scores = ops.ctc_decode(logits, lengths, **kwargs)
        if kwargs.get("strategy") == "beam_search":
            with np.errstate(divide="ignore"):   # Keras takes log(0) for paths without a blank ending
                keras_paths, keras_scores = keras_numpy_nn.ctc_decode(logits, lengths, **kwargs)
        else:
            keras_paths, keras_scores = keras.ops.ctc_decode(logits, lengths, **kwargs)
        np.testing.assert_array_equal(_np(paths), np.asarray(keras_paths), err_msg=str(kwargs))
        np.testing.assert_allclose(_np(scores), np.asarray(keras_scores), rtol=1e-5, err_msg=str(kwargs))


def test_beam_search_exact_for_wide_beam():
    """With a beam wider than every prefix, the best path's score is the exact prefix probability."""
    logits = RNG.normal(size=(1, 3, 3))
    paths, scores = ops.ctc_decode(logits.astype("float32"), np.array([3]), strategy="beam_search",
                                   beam_width=50, top_paths=1)
    best = [int(v) for v in _np(paths)[0, 0] if v >= 0]
    assert np.isclose(float(_np(scores)[0, 0]), -_ctc_brute_force(best, logits[0]), rtol=1e-5)


@pytest.mark.parametrize("name, kwargs, y_true, y_pred", [
    ("BinaryFocalCrossentropy", {"from_logits": True}, Y_BIN, LOGITS[:, :2].repeat(2, axis=1)),
    ("CategoricalFocalCrossentropy", {"from_logits": True}, Y_ONE_HOT, LOGITS),
    ("CategoricalHinge", {}, Y_ONE_HOT, LOGITS), ("SquaredHinge", {}, Y_BIN, LOGITS[:, :2].repeat(2, axis=1)),
    ("Dice", {}, Y_BIN, P_BIN), ("Tversky", {}, Y_BIN, P_BIN),
    ("CategoricalGeneralizedCrossEntropy", {}, np.array([0, 2]), P_PROBS),
    ("Circle", {"gamma": 2.0}, LABELS, EMBEDDINGS),
    ("CTC", {}, np.array([[1, 2], [2, 2]]), RNG.normal(size=(2, 5, 3)).astype("float32")),
])
def test_gradients_finite_and_match_finite_differences(name, kwargs, y_true, y_pred):
    loss = getattr(losses, name)(**kwargs)
    y_pred64 = y_pred.astype("float64")
    grad = _np(ops.grad(lambda p: loss(y_true, p))(ops.convert_to_tensor(y_pred64)))
    assert np.all(np.isfinite(grad))
    direction = RNG.normal(size=y_pred.shape)
    step = 1e-6
    plus = float(_np(loss(y_true, y_pred64 + step * direction)))
    minus = float(_np(loss(y_true, y_pred64 - step * direction)))
    assert np.isclose((plus - minus) / (2 * step), float(np.sum(grad * direction)), rtol=1e-4, atol=1e-6)


def test_names_resolve_and_round_trip():
    for name, cls in [("squared_hinge", losses.SquaredHinge), ("categorical_hinge", losses.CategoricalHinge),
                      ("binary_focal_crossentropy", losses.BinaryFocalCrossentropy),
                      ("categorical_focal_crossentropy", losses.CategoricalFocalCrossentropy),
                      ("categorical_generalized_cross_entropy", losses.CategoricalGeneralizedCrossEntropy),
                      ("dice", losses.Dice), ("tversky", losses.Tversky), ("circle", losses.Circle),
                      ("ctc", losses.CTC), ("Tversky", losses.Tversky)]:
        assert isinstance(losses.get(name), cls)
    loss = losses.Tversky(alpha=0.2, beta=0.8, axis=(1,), name="tv")
    again = losses.deserialize(losses.serialize(loss))
    assert type(again) is losses.Tversky and again.get_config() == loss.get_config()
    assert np.isclose(float(_np(again(Y_BIN, P_BIN))), float(_np(loss(Y_BIN, P_BIN))))


def test_dtype_argument():
    loss = losses.MeanSquaredError(dtype="float64")
    assert _np(loss(np.ones((2, 2), "float32"), np.zeros((2, 2), "float32"))).dtype == np.float64
    assert "dtype" not in loss.get_config()   # as in Keras
    with pytest.raises(ValueError, match="MeanSquaredError: dtype must be a float dtype"):
        losses.MeanSquaredError(dtype="int32")


def test_bad_input_errors():
    with pytest.raises(ValueError, match=r"CategoricalGeneralizedCrossEntropy: q must be in the interval \(0, 1\)"):
        losses.CategoricalGeneralizedCrossEntropy(q=1.5)
    with pytest.raises(ValueError, match=r"ctc: y_true must be integer labels of shape \(batch_size, max_length\)"):
        losses.ctc(np.zeros((2,)), np.zeros((2, 3, 4), "float32"))
    with pytest.raises(ValueError, match="ctc_loss: expected logits of shape"):
        ops.ctc_loss(np.zeros((2, 3), "int32"), np.zeros((2, 3), "float32"), np.ones(2), np.ones(2))
    with pytest.raises(ValueError, match="ctc_decode: strategy must be 'greedy' or 'beam_search'"):
        ops.ctc_decode(np.zeros((1, 2, 3), "float32"), np.array([2]), strategy="best")
    with pytest.raises(ValueError, match="ctc_decode: strategy='beam_search' runs eagerly"):
        ops.ctc_decode(kerafront.Input((5, 4)), np.array([5]), strategy="beam_search")
    with pytest.raises(ValueError, match="BinaryFocalCrossentropy: label_smoothing must be in"):
        losses.BinaryFocalCrossentropy(label_smoothing=2.0)


def test_kerafront_alias_spelling():
    assert kerafront.losses.CTC is losses.CTC and callable(kerafront.ops.ctc_decode)
