"""Control-flow rules: ``scan``, ``while_loop`` and ``cond`` trace their functions once on KerasTensors.

``f``, ``body`` and the branches run on symbolic values of their inputs' shapes and dtypes (a slice
of ``xs`` per step), so the ops they call infer the results, as ``jax.eval_shape`` would trace
them. The backends' checks (``kerafront.spec_rules``) run on what they return; a carry's ``None``
dims take the sizes the other side knows. Python scalars in a pytree read as tensors of shape ()
(floats floatx, ints int32), as every backend converts them.
"""

from kerafront import tree
from kerafront._keras_tensor import KerasTensor
from kerafront.config import state
from kerafront.ops._symbolic._arguments import merge, rule, spec_of
from kerafront.spec_rules import check_same_specs, check_scalar_pred, check_unroll, scan_length, step_pair

_PYTHON_DTYPES = {bool: "bool", int: "int32"}


def _symbolic(x, op):
    shape, dtype = spec_of(x, op)
    return KerasTensor(shape, dtype or _PYTHON_DTYPES.get(type(x), state.floatx))


def _symbolic_leaves(pytree, op):
    """``(leaves as KerasTensors, treedef)``."""
    leaves, treedef = tree.flatten(pytree)
    return [_symbolic(leaf, op) for leaf in leaves], treedef


def _specs(leaves, treedef):
    return treedef, [(leaf.shape, leaf.dtype) for leaf in leaves]


def _checked(op, what, reference, expected_leaves, treedef, out):
    """``out`` checked against the expected leaves; returns them with the dims either side knows."""
    leaves, out_def = _symbolic_leaves(out, op)
    check_same_specs(op, what, reference, _specs(expected_leaves, treedef), _specs(leaves, out_def))
    return tree.unflatten(treedef, [KerasTensor(tuple(map(merge, a.shape, b.shape)), a.dtype)
                                    for a, b in zip(expected_leaves, leaves)])


@rule
def scan(f, init, xs=None, length=None, reverse=False, unroll=1):
    check_unroll(unroll, "scan")
    carry, carry_def = _symbolic_leaves(init, "scan")
    x_leaves, x_def = _symbolic_leaves(xs, "scan")
    steps = scan_length([x.shape for x in x_leaves], length)
    x = tree.unflatten(x_def, [KerasTensor(leaf.shape[1:], leaf.dtype) for leaf in x_leaves])
    new_carry, y = step_pair(f(tree.unflatten(carry_def, carry), x))
    new_carry = _checked("scan", "the carry f returns", "init", carry, carry_def, new_carry)
    y_leaves, y_def = _symbolic_leaves(y, "scan")
    return new_carry, tree.unflatten(y_def, [KerasTensor((steps,) + leaf.shape, leaf.dtype) for leaf in y_leaves])


@rule
def while_loop(cond, body, loop_vars, maximum_iterations=None):
    several = isinstance(loop_vars, (tuple, list))
    leaves, treedef = _symbolic_leaves(tuple(loop_vars) if several else (loop_vars,), "while_loop")
    loop_state = tree.unflatten(treedef, leaves)
    check_scalar_pred(_symbolic(cond(*loop_state), "while_loop").shape, "while_loop", "the result of cond")
    out = body(*loop_state)
    out = tuple(out) if several and isinstance(out, (tuple, list)) else (out,)
    result = _checked("while_loop", "the loop variables body returns", "loop_vars", leaves, treedef, out)
    return result if several else result[0]


@rule
def cond(pred, true_fn, false_fn):
    check_scalar_pred(spec_of(pred, "cond")[0], "cond")
    leaves, treedef = _symbolic_leaves(true_fn(), "cond")
    return _checked("cond", "the result of false_fn", "the result of true_fn", leaves, treedef, false_fn())
