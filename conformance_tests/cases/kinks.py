"""Rows exactly on kinks and ties, checked against the rules of ``kerafront.spec.KINK_RULES``.

Every other case module keeps inputs away from kinks (``Gen.away``) and ties (``Gen.distinct``),
where each framework picks its own one-sided derivative. These rows sit exactly there: on a
piecewise op's kink (relu at 0, clip at its bounds), on ties (maximum with ``x1 == x2``; max, sort,
top_k, max_pool and argmax with equal candidates), and on the points where a smooth composite is
assembled from piecewise primitives (softplus at 0).

Each row states its rule (``kink``: the spec's text, or how a composite's gradient follows from the
primitives' rules), its forward value (``expect``) and the gradient that rule gives
(``expect_grad(g, *args, **kwargs)``: one array per differentiable input, for the cotangent ``g``),
both written here in NumPy, never read from the reference backend. ``test_ops.py::test_kink_rule``
checks them on every backend, for the op as dispatched (a backend's fused override) and for its
pure composite. No row has a finite-difference check: a central difference across a kink averages
the two one-sided slopes. test_coverage.py fails for a ``KINK_RULES`` entry without a row, and for
a composite that calls a piecewise primitive without a row or a reason in ``NO_KINK_ROWS``.
"""

import itertools
import math

import numpy as np

from kerafront.spec import KINK_RULES

from conformance_tests import naive
from conformance_tests.cases import T, add

# Composites that call a piecewise primitive but need no kink row of their own, and why.
NO_KINK_ROWS = {
    "softmax": "its max is under stop_gradient (a constant shift): ties in it change no value or gradient",
    "pinv": "max(s) and where only set the cut-off for small singular values (a comparison, NumPy's rule); "
            "no gradient flows through the cut-off",
    "lstsq": "max(s) and where only set the cut-off for small singular values, as pinv",
    "matrix_rank": "an integer count of singular values above a threshold: no gradient",
    "log_softmax": "its max is under stop_gradient and `where` only replaces a non-finite shift by 0",
    "logsumexp": "its max is under stop_gradient and `where` only replaces a non-finite shift by 0",
    "categorical_crossentropy": "clip keeps probabilities in [epsilon, 1 - epsilon]; clip's rows check its rule "
                                "at and beyond the bounds",
    "sparse_categorical_crossentropy": "clip keeps probabilities in [epsilon, 1 - epsilon]; clip's rows check its "
                                       "rule at and beyond the bounds",
    "l2_normalize": "maximum floors the squared norm at epsilon; a tie needs a squared norm of exactly 1e-12",
    "normalize": "its kinks are norm's (rows under norm) and maximum's floor at 1e-12 (a norm of exactly 1e-12)",
    "lstm": "`where` picks by the given boolean mask, never by comparing values: it has no kink",
    "gru": "`where` picks by the given boolean mask, never by comparing values: it has no kink",
    "dot_product_attention": "softmax's max is under stop_gradient; `where` picks by the boolean mask and the "
                             "causal pattern, never by comparing values",
}


def kink(op, name, *args, expect, grad=None, kwargs=None, dtype="float32", rule=None):
    """Add the row ``<op>-kink_<name>``: ``expect`` gives its value, ``grad`` its gradient by ``rule``
    (default: ``KINK_RULES[op]``); never a finite-difference check."""
    return add(op, f"kink_{name}", *args, kwargs=kwargs, expect=expect, dtype=dtype, fd=False,
               kink=rule or KINK_RULES[op], expect_grad=grad)


def f32(values):
    return np.array(values, "float32")


def _sigmoid(x):
    return 1.0 / (1.0 + np.exp(-x))


# ----------------------------------------------------------------------------------------------
# Activations: one-sided derivatives at the kink

kink("relu", "at_0", T(f32([-1.5, -0.0, 0.0, 2.0])), expect=lambda x: np.maximum(x, 0),
     grad=lambda g, x: [g * (x > 0)])
kink("relu", "zeros_2x3", T(np.zeros((2, 3), "float32")), expect=lambda x: np.maximum(x, 0),
     grad=lambda g, x: [g * (x > 0)])
kink("relu", "at_0_f16", T(np.array([-1.0, 0.0, 0.0, 2.0], "float16")), dtype="float16",
     expect=lambda x: np.maximum(x, 0), grad=lambda g, x: [g * (x > 0)])
kink("relu6", "at_0_and_6", T(f32([-1.0, 0.0, 3.0, 6.0, 7.0])), expect=lambda x: np.clip(x, 0, 6),
     grad=lambda g, x: [g * ((x > 0) & (x < 6))])


def _hard_sigmoid(x):
    return np.clip(x + 3, 0, 6) / 6


def _hard_sigmoid_slope(x):
    return ((x > -3) & (x < 3)) / 6


at_hard_kinks = T(f32([-4.0, -3.0, 0.0, 3.0, 4.0]))
kink("hard_sigmoid", "at_minus3_and_3", at_hard_kinks, expect=_hard_sigmoid,
     grad=lambda g, x: [g * _hard_sigmoid_slope(x)])
kink("hard_silu", "at_minus3_and_3", at_hard_kinks, expect=lambda x: x * _hard_sigmoid(x),
     grad=lambda g, x: [g * (_hard_sigmoid(x) + x * _hard_sigmoid_slope(x))])

at_0 = T(f32([-1.0, -0.0, 0.0, 2.0]))
kink("leaky_relu", "at_0", at_0, expect=lambda x: np.where(x > 0, x, 0.2 * x),
     grad=lambda g, x: [g * np.where(x > 0, 1.0, 0.2)])
kink("leaky_relu", "at_0_slope", at_0, kwargs={"negative_slope": 0.1},
     expect=lambda x, negative_slope: np.where(x > 0, x, negative_slope * x),
     grad=lambda g, x, negative_slope: [g * np.where(x > 0, 1.0, negative_slope)])


def _elu(x, alpha=1.0):
    return np.where(x > 0, x, alpha * np.expm1(np.minimum(x, 0)))


def _elu_slope(x, alpha=1.0):
    return np.where(x > 0, 1.0, alpha * np.exp(np.minimum(x, 0)))


_SELU_ALPHA, _SELU_SCALE = 1.6732632423543772, 1.0507009873554805
kink("elu", "at_0", at_0, expect=_elu, grad=lambda g, x: [g * _elu_slope(x)])
kink("elu", "at_0_alpha", at_0, kwargs={"alpha": 0.5}, expect=_elu,
     grad=lambda g, x, alpha: [g * _elu_slope(x, alpha)])
kink("selu", "at_0", at_0, expect=lambda x: _SELU_SCALE * _elu(x, _SELU_ALPHA),
     grad=lambda g, x: [g * _SELU_SCALE * _elu_slope(x, _SELU_ALPHA)])

# ----------------------------------------------------------------------------------------------
# Elementwise primitives

kink("abs", "at_0", at_0, expect=np.abs, grad=lambda g, x: [g * np.sign(x)])
kink("sign", "at_0", at_0, expect=np.sign, grad=lambda g, x: [np.zeros_like(x)])

ties_x1 = f32([1.0, 2.0, 3.0, -0.5, 0.0])
ties_x2 = f32([1.0, 0.0, 3.0, -0.5, -0.0])   # ties at 0, 2, 3 and 4 (0.0 == -0.0)
tied_rows = f32([[0.0, 1.0, 2.0], [2.0, 1.0, 0.0]])
tied_row = f32([0.0, 1.0, 1.0])
for op, first_wins in (("maximum", np.greater_equal), ("minimum", np.less_equal)):
    numpy_op = getattr(np, op)
    kink(op, "ties", T(ties_x1), T(ties_x2), expect=numpy_op,
         grad=lambda g, x1, x2, first_wins=first_wins: [g * first_wins(x1, x2), g * ~first_wins(x1, x2)])
    kink(op, "ties_broadcast", T(tied_rows), T(tied_row), expect=numpy_op,
         grad=lambda g, x1, x2, first_wins=first_wins: [g * first_wins(x1, x2),
                                                        np.sum(g * ~first_wins(x1, x2), axis=0)])
    # Against a Python scalar torch's backend would otherwise use clamp_min/clamp_max, whose gradient at a
    # tie is 1 up to torch 2.13 and 0 from 2.14 (elu's minimum(x, 0) goes through here).
    kink(op, "ties_scalar", T(ties_x1), 3.0, expect=numpy_op,
         grad=lambda g, x1, x2, first_wins=first_wins: [g * first_wins(x1, x2)])
    kink(op, "ties_int_scalar", T(ties_x1), 0, expect=numpy_op,
         grad=lambda g, x1, x2, first_wins=first_wins: [g * first_wins(x1, x2)])

# torch's clamp gives 1 at the bounds up to 2.13 and 0 from 2.14; jnp.clip gives 1/2 there.
at_bounds = f32([-2.0, -1.0, 0.0, 1.0, 2.0])
kink("clip", "at_bounds", T(at_bounds), -1.0, 1.0, expect=np.clip,
     grad=lambda g, x, x_min, x_max: [g * ((x >= x_min) & (x <= x_max))])
kink("clip", "at_tensor_bounds", T(at_bounds), T(np.full(5, -1.0, "float32")), T(np.full(5, 1.0, "float32")),
     expect=np.clip,
     grad=lambda g, x, x_min, x_max: [g * ((x >= x_min) & (x <= x_max)), g * (x < x_min), g * (x > x_max)])

condition = np.array([True, False, True, False])
kink("where", "equal_sides", T(condition), T(f32([1.0, 2.0, 3.0, 4.0])), T(f32([1.0, 2.0, 0.0, 4.0])), expect=np.where,
     grad=lambda g, c, x1, x2: [g * c, g * ~c])
kink("where", "equal_sides_broadcast", T(condition), T(f32([2.0, 2.0, 3.0, 2.0])), T(f32([2.0])), expect=np.where,
     grad=lambda g, c, x1, x2: [g * c, np.sum(g * ~c, keepdims=True)])

# ----------------------------------------------------------------------------------------------
# Reductions: ties take the first position in row-major order


def _reduced_axes(x, axis):
    if axis is None:
        return tuple(range(x.ndim))
    return tuple(a % x.ndim for a in (axis if isinstance(axis, tuple) else (axis,)))


def _first_extreme_mask(x, axis, extreme):
    """One-hot mask of the first position (row-major over the reduced axes) holding each group's extreme."""
    axes = _reduced_axes(x, axis)
    kept = [a for a in range(x.ndim) if a not in axes]
    mask = np.zeros(x.shape, bool)
    for outer in np.ndindex(*[x.shape[a] for a in kept]):
        group = []
        for inner in np.ndindex(*[x.shape[a] for a in axes]):
            index = [0] * x.ndim
            for a, i in zip(kept + list(axes), outer + inner):
                index[a] = i
            group.append(tuple(index))
        target = extreme([x[p] for p in group])
        mask[next(p for p in group if x[p] == target)] = True
    return mask


def _reduction_grad(extreme):
    def grad(g, x, axis=None, keepdims=False):
        if not keepdims:
            g = np.expand_dims(g, _reduced_axes(x, axis))
        return [np.broadcast_to(g, x.shape) * _first_extreme_mask(x, axis, extreme)]
    return grad


tied_max = f32([[1.0, 3.0, 3.0], [2.0, 2.0, 0.0]])
tied_min = f32([[1.0, -1.0, -1.0], [0.0, 0.0, 2.0]])
all_equal = np.ones((2, 2, 2), "float32")
for op, x, extreme in (("max", tied_max, max), ("min", tied_min, min)):
    numpy_op = getattr(np, op)
    grad = _reduction_grad(extreme)
    kink(op, "ties_all", T(x), expect=numpy_op, grad=grad)
    kink(op, "ties_axis1", T(x), kwargs={"axis": 1}, expect=numpy_op, grad=grad)
    kink(op, "ties_axis0", T(x), kwargs={"axis": 0}, expect=numpy_op, grad=grad)
    kink(op, "ties_keepdims", T(x), kwargs={"axis": -1, "keepdims": True}, expect=numpy_op, grad=grad)
    kink(op, "all_equal_axes02", T(all_equal), kwargs={"axis": (0, 2)}, expect=numpy_op, grad=grad)
    kink(op, "all_equal", T(all_equal), expect=numpy_op, grad=grad)

kink("argmax", "ties_all", T(tied_max), dtype="int32", expect=lambda x: np.int32(1))
kink("argmax", "ties_axis1", T(tied_max), kwargs={"axis": 1}, dtype="int32",
     expect=lambda x, axis: np.array([1, 0], "int32"))
kink("argmax", "ties_axis0", T(tied_max), kwargs={"axis": 0}, dtype="int32",
     expect=lambda x, axis: np.array([1, 0, 0], "int32"))
kink("argmax", "all_equal", T(all_equal), dtype="int32", expect=lambda x: np.int32(0))
kink("argmin", "ties_all", T(tied_min), dtype="int32", expect=lambda x: np.int32(1))
kink("argmin", "ties_axis1", T(tied_min), kwargs={"axis": 1}, dtype="int32",
     expect=lambda x, axis: np.array([1, 0], "int32"))
kink("argmin", "ties_axis0", T(tied_min), kwargs={"axis": 0}, dtype="int32",
     expect=lambda x, axis: np.array([1, 0, 0], "int32"))
kink("argmin", "all_equal", T(all_equal), dtype="int32", expect=lambda x: np.int32(0))

# ----------------------------------------------------------------------------------------------
# Sorting: stable order; each output's gradient goes back to the input it came from


def _stable_order_rows(name, x, order, axis=-1):
    """sort and argsort rows for ``x``, whose stable ascending order along ``axis`` is ``order``."""
    order = np.array(order)

    def scatter(g, x, axis):
        out = np.zeros(x.shape)
        np.put_along_axis(out, order, g, axis=axis)
        return [out]

    kink("sort", name, T(x), kwargs={"axis": axis}, expect=lambda x, axis: np.take_along_axis(x, order, axis=axis),
         grad=scatter)
    kink("argsort", name, T(x), kwargs={"axis": axis}, dtype="int32", expect=lambda x, axis: order.astype("int32"))


_stable_order_rows("ties", f32([3.0, 1.0, 3.0, 1.0, 2.0]), [1, 3, 4, 0, 2])
_stable_order_rows("ties_axis0", f32([[2.0, 1.0], [2.0, 1.0], [1.0, 1.0]]), [[2, 0], [0, 1], [1, 2]], axis=0)
_stable_order_rows("signed_zeros", f32([0.0, -0.0, -1.0, 0.0]), [2, 0, 1, 3])


def _top_k_rows(name, x, k, indices):
    indices = np.array(indices)

    def grad(g, x, k):
        out = np.zeros(x.shape)
        np.put_along_axis(out, indices, g, axis=-1)
        return [out]

    kink("top_k", name, T(x), k, expect=lambda x, k: (np.take_along_axis(x, indices, axis=-1),
                                                      indices.astype("int32")), grad=grad)


_top_k_rows("ties_k2", f32([1.0, 3.0, 3.0, 2.0, 3.0]), 2, [1, 2])
_top_k_rows("ties_k4", f32([1.0, 3.0, 3.0, 2.0, 3.0]), 4, [1, 2, 4, 3])
_top_k_rows("ties_rows", f32([[0.0, 0.0, 0.0], [5.0, 1.0, 5.0]]), 2, [[0, 1], [0, 2]])

# ----------------------------------------------------------------------------------------------
# max_pool: each window's gradient goes to one maximal position (any one: backends differ in which)


def _window_starts(size, window, padding):
    """Start of each window along one dimension, strides equal to the window (TensorFlow's "same")."""
    out = math.ceil(size / window) if padding == "same" else size // window
    before = max((out - 1) * window + window - size, 0) // 2 if padding == "same" else 0
    return [i * window - before for i in range(out)]


def _max_pool_grad(g, x, pool_size, padding="valid", data_format=None):
    """The expected gradient given the backend's choice: each window's cotangent on the maximal position
    that holds most of the backend's gradient in that window. A non-maximal choice or a gradient split
    between positions then differs from it. Windows tile the input here (strides == pool_size)."""
    channels_first = data_format == "channels_first"
    x, g = (np.moveaxis(a, 1, -1) if channels_first else a for a in (x, g))
    spatial = x.shape[1:-1]
    window = (pool_size,) * len(spatial) if isinstance(pool_size, int) else tuple(pool_size)
    starts = [_window_starts(n, k, padding) for n, k in zip(spatial, window)]

    def given(actual):
        actual = np.moveaxis(actual, 1, -1) if channels_first else actual
        out = np.zeros(x.shape)
        for n in range(x.shape[0]):
            for c in range(x.shape[-1]):
                for pos in np.ndindex(*g.shape[1:-1]):
                    ranges = [range(max(s[p], 0), min(s[p] + k, size))
                              for s, p, k, size in zip(starts, pos, window, spatial)]
                    taps = [(n, *tap, c) for tap in itertools.product(*ranges)]
                    largest = max(x[tap] for tap in taps)
                    maximal = [tap for tap in taps if x[tap] == largest]
                    chosen = max(maximal, key=lambda tap: abs(actual[tap]))
                    out[chosen] = g[(n, *pos, c)]
        return np.moveaxis(out, -1, 1) if channels_first else out

    return [given]


pool_1d = np.stack([f32([1.0, 1.0, 2.0, 0.0, 3.0, 3.0]), f32([-1.0, -1.0, -1.0, -1.0, 0.0, 0.0])], axis=-1)[None]
pool_2d = np.ones((1, 4, 4, 1), "float32")
pool_2d[0, 2:, 2:, 0] = [[5.0, 5.0], [5.0, 1.0]]
kink("max_pool", "ties_1d", T(pool_1d), 2, expect=naive.max_pool, grad=_max_pool_grad)
kink("max_pool", "ties_2d", T(pool_2d), 2, expect=naive.max_pool, grad=_max_pool_grad)
kink("max_pool", "ties_2d_channels_first", T(np.moveaxis(pool_2d, -1, 1).copy()), 2,
     kwargs={"data_format": "channels_first"}, expect=naive.max_pool, grad=_max_pool_grad)
kink("max_pool", "ties_same_padding", T(np.full((1, 5, 1), -1.0, "float32")), 2, kwargs={"padding": "same"},
     expect=naive.max_pool, grad=_max_pool_grad)

# ----------------------------------------------------------------------------------------------
# Composites assembled from piecewise primitives: their gradient at the primitives' kinks

kink("softplus", "at_0", at_0, expect=lambda x: np.logaddexp(0.0, x), grad=lambda g, x: [g * _sigmoid(x)],
     rule="smooth: sigmoid(x), 1/2 at x == 0, though its overflow-free formula is piecewise")
kink("log_sigmoid", "at_0", at_0, expect=lambda x: -np.logaddexp(0.0, -x), grad=lambda g, x: [g * _sigmoid(-x)],
     rule="smooth: sigmoid(-x), 1/2 at x == 0, though it is -softplus(-x)")
kink("binary_crossentropy", "logits_at_0", T(f32([0.0, 1.0, 0.5, 1.0]), diff=False), T(f32([0.0, 0.0, -0.0, 2.0])),
     kwargs={"from_logits": True},
     expect=lambda target, output, from_logits: np.logaddexp(0.0, output) - output * target,
     grad=lambda g, target, output, from_logits: [g * (_sigmoid(output) - target)],
     rule="smooth in the logits: sigmoid(output) - target, 1/2 - target at output == 0")
kink("softsign", "at_0", at_0, expect=lambda x: x / (np.abs(x) + 1), grad=lambda g, x: [g / (np.abs(x) + 1) ** 2],
     rule="abs's rule (0 at 0) keeps the gradient 1 / (1 + |x|)**2: 1 at x == 0")
kink("norm", "ord1_at_0", at_0, kwargs={"ord": 1}, expect=lambda x, ord: np.sum(np.abs(x)),
     grad=lambda g, x, ord: [g * np.sign(x)], rule="ord=1 follows abs: 0 at x == 0")
kink("norm", "inf_ties", T(f32([-2.0, 2.0, 1.0, 0.0])), kwargs={"ord": float("inf")},
     expect=lambda x, ord: np.max(np.abs(x)), grad=lambda g, x, ord: [g * np.array([-1.0, 0.0, 0.0, 0.0])],
     rule="ord=inf follows abs and max: at a tie of |x| (here -2 and 2) the first position takes the gradient")
kink("clip_by_global_norm_factor", "at_clip_norm", T(np.float32(4.0)), 2.0,
     expect=lambda s, c: np.float64(min(1.0, c / np.sqrt(s))), grad=lambda g, s, c: [-g * c / (2 * s ** 1.5)],
     rule="maximum's rule: at global_norm == clip_norm the tie goes to global_norm, so the gradient is "
          "that of clip_norm / global_norm, -clip_norm / (2 * norms_squared_sum ** 1.5)")

# ----------------------------------------------------------------------------------------------
# Keras 3's further activations (ops/nn.py)

kink("hard_swish", "at_minus3_and_3", at_hard_kinks, expect=lambda x: x * _hard_sigmoid(x),
     grad=lambda g, x: [g * (_hard_sigmoid(x) + x * _hard_sigmoid_slope(x))])
kink("celu", "at_0", at_0, expect=lambda x: np.where(x > 0, x, np.expm1(np.minimum(x, 0))),
     grad=lambda g, x: [g * np.where(x > 0, 1.0, np.exp(np.minimum(x, 0)))])
kink("celu", "at_0_alpha", at_0, kwargs={"alpha": 0.5},
     expect=lambda x, alpha: np.where(x > 0, x, alpha * np.expm1(np.minimum(x, 0) / alpha)),
     grad=lambda g, x, alpha: [g * np.where(x > 0, 1.0, np.exp(np.minimum(x, 0) / alpha))])
at_unit_kinks = T(f32([-2.0, -1.0, 0.0, 1.0, 2.0]))
kink("hard_tanh", "at_minus1_and_1", at_unit_kinks, expect=lambda x: np.clip(x, -1, 1),
     grad=lambda g, x: [g * (np.abs(x) <= 1)])
kink("sparse_sigmoid", "at_minus1_and_1", at_unit_kinks, expect=lambda x: np.clip((x + 1) / 2, 0, 1),
     grad=lambda g, x: [g * 0.5 * (np.abs(x) <= 1)])
kink("sparse_plus", "at_minus1_and_1", at_unit_kinks,
     expect=lambda x: np.where(x <= -1, 0.0, np.where(x < 1, (x + 1) ** 2 / 4, x)),
     grad=lambda g, x: [g * np.where(x <= -1, 0.0, np.where(x < 1, (x + 1) / 2, 1.0))])
at_half_kinks = T(f32([-1.0, -0.5, 0.0, 0.5, 1.0]))
kink("hard_shrink", "at_threshold", at_half_kinks, expect=lambda x: np.where(np.abs(x) > 0.5, x, 0.0),
     grad=lambda g, x: [g * (np.abs(x) > 0.5)])
kink("soft_shrink", "at_threshold", at_half_kinks,
     expect=lambda x: np.sign(x) * np.maximum(np.abs(x) - 0.5, 0.0), grad=lambda g, x: [g * (np.abs(x) > 0.5)])
kink("threshold", "at_threshold", at_half_kinks, 0.5, -3.0, expect=lambda x, t, v: np.where(x > t, x, v),
     grad=lambda g, x, t, v: [g * (x > t)])
# Ties: 1 and 1 share the support (value 1/2 each); -1 is outside. Jacobian on the support: I - 1/k.
kink("sparsemax", "ties", T(f32([1.0, 1.0, -1.0])), expect=lambda x: np.array([0.5, 0.5, 0.0]),
     grad=lambda g, x: [np.where(np.arange(3) < 2, g - (g[0] + g[1]) / 2, 0.0)])
# 0 equals tau exactly: its value is 0 and it gets no gradient; the support {1} alone has Jacobian 1 - 1 = 0.
kink("sparsemax", "entry_at_tau", T(f32([1.0, 0.0, -1.0])), expect=lambda x: np.array([1.0, 0.0, 0.0]),
     grad=lambda g, x: [np.zeros(3)])
