"""Layer case rows: more of ``keras.layers`` (see ``kerafront.layers._cases``): 1-D depthwise and separable
convolutions, RMSNormalization, adaptive pooling, ReversibleEmbedding (its forward lookup; the reverse
projection: tests/test_layers_more.py) and Pipeline.

``Wrapper`` is an abstract base (no ``call``); tests/test_layers_more.py checks it through a subclass."""

from kerafront import layers as L
from kerafront.layers._cases import LayerCase as C

CF = "channels_first"

CASES = [
    # DepthwiseConv1D: k * in * mult + in * mult; SeparableConv1D: k * in * mult + in * mult * filters + filters
    C("depthwise_conv1d_multiplier", lambda: L.DepthwiseConv1D(3, depth_multiplier=2), (2, 6, 3), (2, 4, 6), 2,
      3 * 3 * 2 + 6),
    C("depthwise_conv1d_same_strided_cf", lambda: L.DepthwiseConv1D(2, strides=2, padding="same", data_format=CF),
      (2, 3, 5), (2, 3, 3), 2, 2 * 3 + 3),
    C("separable_conv1d", lambda: L.SeparableConv1D(4, 3, depth_multiplier=2, activation="tanh"), (2, 6, 3),
      (2, 4, 4), 3, 3 * 3 * 2 + 6 * 4 + 4),
    C("separable_conv1d_cf_dilated_no_bias",
      lambda: L.SeparableConv1D(2, 2, dilation_rate=2, use_bias=False, data_format=CF), (1, 3, 6), (1, 2, 4), 2,
      2 * 3 + 3 * 2),
    C("rms_normalization", lambda: L.RMSNormalization(), (2, 3, 4), (2, 3, 4), 1, 4),
    C("rms_normalization_two_axes", lambda: L.RMSNormalization(axis=[1, 2], epsilon=1e-3), (2, 3, 4), (2, 3, 4),
      1, 12),
    C("adaptive_average_pooling1d", lambda: L.AdaptiveAveragePooling1D(3), (2, 7, 2), (2, 3, 2), 0, 0),
    C("adaptive_average_pooling2d_cf", lambda: L.AdaptiveAveragePooling2D((2, 3), data_format=CF), (1, 2, 5, 7),
      (1, 2, 2, 3), 0, 0),
    C("adaptive_average_pooling3d", lambda: L.AdaptiveAveragePooling3D(2), (1, 3, 4, 5, 2), (1, 2, 2, 2, 2), 0, 0),
    C("adaptive_max_pooling1d", lambda: L.AdaptiveMaxPooling1D(4), (2, 6, 3), (2, 4, 3), 0, 0),
    C("adaptive_max_pooling2d", lambda: L.AdaptiveMaxPooling2D((3, 2)), (1, 5, 4, 2), (1, 3, 2, 2), 0, 0),
    C("adaptive_max_pooling3d_cf", lambda: L.AdaptiveMaxPooling3D((2, 1, 2), data_format=CF), (1, 2, 3, 3, 4),
      (1, 2, 2, 1, 2), 0, 0),
    C("reversible_embedding_untied", lambda: L.ReversibleEmbedding(6, 3, tie_weights=False), (2, 4), (2, 4, 3), 2,
      2 * 6 * 3, int_inputs=6),
    C("pipeline_dense_tanh", lambda: L.Pipeline([L.Dense(3), L.Activation("tanh")]), (2, 4), (2, 3), 2, 4 * 3 + 3),
    # SpectralNormalization at inference is its layer; the training-time update: tests/test_layers_more.py
    C("spectral_normalization_dense", lambda: L.SpectralNormalization(L.Dense(3)), (2, 4), (2, 3), 3, 4 * 3 + 3 + 3),
    # GroupQueryAttention, inputs [query, value]: query dim * q_heads * h + q_heads * h, key and value
    # dim * kv_heads * h + kv_heads * h each, output q_heads * h * dim + dim
    C("group_query_attention", lambda: L.GroupQueryAttention(3, 4, 2), [(2, 4, 6), (2, 5, 6)], (2, 4, 6), 8,
      (6 * 12 + 12) + 2 * (6 * 6 + 6) + (12 * 6 + 6)),
    C("group_query_attention_gate_no_bias", lambda: L.GroupQueryAttention(2, 2, 1, use_gate=True, use_bias=False),
      [(2, 3, 4), (2, 5, 4)], (2, 3, 4), 5, 4 * 4 + 4 * 2 * 2 + 4 * 4 + 4 * 4),
    C("hashed_crossing_one_hot", lambda: L.HashedCrossing(7, output_mode="one_hot"), [(4, 1), (4, 1)], (4, 7), 0, 0,
      int_inputs=20),
]
