"""Layer case rows: spatial layers (see ``kerafront.layers._cases``): 3-D convolutions and pooling, 1-D/3-D
transposed convolutions, cropping, zero padding and upsampling, and ``keepdims`` on global pooling."""

from kerafront import layers as L
from kerafront.layers._cases import LayerCase as C

CF = "channels_first"

CASES = [
    # Conv3D: prod(kernel) * in // groups * filters + filters
    C("conv3d_same_strided", lambda: L.Conv3D(3, 3, strides=2, padding="same", activation="relu"), (2, 5, 4, 4, 2),
      (2, 3, 2, 2, 3), 2, 27 * 2 * 3 + 3),
    C("conv3d_channels_first", lambda: L.Conv3D(2, (2, 3, 2), data_format=CF), (2, 3, 4, 5, 4), (2, 2, 3, 3, 3), 2,
      12 * 3 * 2 + 2),
    C("conv3d_dilated_groups", lambda: L.Conv3D(4, 2, dilation_rate=(2, 1, 1), groups=2, use_bias=False),
      (1, 5, 4, 4, 4), (1, 3, 3, 3, 4), 1, 8 * 2 * 4),
    # Conv1DTranspose / Conv3DTranspose: prod(kernel) * filters * in + filters
    C("conv1d_transpose_strided", lambda: L.Conv1DTranspose(3, 3, strides=2), (2, 4, 2), (2, 9, 3), 2, 3 * 3 * 2 + 3),
    C("conv1d_transpose_cf_output_padding",
      lambda: L.Conv1DTranspose(2, 3, strides=2, padding="same", output_padding=1, data_format=CF), (2, 3, 4),
      (2, 2, 8), 2, 3 * 2 * 3 + 2),
    C("conv3d_transpose_same_strided", lambda: L.Conv3DTranspose(2, 2, strides=2, padding="same"), (1, 2, 3, 2, 2),
      (1, 4, 6, 4, 2), 2, 8 * 2 * 2 + 2),
    C("conv3d_transpose_cf_output_padding",
      lambda: L.Conv3DTranspose(2, 3, strides=(2, 2, 1), data_format=CF, output_padding=(1, 1, 0)), (1, 2, 2, 3, 2),
      (1, 2, 6, 8, 4), 2, 27 * 2 * 2 + 2),
    C("max_pooling3d", lambda: L.MaxPooling3D(2), (2, 4, 4, 4, 2), (2, 2, 2, 2, 2), 0, 0),
    C("max_pooling3d_same_cf", lambda: L.MaxPooling3D(3, strides=2, padding="same", data_format=CF), (1, 2, 5, 4, 3),
      (1, 2, 3, 2, 2), 0, 0),
    C("average_pooling3d_same", lambda: L.AveragePooling3D((2, 3, 2), strides=1, padding="same"), (1, 3, 4, 3, 2),
      (1, 3, 4, 3, 2), 0, 0),
    C("average_pooling3d_cf", lambda: L.AveragePooling3D(data_format=CF), (1, 2, 4, 5, 2), (1, 2, 2, 2, 1), 0, 0),
    C("global_max_pooling3d", lambda: L.GlobalMaxPooling3D(), (2, 3, 3, 3, 2), (2, 2), 0, 0),
    C("global_max_pooling3d_keepdims", lambda: L.GlobalMaxPooling3D(keepdims=True), (2, 2, 3, 2, 3),
      (2, 1, 1, 1, 3), 0, 0),
    C("global_average_pooling3d_keepdims_cf", lambda: L.GlobalAveragePooling3D(data_format=CF, keepdims=True),
      (2, 3, 2, 3, 2), (2, 3, 1, 1, 1), 0, 0),
    C("global_average_pooling3d", lambda: L.GlobalAveragePooling3D(), (2, 2, 3, 2, 3), (2, 3), 0, 0),
    C("global_max_pooling1d_keepdims", lambda: L.GlobalMaxPooling1D(keepdims=True), (2, 5, 3), (2, 1, 3), 0, 0),
    C("cropping1d", lambda: L.Cropping1D((1, 2)), (2, 6, 3), (2, 3, 3), 0, 0),
    C("cropping3d", lambda: L.Cropping3D(((1, 0), (0, 2), 1)), (1, 3, 4, 4, 2), (1, 2, 2, 2, 2), 0, 0),
    C("cropping3d_cf", lambda: L.Cropping3D(1, data_format=CF), (1, 2, 3, 4, 5), (1, 2, 1, 2, 3), 0, 0),
    C("zero_padding1d", lambda: L.ZeroPadding1D((2, 1)), (2, 3, 2), (2, 6, 2), 0, 0),
    C("zero_padding1d_cf", lambda: L.ZeroPadding1D(1, data_format=CF), (2, 2, 3), (2, 2, 5), 0, 0),
    C("zero_padding3d", lambda: L.ZeroPadding3D(((1, 0), 2, (0, 1))), (1, 2, 2, 2, 2), (1, 3, 6, 3, 2), 0, 0),
    C("zero_padding3d_cf", lambda: L.ZeroPadding3D(1, data_format=CF), (1, 2, 2, 3, 2), (1, 2, 4, 5, 4), 0, 0),
    C("up_sampling1d", lambda: L.UpSampling1D(3), (2, 3, 2), (2, 9, 2), 0, 0),
    C("up_sampling3d", lambda: L.UpSampling3D((2, 1, 3)), (1, 2, 2, 2, 1), (1, 4, 2, 6, 1), 0, 0),
    C("up_sampling3d_cf", lambda: L.UpSampling3D(2, data_format=CF), (1, 2, 2, 1, 2), (1, 2, 4, 2, 4), 0, 0),
]
