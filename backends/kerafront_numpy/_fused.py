"""Overrides of composites (``kerafront.spec.OVERRIDABLE_COMPOSITES``): ``relu``, ``conv_bias``, ``lstm``, ``gru``.

Each computes exactly what its composite in ``kerafront.ops`` computes, with a cheaper forward or
VJP; ``conformance_tests/test_overrides.py`` checks both against the composites, ties and NaN included.
"""

import numpy as np

from kerafront import spec_rules

from kerafront_numpy import _recurrent
from kerafront_numpy._autodiff import needs_gradient, primitive, save_residual
from kerafront_numpy._convert import promote, result_array, to_array
from kerafront_numpy._elementwise import maximum, select
from kerafront_numpy._nn.conv import conv_operands, conv_setup, conv_vjp, conv_with_patches
from kerafront_numpy._nn.windows import from_nhwc


def _relu_vjp(g, out, x):
    # ``out != 0`` is exactly where the composite ``maximum(0, x)`` sends the gradient to ``x``:
    # x > 0, or x NaN (out NaN); not x <= 0, where the tie at 0 goes to the constant.
    return (select(out != 0, g),)


@primitive(_relu_vjp)
def relu(x):
    """``maximum(0, x)`` with one comparison in its VJP, not three; gradient 0 at ``x == 0``."""
    x = to_array(x)
    if x.dtype.kind != "f":
        return maximum.forward(0, x)
    return result_array(np.maximum(x, x.dtype.type(0)))


def _conv_bias_vjp(g, out, inputs, kernel, bias, strides, padding, data_format, dilation_rate):
    d_inputs, d_kernel = conv_vjp(g, out, inputs, kernel, strides, padding, data_format, dilation_rate)
    d_bias = None
    if needs_gradient(2):
        channel_axis = 1 if spec_rules.channels_first(data_format, "conv_bias") else g.ndim - 1
        d_bias = g.sum(axis=tuple(a for a in range(g.ndim) if a != channel_axis))
    return d_inputs, d_kernel, d_bias


@primitive(_conv_bias_vjp)
def conv_bias(inputs, kernel, bias, strides=1, padding="valid", data_format=None, dilation_rate=1):
    """``conv(inputs, kernel, ...) + bias`` with the bias added in place into the convolution's fresh
    output (no second full-size array); its gradient is the cotangent summed over every axis but the
    channels'."""
    inputs, kernel = conv_operands(inputs, kernel)
    bias = to_array(bias)
    if bias.shape != (kernel.shape[-1],):
        raise ValueError(f"conv_bias: bias must have shape ({kernel.shape[-1]},) (one value per output channel), "
                         f"got {bias.shape}.")
    x, k, channels_first, strides, dilations, pads, outs = conv_setup(
        inputs, kernel, strides, padding, data_format, dilation_rate, "conv_bias")
    y, cols = conv_with_patches(x, k, strides, dilations, pads, outs)
    if promote(y.dtype, bias.dtype) == y.dtype:
        y += bias   # channels are y's last axis here
    else:
        y = y + bias
    return save_residual(from_nhwc(y, inputs.ndim, channels_first), cols)


def lstm(inputs, initial_h, initial_c, kernel, recurrent_kernel, bias=None, mask=None, go_backwards=False,
         zero_output_for_mask=False):
    """``kerafront.ops.lstm`` as one tape entry: the whole sequence forward, and one VJP that runs
    backpropagation through time (``_recurrent``), instead of a dozen entries per step."""
    return _recurrent.lstm_sequence(inputs, initial_h, initial_c, kernel, recurrent_kernel, bias, mask, go_backwards,
                                    zero_output_for_mask)


def gru(inputs, initial_h, kernel, recurrent_kernel, bias=None, mask=None, go_backwards=False, reset_after=True,
        zero_output_for_mask=False):
    """``kerafront.ops.gru`` as one tape entry (both ``reset_after`` forms), as ``lstm`` above."""
    return _recurrent.gru_sequence(inputs, initial_h, kernel, recurrent_kernel, bias, mask, go_backwards, reset_after,
                                   zero_output_for_mask)
