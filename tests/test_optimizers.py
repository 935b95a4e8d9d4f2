"""Optimizers on the NumPy backend: two steps unrolled by hand (closed forms), options, schedules, API."""

import math

import numpy as np
import pytest

import kerafront
from kerafront import Variable, optimizers
from kerafront.optimizers import schedules

LR = 0.1
X0 = np.array([0.5, -1.5, 2.0], dtype="float32")
G1 = np.array([0.3, -0.7, 1.2], dtype="float32")
G2 = np.array([-0.4, 0.1, 0.9], dtype="float32")


def _two_steps(optimizer, x0=X0, grads=(G1, G2)):
    variable = Variable(x0, name="w")
    values = []
    for g in grads:
        optimizer.apply_gradients([(g, variable)])
        values.append(variable.numpy())
    return values


def _sgd(x0, g1, g2):
    x1 = x0 - LR * g1
    return x1, x1 - LR * g2


def _momentum(x0, g1, g2, mu=0.9):
    m1 = -LR * g1
    x1 = x0 + m1
    m2 = mu * m1 - LR * g2
    return x1, x1 + m2


def _nesterov(x0, g1, g2, mu=0.9):
    m1 = -LR * g1
    x1 = x0 + mu * m1 - LR * g1
    m2 = mu * m1 - LR * g2
    return x1, x1 + mu * m2 - LR * g2


def _adagrad(x0, g1, g2, eps=1e-7):
    a1 = 0.1 + g1 ** 2
    x1 = x0 - LR * g1 / np.sqrt(a1 + eps)
    a2 = a1 + g2 ** 2
    return x1, x1 - LR * g2 / np.sqrt(a2 + eps)


def _rmsprop(x0, g1, g2, rho=0.9, eps=1e-7):
    v1 = (1 - rho) * g1 ** 2
    x1 = x0 - LR * g1 / np.sqrt(v1 + eps)
    v2 = rho * v1 + (1 - rho) * g2 ** 2
    return x1, x1 - LR * g2 / np.sqrt(v2 + eps)


def _rmsprop_centered_momentum(x0, g1, g2, rho=0.9, mu=0.5, eps=1e-7):
    v1, a1 = (1 - rho) * g1 ** 2, (1 - rho) * g1
    m1 = LR * g1 / np.sqrt(v1 - a1 ** 2 + eps)
    x1 = x0 - m1
    v2, a2 = rho * v1 + (1 - rho) * g2 ** 2, rho * a1 + (1 - rho) * g2
    m2 = mu * m1 + LR * g2 / np.sqrt(v2 - a2 ** 2 + eps)
    return x1, x1 - m2


def _adam(x0, g1, g2, b1=0.9, b2=0.999, eps=1e-7, amsgrad=False, decay=0.0):
    m1, v1 = (1 - b1) * g1, (1 - b2) * g1 ** 2
    x1 = x0 * (1 - decay * LR) - LR * math.sqrt(1 - b2) / (1 - b1) * m1 / (np.sqrt(v1) + eps)
    m2, v2 = b1 * m1 + (1 - b1) * g2, b2 * v1 + (1 - b2) * g2 ** 2
    if amsgrad:
        v2 = np.maximum(v1, v2)
    x2 = x1 * (1 - decay * LR) - LR * math.sqrt(1 - b2 ** 2) / (1 - b1 ** 2) * m2 / (np.sqrt(v2) + eps)
    return x1, x2


def _adamax(x0, g1, g2, b1=0.9, b2=0.999, eps=1e-7):
    m1, u1 = (1 - b1) * g1, np.abs(g1)
    x1 = x0 - LR * m1 / ((1 - b1) * (u1 + eps))
    m2, u2 = b1 * m1 + (1 - b1) * g2, np.maximum(b2 * u1, np.abs(g2))
    return x1, x1 - LR * m2 / ((1 - b1 ** 2) * (u2 + eps))


def _nadam(x0, g1, g2, b1=0.9, b2=0.999, eps=1e-7):
    mu = [b1 * (1 - 0.5 * 0.96 ** t) for t in (1, 2, 3)]
    p1, p2 = mu[0], mu[0] * mu[1]
    m1, v1 = (1 - b1) * g1, (1 - b2) * g1 ** 2
    m_hat = mu[1] * m1 / (1 - p1 * mu[1]) + (1 - mu[0]) * g1 / (1 - p1)
    x1 = x0 - LR * m_hat / (np.sqrt(v1 / (1 - b2)) + eps)
    m2, v2 = b1 * m1 + (1 - b1) * g2, b2 * v1 + (1 - b2) * g2 ** 2
    m_hat = mu[2] * m2 / (1 - p2 * mu[2]) + (1 - mu[1]) * g2 / (1 - p2)
    return x1, x1 - LR * m_hat / (np.sqrt(v2 / (1 - b2 ** 2)) + eps)


CASES = [
    ("sgd", lambda: optimizers.SGD(LR), _sgd),
    ("sgd_momentum", lambda: optimizers.SGD(LR, momentum=0.9), _momentum),
    ("sgd_nesterov", lambda: optimizers.SGD(LR, momentum=0.9, nesterov=True), _nesterov),
    ("adagrad", lambda: optimizers.Adagrad(LR), _adagrad),
    ("rmsprop", lambda: optimizers.RMSprop(LR), _rmsprop),
    ("rmsprop_centered_momentum", lambda: optimizers.RMSprop(LR, momentum=0.5, centered=True),
     _rmsprop_centered_momentum),
    ("adam", lambda: optimizers.Adam(LR), _adam),
    ("adam_amsgrad", lambda: optimizers.Adam(LR, amsgrad=True), lambda *a: _adam(*a, amsgrad=True)),
    ("adamw", lambda: optimizers.AdamW(LR), lambda *a: _adam(*a, decay=0.004)),
    ("adam_weight_decay", lambda: optimizers.Adam(LR, weight_decay=0.05), lambda *a: _adam(*a, decay=0.05)),
    ("adamax", lambda: optimizers.Adamax(LR), _adamax),
    ("nadam", lambda: optimizers.Nadam(LR), _nadam),
]


@pytest.mark.parametrize("name,make,closed_form", CASES, ids=[c[0] for c in CASES])
def test_two_steps_match_closed_form(name, make, closed_form):
    expected = closed_form(X0.astype("float64"), G1.astype("float64"), G2.astype("float64"))
    for got, want in zip(_two_steps(make()), expected):
        np.testing.assert_allclose(got, want, rtol=2e-5, atol=1e-6)


def test_amsgrad_keeps_the_largest_second_moment():
    # A large then a small gradient: with amsgrad the second step divides by the first moment's scale.
    grads = (np.array([10.0], "float32"), np.array([0.01], "float32"))
    plain = _two_steps(optimizers.Adam(LR), np.zeros(1, "float32"), grads)
    ams = _two_steps(optimizers.Adam(LR, amsgrad=True), np.zeros(1, "float32"), grads)
    assert abs(ams[1][0] - ams[0][0]) < abs(plain[1][0] - plain[0][0])


def test_clipnorm_clipvalue_and_global_clipnorm():
    g = np.array([3.0, 4.0], dtype="float32")               # norm 5
    x0 = np.zeros(2, dtype="float32")
    np.testing.assert_allclose(_two_steps(optimizers.SGD(1.0, clipnorm=1.0), x0, (g,))[0], -g / 5, rtol=1e-6)
    np.testing.assert_allclose(_two_steps(optimizers.SGD(1.0, clipnorm=10.0), x0, (g,))[0], -g, rtol=1e-6)
    np.testing.assert_allclose(_two_steps(optimizers.SGD(1.0, clipvalue=3.5), x0, (g,))[0], [-3.0, -3.5])
    a, b = Variable(np.zeros(2, "float32")), Variable(np.zeros(1, "float32"))
    optimizers.SGD(1.0, global_clipnorm=6.5).apply([g, np.array([12.0], "float32")], [a, b])   # global norm 13
    np.testing.assert_allclose(a.numpy(), -g / 2, rtol=1e-6)
    np.testing.assert_allclose(b.numpy(), [-6.0], rtol=1e-6)
    with pytest.raises(ValueError, match="at most one of clipnorm, clipvalue and global_clipnorm"):
        optimizers.Adam(clipnorm=1.0, clipvalue=1.0)


def test_weight_decay_is_decoupled_and_can_exclude_variables():
    kernel = Variable(np.array([2.0], "float32"), name="kernel")
    bias = Variable(np.array([2.0], "float32"), name="bias")
    optimizer = optimizers.SGD(0.5, weight_decay=0.1)
    optimizer.exclude_from_weight_decay(var_names=["bias"])
    optimizer.apply([np.array([1.0], "float32")] * 2, [kernel, bias])
    np.testing.assert_allclose(kernel.numpy(), [2.0 - 2.0 * 0.1 * 0.5 - 0.5])
    np.testing.assert_allclose(bias.numpy(), [2.0 - 0.5])
    with pytest.raises(ValueError, match="before build"):
        optimizer.exclude_from_weight_decay(var_names=["kernel"])


def test_schedule_is_evaluated_at_iterations():
    schedule = schedules.ExponentialDecay(0.1, decay_steps=1, decay_rate=0.5)
    optimizer = optimizers.SGD(schedule)
    x0 = np.zeros(1, "float32")
    g = np.ones(1, "float32")
    values = _two_steps(optimizer, x0, (g, g, g))
    np.testing.assert_allclose([v[0] for v in values], [-0.1, -0.15, -0.175], rtol=1e-6)
    assert int(kerafront.ops.convert_to_numpy(optimizer.iterations.value)) == 3
    np.testing.assert_allclose(float(optimizer.learning_rate), 0.0125, rtol=1e-6)


def test_schedule_formulas():
    def at(schedule, steps):
        return [float(schedule(np.int32(s))) for s in steps]

    np.testing.assert_allclose(at(schedules.ExponentialDecay(1.0, 4, 0.5, staircase=True), [0, 3, 4, 9]),
                               [1, 1, 0.5, 0.25])
    np.testing.assert_allclose(at(schedules.ExponentialDecay(1.0, 4, 0.5), [2]), [0.5 ** 0.5], rtol=1e-6)
    np.testing.assert_allclose(at(schedules.PiecewiseConstantDecay([2, 5], [1.0, 0.5, 0.1]), [0, 2, 3, 5, 6, 100]),
                               [1, 1, 0.5, 0.5, 0.1, 0.1])
    cosine = schedules.CosineDecay(1.0, 10, alpha=0.2)
    expected = [((1 - 0.2) * 0.5 * (1 + math.cos(math.pi * min(s, 10) / 10)) + 0.2) for s in (0, 5, 10, 20)]
    np.testing.assert_allclose(at(cosine, [0, 5, 10, 20]), expected, rtol=1e-6, atol=1e-7)
    warm = schedules.CosineDecay(0.0, 10, warmup_target=1.0, warmup_steps=4)
    expected = [0.0, 0.5, 1.0, 0.5 * (1 + math.cos(math.pi * 0.5)), 0.0, 0.0]
    np.testing.assert_allclose(at(warm, [0, 2, 4, 9, 14, 30]), expected, atol=1e-6)
    with pytest.raises(ValueError, match="one more value than boundaries"):
        schedules.PiecewiseConstantDecay([1, 2], [1.0])


def test_learning_rate_setter_assigns_the_variable():
    optimizer = optimizers.SGD(0.1)
    variable = Variable(np.zeros(1, "float32"))
    optimizer.apply([np.ones(1, "float32")], [variable])
    count = len(optimizer.variables)
    optimizer.learning_rate = 0.01
    optimizer.apply([np.ones(1, "float32")], [variable])
    np.testing.assert_allclose(variable.numpy(), [-0.11], rtol=1e-6)
    assert len(optimizer.variables) == count
    scheduled = optimizers.Adam(schedules.ExponentialDecay(0.1, 10, 0.9))
    with pytest.raises(TypeError, match="schedule"):
        scheduled.learning_rate = 0.5


def test_variables_order_paths_and_iterations():
    kernel = Variable(np.zeros((2, 3), "float32"), name="kernel")
    kernel.path = "dense/kernel"
    bias = Variable(np.zeros(3, "float32"), name="bias")
    bias.path = "dense/bias"
    optimizer = optimizers.Adam(amsgrad=True)
    optimizer.build([kernel, bias])
    assert [v.path for v in optimizer.variables] == [
        "adam/iteration", "adam/learning_rate", "adam/momentum/dense/kernel", "adam/velocity/dense/kernel",
        "adam/momentum/dense/bias", "adam/velocity/dense/bias", "adam/velocity_hat/dense/kernel",
        "adam/velocity_hat/dense/bias"]
    assert not any(v.trainable for v in optimizer.variables)
    assert optimizer.iterations.dtype == "int32"
    assert optimizer.slot("velocity", bias).shape == (3,)


def test_stateless_apply_matches_apply_and_writes_nothing():
    make = [lambda: optimizers.Nadam(LR), lambda: optimizers.RMSprop(LR, momentum=0.5, centered=True)]
    for factory in make:
        eager, stateless = factory(), factory()
        var_a, var_b = Variable(X0), Variable(X0)
        stateless.build([var_b])
        optimizer_values = [v.value for v in stateless.variables]
        trainable_values = [var_b.value]
        for g in (G1, G2):
            eager.apply([g], [var_a])
            trainable_values, optimizer_values = stateless.stateless_apply(optimizer_values, [g], trainable_values)
        np.testing.assert_allclose(kerafront.ops.convert_to_numpy(trainable_values[0]), var_a.numpy(), rtol=1e-6)
        for got, want in zip(optimizer_values, eager.variables):
            np.testing.assert_allclose(kerafront.ops.convert_to_numpy(got), want.numpy(), rtol=1e-6)
        np.testing.assert_allclose(var_b.numpy(), X0)
        assert int(stateless.iterations.numpy()) == 0
        with pytest.raises(ValueError, match=f"expected {len(stateless.variables)} optimizer values"):
            stateless.stateless_apply(optimizer_values[:1], [G1], trainable_values)


def test_none_gradient_skips_the_variable_with_a_warning():
    a, b = Variable(np.ones(2, "float32"), name="a"), Variable(np.ones(2, "float32"), name="b")
    optimizer = optimizers.SGD(1.0)
    with pytest.warns(UserWarning, match=r"gradients do not exist for variables \['b'\]"):
        optimizer.apply([np.ones(2, "float32"), None], [a, b])
    np.testing.assert_allclose(a.numpy(), [0, 0])
    np.testing.assert_allclose(b.numpy(), [1, 1])
    with pytest.raises(ValueError, match="no gradients provided for any variable"):
        optimizer.apply([None, None], [a, b])


def test_bad_calls_name_the_problem():
    a, b = Variable(np.ones(2, "float32")), Variable(np.ones(2, "float32"))
    optimizer = optimizers.Adam()
    with pytest.raises(ValueError, match="got 1 gradients for 2 variables"):
        optimizer.apply([np.ones(2, "float32")], [a, b])
    optimizer.build([a])
    with pytest.raises(ValueError, match="unknown variables"):
        optimizer.apply([np.ones(2, "float32")], [b])
    with pytest.raises(ValueError, match="learning_rate must be a float"):
        optimizers.SGD(learning_rate="fast")
    with pytest.raises(ValueError, match="momentum must be a float in"):
        optimizers.SGD(momentum=1.5)


def test_get_and_config_round_trip():
    assert isinstance(optimizers.get("adam"), optimizers.Adam)
    assert isinstance(optimizers.get("RMSprop"), optimizers.RMSprop)
    with pytest.raises(ValueError, match="Unknown optimizer 'adamm'.*adamw"):
        optimizers.get("adamm")
    for optimizer in (optimizers.SGD(0.3, momentum=0.5, nesterov=True, clipnorm=2.0),
                      optimizers.AdamW(schedules.CosineDecay(0.1, 100, warmup_target=0.2, warmup_steps=5)),
                      optimizers.RMSprop(centered=True, global_clipnorm=1.0), optimizers.Nadam(weight_decay=0.01)):
        restored = optimizers.deserialize(optimizers.serialize(optimizer))
        assert type(restored) is type(optimizer)
        assert restored.get_config() == optimizer.get_config()


def test_fused_backend_hook_is_used_and_may_decline(monkeypatch):
    backend = kerafront.config.backend_module()
    calls = []

    def fused_optimizer_update(kind, params, grads, slots, learning_rate, step, hyperparameters, in_place):
        calls.append((kind, float(step), dict(hyperparameters), in_place))
        if hyperparameters["nesterov"]:
            return None
        mu = hyperparameters["momentum"]
        new_m = [mu * m - learning_rate * g for m, g in zip(slots["momentum"], grads)]
        return [p + m for p, m in zip(params, new_m)], {"momentum": new_m}

    monkeypatch.setattr(backend, "fused_optimizer_update", fused_optimizer_update, raising=False)
    for nesterov, closed_form in ((False, _momentum), (True, _nesterov)):
        got = _two_steps(optimizers.SGD(LR, momentum=0.9, nesterov=nesterov))
        for value, want in zip(got, closed_form(X0.astype("float64"), G1.astype("float64"), G2.astype("float64"))):
            np.testing.assert_allclose(value, want, rtol=2e-5, atol=1e-6)
    assert [(c[0], c[1], c[3]) for c in calls] == [("sgd", 1.0, True), ("sgd", 2.0, True)] * 2


def test_registered_custom_classes_round_trip_through_the_saving_registry():
    from kerafront.saving import register_serializable

    @register_serializable(package="TestOptimizers")
    class HalfSGD(optimizers.SGD):
        def update_step(self, gradient, variable, learning_rate):
            super().update_step(kerafront.ops.multiply(gradient, 0.5), variable, learning_rate)

    config = optimizers.serialize(HalfSGD(0.2))
    assert config["class_name"] == "TestOptimizers>HalfSGD"
    restored = optimizers.deserialize(config)
    assert type(restored) is HalfSGD
    np.testing.assert_allclose(_two_steps(restored, np.zeros(1, "float32"), (np.ones(1, "float32"),))[0], [-0.1])
    with pytest.raises(ValueError, match="unknown optimizer class 'Nope'"):
        optimizers.deserialize({"class_name": "Nope", "config": {}})


def test_constraints_apply_after_the_update_also_statelessly():
    variable = Variable(np.array([0.05, 1.0], "float32"))
    variable.constraint = lambda value: kerafront.ops.maximum(value, 0.0)
    optimizer = optimizers.SGD(0.1)
    optimizer.apply([np.array([1.0, 1.0], "float32")], [variable])
    np.testing.assert_allclose(variable.numpy(), [0.0, 0.9], rtol=1e-6)
    new_values, _ = optimizer.stateless_apply([v.value for v in optimizer.variables],
                                              [np.array([-1.0, 20.0], "float32")], [variable.value])
    np.testing.assert_allclose(kerafront.ops.convert_to_numpy(new_values[0]), [0.1, 0.0], rtol=1e-6)


@pytest.mark.parametrize("name", ["Adamax", "Nadam"])
def test_unknown_argument_names_the_optimizer(name):
    with pytest.raises(TypeError, match=rf"^{name}: unexpected keyword argument\(s\) \['betta_1'\]"):
        getattr(kerafront.optimizers, name)(betta_1=0.8)
