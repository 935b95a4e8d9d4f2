"""Fused optimizer updates for the NumPy backend (see kerafront/optimizers/optimizer.py's contract).

One NumPy expression chain per variable instead of a dozen dispatched ops; the result equals the
generic per-variable update (conformance_tests/test_optimizers.py compares both). Declines (returns
``None``) for kinds it does not fuse and for boxed values (under ``value_and_grad``).
"""

import numpy as np


def _adam(params, grads, slots, learning_rate, step, hp, in_place):
    beta_1, beta_2, epsilon = hp["beta_1"], hp["beta_2"], hp["epsilon"]
    alpha = learning_rate * np.sqrt(1.0 - beta_2 ** step) / (1.0 - beta_1 ** step)
    new_params, new_m, new_v, new_v_hat = [], [], [], []
    v_hats = slots.get("velocity_hat")
    for index, (p, g, m, v) in enumerate(zip(params, grads, slots["momentum"], slots["velocity"])):
        dtype = p.dtype
        m = m + (g - m) * dtype.type(1.0 - beta_1)
        v = v + (g * g - v) * dtype.type(1.0 - beta_2)
        denominator_v = v
        if hp["amsgrad"]:
            denominator_v = np.maximum(v_hats[index], v)
            new_v_hat.append(denominator_v)
        update = m * alpha.astype(dtype) / (np.sqrt(denominator_v) + dtype.type(epsilon))
        new_params.append(p - update)  # never in place: callers may still hold the old array
        new_m.append(m)
        new_v.append(v)
    result = {"momentum": new_m, "velocity": new_v}
    if hp["amsgrad"]:
        result["velocity_hat"] = new_v_hat
    return new_params, result


def _sgd(params, grads, slots, learning_rate, step, hp, in_place):
    momentum, new_params, new_m = hp["momentum"], [], []
    for index, (p, g) in enumerate(zip(params, grads)):
        delta = g * learning_rate.astype(p.dtype)
        if momentum:
            m = slots["momentum"][index] * p.dtype.type(momentum) - delta
            new_m.append(m)
            delta = -(m * p.dtype.type(momentum) - delta) if hp["nesterov"] else -m
        new_params.append(p - delta)
    return new_params, ({"momentum": new_m} if momentum else {})


_KINDS = {"adam": _adam, "sgd": _sgd}


def fused_optimizer_update(kind, params, grads, slots, learning_rate, step, hyperparameters, in_place):
    update = _KINDS.get(kind)
    values = list(params) + list(grads) + [learning_rate, step] + [s for lst in slots.values() for s in lst]
    if update is None or not all(type(v) is np.ndarray for v in values):
        return None
    return update(params, grads, slots, learning_rate, step, hyperparameters, in_place)
