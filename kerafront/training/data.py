"""Turning what users pass to ``fit``/``evaluate``/``predict`` into batches.

Accepted: NumPy arrays, backend tensors, Python lists of numbers, dicts/lists/tuples of those for
multi-input or multi-output models; iterables or generators yielding ``x``, ``(x, y)`` or
``(x, y, sample_weight)`` batches (including ``torch.utils.data.DataLoader`` and
``tf.data.Dataset``, recognised without importing their libraries); a ``kerafront.utils.PyDataset``
(its batches drawn by ``PyDatasetData``, with its epoch hooks). Array data is batched here;
each batch is converted to the active backend's tensors, float64 becoming floatx.
"""

import math

import numpy as np

from kerafront import config, ops, tree
from kerafront.random import global_rng


def _is_number_list(value):
    """A (nested) Python list or tuple of plain numbers: one array, not a structure of inputs."""
    if not isinstance(value, (list, tuple)) or not value:
        return False
    return all(isinstance(v, (int, float, bool, complex, np.number, np.bool_)) or _is_number_list(v)
               for v in value)


def _number_lists_to_arrays(data):
    """Replace each list of numbers (``[[1.0, 2.0], [3.0, 4.0]]``) by an array; a list holding arrays stays a
    structure (one entry per model input), as in Keras."""
    if isinstance(data, list) and _is_number_list(data):
        return np.asarray(data)
    if isinstance(data, (list, tuple)):
        return type(data)(_number_lists_to_arrays(v) for v in data)
    if isinstance(data, dict):
        return {k: _number_lists_to_arrays(v) for k, v in data.items()}
    return data


def to_numpy_tree(data, name):
    """Convert array-like leaves to NumPy (float64 -> floatx); tensors of any framework are copied to host."""
    data = _number_lists_to_arrays(data)

    def convert(leaf):
        if isinstance(leaf, np.ndarray):
            array = leaf
        elif ops.is_tensor(leaf):
            array = ops.convert_to_numpy(leaf)
        else:
            try:
                array = np.asarray(leaf)
            except Exception as error:  # a framework tensor on a device, etc.
                raise TypeError(f"{name}: cannot convert {type(leaf).__name__} to an array ({error}).") from None
        if array.dtype == np.float64:
            array = array.astype(config.floatx())
        elif array.dtype == np.int64 and (array.size == 0 or (array.min() >= -2**31 and array.max() < 2**31)):
            array = array.astype(np.int32)  # labels and ids: int32 works on every backend (JAX lacks int64 by default)
        if array.dtype == object:
            raise TypeError(f"{name}: expected numeric arrays, got an object array (ragged nested lists?).")
        return array
    return tree.map_structure(convert, data)


def _floatx_if_float64(leaf):
    if isinstance(leaf, np.ndarray) and leaf.dtype == np.float64:
        return leaf.astype(config.floatx())
    return leaf


def to_tensor_tree(data):
    return tree.map_structure(lambda leaf: ops.convert_to_tensor(_floatx_if_float64(leaf)), data)


def to_host_tree(data):
    """Like ``to_tensor_tree`` but NumPy leaves stay NumPy (float64 -> floatx), for compiled steps
    that transfer host arrays themselves; 64-bit integer and other leaves are converted as usual
    (so a backend's dtype rules and errors still apply)."""
    def convert(leaf):
        leaf = _floatx_if_float64(leaf)
        if isinstance(leaf, np.ndarray) and leaf.dtype.itemsize < 8 and leaf.dtype.kind in "biuf":
            return leaf
        return ops.convert_to_tensor(leaf)
    return tree.map_structure(convert, data)


def num_samples(data, name):
    leaves = tree.leaves(data)
    for leaf in leaves:
        if np.ndim(leaf) == 0:
            raise ValueError(f"{name}: expected arrays with a batch (first) dimension, got a scalar "
                             f"{type(leaf).__name__}; pass an array of samples.")
    lengths = {len(leaf) for leaf in leaves}
    if len(lengths) > 1:
        raise ValueError(f"{name}: all arrays must have the same number of samples, got lengths {sorted(lengths)}.")
    return lengths.pop() if lengths else 0


def _is_batch_iterable(x):
    if isinstance(x, (np.ndarray, list, tuple, dict)) or ops.is_tensor(x):
        return False
    module = type(x).__module__
    if module.startswith(("torch.utils.data", "tensorflow")):
        return True
    return hasattr(x, "__iter__") or hasattr(x, "__next__")


class ArrayData:
    """In-memory arrays split into batches of ``batch_size`` (the last one may be smaller)."""

    def __init__(self, x, y=None, sample_weight=None, batch_size=32, shuffle=False):
        self.x = to_numpy_tree(x, "x")
        self.y = None if y is None else to_numpy_tree(y, "y")
        self.sample_weight = None if sample_weight is None else to_numpy_tree(sample_weight, "sample_weight")
        n = num_samples(self.x, "x")
        if self.y is not None:
            ny = num_samples(self.y, "y")
            if ny != n:
                raise ValueError(f"x and y must have the same number of samples, got x with {n} and y with {ny}.")
        if self.sample_weight is not None and num_samples(self.sample_weight, "sample_weight") != n:
            raise ValueError(f"sample_weight must have one entry per sample ({n}), got "
                             f"{num_samples(self.sample_weight, 'sample_weight')}.")
        if n == 0:
            raise ValueError("fit/evaluate/predict: x holds no samples.")
        self.n = n
        self.batch_size = int(batch_size)
        self.shuffle = shuffle
        self.steps = math.ceil(n / self.batch_size)

    def split(self, fraction):
        """(train, validation) using the last ``fraction`` of the samples for validation, as Keras does."""
        if not 0 < fraction < 1:
            raise ValueError(f"validation_split must be in (0, 1), got {fraction}.")
        cut = int(self.n * (1 - fraction))
        if cut == 0 or cut == self.n:
            raise ValueError(f"validation_split={fraction} leaves an empty split of {self.n} samples.")

        def part(data, sl):
            return None if data is None else tree.map_structure(lambda a: a[sl], data)

        first = slice(0, cut)
        last = slice(cut, self.n)
        train = ArrayData(part(self.x, first), part(self.y, first), part(self.sample_weight, first),
                          self.batch_size, self.shuffle)
        validation = ArrayData(part(self.x, last), part(self.y, last), part(self.sample_weight, last),
                               self.batch_size, False)
        return train, validation

    def batches(self):
        order = global_rng().permutation(self.n) if self.shuffle else None
        for step in range(self.steps):
            lo, hi = step * self.batch_size, min((step + 1) * self.batch_size, self.n)
            index = slice(lo, hi) if order is None else np.sort(order[lo:hi])
            yield tuple(None if d is None else tree.map_structure(lambda a: a[index], d)
                        for d in (self.x, self.y, self.sample_weight))


class IterableData:
    """Batches from an iterable (re-iterated each epoch) or a generator (drawn across epochs)."""

    def __init__(self, source, steps=None):
        self.source = source
        self.steps = steps
        self._iterator = None
        self._one_shot = hasattr(source, "__next__")

    def _iter(self):
        if self._one_shot:
            return self.source
        if self.steps is not None:
            if self._iterator is None:
                self._iterator = iter(self.source)
            return self._iterator
        return iter(self.source)

    def batches(self):
        iterator = self._iter()
        step = 0
        while self.steps is None or step < self.steps:
            try:
                item = next(iterator)
            except StopIteration:
                if self.steps is not None and not self._one_shot:
                    self._iterator = iterator = iter(self.source)
                    try:
                        item = next(iterator)
                    except StopIteration:
                        return
                else:
                    return
            step += 1
            yield unpack(item)


def unpack(item):
    """Split a yielded batch into ``(x, y, sample_weight)``, converting leaves to NumPy."""
    if isinstance(item, tuple) and 1 <= len(item) <= 3:
        parts = list(item) + [None] * (3 - len(item))
    elif isinstance(item, list) and len(item) in (2, 3) and not np.isscalar(item[0]):
        parts = list(item) + [None] * (3 - len(item))
    else:
        parts = [item, None, None]
    x, y, sample_weight = (None if p is None else to_numpy_tree(p, name) for p, name in
                           zip(parts, ("x", "y", "sample_weight")))
    if y is not None and num_samples(x, "x") != num_samples(y, "y"):
        raise ValueError(f"x and y must have the same number of samples, got x with {num_samples(x, 'x')} "
                         f"and y with {num_samples(y, 'y')} in a batch.")
    return x, y, sample_weight


def make_data(x, y=None, sample_weight=None, batch_size=None, shuffle=False, steps=None):
    """Return ArrayData or IterableData for the arguments of fit/evaluate/predict."""
    if x is None:
        raise ValueError("fit/evaluate/predict: x is required.")
    from kerafront.utils.py_dataset import PyDataset, PyDatasetData  # here: kerafront.utils imports this module
    if isinstance(x, PyDataset):
        if y is not None or sample_weight is not None:
            raise ValueError(f"When x is a PyDataset ({type(x).__name__}), y and sample_weight must be None "
                             "(its batches carry the targets and weights).")
        return cap_steps(PyDatasetData(x, shuffle, steps))
    if _is_batch_iterable(x):
        if y is not None:
            raise ValueError("When x is a dataset, generator or iterable of batches, y must be None "
                             "(the batches carry the targets).")
        return cap_steps(IterableData(x, steps))
    return cap_steps(ArrayData(x, y, sample_weight, batch_size or 32, shuffle))


def cap_steps(data):
    """Apply ``kerafront.config.max_steps_per_epoch()`` (a debugging cap, as Keras's) to ``data.steps``."""
    cap = config.max_steps_per_epoch()
    if cap is not None:
        data.steps = cap if data.steps is None else min(data.steps, cap)
    return data


def class_weights_to_sample_weights(y, class_weight):
    """Per-sample weights from a ``{class_index: weight}`` dict and integer or one-hot targets."""
    labels = np.asarray(y)
    if labels.ndim >= 2 and labels.shape[-1] > 1:
        labels = labels.argmax(axis=-1)
    elif labels.ndim >= 2:
        labels = labels[..., 0]
        if labels.dtype.kind == "f":
            labels = (labels > 0.5).astype(np.int64)
    labels = labels.astype(np.int64)
    table = np.ones(int(max(max(class_weight) + 1, labels.max(initial=0) + 1)), dtype=config.floatx())
    for index, weight in class_weight.items():
        table[int(index)] = weight
    return table[labels]


def pack_x_y_sample_weight(x, y=None, sample_weight=None):
    """Keras's packing of a batch: ``x`` alone (``(x,)`` when ``x`` is a tuple/list), ``(x, y)``,
    or ``(x, y, sample_weight)``."""
    if y is None:
        return (x,) if isinstance(x, (list, tuple)) else x
    if sample_weight is None:
        return (x, y)
    return (x, y, sample_weight)


def unpack_x_y_sample_weight(data):
    """``(x, y, sample_weight)`` from data packed as ``x``, ``(x,)``, ``(x, y)`` or ``(x, y, sample_weight)``."""
    if isinstance(data, list):
        data = tuple(data)
    if not isinstance(data, tuple):
        return data, None, None
    if len(data) == 1:
        return data[0], None, None
    if len(data) == 2:
        return data[0], data[1], None
    if len(data) == 3:
        return data
    raise ValueError(f"Data is expected to be x, (x,), (x, y) or (x, y, sample_weight); got a tuple of "
                     f"{len(data)} elements.")
