"""Weight regularizers: ``regularizer(weight) -> scalar`` penalties added to ``layer.losses``.

Keras 3's defaults: ``L1(l1=0.01)``, ``L2(l2=0.01)``, ``L1L2(l1=0.0, l2=0.0)``. ``L2`` is
``l2 * sum(w ** 2)`` (no factor 1/2).
"""

import math

from kerafront import _lookup, config, ops

__all__ = ["Regularizer", "L1", "L2", "L1L2", "OrthogonalRegularizer", "l1", "l2", "l1_l2", "orthogonal_regularizer",
           "get", "serialize", "deserialize"]


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


class OrthogonalRegularizer(Regularizer):
    """Pushes the rows (``mode="rows"``) or columns (``"columns"``) of a rank-2 weight toward orthogonality:
    ``factor * 0.5 * sum_{i != j} |<u_i, u_j>| / (n (n - 1) / 2)`` over the ``n`` L2-normalised rows or
    columns ``u`` (Keras's formula: the mean over pairs of half the absolute cosine similarity counted both ways).
    A weight with a single row (column) has no pairs and gets 0, where Keras returns NaN.
    """

    def __init__(self, factor=0.01, mode="rows"):
        if isinstance(factor, bool) or not isinstance(factor, (int, float)) or not math.isfinite(factor) or factor < 0:
            raise ValueError(f"OrthogonalRegularizer: factor must be a non-negative finite number, got {factor!r}.")
        if mode not in ("rows", "columns"):
            raise ValueError(f"OrthogonalRegularizer: mode must be 'rows' or 'columns', got {mode!r}.")
        self.factor, self.mode = float(factor), mode

    def __call__(self, x):
        shape = tuple(ops.shape(x))
        if len(shape) != 2:
            raise ValueError(f"OrthogonalRegularizer: the weight must have rank 2, got shape {shape}.")
        vectors = x if self.mode == "rows" else ops.transpose(x)
        size = shape[0] if self.mode == "rows" else shape[1]
        if size < 2:  # no pairs: Keras divides 0 by 0 (NaN); no penalty here
            return ops.zeros((), dtype=ops.dtype(x))
        # Keras's normalize: the norm floored at epsilon (1e-7), i.e. the squared sum at epsilon ** 2.
        unit = ops.l2_normalize(vectors, axis=1, epsilon=config.epsilon() ** 2)
        cosines = ops.multiply(ops.matmul(unit, ops.transpose(unit)), 1.0 - ops.eye(size, dtype=ops.dtype(x)))
        pairs = size * (size - 1) / 2
        return ops.multiply(self.factor * 0.5 / pairs, ops.sum(ops.abs(cosines)))

    def get_config(self):
        return {"factor": self.factor, "mode": self.mode}


# Keras's snake_case spellings name the classes themselves (``keras.regularizers.l2 is L2``).
l1, l2, l1_l2, orthogonal_regularizer = L1, L2, L1L2, OrthogonalRegularizer

_ALIASES = {"l1": L1, "l2": L2, "l1_l2": L1L2, "l1l2": L1L2, "orthogonal_regularizer": OrthogonalRegularizer}


def serialize(regularizer):
    return _lookup.serialize(regularizer)


def deserialize(config, custom_objects=None):
    return _lookup.deserialize(config, custom_objects)


def get(identifier):
    """A regularizer from a name (``"l2"``, any case, or a class name), a config dict, an instance or a
    callable; ``None`` -> ``None``."""
    return _lookup.get_callable(identifier, Regularizer, "regularizer", _find, _ALIASES)


def _find(name):
    return _ALIASES.get(name.lower()) or {c.__name__: c for c in (L1, L2, L1L2, OrthogonalRegularizer)}.get(name)
