"""``KerasTensor``: a symbolic tensor, a ``shape`` (``None`` for an unknown dim) and a ``dtype``, no data.

It lives below ``kerafront.ops`` so that the ops' dispatch can recognise it without importing the
layers: a primitive given a KerasTensor computes only the output's shape and dtype, by the spec's
rules (``kerafront.ops._symbolic``). The functional API (``kerafront.layers.symbolic``) re-exports
it, records graph nodes in ``_history`` and attaches the Python operators (``+``, ``*``, ``@``,
``[...]``, ``<`` ...), which call ``kerafront.ops`` like any other code.

Equality and hashing are by identity (graphs key dicts and sets by tensor); converting to an
array, a truth value or an iterator raises a ``TypeError`` saying why.
"""

from kerafront.dtypes import standardize_dtype


class KerasTensor:
    """Symbolic tensor: ``shape`` (a tuple; ``None`` for unknown dims), ``dtype``, ``name``.

    ``_history`` is ``(node, index)``: the node that produced it and its position among the node's
    outputs; ``None`` for a free placeholder or an op's intermediate result.
    """

    __array_ufunc__ = None  # NumPy defers `array + kt` to KerasTensor.__radd__ instead of converting

    def __init__(self, shape, dtype="float32", name=None, history=None):
        self.shape = tuple(None if d is None else int(d) for d in shape)
        self.dtype = standardize_dtype(dtype)
        self.name = name
        self._history = history

    @property
    def ndim(self):
        return len(self.shape)

    @property
    def node(self):
        return None if self._history is None else self._history[0]

    def __repr__(self):
        return f"<KerasTensor shape={self.shape}, dtype={self.dtype}, name={self.name}>"

    def __array__(self, dtype=None, copy=None):
        raise TypeError(
            f"{self!r} is symbolic (the functional API): it has a shape but no values, so it cannot be "
            "converted to an array. Compute with kerafront.ops or its operators (they infer shapes), or "
            "move the value-dependent code into a layer's call, which runs on real tensors.")

    def __bool__(self):
        raise TypeError(f"{self!r} is symbolic and has no truth value: Python control flow cannot branch on it "
                        "while shapes are inferred. Use kerafront.ops.where, or branch on its shape.")

    def __iter__(self):
        raise TypeError(f"{self!r} is symbolic and cannot be iterated; index it (x[0]) or use kerafront.ops.split.")

    def __hash__(self):
        return id(self)

    def __eq__(self, other):
        return self is other
