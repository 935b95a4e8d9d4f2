"""W1 and W2 written once against a Keras-like module: ``kerafront`` or (for --compare-keras) ``keras``."""

import time

import numpy as np

from benchmarks.data import initial_weights, iris_w1, mnist_like_w2


def _mlp(lib):
    model = lib.Sequential([lib.Input(shape=(4,)), lib.layers.Dense(10, activation="relu"),
                            lib.layers.Dense(3, activation="softmax")])
    model.set_weights(initial_weights()[0])
    return model


def _cnn(lib):
    layers = lib.layers
    model = lib.Sequential([
        lib.Input(shape=(28, 28, 1)),
        layers.Conv2D(32, 3, activation="relu"), layers.MaxPooling2D(),
        layers.Conv2D(64, 3, activation="relu"), layers.MaxPooling2D(),
        layers.Flatten(), layers.Dense(10, activation="softmax"),
    ])
    model.set_weights(initial_weights()[1])
    return model


def w1(lib, epochs=100):
    x_train, y_train, x_test, y_test = iris_w1()
    model = _mlp(lib)
    model.compile(optimizer=lib.optimizers.Adam(1e-3), loss="categorical_crossentropy", metrics=["accuracy"])
    start = time.perf_counter()
    model.fit(x_train, y_train, batch_size=32, epochs=epochs, verbose=0, shuffle=False)
    seconds = time.perf_counter() - start
    _, accuracy = model.evaluate(x_test, y_test, verbose=0)
    return {"seconds": seconds, "accuracy": float(accuracy)}


class _Timer:
    """Records the wall time of each fit() epoch."""

    def __init__(self, lib):
        class EpochTimer(lib.callbacks.Callback):
            def __init__(self):
                super().__init__()
                self.times = []

            def on_epoch_begin(self, epoch, logs=None):
                self.start = time.perf_counter()

            def on_epoch_end(self, epoch, logs=None):
                self.times.append(time.perf_counter() - self.start)

        self.callback = EpochTimer()


def w2(lib, batch_size=64, repeats=5):
    x, y = mnist_like_w2()
    model = _cnn(lib)
    model.compile(optimizer=lib.optimizers.Adam(1e-3), loss="sparse_categorical_crossentropy")
    steps = len(x) // batch_size
    start = time.perf_counter()
    model.train_on_batch(x[:batch_size], y[:batch_size])
    first_step = time.perf_counter() - start
    timer = _Timer(lib)
    model.fit(x, y, batch_size=batch_size, epochs=1 + repeats, verbose=0, shuffle=False, callbacks=[timer.callback])
    times = [t / steps * 1000 for t in timer.callback.times[1:]]
    model.predict(x[:256], batch_size=256, verbose=0)
    start = time.perf_counter()
    model.predict(x, batch_size=256, verbose=0)
    predict = len(x) / (time.perf_counter() - start)
    return {"ms_per_step": times, "first_step_seconds": first_step, "predict_samples_per_s": predict}
