"""``RNN``: run any cell over a sequence (Keras's base recurrent layer).

``RNN(cell)(sequences, initial_state=None, mask=None, training=False)``: ``sequences``
``(batch, timesteps, features)``; the output is ``(batch, output_size)``, or
``(batch, timesteps, output_size)`` with ``return_sequences``; with ``return_state`` the final
states follow it (``output, *states``). A cell is any object with ``call(inputs, states, **kw) ->
(output, new_states)`` and ``state_size`` (an int, or a list with one entry per state), and
optionally ``output_size`` and ``get_initial_state(batch_size)``; a list of cells is stacked
(``StackedRNNCells``). The loop is ``kerafront.ops.rnn.rnn`` (masks, ``go_backwards`` and
``zero_output_for_mask`` follow its rules); LSTM and GRU replace it by their whole-sequence ops
when Keras's fast-path conditions hold.

``stateful=True`` keeps the final states of each batch as the next batch's initial states, in
non-trainable variables that are not weights (as Keras: not in ``get_weights``); it needs a fixed
batch size (``Input(batch_size=...)`` or ``batch_input_shape``). ``reset_state()`` zeroes them.
"""

from kerafront import ops, tree
from kerafront.layers.input_spec import InputSpec
from kerafront.layers.layer import Layer
from kerafront.layers.rnn.cell_base import DropoutRNNCell
from kerafront.layers.rnn.stacked_rnn_cells import StackedRNNCells, output_size_of, takes_training
from kerafront.ops.rnn import rnn
from kerafront.random import SeedGenerator
from kerafront.saving.serialization import deserialize, serialize
from kerafront.variables import Variable


class RNN(Layer):
    """Base class for recurrent layers; see the module docstring."""

    def __init__(self, cell, return_sequences=False, return_state=False, go_backwards=False, stateful=False,
                 unroll=False, zero_output_for_mask=False, **kwargs):
        if isinstance(cell, (list, tuple)):
            cell = StackedRNNCells(cell)
        if not callable(getattr(cell, "call", None)):
            raise ValueError(f"RNN: the cell must have a call(inputs, states) method, received {cell!r}.")
        state_size = getattr(cell, "state_size", None)
        if not isinstance(state_size, (int, list, tuple)) or isinstance(state_size, bool):
            raise ValueError("RNN: the cell must have a state_size attribute: an integer, or a list of integers "
                             f"(one per state), received state_size={state_size!r} from {cell!r}.")
        super().__init__(**kwargs)
        self.cell = cell
        self.return_sequences = bool(return_sequences)
        self.return_state = bool(return_state)
        self.go_backwards = bool(go_backwards)
        self.stateful = bool(stateful)
        self.unroll = bool(unroll)
        self.zero_output_for_mask = bool(zero_output_for_mask)
        self.single_state = isinstance(state_size, int)
        object.__setattr__(self, "state_size", _plain([state_size] if self.single_state else state_size))
        self.supports_masking = True
        self.input_spec = InputSpec(min_ndim=3)
        self._state_holders = None
        self._expected_batch_size = None

    def _input_spec_hint(self):
        return ("Recurrent layers take sequences shaped (batch, timesteps, features); add a time axis "
                "(Reshape, RepeatVector) or a feature axis (ops.expand_dims(x, -1)).")

    # ------------------------------------------------------------------------------------------
    # Shapes and masks

    def compute_output_shape(self, sequences_shape, initial_state_shape=None):
        batch, steps = sequences_shape[0], sequences_shape[1]
        output_size = output_size_of(self.cell)
        output_shape = (batch, steps, output_size) if self.return_sequences else (batch, output_size)
        if not self.return_state:
            return output_shape
        states = [(batch, size) if isinstance(size, int) else [(batch, s) for s in size] for size in self.state_size]
        return (output_shape, *states)

    def compute_mask(self, inputs, previous_mask=None):
        """The input mask for ``return_sequences`` outputs, else None; None for each state."""
        mask = previous_mask[0] if isinstance(previous_mask, (list, tuple)) else previous_mask
        output_mask = mask if self.return_sequences else None
        if self.return_state:
            return [output_mask] + [None] * len(self.state_size)
        return output_mask

    # ------------------------------------------------------------------------------------------
    # Building and states

    def build(self, sequences_shape, initial_state_shape=None):
        sequences_shape = tuple(sequences_shape)
        step_shape = (sequences_shape[0],) + sequences_shape[2:]
        if isinstance(self.cell, Layer) and not self.cell.built:
            self.cell.build(step_shape)
        if self.stateful:
            if self._state_holders is not None:
                self.reset_state()
            elif sequences_shape[0] is None:
                raise ValueError(
                    f'{type(self).__name__} layer "{self.name}": stateful=True needs a fixed batch size, received '
                    f"inputs of shape {sequences_shape}. Give the first layer a batch size: "
                    "Input(shape, batch_size=N), or batch_input_shape=(N, timesteps, features).")
            else:
                self._create_state_variables(sequences_shape[0])

    def _create_state_variables(self, batch_size):
        initial = self.get_initial_state(batch_size)
        leaves, state_def = tree.flatten(initial)
        object.__setattr__(self, "_state_def", state_def)  # a treedef, not layers to track
        self._state_holders = [_StateHolder(ops.convert_to_numpy(value), self.dtype, f"{self.name}/rnn_state")
                               for value in leaves]
        self._expected_batch_size = batch_size

    @property
    def states(self):
        """The state variables of a stateful layer (in the cell's state structure), else None."""
        if self._state_holders is None:
            return None
        return tree.unflatten(self._state_def, [holder.state for holder in self._state_holders])

    def get_initial_state(self, batch_size):
        """The cell's ``get_initial_state``, else zeros ``(batch_size, size)`` per state; always a list."""
        make = getattr(self.cell, "get_initial_state", None)
        if make is None:
            return [ops.zeros((batch_size, size), dtype=self.compute_dtype) for size in self.state_size]
        state = make(batch_size=batch_size)
        return list(state) if isinstance(state, (list, tuple)) else [state]

    def reset_state(self, states=None):
        """Zero the states of a stateful layer, or set them to ``states`` (arrays, one per state)."""
        if self._state_holders is None:
            if self.stateful:
                return
            raise AttributeError(f'{type(self).__name__} layer "{self.name}" is not stateful: it keeps no states to '
                                 "reset. Create it with stateful=True.")
        variables = [holder.state for holder in self._state_holders]
        if states is None:
            for variable in variables:
                variable.assign(ops.zeros(variable.shape, dtype=variable.dtype))
            return
        values = tree.flatten(list(states) if isinstance(states, (list, tuple)) else [states])[0]
        if len(values) != len(variables) or any(tuple(ops.shape(v)) != var.shape for v, var in zip(values, variables)):
            raise ValueError(f'{type(self).__name__} layer "{self.name}": reset_state expected '
                             f"{len(variables)} arrays of shapes {[v.shape for v in variables]}, received "
                             f"{[tuple(ops.shape(v)) for v in values]}.")
        for variable, value in zip(variables, values):
            variable.assign(value)

    reset_states = reset_state

    # ------------------------------------------------------------------------------------------
    # Calling

    def call(self, sequences, initial_state=None, mask=None, training=False):
        shape = tuple(ops.shape(sequences))
        if self.unroll and shape[1] is None:
            raise ValueError(f'{type(self).__name__} layer "{self.name}": unroll=True needs a known number of '
                             f"timesteps, received inputs of shape {shape}. Give Input a fixed time dimension.")
        mask = self._check_mask(mask, shape)
        if initial_state is None:
            initial_state = self.states if self.stateful else self.get_initial_state(shape[0])
            initial_state = tree.map_structure(lambda s: s.value if isinstance(s, Variable) else s, initial_state)
        else:
            initial_state = self._check_initial_state(initial_state, shape[0])
        if self.stateful and self._expected_batch_size not in (None, shape[0]):
            raise ValueError(f'{type(self).__name__} layer "{self.name}" is stateful with batch size '
                             f"{self._expected_batch_size}; received inputs of shape {shape}. Feed batches of exactly "
                             "that size (drop or pad the last one).")
        initial_state = tree.map_structure(lambda s: ops.cast(s, self.compute_dtype), list(initial_state))
        if training:
            _draw_dropout_masks(self.cell, shape[0], shape[-1], self.compute_dtype)
        try:
            last_output, outputs, states = self.inner_loop(sequences, initial_state, mask, training)
        finally:
            _clear_dropout_masks(self.cell)
        if self.stateful:
            for holder, value in zip(self._state_holders, tree.flatten(states)[0]):
                holder.state.assign(ops.stop_gradient(value))
        output = outputs if self.return_sequences else last_output
        output = ops.cast(output, self.compute_dtype)
        if self.return_state:
            return (output, *[tree.map_structure(lambda s: ops.cast(s, self.compute_dtype), s) for s in states])
        return output

    def inner_loop(self, sequences, initial_state, mask, training=False):
        """``(last_output, outputs, states)`` of the cell over ``sequences`` (the generic loop)."""
        cell = self.cell
        cell_kwargs = {"training": training} if takes_training(cell) else {}

        def step(inputs, states):
            return cell.call(inputs, states, **cell_kwargs)

        return rnn(step, sequences, initial_state, go_backwards=self.go_backwards, mask=mask, unroll=self.unroll,
                   zero_output_for_mask=self.zero_output_for_mask, return_all_outputs=self.return_sequences)

    def _check_mask(self, mask, shape):
        if isinstance(mask, (list, tuple)):
            mask = mask[0] if mask else None
        if mask is None:
            return None
        mask_shape = tuple(ops.shape(mask))
        if len(mask_shape) != 2 or any(a is not None and b is not None and a != b
                                       for a, b in zip(mask_shape, shape[:2])):
            raise ValueError(f'{type(self).__name__} layer "{self.name}": the mask must have shape (batch, timesteps) '
                             f"= {shape[:2]} for inputs of shape {shape}, received a mask of shape {mask_shape}.")
        return mask

    def _check_initial_state(self, initial_state, batch):
        """``initial_state`` (one tensor, or a list, flat or nested like ``state_size``) as the cell's structure."""
        given = list(initial_state) if isinstance(initial_state, (list, tuple)) else [initial_state]
        leaves = tree.flatten(given)[0]
        sizes, state_def = tree.flatten(self.state_size)
        shapes = [tuple(ops.shape(s)) for s in leaves]
        expected = ", ".join(f"(batch, {s})" for s in sizes)
        if len(leaves) != len(sizes) or any(
                len(got) != 2 or got[1] != size or None not in (batch, got[0]) and got[0] != batch
                for got, size in zip(shapes, sizes)):
            raise ValueError(f'{type(self).__name__} layer "{self.name}": initial_state must be {len(sizes)} '
                             f"tensor(s) of shape {expected} (state_size={self.state_size}, batch={batch}), "
                             f"received {len(leaves)} of shape(s) {', '.join(map(str, shapes)) or 'none'}.")
        return tree.unflatten(state_def, leaves)

    # ------------------------------------------------------------------------------------------
    # Config

    def get_config(self):
        config = super().get_config()
        config.update({"return_sequences": self.return_sequences, "return_state": self.return_state,
                       "go_backwards": self.go_backwards, "stateful": self.stateful, "unroll": self.unroll,
                       "zero_output_for_mask": self.zero_output_for_mask, "cell": serialize(self.cell)})
        return config

    @classmethod
    def from_config(cls, config):
        config = dict(config)
        return cls(deserialize(config.pop("cell")), **config)


class _StateHolder(SeedGenerator):
    """One state variable of a stateful RNN, tracked as a seed generator's state is: a non-trainable
    variable of the layer (threaded through compiled training steps) that is not a weight."""

    def __init__(self, value, dtype, path):  # no seed: SeedGenerator.__init__ would draw one
        self.initial_seed = None
        self.state = Variable(value, dtype=dtype, trainable=False, name="rnn_state")
        self.state.path = path

    def next(self):
        raise TypeError("an RNN state holder is not a seed generator.")


def _draw_dropout_masks(cell, batch, features, dtype):
    """Draw this sequence's dropout masks before the loop (a loop body must not advance seed states)."""
    if isinstance(cell, StackedRNNCells):
        for inner in cell.cells:
            _draw_dropout_masks(inner, batch, features, dtype)
            features = output_size_of(inner)
    elif isinstance(cell, DropoutRNNCell):
        state_size = cell.state_size[0] if isinstance(cell.state_size, (list, tuple)) else cell.state_size
        if cell.dropout > 0:
            cell.get_dropout_mask(ops.zeros((batch, features), dtype=dtype))
        if cell.recurrent_dropout > 0:
            cell.get_recurrent_dropout_mask(ops.zeros((batch, state_size), dtype=dtype))


def _clear_dropout_masks(cell):
    for inner in (cell.cells if isinstance(cell, StackedRNNCells) else [cell]):
        if isinstance(inner, DropoutRNNCell):
            inner.reset_dropout_mask()
            inner.reset_recurrent_dropout_mask()
        elif isinstance(inner, StackedRNNCells):
            _clear_dropout_masks(inner)


def _plain(structure):
    """Lists and tuples (TrackedLists included) as plain nested lists: a structure every scan accepts."""
    if isinstance(structure, (list, tuple)):
        return [_plain(item) for item in structure]
    return structure


def forward_to_cell(cls, names):
    """Give ``cls`` read-only properties ``names`` that read the attribute of ``self.cell`` (Keras's LSTM.units ...)."""
    for name in names:
        setattr(cls, name, property(lambda self, name=name: getattr(self.cell, name)))
    return cls
