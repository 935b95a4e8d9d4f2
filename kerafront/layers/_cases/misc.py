"""Layer case rows: misc layers (see ``kerafront.layers._cases``): group/unit normalization, Identity,
ActivityRegularization, the noise and spatial dropout layers, EinsumDense."""

from kerafront import layers as L
from kerafront.layers._cases import LayerCase as C

CASES = [
    # GroupNormalization: gamma and beta of shape (channels,)
    C("group_norm", lambda: L.GroupNormalization(groups=2), (2, 3, 3, 6), (2, 3, 3, 6), 2, 12),
    C("group_norm_instance_axis1_scale_only", lambda: L.GroupNormalization(groups=-1, axis=1, center=False),
      (2, 3, 5), (2, 3, 5), 1, 3),
    C("unit_norm", lambda: L.UnitNormalization(), (2, 5), (2, 5), 0, 0),
    C("unit_norm_two_axes", lambda: L.UnitNormalization(axis=[1, 2]), (2, 3, 4), (2, 3, 4), 0, 0),
    C("identity", lambda: L.Identity(), (2, 3), (2, 3), 0, 0),
    C("activity_regularization", lambda: L.ActivityRegularization(l1=0.01, l2=0.02), (2, 3), (2, 3), 0, 0),
    C("gaussian_noise", lambda: L.GaussianNoise(0.5, seed=1), (4, 6), (4, 6), 0, 0, training=True,
      random_in_training=True),
    C("gaussian_dropout", lambda: L.GaussianDropout(0.3, seed=1), (4, 6), (4, 6), 0, 0, training=True,
      random_in_training=True),
    C("alpha_dropout", lambda: L.AlphaDropout(0.3, seed=1), (4, 6), (4, 6), 0, 0, training=True,
      random_in_training=True),
    C("alpha_dropout_noise_shape", lambda: L.AlphaDropout(0.4, noise_shape=(None, 1, 4), seed=2), (2, 3, 4),
      (2, 3, 4), 0, 0, training=True, random_in_training=True),
    C("spatial_dropout1d", lambda: L.SpatialDropout1D(0.5, seed=1), (2, 5, 3), (2, 5, 3), 0, 0, training=True,
      random_in_training=True),
    C("spatial_dropout3d", lambda: L.SpatialDropout3D(0.5, seed=1), (2, 2, 3, 2, 3), (2, 2, 3, 2, 3), 0, 0,
      training=True, random_in_training=True),
    C("spatial_dropout3d_channels_first", lambda: L.SpatialDropout3D(0.5, data_format="channels_first", seed=1),
      (2, 3, 2, 2, 2), (2, 3, 2, 2, 2), 0, 0, training=True, random_in_training=True),
    # EinsumDense: kernel sizes from the kernel letters; bias from the first bias letter to the end
    C("einsum_dense_matrix", lambda: L.EinsumDense("ab,bc->ac", output_shape=3, bias_axes="c"), (2, 4), (2, 3), 2,
      4 * 3 + 3),
    C("einsum_dense_rank3", lambda: L.EinsumDense("abc,cd->abd", output_shape=(None, 4), bias_axes="d"),
      (2, 5, 3), (2, 5, 4), 2, 3 * 4 + 4),
    C("einsum_dense_rank3_no_bias_tanh", lambda: L.EinsumDense("abc,cd->abd", output_shape=(5, 2),
                                                               activation="tanh"), (2, 5, 3), (2, 5, 2), 1, 6),
    # "...b,bcd->...cd": kernel (4, 2, 3), bias (2, 3)
    C("einsum_dense_left_ellipsis_heads", lambda: L.EinsumDense("...b,bcd->...cd", output_shape=(2, 3),
                                                                bias_axes="cd"), (2, 5, 4), (2, 5, 2, 3), 2,
      4 * 2 * 3 + 2 * 3),
    # "ab...,bc->ac...": kernel (4, 3), bias (3, 1) (a trailing 1 per elided axis)
    C("einsum_dense_right_ellipsis", lambda: L.EinsumDense("ab...,bc->ac...", output_shape=3, bias_axes="c"),
      (2, 4, 5), (2, 3, 5), 2, 4 * 3 + 3),
]
