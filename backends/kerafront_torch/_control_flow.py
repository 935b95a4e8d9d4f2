"""Section control_flow: ``scan``, ``while_loop`` and ``cond`` as Python loops and branches.

Autograd records every step as it runs, so gradients reach ``init``, ``xs`` and the tensors ``f``
closes over with nothing added here; ``torch.unbind`` slices ``xs`` once (its backward is one
``stack``), and ``torch.compile`` unrolls the loops it traces.
"""

import torch

from kerafront import spec_rules, tree

from kerafront_torch._convert import DTYPE_NAMES, Tensor, as_tensor


def _tensors(pytree):
    """``(leaves as tensors, treedef)``."""
    leaves, treedef = tree.flatten(pytree)
    return [leaf if isinstance(leaf, Tensor) else as_tensor(leaf) for leaf in leaves], treedef


def _specs(leaves, treedef):
    return treedef, [(tuple(leaf.shape), DTYPE_NAMES[leaf.dtype]) for leaf in leaves]


def scan(f, init, xs=None, length=None, reverse=False, unroll=1):
    spec_rules.check_unroll(unroll, "scan")
    carry, carry_def = _tensors(init)
    x_leaves, x_def = _tensors(xs)
    steps = spec_rules.scan_length([x.shape for x in x_leaves], length)
    slices = [torch.unbind(x, 0) for x in x_leaves]
    expected = _specs(carry, carry_def)
    carry = tree.unflatten(carry_def, carry)
    outputs = [None] * steps
    for step, t in enumerate(range(steps - 1, -1, -1) if reverse else range(steps)):
        carry, y = spec_rules.step_pair(f(carry, tree.unflatten(x_def, [s[t] for s in slices])))
        leaves, treedef = _tensors(carry)
        if step == 0:
            spec_rules.check_same_specs("scan", "the carry f returns", "init", expected, _specs(leaves, treedef))
        carry = tree.unflatten(treedef, leaves)
        outputs[t], y_def = _tensors(y)
    ys = [torch.stack([step[i] for step in outputs]) for i in range(len(outputs[0]))]
    return carry, tree.unflatten(y_def, ys)


def while_loop(cond, body, loop_vars, maximum_iterations=None):
    several = isinstance(loop_vars, (tuple, list))
    leaves, treedef = _tensors(tuple(loop_vars) if several else (loop_vars,))
    expected = _specs(leaves, treedef)
    state = tree.unflatten(treedef, leaves)
    iteration = 0
    while maximum_iterations is None or iteration < maximum_iterations:
        go = cond(*state)
        go = go if isinstance(go, Tensor) else as_tensor(go)
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
    pred = pred if isinstance(pred, Tensor) else as_tensor(pred)
    spec_rules.check_scalar_pred(pred.shape, "cond")
    return true_fn() if pred else false_fn()
