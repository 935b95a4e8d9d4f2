"""Layer case rows: ConvLSTM1D/2D/3D (see ``kerafront.layers._cases``).

Weights: kernel ``k * channels * 4 * filters``, recurrent kernel ``k * filters * 4 * filters``,
bias ``4 * filters`` (``k``: the product of ``kernel_size``). Values against Keras 3:
tests/test_layers_conv_lstm.py."""

from kerafront import layers as L
from kerafront.layers._cases import LayerCase as C

CF = "channels_first"

CASES = [
    C("conv_lstm1d", lambda: L.ConvLSTM1D(2, 3), (2, 3, 6, 2), (2, 4, 2), 3, 3 * 2 * 8 + 3 * 2 * 8 + 8),
    C("conv_lstm1d_strided_sequences", lambda: L.ConvLSTM1D(2, 2, strides=2, padding="same", return_sequences=True),
      (2, 3, 5, 1), (2, 3, 3, 2), 3, 2 * 1 * 8 + 2 * 2 * 8 + 8),
    C("conv_lstm2d_same_backwards", lambda: L.ConvLSTM2D(2, 2, padding="same", go_backwards=True), (1, 3, 4, 3, 2),
      (1, 4, 3, 2), 3, 4 * 2 * 8 + 4 * 2 * 8 + 8),
    C("conv_lstm2d_cf_no_bias_sequences",
      lambda: L.ConvLSTM2D(2, (2, 1), data_format=CF, use_bias=False, return_sequences=True), (1, 2, 3, 4, 3),
      (1, 2, 2, 3, 3), 2, 2 * 3 * 8 + 2 * 2 * 8),
    C("conv_lstm2d_dilated_relu", lambda: L.ConvLSTM2D(1, 2, dilation_rate=2, activation="relu"), (1, 2, 5, 4, 1),
      (1, 3, 2, 1), 3, 4 * 1 * 4 + 4 * 1 * 4 + 4),
    C("conv_lstm2d_dropout", lambda: L.ConvLSTM2D(2, 2, dropout=0.5, recurrent_dropout=0.5, seed=3),
      (1, 2, 3, 3, 1), (1, 2, 2, 2), 3, 4 * 1 * 8 + 4 * 2 * 8 + 8, training=True, random_in_training=True),
    C("conv_lstm3d", lambda: L.ConvLSTM3D(1, 2, padding="same"), (1, 2, 2, 3, 2, 1), (1, 2, 3, 2, 1), 3,
      8 * 1 * 4 + 8 * 1 * 4 + 4),
]
