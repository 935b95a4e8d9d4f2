"""``LSTMCell`` and ``LSTM`` (Hochreiter 1997), Keras's weight layout: gates i, f, c, o."""

from kerafront import ops
from kerafront.layers.input_spec import InputSpec
from kerafront.layers.rnn._cell_layers import (CELL_ATTRIBUTES, cell_layer_config, check_use_cudnn, dropped_sequence,
                                               fused_path_ok)
from kerafront.layers.rnn.cell_base import RecurrentCell
from kerafront.layers.rnn.rnn import RNN, forward_to_cell


class LSTMCell(RecurrentCell):
    """One LSTM step. States ``[h, c]``, both ``(batch, units)``; output ``h``.

    Weights (Keras's order and layout): ``kernel`` ``(features, 4 * units)``, ``recurrent_kernel``
    ``(units, 4 * units)``, ``bias`` ``(4 * units,)``, gate blocks in the order i, f, c, o::

        z = x kernel + h recurrent_kernel + bias
        i, f, o = recurrent_activation(z_i, z_f, z_o);   c' = f * c + i * activation(z_c)
        h' = o * activation(c')

    ``unit_forget_bias`` (default True) initialises the forget block of the bias to ones and the
    rest with ``bias_initializer``. With ``recurrent_dropout`` each gate gets its own dropout masks
    (Keras's ``implementation=1``).
    """

    _config_keys = ("recurrent_activation", "unit_forget_bias")

    def __init__(self, units, activation="tanh", recurrent_activation="sigmoid", use_bias=True,
                 kernel_initializer="glorot_uniform", recurrent_initializer="orthogonal", bias_initializer="zeros",
                 unit_forget_bias=True, kernel_regularizer=None, recurrent_regularizer=None, bias_regularizer=None,
                 kernel_constraint=None, recurrent_constraint=None, bias_constraint=None, dropout=0.0,
                 recurrent_dropout=0.0, seed=None, implementation=2, **kwargs):
        super().__init__(units, activation=activation, recurrent_activation=recurrent_activation, use_bias=use_bias,
                         kernel_initializer=kernel_initializer, recurrent_initializer=recurrent_initializer,
                         bias_initializer=bias_initializer, kernel_regularizer=kernel_regularizer,
                         recurrent_regularizer=recurrent_regularizer, bias_regularizer=bias_regularizer,
                         kernel_constraint=kernel_constraint, recurrent_constraint=recurrent_constraint,
                         bias_constraint=bias_constraint, dropout=dropout, recurrent_dropout=recurrent_dropout,
                         seed=seed, **kwargs)
        self.unit_forget_bias = bool(unit_forget_bias)
        self.implementation = 1 if self.recurrent_dropout else implementation
        self.dropout_mask_count = 4 if self.implementation == 1 else None

    @property
    def state_size(self):
        return [self.units, self.units]

    def build(self, input_shape):
        bias_initializer = None
        if self.use_bias and self.unit_forget_bias:
            units, base = self.units, self.bias_initializer

            def bias_initializer(shape, dtype=None):
                return ops.concatenate([base((units,), dtype=dtype), ops.ones((units,), dtype=dtype),
                                        base((2 * units,), dtype=dtype)])
        self._build_weights(input_shape, 4, (4 * self.units,), bias_initializer)

    def call(self, inputs, states, training=False):
        h_tm1, c_tm1 = states[0], states[1]
        input_mask, recurrent_mask = self._masks(inputs, h_tm1, training)
        if isinstance(input_mask, list) or isinstance(recurrent_mask, list):
            z = self._gate_inputs_per_gate(inputs, h_tm1, input_mask, recurrent_mask)
        else:
            if input_mask is not None:
                inputs = ops.multiply(inputs, input_mask)
            z = ops.add(ops.matmul(inputs, self.kernel), ops.matmul(h_tm1, self.recurrent_kernel))
            if self.bias is not None:
                z = ops.add(z, self.bias)
            z = ops.split(z, 4, axis=-1)
        z_i, z_f, z_c, z_o = z
        i, f, o = self.recurrent_activation(z_i), self.recurrent_activation(z_f), self.recurrent_activation(z_o)
        c = ops.add(ops.multiply(f, c_tm1), ops.multiply(i, self.activation(z_c)))
        h = ops.multiply(o, self.activation(c))
        return h, [h, c]

    def _gate_inputs_per_gate(self, inputs, h_tm1, input_masks, recurrent_masks):
        """The four gate pre-activations, each from its own masked copy of ``inputs`` and ``h_tm1``."""
        kernels = ops.split(self.kernel, 4, axis=-1)
        recurrent_kernels = ops.split(self.recurrent_kernel, 4, axis=-1)
        biases = ops.split(self.bias, 4, axis=-1) if self.bias is not None else [None] * 4
        z = []
        for gate in range(4):
            x = inputs if input_masks is None else ops.multiply(inputs, input_masks[gate])
            h = h_tm1 if recurrent_masks is None else ops.multiply(h_tm1, recurrent_masks[gate])
            value = ops.add(ops.matmul(x, kernels[gate]), ops.matmul(h, recurrent_kernels[gate]))
            z.append(value if biases[gate] is None else ops.add(value, biases[gate]))
        return z


class LSTM(RNN):
    """Long short-term memory layer: ``RNN(LSTMCell(...))`` with the cell's arguments (Keras's
    signature and defaults).

    When Keras's fast-path conditions hold (activation tanh, recurrent_activation sigmoid,
    recurrent_dropout 0, unroll False, ``use_cudnn`` not False) the whole sequence runs as
    ``kerafront.ops.lstm`` -- the backend's fused kernel where it has one (torch's LSTM) -- else
    the cell runs step by step. Both give the same numbers.
    """

    def __init__(self, units, activation="tanh", recurrent_activation="sigmoid", use_bias=True,
                 kernel_initializer="glorot_uniform", recurrent_initializer="orthogonal", bias_initializer="zeros",
                 unit_forget_bias=True, kernel_regularizer=None, recurrent_regularizer=None, bias_regularizer=None,
                 activity_regularizer=None, kernel_constraint=None, recurrent_constraint=None, bias_constraint=None,
                 dropout=0.0, recurrent_dropout=0.0, seed=None, return_sequences=False, return_state=False,
                 go_backwards=False, stateful=False, unroll=False, use_cudnn="auto", **kwargs):
        cell = LSTMCell(units, activation=activation, recurrent_activation=recurrent_activation, use_bias=use_bias,
                        kernel_initializer=kernel_initializer, recurrent_initializer=recurrent_initializer,
                        bias_initializer=bias_initializer, unit_forget_bias=unit_forget_bias,
                        kernel_regularizer=kernel_regularizer, recurrent_regularizer=recurrent_regularizer,
                        bias_regularizer=bias_regularizer, kernel_constraint=kernel_constraint,
                        recurrent_constraint=recurrent_constraint, bias_constraint=bias_constraint, dropout=dropout,
                        recurrent_dropout=recurrent_dropout, seed=seed, implementation=kwargs.pop("implementation", 2),
                        dtype=kwargs.get("dtype"), trainable=kwargs.get("trainable", True), name="lstm_cell")
        super().__init__(cell, return_sequences=return_sequences, return_state=return_state, go_backwards=go_backwards,
                         stateful=stateful, unroll=unroll, activity_regularizer=activity_regularizer, **kwargs)
        self.input_spec = InputSpec(ndim=3)
        self.use_cudnn = check_use_cudnn(use_cudnn, "LSTM")

    def inner_loop(self, sequences, initial_state, mask, training=False):
        if not fused_path_ok(self, "LSTM"):
            return super().inner_loop(sequences, initial_state, mask, training)
        cell = self.cell
        last_output, outputs, h, c = ops.lstm(
            dropped_sequence(cell, sequences, training), initial_state[0], initial_state[1], cell.kernel,
            cell.recurrent_kernel, cell.bias, mask=mask, go_backwards=self.go_backwards,
            zero_output_for_mask=self.zero_output_for_mask)
        return last_output, outputs, [h, c]

    def get_config(self):
        return cell_layer_config(self, super().get_config())

    @classmethod
    def from_config(cls, config):
        return cls(**config)


forward_to_cell(LSTM, CELL_ATTRIBUTES + ("recurrent_activation", "unit_forget_bias"))
