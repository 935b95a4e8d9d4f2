"""The einsum equations of ``MultiHeadAttention`` and its projection sublayer.

Shapes, for an input of rank ``r`` (batch first, features last):

* a projection contracts the input's last ``bound`` axes with the kernel's first ``bound`` axes and
  appends the kernel's other axes: ``(B, T, dim) x (dim, heads, key_dim) -> (B, T, heads, key_dim)``;
  the output projection maps ``(B, T, heads, value_dim) x (heads, value_dim, out) -> (B, T, out)``.
  These are Keras's ``EinsumDense`` equations (``"abc,cde->abde"``, ``"abcd,cde->abe"``).
* attention runs over ``attention_axes`` of the projected tensors ``(B, ..., heads, channels)``; every
  other axis but the channels (the heads included) is a batch axis. Scores are laid out
  ``(batch axes..., heads, query attention axes..., key attention axes...)``.
"""

import string

from kerafront import activations, ops
from kerafront.layers.layer import Layer

_LETTERS = string.ascii_lowercase


def projection_equation(rank, bound, new):
    """``"<free><bound>,<bound><new>-><free><new>"`` for an input of ``rank`` axes."""
    free, contracted, added = _LETTERS[:rank - bound], _LETTERS[rank - bound:rank], _LETTERS[rank:rank + new]
    return f"{free}{contracted},{contracted}{added}->{free}{added}"


def attention_equations(rank, attention_axes):
    """``(scores_equation, combine_equation)`` for projected tensors of ``rank`` axes.

    ``scores_equation`` takes ``(key, query)`` to the scores; ``combine_equation`` takes
    ``(probabilities, value)`` back to the query's layout. ``attention_axes`` lie in ``[1, rank - 2)``.
    """
    query = _LETTERS[:rank]
    batch = [i for i in range(rank - 1) if i not in attention_axes]
    key = list(query)
    for offset, axis in enumerate(attention_axes):
        key[axis] = _LETTERS[rank + offset]
    key = "".join(key)
    scores = ("".join(query[i] for i in batch) + "".join(query[i] for i in attention_axes)
              + "".join(key[i] for i in attention_axes))
    return f"{key},{query}->{scores}", f"{scores},{key}->{query}"


class Projection(Layer):
    """``activation(einsum(inputs, kernel) + bias)``: one of MultiHeadAttention's projections (``query``,
    ``key``, ``value``, ``gate``, ``attention_output``), with Keras's weight names and shapes.

    The input's last ``bound`` axes are contracted with the kernel's first ``bound`` axes
    (``projection_equation``); ``bias`` has the shape of the kernel's other axes (none without ``use_bias``).
    """

    def __init__(self, kernel_shape, bound, use_bias=True, activation=None, kernel_initializer="glorot_uniform",
                 bias_initializer="zeros", kernel_regularizer=None, bias_regularizer=None, kernel_constraint=None,
                 bias_constraint=None, **kwargs):
        super().__init__(**kwargs)
        self.supports_masking = True  # positionwise: a mask on the inputs is the outputs' mask
        self.kernel_shape = tuple(kernel_shape)
        self.bound = bound
        self.use_bias = use_bias
        self.activation = activations.get(activation)
        self._weight_args = {
            "kernel": (kernel_initializer, kernel_regularizer, kernel_constraint),
            "bias": (bias_initializer, bias_regularizer, bias_constraint)}

    def build(self, input_shape):
        self.equation = projection_equation(len(input_shape), self.bound, len(self.kernel_shape) - self.bound)
        initializer, regularizer, constraint = self._weight_args["kernel"]
        self.kernel = self.add_weight(self.kernel_shape, initializer=initializer, regularizer=regularizer,
                                      constraint=constraint, name="kernel")
        self.bias = None
        if self.use_bias:
            initializer, regularizer, constraint = self._weight_args["bias"]
            self.bias = self.add_weight(self.kernel_shape[self.bound:], initializer=initializer,
                                        regularizer=regularizer, constraint=constraint, name="bias")

    def call(self, inputs):
        outputs = ops.einsum(self.equation, inputs, self.kernel)
        if self.bias is not None:
            outputs = ops.add(outputs, self.bias)
        return self.activation(outputs)

    def compute_output_shape(self, input_shape):
        return tuple(input_shape[:len(input_shape) - self.bound]) + self.kernel_shape[self.bound:]
