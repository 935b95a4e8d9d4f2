"""Section control_flow: ``scan`` and ``while_loop`` on ``tf.while_loop``, ``cond`` on ``tf.cond``.

The same code runs eagerly (``tf.while_loop`` is then a Python loop) and inside ``tf.function``
(one graph loop, differentiated by ``tf.GradientTape`` through its captured tensors and
``tf.Variable``s). ``scan`` keeps ``xs`` and ``ys`` in ``tf.TensorArray``s; its first step runs
before the loop, so ``y``'s structure, dtypes and shapes are known when the output arrays are
made (``tf.scan`` would need them declared). In a graph the carry's static shapes are restored
after each step, so a step that loses a known dim does not break the loop's shape invariants; the
loop states its trip count (``maximum_iterations``), which XLA needs to differentiate it.
"""

from kerafront import spec_rules, tree

from kerafront_tensorflow._convert import Tensor, as_tensor, dtype_name, static_shape
from kerafront_tensorflow._tf import tf


def _tensors(pytree):
    """``(leaves as tensors, treedef)``."""
    leaves, treedef = tree.flatten(pytree)
    return [leaf if isinstance(leaf, Tensor) else as_tensor(leaf) for leaf in leaves], treedef


def _specs(leaves, treedef):
    return treedef, [(static_shape(leaf), dtype_name(leaf.dtype)) for leaf in leaves]


def _checked(op, what, reference, expected, out):
    """``out``'s leaves as tensors, checked against ``expected``, with its static shapes inside a graph."""
    leaves, treedef = _tensors(out)
    spec_rules.check_same_specs(op, what, reference, expected, _specs(leaves, treedef))
    if not tf.executing_eagerly():
        for leaf, (shape, _) in zip(leaves, expected[1]):
            leaf.set_shape(shape)
    return leaves


def _predicate(value, op, what):
    value = as_tensor(value)
    spec_rules.check_scalar_pred(static_shape(value), op, what)
    return value if value.dtype == tf.bool else tf.not_equal(value, tf.zeros((), value.dtype))


def scan(f, init, xs=None, length=None, reverse=False, unroll=1):
    spec_rules.check_unroll(unroll, "scan")
    carry, carry_def = _tensors(init)
    x_leaves, x_def = _tensors(xs)
    steps = spec_rules.scan_length([static_shape(x) for x in x_leaves], length)
    n = steps if steps is not None else tf.shape(x_leaves[0])[0]
    expected = _specs(carry, carry_def)
    x_arrays = [tf.TensorArray(x.dtype, size=n, element_shape=x.shape[1:]).unstack(x) for x in x_leaves]

    def run(t, carry):
        x = tree.unflatten(x_def, [array.read(t) for array in x_arrays])
        carry, y = spec_rules.step_pair(f(tree.unflatten(carry_def, carry), x))
        return _checked("scan", "the carry f returns", "init", expected, carry), _tensors(y)

    first = n - 1 if reverse else 0
    carry, (y_leaves, y_def) = run(first, carry)
    ys = [tf.TensorArray(y.dtype, size=n, element_shape=y.shape).write(first, y) for y in y_leaves]

    def body(i, carry, ys):
        t = n - 1 - i if reverse else i
        carry, (y_leaves, _) = run(t, carry)
        return i + 1, carry, [array.write(t, y) for array, y in zip(ys, y_leaves)]

    _, carry, ys = tf.while_loop(lambda i, carry, ys: i < n, body, (tf.constant(1), carry, ys),
                                 maximum_iterations=n - 1)
    return tree.unflatten(carry_def, carry), tree.unflatten(y_def, [array.stack() for array in ys])


def while_loop(cond, body, loop_vars, maximum_iterations=None):
    several = isinstance(loop_vars, (tuple, list))
    leaves, treedef = _tensors(tuple(loop_vars) if several else (loop_vars,))
    expected = _specs(leaves, treedef)

    def go(*state):
        return _predicate(cond(*state), "while_loop", "the result of cond")

    def step(*state):
        out = body(*state)
        out = tuple(out) if several and isinstance(out, (tuple, list)) else (out,)
        return tree.unflatten(treedef, _checked("while_loop", "the loop variables body returns", "loop_vars",
                                                expected, out))

    state = tf.while_loop(go, step, tree.unflatten(treedef, leaves), maximum_iterations=maximum_iterations)
    state = tuple(state)
    return state if several else state[0]


def cond(pred, true_fn, false_fn):
    if type(pred) is bool:
        return true_fn() if pred else false_fn()
    pred = _predicate(pred, "cond", "pred")
    traced = []

    def checked(branch, name):
        def run():
            leaves, treedef = _tensors(branch())
            traced.append((name, _specs(leaves, treedef)))
            if len(traced) == 2:
                (first, first_specs), (second, second_specs) = traced
                spec_rules.check_same_specs("cond", f"the result of {second}", f"the result of {first}",
                                            first_specs, second_specs)
            return tree.unflatten(treedef, leaves)
        return run

    return tf.cond(pred, checked(true_fn, "true_fn"), checked(false_fn, "false_fn"))
