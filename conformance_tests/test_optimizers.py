"""Level 4 (optimizers): on every backend, each optimizer's updates follow a NumPy float64 reference
of Keras 3's formulas for several steps, eagerly and through ``stateless_apply`` inside the
backend's ``compile`` (``jax.jit``, ``tf.function``), and a backend's fused update (when it offers
``fused_optimizer_update``) agrees with the generic one.

Tolerance: float32 x ``reduction`` class (rtol 1e-4, atol 1e-5): four chained steps of
elementwise float32 arithmetic against float64, where ``sqrt``/``power`` differ by a few ulp
between backends and the adaptive optimizers divide by small second moments.
"""

import math

import numpy as np
import pytest

import kerafront
from kerafront import optimizers
from kerafront.optimizers import schedules

from conformance_tests import harness, tolerances

STEPS = 4
SHAPES = ((3, 2), (4,))


def _piecewise(step):
    return 0.2 if step <= 1 else 0.05


def _exponential_staircase(step):
    return 0.1 * 0.5 ** math.floor(step / 2)


def _cosine_warmup(step, initial=0.01, target=0.2, warmup=2, decay=5):
    step = min(step, warmup + decay)
    if step < warmup:
        return initial + (target - initial) * step / warmup
    return target * 0.5 * (1 + math.cos(math.pi * (step - warmup) / decay))


# id -> (reference kind, constructor, reference options, learning rate at step s (0-based))
CASES = {
    "sgd": ("sgd", lambda: optimizers.SGD(0.1), {}, 0.1),
    "sgd_momentum": ("sgd", lambda: optimizers.SGD(0.1, momentum=0.9), {"momentum": 0.9}, 0.1),
    "sgd_nesterov_global_clipnorm": ("sgd", lambda: optimizers.SGD(0.1, momentum=0.8, nesterov=True,
                                                                   global_clipnorm=1.5),
                                     {"momentum": 0.8, "nesterov": True, "global_clipnorm": 1.5}, 0.1),
    "sgd_clipvalue_piecewise": ("sgd", lambda: optimizers.SGD(schedules.PiecewiseConstantDecay([1], [0.2, 0.05]),
                                                              clipvalue=0.5), {"clipvalue": 0.5}, _piecewise),
    "adagrad": ("adagrad", lambda: optimizers.Adagrad(0.1), {}, 0.1),
    "rmsprop": ("rmsprop", lambda: optimizers.RMSprop(0.01), {}, 0.01),
    "rmsprop_centered_momentum": ("rmsprop", lambda: optimizers.RMSprop(0.01, momentum=0.5, centered=True),
                                  {"momentum": 0.5, "centered": True}, 0.01),
    "adam": ("adam", lambda: optimizers.Adam(0.05), {}, 0.05),
    "adam_amsgrad_clipnorm": ("adam", lambda: optimizers.Adam(0.05, amsgrad=True, clipnorm=0.7),
                              {"amsgrad": True, "clipnorm": 0.7}, 0.05),
    "adam_weight_decay_exponential": ("adam", lambda: optimizers.Adam(
        schedules.ExponentialDecay(0.1, 2, 0.5, staircase=True), weight_decay=0.05), {"weight_decay": 0.05},
        _exponential_staircase),
    "adamw_cosine_warmup": ("adam", lambda: optimizers.AdamW(schedules.CosineDecay(
        0.01, 5, warmup_target=0.2, warmup_steps=2)), {"weight_decay": 0.004}, _cosine_warmup),
    "adamax": ("adamax", lambda: optimizers.Adamax(0.05), {}, 0.05),
    "nadam": ("nadam", lambda: optimizers.Nadam(0.05), {}, 0.05),
}
COMPILED = ["sgd_nesterov_global_clipnorm", "sgd_clipvalue_piecewise", "rmsprop_centered_momentum",
            "adam_amsgrad_clipnorm", "adamw_cosine_warmup", "adamax", "nadam"]


def _data():
    rng = np.random.default_rng(7)
    params = [rng.normal(size=s).astype("float32") for s in SHAPES]
    grads = [[rng.normal(size=s).astype("float32") for s in SHAPES] for _ in range(STEPS)]
    return params, grads


# ----------------------------------------------------------------------------------------------
# The NumPy float64 reference: one function per update rule (Keras 3's formulas).

def _sgd(p, g, s, lr, t, o):
    mu = o.get("momentum", 0.0)
    if mu == 0:
        return p - lr * g
    s["m"] = mu * s.get("m", 0.0) - lr * g
    return p + (mu * s["m"] - lr * g if o.get("nesterov") else s["m"])


def _adagrad(p, g, s, lr, t, o):
    s["a"] = s.get("a", 0.1) + g * g
    return p - lr * g / np.sqrt(s["a"] + 1e-7)


def _rmsprop(p, g, s, lr, t, o, rho=0.9, eps=1e-7):
    s["v"] = rho * s.get("v", 0.0) + (1 - rho) * g * g
    denominator = s["v"] + eps
    if o.get("centered"):
        s["a"] = rho * s.get("a", 0.0) + (1 - rho) * g
        denominator = denominator - s["a"] ** 2
    increment = lr * g / np.sqrt(denominator)
    if o.get("momentum"):
        s["m"] = o["momentum"] * s.get("m", 0.0) + increment
        increment = s["m"]
    return p - increment


def _adam(p, g, s, lr, t, o, b1=0.9, b2=0.999, eps=1e-7):
    s["m"] = b1 * s.get("m", 0.0) + (1 - b1) * g
    s["v"] = b2 * s.get("v", 0.0) + (1 - b2) * g * g
    v = s["v"]
    if o.get("amsgrad"):
        s["vhat"] = v = np.maximum(s.get("vhat", 0.0), v)
    return p - lr * math.sqrt(1 - b2 ** t) / (1 - b1 ** t) * s["m"] / (np.sqrt(v) + eps)


def _adamax(p, g, s, lr, t, o, b1=0.9, b2=0.999, eps=1e-7):
    s["m"] = b1 * s.get("m", 0.0) + (1 - b1) * g
    s["u"] = np.maximum(b2 * s.get("u", 0.0), np.abs(g))
    return p - lr * s["m"] / ((1 - b1 ** t) * (s["u"] + eps))


def _nadam(p, g, s, lr, t, o, b1=0.9, b2=0.999, eps=1e-7):
    mu_t, mu_next = (b1 * (1 - 0.5 * 0.96 ** k) for k in (t, t + 1))
    product = o["u_product"]                      # shared by all variables, updated once per step
    s["m"] = b1 * s.get("m", 0.0) + (1 - b1) * g
    s["v"] = b2 * s.get("v", 0.0) + (1 - b2) * g * g
    m_hat = mu_next * s["m"] / (1 - product * mu_next) + (1 - mu_t) * g / (1 - product)
    return p - lr * m_hat / (np.sqrt(s["v"] / (1 - b2 ** t)) + eps)


RULES = {"sgd": _sgd, "adagrad": _adagrad, "rmsprop": _rmsprop, "adam": _adam, "adamax": _adamax, "nadam": _nadam}


def _clip(grads, options):
    if "clipnorm" in options:
        c = options["clipnorm"]
        return [g * c / max(np.sqrt((g * g).sum()), c) for g in grads]
    if "global_clipnorm" in options:
        c = options["global_clipnorm"]
        norm = np.sqrt(sum((g * g).sum() for g in grads))
        return [g * c / max(norm, c) for g in grads]
    if "clipvalue" in options:
        return [np.clip(g, -options["clipvalue"], options["clipvalue"]) for g in grads]
    return grads


def reference_trajectory(case_id, params, grads_per_step):
    """Parameters after each step, in float64 (list of steps, each a list of arrays)."""
    kind, _, options, learning_rate = CASES[case_id]
    options = dict(options, u_product=1.0)
    params = [p.astype(np.float64) for p in params]
    states = [{} for _ in params]
    out = []
    for t, grads in enumerate(grads_per_step, start=1):
        lr = learning_rate(t - 1) if callable(learning_rate) else learning_rate
        grads = _clip([g.astype(np.float64) for g in grads], options)
        if "weight_decay" in options:
            params = [p - p * options["weight_decay"] * lr for p in params]
        options["u_product"] *= 0.9 * (1 - 0.5 * 0.96 ** t)
        params = [RULES[kind](p, g, s, lr, t, options) for p, g, s in zip(params, grads, states)]
        out.append(params)
    return out


# ----------------------------------------------------------------------------------------------

def _check(case_id, backend, step, actual, expected):
    rtol, atol = tolerances.tolerance("float32", "reduction")
    problems = []
    for i, (a, e) in enumerate(zip(actual, expected)):
        a = kerafront.ops.convert_to_numpy(a)
        reason = tolerances.mismatch(a, e, rtol, atol)
        max_abs, max_rel = tolerances.errors(a, e)
        harness.RECORDS.append(("optimizer", backend, "float32", max_abs, max_rel, reason is None))
        if reason is not None:
            problems.append(f"optimizer={case_id} backend={backend} step={step} variable[{i}]: {reason}; "
                            f"max abs err {max_abs:.3g}")
    return problems


@pytest.mark.parametrize("case_id", list(CASES))
def test_eager_updates_follow_reference(backend, case_id):
    params, grads = _data()
    expected = reference_trajectory(case_id, params, grads)
    problems = []
    with kerafront.backend_scope(backend):
        variables = [kerafront.Variable(p, name=f"v{i}") for i, p in enumerate(params)]
        optimizer = CASES[case_id][1]()
        for step, (step_grads, want) in enumerate(zip(grads, expected), start=1):
            optimizer.apply([kerafront.ops.convert_to_tensor(g) for g in step_grads], variables)
            problems += _check(case_id, backend, step, [v.value for v in variables], want)
        assert int(kerafront.ops.convert_to_numpy(optimizer.iterations.value)) == STEPS
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize("case_id", COMPILED)
def test_compiled_stateless_apply_follows_reference(backend, case_id):
    params, grads = _data()
    expected = reference_trajectory(case_id, params, grads)
    problems = []
    with kerafront.backend_scope(backend):
        ops = kerafront.ops
        variables = [kerafront.Variable(p, name=f"v{i}") for i, p in enumerate(params)]
        optimizer = CASES[case_id][1]()
        optimizer.build(variables)
        step_fn = ops.compile(lambda opt_values, step_grads, values: optimizer.stateless_apply(
            opt_values, step_grads, values))
        optimizer_values = [v.value for v in optimizer.variables]
        values = [v.value for v in variables]
        for step, (step_grads, want) in enumerate(zip(grads, expected), start=1):
            values, optimizer_values = step_fn(list(optimizer_values), [ops.convert_to_tensor(g) for g in step_grads],
                                               list(values))
            problems += _check(case_id, backend, step, values, want)
        assert int(ops.convert_to_numpy(optimizer_values[0])) == STEPS
        np.testing.assert_array_equal(variables[0].numpy(), params[0])   # stateless: nothing written
    assert not problems, "\n".join(problems)


FUSED_CASES = ["sgd_momentum", "sgd_nesterov_global_clipnorm", "adagrad", "rmsprop_centered_momentum",
               "adam_amsgrad_clipnorm", "adamw_cosine_warmup", "adamax"]


def _run_steps(case_id, params, grads, fused, stateless):
    """``stateless``: through ``stateless_apply`` (the given values must come back unchanged);
    otherwise ``apply`` updates the variables (in place where the backend's fused update can)."""
    variables = [kerafront.Variable(p) for p in params]
    optimizer = CASES[case_id][1]()
    if not fused:
        optimizer.fused_kind = None
    optimizer.build(variables)
    values, optimizer_values = [v.value for v in variables], [v.value for v in optimizer.variables]
    for step_grads in grads:
        step_grads = [kerafront.ops.convert_to_tensor(g) for g in step_grads]
        if stateless:
            before = [kerafront.ops.convert_to_numpy(v) for v in list(values) + list(optimizer_values)]
            given = list(values) + list(optimizer_values)
            values, optimizer_values = optimizer.stateless_apply(optimizer_values, step_grads, values)
            for old, tensor in zip(before, given):
                np.testing.assert_array_equal(kerafront.ops.convert_to_numpy(tensor), old,
                                              err_msg=f"{case_id}: stateless_apply changed its input")
        else:
            optimizer.apply(step_grads, variables)
    if not stateless:
        values, optimizer_values = [v.value for v in variables], [v.value for v in optimizer.variables]
    return [kerafront.ops.convert_to_numpy(v) for v in list(values) + list(optimizer_values)]


def test_fused_update_matches_generic(backend):
    module = kerafront.registry.load(backend)
    if not hasattr(module, "fused_optimizer_update"):
        pytest.skip(f"backend {backend!r} offers no fused_optimizer_update")
    params, grads = _data()
    rtol, atol = tolerances.tolerance("float32", "reduction")
    problems = []
    with kerafront.backend_scope(backend):
        for case_id in FUSED_CASES:
            for stateless in (False, True):
                fused = _run_steps(case_id, params, grads, fused=True, stateless=stateless)
                generic = _run_steps(case_id, params, grads, fused=False, stateless=stateless)
                for i, (a, b) in enumerate(zip(fused, generic)):
                    reason = tolerances.mismatch(a, b, rtol, atol)
                    if reason is not None:
                        problems.append(f"optimizer={case_id} backend={backend} stateless={stateless} "
                                        f"value[{i}]: fused differs from generic: {reason}")
    assert not problems, "\n".join(problems)
