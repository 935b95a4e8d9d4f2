"""Weight regularizers: ``regularizer(weight) -> scalar`` penalties added to ``layer.losses``.

Keras 3's defaults: ``L1(l1=0.01)``, ``L2(l2=0.01)``, ``L1L2(l1=0.0, l2=0.0)``. ``L2`` is
``l2 * sum(w ** 2)`` (no factor 1/2).
"""

from kerafront import _lookup, ops

__all__ = ["Regularizer", "L1", "L2", "L1L2", "get", "serialize", "deserialize"]


class Regularizer(_lookup.Configurable):
    """Base class: ``__call__(x)`` returns a scalar tensor; ``get_config`` its arguments."""

    def __call__(self, x):
        return ops.zeros((), dtype=ops.dtype(x))

    def __repr__(self):
        return f"{type(self).__name__}({self.get_config()})"


def _check_factor(name, value):
    value = float(value)
    if value < 0:
        raise ValueError(f"{name} must be a non-negative number, got {value}.")
    return value


class L1(Regularizer):
    """``l1 * sum(|x|)``."""

    def __init__(self, l1=0.01):
        self.l1 = _check_factor("L1: l1", l1)

    def __call__(self, x):
        return ops.multiply(self.l1, ops.sum(ops.abs(x)))

    def get_config(self):
        return {"l1": self.l1}


class L2(Regularizer):
    """``l2 * sum(x ** 2)``."""

    def __init__(self, l2=0.01):
        self.l2 = _check_factor("L2: l2", l2)

    def __call__(self, x):
        return ops.multiply(self.l2, ops.sum(ops.square(x)))

    def get_config(self):
        return {"l2": self.l2}


class L1L2(Regularizer):
    """``l1 * sum(|x|) + l2 * sum(x ** 2)``."""

    def __init__(self, l1=0.0, l2=0.0):
        self.l1 = _check_factor("L1L2: l1", l1)
        self.l2 = _check_factor("L1L2: l2", l2)

    def __call__(self, x):
        total = ops.zeros((), dtype=ops.dtype(x))
        if self.l1:
            total = ops.add(total, ops.multiply(self.l1, ops.sum(ops.abs(x))))
        if self.l2:
            total = ops.add(total, ops.multiply(self.l2, ops.sum(ops.square(x))))
        return total

    def get_config(self):
        return {"l1": self.l1, "l2": self.l2}


_ALIASES = {"l1": L1, "l2": L2, "l1_l2": L1L2, "l1l2": L1L2}


def serialize(regularizer):
    return _lookup.serialize(regularizer)


def deserialize(config, custom_objects=None):
    return _lookup.deserialize(config, custom_objects)


def get(identifier):
    """A regularizer from a name (``"l2"``, any case, or a class name), a config dict, an instance or a
    callable; ``None`` -> ``None``."""
    return _lookup.get_callable(identifier, Regularizer, "regularizer", _find, _ALIASES)


def _find(name):
    return _ALIASES.get(name.lower()) or {c.__name__: c for c in (L1, L2, L1L2)}.get(name)
