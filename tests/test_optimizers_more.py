"""Adadelta, Adafactor, Ftrl, Lamb, Lion, Keras's base options (EMA, gradient accumulation, loss
scaling, clipping, weight decay), the remaining schedules and ``SwapEMAWeights``, against Keras 3.

Keras runs on its NumPy backend (``KERAS_BACKEND=numpy``; JAX when another test module imported
Keras first): the same initial values and gradients go through both optimizers, and the variables,
the optimizer's variables and ``get_config`` must agree. ``fit`` with a new optimizer runs on every
installed backend (compiled steps) and must end with the weights that Keras's optimizer reaches with
the hand-computed gradients of the same linear least-squares model.
"""

import os

import numpy as np
import pytest

import kerafront
from kerafront import optimizers
from kerafront.optimizers import schedules

os.environ.setdefault("KERAS_BACKEND", "numpy")  # no effect if another test module imported keras first
keras = pytest.importorskip("keras")

RNG = np.random.default_rng(0)
SHAPES = [(3, 4), (4,)]
X0 = [RNG.normal(size=s).astype("float32") for s in SHAPES]
GRADS = [[RNG.normal(size=s).astype("float32") for s in SHAPES] for _ in range(5)]

NEW = ["Adadelta", "Adafactor", "Ftrl", "Lamb", "Lion", "Muon"]
CASES = [
    ("Adadelta", {"learning_rate": 0.5, "rho": 0.9}),
    ("Adafactor", {"learning_rate": 0.1}),
    ("Adafactor", {"learning_rate": 0.05, "beta_2_decay": -0.5, "clip_threshold": 0.5, "relative_step": False}),
    ("Ftrl", {"learning_rate": 0.1}),
    ("Ftrl", {"learning_rate": 0.1, "learning_rate_power": -0.7, "initial_accumulator_value": 0.2,
              "l1_regularization_strength": 0.01, "l2_regularization_strength": 0.02,
              "l2_shrinkage_regularization_strength": 0.03, "beta": 0.1}),
    ("Lamb", {"learning_rate": 0.1}),
    ("Lion", {"learning_rate": 0.01, "beta_1": 0.8, "beta_2": 0.95}),
    ("Muon", {"learning_rate": 0.05}),
    ("Muon", {"learning_rate": 0.05, "nesterov": False, "rms_rate": None, "adam_lr_ratio": 0.5, "weight_decay": 0.1,
              "ns_steps": 3, "momentum": 0.9}),
    # Keras's base options, on new and existing optimizers
    ("Lion", {"weight_decay": 0.1, "clipnorm": 0.5}),
    ("Lamb", {"global_clipnorm": 1.0, "use_ema": True}),
    ("Adadelta", {"learning_rate": 1.0, "clipvalue": 0.3, "gradient_accumulation_steps": 2}),
    ("Adam", {"use_ema": True, "ema_momentum": 0.9, "ema_overwrite_frequency": 2}),
    ("Adam", {"gradient_accumulation_steps": 2, "weight_decay": 0.1}),
    ("Nadam", {"gradient_accumulation_steps": 3, "use_ema": True}),
    ("SGD", {"learning_rate": 0.1, "momentum": 0.9, "loss_scale_factor": 4.0}),
    ("RMSprop", {"gradient_accumulation_steps": 2, "use_ema": True, "ema_overwrite_frequency": 1}),
    ("Adafactor", {"gradient_accumulation_steps": 2, "loss_scale_factor": 0.5}),
    ("Muon", {"gradient_accumulation_steps": 2, "use_ema": True}),
]


def _ids(case):
    name, kwargs = case
    return name + "-" + "-".join(f"{k}={v}" for k, v in kwargs.items())


def _steps(lib, name, kwargs, grads=GRADS, scale=1.0):
    optimizer = getattr(lib.optimizers, name)(**kwargs)
    variables = [lib.Variable(x.copy()) for x in X0]
    for step_grads in grads:
        optimizer.apply_gradients([(g * scale, v) for g, v in zip(step_grads, variables)])
    return optimizer, [np.asarray(v.numpy()) for v in variables]


@pytest.mark.parametrize("case", CASES, ids=[_ids(c) for c in CASES])
def test_steps_match_keras(case):
    name, kwargs = case
    scale = kwargs.get("loss_scale_factor") or 1.0   # the gradients of a scaled loss
    ours, our_values = _steps(kerafront, name, kwargs, scale=scale)
    theirs, their_values = _steps(keras, name, kwargs, scale=scale)
    for mine, reference in zip(our_values, their_values):
        np.testing.assert_allclose(mine, reference, rtol=1e-5, atol=1e-6)
    assert [tuple(v.shape) for v in ours.variables] == [tuple(v.shape) for v in theirs.variables]
    for mine, reference in zip(ours.variables, theirs.variables):
        np.testing.assert_allclose(np.asarray(mine.numpy(), "float64"), np.asarray(reference.numpy(), "float64"),
                                   rtol=1e-5, atol=1e-6)
    our_config, their_config = ours.get_config(), theirs.get_config()
    our_config.pop("name"), their_config.pop("name")
    assert our_config == their_config


def test_muon_exclusions_match_keras():
    """Embeddings and ``exclude_layers`` matches take AdamW (a ``velocity`` slot), other matrices Muon."""
    names = ["dense/kernel", "token_embedding/embeddings", "head/kernel", "dense/bias"]
    shapes = [(3, 5), (6, 2), (4, 3), (5,)]
    starts = [RNG.normal(size=s).astype("float32") for s in shapes]
    grads = [[RNG.normal(size=s).astype("float32") for s in shapes] for _ in range(3)]
    results = []
    for lib in (kerafront, keras):
        optimizer = lib.optimizers.Muon(learning_rate=0.05, exclude_layers=["^head"])
        variables = [lib.Variable(x.copy(), name=name.split("/")[-1]) for x, name in zip(starts, names)]
        for variable, name in zip(variables, names):   # the paths a layer would give them
            setattr(variable, "path" if lib is kerafront else "_path", name)
        for step_grads in grads:
            optimizer.apply_gradients(zip(step_grads, variables))
        results.append(([np.asarray(v.numpy()) for v in variables], [tuple(v.shape) for v in optimizer.variables]))
    (ours, our_shapes), (theirs, their_shapes) = results
    assert our_shapes == their_shapes and len(our_shapes) == 2 + 4 + 3   # velocity for 3 AdamW variables
    for mine, reference in zip(ours, theirs):
        np.testing.assert_allclose(mine, reference, rtol=1e-5, atol=1e-6)


def test_muon_newton_schulz_orthogonalizes():
    """Newton-Schulz maps a matrix near its polar factor U V^T: singular values land in about [0.7, 1.2]."""
    x = np.random.default_rng(4).normal(size=(4, 7)).astype("float32")
    ortho = np.asarray(optimizers.Muon(ns_steps=5).newton_schulz(kerafront.ops.convert_to_tensor(x)))
    singular = np.linalg.svd(ortho, compute_uv=False)
    assert singular.min() > 0.6 and singular.max() < 1.25
    u, _, vt = np.linalg.svd(x, full_matrices=False)
    np.testing.assert_allclose(np.sign(np.sum(ortho * (u @ vt))), 1.0)
    with pytest.raises(ValueError, match="expected a matrix"):
        optimizers.Muon().newton_schulz(kerafront.ops.convert_to_tensor(x[0]))


def test_lion_closed_form():
    """Two Lion steps by hand: every coordinate moves by exactly lr * sign(...)."""
    optimizer = optimizers.Lion(learning_rate=0.1, beta_1=0.9, beta_2=0.99)
    w = kerafront.Variable(np.array([1.0, -2.0], "float32"))
    g1, g2 = np.array([0.5, -0.1], "float32"), np.array([-0.2, -0.3], "float32")
    optimizer.apply_gradients([(g1, w)])
    m = 0.01 * g1
    x1 = np.array([1.0, -2.0]) - 0.1 * np.sign(0.1 * g1)
    np.testing.assert_allclose(w.numpy(), x1, rtol=1e-6)
    optimizer.apply_gradients([(g2, w)])
    np.testing.assert_allclose(w.numpy(), x1 - 0.1 * np.sign(0.9 * m + 0.1 * g2), rtol=1e-6)


def test_gradient_accumulation_closed_form():
    """SGD with accumulation over 2 steps: nothing moves on step 1; step 2 uses the mean gradient."""
    optimizer = optimizers.SGD(learning_rate=0.5, gradient_accumulation_steps=2)
    w = kerafront.Variable(np.array([1.0, 2.0], "float32"))
    optimizer.apply_gradients([(np.array([1.0, 4.0], "float32"), w)])
    np.testing.assert_allclose(w.numpy(), [1.0, 2.0])
    optimizer.apply_gradients([(np.array([3.0, 0.0], "float32"), w)])
    np.testing.assert_allclose(w.numpy(), [1.0 - 0.5 * 2.0, 2.0 - 0.5 * 2.0])
    np.testing.assert_allclose(optimizer.slot("gradient_accumulator", w).numpy(), [0.0, 0.0])
    assert int(optimizer.iterations.numpy()) == 2 and int(optimizer.update_count()) == 1


def test_ema_closed_form_and_finalize():
    """EMA: the first update copies the weights, later ones mix with ema_momentum."""
    optimizer = optimizers.SGD(learning_rate=1.0, use_ema=True, ema_momentum=0.5)
    w = kerafront.Variable(np.array([4.0], "float32"))
    optimizer.apply_gradients([(np.array([1.0], "float32"), w)])   # w = 3, average = 3
    optimizer.apply_gradients([(np.array([1.0], "float32"), w)])   # w = 2, average = 0.5 * 3 + 0.5 * 2
    np.testing.assert_allclose(optimizer.slot("average", w).numpy(), [2.5])
    optimizer.finalize_variable_values([w])
    np.testing.assert_allclose(w.numpy(), [2.5])
    assert float(optimizer.scale_loss(3.0)) == 3.0
    assert float(optimizers.SGD(loss_scale_factor=8.0).scale_loss(3.0)) == 24.0


def test_stateless_apply_with_accumulation_and_ema():
    """``stateless_apply`` (the compiled step's path) gives the same values as ``apply``."""
    kwargs = {"learning_rate": 0.1, "gradient_accumulation_steps": 2, "use_ema": True}
    stateful, expected = _steps(kerafront, "Lamb", kwargs)
    optimizer = optimizers.Lamb(**kwargs)
    variables = [kerafront.Variable(x.copy()) for x in X0]
    optimizer.build(variables)
    trainable = [v.value for v in variables]
    state = [v.value for v in optimizer.variables]
    for grads in GRADS:
        trainable, state = optimizer.stateless_apply(state, grads, trainable)
    for mine, reference in zip(trainable, expected):
        np.testing.assert_allclose(np.asarray(mine), reference, rtol=1e-6)
    np.testing.assert_allclose(np.asarray(variables[0].numpy()), X0[0])   # nothing written


def test_loss_scale_optimizer_steps():
    """Dynamic scaling by hand (growth every 2 finite steps; an overflow step is skipped, halves the
    scale and resets the counter); the weights are Keras's Adam on the unscaled finite gradients."""
    optimizer = optimizers.LossScaleOptimizer(optimizers.Adam(0.1), initial_scale=8.0, dynamic_growth_steps=2)
    variables = [kerafront.Variable(x.copy()) for x in X0]
    reference = keras.optimizers.Adam(0.1)
    expected = [keras.Variable(x.copy()) for x in X0]
    scales, scale = [], 8.0
    for step, grads in enumerate(GRADS):
        scaled = [g * scale for g in grads]
        if step == 2:
            scaled[0] = scaled[0].copy()
            scaled[0][0, 0] = np.inf
        else:
            reference.apply_gradients(zip(grads, expected))
        optimizer.apply(scaled, variables)
        scales.append((float(optimizer.dynamic_scale.numpy()), int(optimizer.step_counter.numpy()),
                       int(optimizer.iterations.numpy())))
        scale = scales[-1][0]
    assert scales == [(8.0, 1, 1), (16.0, 0, 2), (8.0, 0, 2), (8.0, 1, 3), (16.0, 0, 4)]
    for variable, reference_variable in zip(variables, expected):
        np.testing.assert_allclose(variable.numpy(), np.asarray(reference_variable.numpy()), rtol=1e-5, atol=1e-6)
    assert [v.path.split("/")[-1] for v in optimizer.variables[:4]] == ["iteration", "learning_rate",
                                                                        "step_counter", "dynamic_scale"]
    assert len(optimizer.variables) == 4 + len(optimizer.inner_optimizer.variables)
    assert float(optimizer.scale_loss(2.0)) == 32.0


def test_loss_scale_optimizer_config():
    optimizer = optimizers.LossScaleOptimizer(optimizers.Adam(0.1), initial_scale=8.0, dynamic_growth_steps=2)
    theirs = keras.optimizers.LossScaleOptimizer(keras.optimizers.Adam(0.1), initial_scale=8.0,
                                                 dynamic_growth_steps=2)
    config, their_config = optimizer.get_config(), theirs.get_config()
    assert config["name"] == "loss_scale_optimizer" and their_config["name"].startswith("loss_scale_optimizer")
    assert {k: v for k, v in config.items() if k not in ("inner_optimizer", "name")} == \
        {k: v for k, v in their_config.items() if k not in ("inner_optimizer", "name")}
    inner, their_inner = config["inner_optimizer"]["config"], their_config["inner_optimizer"]["config"]
    assert {k: v for k, v in inner.items() if k != "name"} == {k: v for k, v in their_inner.items() if k != "name"}
    rebuilt = optimizers.deserialize(optimizers.serialize(optimizer))
    assert rebuilt.get_config() == config and type(rebuilt.inner_optimizer).__name__ == "Adam"
    with pytest.raises(ValueError, match="LossScaleOptimizer does not take clipnorm"):
        optimizers.LossScaleOptimizer(optimizers.SGD(), clipnorm=1.0)


@pytest.mark.parametrize("kwargs, message", [
    ({"gradient_accumulation_steps": 1}, "gradient_accumulation_steps must be an integer >= 2"),
    ({"use_ema": True, "ema_momentum": 1.5}, "ema_momentum must be in"),
    ({"use_ema": True, "ema_overwrite_frequency": 0.5}, "ema_overwrite_frequency must be an integer"),
    ({"loss_scale_factor": 0.0}, "loss_scale_factor must be > 0"),
])
def test_bad_options_are_refused(kwargs, message):
    with pytest.raises(ValueError, match=message):
        optimizers.Lion(**kwargs)


def test_bad_hyperparameters_are_refused():
    with pytest.raises(ValueError, match="Ftrl: learning_rate_power must be <= 0"):
        optimizers.Ftrl(learning_rate_power=0.5)
    with pytest.raises(ValueError, match=r"Lion: beta_1 must be in \(0, 1\]"):
        optimizers.Lion(beta_1=0.0)
    with pytest.raises(TypeError, match="Adadelta: unexpected keyword argument"):
        optimizers.Adadelta(betta=0.9)


@pytest.mark.parametrize("name", NEW)
def test_names_resolve_and_round_trip(name):
    optimizer = optimizers.get(name.lower())
    assert type(optimizer).__name__ == name
    rebuilt = optimizers.deserialize(optimizers.serialize(getattr(optimizers, name)(learning_rate=0.02,
                                                                                    use_ema=True)))
    assert rebuilt.get_config() == getattr(optimizers, name)(learning_rate=0.02, use_ema=True).get_config()


# ------------------------------------------------------------------------------------------------
# Schedules

SCHEDULES = [
    ("PolynomialDecay", {"initial_learning_rate": 0.1, "decay_steps": 10}),
    ("PolynomialDecay", {"initial_learning_rate": 0.1, "decay_steps": 10, "end_learning_rate": 0.01, "power": 0.5,
                         "cycle": True}),
    ("InverseTimeDecay", {"initial_learning_rate": 0.1, "decay_steps": 4, "decay_rate": 0.5}),
    ("InverseTimeDecay", {"initial_learning_rate": 0.1, "decay_steps": 4, "decay_rate": 0.5, "staircase": True}),
    ("CosineDecayRestarts", {"initial_learning_rate": 0.1, "first_decay_steps": 5}),
    ("CosineDecayRestarts", {"initial_learning_rate": 0.1, "first_decay_steps": 4, "t_mul": 1.0, "m_mul": 0.5,
                             "alpha": 0.1}),
    ("CosineDecayRestarts", {"initial_learning_rate": 0.2, "first_decay_steps": 3, "t_mul": 1.5, "m_mul": 0.8,
                             "alpha": 0.05}),
    ("CosineDecay", {"initial_learning_rate": 0.0, "decay_steps": 10, "warmup_target": 0.1, "warmup_steps": 5}),
]


@pytest.mark.parametrize("case", SCHEDULES, ids=[_ids(c) for c in SCHEDULES])
def test_schedules_match_keras(case):
    name, kwargs = case
    ours = getattr(schedules, name)(**kwargs)
    theirs = getattr(keras.optimizers.schedules, name)(**kwargs)
    steps = [0, 1, 2, 3, 4, 5, 7, 9, 10, 11, 15, 19, 20, 21, 30, 47]
    np.testing.assert_allclose([float(ours(s)) for s in steps], [float(theirs(s)) for s in steps],
                               rtol=1e-5, atol=1e-7)
    assert ours.get_config() == theirs.get_config()
    assert schedules.deserialize(schedules.serialize(ours)).get_config() == ours.get_config()


def test_schedules_closed_forms():
    poly = schedules.PolynomialDecay(1.0, decay_steps=4, end_learning_rate=0.0, power=2.0)
    np.testing.assert_allclose([float(poly(s)) for s in (0, 1, 2, 4, 8)], [1.0, 0.5625, 0.25, 0.0, 0.0])
    inverse = schedules.InverseTimeDecay(1.0, decay_steps=2, decay_rate=1.0)
    np.testing.assert_allclose([float(inverse(s)) for s in (0, 2, 6)], [1.0, 0.5, 0.25])
    restarts = schedules.CosineDecayRestarts(1.0, first_decay_steps=2, t_mul=2.0, m_mul=0.5)
    # periods [0, 2), [2, 6): the second starts at 0.5 and is halfway at step 4
    np.testing.assert_allclose([float(restarts(s)) for s in (0, 1, 2, 4)], [1.0, 0.5, 0.5, 0.25], atol=1e-7)
    with pytest.raises(ValueError, match="CosineDecayRestarts: first_decay_steps must be > 0"):
        schedules.CosineDecayRestarts(1.0, first_decay_steps=0)


# ------------------------------------------------------------------------------------------------
# fit on every backend

FIT_X = np.random.default_rng(1).normal(size=(8, 3)).astype("float32")
FIT_Y = np.random.default_rng(2).normal(size=(8, 1)).astype("float32")
FIT_W = np.random.default_rng(3).normal(size=(3, 1)).astype("float32")
FIT_B = np.array([0.1], "float32")
FIT_OPTIMIZERS = {
    "Adadelta": lambda lib: lib.optimizers.Adadelta(learning_rate=1.0),
    "Adafactor": lambda lib: lib.optimizers.Adafactor(learning_rate=0.1),
    "Ftrl": lambda lib: lib.optimizers.Ftrl(learning_rate=0.2, l1_regularization_strength=0.01),
    "Lion": lambda lib: lib.optimizers.Lion(learning_rate=0.05),
    "Muon": lambda lib: lib.optimizers.Muon(learning_rate=0.05),
    "Lamb": lambda lib: lib.optimizers.Lamb(learning_rate=0.1, gradient_accumulation_steps=2, use_ema=True,
                                            loss_scale_factor=8.0),
    "LossScaleOptimizer": lambda lib: lib.optimizers.LossScaleOptimizer(lib.optimizers.Adam(0.1), initial_scale=8.0,
                                                                        dynamic_growth_steps=3),
}
# with finite gradients and power-of-two scales, loss scaling leaves the inner optimizer's numbers exact
FIT_REFERENCES = {**FIT_OPTIMIZERS, "LossScaleOptimizer": lambda lib: lib.optimizers.Adam(0.1)}


def _keras_reference(name, epochs=2, batch_size=4):
    """Keras's optimizer on the hand-computed mean-squared-error gradients of ``x @ w + b`` (of the
    scaled loss, as Keras's train step differentiates ``optimizer.scale_loss(loss)``)."""
    optimizer = FIT_REFERENCES[name](keras)
    w, b = keras.Variable(FIT_W.copy()), keras.Variable(FIT_B.copy())
    for _ in range(epochs):
        for start in range(0, len(FIT_X), batch_size):
            x, y = FIT_X[start:start + batch_size], FIT_Y[start:start + batch_size]
            residual = x @ np.asarray(w.numpy()) + np.asarray(b.numpy()) - y
            d_pred = 2.0 * residual / residual.size * float(np.asarray(optimizer.scale_loss(1.0)))
            optimizer.apply([x.T @ d_pred, d_pred.sum(0)], [w, b])
    optimizer.finalize_variable_values([w, b])
    return [np.asarray(w.numpy()), np.asarray(b.numpy())]


@pytest.mark.parametrize("backend", ["numpy", "torch", "jax", "tensorflow"])
@pytest.mark.parametrize("name", list(FIT_OPTIMIZERS))
def test_fit_matches_keras_on_every_backend(name, backend):
    pytest.importorskip({"numpy": "numpy", "torch": "torch", "jax": "jax", "tensorflow": "tensorflow"}[backend])
    expected = _keras_reference(name)
    with kerafront.backend_scope(backend):
        model = kerafront.Sequential([kerafront.Input((3,)), kerafront.layers.Dense(1)])
        model.set_weights([FIT_W, FIT_B])
        model.compile(optimizer=FIT_OPTIMIZERS[name](kerafront), loss="mse")
        model.fit(FIT_X, FIT_Y, batch_size=4, epochs=2, shuffle=False, verbose=0)
        weights = model.get_weights()
    for mine, reference in zip(weights, expected):
        np.testing.assert_allclose(mine, reference, rtol=1e-5, atol=1e-6)


# ------------------------------------------------------------------------------------------------
# SwapEMAWeights

def _ema_model():
    model = kerafront.Sequential([kerafront.Input((3,)), kerafront.layers.Dense(1)])
    model.set_weights([FIT_W, FIT_B])
    model.compile(optimizer=optimizers.SGD(0.1, use_ema=True, ema_momentum=0.5), loss="mse")
    return model


def test_swap_ema_weights_around_evaluate():
    model = _ema_model()
    model.fit(FIT_X, FIT_Y, batch_size=4, epochs=1, shuffle=False, verbose=0)
    trained = model.get_weights()   # fit ended with finalize_variable_values: the averages
    optimizer = model.optimizer
    model.trainable_variables[0].assign(np.zeros((3, 1), "float32"))   # model and averages now differ
    averages = [np.asarray(v.numpy()) for v in optimizer._slots["average"]]
    np.testing.assert_allclose(averages[0], trained[0])
    x = FIT_X[:4]
    with_ema = model.evaluate(x, FIT_Y[:4], verbose=0, callbacks=[kerafront.callbacks.SwapEMAWeights()])
    expected = float(np.mean((x @ averages[0] + averages[1] - FIT_Y[:4]) ** 2))
    np.testing.assert_allclose(with_ema, expected, rtol=1e-5)
    np.testing.assert_allclose(model.get_weights()[0], np.zeros((3, 1)))   # swapped back
    predicted = model.predict(x, verbose=0, callbacks=[kerafront.callbacks.SwapEMAWeights()])
    np.testing.assert_allclose(predicted, x @ averages[0] + averages[1], rtol=1e-5)
    np.testing.assert_allclose(model.get_weights()[0], np.zeros((3, 1)))


def test_swap_ema_weights_on_epoch_ends_with_the_averages():
    model = _ema_model()
    model.fit(FIT_X, FIT_Y, batch_size=4, epochs=2, shuffle=False, verbose=0,
              callbacks=[kerafront.callbacks.SwapEMAWeights(swap_on_epoch=True)])
    averages = [np.asarray(v.numpy()) for v in model.optimizer._slots["average"]]
    for mine, reference in zip(model.get_weights(), averages):
        np.testing.assert_allclose(mine, reference)


def test_swap_ema_weights_needs_use_ema():
    model = kerafront.Sequential([kerafront.Input((3,)), kerafront.layers.Dense(1)])
    model.compile(optimizer="sgd", loss="mse")
    with pytest.raises(ValueError, match="SwapEMAWeights needs an optimizer created with use_ema=True"):
        model.evaluate(FIT_X, FIT_Y, verbose=0, callbacks=[kerafront.callbacks.SwapEMAWeights()])
