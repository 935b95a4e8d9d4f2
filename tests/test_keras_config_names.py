"""Keras's ``keras.backend`` and ``keras.config`` names: the callable ``kerafront.backend`` module, the
fit caps, the logging switch, and the flags a script may set."""

import logging

import numpy as np
import pytest

import kerafront
from kerafront import config, layers


def test_backend_is_both_a_function_and_keras_s_module():
    assert kerafront.backend() == kerafront.backend.backend() == config.backend()
    assert kerafront.backend.floatx() == "float32" and kerafront.backend.epsilon() == 1e-7
    kerafront.backend.clear_session()
    assert [kerafront.backend.get_uid("probe"), kerafront.backend.get_uid("probe")] == [1, 2]
    kerafront.backend.clear_session()
    assert kerafront.backend.get_uid("probe") == 1


def test_dtype_helpers_follow_the_promotion_table():
    b = kerafront.backend
    assert b.result_type("int8", "uint8") == "int16"       # Keras: the smallest int holding both
    assert b.result_type("int32", "float16") == "float16"  # the float wins, as in Keras (JAX's lattice)
    assert b.result_type("int32", "bool") == "int32"
    assert b.is_float_dtype("bfloat16") and not b.is_float_dtype("int8")
    assert b.is_int_dtype("uint8") and not b.is_int_dtype("bool")
    assert b.is_keras_tensor(kerafront.Input((2,))) and not b.is_keras_tensor(np.ones(2))
    assert b.standardize_dtype(np.float64) == "float64"


def _model():
    kerafront.utils.set_random_seed(0)
    model = kerafront.Sequential([kerafront.Input((2,)), layers.Dense(1)])
    model.compile("sgd", "mse")
    return model


class _CountBatches(kerafront.callbacks.Callback):
    def __init__(self):
        super().__init__()
        self.train, self.test, self.predict = 0, 0, 0

    def on_train_batch_end(self, batch, logs=None):
        self.train += 1

    def on_test_batch_end(self, batch, logs=None):
        self.test += 1

    def on_predict_batch_end(self, batch, logs=None):
        self.predict += 1


def test_max_epochs_and_max_steps_per_epoch_cap_fit_evaluate_and_predict():
    x, y = np.ones((10, 2), "float32"), np.ones((10, 1), "float32")
    config.set_max_epochs(2)
    config.set_max_steps_per_epoch(3)
    try:
        counter = _CountBatches()
        model = _model()
        history = model.fit(x, y, batch_size=2, epochs=5, validation_split=0.2, verbose=0, callbacks=[counter])
        assert len(history.history["loss"]) == 2 and counter.train == 2 * 3
        assert counter.test == 2   # fit's validation (1 batch an epoch) calls the test hooks, as in Keras
        model.evaluate(x, y, batch_size=2, verbose=0, callbacks=[counter])
        assert counter.test == 2 + 3
        assert model.predict(x, batch_size=2, verbose=0).shape == (6, 1)
    finally:
        config.set_max_epochs(None)
        config.set_max_steps_per_epoch(None)
    assert config.max_epochs() is None and len(_model().fit(x, y, epochs=3, verbose=0).history["loss"]) == 3


def test_max_epochs_from_the_environment(monkeypatch):
    monkeypatch.setattr(config.state, "max_epochs", "env")
    monkeypatch.setenv("KERAFRONT_MAX_EPOCHS", "1")
    assert config.max_epochs() == 1
    monkeypatch.setenv("KERAFRONT_MAX_EPOCHS", "zero")
    with pytest.raises(ValueError, match="KERAFRONT_MAX_EPOCHS"):
        config.max_epochs()
    with pytest.raises(ValueError, match="set_max_epochs"):
        config.set_max_epochs(0)


def test_without_interactive_logging_progress_goes_to_the_logger(caplog, capsys):
    x = np.ones((4, 2), "float32")
    config.disable_interactive_logging()
    try:
        with caplog.at_level(logging.INFO, logger="kerafront"):
            _model().fit(x, x[:, :1], epochs=2, verbose=2)
    finally:
        config.enable_interactive_logging()
    assert capsys.readouterr().out == ""
    epochs = [r.getMessage() for r in caplog.records if r.getMessage().startswith("Epoch")]
    assert [line.split(" - ")[0] for line in epochs] == ["Epoch 1/2", "Epoch 2/2"]
    assert config.is_interactive_logging_enabled()


def test_flags_a_script_may_set():
    for name in ("traceback_filtering", "flash_attention"):
        getattr(config, f"disable_{name}")()
        assert getattr(config, f"is_{name}_enabled")() is False
        getattr(config, f"enable_{name}")()
        assert getattr(config, f"is_{name}_enabled")() is True
    assert config.is_nnx_enabled() is False
    with pytest.warns(UserWarning, match="never deserializes code"):
        config.enable_unsafe_deserialization()


def test_ops_nn_namespace_holds_keras_s_names():
    ops = kerafront.ops
    available = [name for name in ops.nn.KERAS_NAMES if hasattr(ops.nn, name)]
    assert set(ops.nn.KERAS_NAMES) - set(available) == {"polar"}   # complex dtypes: not in kerafront
    assert all(getattr(ops.nn, name) is getattr(ops, name) for name in available)
    x = np.array([[-1.0, 0.5]], "float32")
    np.testing.assert_allclose(ops.nn.hard_tanh(x), np.clip(x, -1, 1))
    with pytest.raises(AttributeError, match="does not implement yet"):
        ops.nn.polar
