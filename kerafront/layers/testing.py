"""The layer case table and helpers behind the layer-contract tests (unit and cross-backend).

One row per layer configuration: how to make it, the input shape(s), the expected output shape,
the number of weight arrays and of parameters (Keras's formula, worked out in the comment), and
whether it runs in training mode. ``tests/test_layers_contract.py`` checks each row's whole
contract on the NumPy backend; ``conformance_tests/test_layers.py`` compares each row's outputs
and gradients across backends. A new layer is a new row.

>>> from kerafront.layers.testing import LAYER_CASES, run_with_gradients  # doctest: +SKIP
"""

import numpy as np

from kerafront import layers as L
from kerafront import ops
from kerafront.layers._cases import LayerCase, family_cases

C = LayerCase
LAYER_CASES = [
    # Dense: in * units + units
    C("dense", lambda: L.Dense(3), (2, 4), (2, 3), 2, 4 * 3 + 3),
    C("dense_rank3_tanh_nobias", lambda: L.Dense(3, activation="tanh", use_bias=False), (2, 5, 4), (2, 5, 3), 1, 12),
    C("activation_gelu", lambda: L.Activation("gelu"), (2, 4), (2, 4), 0, 0),
    C("activation_softmax", lambda: L.Activation("softmax"), (2, 5), (2, 5), 0, 0),
    # Embedding: input_dim * output_dim
    C("embedding", lambda: L.Embedding(10, 3), (2, 5), (2, 5, 3), 1, 30, int_inputs=10),
    # Conv: prod(kernel) * in // groups * filters + filters
    C("conv1d_strided", lambda: L.Conv1D(4, 3, strides=2), (2, 9, 2), (2, 4, 4), 2, 3 * 2 * 4 + 4),
    C("conv1d_causal_dilated", lambda: L.Conv1D(3, 2, padding="causal", dilation_rate=2), (2, 7, 2), (2, 7, 3), 2,
      2 * 2 * 3 + 3),
    C("conv2d_same_strided", lambda: L.Conv2D(3, 3, strides=2, padding="same", activation="relu"), (2, 5, 5, 2),
      (2, 3, 3, 3), 2, 9 * 2 * 3 + 3),
    C("conv2d_channels_first", lambda: L.Conv2D(2, (2, 3), data_format="channels_first"), (2, 3, 5, 6),
      (2, 2, 4, 4), 2, 2 * 3 * 3 * 2 + 2),
    C("conv2d_groups", lambda: L.Conv2D(4, 3, groups=2), (2, 5, 5, 4), (2, 3, 3, 4), 2, 9 * 2 * 4 + 4),
    C("conv2d_dilated", lambda: L.Conv2D(2, 2, dilation_rate=2), (1, 6, 6, 1), (1, 4, 4, 2), 2, 4 * 1 * 2 + 2),
    # Conv2DTranspose: prod(kernel) * filters * in + filters
    C("conv2d_transpose_valid", lambda: L.Conv2DTranspose(3, 3, strides=2), (2, 3, 3, 2), (2, 7, 7, 3), 2,
      9 * 3 * 2 + 3),
    C("conv2d_transpose_same", lambda: L.Conv2DTranspose(2, 2, strides=2, padding="same"), (1, 3, 3, 2),
      (1, 6, 6, 2), 2, 4 * 2 * 2 + 2),
    C("conv2d_transpose_output_padding", lambda: L.Conv2DTranspose(2, 3, strides=2, padding="same", output_padding=1),
      (1, 3, 3, 1), (1, 6, 6, 2), 2, 9 * 2 * 1 + 2),
    # DepthwiseConv2D: prod(kernel) * in * mult + in * mult
    C("depthwise_conv2d", lambda: L.DepthwiseConv2D(3, depth_multiplier=2), (2, 5, 5, 3), (2, 3, 3, 6), 2,
      9 * 3 * 2 + 6),
    # SeparableConv2D: prod(kernel) * in * mult + in * mult * filters + filters
    C("separable_conv2d", lambda: L.SeparableConv2D(4, 3, depth_multiplier=2, padding="same"), (2, 5, 5, 3),
      (2, 5, 5, 4), 3, 9 * 3 * 2 + 6 * 4 + 4),
    C("max_pooling1d", lambda: L.MaxPooling1D(2), (2, 6, 3), (2, 3, 3), 0, 0),
    C("max_pooling2d_same", lambda: L.MaxPooling2D(2, padding="same"), (2, 5, 5, 2), (2, 3, 3, 2), 0, 0),
    C("average_pooling1d", lambda: L.AveragePooling1D(3, strides=1), (2, 6, 2), (2, 4, 2), 0, 0),
    C("average_pooling2d_same", lambda: L.AveragePooling2D(2, strides=1, padding="same"), (1, 3, 3, 2),
      (1, 3, 3, 2), 0, 0),
    C("global_max_pooling1d", lambda: L.GlobalMaxPooling1D(), (2, 5, 3), (2, 3), 0, 0),
    C("global_average_pooling1d", lambda: L.GlobalAveragePooling1D(), (2, 5, 3), (2, 3), 0, 0),
    C("global_max_pooling2d_cf", lambda: L.GlobalMaxPooling2D(data_format="channels_first"), (2, 3, 4, 4), (2, 3),
      0, 0),
    C("global_average_pooling2d_keepdims", lambda: L.GlobalAveragePooling2D(keepdims=True), (2, 4, 4, 3),
      (2, 1, 1, 3), 0, 0),
    # BatchNormalization: 4 * features (gamma, beta trainable; moving mean/variance not)
    C("batch_norm_training", lambda: L.BatchNormalization(), (4, 3), (4, 3), 4, 12, training=True),
    C("batch_norm_axis1_training", lambda: L.BatchNormalization(axis=1), (4, 3, 2, 2), (4, 3, 2, 2), 4, 12,
      training=True),
    C("batch_norm_inference", lambda: L.BatchNormalization(center=False), (4, 3), (4, 3), 3, 9),
    # LayerNormalization: 2 * prod(normalized dims)
    C("layer_norm", lambda: L.LayerNormalization(), (2, 5, 4), (2, 5, 4), 2, 8),
    C("layer_norm_two_axes", lambda: L.LayerNormalization(axis=[1, 2]), (2, 3, 4), (2, 3, 4), 2, 24),
    C("dropout", lambda: L.Dropout(0.5), (4, 6), (4, 6), 0, 0, training=True, random_in_training=True),
    C("spatial_dropout2d", lambda: L.SpatialDropout2D(0.5), (2, 3, 3, 4), (2, 3, 3, 4), 0, 0, training=True,
      random_in_training=True),
    C("flatten", lambda: L.Flatten(), (2, 3, 4), (2, 12), 0, 0),
    C("flatten_channels_first", lambda: L.Flatten(data_format="channels_first"), (2, 3, 2, 2), (2, 12), 0, 0),
    C("reshape", lambda: L.Reshape((-1, 2)), (2, 6), (2, 3, 2), 0, 0),
    C("permute", lambda: L.Permute((2, 1)), (2, 3, 4), (2, 4, 3), 0, 0),
    C("repeat_vector", lambda: L.RepeatVector(3), (2, 4), (2, 3, 4), 0, 0),
    C("zero_padding2d", lambda: L.ZeroPadding2D(((1, 0), (2, 1))), (1, 3, 3, 2), (1, 4, 6, 2), 0, 0),
    C("cropping2d", lambda: L.Cropping2D(((1, 0), (0, 2))), (1, 4, 5, 2), (1, 3, 3, 2), 0, 0),
    C("up_sampling2d_nearest", lambda: L.UpSampling2D((2, 3)), (1, 2, 2, 1), (1, 4, 6, 1), 0, 0),
    C("up_sampling2d_bilinear", lambda: L.UpSampling2D(2, interpolation="bilinear"), (1, 3, 3, 2), (1, 6, 6, 2),
      0, 0),
    C("add", lambda: L.Add(), [(2, 3), (2, 3), (2, 3)], (2, 3), 0, 0),
    C("subtract", lambda: L.Subtract(), [(2, 3), (2, 3)], (2, 3), 0, 0),
    C("multiply_broadcast", lambda: L.Multiply(), [(2, 3), (2, 1)], (2, 3), 0, 0),
    C("average", lambda: L.Average(), [(2, 3), (2, 3)], (2, 3), 0, 0),
    C("maximum", lambda: L.Maximum(), [(2, 3), (2, 3)], (2, 3), 0, 0),
    C("minimum", lambda: L.Minimum(), [(2, 3), (2, 3)], (2, 3), 0, 0),
    C("concatenate_axis1", lambda: L.Concatenate(axis=1), [(2, 3, 2), (2, 1, 2)], (2, 4, 2), 0, 0),
    C("dot_vectors", lambda: L.Dot(axes=1), [(2, 4), (2, 4)], (2, 1), 0, 0),
    C("dot_matrices", lambda: L.Dot(axes=(2, 1)), [(2, 3, 4), (2, 4, 5)], (2, 3, 5), 0, 0),
    C("dot_cosine", lambda: L.Dot(axes=-1, normalize=True), [(2, 4), (2, 4)], (2, 1), 0, 0),
    # MultiHeadAttention, inputs [query, value(, key)]: query/key/value kernels dim * heads * size plus biases
    # heads * size, output kernel heads * value_dim * out plus bias out
    C("multi_head_attention", lambda: L.MultiHeadAttention(2, 3), [(2, 4, 6), (2, 5, 6)], (2, 4, 6), 8,
      3 * (6 * 2 * 3 + 2 * 3) + 2 * 3 * 6 + 6),
    C("multi_head_attention_key_value_dim_output_shape",
      lambda: L.MultiHeadAttention(2, 3, value_dim=4, output_shape=5, use_bias=False),
      [(2, 4, 6), (2, 5, 7), (2, 5, 3)], (2, 4, 5), 4, 6 * 2 * 3 + 3 * 2 * 3 + 7 * 2 * 4 + 2 * 4 * 5),
    C("multi_head_attention_axes_1_2", lambda: L.MultiHeadAttention(2, 2, attention_axes=(1, 2)),
      [(2, 3, 2, 4), (2, 3, 2, 4)], (2, 3, 2, 4), 8, 4 * (4 * 2 * 2 + 4)),
    C("multi_head_attention_dropout", lambda: L.MultiHeadAttention(2, 3, dropout=0.5, seed=1),
      [(2, 4, 6), (2, 5, 6)], (2, 4, 6), 8, 3 * (6 * 2 * 3 + 2 * 3) + 2 * 3 * 6 + 6, training=True,
      random_in_training=True),
    # Attention: a scalar scale and/or concat_score_weight; AdditiveAttention: scale of size dim
    C("attention_dot_scaled", lambda: L.Attention(use_scale=True), [(2, 3, 4), (2, 5, 4)], (2, 3, 4), 1, 1),
    C("attention_concat_with_key", lambda: L.Attention(score_mode="concat"), [(2, 3, 4), (2, 5, 4), (2, 5, 4)],
      (2, 3, 4), 1, 1),
    C("additive_attention", lambda: L.AdditiveAttention(), [(2, 3, 4), (2, 5, 4)], (2, 3, 4), 1, 4),
    C("masking", lambda: L.Masking(), (2, 5, 3), (2, 5, 3), 0, 0),
    # Recurrent: kernel in * gates * units, recurrent_kernel units * gates * units, bias gates * units
    # (GRU reset_after: 2 * 3 * units); gates 1 (SimpleRNN), 4 (LSTM), 3 (GRU)
    C("simple_rnn", lambda: L.SimpleRNN(4), (2, 5, 3), (2, 4), 3, 3 * 4 + 4 * 4 + 4),
    C("simple_rnn_sequences_backwards_nobias", lambda: L.SimpleRNN(4, return_sequences=True, go_backwards=True,
                                                                   use_bias=False), (2, 5, 3), (2, 5, 4), 2, 28),
    C("lstm", lambda: L.LSTM(3), (2, 5, 4), (2, 3), 3, 4 * 12 + 3 * 12 + 12),
    C("lstm_sequences_backwards", lambda: L.LSTM(3, return_sequences=True, go_backwards=True), (2, 5, 4),
      (2, 5, 3), 3, 96),
    C("lstm_cell_loop_unrolled", lambda: L.LSTM(3, activation="sigmoid", unroll=True, return_sequences=True),
      (2, 4, 2), (2, 4, 3), 3, 2 * 12 + 3 * 12 + 12),
    C("lstm_dropout", lambda: L.LSTM(3, dropout=0.5, recurrent_dropout=0.5, seed=1), (2, 5, 4), (2, 3), 3, 96,
      training=True, random_in_training=True),
    C("gru", lambda: L.GRU(3), (2, 5, 4), (2, 3), 3, 4 * 9 + 3 * 9 + 2 * 9),
    C("gru_reset_before_sequences", lambda: L.GRU(3, reset_after=False, return_sequences=True), (2, 5, 4),
      (2, 5, 3), 3, 4 * 9 + 3 * 9 + 9),
    C("gru_cell_loop", lambda: L.GRU(3, recurrent_activation="tanh"), (2, 5, 4), (2, 3), 3, 81),
    # RNN over stacked cells: SimpleRNNCell(3) on 4 features, then GRUCell(2) on 3
    C("rnn_stacked_cells", lambda: L.RNN([L.SimpleRNNCell(3), L.GRUCell(2)]), (2, 5, 4), (2, 2), 6,
      (12 + 9 + 3) + (3 * 6 + 2 * 6 + 2 * 6)),
    # the same stack as an explicit StackedRNNCells, and an RNN over an LSTMCell (4 * (4*3 + 3*3 + 3))
    C("rnn_stacked_rnn_cells", lambda: L.RNN(L.StackedRNNCells([L.SimpleRNNCell(3), L.GRUCell(2)])), (2, 5, 4),
      (2, 2), 6, (12 + 9 + 3) + (3 * 6 + 2 * 6 + 2 * 6)),
    C("rnn_lstm_cell", lambda: L.RNN(L.LSTMCell(3), return_sequences=True), (2, 5, 4), (2, 5, 3), 3, 96),
    # Bidirectional: twice the wrapped layer's parameters
    C("bidirectional_lstm_concat", lambda: L.Bidirectional(L.LSTM(2, return_sequences=True)), (2, 5, 3),
      (2, 5, 4), 6, 2 * (3 * 8 + 2 * 8 + 8)),
    C("bidirectional_gru_sum", lambda: L.Bidirectional(L.GRU(2), merge_mode="sum"), (2, 5, 3), (2, 2), 6,
      2 * (3 * 6 + 2 * 6 + 2 * 6)),
    C("bidirectional_simple_rnn_mul", lambda: L.Bidirectional(L.SimpleRNN(2, return_sequences=True),
                                                              merge_mode="mul"), (2, 5, 3), (2, 5, 2), 6, 24),
    C("bidirectional_lstm_ave", lambda: L.Bidirectional(L.LSTM(2), merge_mode="ave"), (2, 5, 3), (2, 2), 6, 96),
    C("time_distributed_dense", lambda: L.TimeDistributed(L.Dense(2)), (2, 4, 3), (2, 4, 2), 2, 3 * 2 + 2),
]
LAYER_CASES += family_cases()
del C


def run_with_gradients(layer, inputs, training, cotangent, differentiate_inputs=True):
    """Run ``layer`` through ``stateless_call`` and differentiate ``sum(outputs * cotangent)``.

    Returns ``(outputs, trainable_grads, input_grads)`` as NumPy arrays (``input_grads`` is None
    when ``differentiate_inputs`` is False, a list for list inputs). Nothing in the layer changes.
    """
    trainable = [v.value for v in layer.trainable_variables]
    non_trainable = [v.value for v in layer.non_trainable_variables]
    tensors = ops.convert_to_tensor(inputs) if not isinstance(inputs, list) else [ops.convert_to_tensor(x)
                                                                                   for x in inputs]
    cot = ops.convert_to_tensor(cotangent)

    def loss(trainable_values, x):
        outputs, _ = layer.stateless_call(trainable_values, non_trainable, x, training=training)
        return ops.sum(ops.multiply(outputs, ops.cast(cot, ops.dtype(outputs)))), outputs

    argnums = (0, 1) if differentiate_inputs else 0
    (_, outputs), grads = ops.value_and_grad(loss, argnums=argnums, has_aux=True)(trainable, tensors)
    weight_grads, input_grads = grads if differentiate_inputs else (grads, None)
    to_np = ops.convert_to_numpy
    if input_grads is not None:
        input_grads = [to_np(g) for g in input_grads] if isinstance(input_grads, list) else to_np(input_grads)
    return to_np(outputs), [to_np(g) for g in weight_grads], input_grads


def reference_arrays(case, seed=0, dtype="float32"):
    """Inputs and a cotangent for ``case``, drawn from ``np.random.default_rng(seed)``."""
    rng = np.random.default_rng(seed)
    inputs = case.inputs(rng, dtype)
    cotangent = rng.standard_normal(case.output_shape).astype(dtype)
    return inputs, cotangent
