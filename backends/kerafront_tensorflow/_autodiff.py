"""Section autodiff: ``value_and_grad`` on ``tf.GradientTape`` and ``stop_gradient``.

Gradients: the leaves of the selected arguments (``kerafront.tree`` pytrees) are converted to
tensors and watched; a leaf object that appears twice is given its own ``tf.identity`` so each
position gets its own gradient (a tape tracks tensors by identity). Leaves the value does not
depend on get zeros (``unconnected_gradients=ZERO``); an integer or bool leaf raises ``TypeError``
(only float tensors are differentiated, as in the reference).
"""

from kerafront import tree
from kerafront_tensorflow._convert import FLOAT_TF, as_tensor, static_shape
from kerafront_tensorflow._tf import tf

try:
    from tensorflow.python.eager.record import could_possibly_record as could_record
except ImportError:  # pragma: no cover - older/newer TensorFlow layouts
    def could_record():
        """True: without TensorFlow's check, assume a tape may be recording."""
        return True

_ZERO = tf.UnconnectedGradients.ZERO


def _argnums(argnums, n_args, where):
    single = isinstance(argnums, int)
    nums = (argnums,) if single else tuple(argnums)
    for i in nums:
        if not -n_args <= i < n_args:
            raise ValueError(f"{where}: argnums {argnums!r} is out of range for {n_args} positional arguments.")
    return single, tuple(i % n_args for i in nums)


def value_and_grad(fn, argnums=0, has_aux=False):
    """``g(*args) -> (value, grads)`` or ``((value, aux), grads)``; see ``kerafront.spec``."""

    def wrapped(*args, **kwargs):
        args = list(args)
        single, nums = _argnums(argnums, len(args), "value_and_grad")
        treedefs, watched, seen = [], [], set()
        for i in nums:
            leaves, treedef = tree.flatten(args[i])
            leaves = [as_tensor(leaf) for leaf in leaves]
            for j, leaf in enumerate(leaves):
                if leaf.dtype not in FLOAT_TF:
                    raise TypeError(f"value_and_grad: can only differentiate with respect to float tensors; argument "
                                    f"{i} has a leaf of dtype {leaf.dtype.name}. Cast it to a float dtype or pass it "
                                    f"through another (non-differentiated) argument.")
                if id(leaf) in seen:
                    leaves[j] = tf.identity(leaf)
                seen.add(id(leaves[j]))
            treedefs.append(treedef)
            watched.append(leaves)
            args[i] = tree.unflatten(treedef, leaves)
        flat = [leaf for leaves in watched for leaf in leaves]
        with tf.GradientTape(watch_accessed_variables=False) as tape:
            tape.watch(flat)
            out = fn(*args, **kwargs)
        value, aux = out if has_aux else (out, None)
        value = as_tensor(value)
        if value.shape.rank != 0:
            raise ValueError(f"value_and_grad: fn must return a scalar (shape ()), got shape {static_shape(value)}; "
                             f"reduce it first (e.g. ops.mean).")
        grads_flat = [_dense(g) for g in tape.gradient(value, flat, unconnected_gradients=_ZERO)]
        grads, start = [], 0
        for treedef, leaves in zip(treedefs, watched):
            grads.append(tree.unflatten(treedef, grads_flat[start:start + len(leaves)]))
            start += len(leaves)
        grads = grads[0] if single else tuple(grads)
        return ((value, aux) if has_aux else value), grads

    return wrapped


def _dense(gradient):
    """Gathers give ``tf.IndexedSlices`` gradients; kerafront hands out dense tensors."""
    return tf.convert_to_tensor(gradient) if isinstance(gradient, tf.IndexedSlices) else gradient


def stop_gradient(x):
    return tf.stop_gradient(as_tensor(x))


def custom_gradient_call(fn, args):
    """``tf.custom_gradient`` over the arguments (see ``kerafront.spec``). Variables ``fn`` reads get no
    gradient from it (as on the other backends: only the arguments do)."""

    @tf.custom_gradient
    def call(*values):
        y, vjp = fn(*values)

        def backward(upstream, variables=None):
            grads = [tf.zeros_like(v) if d is None else tf.cast(as_tensor(d), v.dtype)
                     for v, d in zip(values, vjp(upstream))]
            if variables is None:
                return grads
            return grads, [tf.zeros_like(v) for v in variables]

        return as_tensor(y), backward

    return call(*(as_tensor(a) for a in args))
