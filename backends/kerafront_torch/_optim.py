"""``fused_optimizer_update``: the optional fused optimizer hook (see ``kerafront/optimizers/optimizer.py``).

Each update is the generic Keras formula of the optimizer, written with torch's multi-tensor
``torch._foreach_*`` ops: one call per arithmetic step over all parameters instead of a chain of
dispatched ops per variable. Per-step scalars (learning rate, bias corrections) stay 0-d tensors,
so there is no host sync. With ``in_place`` the parameters and slots are overwritten (``_foreach_copy_``)
and returned; otherwise new tensors are returned and the inputs are left untouched.

Declines (returns ``None``, so the generic path runs) for an unknown ``kind``, non-tensor or
non-float inputs, or parameters/gradients that do not share one dtype and device.
"""

import math

import torch

from kerafront_torch._convert import Tensor


def _adam(params, grads, slots, lr, step, hp, in_place=False):
    """Adam in 6 multi-tensor ops on CPU. ``in_place`` overwrites ``params`` and the slots (no new
    tensors, no copies back); otherwise new tensors are returned and the inputs are left untouched."""
    b1, b2 = hp["beta_1"], hp["beta_2"]
    if in_place:
        m_new, v_new = slots["momentum"], slots["velocity"]
        torch._foreach_lerp_(m_new, grads, 1.0 - b1)  # m + (g - m) * (1 - beta_1)
        torch._foreach_lerp_(v_new, torch._foreach_mul(grads, grads), 1.0 - b2)
    else:
        m_new = torch._foreach_lerp(slots["momentum"], grads, 1.0 - b1)
        v_new = torch._foreach_lerp(slots["velocity"], torch._foreach_mul(grads, grads), 1.0 - b2)
    new_slots = {"momentum": m_new, "velocity": v_new}
    second = v_new
    if hp["amsgrad"]:
        if in_place:
            torch._foreach_maximum_(slots["velocity_hat"], v_new)
            second = new_slots["velocity_hat"] = slots["velocity_hat"]
        else:
            second = new_slots["velocity_hat"] = torch._foreach_maximum(slots["velocity_hat"], v_new)
    denominator = torch._foreach_sqrt(second)
    torch._foreach_add_(denominator, hp["epsilon"])
    if lr.device.type == "cpu":
        # Host scalars cost no sync on CPU: the step size is one Python float and the update one
        # fused ``p - alpha * m / denominator``.
        t = float(step)
        alpha = float(lr) * math.sqrt(1.0 - b2 ** t) / (1.0 - b1 ** t)
        if in_place:
            torch._foreach_addcdiv_(params, m_new, denominator, value=-alpha)
            return params, new_slots
        return torch._foreach_addcdiv(params, m_new, denominator, value=-alpha), new_slots
    alpha = lr * torch.sqrt(1.0 - torch.pow(b2, step)) / (1.0 - torch.pow(b1, step))
    update = torch._foreach_mul(m_new, alpha.to(params[0].dtype))
    torch._foreach_div_(update, denominator)
    if in_place:
        torch._foreach_sub_(params, update)
        return params, new_slots
    return torch._foreach_sub(params, update), new_slots


def _moving_average(old, target, weight):
    """``old + (target - old) * weight`` (Keras's form of an exponential moving average)."""
    delta = torch._foreach_sub(target, old)
    torch._foreach_mul_(delta, weight)
    return torch._foreach_add(old, delta)


def _sgd(params, grads, slots, lr, step, hp):
    scaled = torch._foreach_mul(grads, lr.to(params[0].dtype))
    mu = hp["momentum"]
    if mu == 0:
        return torch._foreach_sub(params, scaled), {}
    m_new = torch._foreach_mul(slots["momentum"], mu)
    torch._foreach_sub_(m_new, scaled)
    if hp["nesterov"]:
        change = torch._foreach_mul(m_new, mu)
        torch._foreach_sub_(change, scaled)
        return torch._foreach_add(params, change), {"momentum": m_new}
    return torch._foreach_add(params, m_new), {"momentum": m_new}


def _rmsprop(params, grads, slots, lr, step, hp):
    rho, eps, mu = hp["rho"], hp["epsilon"], hp["momentum"]
    v_new = torch._foreach_mul(slots["velocity"], rho)
    squared = torch._foreach_mul(grads, grads)
    torch._foreach_mul_(squared, 1.0 - rho)
    torch._foreach_add_(v_new, squared)
    new_slots = {"velocity": v_new}
    if hp["centered"]:
        a_new = torch._foreach_mul(slots["average_gradient"], rho)
        torch._foreach_add_(a_new, torch._foreach_mul(grads, 1.0 - rho))
        new_slots["average_gradient"] = a_new
        denominator = torch._foreach_sub(v_new, torch._foreach_mul(a_new, a_new))
        torch._foreach_add_(denominator, eps)
    else:
        denominator = torch._foreach_add(v_new, eps)
    increment = torch._foreach_mul(grads, lr.to(params[0].dtype))
    torch._foreach_div_(increment, torch._foreach_sqrt(denominator))
    if mu > 0:
        increment = torch._foreach_add(torch._foreach_mul(slots["momentum"], mu), increment)
        new_slots["momentum"] = increment
    return torch._foreach_sub(params, increment), new_slots


def _adagrad(params, grads, slots, lr, step, hp):
    accumulator = torch._foreach_add(slots["accumulator"], torch._foreach_mul(grads, grads))
    denominator = torch._foreach_add(accumulator, hp["epsilon"])
    torch._foreach_sqrt_(denominator)
    increment = torch._foreach_mul(grads, lr.to(params[0].dtype))
    torch._foreach_div_(increment, denominator)
    return torch._foreach_sub(params, increment), {"accumulator": accumulator}


def _adamax(params, grads, slots, lr, step, hp):
    b1 = hp["beta_1"]
    lr_t = (lr / (1.0 - torch.pow(b1, step))).to(params[0].dtype)
    m_new = _moving_average(slots["momentum"], grads, 1.0 - b1)
    u_new = torch._foreach_maximum(torch._foreach_mul(slots["norm"], hp["beta_2"]), torch._foreach_abs(grads))
    update = torch._foreach_mul(m_new, lr_t)
    torch._foreach_div_(update, torch._foreach_add(u_new, hp["epsilon"]))
    return torch._foreach_sub(params, update), {"momentum": m_new, "norm": u_new}


_UPDATES = {"adam": _adam, "sgd": _sgd, "rmsprop": _rmsprop, "adagrad": _adagrad, "adamax": _adamax}


def _uniform(tensors, dtype, device):
    return all(isinstance(t, Tensor) and t.dtype is dtype and t.device == device for t in tensors)


def fused_optimizer_update(kind, params, grads, slots, learning_rate, step, hyperparameters, in_place):
    """One optimizer step over all ``params``; ``(new_params, new_slots)`` or ``None`` to decline."""
    update = _UPDATES.get(kind)
    if update is None or not params or len(grads) != len(params):
        return None
    first = params[0]
    if not isinstance(first, Tensor) or not first.is_floating_point():
        return None
    dtype, device = first.dtype, first.device
    if not (_uniform(params, dtype, device) and _uniform(grads, dtype, device)
            and all(_uniform(values, dtype, device) for values in slots.values())):
        return None
    if not (isinstance(learning_rate, Tensor) and isinstance(step, Tensor)):
        return None
    with torch.no_grad():
        if learning_rate.device != device:
            learning_rate = learning_rate.to(device)
        if step.device != device:
            step = step.to(device)
        if in_place and update is _adam:
            _adam(list(params), list(grads), {k: list(v) for k, v in slots.items()}, learning_rate, step,
                  hyperparameters, in_place=True)
            return params, slots
        new_params, new_slots = update(list(params), list(grads), {k: list(v) for k, v in slots.items()},
                                       learning_rate, step, hyperparameters)
        if not in_place:
            return new_params, {name: new_slots.get(name, list(values)) for name, values in slots.items()}
        torch._foreach_copy_(list(params), new_params)
        for name, values in slots.items():
            if name in new_slots:
                torch._foreach_copy_(list(values), new_slots[name])
    return params, slots
