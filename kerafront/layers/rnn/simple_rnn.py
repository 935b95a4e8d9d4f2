"""``SimpleRNNCell`` and ``SimpleRNN``: ``h' = activation(x kernel + bias + h recurrent_kernel)``."""

from kerafront import ops
from kerafront.layers.input_spec import InputSpec
from kerafront.layers.rnn._cell_layers import CELL_ATTRIBUTES, cell_layer_config
from kerafront.layers.rnn.cell_base import RecurrentCell
from kerafront.layers.rnn.rnn import RNN, forward_to_cell


class SimpleRNNCell(RecurrentCell):
    """One step of a fully connected RNN. Weights (Keras's order): ``kernel`` ``(features, units)``,
    ``recurrent_kernel`` ``(units, units)``, ``bias`` ``(units,)``. Output = the new state."""

    def __init__(self, units, activation="tanh", use_bias=True, kernel_initializer="glorot_uniform",
                 recurrent_initializer="orthogonal", bias_initializer="zeros", kernel_regularizer=None,
                 recurrent_regularizer=None, bias_regularizer=None, kernel_constraint=None, recurrent_constraint=None,
                 bias_constraint=None, dropout=0.0, recurrent_dropout=0.0, seed=None, **kwargs):
        super().__init__(units, activation=activation, use_bias=use_bias, kernel_initializer=kernel_initializer,
                         recurrent_initializer=recurrent_initializer, bias_initializer=bias_initializer,
                         kernel_regularizer=kernel_regularizer, recurrent_regularizer=recurrent_regularizer,
                         bias_regularizer=bias_regularizer, kernel_constraint=kernel_constraint,
                         recurrent_constraint=recurrent_constraint, bias_constraint=bias_constraint, dropout=dropout,
                         recurrent_dropout=recurrent_dropout, seed=seed, **kwargs)

    @property
    def state_size(self):
        return self.units

    def build(self, input_shape):
        self._build_weights(input_shape, 1, (self.units,))

    def call(self, inputs, states, training=False):
        previous = states[0] if isinstance(states, (list, tuple)) else states
        input_mask, recurrent_mask = self._masks(inputs, previous, training)
        if input_mask is not None:
            inputs = ops.multiply(inputs, input_mask)
        h = ops.matmul(inputs, self.kernel)
        if self.bias is not None:
            h = ops.add(h, self.bias)
        if recurrent_mask is not None:
            previous = ops.multiply(previous, recurrent_mask)
        output = self.activation(ops.add(h, ops.matmul(previous, self.recurrent_kernel)))
        return output, [output] if isinstance(states, (list, tuple)) else output


class SimpleRNN(RNN):
    """A fully connected RNN whose output is fed back as its input: ``RNN(SimpleRNNCell(...))``
    with the cell's arguments (Keras's signature and defaults)."""

    def __init__(self, units, activation="tanh", use_bias=True, kernel_initializer="glorot_uniform",
                 recurrent_initializer="orthogonal", bias_initializer="zeros", kernel_regularizer=None,
                 recurrent_regularizer=None, bias_regularizer=None, activity_regularizer=None, kernel_constraint=None,
                 recurrent_constraint=None, bias_constraint=None, dropout=0.0, recurrent_dropout=0.0,
                 return_sequences=False, return_state=False, go_backwards=False, stateful=False, unroll=False,
                 seed=None, **kwargs):
        cell = SimpleRNNCell(units, activation=activation, use_bias=use_bias, kernel_initializer=kernel_initializer,
                             recurrent_initializer=recurrent_initializer, bias_initializer=bias_initializer,
                             kernel_regularizer=kernel_regularizer, recurrent_regularizer=recurrent_regularizer,
                             bias_regularizer=bias_regularizer, kernel_constraint=kernel_constraint,
                             recurrent_constraint=recurrent_constraint, bias_constraint=bias_constraint,
                             dropout=dropout, recurrent_dropout=recurrent_dropout, seed=seed,
                             dtype=kwargs.get("dtype"), trainable=kwargs.get("trainable", True),
                             name="simple_rnn_cell")
        super().__init__(cell, return_sequences=return_sequences, return_state=return_state, go_backwards=go_backwards,
                         stateful=stateful, unroll=unroll, activity_regularizer=activity_regularizer, **kwargs)
        self.input_spec = InputSpec(ndim=3)

    def get_config(self):
        return cell_layer_config(self, super().get_config())

    @classmethod
    def from_config(cls, config):
        return cls(**config)


forward_to_cell(SimpleRNN, CELL_ATTRIBUTES)
