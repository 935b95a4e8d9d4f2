"""``Input`` / ``InputLayer``: the entry points of a functional model."""

from kerafront.layers.layer import Layer
from kerafront.layers.symbolic import KerasTensor, Node


class InputLayer(Layer):
    """Holds one symbolic input: ``output`` is a KerasTensor of ``batch_shape``.

    Args:
        shape: shape without the batch axis, e.g. ``(28, 28, 1)``.
        batch_size: fixed batch size, or ``None`` (any).
        dtype: dtype of the input (floatx by default; ``"int32"`` for Embedding ids).
        batch_shape: the full shape including the batch axis (instead of ``shape``/``batch_size``).
    """

    def __init__(self, shape=None, batch_size=None, dtype=None, batch_shape=None, name=None, sparse=False,
                 **kwargs):
        super().__init__(name=name, dtype=dtype, **kwargs)
        if sparse:
            raise ValueError(f'InputLayer "{self.name}": sparse inputs are not supported by kerafront.')
        if batch_shape is None:
            if shape is None:
                raise ValueError("Input: pass shape= (without the batch axis), e.g. Input(shape=(28, 28, 1)).")
            shape = (shape,) if isinstance(shape, int) else tuple(shape)
            batch_shape = (batch_size,) + shape
        self.batch_shape = _checked_shape(batch_shape, "batch_shape" if shape is None else "shape")
        self.built = True
        self.output_tensor = KerasTensor(self.batch_shape, self._dtype, name=self.name)
        Node(self, (), {}, self.output_tensor)

    def call(self, inputs):
        return inputs

    def compute_output_shape(self, input_shape=None):
        return self.batch_shape

    def get_config(self):
        return {"batch_shape": list(self.batch_shape), "dtype": self._dtype, "name": self.name}


def Input(shape=None, batch_size=None, dtype=None, batch_shape=None, name=None):
    """A symbolic input for the functional API: ``Input(shape=(28, 28, 1))`` -> KerasTensor
    with shape ``(None, 28, 28, 1)``."""
    return InputLayer(shape=shape, batch_size=batch_size, dtype=dtype, batch_shape=batch_shape,
                      name=name).output_tensor


def _checked_shape(batch_shape, argument):
    """Each dimension None or an integer >= 0 (Keras accepts -1 or 3.5 here and fails later; kerafront refuses)."""
    import numbers
    for dim in batch_shape:
        if dim is not None and (isinstance(dim, bool) or not isinstance(dim, numbers.Integral) or dim < 0):
            raise ValueError(f"Input: every dimension of {argument} must be a non-negative integer or None, got "
                             f"{dim!r} in {tuple(batch_shape)!r}.")
    return tuple(None if d is None else int(d) for d in batch_shape)
