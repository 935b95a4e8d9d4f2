"""Structured data: numeric features through Normalization, a string feature through StringLookup and
CategoryEncoding, concatenated, then Dense layers -- Keras's structured-data recipe, with kerafront.

The string lookup runs on the host while the data is prepared (kerafront's string layers compute in
NumPy, and the model's inputs are numbers); the model itself holds Normalization and CategoryEncoding,
so its steps compile. Runs on whichever backend KERAFRONT_BACKEND selects (default: numpy):

    python examples/structured_data.py
    KERAFRONT_BACKEND=jax python examples/structured_data.py
"""

import time

import numpy as np

import kerafront
from kerafront import layers

CITIES = ["lima", "oslo", "paris", "tokyo", "cairo"]
CITY_BONUS = {"lima": -1.5, "oslo": 1.0, "paris": 0.5, "tokyo": 2.0, "cairo": -2.0}


def make_data(n, seed):
    """Rows of (age, income) on very different scales and a city; the label depends on all three."""
    rng = np.random.default_rng(seed)
    age = rng.uniform(18, 80, n)
    income = rng.lognormal(10, 0.5, n)
    city = rng.choice(CITIES + ["atlantis"], size=n, p=[0.2, 0.2, 0.2, 0.2, 0.15, 0.05])  # one city never adapted
    score = (age - 49) / 18 - (np.log(income) - 10) * 2 + np.array([CITY_BONUS.get(c, 0.0) for c in city])
    label = (score + rng.normal(0, 0.3, n) > 0).astype("float32")
    return np.stack([age, income], axis=1).astype("float32"), city, label[:, None]


def make_model(numeric_train, num_cities):
    """Two inputs: numeric features (normalized by statistics adapted on the training set) and city ids."""
    numeric = kerafront.Input(shape=(2,), name="numeric")
    city = kerafront.Input(shape=(1,), dtype="int32", name="city")
    normalization = layers.Normalization()
    normalization.adapt(numeric_train)
    features = layers.Concatenate()([normalization(numeric),
                                     layers.CategoryEncoding(num_cities, output_mode="one_hot")(city)])
    hidden = layers.Dense(16, activation="relu")(features)
    return kerafront.Model([numeric, city], layers.Dense(1, activation="sigmoid")(hidden))


def main(epochs=15, n_train=800, verbose=2):
    kerafront.utils.set_random_seed(1)
    numeric_train, city_train, y_train = make_data(n_train, seed=0)
    numeric_test, city_test, y_test = make_data(300, seed=1)
    lookup = layers.StringLookup()       # index 0: out-of-vocabulary ("atlantis" at test time)
    lookup.adapt(city_train[city_train != "atlantis"])
    ids_train = kerafront.ops.convert_to_numpy(lookup(city_train[:, None])).astype("int32")
    ids_test = kerafront.ops.convert_to_numpy(lookup(city_test[:, None])).astype("int32")
    model = make_model(numeric_train, lookup.vocabulary_size())
    model.compile(optimizer=kerafront.optimizers.Adam(0.02), loss="binary_crossentropy", metrics=["accuracy"])
    start = time.perf_counter()
    history = model.fit([numeric_train, ids_train], y_train, epochs=epochs, batch_size=32, verbose=verbose)
    seconds = time.perf_counter() - start
    loss, accuracy = model.evaluate([numeric_test, ids_test], y_test, verbose=0)
    print(f"backend={kerafront.backend()} vocabulary={lookup.get_vocabulary()} test_loss={loss:.4f} "
          f"test_accuracy={accuracy:.4f} fit_seconds={seconds:.2f}")
    return {"accuracy": accuracy, "loss": loss, "history": history.history}


if __name__ == "__main__":
    main()
