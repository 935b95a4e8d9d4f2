"""Section compile: ``compile`` is ``tf.function`` with a cheaper call path for repeated calls.

``tf.function(fn, reduce_retracing=True, autograph=False)``:

* ``reduce_retracing``: the second trace with a new batch size generalizes that dimension to
  ``None``, so a smaller last batch does not retrace every epoch;
* ``autograph=False``: ``jax.jit``'s rules, Python control flow runs at trace time;
* XLA is opt-in: ``KERAFRONT_TF_XLA=1`` (read at each ``compile`` call) adds ``jit_compile=True``;
* ``donate_argnums`` is accepted for the contract and ignored (TensorFlow frees dead buffers itself).

Fast path: a training step takes ~25 tensors in nested lists; ``tf.function`` rebuilds a trace type
for each of them on every call, which costs more than a small step itself. ``CompiledFunction``
remembers, per (tree structure, leaf shapes and dtypes, device), the concrete function that
``tf.function`` picked and calls it directly with the flat tensors. The first call for a key
always goes through ``tf.function``; a key is only cached when TensorFlow's own flattening of
the arguments is exactly our list of leaves; calls with non-tensor leaves, keyword arguments or
symbolic tensors always take ``tf.function``'s path.
"""

import functools

from kerafront import config, tree
from kerafront_tensorflow._device import default_device
from kerafront_tensorflow._tf import tf

try:  # importing the class avoids creating a tensor (and TensorFlow's runtime) at import time
    from tensorflow.python.framework.ops import EagerTensor as _EagerTensor
except ImportError:  # pragma: no cover - other TensorFlow layouts
    _EagerTensor = type(tf.constant(0.0))
_NOT_CACHEABLE = object()


class CompiledFunction:
    """Callable wrapper of a ``tf.function``; other attributes (tracing count...) pass through."""

    def __init__(self, fn, jit_compile):
        self._function = tf.function(fn, reduce_retracing=True, autograph=False,
                                     jit_compile=True if jit_compile else None)
        self._concrete = {}
        functools.update_wrapper(self, fn)

    def __getattr__(self, name):
        return getattr(self._function, name)

    def _key(self, args):
        leaves, treedef = tree.flatten(args)
        key = [treedef, default_device()]
        for leaf in leaves:
            if type(leaf) is not _EagerTensor:
                return None, None
            key.append(leaf._shape_tuple())
            key.append(leaf.dtype)
        return tuple(key), leaves

    def __call__(self, *args, **kwargs):
        if kwargs:
            return self._function(*args, **kwargs)
        key, leaves = self._key(args)
        if key is None:
            return self._function(*args)
        concrete = self._concrete.get(key)
        if concrete is None:
            result = self._function(*args)
            self._concrete[key] = self._cacheable(args, leaves)
            return result
        if concrete is _NOT_CACHEABLE:
            return self._function(*args)
        return concrete._call_flat(leaves, concrete.captured_inputs)

    def _cacheable(self, args, leaves):
        """The concrete function for ``args`` if TensorFlow flattens them to exactly ``leaves``."""
        try:
            concrete = self._function.get_concrete_function(*args)
            expected = concrete.function_type.unpack_inputs(concrete.function_type.bind(*args))
            call_flat = concrete._call_flat  # noqa: F841  (private API: fall back if it is gone)
        except (AttributeError, TypeError, ValueError):
            return _NOT_CACHEABLE
        if len(expected) != len(leaves) or any(a is not b for a, b in zip(expected, leaves)):
            return _NOT_CACHEABLE
        return concrete


def compile(fn, donate_argnums=()):
    """Compile ``fn`` with ``tf.function`` (see the module docstring for the options)."""
    return CompiledFunction(fn, config.environ_flag("KERAFRONT_TF_XLA"))


def step_mode():
    """``"stateful"``: a compiled step reads and assigns the ``tf.Variable``s behind kerafront's Variables
    (``variable_storage``) in the graph, as TensorFlow's own code does; ``tf.function`` captures them
    by handle, so a call passes only the batches."""
    return "stateful"
