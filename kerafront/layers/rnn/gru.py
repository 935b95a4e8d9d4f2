"""``GRUCell`` and ``GRU`` (Cho et al. 2014), Keras's weight layout: gates z, r, h."""

from kerafront import ops
from kerafront.layers.input_spec import InputSpec
from kerafront.layers.rnn._cell_layers import (CELL_ATTRIBUTES, cell_layer_config, check_use_cudnn, dropped_sequence,
                                               fused_path_ok)
from kerafront.layers.rnn.cell_base import RecurrentCell
from kerafront.layers.rnn.rnn import RNN, forward_to_cell


class GRUCell(RecurrentCell):
    """One GRU step. State ``h`` ``(batch, units)``, also the output.

    Weights (Keras's order and layout): ``kernel`` ``(features, 3 * units)``, ``recurrent_kernel``
    ``(units, 3 * units)``, gate blocks z, r, h; ``bias`` ``(2, 3 * units)`` (input bias, recurrent
    bias) when ``reset_after`` (the default: cuDNN's form), else ``(3 * units,)``::

        z = recurrent_activation(x_z + h_z);  r = recurrent_activation(x_r + h_r)
        reset_after:  hh = activation(x_h + r * (h recurrent_kernel_h + recurrent_bias_h))
        otherwise:    hh = activation(x_h + (r * h) recurrent_kernel_h)
        h' = z * h + (1 - z) * hh
    """

    _config_keys = ("recurrent_activation", "reset_after")

    def __init__(self, units, activation="tanh", recurrent_activation="sigmoid", use_bias=True,
                 kernel_initializer="glorot_uniform", recurrent_initializer="orthogonal", bias_initializer="zeros",
                 kernel_regularizer=None, recurrent_regularizer=None, bias_regularizer=None, kernel_constraint=None,
                 recurrent_constraint=None, bias_constraint=None, dropout=0.0, recurrent_dropout=0.0,
                 reset_after=True, seed=None, implementation=2, **kwargs):
        super().__init__(units, activation=activation, recurrent_activation=recurrent_activation, use_bias=use_bias,
                         kernel_initializer=kernel_initializer, recurrent_initializer=recurrent_initializer,
                         bias_initializer=bias_initializer, kernel_regularizer=kernel_regularizer,
                         recurrent_regularizer=recurrent_regularizer, bias_regularizer=bias_regularizer,
                         kernel_constraint=kernel_constraint, recurrent_constraint=recurrent_constraint,
                         bias_constraint=bias_constraint, dropout=dropout, recurrent_dropout=recurrent_dropout,
                         seed=seed, **kwargs)
        self.reset_after = bool(reset_after)
        self.implementation = 1 if self.recurrent_dropout else implementation
        self.dropout_mask_count = 3 if self.implementation == 1 else None

    @property
    def state_size(self):
        return self.units

    def build(self, input_shape):
        self._build_weights(input_shape, 3, (2, 3 * self.units) if self.reset_after else (3 * self.units,))

    def call(self, inputs, states, training=False):
        h_tm1 = states[0] if isinstance(states, (list, tuple)) else states
        input_mask, recurrent_mask = self._masks(inputs, h_tm1, training)
        input_bias = recurrent_bias = None
        if self.bias is not None:
            input_bias, recurrent_bias = ((ops.take(self.bias, 0, axis=0), ops.take(self.bias, 1, axis=0))
                                          if self.reset_after else (self.bias, None))
        x_z, x_r, x_h = _gate_inputs(inputs, input_mask, self.kernel, input_bias)
        if isinstance(recurrent_mask, list):  # one masked copy of h per gate (Keras's implementation=1)
            h_z, h_r, h_h = [ops.multiply(h_tm1, m) for m in recurrent_mask]
            kernels = ops.split(self.recurrent_kernel, 3, axis=-1)
            biases = ops.split(recurrent_bias, 3, axis=-1) if recurrent_bias is not None else [None] * 3
            r_z, r_r = _affine(h_z, kernels[0], biases[0]), _affine(h_r, kernels[1], biases[1])
            r_h = _affine(h_h, kernels[2], biases[2]) if self.reset_after else None
            candidate_kernel = kernels[2]
        elif self.reset_after:
            h_h = h_tm1
            r_z, r_r, r_h = ops.split(_affine(h_tm1, self.recurrent_kernel, recurrent_bias), 3, axis=-1)
        else:
            h_h = h_tm1
            gates_kernel, candidate_kernel = ops.split(self.recurrent_kernel, [2 * self.units], axis=-1)
            r_z, r_r = ops.split(ops.matmul(h_tm1, gates_kernel), 2, axis=-1)
        z = self.recurrent_activation(ops.add(x_z, r_z))
        r = self.recurrent_activation(ops.add(x_r, r_r))
        if self.reset_after:
            recurrent_h = ops.multiply(r, r_h)
        else:
            recurrent_h = ops.matmul(ops.multiply(r, h_h), candidate_kernel)
        candidate = self.activation(ops.add(x_h, recurrent_h))
        h = ops.add(ops.multiply(z, h_tm1), ops.multiply(ops.subtract(1, z), candidate))
        return h, [h] if isinstance(states, (list, tuple)) else h


def _affine(x, kernel, bias):
    y = ops.matmul(x, kernel)
    return y if bias is None else ops.add(y, bias)


def _gate_inputs(inputs, masks, kernel, bias):
    """``[x_z, x_r, x_h]``: one product for all gates, or one per gate with per-gate dropout masks."""
    if not isinstance(masks, list):
        x = ops.matmul(inputs if masks is None else ops.multiply(inputs, masks), kernel)
        return ops.split(x if bias is None else ops.add(x, bias), 3, axis=-1)
    kernels = ops.split(kernel, 3, axis=-1)
    biases = ops.split(bias, 3, axis=-1) if bias is not None else [None] * 3
    return [_affine(ops.multiply(inputs, m), k, b) for m, k, b in zip(masks, kernels, biases)]


class GRU(RNN):
    """Gated recurrent unit layer: ``RNN(GRUCell(...))`` with the cell's arguments (Keras's
    signature and defaults, ``reset_after=True``).

    When Keras's fast-path conditions hold (activation tanh, recurrent_activation sigmoid,
    recurrent_dropout 0, unroll False, ``use_cudnn`` not False) the whole sequence runs as
    ``kerafront.ops.gru`` -- the backend's fused kernel where it has one -- else the cell runs
    step by step. Both give the same numbers.
    """

    def __init__(self, units, activation="tanh", recurrent_activation="sigmoid", use_bias=True,
                 kernel_initializer="glorot_uniform", recurrent_initializer="orthogonal", bias_initializer="zeros",
                 kernel_regularizer=None, recurrent_regularizer=None, bias_regularizer=None, activity_regularizer=None,
                 kernel_constraint=None, recurrent_constraint=None, bias_constraint=None, dropout=0.0,
                 recurrent_dropout=0.0, seed=None, return_sequences=False, return_state=False, go_backwards=False,
                 stateful=False, unroll=False, reset_after=True, use_cudnn="auto", **kwargs):
        cell = GRUCell(units, activation=activation, recurrent_activation=recurrent_activation, use_bias=use_bias,
                       kernel_initializer=kernel_initializer, recurrent_initializer=recurrent_initializer,
                       bias_initializer=bias_initializer, kernel_regularizer=kernel_regularizer,
                       recurrent_regularizer=recurrent_regularizer, bias_regularizer=bias_regularizer,
                       kernel_constraint=kernel_constraint, recurrent_constraint=recurrent_constraint,
                       bias_constraint=bias_constraint, dropout=dropout, recurrent_dropout=recurrent_dropout,
                       reset_after=reset_after, seed=seed, implementation=kwargs.pop("implementation", 2),
                       dtype=kwargs.get("dtype"), trainable=kwargs.get("trainable", True), name="gru_cell")
        super().__init__(cell, return_sequences=return_sequences, return_state=return_state, go_backwards=go_backwards,
                         stateful=stateful, unroll=unroll, activity_regularizer=activity_regularizer, **kwargs)
        self.input_spec = InputSpec(ndim=3)
        self.use_cudnn = check_use_cudnn(use_cudnn, "GRU")

    def inner_loop(self, sequences, initial_state, mask, training=False):
        if not fused_path_ok(self, "GRU"):
            return super().inner_loop(sequences, initial_state, mask, training)
        cell = self.cell
        last_output, outputs, h = ops.gru(
            dropped_sequence(cell, sequences, training), initial_state[0], cell.kernel, cell.recurrent_kernel,
            cell.bias, mask=mask, go_backwards=self.go_backwards, reset_after=cell.reset_after,
            zero_output_for_mask=self.zero_output_for_mask)
        return last_output, outputs, [h]

    def get_config(self):
        return cell_layer_config(self, super().get_config())

    @classmethod
    def from_config(cls, config):
        return cls(**config)


forward_to_cell(GRU, CELL_ATTRIBUTES + ("recurrent_activation", "reset_after"))
