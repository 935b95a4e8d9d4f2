"""What the built-in recurrent cells share: dropout masks, weight arguments, weights and config.

A cell is a layer called once per time step: ``call(inputs, states, training=False) ->
(output, new_states)`` with ``inputs`` ``(batch, features)`` and ``states`` a list of
``(batch, size)`` tensors, one per entry of ``state_size``; ``output_size`` is the output's last
axis. ``RNN`` runs a cell over a sequence.

Dropout (Keras's ``DropoutRNNCell`` rule): one mask per sequence, not per step. ``RNN`` draws the
masks from the cell's ``seed_generator`` before its loop (``get_dropout_mask``), every step reuses
them, and ``RNN`` clears them after (``reset_dropout_mask``). A cell with ``dropout_mask_count``
(LSTM/GRU with recurrent dropout: Keras's ``implementation=1``) draws one mask per gate.
"""

from kerafront import activations, constraints, initializers, ops, regularizers
from kerafront import random as kf_random
from kerafront.layers.layer import Layer
from kerafront.saving.serialization import serialize


class DropoutRNNCell:
    """Mixin for cells with ``dropout``, ``recurrent_dropout`` and ``seed_generator`` attributes."""

    dropout_mask_count = None

    def _create_dropout_mask(self, step_input, rate):
        ones = ops.ones_like(step_input)
        if self.dropout_mask_count is None:
            return kf_random.dropout(ones, rate, seed=self.seed_generator)
        return [kf_random.dropout(ones, rate, seed=self.seed_generator) for _ in range(self.dropout_mask_count)]

    def get_dropout_mask(self, step_input):
        """The input mask of this sequence (drawn at the first request), or None without ``dropout``."""
        if self.__dict__.get("_dropout_mask") is None and self.dropout > 0:
            object.__setattr__(self, "_dropout_mask", self._create_dropout_mask(step_input, self.dropout))
        return self.__dict__.get("_dropout_mask")

    def get_recurrent_dropout_mask(self, step_state):
        """The recurrent-state mask of this sequence, or None without ``recurrent_dropout``."""
        if self.__dict__.get("_recurrent_dropout_mask") is None and self.recurrent_dropout > 0:
            object.__setattr__(self, "_recurrent_dropout_mask",
                               self._create_dropout_mask(step_state, self.recurrent_dropout))
        return self.__dict__.get("_recurrent_dropout_mask")

    def reset_dropout_mask(self):
        object.__setattr__(self, "_dropout_mask", None)

    def reset_recurrent_dropout_mask(self):
        object.__setattr__(self, "_recurrent_dropout_mask", None)

    def _masks(self, inputs, h_tm1, training):
        """``(input mask, recurrent mask)`` for this call: None for each unless training with that dropout."""
        use = training and 0 < self.dropout < 1
        use_recurrent = training and 0 < self.recurrent_dropout < 1
        return (self.get_dropout_mask(inputs) if use else None,
                self.get_recurrent_dropout_mask(h_tm1) if use_recurrent else None)


def set_cell_arguments(cell, activation, recurrent_activation, use_bias, kernel_initializer, recurrent_initializer,
                       bias_initializer, kernel_regularizer, recurrent_regularizer, bias_regularizer,
                       kernel_constraint, recurrent_constraint, bias_constraint, dropout, recurrent_dropout, seed):
    """The arguments every gated cell keeps (Keras's names), resolved; dropout rates clipped to [0, 1] as
    Keras clips them, and the cell's seed generator."""
    cell.activation = activations.get(activation)
    cell.recurrent_activation = activations.get(recurrent_activation)
    cell.use_bias = bool(use_bias)
    cell.kernel_initializer = initializers.get(kernel_initializer)
    cell.recurrent_initializer = initializers.get(recurrent_initializer)
    cell.bias_initializer = initializers.get(bias_initializer)
    cell.kernel_regularizer = regularizers.get(kernel_regularizer)
    cell.recurrent_regularizer = regularizers.get(recurrent_regularizer)
    cell.bias_regularizer = regularizers.get(bias_regularizer)
    cell.kernel_constraint = constraints.get(kernel_constraint)
    cell.recurrent_constraint = constraints.get(recurrent_constraint)
    cell.bias_constraint = constraints.get(bias_constraint)
    cell.dropout = min(1.0, max(0.0, float(dropout)))
    cell.recurrent_dropout = min(1.0, max(0.0, float(recurrent_dropout)))
    cell.seed = seed
    cell.seed_generator = kf_random.SeedGenerator(seed, name="seed_generator")
    cell.seed_generator.state.path = f"{cell.name}/seed_generator_state"


class RecurrentCell(DropoutRNNCell, Layer):
    """Base of SimpleRNNCell, LSTMCell and GRUCell: Keras's arguments for ``kernel`` (inputs),
    ``recurrent_kernel`` (state) and ``bias``, with Keras's defaults (glorot-uniform kernel,
    orthogonal recurrent kernel, zero bias), activations, dropout rates and seed."""

    def __init__(self, units, activation="tanh", recurrent_activation=None, use_bias=True,
                 kernel_initializer="glorot_uniform", recurrent_initializer="orthogonal", bias_initializer="zeros",
                 kernel_regularizer=None, recurrent_regularizer=None, bias_regularizer=None, kernel_constraint=None,
                 recurrent_constraint=None, bias_constraint=None, dropout=0.0, recurrent_dropout=0.0, seed=None,
                 **kwargs):
        name = type(self).__name__
        if not isinstance(units, int) or isinstance(units, bool) or units <= 0:
            raise ValueError(f"{name}: units must be a positive integer, got {units!r}.")
        super().__init__(**kwargs)
        self.units = units
        set_cell_arguments(self, activation, recurrent_activation, use_bias, kernel_initializer,
                           recurrent_initializer, bias_initializer, kernel_regularizer, recurrent_regularizer,
                           bias_regularizer, kernel_constraint, recurrent_constraint, bias_constraint, dropout,
                           recurrent_dropout, seed)
        self.output_size = units

    def _build_weights(self, input_shape, gates, bias_shape, bias_initializer=None):
        """Add ``kernel`` ``(features, gates * units)``, ``recurrent_kernel`` ``(units, gates * units)``
        and, with ``use_bias``, ``bias`` of ``bias_shape`` (Keras's names, shapes and order)."""
        features = input_shape[-1]
        if features is None:
            raise ValueError(f'{type(self).__name__} "{self.name}": the last axis of the input (features) must be '
                             f"known, got input shape {tuple(input_shape)}.")
        self.kernel = self.add_weight((features, gates * self.units), initializer=self.kernel_initializer,
                                      regularizer=self.kernel_regularizer, constraint=self.kernel_constraint,
                                      name="kernel")
        self.recurrent_kernel = self.add_weight((self.units, gates * self.units),
                                                initializer=self.recurrent_initializer,
                                                regularizer=self.recurrent_regularizer,
                                                constraint=self.recurrent_constraint, name="recurrent_kernel")
        self.bias = None
        if self.use_bias:
            self.bias = self.add_weight(bias_shape, initializer=bias_initializer or self.bias_initializer,
                                        regularizer=self.bias_regularizer, constraint=self.bias_constraint,
                                        name="bias")

    def get_initial_state(self, batch_size=None):
        """Zeros ``(batch_size, size)`` for each state."""
        sizes = self.state_size if isinstance(self.state_size, (list, tuple)) else [self.state_size]
        return [ops.zeros((batch_size, size), dtype=self.compute_dtype) for size in sizes]

    def cell_config(self):
        """The cell's own arguments (what ``LSTM``/``GRU``/``SimpleRNN`` also write in their configs)."""
        config = {"units": self.units, "activation": activations.serialize(self.activation)}
        if "recurrent_activation" in self._config_keys:
            config["recurrent_activation"] = activations.serialize(self.recurrent_activation)
        config.update({
            "use_bias": self.use_bias,
            "kernel_initializer": serialize(self.kernel_initializer),
            "recurrent_initializer": serialize(self.recurrent_initializer),
            "bias_initializer": serialize(self.bias_initializer),
            "kernel_regularizer": serialize(self.kernel_regularizer),
            "recurrent_regularizer": serialize(self.recurrent_regularizer),
            "bias_regularizer": serialize(self.bias_regularizer),
            "kernel_constraint": serialize(self.kernel_constraint),
            "recurrent_constraint": serialize(self.recurrent_constraint),
            "bias_constraint": serialize(self.bias_constraint),
            "dropout": self.dropout, "recurrent_dropout": self.recurrent_dropout, "seed": self.seed,
        })
        config.update({key: getattr(self, key) for key in self._config_keys if key != "recurrent_activation"})
        return config

    _config_keys = ()  # extra constructor arguments of a subclass, read from attributes of the same name

    def get_config(self):
        config = super().get_config()
        config.update(self.cell_config())
        return config
