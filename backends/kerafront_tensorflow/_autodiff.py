"""``value_and_grad``/``grad`` on ``tf.GradientTape`` and ``stop_gradient`` (``compile``: _compile.py).

Gradients: the leaves of the selected arguments (``kerafront.tree`` pytrees) are converted to
tensors and watched; a leaf object that appears twice is given its own ``tf.identity`` so each
position gets its own gradient (a tape tracks tensors by identity). Leaves the value does not
depend on get zeros (``unconnected_gradients=ZERO``); integer and bool leaves are not watched and
get zeros of their own dtype.
"""

from kerafront import tree
from kerafront_tensorflow._convert import FLOAT_TF, Tensor, convert_to_tensor, static_shape, tf

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

    def wrapped(*args):
        args = list(args)
        single, nums = _argnums(argnums, len(args), "value_and_grad")
        treedefs, watched, seen = [], [], set()
        for i in nums:
            leaves, treedef = tree.flatten(args[i])
            leaves = [convert_to_tensor(leaf) for leaf in leaves]
            for j, leaf in enumerate(leaves):
                if id(leaf) in seen:
                    leaves[j] = tf.identity(leaf)
                seen.add(id(leaves[j]))
            treedefs.append(treedef)
            watched.append(leaves)
            args[i] = tree.unflatten(treedef, leaves)
        flat = [leaf for leaves in watched for leaf in leaves]
        with tf.GradientTape(watch_accessed_variables=False) as tape:
            for leaf in flat:
                if leaf.dtype in FLOAT_TF:
                    tape.watch(leaf)
            out = fn(*args)
        value, aux = out if has_aux else (out, None)
        value = convert_to_tensor(value)
        if value.shape.rank != 0:
            raise ValueError(f"value_and_grad: fn must return a scalar (shape ()), got shape {static_shape(value)}; "
                             f"reduce it first (e.g. ops.mean).")
        differentiable = [leaf for leaf in flat if leaf.dtype in FLOAT_TF]
        computed = iter(tape.gradient(value, differentiable, unconnected_gradients=_ZERO))
        grads_flat = [_dense(next(computed)) if leaf.dtype in FLOAT_TF else tf.zeros_like(leaf) for leaf in flat]
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


def grad(fn, argnums=0, has_aux=False):
    """``g(*args) -> grads`` (``(grads, aux)`` with ``has_aux``)."""
    both = value_and_grad(fn, argnums=argnums, has_aux=has_aux)

    def wrapped(*args):
        value, grads = both(*args)
        return (grads, value[1]) if has_aux else grads

    return wrapped


def stop_gradient(x):
    return tf.stop_gradient(x if isinstance(x, Tensor) else convert_to_tensor(x))
