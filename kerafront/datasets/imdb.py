"""``keras.datasets.imdb``: 50,000 movie reviews as word-index sequences, labelled by sentiment."""

import numpy as np

from kerafront.datasets import _origin, _reading, _sequences


def load_data(path="imdb.npz", num_words=None, skip_top=0, maxlen=None, seed=113, start_char=1, oov_char=2,
              index_from=3, **kwargs):
    """``(x_train, y_train), (x_test, y_test)``: object arrays of int lists and 0/1 labels, as Keras builds
    them (seeded shuffle, ids shifted by ``index_from``, ``start_char`` first, sequences of ``maxlen`` or
    more words dropped, ids outside ``[skip_top, num_words)`` replaced by ``oov_char``)."""
    what = "imdb.load_data"
    if kwargs:
        raise TypeError(f"{what}: unexpected arguments {sorted(kwargs)}.")
    arrays = _reading.load_npz(_origin.fetch("imdb", fname=path), what)
    x_train, y_train, x_test, y_test = _reading.take(arrays, ["x_train", "y_train", "x_test", "y_test"], what)
    rng = np.random.RandomState(seed)
    x_train, y_train = _sequences.shuffled(rng, x_train, y_train)
    x_test, y_test = _sequences.shuffled(rng, x_test, y_test)
    x_train, y_train = _sequences.encode(x_train, y_train, start_char, index_from, maxlen, what)
    x_test, y_test = _sequences.encode(x_test, y_test, start_char, index_from, maxlen, what)
    if maxlen and (not x_train or not x_test):
        raise ValueError(f"{what}: no sequence is shorter than maxlen={maxlen}; increase maxlen.")
    sequences = _sequences.cap(x_train + x_test, num_words, skip_top, oov_char)
    cut = len(x_train)
    return ((_sequences.as_object_array(sequences[:cut]), np.asarray(y_train)),
            (_sequences.as_object_array(sequences[cut:]), np.asarray(y_test)))


def get_word_index(path="imdb_word_index.json"):
    """``{word: index}``; index ``i`` is id ``i + index_from`` in ``load_data``'s sequences."""
    return _sequences.word_index("imdb_word_index", path, "imdb.get_word_index")
