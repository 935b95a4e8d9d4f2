"""The rest of ``keras.metrics``: confusion counts, operating points, IoU, F-scores, R2, loss-like
metrics, correlations and the function forms, each compared with Keras 3 itself (same inputs, two
``update_state`` calls with sample weights) and a few with hand computations; one confusion and one
IoU metric inside a compiled ``fit`` on every installed backend.
"""

import math
import re
import warnings

import numpy as np
import pytest

import kerafront
from kerafront import metrics

RNG = np.random.default_rng(18)
FRAMEWORKS = ("numpy", "torch", "jax", "tensorflow")


def _probs(shape, seed):
    return np.random.default_rng(seed).random(shape).astype("float32")


def _binary(shape, seed):
    return (np.random.default_rng(seed).random(shape) > 0.5).astype("float32")


def _one_hot(n, k, seed):
    return np.eye(k, dtype="float32")[np.random.default_rng(seed).integers(0, k, n)]


def _softmax(n, k, seed):
    z = np.random.default_rng(seed).normal(size=(n, k)).astype("float32")
    e = np.exp(z - z.max(-1, keepdims=True))
    return (e / e.sum(-1, keepdims=True)).astype("float32")


def _ids(n, k, seed):
    return np.random.default_rng(seed).integers(0, k, n).astype("int32")


def _weights(n, seed):
    return np.random.default_rng(seed).random(n).astype("float32") + 0.1


def _batches(kind, seed):
    """Two (y_true, y_pred, sample_weight) batches of one input kind."""
    out = []
    for s in (seed, seed + 100):
        if kind == "binary":          # (6, 1) labels and probabilities
            out.append((_binary((6, 1), s), _probs((6, 1), s + 1), _weights(6, s + 2)))
        elif kind == "multilabel":    # (6, 3) 0/1 labels and probabilities
            out.append((_binary((6, 3), s), _probs((6, 3), s + 1), _weights(6, s + 2)))
        elif kind == "onehot":        # (6, 4) one-hot labels and softmax rows
            out.append((_one_hot(6, 4, s), _softmax(6, 4, s + 1), _weights(6, s + 2)))
        elif kind == "sparse":        # (6,) ids and softmax rows
            out.append((_ids(6, 4, s), _softmax(6, 4, s + 1), _weights(6, s + 2)))
        elif kind == "ids":           # (6,) ids and predicted ids (segmentation-style)
            out.append((_ids(6, 3, s), _ids(6, 3, s + 1), _weights(6, s + 2).round() + 1))
        elif kind == "regression":    # (6, 3) real targets and predictions
            t = RNG.normal(size=(6, 3)).astype("float32")
            out.append((t, (t + 0.5 * RNG.normal(size=(6, 3))).astype("float32"), _weights(6, s + 2)))
        elif kind == "positive":      # (6, 3) positive targets/predictions (Poisson, MSLE, MAPE)
            out.append((_probs((6, 3), s) + 0.5, _probs((6, 3), s + 1) + 0.5, _weights(6, s + 2)))
        elif kind == "hinge":         # (6, 3) -1/1 labels and real scores
            out.append((_binary((6, 3), s) * 2 - 1, RNG.normal(size=(6, 3)).astype("float32"), _weights(6, s + 2)))
    return out


# (class name, constructor kwargs, input kind)
CASES = [
    ("TruePositives", {}, "binary"),
    ("FalsePositives", {"thresholds": [0.2, 0.5, 0.8]}, "binary"),
    ("TrueNegatives", {"thresholds": 0.3}, "multilabel"),
    ("FalseNegatives", {}, "multilabel"),
    ("SensitivityAtSpecificity", {"specificity": 0.5}, "binary"),
    ("SpecificityAtSensitivity", {"sensitivity": 0.6, "num_thresholds": 50}, "binary"),
    ("PrecisionAtRecall", {"recall": 0.4}, "multilabel"),
    ("RecallAtPrecision", {"precision": 0.5, "class_id": 1}, "multilabel"),
    ("IoU", {"num_classes": 3, "target_class_ids": [0, 2]}, "ids"),
    ("MeanIoU", {"num_classes": 3}, "ids"),
    ("MeanIoU", {"num_classes": 3, "ignore_class": 1}, "ids"),
    ("BinaryIoU", {}, "binary"),
    ("BinaryIoU", {"target_class_ids": [1], "threshold": 0.3}, "binary"),
    ("OneHotIoU", {"num_classes": 4, "target_class_ids": [1, 3]}, "onehot"),
    ("OneHotMeanIoU", {"num_classes": 4}, "onehot"),
    ("F1Score", {}, "onehot"),
    ("F1Score", {"average": "macro", "threshold": 0.4}, "multilabel"),
    ("FBetaScore", {"beta": 2.0, "average": "weighted"}, "multilabel"),
    ("FBetaScore", {"beta": 0.5, "average": "micro", "threshold": 0.5}, "multilabel"),
    ("R2Score", {}, "regression"),
    ("R2Score", {"class_aggregation": "variance_weighted_average"}, "regression"),
    ("R2Score", {"class_aggregation": None, "num_regressors": 2}, "regression"),
    ("BinaryCrossentropy", {"label_smoothing": 0.1}, "binary"),
    ("CategoricalCrossentropy", {}, "onehot"),
    ("SparseCategoricalCrossentropy", {}, "sparse"),
    ("KLDivergence", {}, "onehot"),
    ("Poisson", {}, "positive"),
    ("CosineSimilarity", {}, "regression"),
    ("LogCoshError", {}, "regression"),
    ("MeanAbsolutePercentageError", {}, "positive"),
    ("MeanSquaredLogarithmicError", {}, "positive"),
    ("Hinge", {}, "hinge"),
    ("SquaredHinge", {}, "hinge"),
    ("CategoricalHinge", {}, "onehot"),
    ("PearsonCorrelation", {}, "regression"),
    ("ConcordanceCorrelation", {}, "regression"),
]


def _case_id(case):
    name, kwargs, _ = case
    return name + "".join(f"-{k}={v}" for k, v in kwargs.items())


def _run(lib, name, kwargs, batches):
    metric = getattr(lib.metrics, name)(**kwargs)
    results = []
    for index, (y_true, y_pred, weight) in enumerate(batches):
        metric.update_state(y_true, y_pred, sample_weight=weight if index else None)
        results.append(np.asarray(metric.result(), dtype="float64"))
    config = metric.get_config()
    metric.reset_state()
    return results, config, [v.path.split("/")[-1] for v in metric.variables], metric.name


@pytest.mark.parametrize("case", CASES, ids=[_case_id(c) for c in CASES])
def test_metric_matches_keras(case):
    keras = pytest.importorskip("keras")
    name, kwargs, kind = case
    batches = _batches(kind, seed=len(name))
    ours, config, variable_names, metric_name = _run(kerafront, name, kwargs, batches)
    with warnings.catch_warnings():   # Keras on JAX asks for int64 inside its IoU code (truncated, harmless)
        warnings.simplefilter("ignore", UserWarning)
        theirs, k_config, k_variable_names, k_name = _run(keras, name, kwargs, batches)
    for step, (a, b) in enumerate(zip(ours, theirs)):
        np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-6, err_msg=f"{name} after update {step + 1}")
    unnumbered = re.sub(r"_\d+$", "", k_name)   # Keras numbers a repeated default name (mean_io_u_1)
    assert config == {**k_config, "name": unnumbered}
    assert variable_names == k_variable_names
    assert metric_name == unnumbered


@pytest.mark.parametrize("case", CASES, ids=[_case_id(c) for c in CASES])
def test_config_round_trip_and_reset(case):
    name, kwargs, kind = case
    (y_true, y_pred, weight), _ = _batches(kind, seed=3)
    metric = getattr(metrics, name)(**kwargs)
    metric.update_state(y_true, y_pred, sample_weight=weight)
    first = np.asarray(metric.result())
    rebuilt = metrics.deserialize(metrics.serialize(metric))
    assert type(rebuilt) is type(metric) and rebuilt.get_config() == metric.get_config()
    rebuilt.update_state(y_true, y_pred, sample_weight=weight)
    np.testing.assert_allclose(np.asarray(rebuilt.result()), first, rtol=1e-6)
    metric.reset_state()
    metric.update_state(y_true, y_pred, sample_weight=weight)
    np.testing.assert_allclose(np.asarray(metric.result()), first, rtol=1e-6)


FUNCTIONS = [
    ("binary_crossentropy", {}, "binary"), ("binary_focal_crossentropy", {"gamma": 1.5}, "binary"),
    ("binary_focal_crossentropy", {"apply_class_balancing": True, "from_logits": True, "label_smoothing": 0.2},
     "regression"),
    ("categorical_crossentropy", {"label_smoothing": 0.1}, "onehot"),
    ("categorical_focal_crossentropy", {}, "onehot"),
    ("categorical_focal_crossentropy", {"alpha": 0.5, "from_logits": True, "label_smoothing": 0.1}, "onehot"),
    ("categorical_hinge", {}, "onehot"), ("squared_hinge", {}, "hinge"), ("hinge", {}, "hinge"),
    ("huber", {"delta": 0.5}, "regression"), ("kl_divergence", {}, "onehot"), ("log_cosh", {}, "regression"),
    ("mean_absolute_error", {}, "regression"), ("mean_absolute_percentage_error", {}, "positive"),
    ("mean_squared_error", {}, "regression"), ("mean_squared_logarithmic_error", {}, "positive"),
    ("poisson", {}, "positive"), ("sparse_categorical_crossentropy", {}, "sparse"),
    ("pearson_correlation", {}, "regression"), ("concordance_correlation", {}, "regression"),
]


@pytest.mark.parametrize("case", FUNCTIONS, ids=[_case_id(c) for c in FUNCTIONS])
def test_function_form_matches_keras(case):
    keras = pytest.importorskip("keras")
    name, kwargs, kind = case
    (y_true, y_pred, _), _ = _batches(kind, seed=11)
    if kind == "binary" and name == "binary_crossentropy":
        y_true, y_pred = y_true[:, 0], y_pred[:, 0]
    ours = np.asarray(getattr(metrics, name)(y_true, y_pred, **kwargs))
    theirs = np.asarray(getattr(keras.metrics, name)(y_true, y_pred, **kwargs))
    np.testing.assert_allclose(ours, theirs, rtol=1e-5, atol=1e-6)


def test_hand_values():
    # Counts: thresholds 0.5 -> predicted positive where y_pred > 0.5; weights weight the counts.
    y_true, y_pred, w = [1, 0, 1, 0], [0.9, 0.7, 0.2, 0.1], [1.0, 2.0, 3.0, 4.0]
    assert float(metrics.TruePositives()(y_true, y_pred, sample_weight=w)) == 1.0
    assert float(metrics.FalsePositives()(y_true, y_pred, sample_weight=w)) == 2.0
    assert float(metrics.FalseNegatives()(y_true, y_pred, sample_weight=w)) == 3.0
    assert float(metrics.TrueNegatives()(y_true, y_pred, sample_weight=w)) == 4.0
    # IoU on cm [[2, 1], [0, 1]]: class 0: 2 / (3 + 2 - 2) = 2/3, class 1: 1 / (1 + 2 - 1) = 1/2.
    miou = metrics.MeanIoU(num_classes=2)
    miou.update_state([0, 0, 0, 1], [0, 0, 1, 1])
    assert math.isclose(float(miou.result()), (2 / 3 + 1 / 2) / 2, rel_tol=1e-5)
    # F1 per class with argmax predictions: class 0 tp=1 fp=1 fn=0 -> 2/3; class 1 tp=0 -> 0.
    f1 = metrics.F1Score()
    f1.update_state([[1, 0], [0, 1]], [[0.9, 0.1], [0.6, 0.4]])
    np.testing.assert_allclose(np.asarray(f1.result()), [2 / 3, 0.0], atol=1e-5)
    # R2 of a constant offset: 1 - SS_res / SS_tot with y = [1, 2, 3], y_hat = y + 1.
    r2 = metrics.R2Score()
    r2.update_state([[1.0], [2.0], [3.0]], [[2.0], [3.0], [4.0]])
    assert math.isclose(float(r2.result()), 1 - 3 / 2, rel_tol=1e-6)
    # Perfectly correlated rows.
    np.testing.assert_allclose(np.asarray(metrics.pearson_correlation([[1.0, 2.0, 3.0]], [[2.0, 4.0, 6.0]])), [1.0],
                               rtol=1e-5)
    # PrecisionAtRecall: recall >= 0.5 is reached at any threshold below 0.8, best precision there is 1.
    par = metrics.PrecisionAtRecall(recall=0.5)
    assert math.isclose(float(par([1, 1, 0, 0], [0.8, 0.1, 0.3, 0.05])), 1.0, rel_tol=1e-6)


def test_string_names_resolve():
    assert isinstance(metrics.get("true_positives"), metrics.TruePositives)
    assert isinstance(metrics.get("f1_score"), metrics.F1Score)
    assert isinstance(metrics.get("logcosh"), metrics.LogCoshError)
    squared = metrics.get("squared_hinge")
    assert squared.name == "squared_hinge" and isinstance(squared, metrics.SquaredHinge)
    wrapped = metrics.get("binary_focal_crossentropy")
    assert isinstance(wrapped, metrics.MeanMetricWrapper) and wrapped.name == "binary_focal_crossentropy"


def test_bad_arguments_raise_clear_errors():
    with pytest.raises(ValueError, match="target_class_ids"):
        metrics.IoU(num_classes=2, target_class_ids=[2])
    with pytest.raises(ValueError, match="specificity must be in the range"):
        metrics.SensitivityAtSpecificity(1.5)
    with pytest.raises(ValueError, match="beta must be a Python float"):
        metrics.FBetaScore(beta=2)
    with pytest.raises(ValueError, match="2D inputs"):
        metrics.F1Score().update_state(np.zeros((2, 3, 1)), np.zeros((2, 3, 1)))
    with pytest.raises(ValueError, match="class_aggregation"):
        metrics.R2Score(class_aggregation="median")


def _fit(backend, metric_factory, x, y, loss):
    pytest.importorskip(backend)
    with kerafront.backend_scope(backend):
        inputs = kerafront.Input(shape=(x.shape[1],))
        outputs = kerafront.layers.Dense(y.shape[1] if y.ndim == 2 else 3, activation="softmax"
                                         if loss != "binary_crossentropy" else "sigmoid")(inputs)
        model = kerafront.Model(inputs, outputs)
        model.compile(optimizer="sgd", loss=loss, metrics=[metric_factory()])
        history = model.fit(x, y, batch_size=4, epochs=1, shuffle=False, verbose=0)
        predictions = np.asarray(model.predict(x, verbose=0))
        evaluated = model.evaluate(x, y, batch_size=4, verbose=0, return_dict=True)
    return history.history, predictions, evaluated


@pytest.mark.parametrize("backend", FRAMEWORKS)
def test_confusion_metric_in_compiled_fit(backend):
    x = RNG.normal(size=(10, 3)).astype("float32")
    y = _binary((10, 1), 4)
    _, predictions, evaluated = _fit(backend, lambda: metrics.TruePositives(thresholds=[0.3, 0.5]), x, y,
                                     "binary_crossentropy")
    expected = [((predictions[:, 0] > t) & (y[:, 0] == 1)).sum() for t in (0.3, 0.5)]
    np.testing.assert_allclose(evaluated["true_positives"], expected)


@pytest.mark.parametrize("backend", FRAMEWORKS)
def test_iou_metric_in_compiled_fit(backend):
    x = RNG.normal(size=(10, 3)).astype("float32")
    y = _one_hot(10, 3, 5)
    _, predictions, evaluated = _fit(backend, lambda: metrics.OneHotMeanIoU(num_classes=3), x, y,
                                     "categorical_crossentropy")
    true_ids, pred_ids = y.argmax(-1), predictions.argmax(-1)
    ious = []
    for c in range(3):
        inter = np.sum((true_ids == c) & (pred_ids == c))
        union = np.sum((true_ids == c) | (pred_ids == c))
        if union:
            ious.append(inter / union)
    np.testing.assert_allclose(evaluated["one_hot_mean_io_u"], np.mean(ious), rtol=1e-5)


@pytest.mark.parametrize("backend", FRAMEWORKS)
def test_f1_score_in_compiled_fit(backend):
    x = RNG.normal(size=(10, 3)).astype("float32")
    y = _one_hot(10, 3, 6)
    _, predictions, evaluated = _fit(backend, lambda: metrics.F1Score(average="macro"), x, y,
                                     "categorical_crossentropy")
    picked = np.eye(3)[predictions.argmax(-1)]
    tp, fp, fn = (picked * y).sum(0), (picked * (1 - y)).sum(0), ((1 - picked) * y).sum(0)
    eps = 1e-7
    p, r = tp / (tp + fp + eps), tp / (tp + fn + eps)
    np.testing.assert_allclose(evaluated["f1_score"], np.mean(2 * p * r / (p + r + eps)), rtol=1e-4, atol=1e-6)
