"""A step's logs: how the trainer turns them into what Keras reports (Python floats, flattened,
sorted by name) and the lazy ``MetricResults`` the built-in ``compute_metrics`` returns."""

from collections.abc import Mapping, MutableMapping

import numpy as np

from kerafront import ops
from kerafront.variables import Variable


def plain_value(result):
    return result.value if isinstance(result, Variable) else result


def _to_python(value):
    value = plain_value(value)
    array = np.asarray(ops.convert_to_numpy(value) if ops.is_tensor(value) else value)
    return float(array) if array.ndim == 0 and array.dtype.kind in "fiub" else array


def pythonify_logs(logs):
    """Logs as Keras reports them: nested dicts flattened, keys sorted, scalars as Python floats."""
    result = {}
    for key, value in sorted((logs or {}).items()):
        if isinstance(value, Mapping):
            result.update(pythonify_logs(value))
        else:
            result[key] = _to_python(value)
    return result


def materialize(logs):
    """A step's logs as a plain structure of tensors (inside a compiled function: its outputs)."""
    if isinstance(logs, Mapping):
        return {key: materialize(value) for key, value in logs.items()}
    if isinstance(logs, (list, tuple)):
        return type(logs)(materialize(value) for value in logs)
    return plain_value(logs)


class MetricResults(MutableMapping):
    """What the built-in ``compute_metrics`` returns on eager backends: ``get_metrics_result()``,
    computed when first read, so a step whose logs nobody reads costs no extra ops. Reads and
    writes behave as on a dict (Keras's examples add entries to it)."""

    def __init__(self, compute):
        self._compute, self._data = compute, None

    def _get(self):
        if self._data is None:
            self._data = dict(self._compute())
        return self._data

    def __getitem__(self, key):
        return self._get()[key]

    def __setitem__(self, key, value):
        self._get()[key] = value

    def __delitem__(self, key):
        del self._get()[key]

    def __iter__(self):
        return iter(self._get())

    def __len__(self):
        return len(self._get())

    def __repr__(self):
        return repr(self._get())
