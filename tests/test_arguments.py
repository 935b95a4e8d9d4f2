"""Bad ``fit``/``evaluate``/``predict``/``Input``/optimizer arguments raise a ValueError naming the
argument (issue: Keras reinterprets some of them silently)."""

import numpy as np
import pytest

import kerafront

X = np.ones((8, 3), "float32")
Y = np.zeros((8, 1), "float32")


def _model():
    inputs = kerafront.Input(shape=(3,))
    model = kerafront.Model(inputs, kerafront.layers.Dense(1)(inputs))
    model.compile(optimizer="sgd", loss="mse")
    return model


@pytest.mark.parametrize("kwargs, name", [
    ({"batch_size": -1}, "batch_size"), ({"batch_size": 0}, "batch_size"), ({"batch_size": 2.7}, "batch_size"),
    ({"batch_size": True}, "batch_size"), ({"epochs": -3}, "epochs"), ({"epochs": 1.5}, "epochs"),
    ({"steps_per_epoch": 0}, "steps_per_epoch"), ({"validation_split": 1.0}, "validation_split"),
    ({"validation_split": -0.1}, "validation_split"), ({"validation_freq": 0}, "validation_freq"),
    ({"initial_epoch": -1}, "initial_epoch"), ({"class_weight": {-1: 2.0}}, "class_weight"),
    ({"class_weight": {0: float("nan")}}, "class_weight"),
])
def test_fit_rejects_bad_arguments_by_name(kwargs, name):
    model = _model()
    before = model.get_weights()
    with pytest.raises(ValueError, match=name):
        model.fit(X, Y, verbose=0, **kwargs)
    for a, b in zip(before, model.get_weights()):
        np.testing.assert_array_equal(a, b)   # nothing trained


@pytest.mark.parametrize("method", ["evaluate", "predict"])
@pytest.mark.parametrize("kwargs", [{"batch_size": 0}, {"batch_size": -2}, {"steps": 0}])
def test_evaluate_and_predict_reject_bad_arguments(method, kwargs):
    model = _model()
    args = (X, Y) if method == "evaluate" else (X,)
    with pytest.raises(ValueError, match=next(iter(kwargs))):
        getattr(model, method)(*args, verbose=0, **kwargs)


def test_epochs_zero_trains_nothing_and_a_valid_fit_still_works():
    model = _model()
    history = model.fit(X, Y, epochs=0, verbose=0)
    assert history.history == {}
    history = model.fit(X, Y, epochs=2, batch_size=np.int64(4), verbose=0)
    assert len(history.history["loss"]) == 2


@pytest.mark.parametrize("shape", [(-1,), (3.5,), (2, -4), (True,)])
def test_input_rejects_bad_dimensions(shape):
    with pytest.raises(ValueError, match="Input: every dimension"):
        kerafront.Input(shape=shape)


@pytest.mark.parametrize("value", [float("nan"), float("inf"), "fast"])
def test_optimizers_reject_a_learning_rate_that_is_not_a_finite_number(value):
    with pytest.raises(ValueError, match="learning_rate"):
        kerafront.optimizers.Adam(learning_rate=value)


def test_a_bad_label_in_a_later_batch_is_caught():
    inputs = kerafront.Input(shape=(3,))
    model = kerafront.Model(inputs, kerafront.layers.Dense(4, activation="softmax")(inputs))
    model.compile(optimizer="sgd", loss="sparse_categorical_crossentropy")
    labels = np.array([0, 1, 2, 3, 0, 1, 2, -1])
    before = model.get_weights()
    with pytest.raises(ValueError, match=r"class ids must be in \[0, 4\)"):
        model.fit(X, labels, batch_size=4, shuffle=False, verbose=0)
    labels[-1] = 4
    with pytest.raises(ValueError, match=r"class ids must be in \[0, 4\)"):
        model.evaluate(X, labels, batch_size=4, verbose=0)
    assert not all(np.array_equal(a, b) for a, b in zip(before, model.get_weights()))  # batch 1 trained
