"""Keras's overridable training API on every backend, checked against hand computations.

A subclass's ``train_step``/``test_step``/``predict_step``/``compute_loss``/``metrics`` change what
``fit``/``evaluate``/``predict`` do; one step written with kerafront ops runs unchanged on every
backend (its first call eager, the next ones compiled where the backend compiles); the JAX-style
stateless step (``train_step(self, state, data)``) runs too; ``steps_per_execution`` and
``weighted_metrics`` behave as in Keras.
"""

import numpy as np
import pytest

import kerafront
from kerafront import layers, ops

X = np.random.default_rng(1).normal(size=(6, 3)).astype("float32")
Y = np.random.default_rng(2).normal(size=(6, 1)).astype("float32")
W1 = np.random.default_rng(3).normal(size=(3, 2)).astype("float32") * 0.5
B1 = np.array([0.1, -0.2], "float32")
W2 = np.random.default_rng(4).normal(size=(2, 1)).astype("float32") * 0.5
B2 = np.array([0.05], "float32")
LR = 0.1


def _two_layer_sgd(steps, train_first=True, train_second=True, extra_loss=None):
    """NumPy reference: ``(x @ w1 + b1) @ w2 + b2``, mse (+ ``extra_loss`` on predictions), full-batch SGD."""
    w1, b1, w2, b2 = W1.astype(np.float64), B1.astype(np.float64), W2.astype(np.float64), B2.astype(np.float64)
    losses = []
    for _ in range(steps):
        h = X @ w1 + b1
        p = h @ w2 + b2
        loss = np.mean((p - Y) ** 2)
        dp = 2 * (p - Y) / p.size
        if extra_loss == "l1":
            loss += 0.5 * np.mean(np.abs(p))
            dp = dp + 0.5 * np.sign(p) / p.size
        losses.append(loss)
        dw2, db2 = h.T @ dp, dp.sum(0)
        dh = dp @ w2.T
        dw1, db1 = X.T @ dh, dh.sum(0)
        if train_first:
            w1, b1 = w1 - LR * dw1, b1 - LR * db1
        if train_second:
            w2, b2 = w2 - LR * dw2, b2 - LR * db2
    return [w1, b1, w2, b2], losses


class TwoPart(kerafront.Model):
    """Two Dense layers; the custom step trains only the first."""

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.first = layers.Dense(2)
        self.second = layers.Dense(1)
        self.tracker = kerafront.metrics.Mean(name="loss")

    def call(self, x):
        return self.second(self.first(x))

    def train_step(self, data):
        x, y = data
        variables = self.first.trainable_variables

        def loss_fn(_values):
            return self.compute_loss(x, y, self(x, training=True))

        loss, grads = ops.value_and_grad(loss_fn)(variables)
        self.optimizer.apply(grads, variables)
        self.tracker.update_state(loss)
        return {"loss": self.tracker.result()}

    @property
    def metrics(self):
        return [self.tracker]


def _build(model):
    model.build((None, 3))
    model.set_weights([W1, B1, W2, B2])
    return model


def test_an_overridden_train_step_changes_what_fit_does(backend):
    with kerafront.backend_scope(backend):
        model = _build(TwoPart())
        model.compile(optimizer=kerafront.optimizers.SGD(LR), loss="mse")
        history = model.fit(X, Y, batch_size=6, epochs=3, shuffle=False, verbose=0)
        weights = model.get_weights()
    expected, losses = _two_layer_sgd(3, train_second=False)
    for got, want in zip(weights, expected):
        np.testing.assert_allclose(got, want, rtol=1e-4, atol=1e-5)
    np.testing.assert_array_equal(weights[2], W2)   # the second layer never trains
    # The tracker is reset each epoch (reset_metrics), so each epoch logs that epoch's one loss.
    np.testing.assert_allclose(history.history["loss"], losses, rtol=1e-4)


def test_the_built_in_step_with_an_overridden_compute_loss(backend):
    class L1Model(kerafront.Model):
        def __init__(self):
            super().__init__()
            self.first, self.second = layers.Dense(2), layers.Dense(1)

        def call(self, x):
            return self.second(self.first(x))

        def compute_loss(self, x=None, y=None, y_pred=None, sample_weight=None, training=True):
            loss = super().compute_loss(x, y, y_pred, sample_weight, training)
            return ops.add(loss, ops.multiply(ops.mean(ops.abs(y_pred)), 0.5))

    with kerafront.backend_scope(backend):
        model = _build(L1Model())
        model.compile(optimizer=kerafront.optimizers.SGD(LR), loss="mse")
        history = model.fit(X, Y, batch_size=6, epochs=2, shuffle=False, verbose=0)
        weights = model.get_weights()
        evaluated = model.evaluate(X, Y, verbose=0)
    expected, losses = _two_layer_sgd(2, extra_loss="l1")
    for got, want in zip(weights, expected):
        np.testing.assert_allclose(got, want, rtol=1e-4, atol=1e-5)
    np.testing.assert_allclose(history.history["loss"], losses, rtol=1e-4)
    np.testing.assert_allclose(evaluated, _two_layer_sgd(3, extra_loss="l1")[1][-1], rtol=1e-4)


def test_a_functional_subclass_constructed_from_inputs_and_outputs(backend):
    class Custom(kerafront.Model):
        def train_step(self, data):
            x, y = data
            variables = self.trainable_variables[:2]   # the first Dense only

            def loss_fn(_values):
                return self.compute_loss(x, y, self(x, training=True))

            loss, grads = ops.value_and_grad(loss_fn)(variables)
            self.optimizer.apply(grads, variables)
            return {"custom_loss": loss}

    with kerafront.backend_scope(backend):
        inputs = kerafront.Input(shape=(3,))
        outputs = layers.Dense(1)(layers.Dense(2)(inputs))
        model = Custom(inputs, outputs)
        assert isinstance(model, Custom) and model.layers[1].name.startswith("dense")
        model.set_weights([W1, B1, W2, B2])
        model.compile(optimizer=kerafront.optimizers.SGD(LR), loss="mse")
        history = model.fit(X, Y, batch_size=6, epochs=2, shuffle=False, verbose=0)
        weights = model.get_weights()
    expected, losses = _two_layer_sgd(2, train_second=False)
    for got, want in zip(weights, expected):
        np.testing.assert_allclose(got, want, rtol=1e-4, atol=1e-5)
    # Logs that are not the metrics' results are reported as the step returned them.
    np.testing.assert_allclose(history.history["custom_loss"], losses, rtol=1e-4)


class CountMetric(kerafront.metrics.Metric):
    """Counts samples; ``result()`` returns the state Variable itself."""

    def __init__(self, name="count"):
        super().__init__(name=name)
        self.total = self.add_variable((), name="total")

    def update_state(self, y_true, y_pred, sample_weight=None):
        self.total.assign_add(ops.cast(ops.shape(y_true)[0], self.dtype))

    def result(self):
        return self.total


def test_metrics_property_and_a_metric_whose_result_is_a_variable(backend):
    with kerafront.backend_scope(backend):
        inputs = kerafront.Input(shape=(3,))
        model = kerafront.Model(inputs, layers.Dense(1)(inputs))
        model.compile(optimizer="sgd", loss="mse", metrics=["mae", CountMetric()])
        assert [m.name for m in model.metrics] == ["loss"]
        history = model.fit(X, Y, batch_size=4, epochs=2, verbose=0)
        assert [m.name for m in model.metrics] == ["loss", "compile_metrics"]
        assert sorted(history.history) == ["count", "loss", "mae"]
        assert history.history["count"] == [6.0, 6.0]   # reset at each epoch, then 4 + 2 samples
        logs = model.evaluate(X, Y, batch_size=6, verbose=0, return_dict=True)
        assert logs["count"] == 6.0
        y_pred = model.predict(X, verbose=0)
        np.testing.assert_allclose(logs["mae"], np.mean(np.abs(y_pred - Y)), rtol=1e-5)
        np.testing.assert_allclose(logs["loss"], np.mean((y_pred - Y) ** 2), rtol=1e-5)
        # evaluate's list: loss, then the compiled metrics in compile order (Keras's order).
        values = model.evaluate(X, Y, batch_size=6, verbose=0)
        np.testing.assert_allclose(values, [logs["loss"], logs["mae"], 6.0], rtol=1e-6)
        model.reset_metrics()
        assert all(float(np.asarray(v)) == 0.0 for v in model.metrics_variables)


def test_overridden_test_and_predict_steps(backend):
    class Doubling(kerafront.Model):
        def __init__(self):
            super().__init__()
            self.dense = layers.Dense(1, kernel_initializer="ones")

        def call(self, x):
            return self.dense(x)

        def predict_step(self, data):
            return ops.multiply(self(data, training=False), 2.0)

        def test_step(self, data):
            x, y = data
            return {"max_error": ops.max(ops.abs(ops.subtract(self(x), y)))}

    with kerafront.backend_scope(backend):
        model = Doubling()
        model.compile(loss="mse")
        predicted = model.predict(X, batch_size=4, verbose=0)
        np.testing.assert_allclose(predicted, 2 * X.sum(axis=1, keepdims=True), rtol=1e-5)
        logs = model.evaluate(X, Y, batch_size=6, verbose=0, return_dict=True)
        assert list(logs) == ["max_error"]
        np.testing.assert_allclose(logs["max_error"], np.abs(X.sum(1, keepdims=True) - Y).max(), rtol=1e-5)


def test_steps_per_execution_trains_as_one_step_per_batch(backend):
    def run(steps_per_execution):
        batch_ends = []
        callback = kerafront.callbacks.LambdaCallback(on_train_batch_end=lambda batch, logs: batch_ends.append(batch))
        with kerafront.backend_scope(backend):
            model = _build(TwoPartBuiltIn())
            model.compile(optimizer=kerafront.optimizers.SGD(LR), loss="mse",
                          steps_per_execution=steps_per_execution)
            history = model.fit(X, Y, batch_size=1, epochs=1, shuffle=False, verbose=0, callbacks=[callback])
            return model.get_weights(), history.history["loss"], batch_ends

    weights_one, loss_one, ends_one = run(1)
    weights_three, loss_three, ends_three = run(4)
    for a, b in zip(weights_one, weights_three):
        np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(loss_one, loss_three, rtol=1e-5)
    assert ends_one == [0, 1, 2, 3, 4, 5] and ends_three == [3, 5]   # once per execution, as in Keras


class TwoPartBuiltIn(kerafront.Model):
    def __init__(self):
        super().__init__()
        self.first, self.second = layers.Dense(2), layers.Dense(1)

    def call(self, x):
        return self.second(self.first(x))


def test_weighted_metrics_use_sample_weights_and_metrics_do_not(backend):
    weights = np.array([1.0, 2.0, 0.0, 1.0, 3.0, 1.0], "float32")
    with kerafront.backend_scope(backend):
        inputs = kerafront.Input(shape=(3,))
        model = kerafront.Model(inputs, layers.Dense(1, kernel_initializer="ones")(inputs))
        model.compile(optimizer="sgd", loss="mse", metrics=["mae"], weighted_metrics=["mae"])
        logs = model.evaluate(X, Y, sample_weight=weights, batch_size=6, verbose=0, return_dict=True)
    error = np.abs(X.sum(1) - Y[:, 0])
    assert sorted(logs) == ["loss", "mae", "weighted_mae"]
    np.testing.assert_allclose(logs["mae"], error.mean(), rtol=1e-5)
    np.testing.assert_allclose(logs["weighted_mae"], (weights * error).sum() / weights.sum(), rtol=1e-5)
    # Keras's loss reduction with sample weights: sum(w * loss) / batch size.
    np.testing.assert_allclose(logs["loss"], (weights * error ** 2).sum() / 6, rtol=1e-5)


class StatelessStep(kerafront.Model):
    """Keras's JAX-style step, written with kerafront ops: runs on every backend."""

    def __init__(self):
        super().__init__()
        self.first, self.second = layers.Dense(2), layers.Dense(1)

    def call(self, x):
        return self.second(self.first(x))

    def compute_loss_and_updates(self, trainable_variables, non_trainable_variables, x, y, training=False):
        y_pred, non_trainable_variables = self.stateless_call(trainable_variables, non_trainable_variables, x,
                                                              training=training)
        return self.compute_loss(x, y, y_pred), (y_pred, non_trainable_variables)

    def train_step(self, state, data):
        trainable_variables, non_trainable_variables, optimizer_variables, metrics_variables = state
        x, y = data
        grad_fn = ops.value_and_grad(self.compute_loss_and_updates, has_aux=True)
        (loss, (y_pred, non_trainable_variables)), grads = grad_fn(trainable_variables, non_trainable_variables,
                                                                  x, y, training=True)
        trainable_variables, optimizer_variables = self.optimizer.stateless_apply(optimizer_variables, grads,
                                                                                  trainable_variables)
        new_metrics_variables, logs = [], {}
        for metric in self.metrics:
            count = len(metric.variables)
            values = metrics_variables[len(new_metrics_variables):len(new_metrics_variables) + count]
            if metric.name == "loss":
                values = metric.stateless_update_state(values, loss)
            else:
                values = metric.stateless_update_state(values, y, y_pred)
            logs[metric.name] = metric.stateless_result(values)
            new_metrics_variables += values
        return logs, (trainable_variables, non_trainable_variables, optimizer_variables, new_metrics_variables)


def test_the_jax_style_stateless_step_runs_on_every_backend(backend):
    with kerafront.backend_scope(backend):
        model = _build(StatelessStep())
        model.compile(optimizer=kerafront.optimizers.SGD(LR), loss="mse")
        history = model.fit(X, Y, batch_size=6, epochs=3, shuffle=False, verbose=0)
        weights = model.get_weights()
    expected, losses = _two_layer_sgd(3)
    for got, want in zip(weights, expected):
        np.testing.assert_allclose(got, want, rtol=1e-4, atol=1e-5)
    np.testing.assert_allclose(history.history["loss"], losses, rtol=1e-4)


def test_no_loss_and_no_custom_step_is_a_clear_error(backend):
    with kerafront.backend_scope(backend):
        inputs = kerafront.Input(shape=(3,))
        model = kerafront.Model(inputs, layers.Dense(1)(inputs))
        model.compile(optimizer="sgd")
        with pytest.raises(ValueError, match="needs a loss"):
            model.fit(X, Y, verbose=0)


def test_value_and_grad_over_variables_applies_other_assignments_after(backend):
    with kerafront.backend_scope(backend):
        model = kerafront.Sequential([kerafront.Input(shape=(3,)), layers.Dense(2), layers.BatchNormalization()])
        model.layers[0].set_weights([W1, B1])
        variables = model.trainable_variables

        def loss_fn(_values):
            return ops.mean(ops.square(model(X, training=True)))

        value, grads = ops.value_and_grad(loss_fn)(variables)
        # The same gradient through stateless_call on explicit values.
        def pure(values):
            outputs, _ = model.stateless_call(values, [v.value for v in model.non_trainable_variables], X,
                                              training=True)
            return ops.mean(ops.square(outputs))

        reference_value, reference_grads = ops.value_and_grad(pure)([v.value for v in variables])
        np.testing.assert_allclose(ops.convert_to_numpy(value), ops.convert_to_numpy(reference_value), rtol=1e-6)
        for got, want in zip(grads, reference_grads):
            np.testing.assert_allclose(ops.convert_to_numpy(got), ops.convert_to_numpy(want), rtol=1e-5, atol=1e-7)
        # BatchNormalization's moving mean moved once, by (1 - momentum) * the batch mean (Keras's rule).
        moving_mean = model.layers[1].moving_mean.numpy()
    np.testing.assert_allclose(moving_mean, 0.01 * (X @ W1 + B1).mean(axis=0), rtol=1e-5, atol=1e-7)


def test_the_keras_jax_guide_step_with_jax_value_and_grad(backend):
    if backend != "jax":
        pytest.skip("jax.value_and_grad is JAX's own; the kerafront-ops version of this step runs everywhere")
    import jax

    class JaxStep(StatelessStep):
        def train_step(self, state, data):
            trainable_variables, non_trainable_variables, optimizer_variables, metrics_variables = state
            x, y = data
            grad_fn = jax.value_and_grad(self.compute_loss_and_updates, has_aux=True)
            (loss, (y_pred, non_trainable_variables)), grads = grad_fn(
                trainable_variables, non_trainable_variables, x, y, training=True)
            trainable_variables, optimizer_variables = self.optimizer.stateless_apply(
                optimizer_variables, grads, trainable_variables)
            loss_tracker = self.metrics[0]
            metrics_variables = loss_tracker.stateless_update_state(metrics_variables[:2], loss) + \
                list(metrics_variables[2:])
            logs = {"loss": loss_tracker.stateless_result(metrics_variables[:2])}
            return logs, (trainable_variables, non_trainable_variables, optimizer_variables, metrics_variables)

    with kerafront.backend_scope("jax"):
        model = _build(JaxStep())
        model.compile(optimizer=kerafront.optimizers.SGD(LR), loss="mse")
        history = model.fit(X, Y, batch_size=6, epochs=3, shuffle=False, verbose=0)
        weights = model.get_weights()
    expected, losses = _two_layer_sgd(3)
    for got, want in zip(weights, expected):
        np.testing.assert_allclose(got, want, rtol=1e-4, atol=1e-5)
    np.testing.assert_allclose(history.history["loss"], losses, rtol=1e-4)


def test_a_native_jax_training_loop_then_kerafront_evaluate(backend):
    if backend != "jax":
        pytest.skip("a loop in JAX's own jax.jit/jax.grad")
    import jax

    with kerafront.backend_scope("jax"):
        model = _build(TwoPartBuiltIn())

        @jax.jit
        def sgd_step(trainable, non_trainable, x, y):
            def loss_fn(values):
                y_pred, _ = model.stateless_call(values, non_trainable, x)
                return jax.numpy.mean((y_pred - y) ** 2)

            loss, grads = jax.value_and_grad(loss_fn)(trainable)
            return jax.tree_util.tree_map(lambda v, g: v - LR * g, trainable, grads), loss

        trainable = [v.value for v in model.trainable_variables]
        non_trainable = [v.value for v in model.non_trainable_variables]
        for _ in range(3):
            trainable, _ = sgd_step(trainable, non_trainable, X, Y)
        for variable, value in zip(model.trainable_variables, trainable):
            variable.assign(value)
        model.compile(optimizer="sgd", loss="mse")
        evaluated = model.evaluate(X, Y, verbose=0)
    expected = _two_layer_sgd(3)[0]
    for got, want in zip(model.get_weights(), expected):
        np.testing.assert_allclose(got, want, rtol=1e-4, atol=1e-5)
    np.testing.assert_allclose(evaluated, _two_layer_sgd(4)[1][-1], rtol=1e-4)   # the loss after 3 steps
