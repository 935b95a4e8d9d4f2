"""Losses against NumPy formulas: per-sample values, sample weights, every reduction, errors, config."""

import numpy as np
import pytest

import kerafront
from kerafront import losses

EPS = 1e-7


def _np(x):
    return kerafront.ops.convert_to_numpy(x)


def _softmax(z):
    e = np.exp(z - z.max(-1, keepdims=True))
    return e / e.sum(-1, keepdims=True)


def _log_softmax(z):
    shifted = z - z.max(-1, keepdims=True)
    return shifted - np.log(np.exp(shifted).sum(-1, keepdims=True))


def _bce(t, p):
    p = np.clip(p, EPS, 1 - EPS)
    return -(t * np.log(p) + (1 - t) * np.log(1 - p))


def _bce_logits(t, z):
    return np.maximum(z, 0) - z * t + np.log1p(np.exp(-np.abs(z)))


def _cce(t, p):
    p = p / p.sum(-1, keepdims=True)
    return -(t * np.log(np.clip(p, EPS, 1 - EPS))).sum(-1)


def _unit(x):
    return x / np.sqrt(np.maximum((x ** 2).sum(-1, keepdims=True), 1e-12))


def _hinge_targets(t):
    return 2 * t - 1 if np.all((t == 0) | (t == 1)) else t


# (name, class instance, reference per-sample function, target maker, prediction maker)
REGRESSION = [
    ("mse", losses.MeanSquaredError(), lambda t, p: ((t - p) ** 2).mean(-1)),
    ("mae", losses.MeanAbsoluteError(), lambda t, p: np.abs(t - p).mean(-1)),
    ("mape", losses.MeanAbsolutePercentageError(),
     lambda t, p: 100 * (np.abs(t - p) / np.maximum(np.abs(t), EPS)).mean(-1)),
    ("msle", losses.MeanSquaredLogarithmicError(),
     lambda t, p: ((np.log1p(np.maximum(p, EPS)) - np.log1p(np.maximum(t, EPS))) ** 2).mean(-1)),
    ("huber", losses.Huber(delta=0.7), lambda t, p: np.where(
        np.abs(p - t) <= 0.7, 0.5 * (p - t) ** 2, 0.7 * np.abs(p - t) - 0.5 * 0.7 ** 2).mean(-1)),
    ("log_cosh", losses.LogCosh(), lambda t, p: np.log(np.cosh(p - t)).mean(-1)),
    ("poisson", losses.Poisson(), lambda t, p: (p - t * np.log(p + EPS)).mean(-1)),
    ("cosine_similarity", losses.CosineSimilarity(), lambda t, p: -(_unit(t) * _unit(p)).sum(-1)),
]


def _regression_data(rng, name):
    y_true = rng.uniform(0.1, 2.0, size=(5, 3)).astype("float32")
    y_pred = rng.uniform(0.1, 2.0, size=(5, 3)).astype("float32")
    if name in ("mse", "mae", "huber", "log_cosh", "cosine_similarity"):
        y_true -= 1.0
        y_pred -= 1.0
    return y_true, y_pred


@pytest.mark.parametrize("name,loss,reference", REGRESSION, ids=[r[0] for r in REGRESSION])
def test_regression_losses_per_sample(rng, name, loss, reference):
    y_true, y_pred = _regression_data(rng, name)
    expected = reference(y_true.astype("float64"), y_pred.astype("float64"))
    per_sample = losses.LossFunctionWrapper(loss.fn, reduction="none", **loss._fn_kwargs)(y_true, y_pred)
    np.testing.assert_allclose(_np(per_sample), expected, rtol=2e-5, atol=1e-6)
    np.testing.assert_allclose(_np(loss(y_true, y_pred)), expected.mean(), rtol=2e-5, atol=1e-6)
    function = getattr(losses, loss.fn.__name__)
    np.testing.assert_allclose(_np(function(y_true, y_pred, **loss._fn_kwargs)), expected, rtol=2e-5, atol=1e-6)


def test_kl_divergence_and_hinge(rng):
    t = _softmax(rng.normal(size=(4, 5))).astype("float32")
    p = _softmax(rng.normal(size=(4, 5))).astype("float32")
    expected = (np.clip(t, EPS, 1) * np.log(np.clip(t, EPS, 1) / np.clip(p, EPS, 1))).sum(-1)
    np.testing.assert_allclose(_np(losses.KLDivergence()(t, p)), expected.mean(), rtol=1e-5)
    labels = rng.integers(0, 2, size=(6, 2)).astype("float32")
    scores = rng.normal(size=(6, 2)).astype("float32")
    expected = np.maximum(1 - (2 * labels - 1) * scores, 0).mean(-1)
    np.testing.assert_allclose(_np(losses.hinge(labels, scores)), expected, rtol=1e-6)
    signed = np.where(labels > 0, 1.0, -1.0).astype("float32")
    np.testing.assert_allclose(_np(losses.Hinge(reduction="none")(signed, scores)), expected, rtol=1e-6)


@pytest.mark.parametrize("reduction", ["sum_over_batch_size", "mean", "sum", "none", None, "mean_with_sample_weight"])
@pytest.mark.parametrize("weight_shape", [None, (5,), (5, 1)])
def test_reductions_with_sample_weight(rng, reduction, weight_shape):
    y_true, y_pred = _regression_data(rng, "mse")
    per_sample = ((y_true - y_pred) ** 2).astype("float64").mean(-1)
    weights = None if weight_shape is None else rng.uniform(0, 2, size=weight_shape).astype("float32")
    weighted = per_sample if weights is None else per_sample * weights.reshape(5)
    expected = {"sum_over_batch_size": weighted.mean(), "mean": weighted.mean(), "sum": weighted.sum(),
                "none": weighted, None: weighted,
                "mean_with_sample_weight": weighted.sum() / (5 if weights is None else weights.sum())}[reduction]
    result = losses.MeanSquaredError(reduction=reduction)(y_true, y_pred, sample_weight=weights)
    np.testing.assert_allclose(_np(result), expected, rtol=2e-5)


def test_row_weights_broadcast_over_timesteps(rng):
    y_true = rng.normal(size=(3, 4, 2)).astype("float32")
    y_pred = rng.normal(size=(3, 4, 2)).astype("float32")
    weights = np.array([1.0, 0.0, 2.0], dtype="float32")
    per_step = ((y_true - y_pred) ** 2).mean(-1)
    expected = (per_step * weights[:, None]).sum() / per_step.size
    assert tuple(kerafront.ops.shape(losses.mse(y_true, y_pred))) == (3, 4)
    np.testing.assert_allclose(_np(losses.MeanSquaredError()(y_true, y_pred, sample_weight=weights)), expected,
                               rtol=1e-5)


def test_binary_crossentropy_probabilities_logits_and_smoothing(rng):
    t = rng.integers(0, 2, size=(6, 1)).astype("float32")
    z = rng.normal(scale=3, size=(6, 1)).astype("float32")
    p = 1 / (1 + np.exp(-z))
    np.testing.assert_allclose(_np(losses.BinaryCrossentropy()(t, p)), _bce(t, p).mean(), rtol=1e-4)
    np.testing.assert_allclose(_np(losses.BinaryCrossentropy(from_logits=True)(t, z)), _bce_logits(t, z).mean(),
                               rtol=1e-5)
    smoothed = t * 0.8 + 0.1
    np.testing.assert_allclose(_np(losses.BinaryCrossentropy(from_logits=True, label_smoothing=0.2)(t, z)),
                               _bce_logits(smoothed, z).mean(), rtol=1e-5)
    # (batch,) targets with (batch, 1) predictions are aligned, not broadcast to (batch, batch).
    np.testing.assert_allclose(_np(losses.BinaryCrossentropy(reduction="none")(t[:, 0], p)), _bce(t, p)[:, 0],
                               rtol=1e-4)


def test_binary_crossentropy_from_large_logits_is_finite():
    t = np.array([[1.0], [0.0], [1.0]], dtype="float32")
    z = np.array([[150.0], [-200.0], [-120.0]], dtype="float32")
    value = _np(losses.BinaryCrossentropy(from_logits=True, reduction="none")(t, z))
    np.testing.assert_allclose(value, [0.0, 0.0, 120.0], atol=1e-5)


def test_categorical_crossentropy(rng):
    t = np.eye(4, dtype="float32")[rng.integers(0, 4, size=5)]
    z = rng.normal(scale=2, size=(5, 4)).astype("float32")
    p = _softmax(z).astype("float32")
    np.testing.assert_allclose(_np(losses.CategoricalCrossentropy()(t, p)), _cce(t, p).mean(), rtol=1e-5)
    np.testing.assert_allclose(_np(losses.CategoricalCrossentropy(from_logits=True)(t, z)),
                               -(t * _log_softmax(z)).sum(-1).mean(), rtol=1e-5)
    smoothed = t * 0.9 + 0.1 / 4
    np.testing.assert_allclose(_np(losses.CategoricalCrossentropy(label_smoothing=0.1, reduction="sum")(t, p)),
                               _cce(smoothed, p).sum(), rtol=1e-5)
    big = np.array([[300.0, -300.0, 0.0]], dtype="float32")
    np.testing.assert_allclose(_np(losses.categorical_crossentropy(np.array([[0.0, 1, 0]]), big, from_logits=True)),
                               [600.0], rtol=1e-6)


def test_sparse_categorical_crossentropy(rng):
    labels = rng.integers(0, 4, size=6)
    z = rng.normal(scale=2, size=(6, 4)).astype("float32")
    expected = -_log_softmax(z)[np.arange(6), labels]
    np.testing.assert_allclose(_np(losses.SparseCategoricalCrossentropy(from_logits=True, reduction="none")(labels, z)),
                               expected, rtol=1e-5)
    np.testing.assert_allclose(_np(losses.SparseCategoricalCrossentropy(from_logits=True)(labels[:, None], z)),
                               expected.mean(), rtol=1e-5)
    p = _softmax(z).astype("float32")
    np.testing.assert_allclose(_np(losses.sparse_categorical_crossentropy(labels, p)),
                               -np.log(p[np.arange(6), labels]), rtol=1e-5)
    weights = rng.uniform(size=6).astype("float32")
    np.testing.assert_allclose(_np(losses.SparseCategoricalCrossentropy(from_logits=True)(labels, z, weights)),
                               (expected * weights).mean(), rtol=1e-5)


def test_sparse_ignore_class_is_left_out_of_the_mean(rng):
    labels = np.array([0, 2, -1, 1, -1])
    z = rng.normal(size=(5, 3)).astype("float32")
    valid = labels != -1
    per_sample = np.where(valid, -_log_softmax(z)[np.arange(5), np.where(valid, labels, 0)], 0.0)
    loss = losses.SparseCategoricalCrossentropy(from_logits=True, ignore_class=-1)
    np.testing.assert_allclose(_np(loss(labels, z)), per_sample.sum() / valid.sum(), rtol=1e-5)
    none = losses.SparseCategoricalCrossentropy(from_logits=True, ignore_class=-1, reduction="none")
    np.testing.assert_allclose(_np(none(labels, z)), per_sample, rtol=1e-5)


def test_categorical_crossentropy_with_integer_labels_suggests_sparse():
    y_pred = np.full((4, 3), 1 / 3, dtype="float32")
    with pytest.raises(ValueError, match="SparseCategoricalCrossentropy"):
        losses.CategoricalCrossentropy()(np.array([0, 1, 2, 1]), y_pred)
    with pytest.raises(ValueError, match="SparseCategoricalCrossentropy"):
        losses.get("categorical_crossentropy")(np.array([[0], [1], [2], [1]]), y_pred)


def test_wrong_number_of_classes_names_both_shapes():
    with pytest.raises(ValueError, match=r"\(4, 2\).*\(4, 3\)"):
        losses.CategoricalCrossentropy()(np.eye(2, dtype="float32")[[0, 1, 0, 1]], np.full((4, 3), 1 / 3))


def test_sparse_with_one_hot_targets_suggests_categorical():
    with pytest.raises(ValueError, match="CategoricalCrossentropy"):
        losses.SparseCategoricalCrossentropy()(np.eye(3, dtype="float32")[[0, 1, 2]], np.full((3, 3), 1 / 3))


def test_validate_targets():
    scce = losses.SparseCategoricalCrossentropy()
    losses.validate_targets(scce, np.array([0, 1, 2]), (3, 3))
    with pytest.raises(ValueError, match=r"\[0, 3\).*0 to 5.*6 units"):
        losses.validate_targets(scce, np.array([0, 5, 2]), (3, 3))
    with pytest.raises(ValueError, match="integer class ids"):
        losses.validate_targets("sparse_categorical_crossentropy", np.array([0.5, 1.0]), (2, 3))
    losses.validate_targets(losses.SparseCategoricalCrossentropy(ignore_class=-1), np.array([0, -1, 2]), (3, 3))
    with pytest.raises(ValueError, match="SparseCategoricalCrossentropy"):
        losses.validate_targets("categorical_crossentropy", np.array([0, 1, 2]), (None, 3))
    with pytest.raises(ValueError, match=r"\(3, 4\).*\(None, 3\)"):
        losses.validate_targets("categorical_crossentropy", np.zeros((3, 4)), (None, 3))
    losses.validate_targets("mse", np.array([7.5]), (1, 1))


def test_get_resolves_names_instances_classes_functions_and_configs():
    assert isinstance(losses.get("mse"), losses.MeanSquaredError)
    assert isinstance(losses.get("mean_squared_error"), losses.MeanSquaredError)
    assert isinstance(losses.get("CategoricalCrossentropy"), losses.CategoricalCrossentropy)
    assert isinstance(losses.get(losses.Huber), losses.Huber)
    instance = losses.Huber(delta=2.0)
    assert losses.get(instance) is instance
    assert losses.get(None) is None

    def custom(y_true, y_pred):
        return kerafront.ops.sum(kerafront.ops.abs(kerafront.ops.subtract(y_true, y_pred)), axis=-1)

    wrapped = losses.get(custom)
    np.testing.assert_allclose(_np(wrapped(np.ones((2, 3)), np.zeros((2, 3)))), 3.0)
    restored = losses.get(losses.serialize(losses.BinaryCrossentropy(from_logits=True, label_smoothing=0.1)))
    assert isinstance(restored, losses.BinaryCrossentropy)
    assert restored.from_logits and restored.label_smoothing == pytest.approx(0.1)
    with pytest.raises(ValueError, match="Unknown loss 'msee'.*mean_squared_error"):
        losses.get("msee")


@pytest.mark.parametrize("loss", [
    losses.MeanSquaredError(reduction="sum"), losses.Huber(delta=3.0), losses.CosineSimilarity(axis=-1),
    losses.BinaryCrossentropy(from_logits=True, label_smoothing=0.2), losses.CategoricalCrossentropy(axis=-1),
    losses.SparseCategoricalCrossentropy(ignore_class=0, name="scce"), losses.LossFunctionWrapper(losses.poisson),
], ids=lambda loss: type(loss).__name__)
def test_config_round_trip(loss):
    config = loss.get_config()
    restored = type(loss).from_config(config)
    assert restored.get_config() == config


def test_bad_reduction_and_smoothing():
    with pytest.raises(ValueError, match="reduction must be one of"):
        losses.MeanSquaredError(reduction="average")
    with pytest.raises(ValueError, match="label_smoothing"):
        losses.BinaryCrossentropy(label_smoothing=1.5)


def test_registered_custom_function_round_trips():
    from kerafront.saving import register_serializable

    @register_serializable(package="TestLosses")
    def double_mae(y_true, y_pred):
        return kerafront.ops.multiply(losses.mean_absolute_error(y_true, y_pred), 2.0)

    loss = losses.get(double_mae)
    restored = losses.deserialize(losses.serialize(loss))
    assert restored.fn is double_mae
    np.testing.assert_allclose(_np(restored(np.zeros((2, 2)), np.ones((2, 2)))), 2.0)
    assert losses.deserialize("TestLosses>double_mae").fn is double_mae
