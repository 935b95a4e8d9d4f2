"""compile / fit / evaluate / predict on the NumPy backend: values, data forms and errors."""

import io

import numpy as np
import pytest

import kerafront
from kerafront import callbacks, layers, losses, optimizers


def small_model(units=3, activation="softmax", seed=0):
    kerafront.utils.set_random_seed(seed)
    return kerafront.Sequential([kerafront.Input(shape=(4,)), layers.Dense(units, activation=activation)])


def regression_data(n=64, seed=0):
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(n, 4)).astype("float32")
    y = x @ np.array([[1.0], [-2.0], [0.5], [0.0]], dtype="float32") + 0.3
    return x, y


def test_train_on_batch_matches_a_hand_computed_sgd_step():
    model = small_model(units=1, activation=None)
    w0, b0 = [w.copy() for w in model.get_weights()]
    model.compile(optimizer=optimizers.SGD(learning_rate=0.1), loss="mse")
    x, y = regression_data(8)
    loss = model.train_on_batch(x, y)
    pred = x @ w0 + b0
    expected_loss = np.mean((pred - y) ** 2)
    grad_pred = 2 * (pred - y) / len(x)
    w1, b1 = model.get_weights()
    np.testing.assert_allclose(loss, expected_loss, rtol=1e-5)  # Keras reports the loss of the step's forward pass
    np.testing.assert_allclose(w1, w0 - 0.1 * x.T @ grad_pred, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(b1, b0 - 0.1 * grad_pred.sum(0), rtol=1e-5, atol=1e-6)
    assert np.mean((x @ w1 + b1 - y) ** 2) < expected_loss


def test_fit_reduces_loss_and_history_has_validation():
    model = small_model(units=1, activation=None)
    model.compile(optimizer="adam", loss="mse", metrics=["mae"])
    x, y = regression_data(128)
    history = model.fit(x, y, batch_size=16, epochs=5, validation_split=0.25, verbose=0)
    assert history.epoch == [0, 1, 2, 3, 4]
    assert set(history.history) == {"loss", "mae", "val_loss", "val_mae"}
    assert history.history["loss"][-1] < history.history["loss"][0]
    evaluated = model.evaluate(x[96:], y[96:], verbose=0, return_dict=True)
    assert evaluated["loss"] == pytest.approx(history.history["val_loss"][-1], rel=1e-5)


def test_evaluate_and_predict_agree_with_calling_the_model():
    model = small_model()
    model.compile(optimizer="sgd", loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    x = np.random.default_rng(1).normal(size=(10, 4))
    y = np.array([0, 1, 2, 0, 1, 2, 0, 1, 2, 0])
    predicted = model.predict(x, batch_size=3, verbose=0)
    direct = kerafront.ops.convert_to_numpy(model(x.astype("float32")))
    np.testing.assert_allclose(predicted, direct, rtol=1e-6)
    loss, accuracy = model.evaluate(x, y, batch_size=4, verbose=0)
    expected_loss = -np.mean(np.log(direct[np.arange(10), y]))
    assert loss == pytest.approx(expected_loss, rel=1e-5)
    assert accuracy == pytest.approx(np.mean(direct.argmax(-1) == y))
    np.testing.assert_allclose(model.predict_on_batch(x), direct, rtol=1e-6)


def test_generators_iterables_and_sample_weights():
    x, y = regression_data(32)
    model = small_model(units=1, activation=None)
    model.compile(optimizer=optimizers.SGD(0.01), loss="mse")

    def generator():
        while True:
            for i in range(0, 32, 8):
                yield x[i:i + 8], y[i:i + 8]

    history = model.fit(generator(), steps_per_epoch=4, epochs=2, verbose=0)
    assert len(history.history["loss"]) == 2
    class Batches:  # a re-iterable source of batches, like a DataLoader
        def __iter__(self):
            return ((x[i:i + 8], y[i:i + 8]) for i in range(0, 32, 8))

    loss_list = model.evaluate(Batches(), verbose=0)
    loss_arrays = model.evaluate(x, y, batch_size=8, verbose=0)
    assert loss_list == pytest.approx(loss_arrays, rel=1e-6)
    weights = np.zeros(32, dtype="float32")
    weights[:16] = 1.0
    weighted = model.evaluate(x, y, sample_weight=weights, batch_size=32, verbose=0)
    pred = model.predict(x, verbose=0)
    assert weighted == pytest.approx(np.sum((pred[:16] - y[:16]) ** 2) / 32, rel=1e-5)


def test_class_weight_scales_the_loss():
    model = small_model()
    model.compile(optimizer=optimizers.SGD(0.0), loss="sparse_categorical_crossentropy")
    x = np.random.default_rng(2).normal(size=(6, 4)).astype("float32")
    y = np.array([0, 0, 1, 1, 2, 2])
    plain = model.test_on_batch(x, y)
    doubled = model.train_on_batch(x, y, class_weight={0: 2.0, 1: 2.0, 2: 2.0})
    assert doubled == pytest.approx(2 * plain, rel=1e-5)


def test_multi_output_model_with_loss_dict_and_weights():
    inputs = kerafront.Input(shape=(4,), name="features")
    hidden = layers.Dense(8, activation="relu")(inputs)
    out_a = layers.Dense(1, name="a")(hidden)
    out_b = layers.Dense(2, activation="softmax", name="b")(hidden)
    model = kerafront.Model(inputs, [out_a, out_b])
    model.compile(optimizer="adam", loss={"a": "mse", "b": "sparse_categorical_crossentropy"},
                  loss_weights={"a": 0.5, "b": 2.0})
    x, y = regression_data(16)
    labels = (x[:, 0] > 0).astype("int32")
    total = model.evaluate(x, {"a": y, "b": labels}, verbose=0)
    pred_a, pred_b = model.predict(x, verbose=0)
    expected = 0.5 * np.mean((pred_a - y) ** 2) - 2.0 * np.mean(np.log(pred_b[np.arange(16), labels]))
    assert total == pytest.approx(expected, rel=1e-4)
    history = model.fit(x, [y, labels], epochs=2, verbose=0)
    assert len(history.history["loss"]) == 2


def test_callbacks_early_stopping_restores_best_weights():
    model = small_model(units=1, activation=None)
    model.compile(optimizer=optimizers.SGD(0.05), loss="mse")
    x, y = regression_data(32)
    seen = []

    class Spy(callbacks.Callback):
        def on_epoch_end(self, epoch, logs=None):
            seen.append((logs["loss"], [w.copy() for w in self.model.get_weights()]))

    stop = callbacks.EarlyStopping(monitor="loss", patience=0, restore_best_weights=True, min_delta=10.0)
    model.fit(x, y, epochs=10, verbose=0, callbacks=[Spy(), stop])
    assert len(seen) == 2 and stop.stopped_epoch == 1
    for restored, best in zip(model.get_weights(), seen[0][1]):
        np.testing.assert_array_equal(restored, best)


def test_learning_rate_callbacks_and_csv_logger(tmp_path):
    model = small_model(units=1, activation=None)
    model.compile(optimizer=optimizers.SGD(0.1), loss="mse")
    x, y = regression_data(16)
    log = tmp_path / "log.csv"
    model.fit(x, y, epochs=3, verbose=0, callbacks=[
        callbacks.LearningRateScheduler(lambda epoch, lr: 0.1 / (epoch + 1)), callbacks.CSVLogger(log)])
    assert float(model.optimizer.learning_rate) == pytest.approx(0.1 / 3)
    rows = log.read_text().strip().splitlines()
    assert rows[0] == "epoch,learning_rate,loss" and len(rows) == 4
    plateau = callbacks.ReduceLROnPlateau(monitor="loss", factor=0.5, patience=1, min_delta=1e9)
    model.fit(x, y, epochs=3, verbose=0, callbacks=[plateau])
    assert float(model.optimizer.learning_rate) < 0.1 / 3


def test_terminate_on_nan_names_the_batch(capsys):
    model = small_model(units=1, activation=None)
    model.compile(optimizer=optimizers.SGD(1e6), loss="mse")
    x, y = regression_data(64)
    terminate = callbacks.TerminateOnNaN()
    history = model.fit(x * 1e3, y, batch_size=8, epochs=3, verbose=0, callbacks=[terminate])
    assert len(history.epoch) == 1
    assert "batch" in terminate.message and "invalid loss" in terminate.message
    assert "terminating training" in capsys.readouterr().out


def test_progress_bar_prints_one_line_per_epoch_when_not_a_terminal():
    model = small_model(units=1, activation=None)
    model.compile(optimizer="sgd", loss="mse")
    x, y = regression_data(32)
    stream = io.StringIO()
    model.fit(x, y, epochs=3, batch_size=8, verbose=0, callbacks=[callbacks.ProgbarLogger(stream=stream)])
    lines = stream.getvalue().strip().splitlines()
    assert len(lines) == 3
    assert lines[0].startswith("Epoch 1/3 - 4/4 - ") and "loss: " in lines[0]


def test_bad_inputs_get_clear_errors():
    model = small_model()
    x = np.zeros((10, 4), dtype="float32")
    with pytest.raises(RuntimeError, match="compile"):
        model.fit(x, np.zeros(10), verbose=0)
    model.compile(optimizer="adam", loss="categorical_crossentropy")
    with pytest.raises(ValueError, match=r"x with 10 .* y with 9"):
        model.fit(x, np.zeros((9, 3)), verbose=0)
    with pytest.raises(ValueError, match="SparseCategoricalCrossentropy"):
        model.fit(x, np.zeros(10, dtype="int64"), verbose=0)
    with pytest.raises(ValueError, match=r"\(10, 5\).*\(10, 3\)|\(10, 3\).*\(10, 5\)"):
        model.fit(x, np.zeros((10, 5)), verbose=0)
    with pytest.raises(ValueError, match="Valid names"):
        losses.get("mean_squared_eror")
    with pytest.raises(ValueError, match="Valid names"):
        optimizers.get("adamm")
    with pytest.raises(ValueError, match="accuracy"):
        kerafront.metrics.get("acuracy")


def test_fit_applies_weight_constraints_after_each_update():
    model = kerafront.Sequential([kerafront.Input(shape=(3,)), layers.Dense(2, kernel_constraint="non_neg")])
    model.compile(optimizer=optimizers.SGD(1.0), loss="mse")
    model.fit(np.ones((4, 3)), -10 * np.ones((4, 2)), epochs=1, batch_size=4, verbose=0)
    np.testing.assert_array_equal(model.get_weights()[0], 0.0)  # one step of about -10 per weight, clipped


def test_host_batches_keep_numpy_and_normalise_dtypes():
    from kerafront.training import data
    converted = data.to_host_tree({"a": np.ones((2, 2)), "b": np.arange(3, dtype="int32"), "c": 1.5})
    assert isinstance(converted["a"], np.ndarray) and converted["a"].dtype == np.float32
    assert converted["b"].dtype == np.int32 and isinstance(converted["b"], np.ndarray)
    assert kerafront.ops.is_tensor(converted["c"])   # non-arrays are converted as usual
