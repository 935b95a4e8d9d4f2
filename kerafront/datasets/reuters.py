"""``keras.datasets.reuters``: 11,228 newswires as word-index sequences, labelled by one of 46 topics."""

import numpy as np

from kerafront.datasets import _origin, _reading, _sequences

_LABELS = ("cocoa", "grain", "veg-oil", "earn", "acq", "wheat", "copper", "housing", "money-supply", "coffee",
           "sugar", "trade", "reserves", "ship", "cotton", "carcass", "crude", "nat-gas", "cpi", "money-fx",
           "interest", "gnp", "meal-feed", "alum", "oilseed", "gold", "tin", "strategic-metal", "livestock",
           "retail", "ipi", "iron-steel", "rubber", "heat", "jobs", "lei", "bop", "zinc", "orange", "pet-chem",
           "dlr", "gas", "silver", "wpi", "hog", "lead")


def load_data(path="reuters.npz", num_words=None, skip_top=0, maxlen=None, test_split=0.2, seed=113, start_char=1,
              oov_char=2, index_from=3):
    """``(x_train, y_train), (x_test, y_test)``, encoded as ``imdb.load_data`` encodes, split at
    ``1 - test_split`` after Keras's seeded shuffle."""
    what = "reuters.load_data"
    if not 0 <= test_split < 1:
        raise ValueError(f"{what}: test_split must be in [0, 1), got {test_split}.")
    xs, labels = _reading.take(_reading.load_npz(_origin.fetch("reuters", fname=path), what), ["x", "y"], what)
    xs, labels = _sequences.shuffled(np.random.RandomState(seed), xs, labels)
    xs, labels = _sequences.encode(xs, labels, start_char, index_from, maxlen, what)
    xs = _sequences.cap(xs, num_words, skip_top, oov_char)
    cut = int(len(xs) * (1 - test_split))
    return ((_sequences.as_object_array(xs[:cut]), np.array(labels[:cut])),
            (_sequences.as_object_array(xs[cut:]), np.array(labels[cut:])))


def get_word_index(path="reuters_word_index.json"):
    """``{word: index}`` of the newswire vocabulary."""
    return _sequences.word_index("reuters_word_index", path, "reuters.get_word_index")


def get_label_names():
    """The 46 topic names, indexed by label."""
    return _LABELS
