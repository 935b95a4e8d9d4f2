"""Torch-native kerafront: on the torch backend weights are ``torch.nn.Parameter``s and every layer
is a ``torch.nn.Module`` (``kerafront_torch/_module.py``), so torch's own loops, optimizers and
``state_dict`` work on kerafront models, and a Keras-style torch ``train_step`` can call
``loss.backward()``.

References are independent: gradients and SGD steps computed by hand in NumPy (float64),
``get_weights``, and kerafront's own ``value_and_grad``.
"""

import copy
import pickle

import numpy as np
import pytest

torch = pytest.importorskip("torch")

import kerafront  # noqa: E402
from kerafront import layers  # noqa: E402


@pytest.fixture(autouse=True)
def K():
    with kerafront.backend_scope("torch") as module:
        yield module


def _np(x):
    return kerafront.ops.convert_to_numpy(x)


def _mlp(name="mlp"):
    return kerafront.Sequential([kerafront.Input(shape=(3,)), layers.Dense(4, activation="tanh", name=f"{name}_h"),
                                 layers.Dense(1, name=f"{name}_out")], name=name)


def _data():
    rng = np.random.default_rng(0)
    x = rng.normal(size=(8, 3)).astype("float32")
    y = (x @ np.array([[1.0], [-2.0], [0.5]]) + 0.3).astype("float32")
    return x, y


def _mlp_numpy(weights, x):
    """Forward pass of ``_mlp`` in float64 NumPy: (hidden activations, predictions)."""
    w1, b1, w2, b2 = (np.asarray(w, np.float64) for w in weights)
    hidden = np.tanh(x @ w1 + b1)
    return hidden, hidden @ w2 + b2


def _mlp_numpy_grads(weights, x, y):
    """Mean-squared-error loss of ``_mlp`` and its gradients, by hand: (loss, [dw1, db1, dw2, db2])."""
    w1, b1, w2, b2 = (np.asarray(w, np.float64) for w in weights)
    hidden, prediction = _mlp_numpy(weights, x)
    d_prediction = 2.0 * (prediction - y) / prediction.size
    d_pre = (d_prediction @ w2.T) * (1.0 - hidden ** 2)
    grads = [x.T @ d_pre, d_pre.sum(0), hidden.T @ d_prediction, d_prediction.sum(0)]
    return float(np.mean((prediction - y) ** 2)), grads


# ----------------------------------------------------------------------------------------------
# Variables are Parameters


def test_weights_are_parameters_whose_requires_grad_follows_trainable():
    dense = layers.Dense(2)
    dense.build((None, 3))
    assert all(type(v.value) is torch.nn.Parameter and v.value.requires_grad for v in dense.weights)
    dense.trainable = False
    assert [v.value.requires_grad for v in dense.weights] == [False, False]
    dense.trainable = True
    assert [v.value.requires_grad for v in dense.weights] == [True, True]
    frozen = layers.Dense(2, trainable=False)
    frozen.build((None, 3))
    assert [v.value.requires_grad for v in frozen.weights] == [False, False]
    counter = kerafront.Variable(np.array([1, 2], np.int32), dtype="int32")
    assert isinstance(counter.value, torch.nn.Parameter) and not counter.value.requires_grad


def test_assign_writes_in_place_and_never_through_the_callers_tensor():
    source = torch.zeros(3)
    variable = kerafront.Variable(source)
    parameter = variable.value
    variable.assign(np.array([1.0, 2.0, 3.0], np.float32))
    variable.assign_add(np.ones(3, np.float32))
    assert variable.value is parameter and parameter.requires_grad and parameter.grad_fn is None
    np.testing.assert_array_equal(_np(parameter), [2, 3, 4])
    assert source.tolist() == [0, 0, 0]
    on_a_graph = torch.ones(3, requires_grad=True) * 5.0
    frozen = kerafront.Variable(np.zeros(3, np.float32), trainable=False)
    for target in (variable, frozen):   # a value on a graph is copied in; the Parameter stays a leaf
        target.assign(on_a_graph)
        assert target.value.grad_fn is None and target.value.is_leaf
        np.testing.assert_array_equal(_np(target.value), [5, 5, 5])
    assert not frozen.value.requires_grad


def test_layers_and_models_are_torch_modules_and_install_is_idempotent():
    from kerafront.layers.layer import Layer, LayerBase
    from kerafront_torch import _module
    _module.install()
    assert _module.TorchModuleBase in Layer.__bases__ and LayerBase not in Layer.__bases__
    model = _mlp()
    assert isinstance(layers.Dense(2), torch.nn.Module) and isinstance(model, torch.nn.Module)
    assert repr(model).startswith("<Sequential")        # kerafront's repr, not nn.Module's


def test_named_parameters_follow_get_weights_and_the_layer_tree():
    model = _mlp()
    names, values = zip(*model.named_parameters())
    assert names == ("mlp_h.kernel", "mlp_h.bias", "mlp_out.kernel", "mlp_out.bias")
    for value, expected in zip(values, model.get_weights()):
        np.testing.assert_array_equal(_np(value), expected)
    assert [p for p in model.parameters()] == [v.value for v in model.weights]
    assert [type(m).__name__ for m in model.children()] == ["InputLayer", "Dense", "Dense"]
    assert len(list(model.modules())) == 4


def test_batch_norm_statistics_are_parameters_without_grad():
    norm = layers.BatchNormalization()
    norm.build((None, 2))
    assert [(name, p.requires_grad) for name, p in norm.named_parameters()] == [
        ("gamma", True), ("beta", True), ("moving_mean", False), ("moving_variance", False)]


def test_state_dict_round_trip_into_a_model_from_the_same_config():
    x, _ = _data()
    model = _mlp()
    clone = kerafront.Sequential.from_config(model.get_config())
    assert not np.allclose(_np(clone(x)), _np(model(x)))
    missing, unexpected = clone.load_state_dict(model.state_dict())
    assert missing == [] and unexpected == []
    with torch.no_grad():
        np.testing.assert_array_equal(_np(clone(x)), _np(model(x)))
    assert clone.weights[0].value is not model.weights[0].value


def test_zero_grad_to_cpu_and_train_eval():
    x, y = _data()
    model = _mlp()
    torch.nn.functional.mse_loss(model(x), torch.from_numpy(y)).backward()
    assert all(p.grad is not None for p in model.parameters())
    model.zero_grad()
    assert all(p.grad is None for p in model.parameters())
    kernel = model.weights[0].value
    assert model.to("cpu") is model and model.weights[0].value is kernel
    assert model.eval() is model and not any(m.training for m in model.modules())
    assert all(m.training for m in model.train().modules())


def test_dtype_changes_through_torch_are_refused_naming_the_layer():
    model = _mlp()
    with pytest.raises(TypeError, match=r'"mlp" \(Sequential\).*mlp_h\.kernel.*dtype='):
        model.double()
    assert model.weights[0].value.dtype is torch.float32


def test_registering_torch_state_is_refused_with_the_kerafront_way():
    dense = layers.Dense(2)
    with pytest.raises(TypeError, match=r'"dense.*add_weight'):
        dense.register_parameter("scale", torch.nn.Parameter(torch.ones(1)))
    with pytest.raises(TypeError, match=r"add_weight\(\.\.\., trainable=False\)"):
        dense.register_buffer("count", torch.zeros(1))
    with pytest.raises(TypeError, match="assign a kerafront layer"):
        dense.add_module("inner", layers.Dense(1))
    model = _mlp()
    with pytest.raises(TypeError, match=r"assign=True.*assign=False"):
        model.load_state_dict(model.state_dict(), assign=True)


def test_deepcopy_and_pickle_give_independent_layers_with_equal_weights():
    x, _ = _data()
    model = _mlp()
    for twin in (copy.deepcopy(model), pickle.loads(pickle.dumps(model))):
        assert isinstance(twin.weights[0].value, torch.nn.Parameter)
        assert twin.weights[0].value is not model.weights[0].value
        with torch.no_grad():
            np.testing.assert_array_equal(_np(twin(x)), _np(model(x)))
        assert [name for name, _ in twin.named_parameters()] == [name for name, _ in model.named_parameters()]


def test_functional_call_and_torch_func_grad_see_the_given_parameters():
    x, y = _data()
    model = _mlp()
    weights = model.get_weights()
    zeros = {name: torch.zeros_like(p) for name, p in model.named_parameters()}
    np.testing.assert_array_equal(_np(torch.func.functional_call(model, zeros, (x,))), np.zeros((8, 1)))

    def loss(parameters):
        prediction = torch.func.functional_call(model, parameters, (torch.from_numpy(x),))
        return torch.mean((prediction - torch.from_numpy(y)) ** 2)

    grads = torch.func.grad(loss)(dict(model.named_parameters()))
    for got, expected in zip(grads.values(), _mlp_numpy_grads(weights, x, y)[1]):
        np.testing.assert_allclose(_np(got), expected, rtol=1e-4, atol=1e-6)
    assert all(type(v.value) is torch.nn.Parameter for v in model.weights)   # restored after the call
    for got, expected in zip(model.get_weights(), weights):
        np.testing.assert_array_equal(got, expected)


def test_forward_is_the_kerafront_call():
    x, _ = _data()
    model = _mlp()
    with torch.no_grad():
        np.testing.assert_array_equal(_np(model.forward(x)), _np(model(x)))


# ----------------------------------------------------------------------------------------------
# Gradients and training


def test_backward_fills_grads_equal_to_value_and_grad():
    x, y = _data()
    model = _mlp()
    loss = torch.mean((model(x) - torch.from_numpy(y)) ** 2)
    loss.backward()

    def forward_loss(trainable_values):
        prediction, _ = model.stateless_call(trainable_values, [], x)
        return kerafront.ops.mean(kerafront.ops.square(kerafront.ops.subtract(prediction, y))), prediction

    parameters = [v.value for v in model.trainable_weights]
    (value, prediction), grads = kerafront.ops.value_and_grad(forward_loss, has_aux=True)(parameters)
    assert not any(t.requires_grad for t in [value, prediction, *grads])
    np.testing.assert_allclose(_np(value), loss.item(), rtol=1e-6)
    for variable, expected in zip(model.trainable_weights, grads):
        np.testing.assert_allclose(_np(variable.value.grad), _np(expected), rtol=1e-5, atol=1e-7)
    reference = _mlp_numpy_grads(model.get_weights(), x, y)[1]
    for variable, expected in zip(model.trainable_weights, reference):
        np.testing.assert_allclose(_np(variable.value.grad), expected, rtol=1e-4, atol=1e-6)


def test_torch_optim_loop_trains_the_model_and_kerafront_evaluates_the_result():
    x, y = _data()
    model = _mlp()
    weights = [w.astype(np.float64) for w in model.get_weights()]
    optimizer = torch.optim.SGD(model.parameters(), lr=0.1)
    inputs, targets = torch.from_numpy(x), torch.from_numpy(y)
    for _ in range(20):
        optimizer.zero_grad()
        loss = torch.nn.functional.mse_loss(model(inputs), targets)
        loss.backward()
        optimizer.step()
        grads = _mlp_numpy_grads(weights, x, y)[1]
        weights = [w - 0.1 * g for w, g in zip(weights, grads)]
    for got, expected in zip(model.get_weights(), weights):
        np.testing.assert_allclose(got, expected, rtol=1e-4, atol=1e-5)
    model.compile(optimizer="sgd", loss="mse")
    expected_loss = float(np.mean((_mlp_numpy(model.get_weights(), x)[1] - y) ** 2))
    np.testing.assert_allclose(model.evaluate(x, y, verbose=0), expected_loss, rtol=1e-5)


def test_inference_scope_records_no_graph(K):
    x, _ = _data()
    model = _mlp()
    assert model(x).requires_grad
    with K.inference_scope():
        assert not model(x).requires_grad


def test_optimizer_paths_update_the_parameters_in_place():
    x, y = _data()

    class PlainSGD(kerafront.optimizers.SGD):
        """Overrides the update, so the generic (Variable.assign) path runs instead of the fused one."""

        def update_step(self, gradient, variable, learning_rate):
            variable.assign(variable - learning_rate * gradient)

    for optimizer in (kerafront.optimizers.SGD(0.1), PlainSGD(0.1)):
        model = _mlp()
        parameters = [v.value for v in model.trainable_weights]
        loss, grads = _mlp_numpy_grads(model.get_weights(), x, y)
        expected = [w - 0.1 * g for w, g in zip(model.get_weights(), grads)]
        optimizer.apply([g.astype(np.float32) for g in grads], model.trainable_weights)
        assert [v.value for v in model.trainable_weights] == parameters
        assert all(p.grad_fn is None and p.requires_grad for p in parameters)
        for got, want in zip(model.get_weights(), expected):
            np.testing.assert_allclose(got, want, rtol=1e-5, atol=1e-6)


class _TorchStepModel(kerafront.Model):
    """A subclassed model with the Keras-style torch ``train_step`` (loss.backward, optimizer.apply)."""

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.hidden = layers.Dense(4, activation="tanh")
        self.out = layers.Dense(1)

    def call(self, inputs):
        return self.out(self.hidden(inputs))

    def train_step(self, data):
        x, y = data
        self.zero_grad()
        y_pred = self(x, training=True)
        loss = self.compute_loss(y=y, y_pred=y_pred)
        loss.backward()
        trainable_weights = [v for v in self.trainable_weights]
        gradients = [v.value.grad for v in trainable_weights]
        with torch.no_grad():
            self.optimizer.apply(gradients, trainable_weights)
        for metric in self.metrics:
            if metric.name == "loss":
                metric.update_state(loss)
            else:
                metric.update_state(y, y_pred)
        return {m.name: m.result() for m in self.metrics}


@pytest.mark.skipif(not hasattr(kerafront.Model, "train_step"), reason="needs the trainer with train_step")
def test_keras_style_torch_train_step_matches_numpy_sgd():
    x, y = _data()
    model = _TorchStepModel()
    model.build((None, 3))
    weights = [w.astype(np.float64) for w in model.get_weights()]
    losses = []
    for _ in range(3):
        loss, grads = _mlp_numpy_grads(weights, x, y)
        losses.append(loss)
        weights = [w - 0.1 * g for w, g in zip(weights, grads)]
    model.compile(optimizer=kerafront.optimizers.SGD(0.1), loss="mse")
    history = model.fit(x, y, batch_size=8, epochs=3, shuffle=False, verbose=0)
    np.testing.assert_allclose(history.history["loss"], losses, rtol=1e-4)
    for got, expected in zip(model.get_weights(), weights):
        np.testing.assert_allclose(got, expected, rtol=1e-4, atol=1e-5)
