"""Recurrent layers (Keras 3's names, arguments, defaults, weight shapes and order).

Cells (one time step): ``SimpleRNNCell``, ``LSTMCell``, ``GRUCell``, ``StackedRNNCells``.
Layers (a sequence): ``RNN`` (any cell), ``SimpleRNN``, ``LSTM``, ``GRU``, ``ConvLSTM1D/2D/3D``; wrappers
``Bidirectional`` and ``TimeDistributed``. The loop and the whole-sequence ops are in
``kerafront.ops.rnn``.
"""

from kerafront.layers.rnn.bidirectional import Bidirectional
from kerafront.layers.rnn.conv_lstm import ConvLSTM1D, ConvLSTM2D, ConvLSTM3D
from kerafront.layers.rnn.gru import GRU, GRUCell
from kerafront.layers.rnn.lstm import LSTM, LSTMCell
from kerafront.layers.rnn.rnn import RNN
from kerafront.layers.rnn.simple_rnn import SimpleRNN, SimpleRNNCell
from kerafront.layers.rnn.stacked_rnn_cells import StackedRNNCells
from kerafront.layers.rnn.time_distributed import TimeDistributed

__all__ = ["RNN", "SimpleRNNCell", "LSTMCell", "GRUCell", "StackedRNNCells", "SimpleRNN", "LSTM", "GRU",
           "Bidirectional", "TimeDistributed", "ConvLSTM1D", "ConvLSTM2D", "ConvLSTM3D"]
