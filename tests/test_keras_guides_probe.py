"""What running keras.io guide-style scripts on kerafront found broken, each pinned to Keras 3's behaviour.

The hook order of ``fit`` with validation (Keras validates through ``evaluate``, so callbacks see the
``on_test_*`` hooks), ``Normalization.mean``/``.variance`` after ``adapt``, ``stateless_update_state``
on the compiled metrics (the JAX guide's hand-written ``train_step``) and ``ModelCheckpoint``'s messages.
Keras runs here on the backend the root conftest gave it (JAX).
"""

import contextlib
import io
import os

import numpy as np
import pytest

import kerafront
from kerafront import ops

X = np.random.default_rng(0).random((8, 3)).astype("float32")
Y = np.random.default_rng(1).random((8, 1)).astype("float32")


def _hook_recorder(lib):
    class Recorder(lib.callbacks.Callback):
        def __init__(self):
            super().__init__()
            self.calls = []

    for hook in ("train_begin", "train_end", "epoch_begin", "epoch_end", "test_begin", "test_end",
                 "train_batch_begin", "train_batch_end", "test_batch_begin", "test_batch_end"):
        def record(self, *args, logs=None, _hook=hook):
            logs = args[-1] if logs is None and args and not isinstance(args[-1], int) else logs
            self.calls.append((_hook, sorted(logs) if logs else []))
        setattr(Recorder, f"on_{hook}", record)
    return Recorder()


def _fit_hooks(lib):
    model = lib.Sequential([lib.Input((3,)), lib.layers.Dense(1)])
    model.compile(optimizer="sgd", loss="mse", metrics=["mae"])
    recorder = _hook_recorder(lib)
    model.fit(X, Y, batch_size=4, epochs=1, validation_split=0.5, shuffle=False, verbose=0, callbacks=[recorder])
    return recorder.calls


def test_fit_validation_runs_the_test_hooks_in_keras_order():
    calls = _fit_hooks(kerafront)
    assert [name for name, _ in calls] == [
        "train_begin", "epoch_begin", "train_batch_begin", "train_batch_end",
        "test_begin", "test_batch_begin", "test_batch_end", "test_end", "epoch_end", "train_end"]
    assert dict(calls)["test_end"] == ["loss", "mae"]            # unprefixed, as evaluate's logs
    assert dict(calls)["epoch_end"] == ["loss", "mae", "val_loss", "val_mae"]
    keras = pytest.importorskip("keras")
    assert [name for name, _ in calls] == [name for name, _ in _fit_hooks(keras)]


def test_normalization_mean_and_variance_attributes_after_adapt():
    data = np.array([[0.1, 0.2, 0.3], [0.8, 0.9, 1.0], [1.5, 1.6, 1.7]], "float32")
    layer = kerafront.layers.Normalization()
    assert layer.mean is None and layer.variance is None              # Keras: None before build
    layer.adapt(data)
    mean, variance = ops.convert_to_numpy(layer.mean), ops.convert_to_numpy(layer.variance)
    assert mean.shape == variance.shape == (1, 3)                     # the broadcast shape, as Keras's
    np.testing.assert_allclose(mean, data.mean(0, keepdims=True), rtol=1e-6)
    np.testing.assert_allclose(variance, data.var(0, keepdims=True), rtol=1e-5)
    given = kerafront.layers.Normalization(mean=[1.0, 2.0], variance=[4.0, 9.0])
    given.build((None, 2))
    np.testing.assert_allclose(ops.convert_to_numpy(given.variance), [[4.0, 9.0]])
    keras = pytest.importorskip("keras")
    reference = keras.layers.Normalization()
    reference.adapt(data)
    np.testing.assert_allclose(mean, np.asarray(reference.mean), rtol=1e-6)
    np.testing.assert_allclose(variance, np.asarray(reference.variance), rtol=1e-5)


def test_compile_metrics_stateless_update_uses_the_inner_metrics_state():
    model = kerafront.Sequential([kerafront.Input((3,)), kerafront.layers.Dense(1)])
    model.compile(optimizer="sgd", loss="mse", metrics=["mae"])
    model.evaluate(X, Y, verbose=0)                     # builds the compiled metrics
    compiled = next(m for m in model.metrics if m.name == "compile_metrics")
    before = [ops.convert_to_numpy(v).copy() for v in compiled.variables]
    assert len(before) == 2                             # MeanAbsoluteError: total, count
    zeros = [ops.zeros_like(v) for v in compiled.variables]
    y_pred = np.zeros((4, 1), "float32")
    new_values = compiled.stateless_update_state(zeros, Y[:4], y_pred)
    result = compiled.stateless_result(new_values)
    np.testing.assert_allclose(float(ops.convert_to_numpy(result["mae"])), np.abs(Y[:4]).mean(), rtol=1e-6)
    for variable, value in zip(compiled.variables, before):   # the variables themselves are untouched
        np.testing.assert_array_equal(ops.convert_to_numpy(variable), value)


def test_model_checkpoint_prints_keras_messages(tmp_path):
    model = kerafront.Sequential([kerafront.Input((3,)), kerafront.layers.Dense(1)])
    model.compile(optimizer=kerafront.optimizers.SGD(0.0), loss="mse")    # loss constant: no improvement
    path = os.path.join(tmp_path, "m_{epoch}.keras")
    checkpoint = kerafront.callbacks.ModelCheckpoint(path, monitor="loss", save_best_only=True, verbose=1)
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        history = model.fit(X, Y, epochs=2, batch_size=8, verbose=0, callbacks=[checkpoint])
    loss = history.history["loss"][0]
    assert out.getvalue() == (
        f"\nEpoch 1: loss improved from None to {loss:.5f}, saving model to {path.format(epoch=1)}\n"
        f"\nEpoch 2: loss did not improve from {loss:.5f}\n")
    assert sorted(os.listdir(tmp_path)) == ["m_1.keras"]
