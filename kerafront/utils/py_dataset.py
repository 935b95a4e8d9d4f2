"""``PyDataset`` (and its old name ``Sequence``): a dataset of batches written in Python.

A subclass implements ``__len__`` (the number of batches; or the ``num_batches`` property, ``None``
for an endless dataset) and ``__getitem__(index)`` returning one whole batch: ``x``, ``(x,)``,
``(x, y)`` or ``(x, y, sample_weight)``. ``fit``/``evaluate``/``predict`` take it as ``x`` and, each
epoch, call ``on_epoch_begin()``, draw its batches (in a new random order each epoch under
``fit(shuffle=True)``, as Keras does; in index order otherwise) and call ``on_epoch_end()``.

``workers`` > 1 loads that many batches ahead in threads, keeping at most ``max_queue_size``
waiting; the batches still reach the model in order. ``use_multiprocessing=True`` is accepted and
runs the same threads (kerafront does not fork processes).
"""

import concurrent.futures
import itertools
import random


class PyDataset:
    """Base class of a dataset of batches; see the module docstring.

    >>> import numpy as np
    >>> class Squares(PyDataset):
    ...     def __len__(self):
    ...         return 2
    ...     def __getitem__(self, index):
    ...         x = np.arange(3.0) + 3 * index
    ...         return x, x ** 2
    >>> [y.tolist() for _, y in Squares()]
    [[0.0, 1.0, 4.0], [9.0, 16.0, 25.0]]
    """

    def __init__(self, workers=1, use_multiprocessing=False, max_queue_size=10):
        self.workers = workers
        self.use_multiprocessing = use_multiprocessing
        self.max_queue_size = max_queue_size

    def __getitem__(self, index):
        raise NotImplementedError(f"{type(self).__name__}: a PyDataset implements __getitem__(index), returning "
                                  "the batch at that index.")

    @property
    def num_batches(self):
        """The number of batches (``len(self)``), or ``None`` for an endless dataset."""
        if hasattr(self, "__len__"):
            return len(self)
        raise NotImplementedError(f"{type(self).__name__}: a PyDataset implements __len__ (or the num_batches "
                                  "property; None for an endless dataset).")

    def __iter__(self):
        count = self.num_batches
        for index in itertools.count() if count is None else range(count):
            yield self[index]

    def on_epoch_begin(self):
        """Called by ``fit``/``evaluate``/``predict`` before an epoch's first batch."""

    def on_epoch_end(self):
        """Called after an epoch's last batch (change or reshuffle the data here)."""


Sequence = PyDataset


def _setting(dataset, name, default):
    """A worker setting; a subclass that did not call ``super().__init__()`` gets Keras's default."""
    value = dataset.__dict__.get(name, default)
    return default if value is None else value


class PyDatasetData:
    """The batches of a ``PyDataset`` for ``fit``/``evaluate``/``predict`` (``kerafront.training.data``).

    ``steps`` (``steps_per_epoch``) takes that many batches per epoch, going on where the last epoch
    stopped; an epoch ends early at the end of a pass, and the next one starts a new pass (Keras's rule).
    """

    def __init__(self, dataset, shuffle=False, steps=None):
        count = dataset.num_batches
        if count is None and steps is None:
            raise ValueError(f"{type(dataset).__name__} is an endless PyDataset (num_batches is None): pass "
                             "steps_per_epoch (or steps) to say how many batches make an epoch.")
        if count is not None and (isinstance(count, bool) or not isinstance(count, int) or count < 0):
            raise ValueError(f"{type(dataset).__name__}: __len__/num_batches must give a non-negative int or None, "
                             f"got {count!r}.")
        workers = _setting(dataset, "workers", 1)
        if isinstance(workers, bool) or not isinstance(workers, int) or workers < 0:
            raise ValueError(f"{type(dataset).__name__}: workers must be a non-negative int, got {workers!r}.")
        queue_size = _setting(dataset, "max_queue_size", 10)
        if isinstance(queue_size, bool) or not isinstance(queue_size, int) or queue_size < 1:
            raise ValueError(f"{type(dataset).__name__}: max_queue_size must be a positive int, got {queue_size!r}.")
        self.dataset = dataset
        self.shuffle = shuffle and count is not None
        self.steps = steps if steps is not None else count
        self.workers = workers
        self.queue_size = queue_size
        self._order = None
        self._position = 0

    def _take(self):
        """This epoch's indices: the next ``steps`` of the current pass over the dataset (a new pass,
        reshuffled under ``shuffle``, once the last one is used up; an epoch never spans two passes)."""
        count = self.dataset.num_batches
        if count is None:
            start = self._position or 0
            self._position = start + self.steps
            return range(start, start + self.steps)
        if self._order is None or self._position >= len(self._order):
            self._order = list(range(count))
            if self.shuffle:
                random.shuffle(self._order)
            self._position = 0
        taken = self._order[self._position:self._position + self.steps]
        self._position += len(taken)
        return taken

    def batches(self):
        from kerafront.training.data import unpack
        self.dataset.on_epoch_begin()
        try:
            indices = self._take()
            if self.workers > 1:
                yield from (unpack(batch) for batch in self._prefetched(indices))
            else:
                for index in indices:
                    yield unpack(self.dataset[index])
        finally:
            self.dataset.on_epoch_end()

    def _prefetched(self, indices):
        """``dataset[i]`` for each index, loaded ahead by ``workers`` threads, returned in order."""
        with concurrent.futures.ThreadPoolExecutor(self.workers, thread_name_prefix="kerafront-pydataset") as pool:
            pending = []
            stream = iter(indices)
            for index in itertools.islice(stream, self.queue_size):
                pending.append(pool.submit(self.dataset.__getitem__, index))
            while pending:
                batch = pending.pop(0).result()
                next_index = next(stream, None)
                if next_index is not None:
                    pending.append(pool.submit(self.dataset.__getitem__, next_index))
                yield batch
