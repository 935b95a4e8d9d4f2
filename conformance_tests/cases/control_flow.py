"""Control flow (``scan``, ``while_loop``, ``cond``, ``fori_loop``) and ``dot_product_attention``.

Step functions are written with ``kerafront.ops``; each ``expect`` is a NumPy loop of the same
maths. Weights a step reads are ``Closure`` tensors, so the VJP and finite-difference checks also
cover gradients with respect to what ``f`` closes over. ``while_loop`` rows check values only
(its gradient is not promised: JAX has none).
"""

import numpy as np

from kerafront import ops

from conformance_tests.cases import Closure, Gen, T, add

gen = Gen("control_flow")


# ----------------------------------------------------------------------------------------------
# scan

def _decay(carry, x):
    carry = ops.add(ops.multiply(carry, 0.5), x)
    return carry, ops.tanh(carry)


def _decay_reference(init, xs, reverse=False):
    carry, ys = init, [None] * len(xs)
    for t in (reversed(range(len(xs))) if reverse else range(len(xs))):
        carry = carry * 0.5 + xs[t]
        ys[t] = np.tanh(carry)
    return carry, np.stack(ys)


add("scan", "decay", _decay, T(gen.normal((2, 3))), T(gen.normal((4, 2, 3))),
    expect=lambda f, init, xs: _decay_reference(init, xs))
add("scan", "decay_reverse", _decay, T(gen.normal((2, 3))), T(gen.normal((4, 2, 3))), kwargs={"reverse": True},
    expect=lambda f, init, xs, reverse: _decay_reference(init, xs, reverse))


def _lstm_like(carry, xs):
    """A pytree carry ``(h, c)`` and a dict of inputs; ``y`` is a pair."""
    h, c = carry
    c = ops.add(ops.multiply(c, ops.sigmoid(xs["gate"])), ops.tanh(ops.add(h, xs["value"])))
    h = ops.multiply(ops.tanh(c), 0.8)
    return (h, c), (h, ops.sum(c, axis=-1))


def _lstm_like_reference(init, xs):
    (h, c), outputs = init, []
    for gate, value in zip(xs["gate"], xs["value"]):
        c = c / (1 + np.exp(-gate)) + np.tanh(h + value)
        h = np.tanh(c) * 0.8
        outputs.append((h, c.sum(-1)))
    return (h, c), (np.stack([o[0] for o in outputs]), np.stack([o[1] for o in outputs]))


add("scan", "pytree_carry", _lstm_like, (T(gen.normal((2, 2))), T(gen.normal((2, 2)))),
    {"gate": T(gen.normal((3, 2, 2))), "value": T(gen.normal((3, 2, 2)))},
    expect=lambda f, init, xs: _lstm_like_reference(init, xs))


def _cell(kernel, h, x):
    h = ops.tanh(ops.add(ops.matmul(h, kernel), x))
    return h, ops.multiply(h, 2.0)


def _cell_reference(f, init, xs, reverse=False):
    kernel, = f.args
    h, ys = init, [None] * len(xs)
    for t in (reversed(range(len(xs))) if reverse else range(len(xs))):
        h = np.tanh(h @ kernel + xs[t])
        ys[t] = 2 * h
    return h, np.stack(ys)


add("scan", "closed_over_kernel", Closure(_cell, T(gen.normal((3, 3), scale=0.6))), T(gen.normal((2, 3))),
    T(gen.normal((4, 2, 3))), expect=_cell_reference)
add("scan", "closed_over_kernel_reverse", Closure(_cell, T(gen.normal((3, 3), scale=0.6))), T(gen.normal((3,))),
    T(gen.normal((3, 3))), kwargs={"reverse": True},
    expect=lambda f, init, xs, reverse: _cell_reference(f, init, xs, reverse))


def _grow(carry, x):
    count, value = carry
    return (ops.add(count, 1), ops.multiply(value, 1.5)), value


add("scan", "no_xs_int_counter", _grow, (0, T(gen.normal((2,)))), kwargs={"length": 3},
    expect=lambda f, init, length: ((np.int32(3), init[1] * 1.5 ** 3),
                                    np.stack([init[1] * 1.5 ** t for t in range(3)])))


# ----------------------------------------------------------------------------------------------
# fori_loop

def _power_step(weight, i, value):
    return ops.add(ops.multiply(value, weight), ops.cast(i, "float32"))


def _power_reference(lower, upper, body, init):
    weight, = body.args
    for i in range(lower, upper):
        init = init * weight + i
    return init


add("fori_loop", "python_bounds", 1, 4, Closure(_power_step, T(gen.normal((2,)))), T(gen.normal((2,))),
    expect=_power_reference)
add("fori_loop", "no_step", 3, 3, Closure(_power_step, T(gen.normal((2,)))), T(gen.normal((2,))),
    expect=_power_reference)
add("fori_loop", "tensor_bound", 0, T(np.array(3, "int32")), Closure(_power_step, T(gen.normal((2,)))),
    T(gen.normal((2,))), grad=False,
    expect=lambda lower, upper, body, init: _power_reference(lower, int(upper), body, init))


def _pair_step(i, val):
    a, b = val
    return ops.add(a, b), ops.multiply(b, 0.5)


def _pair_reference(lower, upper, body, init):
    a, b = init
    for _ in range(lower, upper):
        a, b = a + b, b * 0.5
    return a, b


add("fori_loop", "pytree_value", 0, 3, _pair_step, (T(gen.normal((2,))), T(gen.normal((2,)))),
    expect=_pair_reference)


# ----------------------------------------------------------------------------------------------
# cond

def _double(x):
    return ops.multiply(x, 2.0)


def _square_sum(y):
    return ops.square(y)


def _cond_reference(pred, true_fn, false_fn):
    (x,), (y,) = true_fn.args, false_fn.args
    return 2 * x if pred else y ** 2


for pred in (True, False):
    add("cond", f"tensor_pred_{str(pred).lower()}", T(np.array(pred)), Closure(_double, T(gen.normal((2, 3)))),
        Closure(_square_sum, T(gen.normal((2, 3)))), expect=_cond_reference)


def _branch_pair(x, y):
    return {"sum": ops.add(x, y), "product": ops.multiply(x, y)}


def _branch_swap(x, y):
    return {"sum": ops.subtract(x, y), "product": ops.divide(x, ops.add(ops.square(y), 1.0))}


add("cond", "pytree_branches", T(np.array(1, "int32")), Closure(_branch_pair, T(gen.normal((2,))), T(gen.normal((2,)))),
    Closure(_branch_swap, T(gen.normal((2,))), T(gen.normal((2,)))),
    expect=lambda pred, t, f: {"sum": sum(t.args), "product": t.args[0] * t.args[1]})
# A Python pred with KerasTensors only inside the branches runs the backend (nothing symbolic is passed): this
# row stays after three rows with a tensor pred, the ones test_symbolic_rules mixes with real tensors.
add("cond", "python_pred", False, Closure(_double, T(gen.normal((3,)))), Closure(_square_sum, T(gen.normal((3,)))),
    expect=_cond_reference)


# ----------------------------------------------------------------------------------------------
# while_loop (values only)

def _below_three(i, x):
    return ops.less(i, 3)


def _double_step(i, x):
    return ops.add(i, 1), ops.multiply(x, 2.0)


add("while_loop", "counter", _below_three, _double_step, (0, T(gen.normal((2, 2)))),
    expect=lambda c, b, loop_vars: (np.int32(3), loop_vars[1] * 8))
add("while_loop", "maximum_iterations", lambda x: ops.less(ops.max(x), 100.0), lambda x: ops.multiply(x, 3.0),
    T(gen.uniform((3,), low=0.5, high=1.0)), kwargs={"maximum_iterations": 2},
    expect=lambda c, b, x, maximum_iterations: x * 9)
add("while_loop", "dict_state", lambda s: ops.less(ops.sum(s["x"]), 10.0),
    lambda s: {"x": ops.add(s["x"], 1.0), "steps": ops.add(s["steps"], 1)},
    {"x": T(np.array([0.5, 1.0], "float32")), "steps": 0},
    expect=lambda c, b, s: {"x": s["x"] + 5, "steps": np.int32(5)})


# ----------------------------------------------------------------------------------------------
# dot_product_attention

def _attention_reference(query, key, value, bias=None, mask=None, scale=None, is_causal=False):
    groups = query.shape[2] // key.shape[2]
    key, value = np.repeat(key, groups, axis=2), np.repeat(value, groups, axis=2)
    logits = np.einsum("btnh,bsnh->bnts", query, key) * (1 / np.sqrt(query.shape[-1]) if scale is None else scale)
    if bias is not None:
        logits = logits + bias
    keep = np.ones(logits.shape, bool)
    if mask is not None:
        keep = keep & (mask != 0)
    if is_causal:
        keep = keep & np.tril(np.ones(logits.shape[-2:], bool))
    logits = np.where(keep, logits, -1e300)
    weights = np.exp(logits - logits.max(-1, keepdims=True))
    weights /= weights.sum(-1, keepdims=True)
    return np.einsum("bnts,bsnh->btnh", weights, value)


def _attention_mask(shape):
    mask = gen.bools(shape)
    mask[..., 0] = True
    mask.reshape(-1, shape[-2], shape[-1])[0, 1] = False  # one query attends no key: the mean of the values
    return mask


add("dot_product_attention", "multi_head", T(gen.normal((2, 3, 2, 4))), T(gen.normal((2, 5, 2, 4))),
    T(gen.normal((2, 5, 2, 4))), expect=_attention_reference)
add("dot_product_attention", "grouped_query_mask", T(gen.normal((1, 3, 4, 2))), T(gen.normal((1, 4, 2, 2))),
    T(gen.normal((1, 4, 2, 2))), kwargs={"mask": T(_attention_mask((1, 1, 3, 4)))}, expect=_attention_reference)
add("dot_product_attention", "causal", T(gen.normal((1, 4, 2, 3))), T(gen.normal((1, 4, 2, 3))),
    T(gen.normal((1, 4, 2, 3))), kwargs={"is_causal": True}, expect=_attention_reference)
add("dot_product_attention", "multi_query_bias_mask_causal_scale", T(gen.normal((2, 3, 2, 2))),
    T(gen.normal((2, 4, 1, 2))), T(gen.normal((2, 4, 1, 2))),
    kwargs={"bias": T(gen.normal((1, 2, 3, 4))), "mask": T(_attention_mask((2, 1, 3, 4))), "is_causal": True,
            "scale": 0.7}, expect=_attention_reference)
