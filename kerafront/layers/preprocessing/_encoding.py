"""Host-side input reading and the categorical encoding shared by the structured-data and text layers.

* ``encode_categorical(indices, output_mode, depth, dtype)``: Keras's ``encode_categorical_inputs``
  over ``kerafront.ops`` (so it runs inside compiled steps). ``one_hot`` adds an axis of size ``depth``
  (a trailing axis of size 1 is replaced); ``multi_hot``/``count`` reduce axis 1 of a rank >= 2
  input (axis 0 of a rank-1 input, giving shape ``(depth,)``). Indices outside ``[0, depth)`` count
  nowhere (all zeros), as with Keras's NumPy and JAX backends.
* ``batches(data, ...)``: what ``adapt()`` reads -- a NumPy array, a Python list, a framework tensor,
  a ``tf.data.Dataset`` or any iterable of batches -- as host NumPy arrays.
* ``to_host(x, strings)``: one input as a NumPy array (strings decoded from UTF-8 bytes).

A framework's tensors are recognised by their type's module, so no framework is imported here.
"""

import numpy as np

from kerafront import ops
from kerafront.layers.preprocessing._data_layer import DataLayer

OUTPUT_MODES = ("int", "one_hot", "multi_hot", "count")


class HostDataLayer(DataLayer):
    """A preprocessing layer that computes on the host (NumPy): its inputs may be strings (lists,
    NumPy arrays, ``tf.string`` tensors), which reach ``call`` unconverted. It holds no weights, so it
    builds without looking at input shapes; compiled steps cannot trace it (``supports_jit = False``:
    a model holding it runs eagerly)."""

    supports_jit = False

    def __call__(self, *args, **kwargs):
        if not self.built:
            self.build(None)
        return super().__call__(*args, **kwargs)

    def _convert_inputs(self, inputs):
        return inputs


def check_choice(layer_name, argument, value, allowed):
    """``ValueError`` naming the layer and argument unless ``value`` is one of ``allowed``."""
    if not isinstance(value, str) or value not in allowed:
        raise ValueError(f"{layer_name}: unknown {argument}={value!r}; expected one of "
                         f"{', '.join(repr(a) for a in allowed)}.")


def encode_categorical(indices, output_mode, depth, dtype, count_weights=None):
    """Encode integer ``indices`` (a tensor) by ``output_mode`` into ``dtype`` (see the module docstring)."""
    if output_mode == "int":
        return ops.cast(indices, dtype)
    if ops.ndim(indices) == 0:
        indices = ops.expand_dims(indices, -1)
    if output_mode == "one_hot":
        shape = tuple(ops.shape(indices))
        if len(shape) > 1 and shape[-1] == 1:
            indices = ops.squeeze(indices, -1)
        return ops.one_hot(indices, depth, dtype=dtype)
    axis = 1 if ops.ndim(indices) > 1 else 0
    encoded = ops.one_hot(indices, depth, dtype=dtype)
    if output_mode == "multi_hot":
        return ops.max(encoded, axis=axis)
    if count_weights is not None:
        encoded = ops.multiply(encoded, ops.expand_dims(ops.cast(count_weights, dtype), -1))
    return ops.sum(encoded, axis=axis)


def _framework_of(x):
    return type(x).__module__.split(".")[0]


def is_tf_dataset(data):
    return _framework_of(data) == "tensorflow" and hasattr(data, "element_spec")


def _first_of_pair(batch):
    """``x`` of an ``(x, y)`` or ``(x, y, sample_weight)`` batch from a labelled dataset."""
    return batch[0] if isinstance(batch, tuple) and len(batch) in (2, 3) and _is_array_like(batch[0]) else batch


def _is_array_like(x):
    return isinstance(x, np.ndarray) or _framework_of(x) in ("tensorflow", "torch", "jax", "jaxlib")


def to_host(x, strings=False):
    """``x`` (array, list, framework tensor) as a NumPy array; with ``strings``, a ``str`` array."""
    if _framework_of(x) in ("tensorflow", "torch") and hasattr(x, "numpy"):
        if hasattr(x, "detach"):
            x = x.detach().cpu()
        x = x.numpy()
    elif not isinstance(x, (np.ndarray, list, tuple, str, bytes, int, float, np.generic)):
        x = ops.convert_to_numpy(x)
    array = np.asarray(x, dtype=object if strings else None)
    if not strings:
        return array
    flat = [v.decode("utf-8") if isinstance(v, bytes) else v for v in array.reshape(-1).tolist()]
    return np.asarray(flat, dtype=object).reshape(array.shape)


def batches(data, one_batch_types):
    """Iterate over ``data`` for ``adapt()``: yields host NumPy arrays (or the raw element).

    ``one_batch_types``: the container types read as a single batch (NumPy arrays and framework
    tensors always are); anything else iterable is a stream of batches. A ``tf.data.Dataset`` whose
    elements are ``(x, y)`` pairs contributes ``x``.
    """
    if isinstance(data, one_batch_types) or _is_array_like(data) and not is_tf_dataset(data):
        yield data
        return
    if is_tf_dataset(data):
        for batch in data:
            yield _first_of_pair(batch)
        return
    if not hasattr(data, "__iter__"):
        raise TypeError(f"adapt() expects a NumPy array, a list, a tensor, a tf.data.Dataset or an iterable of "
                        f"batches; received {type(data).__name__}.")
    for batch in data:
        yield _first_of_pair(batch)
