"""Loop-level NumPy definitions of the recurrent cells, written from Keras's cell equations.

``reference_loop`` applies Keras's backend ``rnn`` rules step by step: at a masked step the states
keep their values and the output repeats the previous output (zeros before the first step, or
always zeros with ``zero_output_for_mask``); ``go_backwards`` runs from the last step and returns
outputs in processing order. Computations run in the inputs' dtype (pass float64 for an oracle).
"""

import numpy as np


def _sigmoid(x):
    return 1.0 / (1.0 + np.exp(-x))


def reference_loop(step, inputs, states, mask=None, go_backwards=False, zero_output_for_mask=False):
    """``(last_output, outputs, states)`` of ``step(x_t, states) -> (output, states)`` over axis 1, Keras's rules."""
    steps = inputs.shape[1]
    outputs, previous = [], None
    for t in (reversed(range(steps)) if go_backwards else range(steps)):
        output, new_states = step(inputs[:, t], states)
        if mask is not None:
            keep = mask[:, t][:, None]
            fill = np.zeros_like(output) if zero_output_for_mask or previous is None else previous
            output = np.where(keep, output, fill)
            new_states = [np.where(keep, new, old) for new, old in zip(new_states, states)]
        states, previous = new_states, output
        outputs.append(output)
    outputs = np.stack(outputs, axis=1)
    return outputs[:, -1], outputs, states


def lstm_reference(inputs, initial_h, initial_c, kernel, recurrent_kernel, bias=None, mask=None, go_backwards=False,
                   zero_output_for_mask=False):
    def step(x, states):
        h, c = states
        z = x @ kernel + h @ recurrent_kernel + (0 if bias is None else bias)
        z_i, z_f, z_c, z_o = np.split(z, 4, axis=-1)
        c = _sigmoid(z_f) * c + _sigmoid(z_i) * np.tanh(z_c)
        h = _sigmoid(z_o) * np.tanh(c)
        return h, [h, c]

    last, outputs, (h, c) = reference_loop(step, inputs, [initial_h, initial_c], mask, go_backwards,
                                           zero_output_for_mask)
    return last, outputs, h, c


def gru_reference(inputs, initial_h, kernel, recurrent_kernel, bias=None, mask=None, go_backwards=False,
                  reset_after=True, zero_output_for_mask=False):
    units = recurrent_kernel.shape[0]
    input_bias = 0 if bias is None else (bias[0] if reset_after else bias)
    recurrent_bias = bias[1] if bias is not None and reset_after else 0

    def step(x, states):
        h = states[0]
        x_z, x_r, x_h = np.split(x @ kernel + input_bias, 3, axis=-1)
        inner = h @ recurrent_kernel + recurrent_bias
        z = _sigmoid(x_z + inner[:, :units])
        r = _sigmoid(x_r + inner[:, units:2 * units])
        if reset_after:
            candidate = np.tanh(x_h + r * inner[:, 2 * units:])
        else:
            candidate = np.tanh(x_h + (r * h) @ recurrent_kernel[:, 2 * units:])
        h = z * h + (1 - z) * candidate
        return h, [h]

    last, outputs, (h,) = reference_loop(step, inputs, [initial_h], mask, go_backwards, zero_output_for_mask)
    return last, outputs, h
