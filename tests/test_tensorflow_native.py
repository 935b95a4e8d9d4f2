"""kerafront on TensorFlow's own terms: Variables hold ``tf.Variable``s (``variable_storage``), so
``tf.GradientTape`` differentiates with respect to ``model.trainable_weights``, a model trains in a
plain TensorFlow loop (eager or under ``tf.function``), compiled steps read and assign the variables
(``step_mode() == "stateful"``), and a Keras-style TF ``train_step`` runs under ``fit``.

References are hand-written NumPy: the gradients and SGD of a one- or two-layer model.
"""

import numpy as np
import pytest

tf = pytest.importorskip("kerafront_tensorflow").tf

import kerafront  # noqa: E402
from kerafront import layers, metrics, ops, optimizers  # noqa: E402

LR = 0.1


@pytest.fixture(autouse=True)
def K():
    with kerafront.backend_scope("tensorflow") as module:
        yield module


def _rand(*shape, seed=0):
    return np.random.default_rng(seed).standard_normal(shape).astype(np.float32)


def _np(x):
    return ops.convert_to_numpy(x)


def _mlp(x_dim=3, hidden=4):
    """``Dense(hidden, tanh) -> Dense(1)`` with fixed weights, and those weights as NumPy arrays."""
    model = kerafront.Sequential([layers.Input((x_dim,)), layers.Dense(hidden, activation="tanh"), layers.Dense(1)])
    weights = [_rand(x_dim, hidden, seed=1) * 0.5, _rand(hidden, seed=2) * 0.1,
               _rand(hidden, 1, seed=3) * 0.5, _rand(1, seed=4) * 0.1]
    model.set_weights(weights)
    return model, weights


def _mlp_loss_and_grads(weights, x, y):
    """Mean squared error of the ``_mlp`` model and its gradients, by hand."""
    w1, b1, w2, b2 = weights
    h = np.tanh(x @ w1 + b1)
    error = h @ w2 + b2 - y
    loss = np.mean(error ** 2)
    d_out = 2.0 * error / error.size
    d_pre = (d_out @ w2.T) * (1.0 - h ** 2)
    return loss, [x.T @ d_pre, d_pre.sum(0), h.T @ d_out, d_out.sum(0)]


def _mse(model, x, y):
    return tf.reduce_mean(tf.square(model(x) - y))


# ----------------------------------------------------------------------------------------------
# Variables are tf.Variables


def test_variables_hold_tf_variables_and_assign_keeps_identity():
    v = kerafront.Variable(np.array([1.0, 2.0], np.float32))
    storage = v._value
    assert isinstance(storage, tf.Variable) and v.handle is storage.handle
    before = v.value
    v.assign([3.0, 4.0])
    v.assign_sub(np.array([1.0, 1.0], np.float32))
    assert v._value is storage
    np.testing.assert_array_equal(_np(storage), [2.0, 3.0])
    np.testing.assert_array_equal(_np(before), [1.0, 2.0])   # a read is a snapshot, as on every backend
    # TensorFlow ops take kerafront Variables directly.
    np.testing.assert_array_equal(_np(tf.reduce_sum(v)), 5.0)


def test_stateless_scope_substitutes_without_touching_the_tf_variable():
    v = kerafront.Variable(np.array([1.0, 2.0], np.float32))
    with kerafront.variables.StatelessScope({v: tf.constant([5.0, 6.0])}) as scope:
        np.testing.assert_array_equal(_np(v.value), [5.0, 6.0])
        v.assign([7.0, 8.0])
    np.testing.assert_array_equal(_np(scope.updates[v]), [7.0, 8.0])
    np.testing.assert_array_equal(_np(v), [1.0, 2.0])


@pytest.mark.parametrize("compiled", [False, True], ids=["eager", "tf.function"])
def test_tape_gradient_over_trainable_weights_matches_value_and_grad_and_numpy(compiled):
    model, weights = _mlp()
    x, y = _rand(5, 3, seed=5), _rand(5, 1, seed=6)

    def tape_gradients():
        with tf.GradientTape() as tape:
            loss = _mse(model, x, y)
        return loss, tape.gradient(loss, model.trainable_weights)

    loss, grads = (tf.function(tape_gradients) if compiled else tape_gradients)()
    value, reference = ops.value_and_grad(lambda _: ops.mean(ops.square(model(x) - y)))(model.trainable_weights)
    want_loss, want = _mlp_loss_and_grads(weights, x, y)
    np.testing.assert_allclose(_np(loss), want_loss, rtol=1e-5)
    np.testing.assert_allclose(_np(value), want_loss, rtol=1e-5)
    for got, ref, hand in zip(grads, reference, want):
        np.testing.assert_allclose(_np(got), _np(ref), rtol=1e-5, atol=1e-7)
        np.testing.assert_allclose(_np(got), hand, rtol=1e-4, atol=1e-6)


def test_the_tape_watches_what_kerafront_calls_trainable():
    layer = layers.Dense(2)
    layer.build((None, 3))
    x = _rand(4, 3)
    layer.trainable = False
    with tf.GradientTape() as tape:
        loss = tf.reduce_sum(layer(x))
    assert tape.watched_variables() == ()
    assert tape.gradient(loss, layer.kernel) is None
    layer.trainable = True
    with tf.GradientTape() as tape:
        loss = tf.reduce_sum(layer(x))
    np.testing.assert_allclose(_np(tape.gradient(loss, layer.kernel)), np.repeat(x.sum(0)[:, None], 2, 1),
                               rtol=1e-5)


def test_a_layer_first_built_inside_tf_function_gets_variables_created_outside_the_graph():
    layer = layers.Dense(2, kernel_initializer="ones", bias_initializer="zeros")
    call = tf.function(lambda x: layer(x))
    x = _rand(4, 3)
    for _ in range(3):
        np.testing.assert_allclose(_np(call(x)), np.repeat(x.sum(1, keepdims=True), 2, 1), rtol=1e-5)
    assert isinstance(layer.kernel._value, tf.Variable)
    traces = call.experimental_get_tracing_count()   # tf.function traces twice when a call creates variables
    layer.kernel.assign(np.full((3, 2), 2.0, np.float32))
    np.testing.assert_allclose(_np(call(x)), np.repeat(2 * x.sum(1, keepdims=True), 2, 1), rtol=1e-5)
    assert call.experimental_get_tracing_count() == traces


def test_a_variable_from_a_value_computed_inside_tf_function_is_refused():
    make = tf.function(lambda x: kerafront.Variable(x * 2.0).value)
    with pytest.raises(ValueError, match="inside a compiled function"):
        make(tf.constant([1.0]))


# ----------------------------------------------------------------------------------------------
# Training in TensorFlow's loop, then kerafront's evaluate


def _numpy_sgd(weights, x, y, steps):
    weights = [w.copy() for w in weights]
    for _ in range(steps):
        _, grads = _mlp_loss_and_grads(weights, x, y)
        weights = [w - LR * g for w, g in zip(weights, grads)]
    return weights


@pytest.mark.parametrize("compiled", [False, True], ids=["eager", "tf.function"])
@pytest.mark.parametrize("update", ["assign_sub", "kerafront_sgd"])
def test_native_tf_loop_trains_and_evaluate_sees_the_weights(update, compiled):
    model, weights = _mlp()
    x, y = _rand(8, 3, seed=7), _rand(8, 1, seed=8)
    variables = model.trainable_weights
    sgd = optimizers.SGD(learning_rate=LR)

    def train_step():
        with tf.GradientTape() as tape:
            loss = _mse(model, x, y)
        grads = tape.gradient(loss, variables)
        if update == "assign_sub":
            for v, g in zip(variables, grads):
                v.assign_sub(LR * g)
        else:
            sgd.apply_gradients(zip(grads, variables))
        return loss

    step = tf.function(train_step) if compiled else train_step
    for _ in range(20):
        step()
    want = _numpy_sgd(weights, x, y, 20)
    for v, w in zip(variables, want):
        np.testing.assert_allclose(_np(v), w, rtol=1e-4, atol=1e-6)
    if update == "kerafront_sgd":
        assert int(_np(sgd.iterations)) == 20
    model.compile(optimizer="sgd", loss="mse")
    np.testing.assert_allclose(model.evaluate(x, y, verbose=0), _mlp_loss_and_grads(want, x, y)[0], rtol=1e-4)


def test_compiled_step_reads_and_assigns_the_variables(K):
    assert K.step_mode() == "stateful"
    w = kerafront.Variable(np.array([1.0, -2.0], np.float32), name="w")
    storage = w._value
    sgd = optimizers.SGD(learning_rate=0.5)
    mean = metrics.Mean()

    @ops.compile
    def step(x):
        loss, grads = ops.value_and_grad(lambda _: ops.sum(ops.square(w * x)))([w])
        sgd.apply(grads, [w])
        mean.update_state(loss)
        return loss

    x = tf.constant([1.0, 0.5])
    w_hand, losses = np.array([1.0, -2.0]), []
    for _ in range(3):
        step(x)
        losses.append(np.sum((w_hand * [1.0, 0.5]) ** 2))
        w_hand = w_hand - 0.5 * 2 * w_hand * np.array([1.0, 0.25])
    np.testing.assert_allclose(_np(w), w_hand, rtol=1e-6)
    assert w._value is storage
    np.testing.assert_allclose(_np(mean.result()), np.mean(losses), rtol=1e-6)
    assert int(_np(sgd.iterations)) == 3


# ----------------------------------------------------------------------------------------------
# A Keras-style TensorFlow train_step under fit


@pytest.mark.skipif(not hasattr(kerafront.Model, "train_step"), reason="needs the trainer's overridable train_step")
@pytest.mark.parametrize("update", ["apply", "apply_gradients"])
def test_tf_style_custom_train_step_under_fit(update):
    seen = {}

    class TapeModel(kerafront.Model):
        def __init__(self):
            super().__init__()
            self.hidden = layers.Dense(4, activation="tanh")
            self.out = layers.Dense(1)

        def call(self, x):
            return self.out(self.hidden(x))

        def train_step(self, data):
            x, y = data
            with tf.GradientTape() as tape:
                y_pred = self(x, training=True)
                loss = self.compute_loss(y=y, y_pred=y_pred)
            grads = tape.gradient(loss, self.trainable_variables)
            seen["none_grads"] = sum(g is None for g in grads)
            if update == "apply":
                self.optimizer.apply(grads, self.trainable_variables)
            else:
                self.optimizer.apply_gradients(zip(grads, self.trainable_variables))
            for metric in self.metrics:
                if metric.name == "loss":
                    metric.update_state(loss)
                else:
                    metric.update_state(y, y_pred)
            return {m.name: m.result() for m in self.metrics}

    model = TapeModel()
    x, y = _rand(8, 3, seed=9), _rand(8, 1, seed=10)
    model(x)
    _, weights = _mlp()
    model.set_weights(weights)
    model.compile(optimizer=optimizers.SGD(learning_rate=LR), loss="mse")
    history = model.fit(x, y, batch_size=2, epochs=2, shuffle=False, verbose=0)
    want, losses = [w.copy() for w in weights], []
    for _ in range(2):
        epoch = []
        for start in range(0, 8, 2):
            loss, grads = _mlp_loss_and_grads(want, x[start:start + 2], y[start:start + 2])
            epoch.append(loss)
            want = [w - LR * g for w, g in zip(want, grads)]
        losses.append(np.mean(epoch))
    assert seen["none_grads"] == 0
    for got, w in zip(model.get_weights(), want):
        np.testing.assert_allclose(got, w, rtol=1e-4, atol=1e-6)
    np.testing.assert_allclose(history.history["loss"], losses, rtol=1e-4)
