"""``split_dataset`` and ``timeseries_dataset_from_array`` (Keras's ``keras.utils`` names).

Keras returns ``tf.data.Dataset``s from both. kerafront stays framework-free: ``split_dataset``
gives back the structure it was given (arrays, tuples/lists/dicts of arrays; a ``tf.data.Dataset``
only when one was passed in), and ``timeseries_dataset_from_array`` a ``PyDataset`` of NumPy
batches, which ``fit``/``evaluate``/``predict`` take on every backend.
"""

import math
import numbers
import random

import numpy as np

from kerafront.utils.py_dataset import PyDataset


def _is_size(value):
    return value is None or (isinstance(value, numbers.Real) and not isinstance(value, bool))


def split_sizes(left_size, right_size, total):
    """``(left, right)`` sample counts from ints (counts) or floats in (0, 1) (fractions), Keras's rules:
    a fraction is rounded, a missing side gets the rest; both sides must be non-empty and fit."""
    if not (_is_size(left_size) and _is_size(right_size)):
        raise TypeError(f"split_dataset: left_size and right_size must be ints, floats or None, got "
                        f"left_size={left_size!r}, right_size={right_size!r}.")
    if left_size is None and right_size is None:
        raise ValueError("split_dataset: give left_size or right_size (or both); got neither.")
    sizes = []
    for name, size in (("left_size", left_size), ("right_size", right_size)):
        if size is None:
            sizes.append(None)
        elif isinstance(size, numbers.Integral):
            if not 0 < size < total:
                raise ValueError(f"split_dataset: {name} must be a positive int smaller than the dataset's {total} "
                                 f"samples, or a float in (0, 1); got {name}={size}.")
            sizes.append(int(size))
        else:
            if not 0 < size < 1:
                raise ValueError(f"split_dataset: {name} as a fraction must be in (0, 1), got {name}={size}.")
            sizes.append(round(size * total))
    if all(isinstance(s, float) for s in (left_size, right_size)) and left_size + right_size > 1:
        raise ValueError(f"split_dataset: left_size + right_size must be at most 1, got {left_size + right_size}.")
    left, right = sizes
    left = total - right if left is None else left
    right = total - left if right is None else right
    if left + right > total:
        raise ValueError(f"split_dataset: left ({left}) and right ({right}) samples add up to more than the "
                         f"dataset's {total}.")
    if left == 0 or right == 0:
        raise ValueError(f"split_dataset: with {total} samples, left_size={left_size} and right_size={right_size} "
                         f"leave the {'left' if left == 0 else 'right'} split empty.")
    return left, right


def _shuffled_order(total, shuffle, seed):
    """Sample order: ``range(total)``, or shuffled as Keras shuffles (Python's ``random`` with ``seed``)."""
    order = list(range(total))
    if shuffle:
        random.Random(random.randint(0, 10**6) if seed is None else seed).shuffle(order)
    return np.asarray(order, dtype=np.int64)


def _array_leaves(dataset):
    if isinstance(dataset, dict):
        return list(dataset.values())
    if isinstance(dataset, (list, tuple)):
        return list(dataset)
    return [dataset]


def split_dataset(dataset, left_size=None, right_size=None, shuffle=False, seed=None):
    """Split ``dataset`` into ``(left, right)``: the first ``left_size`` samples and the last ``right_size``.

    ``dataset``: an array, a tuple/list/dict of arrays with the same number of samples (returned in
    the same structure, as NumPy arrays), or a ``tf.data.Dataset`` (returned as two, batched like it).
    Sizes are counts (ints) or fractions (floats in (0, 1)); one may be ``None`` (the rest).
    ``shuffle`` permutes the samples first, with Python's ``random`` seeded by ``seed`` (Keras's order).

    >>> left, right = split_dataset(np.arange(10), left_size=0.8)
    >>> left.tolist(), right.tolist()
    ([0, 1, 2, 3, 4, 5, 6, 7], [8, 9])
    """
    if type(dataset).__module__.startswith("tensorflow"):
        return _split_tf_dataset(dataset, left_size, right_size, shuffle, seed)
    if not isinstance(dataset, (np.ndarray, list, tuple, dict)):
        raise TypeError(f"split_dataset: expected an array, a tuple/list/dict of arrays or a tf.data.Dataset, got "
                        f"{type(dataset).__name__}.")
    leaves = [np.asarray(leaf) for leaf in _array_leaves(dataset)]
    if not leaves or any(leaf.ndim == 0 for leaf in leaves):
        raise ValueError("split_dataset: expected arrays with a sample (first) axis, got "
                         f"{'nothing' if not leaves else 'a scalar'}.")
    lengths = sorted({len(leaf) for leaf in leaves})
    if len(lengths) > 1:
        raise ValueError(f"split_dataset: all arrays must hold the same number of samples, got lengths {lengths}.")
    total = lengths[0]
    left, right = split_sizes(left_size, right_size, total)
    order = _shuffled_order(total, shuffle, seed)
    parts = []
    for index in (order[:left], order[total - right:]):
        taken = [leaf[index] for leaf in leaves]
        if isinstance(dataset, dict):
            parts.append(dict(zip(dataset.keys(), taken)))
        elif isinstance(dataset, (list, tuple)):
            parts.append(type(dataset)(taken))
        else:
            parts.append(taken[0])
    return tuple(parts)


def _split_tf_dataset(dataset, left_size, right_size, shuffle, seed):
    """A ``tf.data.Dataset`` (TensorFlow is already imported: the caller passed one) split as Keras does."""
    import tensorflow as tf
    batch_size = getattr(dataset, "_batch_size", None)
    samples = dataset.unbatch() if batch_size is not None else dataset
    columns = None
    for sample in samples.as_numpy_iterator():
        flat = tf.nest.flatten(sample)
        columns = [[] for _ in flat] if columns is None else columns
        for column, value in zip(columns, flat):
            column.append(value)
    if columns is None:
        raise ValueError("split_dataset: the tf.data.Dataset holds no samples.")
    total = len(columns[0])
    left, right = split_sizes(left_size, right_size, total)
    order = _shuffled_order(total, shuffle, seed)
    structure = samples.element_spec
    parts = []
    for index in (order[:left], order[total - right:]):
        arrays = [np.asarray(column)[index] for column in columns]
        part = tf.data.Dataset.from_tensor_slices(tf.nest.pack_sequence_as(structure, arrays))
        if batch_size is not None:
            part = part.batch(int(batch_size))
        parts.append(part)
    return tuple(parts)


def _positive_int(name, value, upper=None, what=""):
    if isinstance(value, bool) or not isinstance(value, numbers.Integral) or value <= 0:
        raise ValueError(f"timeseries_dataset_from_array: {name} must be a positive int, got {name}={value!r}.")
    if upper is not None and value >= upper:
        raise ValueError(f"timeseries_dataset_from_array: {name} must be lower than the length of the data "
                         f"({upper}), got {name}={value}.")
    return int(value)


def timeseries_dataset_from_array(data, targets, sequence_length, sequence_stride=1, sampling_rate=1,
                                  batch_size=128, shuffle=False, seed=None, start_index=None, end_index=None):
    """Sliding windows over ``data`` as batches: Keras's ``timeseries_dataset_from_array``.

    Window ``i`` starts at ``start_index + p_i`` with ``p_i = i * sequence_stride`` and holds the
    ``sequence_length`` steps ``data[start + j * sampling_rate]``; its target is
    ``targets[start_index + p_i]``. Each batch is ``x`` of shape
    ``(batch, sequence_length) + data.shape[1:]`` (and ``(x, y)`` with targets). ``shuffle`` permutes the
    windows once with ``np.random.RandomState(seed)``, as Keras does before batching.

    Returns a ``PyDataset`` of NumPy batches (Keras: a ``tf.data.Dataset``), which ``fit`` takes as ``x``.
    """
    data = np.asarray(data)
    if data.ndim == 0:
        raise ValueError("timeseries_dataset_from_array: data must have a time (first) axis, got a scalar.")
    length = len(data)
    if start_index:
        if start_index < 0 or start_index >= length:
            raise ValueError(f"timeseries_dataset_from_array: start_index must be in [0, {length}) (the length of "
                             f"the data), got start_index={start_index}.")
    if end_index:
        if end_index <= 0 or end_index >= length or (start_index and end_index <= start_index):
            raise ValueError(f"timeseries_dataset_from_array: end_index must be above start_index (and 0) and below "
                             f"the length of the data ({length}), got start_index={start_index}, "
                             f"end_index={end_index}.")
    sequence_length = _positive_int("sequence_length", sequence_length)
    sampling_rate = _positive_int("sampling_rate", sampling_rate, length)
    sequence_stride = _positive_int("sequence_stride", sequence_stride, length)
    if batch_size is not None:
        batch_size = _positive_int("batch_size", batch_size)
    start_index = start_index or 0
    end_index = end_index or length
    count = end_index - start_index - (sequence_length - 1) * sampling_rate
    if targets is not None:
        targets = np.asarray(targets)
        count = min(count, len(targets) - start_index)
    positions = np.arange(0, max(count, 0), sequence_stride, dtype=np.int64)
    if shuffle:
        rng = np.random.RandomState(np.random.randint(1e6) if seed is None else seed)
        rng.shuffle(positions)
    return TimeseriesDataset(data, targets, positions + start_index, sequence_length, sampling_rate, batch_size)


class TimeseriesDataset(PyDataset):
    """The windows of ``timeseries_dataset_from_array``, cut per batch when asked for (no copies kept)."""

    def __init__(self, data, targets, starts, sequence_length, sampling_rate, batch_size):
        super().__init__()
        self.data, self.targets, self.starts = data, targets, starts
        self.offsets = np.arange(sequence_length, dtype=np.int64) * sampling_rate
        self.batch_size = batch_size

    def __len__(self):
        if self.batch_size is None:
            return len(self.starts)
        return math.ceil(len(self.starts) / self.batch_size)

    def __getitem__(self, index):
        if not -len(self) <= index < len(self):
            raise IndexError(f"TimeseriesDataset: batch {index} out of range for {len(self)} batches.")
        index %= len(self)
        if self.batch_size is None:
            starts = self.starts[index]
        else:
            starts = self.starts[index * self.batch_size:(index + 1) * self.batch_size]
        x = self.data[np.asarray(starts)[..., None] + self.offsets]
        return x if self.targets is None else (x, self.targets[starts])
