"""What ``SimpleRNN``, ``LSTM`` and ``GRU`` share: each is an ``RNN`` of one built-in cell whose
arguments it takes, forwards (``layer.units`` reads ``layer.cell.units``) and writes in its config;
LSTM and GRU also run their whole-sequence op (``ops.lstm`` / ``ops.gru``) when Keras's fast-path
conditions hold."""

from kerafront import activations, ops
from kerafront.saving.serialization import serialize

CELL_ATTRIBUTES = ("units", "activation", "use_bias", "kernel_initializer", "recurrent_initializer",
                   "bias_initializer", "kernel_regularizer", "recurrent_regularizer", "bias_regularizer",
                   "kernel_constraint", "recurrent_constraint", "bias_constraint", "dropout", "recurrent_dropout")


def cell_layer_config(layer, rnn_config):
    """The config of an ``LSTM``/``GRU``/``SimpleRNN`` layer: ``RNN``'s without the cell, plus the
    cell's arguments and the activity regularizer (Keras's keys)."""
    config = {key: value for key, value in rnn_config.items() if key != "cell"}
    config.update(layer.cell.cell_config())
    config["activity_regularizer"] = serialize(layer.activity_regularizer)
    return config


def fused_path_ok(layer, name):
    """Whether ``layer`` runs its whole-sequence op (Keras's fast-path conditions), else the cell loop;
    ``use_cudnn=True`` where they fail raises."""
    cell = layer.cell
    ok = (layer.use_cudnn in ("auto", True) and cell.activation in (activations.tanh, ops.tanh)
          and cell.recurrent_activation in (activations.sigmoid, ops.sigmoid) and not cell.recurrent_dropout
          and cell.dropout_mask_count is None and not layer.unroll)
    if layer.use_cudnn is True and not ok:
        raise ValueError(f'{name} layer "{layer.name}": use_cudnn=True needs activation="tanh", '
                         'recurrent_activation="sigmoid", recurrent_dropout=0 and unroll=False; pass '
                         'use_cudnn="auto" to fall back to the generic loop.')
    return ok


def dropped_sequence(cell, sequences, training):
    """``sequences`` times the cell's input dropout mask (one per sequence) when training with dropout."""
    if training and 0 < cell.dropout < 1:
        mask = cell.get_dropout_mask(ops.take(sequences, 0, axis=1))
        return ops.multiply(sequences, ops.expand_dims(mask, 1))
    return sequences


def check_use_cudnn(value, name):
    if value not in ("auto", True, False):
        raise ValueError(f'{name}: use_cudnn must be "auto", True or False, received {value!r}.')
    return value
