"""W1-W4 written once against a Keras-like module: ``kerafront`` or (for --compare-keras) ``keras``."""

import time

import numpy as np

from benchmarks.data import (W3_SIZES, W4_SIZES, initial_weights, iris_w1, mnist_like_w2, sequences_w4, text_w3,
                             w3_weights, w4_weights)


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


def text_classifier(lib, size="full"):
    """W3's model, built and holding ``w3_weights``: Embedding -> LSTM -> Dense(1, sigmoid)."""
    s, layers = W3_SIZES[size], lib.layers
    model = lib.Sequential([lib.Input(shape=(s["length"],), dtype="int32"), layers.Embedding(s["vocab"], s["embed"]),
                            layers.LSTM(s["units"]), layers.Dense(1, activation="sigmoid")])
    model.set_weights(w3_weights(size))
    model.compile(optimizer=lib.optimizers.Adam(1e-3), loss="binary_crossentropy")
    return model


def encoder_block(lib, size="full"):
    """W4's model, built and holding ``w4_weights``: one post-norm transformer encoder block and a
    pooled classification head (logits)."""
    s, layers = W4_SIZES[size], lib.layers
    inputs = lib.Input(shape=(s["length"], s["width"]))
    attended = layers.MultiHeadAttention(s["heads"], s["key_dim"], name="attention")(inputs, inputs)
    x = layers.LayerNormalization(name="norm_1")(layers.Add()([inputs, attended]))
    hidden = layers.Dense(s["ffn"], activation="relu", name="ffn_1")(x)
    x = layers.LayerNormalization(name="norm_2")(layers.Add()([x, layers.Dense(s["width"], name="ffn_2")(hidden)]))
    outputs = layers.Dense(s["classes"], name="head")(layers.GlobalAveragePooling1D()(x))
    model = lib.Model(inputs, outputs)
    for name, weights in w4_weights(size).items():
        model.get_layer(name).set_weights(weights)
    model.compile(optimizer=lib.optimizers.Adam(1e-3),
                  loss=lib.losses.SparseCategoricalCrossentropy(from_logits=True))
    return model


def _timed_fit(lib, model, x, y, batch_size, repeats):
    """ms/step of each of ``repeats`` timed epochs, after one warm-up epoch (compilation, first allocations);
    ``final_loss`` is the last epoch's mean loss."""
    timer = _Timer(lib)
    history = model.fit(x, y, batch_size=batch_size, epochs=1 + repeats, verbose=0, shuffle=False,
                        callbacks=[timer.callback])
    steps = len(x) // batch_size
    times = timer.callback.times
    return {"ms_per_step": [t / steps * 1000 for t in times[1:]], "first_epoch_seconds": times[0],
            "final_loss": float(history.history["loss"][-1])}


def w3(lib, repeats=5, size="full"):
    x, y = text_w3(size)
    return _timed_fit(lib, text_classifier(lib, size), x, y, W3_SIZES[size]["batch"], repeats)


def w4(lib, repeats=5, size="full"):
    x, y = sequences_w4(size)
    return _timed_fit(lib, encoder_block(lib, size), x, y, W4_SIZES[size]["batch"], repeats)
