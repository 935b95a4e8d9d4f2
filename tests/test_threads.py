"""kerafront state is safe under threads: the NumPy autodiff tape is per thread, and ``backend_scope``
changes only the calling thread's backend (the dispatch tables are swapped whole, never refilled)."""

import threading
import types

import numpy as np
import pytest

import kerafront
from kerafront import config, layers, ops, registry


def _model(seed):
    model = kerafront.Sequential([kerafront.Input((4,)), layers.Dense(8, activation="relu"), layers.Dense(3)])
    rng = np.random.default_rng(seed)
    model.set_weights([rng.normal(size=w.shape).astype("float32") for w in model.get_weights()])
    model.compile(optimizer=kerafront.optimizers.SGD(0.05), loss="mse")
    return model


def _data(seed):
    rng = np.random.default_rng(100 + seed)
    return rng.normal(size=(32, 4)).astype("float32"), rng.normal(size=(32, 3)).astype("float32")


def _fit(seed):
    model = _model(seed)
    x, y = _data(seed)
    model.fit(x, y, batch_size=8, epochs=2, shuffle=False, verbose=0)
    return model.get_weights()


def _run_in_threads(targets):
    """Start every target at once (a barrier) and re-raise the first error a thread met."""
    barrier = threading.Barrier(len(targets))
    errors = []

    def run(target):
        try:
            barrier.wait(timeout=30)
            target()
        except BaseException as error:  # noqa: BLE001 - re-raised in the main thread
            errors.append(error)

    threads = [threading.Thread(target=run, args=(t,)) for t in targets]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    assert not any(t.is_alive() for t in threads), "a thread hung"
    if errors:
        raise errors[0]


def test_two_fits_and_a_predict_in_parallel_threads_under_backend_scope():
    expected = {seed: _fit(seed) for seed in (1, 2)}
    predictor = _model(3)
    x_predict = _data(3)[0]
    expected_prediction = predictor.predict(x_predict, verbose=0)
    for _ in range(20):
        results = {}

        def fit(seed):
            with kerafront.backend_scope("numpy"):
                results[seed] = _fit(seed)

        def predict():
            with kerafront.backend_scope("numpy"):
                for _ in range(5):
                    results["predict"] = predictor.predict(x_predict, verbose=0)

        _run_in_threads([lambda: fit(1), lambda: fit(2), predict])
        for seed in (1, 2):
            for got, want in zip(results[seed], expected[seed]):
                np.testing.assert_allclose(got, want, rtol=1e-6, atol=1e-6)
        np.testing.assert_allclose(results["predict"], expected_prediction, rtol=1e-6)


def test_value_and_grad_in_parallel_threads_matches_one_thread():
    inputs = {k: np.random.default_rng(k).normal(size=(16,)) for k in range(4)}

    def loss(k):
        return lambda x: ops.sum(ops.multiply(ops.tanh(x), float(k + 1)))

    expected = {k: ops.value_and_grad(loss(k))(x) for k, x in inputs.items()}
    got = {}

    def work(k):
        for _ in range(200):
            got[k] = ops.value_and_grad(loss(k))(inputs[k])

    _run_in_threads([lambda k=k: work(k) for k in inputs])
    for k in inputs:
        np.testing.assert_allclose(got[k][0], expected[k][0])
        np.testing.assert_allclose(got[k][1], expected[k][1])


@pytest.fixture
def twin_backend(monkeypatch):
    """A second backend with the NumPy reference's ops, whose ``add`` records the thread calling it."""
    numpy_backend = registry.load("numpy")
    twin = types.ModuleType("kerafront_twin")
    twin.__dict__.update({k: v for k, v in vars(numpy_backend).items() if not k.startswith("__")})
    twin.name = "twin"
    twin.add_threads = []

    def add(x1, x2):
        twin.add_threads.append(threading.current_thread().name)
        return numpy_backend.add(x1, x2)

    twin.add = add
    monkeypatch.setitem(registry._loaded, "twin", twin)
    return twin


def test_backend_scope_is_per_thread(twin_backend):
    entered, checked = threading.Event(), threading.Event()
    seen = {}

    def scoped():
        with kerafront.backend_scope("twin"):
            seen["scoped"] = config.backend()
            ops.add(np.ones(2), 1.0)
            entered.set()
            checked.wait(timeout=30)
            seen["scoped_after"] = config.backend()
        seen["restored"] = config.backend()

    def other():
        entered.wait(timeout=30)
        seen["other"] = config.backend()
        seen["other_value"] = ops.add(np.ones(2), 1.0)
        checked.set()

    threads = [threading.Thread(target=scoped, name="scoped"), threading.Thread(target=other, name="other")]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert seen["scoped"] == seen["scoped_after"] == "twin"
    assert seen["other"] == seen["restored"] == config.backend() == "numpy"
    assert twin_backend.add_threads == ["scoped"]
    np.testing.assert_array_equal(seen["other_value"], [2.0, 2.0])


def test_set_backend_inside_a_scope_changes_only_the_scope(twin_backend):
    with kerafront.backend_scope("numpy"):
        kerafront.set_backend("twin")
        assert config.backend() == "twin"
    assert config.backend() == "numpy"
