"""Metrics against NumPy computations: accumulation over batches, sample weights, reset, get, stateless."""

import numpy as np
import pytest

import kerafront
from kerafront import metrics
from kerafront.variables import StatelessScope


def _np(x):
    return kerafront.ops.convert_to_numpy(x)


def _run(metric, *batches):
    for batch in batches:
        metric.update_state(*batch)
    return _np(metric.result())


def test_mean_and_sum_weighted_over_batches():
    mean = metrics.Mean()
    result = _run(mean, (np.array([1.0, 2.0, 3.0]),), (np.array([4.0, 10.0]), np.array([0.5, 0.0])))
    np.testing.assert_allclose(result, (1 + 2 + 3 + 4 * 0.5) / 3.5, rtol=1e-6)
    assert [v.path for v in mean.variables] == ["mean/total", "mean/count"]
    mean.reset_state()
    np.testing.assert_allclose(_np(mean.result()), 0.0)
    np.testing.assert_allclose(_run(metrics.Sum(), (np.array([[1.0, 2.0], [3.0, 4.0]]), np.array([1.0, 2.0]))),
                               3 + 14, rtol=1e-6)


def test_accuracy_family(rng):
    logits = rng.normal(size=(12, 5)).astype("float32")
    labels = rng.integers(0, 5, size=12)
    one_hot = np.eye(5, dtype="float32")[labels]
    weights = rng.uniform(size=12).astype("float32")
    hits = (logits.argmax(-1) == labels).astype("float64")
    np.testing.assert_allclose(_run(metrics.CategoricalAccuracy(), (one_hot, logits)), hits.mean(), rtol=1e-6)
    np.testing.assert_allclose(_run(metrics.SparseCategoricalAccuracy(), (labels[:, None], logits, weights)),
                               (hits * weights).sum() / weights.sum(), rtol=1e-6)
    np.testing.assert_allclose(_run(metrics.Accuracy(), (labels, logits.argmax(-1))), hits.mean(), rtol=1e-6)
    probs = rng.uniform(size=(12, 1)).astype("float32")
    binary = rng.integers(0, 2, size=12)
    np.testing.assert_allclose(_run(metrics.BinaryAccuracy(threshold=0.3), (binary, probs)),
                               ((probs[:, 0] > 0.3) == binary).mean(), rtol=1e-6)


def test_top_k_against_rank_counting(rng):
    scores = rng.normal(size=(20, 6)).astype("float32")
    labels = rng.integers(0, 6, size=20)
    for k in (1, 2, 3):
        rank = (scores > scores[np.arange(20), labels][:, None]).sum(-1)
        expected = (rank < k).mean()
        np.testing.assert_allclose(_run(metrics.SparseTopKCategoricalAccuracy(k=k), (labels, scores)), expected,
                                   rtol=1e-6)
        np.testing.assert_allclose(_run(metrics.TopKCategoricalAccuracy(k=k), (np.eye(6)[labels], scores)),
                                   expected, rtol=1e-6)


def test_top_k_ties_count_in():
    scores = np.array([[0.5, 0.5, 0.1], [0.2, 0.3, 0.5]], dtype="float32")
    np.testing.assert_allclose(_run(metrics.SparseTopKCategoricalAccuracy(k=1), (np.array([1, 0]), scores)), 0.5)


def test_regression_metrics(rng):
    y_true = rng.normal(size=(8, 3)).astype("float32")
    y_pred = rng.normal(size=(8, 3)).astype("float32")
    weights = rng.uniform(size=8).astype("float32")
    se = ((y_true - y_pred) ** 2).mean(-1)
    ae = np.abs(y_true - y_pred).mean(-1)
    first, second = (y_true[:5], y_pred[:5], weights[:5]), (y_true[5:], y_pred[5:], weights[5:])
    np.testing.assert_allclose(_run(metrics.MeanSquaredError(), first, second), (se * weights).sum() / weights.sum(),
                               rtol=1e-5)
    np.testing.assert_allclose(_run(metrics.MeanAbsoluteError(), first, second), (ae * weights).sum() / weights.sum(),
                               rtol=1e-5)
    np.testing.assert_allclose(_run(metrics.RootMeanSquaredError(), first, second),
                               np.sqrt((se * weights).sum() / weights.sum()), rtol=1e-5)


def _confusion(y_true, y_pred, threshold, weights=None):
    weights = np.ones_like(y_pred) if weights is None else np.broadcast_to(weights, y_pred.shape)
    predicted, actual = y_pred > threshold, y_true != 0
    return ((predicted & actual) * weights).sum(), ((predicted & ~actual) * weights).sum(), \
        ((~predicted & ~actual) * weights).sum(), ((~predicted & actual) * weights).sum()


def test_precision_and_recall(rng):
    y_true = rng.integers(0, 2, size=(10, 3))
    y_pred = rng.uniform(size=(10, 3)).astype("float32")
    weights = rng.uniform(size=(10, 1)).astype("float32")
    tp, fp, _, fn = _confusion(y_true, y_pred, 0.5, weights)
    np.testing.assert_allclose(_run(metrics.Precision(), (y_true, y_pred, weights[:, 0])), tp / (tp + fp), rtol=1e-5)
    np.testing.assert_allclose(_run(metrics.Recall(), (y_true, y_pred, weights[:, 0])), tp / (tp + fn), rtol=1e-5)
    expected = [(lambda c: c[0] / (c[0] + c[1]))(_confusion(y_true, y_pred, t)) for t in (0.2, 0.7)]
    np.testing.assert_allclose(_run(metrics.Precision(thresholds=[0.2, 0.7]), (y_true, y_pred)), expected, rtol=1e-5)
    tp, _, _, fn = _confusion(y_true[:, 1], y_pred[:, 1], 0.5)
    np.testing.assert_allclose(_run(metrics.Recall(class_id=1), (y_true, y_pred)), tp / (tp + fn), rtol=1e-5)


def test_precision_top_k():
    y_true = np.array([[0, 0, 1, 1], [1, 0, 0, 0]])
    y_pred = np.array([[0.1, 0.9, 0.8, 0.2], [0.7, 0.6, 0.1, 0.05]], dtype="float32")
    # top-2 positives: row 0 -> classes 1, 2 (one hit); row 1 -> classes 0, 1 (one hit).
    np.testing.assert_allclose(_run(metrics.Precision(top_k=2), (y_true, y_pred)), 2 / 4)
    np.testing.assert_allclose(_run(metrics.Recall(top_k=2), (y_true, y_pred)), 2 / 3)


def _trapezoid_auc(y_true, y_pred, num_thresholds, curve="ROC"):
    inner = [(i + 1) / (num_thresholds - 1) for i in range(num_thresholds - 2)]
    thresholds = [-1e-7] + inner + [1 + 1e-7]
    counts = np.array([_confusion(y_true, y_pred, t) for t in thresholds], dtype="float64")
    tp, fp, tn, fn = counts.T
    with np.errstate(invalid="ignore", divide="ignore"):
        recall = np.nan_to_num(tp / (tp + fn))
        x, y = (np.nan_to_num(fp / (fp + tn)), recall) if curve == "ROC" else (recall, np.nan_to_num(tp / (tp + fp)))
    return float(np.sum((x[:-1] - x[1:]) * (y[:-1] + y[1:]) / 2))


def test_auc_roc_against_trapezoid_and_exact_rank_auc(rng):
    y_true = rng.integers(0, 2, size=60)
    y_pred = np.clip(y_true * 0.3 + rng.uniform(size=60) * 0.7, 0, 1).astype("float32")
    auc = metrics.AUC(num_thresholds=200)
    result = _run(auc, (y_true[:30], y_pred[:30]), (y_true[30:], y_pred[30:]))
    np.testing.assert_allclose(result, _trapezoid_auc(y_true, y_pred, 200), rtol=1e-5)
    positives, negatives = y_pred[y_true == 1], y_pred[y_true == 0]
    exact = (positives[:, None] > negatives[None, :]).mean()
    np.testing.assert_allclose(result, exact, atol=0.01)
    auc.reset_state()
    np.testing.assert_allclose(_np(auc.result()), 0.0)


def test_auc_known_values():
    y_true = np.array([0, 0, 1, 1])
    np.testing.assert_allclose(_run(metrics.AUC(), (y_true, np.array([0.1, 0.4, 0.35, 0.8]))), 0.75, atol=1e-6)
    np.testing.assert_allclose(_run(metrics.AUC(), (y_true, np.array([0.1, 0.2, 0.7, 0.8]))), 1.0, atol=1e-6)
    np.testing.assert_allclose(_run(metrics.AUC(curve="PR", summation_method="majoring"),
                                    (y_true, np.array([0.1, 0.2, 0.7, 0.8]))), 1.0, atol=1e-6)


def test_auc_pr_minoring_against_riemann_sum(rng):
    y_true = rng.integers(0, 2, size=40)
    y_pred = rng.uniform(size=40).astype("float32")
    inner = [(i + 1) / 9 for i in range(8)]
    counts = np.array([_confusion(y_true, y_pred, t) for t in [-1e-7] + inner + [1 + 1e-7]])
    tp, fp, _, fn = counts.T.astype("float64")
    recall = tp / (tp + fn)
    precision = np.divide(tp, tp + fp, out=np.zeros_like(tp), where=(tp + fp) > 0)
    expected = np.sum((recall[:-1] - recall[1:]) * np.minimum(precision[:-1], precision[1:]))
    np.testing.assert_allclose(_run(metrics.AUC(num_thresholds=10, curve="PR", summation_method="minoring"),
                                    (y_true, y_pred)), expected, rtol=1e-5)


def test_auc_multi_label_averages_labels(rng):
    y_true = rng.integers(0, 2, size=(30, 3))
    y_pred = rng.uniform(size=(30, 3)).astype("float32")
    per_label = [_trapezoid_auc(y_true[:, i], y_pred[:, i], 50) for i in range(3)]
    np.testing.assert_allclose(_run(metrics.AUC(num_thresholds=50, multi_label=True, num_labels=3), (y_true, y_pred)),
                               np.mean(per_label), rtol=1e-5)
    with pytest.raises(ValueError, match="num_labels"):
        metrics.AUC(multi_label=True)


def test_update_state_under_stateless_scope_records_without_writing(rng):
    metric = metrics.CategoricalAccuracy()
    y_true = np.eye(3, dtype="float32")[[0, 1, 2, 1]]
    y_pred = np.array([[0.9, 0, 0.1], [0.1, 0.8, 0.1], [0.5, 0.4, 0.1], [0, 1, 0]], dtype="float32")
    values = metric.stateless_reset_state()
    values = metric.stateless_update_state(values, y_true, y_pred)
    values = metric.stateless_update_state(values, y_true[:2], y_pred[:2])
    np.testing.assert_allclose(_np(metric.stateless_result(values)), 5 / 6, rtol=1e-6)
    np.testing.assert_allclose(_np(metric.result()), 0.0)
    with StatelessScope({v: value for v, value in zip(metric.variables, values)}) as scope:
        metric.update_state(y_true, y_pred)
    np.testing.assert_allclose([_np(scope.get(v)) for v in metric.variables], [8.0, 10.0])
    with pytest.raises(ValueError, match="expected 2 state values"):
        metric.stateless_update_state(values[:1], y_true, y_pred)


def test_get_resolves_accuracy_like_keras():
    assert isinstance(metrics.get("accuracy", loss="binary_crossentropy"), metrics.BinaryAccuracy)
    assert isinstance(metrics.get("acc", loss=kerafront.losses.SparseCategoricalCrossentropy()),
                      metrics.SparseCategoricalAccuracy)
    assert isinstance(metrics.get("accuracy", loss="categorical_crossentropy"), metrics.CategoricalAccuracy)
    assert isinstance(metrics.get("accuracy", loss="mse", output_shape=(None, 1)), metrics.BinaryAccuracy)
    assert isinstance(metrics.get("accuracy", output_shape=(None, 4), y_true_shape=(None,)),
                      metrics.SparseCategoricalAccuracy)
    assert isinstance(metrics.get("accuracy", output_shape=(None, 4)), metrics.CategoricalAccuracy)
    assert metrics.get("accuracy").name == "accuracy" and metrics.get("acc").name == "acc"


def test_get_names_instances_functions_and_configs():
    assert isinstance(metrics.get("mse"), metrics.MeanSquaredError) and metrics.get("mse").name == "mse"
    assert isinstance(metrics.get("auc"), metrics.AUC) and isinstance(metrics.get("AUC"), metrics.AUC)
    assert metrics.get("Precision").name == "precision"
    huber = metrics.get("huber")
    np.testing.assert_allclose(_run(huber, (np.zeros((2, 1)), np.full((2, 1), 3.0))), 2.5)
    instance = metrics.Recall()
    assert metrics.get(instance) is instance
    wrapped = metrics.get(lambda y_true, y_pred: kerafront.ops.mean(kerafront.ops.abs(y_pred), axis=-1))
    np.testing.assert_allclose(_run(wrapped, (np.zeros((2, 2)), np.array([[1.0, 3.0], [2.0, 2.0]]))), 2.0)
    restored = metrics.deserialize(metrics.serialize(metrics.TopKCategoricalAccuracy(k=3, name="top3")))
    assert restored.k == 3 and restored.name == "top3"
    with pytest.raises(ValueError, match="Unknown metric 'acuracy'.*accuracy"):
        metrics.get("acuracy")


@pytest.mark.parametrize("metric", [
    metrics.Mean(name="m"), metrics.BinaryAccuracy(threshold=0.7), metrics.SparseTopKCategoricalAccuracy(k=2),
    metrics.Precision(thresholds=[0.3, 0.6], class_id=1), metrics.Recall(top_k=2),
    metrics.AUC(num_thresholds=11, curve="PR"), metrics.AUC(thresholds=[0.25, 0.5]),
    metrics.MeanMetricWrapper(kerafront.losses.huber, name="h", delta=2.0), metrics.RootMeanSquaredError(),
], ids=lambda m: type(m).__name__)
def test_config_round_trip(metric):
    config = metric.get_config()
    restored = type(metric).from_config(config)
    assert restored.get_config() == config
    assert [v.shape for v in restored.variables] == [v.shape for v in metric.variables]


def test_mean_with_a_number_weight_for_a_scalar_equals_the_general_path():
    from kerafront import metrics, ops
    fast, general = metrics.Mean(), metrics.Mean()
    for value, weight in [(2.0, 4), (5.0, 2)]:
        fast.update_state(ops.convert_to_tensor(value), sample_weight=weight)
        general.update_state(ops.convert_to_tensor([value]), sample_weight=ops.convert_to_tensor([float(weight)]))
    np.testing.assert_allclose(ops.convert_to_numpy(fast.result()), (2.0 * 4 + 5.0 * 2) / 6, rtol=1e-6)
    for a, b in zip(fast.variables, general.variables):
        np.testing.assert_allclose(a.numpy(), b.numpy(), rtol=1e-6)
    fast.reset_state()
    assert float(fast.result()) == 0.0 and float(fast.count.numpy()) == 0.0
