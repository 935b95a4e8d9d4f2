"""Composite neural-network ops: activations, softmax family, crossentropies, depthwise/separable conv.

Crossentropy conventions (Keras's): ``target`` first, ``output`` second. From probabilities the
output is clipped to ``[epsilon, 1 - epsilon]`` (epsilon = 1e-7) before the log; from logits the
log-softmax / softplus forms are used, stable for logits of magnitude 100 and more.
"""

import math

from kerafront import config
from kerafront.ops._dispatch import composite, primitives as P
from kerafront.ops.math import logsumexp

__all__ = ["relu", "relu6", "leaky_relu", "elu", "selu", "gelu", "silu", "swish", "softplus", "softsign",
           "hard_sigmoid", "hard_silu", "log_sigmoid", "softmax", "log_softmax",
           "binary_crossentropy", "categorical_crossentropy", "sparse_categorical_crossentropy",
           "conv_bias", "depthwise_conv", "separable_conv", "dropout_mask"]

_SELU_ALPHA = 1.6732632423543772
_SELU_SCALE = 1.0507009873554805


@composite
def relu(x):
    """``max(0, x)``; the gradient at exactly 0 is 0, as in torch, JAX and TensorFlow."""
    return P["maximum"](0, x)


@composite
def relu6(x):
    return P["clip"](x, 0, 6)


@composite
def leaky_relu(x, negative_slope=0.2):
    """``x`` for ``x >= 0`` else ``negative_slope * x`` (Keras's default slope is 0.2)."""
    return P["where"](P["greater_equal"](x, 0), x, P["multiply"](x, negative_slope))


@composite
def elu(x, alpha=1.0):
    return P["where"](P["greater"](x, 0), x, P["multiply"](P["expm1"](P["minimum"](x, 0)), alpha))


@composite
def selu(x):
    return P["multiply"](elu(x, _SELU_ALPHA), _SELU_SCALE)


@composite
def gelu(x, approximate=True):
    """GELU. ``approximate=True`` (the tanh form) is ``keras.ops.gelu``'s default; the layer/activation
    ``"gelu"`` uses the exact erf form, as Keras does."""
    if approximate:
        inner = P["multiply"](math.sqrt(2 / math.pi), P["add"](x, P["multiply"](P["power"](x, 3), 0.044715)))
        return P["multiply"](P["multiply"](x, 0.5), P["add"](P["tanh"](inner), 1.0))
    return P["multiply"](P["multiply"](x, 0.5), P["add"](P["erf"](P["divide"](x, math.sqrt(2))), 1.0))


@composite
def silu(x):
    return P["multiply"](x, P["sigmoid"](x))


swish = silu


@composite
def softplus(x):
    """``log(1 + exp(x))`` computed as ``max(x, 0) + log1p(exp(-|x|))`` (no overflow)."""
    return P["add"](P["maximum"](x, 0), P["log1p"](P["exp"](P["negative"](P["abs"](x)))))


@composite
def softsign(x):
    return P["divide"](x, P["add"](P["abs"](x), 1))


@composite
def hard_sigmoid(x):
    """``relu6(x + 3) / 6`` (Keras 3; Keras 2 used ``0.2 * x + 0.5``)."""
    return P["divide"](relu6(P["add"](x, 3)), 6)


@composite
def hard_silu(x):
    return P["multiply"](x, hard_sigmoid(x))


@composite
def log_sigmoid(x):
    return P["negative"](softplus(P["negative"](x)))


@composite
def softmax(x, axis=-1):
    shifted = P["subtract"](x, P["stop_gradient"](P["max"](x, axis=axis, keepdims=True)))
    e = P["exp"](shifted)
    return P["divide"](e, P["sum"](e, axis=axis, keepdims=True))


@composite
def log_softmax(x, axis=-1):
    """``x - logsumexp(x)``, computed as ``s - log(sum(exp(s)))`` with ``s = x - max(x)`` so large logits
    (1000, 999, ...) keep full float32 precision."""
    shift = P["stop_gradient"](P["max"](x, axis=axis, keepdims=True))
    shifted = P["subtract"](x, P["where"](P["isfinite"](shift), shift, 0.0))
    return P["subtract"](shifted, P["log"](P["sum"](P["exp"](shifted), axis=axis, keepdims=True)))


def _check_same_shape(op, target, output):
    t_shape, o_shape = tuple(P["shape"](target)), tuple(P["shape"](output))
    if len(t_shape) != len(o_shape) or any(
            isinstance(a, int) and isinstance(b, int) and a != b for a, b in zip(t_shape, o_shape)):
        raise ValueError(f"{op}: target and output must have the same shape, got target {t_shape} "
                         f"and output {o_shape}.")


@composite
def binary_crossentropy(target, output, from_logits=False):
    """Elementwise binary crossentropy (no reduction)."""
    _check_same_shape("binary_crossentropy", target, output)
    target = P["cast"](target, P["dtype"](output))
    if from_logits:
        # max(z, 0) - z * t + log(1 + exp(-|z|))
        return P["add"](P["subtract"](P["maximum"](output, 0), P["multiply"](output, target)),
                        P["log1p"](P["exp"](P["negative"](P["abs"](output)))))
    eps = config.epsilon()
    output = P["clip"](output, eps, 1.0 - eps)
    return P["negative"](P["add"](P["multiply"](target, P["log"](output)),
                                  P["multiply"](P["subtract"](1.0, target), P["log"](P["subtract"](1.0, output)))))


@composite
def categorical_crossentropy(target, output, from_logits=False, axis=-1):
    """Crossentropy between one-hot (or soft) ``target`` and ``output`` along ``axis``; reduces that axis.

    From probabilities, ``output`` is first renormalised to sum to 1 along ``axis`` (as Keras does).
    """
    _check_same_shape("categorical_crossentropy", target, output)
    target = P["cast"](target, P["dtype"](output))
    if from_logits:
        log_probs = log_softmax(output, axis=axis)
    else:
        output = P["divide"](output, P["sum"](output, axis=axis, keepdims=True))
        eps = config.epsilon()
        log_probs = P["log"](P["clip"](output, eps, 1.0 - eps))
    return P["negative"](P["sum"](P["multiply"](target, log_probs), axis=axis))


@composite
def sparse_categorical_crossentropy(target, output, from_logits=False, axis=-1):
    """Crossentropy with integer class ``target`` (shape of ``output`` without ``axis``, or with a trailing 1)."""
    out_shape = tuple(P["shape"](output))
    t_shape = tuple(P["shape"](target))
    if len(t_shape) == len(out_shape) and t_shape[-1] == 1:
        target = P["squeeze"](target, axis=-1)
        t_shape = t_shape[:-1]
    if len(t_shape) != len(out_shape) - 1:
        raise ValueError(f"sparse_categorical_crossentropy: target must have shape {out_shape[:-1]} "
                         f"(integer class ids), got {t_shape}.")
    if from_logits:
        log_probs = log_softmax(output, axis=axis)
    else:
        output = P["divide"](output, P["sum"](output, axis=axis, keepdims=True))
        eps = config.epsilon()
        log_probs = P["log"](P["clip"](output, eps, 1.0 - eps))
    picked = P["take_along_axis"](log_probs, P["expand_dims"](P["cast"](target, "int32"), axis), axis=axis)
    return P["negative"](P["squeeze"](picked, axis=axis))


@composite
def conv_bias(inputs, kernel, bias, strides=1, padding="valid", data_format=None, dilation_rate=1):
    """``conv(inputs, kernel, ...)`` plus ``bias`` (shape ``(C_out,)``) on the channel axis: what a
    convolution layer computes. A backend may fuse the addition into its convolution kernel."""
    c_out = tuple(P["shape"](kernel))[-1]
    if tuple(P["shape"](bias)) != (c_out,):
        raise ValueError(f"conv_bias: bias must have shape ({c_out},) (one value per output channel), got "
                         f"{tuple(P['shape'](bias))}.")
    outputs = P["conv"](inputs, kernel, strides=strides, padding=padding, data_format=data_format,
                        dilation_rate=dilation_rate)
    if (data_format or config.image_data_format()) == "channels_first":
        bias = P["reshape"](bias, (1, c_out) + (1,) * (len(P["shape"](outputs)) - 2))
    return P["add"](outputs, bias)


@composite
def depthwise_conv(inputs, kernel, strides=1, padding="valid", data_format=None, dilation_rate=1):
    """Depthwise convolution; ``kernel``: (*kernel_spatial, C_in, multiplier); output channel
    ``c * multiplier + m`` (Keras's order)."""
    kshape = tuple(P["shape"](kernel))
    channels, multiplier = kshape[-2], kshape[-1]
    kernel = P["reshape"](kernel, kshape[:-2] + (1, channels * multiplier))
    return P["conv"](inputs, kernel, strides=strides, padding=padding, data_format=data_format,
                     dilation_rate=dilation_rate)


@composite
def separable_conv(inputs, depthwise_kernel, pointwise_kernel, strides=1, padding="valid", data_format=None,
                   dilation_rate=1):
    """Depthwise convolution followed by a 1x1 (pointwise) convolution."""
    depthwise = depthwise_conv(inputs, depthwise_kernel, strides=strides, padding=padding,
                               data_format=data_format, dilation_rate=dilation_rate)
    return P["conv"](depthwise, pointwise_kernel, strides=1, padding="valid", data_format=data_format)


@composite
def dropout_mask(shape, rate, seed):
    """Keep-mask scaled by ``1 / (1 - rate)``: multiply activations by it (inverted dropout)."""
    keep = P["greater_equal"](P["random_uniform"](shape, seed), rate)
    return P["divide"](P["cast"](keep, config.floatx()), 1.0 - rate)
