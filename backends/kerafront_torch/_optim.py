"""``fused_optimizer_update``: the optional fused optimizer hook (see ``kerafront/optimizers/optimizer.py``).

Each update is the generic Keras formula of the optimizer, written with torch's multi-tensor
``torch._foreach_*`` ops: one call per arithmetic step over all parameters instead of a chain of
dispatched ops per variable, updating the parameter and slot tensors it is given in place. Per-step
scalars (learning rate, bias corrections) stay 0-d tensors, so there is no host sync (except Adam on
the CPU, where the step size is computed on the host). With ``in_place`` the caller's parameters and
slots are overwritten and returned; otherwise the update runs on copies, which are returned, and
the inputs are left untouched.

Declines (returns ``None``, so the generic path runs) for an unknown ``kind``, non-tensor or
non-float inputs, or parameters/gradients that do not share one dtype and device.
"""

import math

import torch

from kerafront_torch._convert import Tensor


def _adam(params, grads, slots, lr, step, hp):
    b1, b2 = hp["beta_1"], hp["beta_2"]
    m, v = slots["momentum"], slots["velocity"]
    torch._foreach_lerp_(m, grads, 1.0 - b1)  # m + (g - m) * (1 - beta_1)
    torch._foreach_lerp_(v, torch._foreach_mul(grads, grads), 1.0 - b2)
    second = v
    if hp["amsgrad"]:
        second = slots["velocity_hat"]
        torch._foreach_maximum_(second, v)
    denominator = torch._foreach_sqrt(second)
    torch._foreach_add_(denominator, hp["epsilon"])
    if lr.device.type == "cpu":
        # Host scalars cost no sync on CPU: the step size is one Python float and the update one
        # fused ``p - alpha * m / denominator``.
        t = float(step)
        alpha = float(lr) * math.sqrt(1.0 - b2 ** t) / (1.0 - b1 ** t)
        torch._foreach_addcdiv_(params, m, denominator, value=-alpha)
        return
    alpha = lr * torch.sqrt(1.0 - torch.pow(b2, step)) / (1.0 - torch.pow(b1, step))
    update = torch._foreach_mul(m, alpha.to(params[0].dtype))
    torch._foreach_div_(update, denominator)
    torch._foreach_sub_(params, update)


def _sgd(params, grads, slots, lr, step, hp):
    scaled = torch._foreach_mul(grads, lr.to(params[0].dtype))
    mu = hp["momentum"]
    if mu == 0:
        torch._foreach_sub_(params, scaled)
        return
    m = slots["momentum"]
    torch._foreach_mul_(m, mu)
    torch._foreach_sub_(m, scaled)
    if hp["nesterov"]:
        change = torch._foreach_mul(m, mu)
        torch._foreach_sub_(change, scaled)
        torch._foreach_add_(params, change)
    else:
        torch._foreach_add_(params, m)


def _rmsprop(params, grads, slots, lr, step, hp):
    rho, eps, mu = hp["rho"], hp["epsilon"], hp["momentum"]
    v = slots["velocity"]
    torch._foreach_mul_(v, rho)
    squared = torch._foreach_mul(grads, grads)
    torch._foreach_mul_(squared, 1.0 - rho)
    torch._foreach_add_(v, squared)
    if hp["centered"]:
        a = slots["average_gradient"]
        torch._foreach_mul_(a, rho)
        torch._foreach_add_(a, torch._foreach_mul(grads, 1.0 - rho))
        denominator = torch._foreach_sub(v, torch._foreach_mul(a, a))
        torch._foreach_add_(denominator, eps)
    else:
        denominator = torch._foreach_add(v, eps)
    increment = torch._foreach_mul(grads, lr.to(params[0].dtype))
    torch._foreach_div_(increment, torch._foreach_sqrt(denominator))
    if mu > 0:
        momentum = slots["momentum"]
        torch._foreach_mul_(momentum, mu)
        torch._foreach_add_(momentum, increment)
        increment = momentum   # the new momentum is the step taken
    torch._foreach_sub_(params, increment)


def _adagrad(params, grads, slots, lr, step, hp):
    accumulator = slots["accumulator"]
    torch._foreach_add_(accumulator, torch._foreach_mul(grads, grads))
    denominator = torch._foreach_add(accumulator, hp["epsilon"])
    torch._foreach_sqrt_(denominator)
    increment = torch._foreach_mul(grads, lr.to(params[0].dtype))
    torch._foreach_div_(increment, denominator)
    torch._foreach_sub_(params, increment)


def _adamax(params, grads, slots, lr, step, hp):
    b1 = hp["beta_1"]
    lr_t = (lr / (1.0 - torch.pow(b1, step))).to(params[0].dtype)
    m, u = slots["momentum"], slots["norm"]
    torch._foreach_lerp_(m, grads, 1.0 - b1)
    torch._foreach_mul_(u, hp["beta_2"])
    torch._foreach_maximum_(u, torch._foreach_abs(grads))
    update = torch._foreach_mul(m, lr_t)
    torch._foreach_div_(update, torch._foreach_add(u, hp["epsilon"]))
    torch._foreach_sub_(params, update)


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
        # The updates overwrite the tensors they are given: the caller's own when it allows it (as
        # torch.optim does), else copies, so the caller's tensors are left untouched.
        if in_place:
            params, slots = list(params), {name: list(values) for name, values in slots.items()}
        else:
            params = [p.clone() for p in params]
            slots = {name: [t.clone() for t in values] for name, values in slots.items()}
        update(params, list(grads), slots, learning_rate, step, hyperparameters)
    return params, slots
