"""Cases for conv, conv_transpose, max_pool and average_pool (1-D, 2-D and 3-D).

Covers valid/same padding (TensorFlow's rule: the extra pad goes at the end, including stride 2
with even kernels and dilation), strides, dilation, both data formats, groups and depthwise,
size-1 and empty batches. Expected values come from ``conformance_tests/naive.py``.
"""

import numpy as np

from conformance_tests import naive
from conformance_tests.cases import Gen, T, add

g = Gen("nn")
CF = {"data_format": "channels_first"}


def _conv(name, x_shape, k_shape, dtype="float32", **kwargs):
    tol = "loose" if dtype == "float16" else "linalg"
    add("conv", name, T(g.normal(x_shape, dtype)), T(g.normal(k_shape, dtype, scale=0.5)), kwargs=kwargs,
        dtype=dtype, expect=naive.conv, tol=tol)


# 2-D, channels_last: x (N, H, W, C_in), kernel (kh, kw, C_in // groups, C_out)
_conv("2d_valid", (2, 5, 5, 3), (3, 3, 3, 4))
_conv("2d_same", (2, 5, 5, 3), (3, 3, 3, 4), padding="same")
_conv("2d_same_even_kernel", (1, 5, 5, 2), (2, 2, 2, 3), padding="same")
_conv("2d_same_stride2_even_kernel", (1, 5, 5, 2), (2, 2, 2, 3), strides=2, padding="same")
_conv("2d_same_stride2_k4_in7", (1, 7, 7, 2), (4, 4, 2, 2), strides=2, padding="same")
_conv("2d_same_stride2_odd_kernel_even_input", (1, 6, 6, 2), (3, 3, 2, 3), strides=2, padding="same")
_conv("2d_valid_stride2_rect", (1, 7, 6, 2), (3, 2, 2, 3), strides=2)
_conv("2d_strides_tuple", (1, 6, 7, 2), (3, 3, 2, 2), strides=(1, 2), padding="same")
_conv("2d_dilation2_valid", (1, 7, 7, 2), (3, 3, 2, 2), dilation_rate=2)
_conv("2d_dilation2_same_even_kernel", (1, 6, 6, 2), (2, 2, 2, 3), dilation_rate=2, padding="same")
_conv("2d_dilation_tuple_same", (1, 6, 5, 2), (3, 2, 2, 2), dilation_rate=(2, 1), padding="same")
_conv("2d_groups2", (1, 5, 5, 4), (3, 3, 2, 6), padding="same")
_conv("2d_depthwise", (2, 5, 5, 3), (3, 3, 1, 6))
_conv("2d_depthwise_same_stride2", (1, 6, 6, 2), (3, 3, 1, 2), strides=2, padding="same")
_conv("2d_1x1", (2, 3, 3, 3), (1, 1, 3, 2))
_conv("2d_kernel_equals_input", (1, 3, 3, 2), (3, 3, 2, 2))
_conv("2d_size1", (1, 1, 1, 2), (1, 1, 2, 3), padding="same")
_conv("2d_empty_batch", (0, 4, 4, 2), (3, 3, 2, 2))
_conv("2d_f16", (1, 4, 4, 2), (3, 3, 2, 2), dtype="float16")
_conv("2d_f64", (1, 4, 4, 2), (3, 3, 2, 2), dtype="float64", padding="same")
# 2-D, channels_first: x (N, C_in, H, W); the kernel layout is the same.
_conv("2d_cf_valid", (2, 3, 5, 5), (3, 3, 3, 4), **CF)
_conv("2d_cf_same_stride2", (1, 2, 6, 5), (3, 3, 2, 3), strides=2, padding="same", **CF)
_conv("2d_cf_same_even_kernel_dilation", (1, 2, 6, 6), (2, 2, 2, 2), dilation_rate=2, padding="same", **CF)
_conv("2d_cf_groups2", (1, 4, 4, 4), (3, 3, 2, 4), padding="same", **CF)
_conv("2d_cf_depthwise", (1, 3, 5, 5), (3, 3, 1, 3), **CF)
# 1-D: x (N, L, C_in), kernel (k, C_in // groups, C_out)
_conv("1d_valid", (2, 7, 3), (3, 3, 4))
_conv("1d_same", (2, 7, 3), (3, 3, 2), padding="same")
_conv("1d_same_stride2_even_kernel", (1, 7, 2), (4, 2, 3), strides=2, padding="same")
_conv("1d_valid_stride_tuple", (1, 8, 2), (3, 2, 2), strides=(3,))
_conv("1d_dilation2_same", (1, 7, 2), (3, 2, 2), dilation_rate=2, padding="same")
_conv("1d_groups2", (1, 6, 4), (3, 2, 4))
_conv("1d_depthwise", (2, 6, 3), (2, 1, 3), padding="same")
_conv("1d_cf_same", (2, 3, 6), (3, 3, 2), padding="same", **CF)
_conv("1d_cf_stride2", (1, 2, 7), (2, 2, 2), strides=2, **CF)


def _conv_transpose(name, x_shape, k_shape, dtype="float32", **kwargs):
    tol = "loose" if dtype == "float16" else "linalg"
    add("conv_transpose", name, T(g.normal(x_shape, dtype)), T(g.normal(k_shape, dtype, scale=0.5)),
        kwargs=kwargs, dtype=dtype, expect=naive.conv_transpose, tol=tol)


# kernel (*k, C_out, C_in)
_conv_transpose("2d_valid", (1, 3, 3, 4), (3, 3, 2, 4))
_conv_transpose("2d_same", (2, 3, 3, 3), (3, 3, 2, 3), padding="same")
_conv_transpose("2d_valid_stride2", (1, 3, 3, 2), (3, 3, 2, 2), strides=2)
_conv_transpose("2d_same_stride2", (1, 3, 3, 2), (3, 3, 3, 2), strides=2, padding="same")
_conv_transpose("2d_same_stride2_even_kernel", (1, 3, 4, 2), (4, 4, 2, 2), strides=2, padding="same")
_conv_transpose("2d_same_stride3_small_kernel", (1, 2, 2, 2), (2, 2, 1, 2), strides=3, padding="same")
_conv_transpose("2d_output_padding_valid", (1, 3, 3, 2), (3, 3, 2, 2), strides=2, output_padding=1)
_conv_transpose("2d_output_padding_same", (1, 3, 3, 2), (3, 3, 2, 2), strides=2, padding="same",
                output_padding=1)
_conv_transpose("2d_dilation2", (1, 3, 3, 2), (2, 2, 2, 2), dilation_rate=2)
_conv_transpose("2d_strides_tuple", (1, 3, 2, 2), (3, 3, 2, 2), strides=(2, 1), padding="same")
_conv_transpose("2d_cf_same_stride2", (1, 2, 3, 3), (3, 3, 3, 2), strides=2, padding="same", **CF)
_conv_transpose("2d_cf_valid", (2, 3, 2, 3), (2, 2, 2, 3), **CF)
_conv_transpose("2d_f16", (1, 2, 2, 2), (3, 3, 2, 2), dtype="float16", strides=2)
_conv_transpose("1d_valid_stride2", (2, 4, 3), (3, 2, 3), strides=2)
_conv_transpose("1d_same", (1, 5, 2), (3, 3, 2), padding="same")
_conv_transpose("1d_same_stride2_even_kernel", (1, 4, 2), (4, 2, 2), strides=2, padding="same")
_conv_transpose("1d_cf_valid", (1, 2, 4), (3, 3, 2), **CF)


def _pools(name, x_shape, dtype="float32", **kwargs):
    x = g.distinct(x_shape, dtype, spacing=0.1 if dtype == "float16" else 0.05)
    tol = "loose" if dtype == "float16" else "reduction"
    add("max_pool", name, T(x), kwargs=kwargs, dtype=dtype, expect=naive.max_pool, tol=tol)
    add("average_pool", name, T(x), kwargs=kwargs, dtype=dtype, expect=naive.average_pool, tol=tol)


_pools("2d_valid_2x2", (2, 4, 4, 3), pool_size=2)
_pools("2d_valid_3x3_stride1", (1, 5, 5, 2), pool_size=3, strides=1)
_pools("2d_valid_drops_remainder", (1, 5, 5, 1), pool_size=2)
_pools("2d_same_3x3_stride2", (1, 5, 5, 2), pool_size=3, strides=2, padding="same")
_pools("2d_same_2x2_stride2_odd_input", (1, 5, 5, 2), pool_size=(2, 2), strides=(2, 2), padding="same")
_pools("2d_same_3x3_stride1", (1, 4, 4, 2), pool_size=3, strides=1, padding="same")
_pools("2d_rect", (1, 4, 6, 2), pool_size=(2, 1), strides=(1, 2))
_pools("2d_pool_equals_input", (2, 3, 3, 2), pool_size=3)
_pools("2d_size1", (1, 1, 1, 3), pool_size=1, padding="same")
_pools("2d_cf_valid", (2, 3, 4, 4), pool_size=2, **CF)
_pools("2d_cf_same_stride2", (1, 2, 5, 5), pool_size=3, strides=2, padding="same", **CF)
_pools("2d_f16", (1, 4, 4, 2), dtype="float16", pool_size=2)
_pools("1d_valid", (2, 6, 3), pool_size=2)
_pools("1d_valid_stride1", (1, 6, 2), pool_size=3, strides=1)
_pools("1d_same_stride1", (1, 5, 2), pool_size=3, strides=1, padding="same")
_pools("1d_same_stride2_even_pool", (1, 7, 2), pool_size=4, strides=2, padding="same")
_pools("1d_cf_same", (2, 2, 5), pool_size=2, padding="same", **CF)

# One output channel with batch 1 (torch takes its slow kernels there), upper-case padding,
# per-dim strides with an even kernel, and a gradient for the kernel alone (inputs held constant).
_conv("2d_one_out_channel_batch1", (1, 5, 5, 2), (3, 3, 2, 1), strides=2, padding="same")
_conv("2d_cf_one_out_channel_batch1", (1, 2, 5, 5), (3, 3, 2, 1), strides=2, padding="same", **CF)
_conv("2d_padding_upper_case", (1, 5, 5, 2), (2, 2, 2, 2), strides=2, padding="SAME")
_conv("2d_strides_2x3_even_kernel_same", (1, 8, 8, 2), (4, 4, 2, 3), strides=(2, 3), padding="same")
_conv("1d_groups2_stride3_even_kernel_same", (1, 8, 4), (4, 2, 4), strides=3, padding="same")
add("conv", "kernel_grad_only", T(g.normal((2, 6, 6, 1)), diff=False), T(g.normal((3, 3, 1, 4), scale=0.5)),
    dtype="float32", expect=naive.conv, tol="linalg")

_conv_transpose("2d_one_in_channel_batch1", (1, 5, 5, 1), (3, 3, 2, 1), strides=2, padding="same")
_conv_transpose("2d_output_padding2_stride3", (1, 3, 3, 2), (4, 4, 2, 2), strides=3, padding="same",
                output_padding=2)
_conv_transpose("2d_output_padding_tuple", (1, 3, 4, 2), (3, 3, 2, 2), strides=(2, 3), padding="same",
                output_padding=(1, 0))
_conv_transpose("1d_same_dilation2", (1, 4, 3), (3, 2, 3), padding="same", dilation_rate=2)
_conv_transpose("1d_valid_stride_exceeds_kernel", (2, 5, 3), (2, 2, 3), strides=3)

_pools("2d_same_4x4_stride3", (1, 9, 9, 2), pool_size=4, strides=3, padding="same")
_pools("2d_same_rect_pool_strides_1x2", (1, 6, 6, 2), pool_size=(2, 3), strides=(1, 2), padding="same")
# Integer inputs: max_pool keeps the dtype, average_pool gives floatx.
ints = g.ints((1, 4, 4, 2), -9, 10)
add("max_pool", "int32_keeps", T(ints), kwargs={"pool_size": 3, "strides": 2, "padding": "same"}, dtype="int32",
    expect=naive.max_pool)
add("average_pool", "int32_to_floatx", T(ints), kwargs={"pool_size": 2}, dtype="float32", expect=naive.average_pool,
    tol="reduction")

# 3-D: x (N, D, H, W, C) (channels_first: (N, C, D, H, W)), kernel (kd, kh, kw, C_in // groups, C_out)
_conv("3d_valid", (2, 4, 4, 3, 2), (2, 2, 2, 2, 3))
_conv("3d_same_stride2", (1, 5, 4, 4, 2), (3, 3, 2, 2, 3), strides=2, padding="same")
_conv("3d_same_even_kernel_strides_tuple", (1, 5, 5, 4, 2), (2, 2, 2, 2, 2), strides=(2, 1, 2), padding="same")
_conv("3d_dilation2_same", (1, 5, 5, 5, 1), (2, 2, 2, 1, 2), dilation_rate=2, padding="same")
_conv("3d_dilation_tuple_valid", (1, 5, 4, 4, 2), (2, 2, 2, 2, 2), dilation_rate=(2, 1, 1))
_conv("3d_groups2", (1, 4, 4, 4, 4), (2, 2, 2, 2, 4), padding="same")
_conv("3d_depthwise", (1, 4, 4, 4, 2), (2, 2, 2, 1, 4))
_conv("3d_empty_batch", (0, 3, 3, 3, 2), (2, 2, 2, 2, 2))
_conv("3d_f16", (1, 3, 3, 3, 2), (2, 2, 2, 2, 2), dtype="float16")
_conv("3d_f64", (1, 3, 3, 3, 2), (2, 2, 2, 2, 2), dtype="float64", padding="same")
_conv("3d_cf_valid", (2, 2, 4, 4, 3), (2, 2, 2, 2, 3), **CF)
_conv("3d_cf_same_stride2", (1, 2, 5, 4, 5), (3, 3, 3, 2, 2), strides=2, padding="same", **CF)
_conv("3d_cf_dilation2_same", (1, 2, 5, 5, 4), (2, 2, 2, 2, 2), dilation_rate=2, padding="same", **CF)
_conv("3d_cf_groups2", (1, 4, 3, 3, 3), (2, 2, 2, 2, 4), **CF)

# kernel (kd, kh, kw, C_out, C_in)
_conv_transpose("3d_valid", (1, 3, 3, 2, 2), (2, 2, 2, 3, 2))
_conv_transpose("3d_same_stride2", (1, 2, 3, 2, 2), (3, 3, 3, 2, 2), strides=2, padding="same")
_conv_transpose("3d_same_stride2_even_kernel", (1, 2, 2, 3, 2), (2, 4, 2, 2, 2), strides=2, padding="same")
_conv_transpose("3d_valid_stride_tuple", (2, 2, 3, 2, 1), (2, 2, 3, 2, 1), strides=(2, 1, 3))
_conv_transpose("3d_output_padding_same", (1, 2, 2, 2, 2), (3, 3, 3, 2, 2), strides=2, padding="same",
                output_padding=1)
_conv_transpose("3d_output_padding_tuple_valid", (1, 2, 3, 2, 2), (3, 2, 3, 2, 2), strides=(2, 3, 2),
                output_padding=(1, 0, 1))
_conv_transpose("3d_dilation2_same", (1, 2, 3, 2, 2), (2, 2, 2, 2, 2), dilation_rate=2, padding="same")
_conv_transpose("3d_dilation_tuple_valid", (1, 3, 2, 2, 2), (2, 2, 2, 2, 2), dilation_rate=(2, 1, 2))
_conv_transpose("3d_f16", (1, 2, 2, 2, 2), (2, 2, 2, 2, 2), dtype="float16", strides=2)
_conv_transpose("3d_cf_same_stride2", (1, 2, 2, 3, 2), (3, 3, 3, 3, 2), strides=2, padding="same", **CF)
_conv_transpose("3d_cf_output_padding_valid", (2, 2, 2, 2, 3), (2, 3, 2, 2, 2), strides=(3, 2, 2),
                output_padding=(2, 1, 0), **CF)
_conv_transpose("1d_output_padding_same", (1, 4, 2), (3, 3, 2), strides=2, padding="same", output_padding=1)
_conv_transpose("1d_cf_same_stride2_dilation", (1, 2, 4), (2, 3, 2), strides=2, padding="same", **CF)

_pools("3d_valid_2", (2, 4, 4, 4, 2), pool_size=2)
_pools("3d_valid_rect_stride1", (1, 4, 5, 3, 2), pool_size=(2, 3, 2), strides=1)
_pools("3d_valid_drops_remainder", (1, 5, 3, 5, 1), pool_size=2)
_pools("3d_same_3_stride2", (1, 5, 5, 5, 1), pool_size=3, strides=2, padding="same")
_pools("3d_same_rect_strides_tuple", (1, 5, 4, 6, 2), pool_size=(2, 3, 4), strides=(1, 2, 3), padding="same")
_pools("3d_cf_valid", (1, 2, 4, 4, 4), pool_size=2, **CF)
_pools("3d_cf_same_stride2", (1, 2, 5, 5, 3), pool_size=2, strides=2, padding="same", **CF)
_pools("3d_f16", (1, 4, 4, 4, 2), dtype="float16", pool_size=2, padding="same", strides=(2, 1, 2))
_pools("3d_f64", (1, 3, 5, 4, 2), dtype="float64", pool_size=(2, 3, 2), strides=(1, 2, 2), padding="same")
ints3d = g.ints((1, 3, 4, 4, 2), -9, 10)
add("max_pool", "3d_int32_keeps", T(ints3d), kwargs={"pool_size": 2, "strides": (1, 2, 2), "padding": "same"},
    dtype="int32", expect=naive.max_pool)
add("average_pool", "3d_int32_to_floatx", T(ints3d), kwargs={"pool_size": 2}, dtype="float32",
    expect=naive.average_pool, tol="reduction")
