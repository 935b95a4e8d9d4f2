"""Text classification with a masked bidirectional LSTM: Embedding(mask_zero=True) -> Bidirectional(LSTM) -> Dense.

Run: ``python examples/text_classification.py`` (any backend: ``KERAFRONT_BACKEND=torch python ...``;
``--epochs N`` to change the training length).

The task needs order, not only content: every sequence holds the tokens ``FIRST`` (7) and ``SECOND``
(3) once each, among random filler tokens, and the label says whether 7 comes before 3. Sequences
have 4 to ``MAX_LENGTH`` tokens and are padded with 0 at the end; ``Embedding(mask_zero=True)``
marks the padding, and the mask flows into ``Bidirectional``, whose two LSTMs skip the padded steps
(the backward one starts at each sequence's last real token, not at the padding).
"""

import argparse
import time

import numpy as np

import kerafront
from kerafront import layers

VOCAB_SIZE, MAX_LENGTH = 20, 16
FIRST, SECOND = 7, 3
TARGET_ACCURACY = 0.95


def make_dataset(samples, seed=0):
    """``(ids, labels)``: ``ids`` ``(samples, MAX_LENGTH)`` int32, 0-padded; ``labels`` ``(samples, 1)``,
    1.0 where ``FIRST`` comes before ``SECOND``. Half of the labels are 1 on average."""
    rng = np.random.default_rng(seed)
    fillers = np.array([t for t in range(1, VOCAB_SIZE) if t not in (FIRST, SECOND)])
    ids = np.zeros((samples, MAX_LENGTH), "int32")
    labels = np.zeros((samples, 1), "float32")
    for row in range(samples):
        length = rng.integers(4, MAX_LENGTH + 1)
        ids[row, :length] = rng.choice(fillers, length)
        first, second = rng.choice(length, 2, replace=False)
        ids[row, first], ids[row, second] = FIRST, SECOND
        labels[row] = first < second
    return ids, labels


def make_model(embedding_dim=16, units=16):
    """``(batch, MAX_LENGTH)`` token ids -> ``(batch, 1)`` probability that ``FIRST`` comes before ``SECOND``."""
    return kerafront.Sequential([
        kerafront.Input(shape=(MAX_LENGTH,), dtype="int32"),
        layers.Embedding(VOCAB_SIZE, embedding_dim, mask_zero=True),
        layers.Bidirectional(layers.LSTM(units)),
        layers.Dense(1, activation="sigmoid"),
    ])


def main(epochs=4, train_samples=2048, verbose=2):
    kerafront.utils.set_random_seed(0)
    x_train, y_train = make_dataset(train_samples, seed=0)
    x_test, y_test = make_dataset(512, seed=1)
    model = make_model()
    model.compile(optimizer=kerafront.optimizers.Adam(1e-2), loss="binary_crossentropy", metrics=["accuracy"])
    start = time.perf_counter()
    history = model.fit(x_train, y_train, batch_size=64, epochs=epochs, verbose=verbose)
    seconds = time.perf_counter() - start
    loss, accuracy = model.evaluate(x_test, y_test, batch_size=256, verbose=0)
    verdict = "reached" if accuracy >= TARGET_ACCURACY else "below"
    print(f"backend={kerafront.backend()} test_loss={loss:.4f} test_accuracy={accuracy:.4f} "
          f"({verdict} the target {TARGET_ACCURACY}) fit_seconds={seconds:.1f}")
    return {"accuracy": float(accuracy), "loss": float(loss), "history": history.history, "model": model}


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--epochs", type=int, default=4)
    main(epochs=parser.parse_args().epochs)
