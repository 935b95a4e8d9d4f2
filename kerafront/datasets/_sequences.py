"""IMDB and Reuters: word-index sequences, shifted, filtered and capped as Keras does it."""

import json

import numpy as np

from kerafront import _files
from kerafront.datasets import _origin


def shuffled(rng, x, y):
    """``x`` and ``y`` reordered by one permutation drawn from ``rng`` (Keras's seeded shuffle)."""
    order = np.arange(len(x))
    rng.shuffle(order)
    return x[order], y[order]


def encode(sequences, labels, start_char, index_from, maxlen, what):
    """Shift word ids by ``index_from``, prepend ``start_char``, and drop sequences of ``maxlen`` or more."""
    prefix = [] if start_char is None else [start_char]
    shift = index_from or 0
    sequences = [prefix + [int(word) + shift for word in sequence] for sequence in sequences]
    if maxlen:
        kept = [i for i, sequence in enumerate(sequences) if len(sequence) < maxlen]
        sequences, labels = [sequences[i] for i in kept], labels[kept]
    return sequences, labels


def cap(sequences, num_words, skip_top, oov_char):
    """Words outside ``[skip_top, num_words)`` become ``oov_char`` (or are dropped when it is None)."""
    if not num_words:
        num_words = max((max(sequence) for sequence in sequences if sequence), default=0)
    if oov_char is not None:
        return [[w if skip_top <= w < num_words else oov_char for w in sequence] for sequence in sequences]
    return [[w for w in sequence if skip_top <= w < num_words] for sequence in sequences]


def as_object_array(sequences):
    """A 1-D object array of lists, as Keras returns (never a 2-D array when the lengths agree)."""
    array = np.empty(len(sequences), dtype=object)
    array[:] = sequences
    return array


def word_index(name, path, what):
    """The data set's ``{word: index}`` dict."""
    with _files.open_regular(_origin.fetch(name, fname=path), what) as handle:
        index = _files.loads_json(handle.read(), what)
    if not isinstance(index, dict):
        raise ValueError(f"{what}: the word index file holds a {type(index).__name__}, expected an object.")
    return index
