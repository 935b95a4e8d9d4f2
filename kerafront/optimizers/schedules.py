"""Learning-rate schedules: ``schedule(step) -> learning rate`` (Keras 3 formulas).

``step`` is the optimizer's ``iterations`` (an int tensor, possibly traced inside a compiled step),
so schedules use tensor ops only (``where`` instead of Python branches) and return a floatx
scalar tensor.
"""

import math

from kerafront import _lookup, config, ops
from kerafront.saving import serialization as _serialization


def _step(step):
    return ops.cast(ops.convert_to_tensor(step), config.floatx())


def _positive_decay_steps(schedule, decay_steps):
    if decay_steps <= 0:
        raise ValueError(f"{schedule}: decay_steps must be > 0, got {decay_steps!r}.")
    return decay_steps


class LearningRateSchedule(_lookup.Configurable):
    """Base class: implement ``__call__(step)`` and ``get_config()``."""

    def __call__(self, step):
        raise NotImplementedError(f"{type(self).__name__} must implement __call__(step).")

    def get_config(self):
        raise NotImplementedError(f"{type(self).__name__} must implement get_config().")


class ExponentialDecay(LearningRateSchedule):
    """``initial_learning_rate * decay_rate ** (step / decay_steps)``; with ``staircase`` the
    exponent is floored (the rate drops every ``decay_steps`` steps)."""

    def __init__(self, initial_learning_rate, decay_steps, decay_rate, staircase=False, name="ExponentialDecay"):
        self.decay_steps = _positive_decay_steps("ExponentialDecay", decay_steps)
        self.initial_learning_rate = float(initial_learning_rate)
        self.decay_rate = float(decay_rate)
        self.staircase = staircase
        self.name = name

    def __call__(self, step):
        exponent = ops.divide(_step(step), float(self.decay_steps))
        if self.staircase:
            exponent = ops.floor(exponent)
        return ops.multiply(ops.power(self.decay_rate, exponent), self.initial_learning_rate)

    def get_config(self):
        return {"initial_learning_rate": self.initial_learning_rate, "decay_steps": self.decay_steps,
                "decay_rate": self.decay_rate, "staircase": self.staircase, "name": self.name}


class PiecewiseConstantDecay(LearningRateSchedule):
    """``values[0]`` for ``step <= boundaries[0]``, ``values[i]`` for ``boundaries[i-1] < step <=
    boundaries[i]``, ``values[-1]`` after the last boundary."""

    def __init__(self, boundaries, values, name="PiecewiseConstant"):
        if len(boundaries) != len(values) - 1:
            raise ValueError(f"PiecewiseConstantDecay: needs one more value than boundaries, got "
                             f"{len(boundaries)} boundaries {list(boundaries)} and {len(values)} values "
                             f"{list(values)}.")
        if list(boundaries) != sorted(boundaries):
            raise ValueError(f"PiecewiseConstantDecay: boundaries must be increasing, got {list(boundaries)}.")
        self.boundaries = list(boundaries)
        self.values = [float(v) for v in values]
        self.name = name

    def __call__(self, step):
        step = _step(step)
        result = ops.full((), self.values[-1], dtype=config.floatx())
        for boundary, value in zip(reversed(self.boundaries), reversed(self.values[:-1])):
            result = ops.where(ops.less_equal(step, float(boundary)), value, result)
        return result

    def get_config(self):
        return {"boundaries": self.boundaries, "values": self.values, "name": self.name}


class CosineDecay(LearningRateSchedule):
    """Optional linear warmup, then cosine decay (Loshchilov & Hutter, without restarts).

    Without ``warmup_target``: ``lr(step) = initial * ((1 - alpha) * 0.5 * (1 + cos(pi * s / decay_steps))
    + alpha)`` with ``s = min(step, decay_steps)``. With ``warmup_target``: for ``step <
    warmup_steps`` the rate rises linearly from ``initial_learning_rate`` to ``warmup_target``;
    afterwards the cosine decay above runs from ``warmup_target`` over ``decay_steps`` steps
    (``step`` capped at ``warmup_steps + decay_steps``).
    """

    def __init__(self, initial_learning_rate, decay_steps, alpha=0.0, name="CosineDecay", warmup_target=None,
                 warmup_steps=0):
        self.decay_steps = _positive_decay_steps("CosineDecay", decay_steps)
        self.initial_learning_rate = float(initial_learning_rate)
        self.alpha = float(alpha)
        self.name = name
        self.warmup_target = None if warmup_target is None else float(warmup_target)
        self.warmup_steps = warmup_steps

    def _decay(self, step, start_lr):
        fraction = ops.divide(step, float(self.decay_steps))
        cosine = ops.multiply(ops.add(ops.cos(ops.multiply(fraction, math.pi)), 1.0), 0.5)
        return ops.multiply(ops.add(ops.multiply(cosine, 1.0 - self.alpha), self.alpha), start_lr)

    def __call__(self, step):
        step = _step(step)
        if self.warmup_target is None:
            return self._decay(ops.minimum(step, float(self.decay_steps)), self.initial_learning_rate)
        step = ops.minimum(step, float(self.decay_steps + self.warmup_steps))
        fraction = ops.divide(step, float(max(self.warmup_steps, 1)))
        warmup = ops.add(ops.multiply(fraction, self.warmup_target - self.initial_learning_rate),
                         self.initial_learning_rate)
        decay = self._decay(ops.subtract(step, float(self.warmup_steps)), self.warmup_target)
        return ops.where(ops.less(step, float(self.warmup_steps)), warmup, decay)

    def get_config(self):
        return {"initial_learning_rate": self.initial_learning_rate, "decay_steps": self.decay_steps,
                "alpha": self.alpha, "name": self.name, "warmup_target": self.warmup_target,
                "warmup_steps": self.warmup_steps}


class PolynomialDecay(LearningRateSchedule):
    """``(initial - end) * (1 - s / decay_steps) ** power + end`` with ``s = min(step, decay_steps)``.

    With ``cycle`` the horizon grows instead: ``decay_steps * ceil(step / decay_steps)`` (1 at step 0),
    so the rate jumps back up at every multiple of ``decay_steps``.
    """

    def __init__(self, initial_learning_rate, decay_steps, end_learning_rate=0.0001, power=1.0, cycle=False,
                 name="PolynomialDecay"):
        self.decay_steps = _positive_decay_steps("PolynomialDecay", decay_steps)
        self.initial_learning_rate = float(initial_learning_rate)
        self.end_learning_rate = float(end_learning_rate)
        self.power = float(power)
        self.cycle = cycle
        self.name = name

    def __call__(self, step):
        step = _step(step)
        horizon = float(self.decay_steps)
        if self.cycle:
            multiplier = ops.where(ops.equal(step, 0.0), 1.0, ops.ceil(ops.divide(step, horizon)))
            horizon = ops.multiply(multiplier, horizon)
        else:
            step = ops.minimum(step, horizon)
        remaining = ops.subtract(1.0, ops.divide(step, horizon))
        span = self.initial_learning_rate - self.end_learning_rate
        return ops.add(ops.multiply(ops.power(remaining, self.power), span), self.end_learning_rate)

    def get_config(self):
        return {"initial_learning_rate": self.initial_learning_rate, "decay_steps": self.decay_steps,
                "end_learning_rate": self.end_learning_rate, "power": self.power, "cycle": self.cycle,
                "name": self.name}


class InverseTimeDecay(LearningRateSchedule):
    """``initial_learning_rate / (1 + decay_rate * step / decay_steps)``; with ``staircase`` the
    ratio ``step / decay_steps`` is floored."""

    def __init__(self, initial_learning_rate, decay_steps, decay_rate, staircase=False, name="InverseTimeDecay"):
        self.decay_steps = _positive_decay_steps("InverseTimeDecay", decay_steps)
        self.initial_learning_rate = float(initial_learning_rate)
        self.decay_rate = float(decay_rate)
        self.staircase = staircase
        self.name = name

    def __call__(self, step):
        ratio = ops.divide(_step(step), float(self.decay_steps))
        if self.staircase:
            ratio = ops.floor(ratio)
        return ops.divide(self.initial_learning_rate, ops.add(ops.multiply(ratio, self.decay_rate), 1.0))

    def get_config(self):
        return {"initial_learning_rate": self.initial_learning_rate, "decay_steps": self.decay_steps,
                "decay_rate": self.decay_rate, "staircase": self.staircase, "name": self.name}


class CosineDecayRestarts(LearningRateSchedule):
    """Cosine decay with warm restarts (SGDR, Loshchilov & Hutter).

    Period ``i`` lasts ``first_decay_steps * t_mul**i`` steps; at fraction ``f`` of it: ``lr =
    initial_learning_rate * ((1 - alpha) * m_mul**i * 0.5 * (1 + cos(pi * f)) + alpha)`` (the floor
    ``alpha * initial_learning_rate`` is not scaled by ``m_mul**i``, as Keras).
    """

    def __init__(self, initial_learning_rate, first_decay_steps, t_mul=2.0, m_mul=1.0, alpha=0.0,
                 name="SGDRDecay"):
        if first_decay_steps <= 0:
            raise ValueError(f"CosineDecayRestarts: first_decay_steps must be > 0, got {first_decay_steps!r}.")
        self.initial_learning_rate = float(initial_learning_rate)
        self.first_decay_steps = first_decay_steps
        self.t_mul = float(t_mul)
        self.m_mul = float(m_mul)
        self.alpha = float(alpha)
        self.name = name

    def __call__(self, step):
        fraction = ops.divide(_step(step), float(self.first_decay_steps))
        if self.t_mul == 1.0:
            restart = ops.floor(fraction)
            fraction = ops.subtract(fraction, restart)
        else:   # periods grow geometrically: period i starts at fraction (1 - t_mul**i) / (1 - t_mul)
            restart = ops.floor(ops.divide(ops.log(ops.subtract(1.0, ops.multiply(fraction, 1.0 - self.t_mul))),
                                           math.log(self.t_mul)))
            start = ops.divide(ops.subtract(1.0, ops.power(self.t_mul, restart)), 1.0 - self.t_mul)
            fraction = ops.divide(ops.subtract(fraction, start), ops.power(self.t_mul, restart))
        cosine = ops.multiply(ops.add(ops.cos(ops.multiply(fraction, math.pi)), 1.0),
                              ops.multiply(ops.power(self.m_mul, restart), 0.5))
        return ops.multiply(ops.add(ops.multiply(cosine, 1.0 - self.alpha), self.alpha), self.initial_learning_rate)

    def get_config(self):
        return {"initial_learning_rate": self.initial_learning_rate, "first_decay_steps": self.first_decay_steps,
                "t_mul": self.t_mul, "m_mul": self.m_mul, "alpha": self.alpha, "name": self.name}


CLASSES = {cls.__name__: cls for cls in (ExponentialDecay, PiecewiseConstantDecay, CosineDecay, PolynomialDecay,
                                         InverseTimeDecay, CosineDecayRestarts)}


def serialize(schedule):
    """``{"class_name": ..., "config": ...}`` for a schedule."""
    return {"class_name": _serialization.get_registered_name(type(schedule)), "config": schedule.get_config()}


def deserialize(config, custom_objects=None):
    """Rebuild a schedule from ``serialize``'s output (custom schedules: register them, or pass
    ``custom_objects``)."""
    cls = _serialization.get_registered_object(config.get("class_name"), custom_objects, module_objects=CLASSES)
    if cls is None:
        raise ValueError(f"schedules.deserialize: unknown schedule {config.get('class_name')!r}; known: "
                         f"{', '.join(sorted(CLASSES))}.")
    return cls.from_config(dict(config.get("config") or {}))
