"""Two ``fit``s and a ``predict`` running at once in three threads, on one backend, give exactly what
they give one after another (``tests/test_threads.py`` checks the NumPy tape and ``backend_scope``)."""

import threading

import numpy as np

import kerafront
from kerafront import layers

ROUNDS = 3


def _model(seed):
    model = kerafront.Sequential([kerafront.Input((4,)), layers.Dense(8, activation="tanh"), layers.Dense(3)])
    rng = np.random.default_rng(seed)
    model.set_weights([rng.normal(size=w.shape).astype("float32") * 0.5 for w in model.get_weights()])
    model.compile(optimizer=kerafront.optimizers.SGD(0.05), loss="mse")
    return model


def _data(seed):
    rng = np.random.default_rng(100 + seed)
    return rng.normal(size=(32, 4)).astype("float32"), rng.normal(size=(32, 3)).astype("float32")


def _fit(seed):
    model = _model(seed)
    x, y = _data(seed)
    history = model.fit(x, y, batch_size=8, epochs=2, shuffle=False, verbose=0)
    return model.get_weights(), history.history["loss"]


def _in_threads(backend, targets):
    """Run every target at once (a barrier) under ``backend_scope(backend)``; re-raise a thread's error."""
    barrier = threading.Barrier(len(targets))
    errors = []

    def run(target):
        try:
            with kerafront.backend_scope(backend):
                barrier.wait(timeout=60)
                target()
        except BaseException as error:  # noqa: BLE001 - re-raised in the main thread
            errors.append(error)

    threads = [threading.Thread(target=run, args=(t,), daemon=True) for t in targets]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=300)
    assert not any(thread.is_alive() for thread in threads), "a thread hung"
    if errors:
        raise errors[0]


def test_two_fits_and_a_predict_in_parallel_equal_serial_runs(backend):
    serial = {seed: _fit(seed) for seed in (1, 2)}
    predictor = _model(3)
    x_predict = _data(3)[0]
    serial_prediction = predictor.predict(x_predict, verbose=0)
    k1, b1, k2, b2 = predictor.get_weights()
    np.testing.assert_allclose(serial_prediction, np.tanh(x_predict @ k1 + b1) @ k2 + b2, rtol=1e-5, atol=1e-5)
    for _ in range(ROUNDS):
        results = {}

        def fit(seed):
            results[seed] = _fit(seed)

        def predict():
            results["predict"] = [predictor.predict(x_predict, verbose=0) for _ in range(3)]

        _in_threads(backend, [lambda: fit(1), lambda: fit(2), predict])
        for seed in (1, 2):
            weights, losses = results[seed]
            np.testing.assert_allclose(losses, serial[seed][1], rtol=1e-6, err_msg=f"{backend} fit {seed}")
            for got, want in zip(weights, serial[seed][0], strict=True):
                np.testing.assert_allclose(got, want, rtol=1e-6, atol=1e-6, err_msg=f"{backend} fit {seed}")
        for prediction in results["predict"]:
            np.testing.assert_allclose(prediction, serial_prediction, rtol=1e-6, atol=1e-6)
