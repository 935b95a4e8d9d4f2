"""Recurrent loops: the generic ``rnn`` loop and the ``lstm`` / ``gru`` composites.

``rnn(step_function, inputs, initial_states, ...) -> (last_output, outputs, states)`` runs
``step_function(inputs_t, states) -> (output_t, new_states)`` over the time axis of batch-major
``inputs`` (``(batch, time, ...)``, or a pytree of such). It is Keras's backend ``rnn`` rule, on
every backend:

* ``go_backwards``: steps run from the last to the first; ``outputs`` are in processing order and
  ``last_output`` is the output of the last processed step (the one at time 0).
* ``mask`` ``(batch, time)``: where it is False at a step, every state keeps its previous value
  and the output is the previous output -- zeros before the first step -- or zeros when
  ``zero_output_for_mask`` (Keras's TensorFlow/torch rule; Keras's JAX/NumPy loops start from
  the first state instead, which differs only for leading masked steps with a nonzero state).
* ``unroll=True``: a Python loop over the (static) time steps; otherwise ``kerafront.ops.scan``.

``lstm`` and ``gru`` are the whole-sequence cells with Keras's weight layouts and fixed
activations (tanh / sigmoid): the composites here run on ``rnn``; a backend may override them with
a fused kernel (``kerafront.spec.OVERRIDABLE_COMPOSITES``), checked against these.
"""

from kerafront import tree
from kerafront.ops._dispatch import composite
from kerafront.ops._primitives import (add, cast, concatenate, expand_dims, flip, matmul, multiply, scan,
                                       shape as shape_of, sigmoid, split, squeeze, stack, subtract, take, tanh,
                                       transpose, where)
from kerafront.ops.math import zeros_like

__all__ = ["lstm", "gru"]


def rnn(step_function, inputs, initial_states, go_backwards=False, mask=None, unroll=False,
        zero_output_for_mask=False, return_all_outputs=True, time_major=False):
    """Run ``step_function`` over the time axis; returns ``(last_output, outputs, states)``.

    ``inputs``: ``(batch, time, ...)`` or a pytree of them; ``initial_states``: a list (pytree) of
    states, passed to ``step_function`` in that structure; ``outputs``: ``(batch, time, ...)``.
    ``time_major=True``: ``inputs`` and ``outputs`` are ``(time, batch, ...)`` instead (the mask
    stays ``(batch, time)``). ``return_all_outputs`` is accepted for Keras's signature; ``outputs``
    always holds every step. See the module docstring for masks and ``go_backwards``.
    """
    del return_all_outputs
    flat_inputs, inputs_def = tree.flatten(inputs)
    if not flat_inputs:
        raise ValueError("rnn: inputs must hold at least one tensor of shape (batch, time, ...).")
    swap = (lambda x: x) if time_major else _time_major  # to time-major and back
    xs = [swap(x) for x in flat_inputs]
    if go_backwards:
        xs = [flip(x, axis=0) for x in xs]
    steps = shape_of(xs[0])[0]
    if steps == 0:
        raise ValueError("rnn: inputs have 0 time steps; a recurrent loop needs at least one.")
    if unroll and steps is None:
        raise ValueError("rnn: unroll=True needs a known number of time steps; got inputs of shape "
                         f"{tuple(shape_of(flat_inputs[0]))}.")
    states = list(initial_states) if isinstance(initial_states, tuple) else initial_states
    state_def = tree.flatten(states)[1]

    def call_step(x_leaves, states):
        output, new_states = step_function(tree.unflatten(inputs_def, x_leaves), states)
        new_leaves = tree.flatten(new_states if isinstance(new_states, (list, tuple)) else [new_states])[0]
        if len(new_leaves) != len(tree.flatten(states)[0]):
            raise ValueError(f"rnn: the step function returned {len(new_leaves)} state tensors for "
                             f"{len(tree.flatten(states)[0])} initial states; it must return one per state.")
        return output, tree.unflatten(state_def, new_leaves)

    if mask is None:
        def body(carry, x):
            output, new_states = call_step(x, carry)
            return new_states, output

        final_states, outputs = _scan(body, states, xs, unroll)
        last_output = take(outputs, steps - 1 if steps is not None else -1, axis=0)
        return last_output, swap(outputs), final_states

    keep_steps = expand_dims(_time_major(cast(mask, "bool")), -1)  # (time, batch, 1)
    if go_backwards:
        keep_steps = flip(keep_steps, axis=0)

    def masked_step(x, keep, states, previous_output):
        output, new_states = call_step(x, states)
        output = where(keep, output, zeros_like(output) if previous_output is None else previous_output)
        new_states = tree.map_structure(lambda new, old: where(_expand_to(keep, new), new, old), new_states, states)
        return output, new_states

    if zero_output_for_mask:
        def body(carry, x_keep):
            output, new_states = masked_step(x_keep[0], x_keep[1], carry, None)
            return new_states, output

        final_states, outputs = _scan(body, states, (xs, keep_steps), unroll)
        last_output = take(outputs, steps - 1 if steps is not None else -1, axis=0)
        return last_output, swap(outputs), final_states

    # The previous output is carried; before the first step it is zeros of the output's shape, which
    # only the first step tells: that step runs before the loop.
    heads, rests = zip(*[split(x, [1], axis=0) for x in xs + [keep_steps]])
    first_output, first_states = masked_step([squeeze(h, 0) for h in heads[:-1]], squeeze(heads[-1], 0), states, None)
    if steps == 1:
        return first_output, swap(expand_dims(first_output, 0)), first_states

    def body(carry, x_keep):
        states, previous_output = carry
        output, new_states = masked_step(x_keep[0], x_keep[1], states, previous_output)
        return (new_states, output), output

    (final_states, last_output), outputs = _scan(body, (first_states, first_output), (list(rests[:-1]), rests[-1]),
                                                 unroll)
    outputs = concatenate([expand_dims(first_output, 0), outputs], axis=0)
    return last_output, swap(outputs), final_states


def _time_major(x):
    """Swap the first two axes: ``(batch, time, ...)`` <-> ``(time, batch, ...)``."""
    rank = len(shape_of(x))
    return transpose(x, (1, 0) + tuple(range(2, rank)))


def _expand_to(keep, like):
    """``keep`` ``(batch, 1)`` with size-1 axes appended to ``like``'s rank."""
    for _ in range(len(shape_of(like)) - 2):
        keep = expand_dims(keep, -1)
    return keep


def _scan(f, init, xs, unroll):
    """``kerafront.ops.scan(f, init, xs)``, or with ``unroll`` a Python loop over the (static) steps."""
    if not unroll:
        return scan(f, init, xs)
    flat_xs, xs_def = tree.flatten(xs)
    steps = shape_of(flat_xs[0])[0]
    pieces = [[squeeze(p, 0) for p in split(x, steps, axis=0)] for x in flat_xs]
    carry, ys = init, []
    for t in range(steps):
        carry, y = f(carry, tree.unflatten(xs_def, [p[t] for p in pieces]))
        ys.append(y)
    return carry, stack(ys, axis=0)


# ----------------------------------------------------------------------------------------------
# Whole-sequence cells


@composite
def lstm(inputs, initial_h, initial_c, kernel, recurrent_kernel, bias=None, mask=None, go_backwards=False,
         zero_output_for_mask=False):
    """An LSTM over a whole sequence; returns ``(last_output, outputs, h, c)``.

    Shapes: ``inputs`` ``(batch, time, features)``; ``initial_h``, ``initial_c``, ``h``, ``c``,
    ``last_output`` ``(batch, units)``; ``outputs`` ``(batch, time, units)``; ``kernel``
    ``(features, 4 * units)``, ``recurrent_kernel`` ``(units, 4 * units)``, ``bias`` ``(4 * units,)``
    or None -- Keras's layout, gates in the order i, f, c, o::

        z = x kernel + h recurrent_kernel + bias
        i, f, o = sigmoid(z_i), sigmoid(z_f), sigmoid(z_o);   g = tanh(z_c)
        c' = f * c + i * g;   h' = o * tanh(c')

    ``mask`` ``(batch, time)`` bool, ``go_backwards``, ``zero_output_for_mask``: as ``rnn``.
    """
    _check_shapes("lstm", 4, inputs, [("initial_h", initial_h), ("initial_c", initial_c)], kernel, recurrent_kernel,
                  bias, "(4 * units,)", mask)
    projected = matmul(_time_major(inputs), kernel)  # every step's input projection in one product
    if bias is not None:
        projected = add(projected, bias)

    def step(z_input, states):
        h, c = states
        z_i, z_f, z_c, z_o = split(add(z_input, matmul(h, recurrent_kernel)), 4, axis=-1)
        c = add(multiply(sigmoid(z_f), c), multiply(sigmoid(z_i), tanh(z_c)))
        h = multiply(sigmoid(z_o), tanh(c))
        return h, [h, c]

    last_output, outputs, (h, c) = rnn(step, projected, [initial_h, initial_c], go_backwards=go_backwards, mask=mask,
                                       zero_output_for_mask=zero_output_for_mask, time_major=True)
    return last_output, _time_major(outputs), h, c


@composite
def gru(inputs, initial_h, kernel, recurrent_kernel, bias=None, mask=None, go_backwards=False, reset_after=True,
        zero_output_for_mask=False):
    """A GRU over a whole sequence; returns ``(last_output, outputs, h)``.

    Shapes: ``inputs`` ``(batch, time, features)``; ``initial_h``, ``h``, ``last_output``
    ``(batch, units)``; ``outputs`` ``(batch, time, units)``; ``kernel`` ``(features, 3 * units)``,
    ``recurrent_kernel`` ``(units, 3 * units)`` -- Keras's layout, gates in the order z, r, h.
    ``bias``: ``(2, 3 * units)`` (input bias, recurrent bias) when ``reset_after``, else
    ``(3 * units,)``, or None. With ``reset_after`` (Keras's default, cuDNN's form)::

        x_z, x_r, x_h = split(x kernel + bias[0]);   r_z, r_r, r_h = split(h recurrent_kernel + bias[1])
        z = sigmoid(x_z + r_z);   r = sigmoid(x_r + r_r);   hh = tanh(x_h + r * r_h)
        h' = z * h + (1 - z) * hh

    and otherwise ``hh = tanh(x_h + (r * h) recurrent_kernel[:, 2 units:])`` (the bias is added on
    the input side only). ``mask``, ``go_backwards``, ``zero_output_for_mask``: as ``rnn``.
    """
    units = _check_shapes("gru", 3, inputs, [("initial_h", initial_h)], kernel, recurrent_kernel, bias,
                          "(2, 3 * units)" if reset_after else "(3 * units,)", mask, bias_rank=2 if reset_after else 1)
    input_bias = recurrent_bias = None
    if bias is not None:
        input_bias, recurrent_bias = [squeeze(b, 0) for b in split(bias, 2, axis=0)] if reset_after else (bias, None)
    projected = matmul(_time_major(inputs), kernel)
    if input_bias is not None:
        projected = add(projected, input_bias)

    if reset_after:
        def step(x, states):
            h = states[0]
            inner = matmul(h, recurrent_kernel)
            if recurrent_bias is not None:
                inner = add(inner, recurrent_bias)
            x_z, x_r, x_h = split(x, 3, axis=-1)
            r_z, r_r, r_h = split(inner, 3, axis=-1)
            z, r = sigmoid(add(x_z, r_z)), sigmoid(add(x_r, r_r))
            candidate = tanh(add(x_h, multiply(r, r_h)))
            h = add(multiply(z, h), multiply(subtract(1, z), candidate))
            return h, [h]
    else:
        gates_kernel, candidate_kernel = split(recurrent_kernel, [2 * units], axis=-1)

        def step(x, states):
            h = states[0]
            x_z, x_r, x_h = split(x, 3, axis=-1)
            r_z, r_r = split(matmul(h, gates_kernel), 2, axis=-1)
            z, r = sigmoid(add(x_z, r_z)), sigmoid(add(x_r, r_r))
            candidate = tanh(add(x_h, matmul(multiply(r, h), candidate_kernel)))
            h = add(multiply(z, h), multiply(subtract(1, z), candidate))
            return h, [h]

    last_output, outputs, (h,) = rnn(step, projected, [initial_h], go_backwards=go_backwards, mask=mask,
                                     zero_output_for_mask=zero_output_for_mask, time_major=True)
    return last_output, _time_major(outputs), h


def _check_shapes(op, gates, inputs, states, kernel, recurrent_kernel, bias, bias_layout, mask, bias_rank=1):
    """Raise ``ValueError`` naming ``op`` and the argument whose shape disagrees; returns ``units``."""
    def fail(argument, expected, value):
        raise ValueError(f"{op}: {argument} must have shape {expected}, received shape {tuple(shape_of(value))}.")

    def agrees(value, expected):
        shape = tuple(shape_of(value))
        return len(shape) == len(expected) and all(a is None or b is None or a == b for a, b in zip(shape, expected))

    in_shape = tuple(shape_of(inputs))
    if len(in_shape) != 3:
        fail("inputs", "(batch, time, features)", inputs)
    batch, time, features = in_shape
    kernel_shape = tuple(shape_of(kernel))
    if len(kernel_shape) != 2 or kernel_shape[1] is None or kernel_shape[1] % gates:
        fail("kernel", f"(features, {gates} * units)", kernel)
    units = kernel_shape[1] // gates
    if not agrees(kernel, (features, gates * units)):
        fail("kernel", f"(features, {gates} * units) = ({features}, {gates * units})", kernel)
    if not agrees(recurrent_kernel, (units, gates * units)):
        fail("recurrent_kernel", f"(units, {gates} * units) = ({units}, {gates * units})", recurrent_kernel)
    if bias is not None and not agrees(bias, (2, gates * units) if bias_rank == 2 else (gates * units,)):
        fail("bias", f"{bias_layout} with units={units}", bias)
    for name, state in states:
        if not agrees(state, (batch, units)):
            fail(name, f"(batch, units) = ({batch}, {units})", state)
    if mask is not None and not agrees(mask, (batch, time)):
        fail("mask", f"(batch, time) = ({batch}, {time})", mask)
    return units
