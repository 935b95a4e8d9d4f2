"""``ConvLSTM1D``/``2D``/``3D`` (Shi et al. 2015): an LSTM whose input and recurrent transforms are
convolutions. Keras 3's arguments, defaults, weight names, shapes and order, and config keys.

Shapes (``channels_last``; ``channels_first`` puts the channels right after the time axis):
inputs ``(batch, time, *spatial, channels)``; states ``h`` and ``c`` ``(batch, *out_spatial,
filters)``, with ``out_spatial`` the input convolution's output size; outputs ``(batch,
*out_spatial, filters)``, or ``(batch, time, *out_spatial, filters)`` with ``return_sequences``.

Weights: ``kernel`` ``(*kernel_size, channels, 4 * filters)``, ``recurrent_kernel``
``(*kernel_size, filters, 4 * filters)``, ``bias`` ``(4 * filters,)``, gate blocks in the order
i, f, c, o as in ``LSTMCell``. The input convolution uses ``strides``, ``padding`` and
``dilation_rate``; the recurrent one has stride 1, ``"same"`` padding and no dilation::

    z = conv(x, kernel) + bias + conv(h, recurrent_kernel)
    i, f, o = recurrent_activation(z_i, z_f, z_o);   c' = f * c + i * activation(z_c)
    h' = o * activation(c')

Dropout: one mask per sequence and per gate (four), elementwise over a step's input (``dropout``)
or over ``h`` (``recurrent_dropout``), as Keras.
"""

from kerafront import activations, ops
from kerafront.layers import _utils
from kerafront.layers.input_spec import InputSpec
from kerafront.layers.layer import Layer
from kerafront.layers.rnn.cell_base import DropoutRNNCell, set_cell_arguments
from kerafront.layers.rnn.rnn import RNN, forward_to_cell
from kerafront.ops.rnn import rnn
from kerafront.saving.serialization import serialize

_WEIGHT_ARGUMENTS = ("kernel_initializer", "recurrent_initializer", "bias_initializer", "kernel_regularizer",
                     "recurrent_regularizer", "bias_regularizer", "kernel_constraint", "recurrent_constraint",
                     "bias_constraint")


class ConvLSTMCell(DropoutRNNCell, Layer):
    """One ConvLSTM step over ``rank``-D inputs ``(batch, *spatial, channels)``; states ``[h, c]``.

    See the module docstring for the weights and the update. ``state_size`` is ``[filters, filters]``
    (the states' channel count: their spatial size depends on the input, which the cell learns when
    it is built).
    """

    dropout_mask_count = 4

    def __init__(self, rank, filters, kernel_size, strides=1, padding="valid", data_format=None, dilation_rate=1,
                 activation="tanh", recurrent_activation="sigmoid", use_bias=True, kernel_initializer="glorot_uniform",
                 recurrent_initializer="orthogonal", bias_initializer="zeros", unit_forget_bias=True,
                 kernel_regularizer=None, recurrent_regularizer=None, bias_regularizer=None, kernel_constraint=None,
                 recurrent_constraint=None, bias_constraint=None, dropout=0.0, recurrent_dropout=0.0, seed=None,
                 **kwargs):
        name = type(self).__name__
        if rank not in (1, 2, 3):
            raise ValueError(f"{name}: rank must be 1, 2 or 3, received rank={rank!r}.")
        if not isinstance(filters, int) or isinstance(filters, bool) or filters <= 0:
            raise ValueError(f"{name}: filters must be a positive integer, received {filters!r}.")
        super().__init__(**kwargs)
        self.rank = rank
        self.filters = filters
        self.kernel_size = _utils.normalize_tuple(kernel_size, rank, "kernel_size", name)
        self.strides = _utils.normalize_tuple(strides, rank, "strides", name)
        self.padding = _utils.normalize_padding(padding, name)
        self.data_format = _utils.normalize_data_format(data_format, name)
        self.dilation_rate = _utils.normalize_tuple(dilation_rate, rank, "dilation_rate", name)
        if max(self.strides) > 1 and max(self.dilation_rate) > 1:
            raise ValueError(f"{name}: strides > 1 cannot be combined with dilation_rate > 1, received strides="
                             f"{self.strides} and dilation_rate={self.dilation_rate}.")
        set_cell_arguments(self, activation, recurrent_activation, use_bias, kernel_initializer,
                           recurrent_initializer, bias_initializer, kernel_regularizer, recurrent_regularizer,
                           bias_regularizer, kernel_constraint, recurrent_constraint, bias_constraint, dropout,
                           recurrent_dropout, seed)
        self.unit_forget_bias = bool(unit_forget_bias)
        self.state_size = [filters, filters]
        self.output_size = filters
        self.input_spec = InputSpec(ndim=rank + 2)

    def build(self, input_shape):
        input_shape = tuple(input_shape)
        batch, spatial, channels = _utils.split_shape(input_shape, self.data_format)
        where = f'{type(self).__name__} "{self.name}"'
        if None in spatial:
            raise ValueError(f"{where}: ConvLSTM layers need static spatial dimensions, received input shape "
                             f"{input_shape}. Give Input a fixed spatial shape.")
        if channels is None:
            raise ValueError(f"{where}: the channel axis of the inputs must be known, received input shape "
                             f"{input_shape} ({self.data_format}).")
        self.spatial_dims, self.input_dim = spatial, channels
        self.state_shape = self.compute_output_shape((None,) + input_shape[1:])[0][1:]  # also checks the sizes
        self.input_spec = InputSpec(ndim=self.rank + 2, axes={_utils.channel_axis(self.data_format): channels})
        self.kernel = self.add_weight(self.kernel_size + (channels, 4 * self.filters),
                                      initializer=self.kernel_initializer, regularizer=self.kernel_regularizer,
                                      constraint=self.kernel_constraint, name="kernel")
        self.recurrent_kernel = self.add_weight(self.kernel_size + (self.filters, 4 * self.filters),
                                                initializer=self.recurrent_initializer,
                                                regularizer=self.recurrent_regularizer,
                                                constraint=self.recurrent_constraint, name="recurrent_kernel")
        self.bias = None
        if self.use_bias:
            bias_initializer = self.bias_initializer
            if self.unit_forget_bias:
                filters, base = self.filters, self.bias_initializer

                def bias_initializer(shape, dtype=None):
                    return ops.concatenate([base((filters,), dtype=dtype), ops.ones((filters,), dtype=dtype),
                                            base((2 * filters,), dtype=dtype)])
            self.bias = self.add_weight((4 * self.filters,), initializer=bias_initializer,
                                        regularizer=self.bias_regularizer, constraint=self.bias_constraint,
                                        name="bias")

    def compute_output_shape(self, input_shape, states_shape=None):
        """``(output_shape, [h_shape, c_shape])``, all ``(batch, *out_spatial, filters)``."""
        batch, spatial, _ = _utils.split_shape(tuple(input_shape), self.data_format)
        out_spatial = tuple(_utils.conv_output_length(n, k, s, self.padding, d)
                            for n, k, s, d in zip(spatial, self.kernel_size, self.strides, self.dilation_rate))
        if any(n is not None and n <= 0 for n in out_spatial):
            raise ValueError(f'{type(self).__name__} "{self.name}": input shape {tuple(input_shape)} is too small for '
                             f"kernel_size {self.kernel_size} with strides {self.strides} and dilation "
                             f"{self.dilation_rate} (padding {self.padding!r}): the output would be {out_spatial}.")
        shape = _utils.join_shape(batch, out_spatial, self.filters, self.data_format)
        return shape, [shape, shape]

    def get_initial_state(self, batch_size=None):
        """Zeros ``(batch_size, *out_spatial, filters)`` for ``h`` and ``c``."""
        return [ops.zeros((batch_size,) + self.state_shape, dtype=self.compute_dtype) for _ in range(2)]

    # Masks are drawn before the loop from a stand-in tensor of any shape: only its batch size is read.
    def get_dropout_mask(self, step_input):
        if self.__dict__.get("_dropout_mask") is not None or not self.dropout:
            return self.__dict__.get("_dropout_mask")
        like = ops.zeros((ops.shape(step_input)[0],) + self._step_input_shape(), dtype=ops.dtype(step_input))
        return super().get_dropout_mask(like)

    def get_recurrent_dropout_mask(self, step_state):
        if self.__dict__.get("_recurrent_dropout_mask") is not None or not self.recurrent_dropout:
            return self.__dict__.get("_recurrent_dropout_mask")
        like = ops.zeros((ops.shape(step_state)[0],) + self.state_shape, dtype=ops.dtype(step_state))
        return super().get_recurrent_dropout_mask(like)

    def _step_input_shape(self):
        return tuple(_utils.join_shape(None, self.spatial_dims, self.input_dim, self.data_format)[1:])

    def call(self, inputs, states, training=False):
        h_tm1, c_tm1 = states[0], states[1]
        input_masks, recurrent_masks = self._masks(inputs, h_tm1, training)
        if input_masks is None and recurrent_masks is None:  # all four gates in one convolution each
            z = ops.add(self.input_conv(inputs, self.kernel, self.bias),
                        self.recurrent_conv(h_tm1, self.recurrent_kernel))
            z_i, z_f, z_c, z_o = ops.split(z, 4, axis=_utils.channel_axis(self.data_format))
        else:
            kernels = ops.split(self.kernel, 4, axis=-1)
            recurrent_kernels = ops.split(self.recurrent_kernel, 4, axis=-1)
            biases = ops.split(self.bias, 4) if self.bias is not None else [None] * 4
            z_i, z_f, z_c, z_o = [
                ops.add(self.input_conv(inputs if input_masks is None else ops.multiply(inputs, input_masks[gate]),
                                        kernels[gate], biases[gate]),
                        self.recurrent_conv(h_tm1 if recurrent_masks is None
                                            else ops.multiply(h_tm1, recurrent_masks[gate]), recurrent_kernels[gate]))
                for gate in range(4)]
        i, f, o = self.recurrent_activation(z_i), self.recurrent_activation(z_f), self.recurrent_activation(z_o)
        c = ops.add(ops.multiply(f, c_tm1), ops.multiply(i, self.activation(z_c)))
        h = ops.multiply(o, self.activation(c))
        return h, [h, c]

    def input_conv(self, x, kernel, bias=None):
        out = ops.conv(x, kernel, strides=self.strides, padding=self.padding, data_format=self.data_format,
                       dilation_rate=self.dilation_rate)
        if bias is None:
            return out
        if self.data_format == "channels_first":
            bias = ops.reshape(bias, (-1,) + (1,) * self.rank)
        return ops.add(out, bias)

    def recurrent_conv(self, h, kernel):
        return ops.conv(h, kernel, strides=1, padding="same", data_format=self.data_format)

    def get_config(self):
        config = super().get_config()
        config.update({
            "rank": self.rank, "filters": self.filters, "kernel_size": self.kernel_size, "strides": self.strides,
            "padding": self.padding, "data_format": self.data_format, "dilation_rate": self.dilation_rate,
            "activation": activations.serialize(self.activation),
            "recurrent_activation": activations.serialize(self.recurrent_activation), "use_bias": self.use_bias,
            "kernel_initializer": serialize(self.kernel_initializer),
            "recurrent_initializer": serialize(self.recurrent_initializer),
            "bias_initializer": serialize(self.bias_initializer), "unit_forget_bias": self.unit_forget_bias,
            "kernel_regularizer": serialize(self.kernel_regularizer),
            "recurrent_regularizer": serialize(self.recurrent_regularizer),
            "bias_regularizer": serialize(self.bias_regularizer),
            "kernel_constraint": serialize(self.kernel_constraint),
            "recurrent_constraint": serialize(self.recurrent_constraint),
            "bias_constraint": serialize(self.bias_constraint),
            "dropout": self.dropout, "recurrent_dropout": self.recurrent_dropout, "seed": self.seed})
        return config


class ConvLSTM(RNN):
    """``RNN(ConvLSTMCell(rank, ...))`` with the cell's arguments (Keras's base of ConvLSTM1D/2D/3D)."""

    def __init__(self, rank, filters, kernel_size, strides=1, padding="valid", data_format=None, dilation_rate=1,
                 activation="tanh", recurrent_activation="sigmoid", use_bias=True, kernel_initializer="glorot_uniform",
                 recurrent_initializer="orthogonal", bias_initializer="zeros", unit_forget_bias=True,
                 kernel_regularizer=None, recurrent_regularizer=None, bias_regularizer=None, kernel_constraint=None,
                 recurrent_constraint=None, bias_constraint=None, dropout=0.0, recurrent_dropout=0.0, seed=None,
                 return_sequences=False, return_state=False, go_backwards=False, stateful=False, **kwargs):
        cell = ConvLSTMCell(
            rank, filters, kernel_size, strides=strides, padding=padding, data_format=data_format,
            dilation_rate=dilation_rate, activation=activation, recurrent_activation=recurrent_activation,
            use_bias=use_bias, kernel_initializer=kernel_initializer, recurrent_initializer=recurrent_initializer,
            bias_initializer=bias_initializer, unit_forget_bias=unit_forget_bias,
            kernel_regularizer=kernel_regularizer, recurrent_regularizer=recurrent_regularizer,
            bias_regularizer=bias_regularizer, kernel_constraint=kernel_constraint,
            recurrent_constraint=recurrent_constraint, bias_constraint=bias_constraint, dropout=dropout,
            recurrent_dropout=recurrent_dropout, seed=seed, name="conv_lstm_cell", dtype=kwargs.get("dtype"),
            trainable=kwargs.get("trainable", True))
        super().__init__(cell, return_sequences=return_sequences, return_state=return_state, go_backwards=go_backwards,
                         stateful=stateful, **kwargs)
        self.input_spec = InputSpec(ndim=rank + 3)

    def _input_spec_hint(self):
        rank = self.cell.rank
        return (f"{type(self).__name__} takes sequences shaped (batch, time, {', '.join(['spatial'] * rank)}, "
                f"channels) ({self.cell.data_format}).")

    def compute_output_shape(self, sequences_shape, initial_state_shape=None):
        batch, steps = sequences_shape[0], sequences_shape[1]
        state_shape = self.cell.compute_output_shape((batch,) + tuple(sequences_shape[2:]))[0]
        output_shape = (batch, steps) + state_shape[1:] if self.return_sequences else state_shape
        if self.return_state:
            return output_shape, state_shape, state_shape
        return output_shape

    def inner_loop(self, sequences, initial_state, mask, training=False):
        cell = self.cell
        if mask is None:
            return rnn(lambda x, states: cell.call(x, states, training=training), sequences, initial_state,
                       go_backwards=self.go_backwards, unroll=self.unroll)

        # The loop's masked-output rule reads (batch, units) outputs: each step's output is flattened.
        def step(x, states):
            output, new_states = cell.call(x, states, training=training)
            return ops.reshape(output, (-1, _size(cell.state_shape))), new_states

        last_output, outputs, states = rnn(step, sequences, initial_state, go_backwards=self.go_backwards, mask=mask,
                                           unroll=self.unroll, zero_output_for_mask=self.zero_output_for_mask)
        steps = ops.shape(outputs)[1]
        return (ops.reshape(last_output, (-1,) + cell.state_shape),
                ops.reshape(outputs, (-1, -1 if steps is None else steps) + cell.state_shape), states)

    def _check_initial_state(self, initial_state, batch):
        given = list(initial_state) if isinstance(initial_state, (list, tuple)) else [initial_state]
        expected = (batch,) + self.cell.state_shape
        shapes = [tuple(ops.shape(s)) for s in given]
        if len(given) != 2 or any(len(got) != len(expected) or got[1:] != expected[1:]
                                  or None not in (batch, got[0]) and got[0] != batch for got in shapes):
            raise ValueError(f'{type(self).__name__} layer "{self.name}": initial_state must be 2 tensors (h and c) '
                             f"of shape {expected}, received {len(given)} of shape(s) {shapes}.")
        return given

    def get_config(self):
        config = {key: value for key, value in super().get_config().items() if key != "cell"}
        cell_config = self.cell.get_config()
        for key in ("name", "trainable", "dtype", "rank"):
            cell_config.pop(key, None)
        for key, value in cell_config.items():  # Keras's order: activity_regularizer after bias_regularizer
            config[key] = value
            if key == "bias_regularizer":
                config["activity_regularizer"] = serialize(self.activity_regularizer)
        return config

    @classmethod
    def from_config(cls, config):
        return cls(**config)


def _size(shape):
    size = 1
    for n in shape:
        size *= n
    return size


forward_to_cell(ConvLSTM, ("filters", "kernel_size", "strides", "padding", "data_format", "dilation_rate",
                           "activation", "recurrent_activation", "use_bias", "unit_forget_bias", "dropout",
                           "recurrent_dropout") + _WEIGHT_ARGUMENTS)


class ConvLSTM1D(ConvLSTM):
    """1-D convolutional LSTM: inputs ``(batch, time, steps, channels)``; see the module docstring."""

    def __init__(self, filters, kernel_size, strides=1, padding="valid", data_format=None, dilation_rate=1,
                 activation="tanh", recurrent_activation="sigmoid", use_bias=True, kernel_initializer="glorot_uniform",
                 recurrent_initializer="orthogonal", bias_initializer="zeros", unit_forget_bias=True,
                 kernel_regularizer=None, recurrent_regularizer=None, bias_regularizer=None, activity_regularizer=None,
                 kernel_constraint=None, recurrent_constraint=None, bias_constraint=None, dropout=0.0,
                 recurrent_dropout=0.0, seed=None, return_sequences=False, return_state=False, go_backwards=False,
                 stateful=False, **kwargs):
        super().__init__(1, **_arguments(locals()), **kwargs)


class ConvLSTM2D(ConvLSTM):
    """2-D convolutional LSTM: inputs ``(batch, time, rows, cols, channels)``; see the module docstring."""

    def __init__(self, filters, kernel_size, strides=1, padding="valid", data_format=None, dilation_rate=1,
                 activation="tanh", recurrent_activation="sigmoid", use_bias=True, kernel_initializer="glorot_uniform",
                 recurrent_initializer="orthogonal", bias_initializer="zeros", unit_forget_bias=True,
                 kernel_regularizer=None, recurrent_regularizer=None, bias_regularizer=None, activity_regularizer=None,
                 kernel_constraint=None, recurrent_constraint=None, bias_constraint=None, dropout=0.0,
                 recurrent_dropout=0.0, seed=None, return_sequences=False, return_state=False, go_backwards=False,
                 stateful=False, **kwargs):
        super().__init__(2, **_arguments(locals()), **kwargs)


class ConvLSTM3D(ConvLSTM):
    """3-D convolutional LSTM: inputs ``(batch, time, dim1, dim2, dim3, channels)``; see the module docstring."""

    def __init__(self, filters, kernel_size, strides=1, padding="valid", data_format=None, dilation_rate=1,
                 activation="tanh", recurrent_activation="sigmoid", use_bias=True, kernel_initializer="glorot_uniform",
                 recurrent_initializer="orthogonal", bias_initializer="zeros", unit_forget_bias=True,
                 kernel_regularizer=None, recurrent_regularizer=None, bias_regularizer=None, activity_regularizer=None,
                 kernel_constraint=None, recurrent_constraint=None, bias_constraint=None, dropout=0.0,
                 recurrent_dropout=0.0, seed=None, return_sequences=False, return_state=False, go_backwards=False,
                 stateful=False, **kwargs):
        super().__init__(3, **_arguments(locals()), **kwargs)


def _arguments(local_names):
    """A ConvLSTMnD constructor's named arguments (its ``locals()``) for ``ConvLSTM.__init__``."""
    return {key: value for key, value in local_names.items() if key not in ("self", "kwargs", "__class__")}
