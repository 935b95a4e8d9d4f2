"""Section control_flow: ``jax.lax.scan``, ``jax.lax.while_loop`` and ``jax.lax.cond``.

Each traces its functions once, so the spec's checks (a carry that keeps ``init``'s structure,
shapes and dtypes; branches that agree) run at trace time and cost nothing per step. ``scan`` is
differentiable through ``jax.lax.scan``'s own rules; ``while_loop`` is not reverse-differentiable
(``jax.lax.while_loop`` has no VJP), which is why the spec does not promise its gradient.
"""

import jax
import jax.numpy as jnp

from kerafront import spec_rules, tree

from kerafront_jax._convert import dtype_name, to_array


def _tensors(pytree):
    return tree.map_structure(to_array, pytree)


def _specs(pytree):
    leaves, treedef = tree.flatten(pytree)
    return treedef, [(tuple(leaf.shape), dtype_name(leaf.dtype)) for leaf in leaves]


def _predicate(value, op, what):
    value = to_array(value)
    spec_rules.check_scalar_pred(value.shape, op, what)
    return value if value.dtype == jnp.bool_ else value != 0


def scan(f, init, xs=None, length=None, reverse=False, unroll=1):
    spec_rules.check_unroll(unroll, "scan")
    init, xs = _tensors(init), _tensors(xs)
    steps = spec_rules.scan_length([x.shape for x in tree.leaves(xs)], length)
    expected = _specs(init)

    def step(carry, x):
        carry, y = spec_rules.step_pair(f(carry, x))
        carry = _tensors(carry)
        spec_rules.check_same_specs("scan", "the carry f returns", "init", expected, _specs(carry))
        return carry, y

    return jax.lax.scan(step, init, xs, length=steps, reverse=reverse, unroll=unroll)


def while_loop(cond, body, loop_vars, maximum_iterations=None):
    several = isinstance(loop_vars, (tuple, list))
    state = _tensors(tuple(loop_vars) if several else (loop_vars,))
    expected = _specs(state)

    def go(state):
        return _predicate(cond(*state), "while_loop", "the result of cond")

    def step(state):
        out = body(*state)
        out = _tensors(tuple(out) if several and isinstance(out, (tuple, list)) else (out,))
        spec_rules.check_same_specs("while_loop", "the loop variables body returns", "loop_vars", expected,
                                    _specs(out))
        return out

    if maximum_iterations is None:
        state = jax.lax.while_loop(go, step, state)
    else:
        _, state = jax.lax.while_loop(lambda c: jnp.logical_and(c[0] < maximum_iterations, go(c[1])),
                                      lambda c: (c[0] + 1, step(c[1])), (jnp.asarray(0, jnp.int32), state))
    return state if several else state[0]


def cond(pred, true_fn, false_fn):
    pred = _predicate(pred, "cond", "pred")
    traced = []

    def checked(branch, name):
        def run():
            out = _tensors(branch())
            traced.append((name, _specs(out)))
            if len(traced) == 2:
                (first, first_specs), (second, second_specs) = traced
                spec_rules.check_same_specs("cond", f"the result of {second}", f"the result of {first}",
                                            first_specs, second_specs)
            return out
        return run

    return jax.lax.cond(pred, checked(true_fn, "true_fn"), checked(false_fn, "false_fn"))
