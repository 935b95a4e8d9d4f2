"""Weight constraints: ``constraint(weight) -> projected weight``, applied by optimizers after each
update (the variable's ``.constraint``). Keras 3's formulas; ``epsilon`` is ``kerafront.config.epsilon()``.
"""

from kerafront import _lookup, config, ops

__all__ = ["Constraint", "MaxNorm", "NonNeg", "UnitNorm", "MinMaxNorm", "max_norm", "min_max_norm", "non_neg",
           "unit_norm", "get", "serialize", "deserialize"]


def _axis(axis):
    return tuple(axis) if isinstance(axis, (list, tuple)) else axis


class Constraint(_lookup.Configurable):
    """Base class: ``__call__(w)`` returns the constrained tensor (identity here)."""

    def __call__(self, w):
        return w


def _norms(w, axis):
    return ops.sqrt(ops.sum(ops.square(w), axis=axis, keepdims=True))


class MaxNorm(Constraint):
    """Rescale slices along ``axis`` whose L2 norm exceeds ``max_value`` (axis 0: each Dense unit's
    incoming weights; use ``axis=(0, 1, 2)`` for channels_last Conv2D kernels)."""

    def __init__(self, max_value=2, axis=0):
        self.max_value, self.axis = max_value, _axis(axis)

    def __call__(self, w):
        norms = _norms(w, self.axis)
        desired = ops.clip(norms, 0, self.max_value)
        return ops.multiply(w, ops.divide(desired, ops.add(norms, config.epsilon())))

    def get_config(self):
        return {"max_value": self.max_value, "axis": self.axis}


class NonNeg(Constraint):
    """Zero out negative weights."""

    def __call__(self, w):
        return ops.multiply(w, ops.cast(ops.greater_equal(w, 0), ops.dtype(w)))


class UnitNorm(Constraint):
    """Scale slices along ``axis`` to unit L2 norm."""

    def __init__(self, axis=0):
        self.axis = _axis(axis)

    def __call__(self, w):
        return ops.divide(w, ops.add(_norms(w, self.axis), config.epsilon()))

    def get_config(self):
        return {"axis": self.axis}


class MinMaxNorm(Constraint):
    """Move slice norms toward ``[min_value, max_value]`` by ``rate`` (1.0: clip exactly)."""

    def __init__(self, min_value=0.0, max_value=1.0, rate=1.0, axis=0):
        self.min_value, self.max_value, self.rate, self.axis = min_value, max_value, rate, _axis(axis)

    def __call__(self, w):
        norms = _norms(w, self.axis)
        desired = ops.add(ops.multiply(self.rate, ops.clip(norms, self.min_value, self.max_value)),
                          ops.multiply(1 - self.rate, norms))
        return ops.multiply(w, ops.divide(desired, ops.add(norms, config.epsilon())))

    def get_config(self):
        return {"min_value": self.min_value, "max_value": self.max_value, "rate": self.rate, "axis": self.axis}


# Keras's snake_case spellings name the classes themselves (``keras.constraints.max_norm is MaxNorm``).
max_norm, min_max_norm, non_neg, unit_norm = MaxNorm, MinMaxNorm, NonNeg, UnitNorm

_ALIASES = {"max_norm": MaxNorm, "non_neg": NonNeg, "unit_norm": UnitNorm, "min_max_norm": MinMaxNorm}


def serialize(constraint):
    return _lookup.serialize(constraint)


def deserialize(config, custom_objects=None):
    return _lookup.deserialize(config, custom_objects)


def get(identifier):
    """A constraint from a name (``"max_norm"`` or ``"MaxNorm"``), a config dict, an instance or a callable;
    ``None`` -> ``None``."""
    return _lookup.get_callable(identifier, Constraint, "constraint", _find, _ALIASES)


def _find(name):
    return _ALIASES.get(name) or {c.__name__: c for c in _ALIASES.values()}.get(name)
