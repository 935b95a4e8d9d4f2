"""Section control_flow: ``scan``, ``while_loop`` and ``cond`` as Python loops and branches.

Gradients need nothing of their own: ``f`` and ``body`` call primitives, which record on the tape
as they run. One exception keeps ``scan``'s backward linear in the number of steps: slicing a
differentiated ``xs`` step by step would give each step's ``getitem`` a full-size cotangent, so
``_unstacked`` hands out slices that write their cotangents into one buffer per leaf of ``xs``,
passed on to ``xs`` once (``_slot``/``_collect`` below).
"""

import numpy as np

from kerafront import spec_rules, tree

from kerafront_numpy._autodiff import Box, primitive, recording
from kerafront_numpy._convert import dtype_name, to_array
from kerafront_numpy._shape import stack

_TENSORS = (np.ndarray, Box)


def _tensor(x):
    return x if type(x) in _TENSORS else to_array(x)


def _tensors(pytree):
    """``(leaves as tensors, treedef)``."""
    leaves, treedef = tree.flatten(pytree)
    return [_tensor(leaf) for leaf in leaves], treedef


def _specs(leaves, treedef):
    return treedef, [(leaf.shape, dtype_name(leaf.dtype)) for leaf in leaves]


def _collect_vjp(g, out, x):
    return (g,)


@primitive(_collect_vjp)
def _collect(x):
    """Identity: the node through which every slot's cotangent reaches ``x`` at once."""
    return x


def _slot_vjp(g, out, collected, t, buffer):
    first = not buffer
    if first:
        buffer.append(np.zeros(collected.shape, collected.dtype))
    buffer[0][t] += g
    return (buffer[0] if first else None,)


@primitive(_slot_vjp)
def _slot(collected, t, buffer):
    """``collected[t]``; its VJP adds into ``buffer`` (shared by the slots of one tensor), and the first VJP
    to run (the last step's) passes the buffer on, filled in place by the others before ``_collect``'s runs.
    ``[t, ...]`` keeps a slice of a 1-D tensor a 0-d array: a NumPy scalar would leave the tape (zero gradient)."""
    return collected[t, ...]


def _unstacked(x, steps):
    """The ``steps`` slices of ``x`` along axis 0."""
    if type(x) is Box and recording():
        collected = _collect(x)
        buffer = []
        return [_slot(collected, t, buffer) for t in range(steps)]
    value = x.value if type(x) is Box else x
    return [value[t, ...] for t in range(steps)]  # 0-d arrays, not NumPy scalars, for 1-D x


def scan(f, init, xs=None, length=None, reverse=False, unroll=1):
    spec_rules.check_unroll(unroll, "scan")
    carry, carry_def = _tensors(init)
    x_leaves, x_def = _tensors(xs)
    steps = spec_rules.scan_length([x.shape for x in x_leaves], length)
    slices = [_unstacked(x, steps) for x in x_leaves]
    expected = _specs(carry, carry_def)
    carry = tree.unflatten(carry_def, carry)
    outputs = [None] * steps
    for step, t in enumerate(range(steps - 1, -1, -1) if reverse else range(steps)):
        carry, y = spec_rules.step_pair(f(carry, tree.unflatten(x_def, [s[t] for s in slices])))
        leaves, treedef = _tensors(carry)
        if step == 0:
            spec_rules.check_same_specs("scan", "the carry f returns", "init", expected, _specs(leaves, treedef))
        carry = tree.unflatten(treedef, leaves)
        outputs[t], y_def = tree.flatten(y)
    ys = [stack([step[i] for step in outputs]) for i in range(len(outputs[0]))]
    return carry, tree.unflatten(y_def, ys)


def while_loop(cond, body, loop_vars, maximum_iterations=None):
    several = isinstance(loop_vars, (tuple, list))
    leaves, treedef = _tensors(tuple(loop_vars) if several else (loop_vars,))
    expected = _specs(leaves, treedef)
    state = tree.unflatten(treedef, leaves)
    iteration = 0
    while maximum_iterations is None or iteration < maximum_iterations:
        go = _tensor(cond(*state))
        spec_rules.check_scalar_pred(go.shape, "while_loop", "the result of cond")
        if not go:
            break
        out = body(*state)
        leaves, treedef = _tensors(tuple(out) if several and isinstance(out, (tuple, list)) else (out,))
        if iteration == 0:
            spec_rules.check_same_specs("while_loop", "the loop variables body returns", "loop_vars", expected,
                                        _specs(leaves, treedef))
        state = tree.unflatten(treedef, leaves)
        iteration += 1
    return state if several else state[0]


def cond(pred, true_fn, false_fn):
    pred = _tensor(pred)
    spec_rules.check_scalar_pred(pred.shape, "cond")
    return true_fn() if pred else false_fn()
