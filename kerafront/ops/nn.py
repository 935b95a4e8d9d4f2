"""Composite neural-network ops: activations, softmax family, crossentropies, depthwise/separable conv,
dot-product attention.

Crossentropy conventions (Keras's): ``target`` first, ``output`` second. From probabilities the
output is clipped to ``[epsilon, 1 - epsilon]`` (epsilon = 1e-7) before the log; from logits the
log-softmax / softplus forms are used, stable for logits of magnitude 100 and more.
"""

import math

from kerafront import config
from kerafront.dtypes import result_type
from kerafront.ops._dispatch import composite
from kerafront.ops._primitives import (abs, add, arange, cast, clip, conv, cumsum, divide, dtype as dtype_of, einsum,
                                       erf, exp, expand_dims, expm1, greater, greater_equal, isfinite, less, log, log1p,
                                       logical_and, max, maximum, minimum, multiply, negative, not_equal, ones, power,
                                       random_uniform, repeat, reshape, shape as shape_of, sigmoid, sort, split,
                                       sqrt, squeeze, stop_gradient, subtract, sum, take_along_axis, tanh, where)
from kerafront.spec_rules import attention_groups

__all__ = ["relu", "relu6", "leaky_relu", "elu", "selu", "gelu", "silu", "swish", "softplus", "softsign",
           "hard_sigmoid", "hard_silu", "log_sigmoid", "softmax", "log_softmax",
           "binary_crossentropy", "categorical_crossentropy", "sparse_categorical_crossentropy",
           "conv_bias", "depthwise_conv", "separable_conv", "dropout_mask", "dot_product_attention",
           "hard_swish", "celu", "glu", "hard_tanh", "hard_shrink", "soft_shrink", "tanh_shrink", "threshold",
           "squareplus", "sparse_plus", "sparse_sigmoid", "sparsemax"]

_SELU_ALPHA = 1.6732632423543772
_SELU_SCALE = 1.0507009873554805
_SQRT_2 = math.sqrt(2)
_SQRT_2_OVER_PI = math.sqrt(2 / math.pi)


@composite
def relu(x):
    """``max(0, x)``; the gradient at exactly 0 is 0, as in torch, JAX and TensorFlow."""
    return maximum(0, x)


@composite
def relu6(x):
    """``min(max(0, x), 6)``; the gradient at exactly 0 and 6 is 0, as in torch, JAX and TensorFlow (ties
    go to the constants; ``clip`` would give 1 at its bounds)."""
    return minimum(6, maximum(0, x))


@composite
def leaky_relu(x, negative_slope=0.2):
    """``x`` for ``x > 0`` else ``negative_slope * x`` (Keras's default slope is 0.2); the gradient at exactly
    0 is ``negative_slope``, as in torch and TensorFlow."""
    return where(greater(x, 0), x, multiply(x, negative_slope))


@composite
def elu(x, alpha=1.0):
    """``x`` for ``x > 0`` else ``alpha * (exp(x) - 1)``."""
    return where(greater(x, 0), x, multiply(expm1(minimum(x, 0)), alpha))


@composite
def selu(x):
    return multiply(elu(x, _SELU_ALPHA), _SELU_SCALE)


@composite
def gelu(x, approximate=True):
    """GELU: ``0.5 * x * (1 + tanh(sqrt(2 / pi) * (x + 0.044715 * x**3)))``, or with ``approximate=False``
    ``0.5 * x * (1 + erf(x / sqrt(2)))``. The tanh form is ``keras.ops.gelu``'s default; the layer/activation
    ``"gelu"`` uses the exact erf form, as Keras does."""
    if approximate:
        inner = multiply(_SQRT_2_OVER_PI, add(x, multiply(power(x, 3), 0.044715)))
        return multiply(multiply(x, 0.5), add(tanh(inner), 1.0))
    return multiply(multiply(x, 0.5), add(erf(divide(x, _SQRT_2)), 1.0))


@composite
def silu(x):
    """``x * sigmoid(x)``."""
    return multiply(x, sigmoid(x))


swish = silu


@composite
def softplus(x):
    """``log(1 + exp(x))`` computed as ``max(0, x) + log1p(exp(min(x, -x)))`` (no overflow). ``min(x, -x)`` is
    ``-|x|`` with its tie at 0 sent to ``x``, so the gradient there is ``sigmoid(0) = 1/2``."""
    return add(maximum(0, x), log1p(exp(minimum(x, negative(x)))))


@composite
def softsign(x):
    """``x / (|x| + 1)``."""
    return divide(x, add(abs(x), 1))


@composite
def hard_sigmoid(x):
    """``relu6(x + 3) / 6`` (Keras 3; Keras 2 used ``0.2 * x + 0.5``)."""
    return divide(relu6(add(x, 3)), 6)


@composite
def hard_silu(x):
    return multiply(x, hard_sigmoid(x))


@composite
def log_sigmoid(x):
    """``-softplus(-x)``."""
    return negative(softplus(negative(x)))


@composite
def softmax(x, axis=-1):
    """``exp(x - max(x)) / sum(exp(x - max(x)))`` along ``axis``."""
    e = exp(subtract(x, stop_gradient(max(x, axis=axis, keepdims=True))))
    return divide(e, sum(e, axis=axis, keepdims=True))


@composite
def log_softmax(x, axis=-1):
    """``x - logsumexp(x)``, computed as ``s - log(sum(exp(s)))`` with ``s = x - max(x)`` so large logits
    (1000, 999, ...) keep full float32 precision."""
    m = stop_gradient(max(x, axis=axis, keepdims=True))
    shifted = subtract(x, where(isfinite(m), m, 0.0))
    return subtract(shifted, log(sum(exp(shifted), axis=axis, keepdims=True)))


def _check_same_shape(op, target, output):
    t_shape, o_shape = tuple(shape_of(target)), tuple(shape_of(output))
    if len(t_shape) != len(o_shape) or any(
            isinstance(a, int) and isinstance(b, int) and a != b for a, b in zip(t_shape, o_shape)):
        raise ValueError(f"{op}: target and output must have the same shape, got target {t_shape} "
                         f"and output {o_shape}.")


def _log_probabilities(output, from_logits, axis):
    """``log_softmax(output)`` from logits; from probabilities ``log(clip(output / sum(output), eps, 1 - eps))``."""
    if from_logits:
        return log_softmax(output, axis=axis)
    eps = config.epsilon()
    return log(clip(divide(output, sum(output, axis=axis, keepdims=True)), eps, 1.0 - eps))


@composite
def binary_crossentropy(target, output, from_logits=False):
    """Elementwise binary crossentropy (no reduction): ``-(t * log(p) + (1 - t) * log(1 - p))`` with ``p`` clipped,
    or from logits ``z``: ``softplus(z) - z * t``."""
    _check_same_shape("binary_crossentropy", target, output)
    target = cast(target, dtype_of(output))
    if from_logits:
        return subtract(softplus(output), multiply(output, target))
    eps = config.epsilon()
    output = clip(output, eps, 1.0 - eps)
    return negative(add(multiply(target, log(output)), multiply(subtract(1.0, target), log(subtract(1.0, output)))))


@composite
def categorical_crossentropy(target, output, from_logits=False, axis=-1):
    """``-sum(target * log_probabilities(output))`` between one-hot (or soft) ``target`` and ``output`` along
    ``axis``; reduces that axis.

    From probabilities, ``output`` is first renormalised to sum to 1 along ``axis`` (as Keras does).
    """
    _check_same_shape("categorical_crossentropy", target, output)
    target = cast(target, dtype_of(output))
    return negative(sum(multiply(target, _log_probabilities(output, from_logits, axis)), axis=axis))


@composite
def sparse_categorical_crossentropy(target, output, from_logits=False, axis=-1):
    """Crossentropy with integer class ``target`` (shape of ``output`` without ``axis``, or with a trailing 1)."""
    out_shape = tuple(shape_of(output))
    t_shape = tuple(shape_of(target))
    if len(t_shape) == len(out_shape) and t_shape[-1] == 1:
        target = squeeze(target, axis=-1)
        t_shape = t_shape[:-1]
    if len(t_shape) != len(out_shape) - 1:
        raise ValueError(f"sparse_categorical_crossentropy: target must have shape {out_shape[:-1]} "
                         f"(integer class ids), got {t_shape}.")
    log_probs = _log_probabilities(output, from_logits, axis)
    picked = take_along_axis(log_probs, expand_dims(cast(target, "int32"), axis), axis=axis)
    return negative(squeeze(picked, axis=axis))


@composite
def conv_bias(inputs, kernel, bias, strides=1, padding="valid", data_format=None, dilation_rate=1):
    """``conv(inputs, kernel, ...)`` plus ``bias`` (shape ``(C_out,)``) on the channel axis: what a
    convolution layer computes. A backend may fuse the addition into its convolution kernel."""
    c_out = tuple(shape_of(kernel))[-1]
    if tuple(shape_of(bias)) != (c_out,):
        raise ValueError(f"conv_bias: bias must have shape ({c_out},) (one value per output channel), got "
                         f"{tuple(shape_of(bias))}.")
    outputs = conv(inputs, kernel, strides=strides, padding=padding, data_format=data_format,
                   dilation_rate=dilation_rate)
    if (data_format or config.image_data_format()) == "channels_first":
        bias = reshape(bias, (1, c_out) + (1,) * (len(shape_of(outputs)) - 2))
    return add(outputs, bias)


@composite
def depthwise_conv(inputs, kernel, strides=1, padding="valid", data_format=None, dilation_rate=1):
    """Depthwise convolution; ``kernel``: (*kernel_spatial, C_in, multiplier); output channel
    ``c * multiplier + m`` (Keras's order)."""
    kshape = tuple(shape_of(kernel))
    channels, multiplier = kshape[-2], kshape[-1]
    kernel = reshape(kernel, kshape[:-2] + (1, channels * multiplier))
    return conv(inputs, kernel, strides=strides, padding=padding, data_format=data_format,
                dilation_rate=dilation_rate)


@composite
def separable_conv(inputs, depthwise_kernel, pointwise_kernel, strides=1, padding="valid", data_format=None,
                   dilation_rate=1):
    """Depthwise convolution followed by a 1x1 (pointwise) convolution."""
    depthwise = depthwise_conv(inputs, depthwise_kernel, strides=strides, padding=padding,
                               data_format=data_format, dilation_rate=dilation_rate)
    return conv(depthwise, pointwise_kernel, strides=1, padding="valid", data_format=data_format)


@composite
def dropout_mask(shape, rate, seed):
    """Keep-mask scaled by ``1 / (1 - rate)``: multiply activations by it (inverted dropout)."""
    keep = greater_equal(random_uniform(shape, seed), rate)
    return divide(cast(keep, config.floatx()), 1.0 - rate)


# Finite stand-in for -inf in masked attention logits (Keras's): a fully masked row stays a softmax of equal
# values (the mean of the values), never NaN.
_LARGEST = {"float16": 65504.0, "bfloat16": 3.3895313892515355e38, "float32": 3.4028234663852886e38,
            "float64": 1.7976931348623157e308}


@composite
def dot_product_attention(query, key, value, bias=None, mask=None, scale=None, is_causal=False,
                          flash_attention=None):
    """``softmax(scale * q k^T + bias, masked) v`` per head, Keras's ``ops.nn.dot_product_attention``.

    Shapes: ``query`` (B, T, N, H), ``key`` and ``value`` (B, S, K, H) with ``K`` dividing ``N``
    (grouped-query attention: query head ``n`` reads key/value head ``n // (N // K)``; ``K == 1`` is
    multi-query); result (B, T, N, H). ``bias`` (added to the logits) and ``mask`` (``True`` attends)
    broadcast to (B, N, T, S); ``is_causal`` lets query ``t`` attend keys ``s <= t``. ``scale``
    defaults to ``1 / sqrt(H)``. Masked logits become ``-0.7 * finfo(dtype).max``, as in Keras, so a
    row with every key masked averages the values (no NaN) and sends no gradient to its query or
    the keys. Float16/bfloat16 logits and the softmax are computed in float32. ``flash_attention``
    is accepted for Keras's signature: a backend's fused kernel (torch's
    ``scaled_dot_product_attention``) picks its algorithm itself.
    """
    groups = attention_groups(shape_of(query), shape_of(key), shape_of(value))
    dtype = result_type(dtype_of(query), dtype_of(key), dtype_of(value), floatx=config.floatx())
    query, key, value = cast(query, dtype), cast(key, dtype), cast(value, dtype)
    if groups is not None and groups != 1:
        key, value = repeat(key, groups, axis=2), repeat(value, groups, axis=2)
    depth = tuple(shape_of(query))[-1]
    logits_dtype = "float32" if dtype in ("float16", "bfloat16") else dtype
    logits = cast(einsum("btnh,bsnh->bnts", query, key), logits_dtype)
    logits = multiply(logits, 1.0 / math.sqrt(depth) if scale is None else scale)
    if bias is not None:
        logits = add(logits, cast(bias, logits_dtype))
    keep = None if mask is None else mask if dtype_of(mask) == "bool" else not_equal(mask, 0)
    if is_causal:
        t, s = tuple(shape_of(logits))[-2:]
        causal = greater_equal(cumsum(ones((t, 1), "int32"), axis=0), cumsum(ones((1, s), "int32"), axis=1))
        keep = causal if keep is None else logical_and(keep, causal)
    if keep is not None:
        logits = where(keep, logits, -0.7 * _LARGEST[logits_dtype])
    probabilities = cast(softmax(logits, axis=-1), dtype)
    return einsum("bnts,bsnh->btnh", probabilities, value)


# Keras 3's further activations (``keras.ops.celu`` ... ``keras.ops.sparsemax``): values as Keras computes
# them (sparsemax excepted: see its docstring); the gradient at each kink is stated in ``spec.KINK_RULES``.

hard_swish = hard_silu


@composite
def celu(x, alpha=1.0):
    """``x`` for ``x > 0`` else ``alpha * (exp(x / alpha) - 1)``; continuously differentiable (slope 1 at 0)."""
    return where(greater(x, 0), x, multiply(expm1(divide(minimum(x, 0), alpha)), alpha))


@composite
def glu(x, axis=-1):
    """Gated linear unit: ``a * sigmoid(b)`` where ``a, b`` are the two halves of ``x`` along ``axis``
    (its size must be even; the result has half of it)."""
    size = tuple(shape_of(x))[axis]
    if isinstance(size, int) and size % 2:
        raise ValueError(f"glu: x must have an even size along axis {axis} (it is split in two halves), got "
                         f"shape {tuple(shape_of(x))}.")
    a, b = split(x, 2, axis=axis)
    return multiply(a, sigmoid(b))


@composite
def hard_tanh(x):
    """``clip(x, -1, 1)``; the gradient is 1 on the closed interval, bounds included (``clip``'s rule)."""
    return clip(x, -1.0, 1.0)


@composite
def hard_shrink(x, threshold=0.5):
    """``x`` where ``|x| > threshold``, else 0."""
    return where(greater(abs(x), threshold), x, 0.0)


@composite
def soft_shrink(x, threshold=0.5):
    """``x - threshold`` above ``threshold``, ``x + threshold`` below ``-threshold``, else 0."""
    return where(greater(x, threshold), subtract(x, threshold),
                 where(less(x, -threshold), add(x, threshold), 0.0))


@composite
def tanh_shrink(x):
    """``x - tanh(x)``."""
    return subtract(x, tanh(x))


@composite
def threshold(x, threshold, default_value):
    """``x`` where ``x > threshold``, else ``default_value`` (both required, as in Keras)."""
    return where(greater(x, threshold), x, default_value)


@composite
def squareplus(x, b=4):
    """``(x + sqrt(x**2 + b)) / 2``: a smooth ReLU (``b = 0`` gives ``relu``)."""
    return divide(add(x, sqrt(add(multiply(x, x), b))), 2.0)


@composite
def sparse_plus(x):
    """0 for ``x <= -1``, ``(x + 1)**2 / 4`` for ``-1 < x < 1``, ``x`` for ``x >= 1``; continuously differentiable."""
    return where(greater(x, -1.0), where(less(x, 1.0), multiply(power(add(x, 1.0), 2), 0.25), x), 0.0)


@composite
def sparse_sigmoid(x):
    """``clip((x + 1) / 2, 0, 1)``, computed as ``0.5 * clip(x + 1, 0, 2)`` (``jax.nn.sparse_sigmoid``'s form)."""
    return multiply(clip(add(x, 1.0), 0.0, 2.0), 0.5)


@composite
def sparsemax(x, axis=-1):
    """Sparsemax (Martins and Astudillo, 2016): the Euclidean projection of ``x`` onto the probability simplex
    along ``axis``, ``max(x - tau, 0)`` with ``tau`` chosen so that the result sums to 1; many entries are
    exactly 0. Keras 3.15.1 sums the cumulative sums over the support instead of taking the last one, so its
    rows do not sum to 1 once two or more entries are kept; kerafront computes the projection.
    """
    x_shape = tuple(shape_of(x))
    size = x_shape[axis]
    if not isinstance(size, int):
        raise ValueError(f"sparsemax: the size of axis {axis} must be known, got shape {x_shape}.")
    descending = negative(sort(negative(x), axis=axis))
    ranks = reshape(arange(1, size + 1, dtype=dtype_of(x)),
                    tuple(-1 if i == axis % len(x_shape) else 1 for i in range(len(x_shape))))
    support = greater(multiply(ranks, descending), subtract(cumsum(descending, axis=axis), 1.0))
    kept = sum(cast(support, dtype_of(x)), axis=axis, keepdims=True)
    tau = divide(subtract(sum(where(support, descending, 0.0), axis=axis, keepdims=True), 1.0), kept)
    return relu(subtract(x, tau))


# ``keras.ops.nn`` also lists ops that kerafront defines in other modules (primitives such as ``conv``,
# ``max_pool``; ``ctc_loss``, ``rms_normalization``...): reading one here returns ``kerafront.ops``'s.
KERAS_NAMES = (
    "adaptive_average_pool", "adaptive_max_pool", "average_pool", "batch_normalization", "binary_crossentropy",
    "categorical_crossentropy", "celu", "conv", "conv_transpose", "ctc_decode", "ctc_loss", "depth_to_space",
    "depthwise_conv", "dot_product_attention", "elu", "fold", "gelu", "glu", "hard_shrink", "hard_sigmoid",
    "hard_silu", "hard_swish", "hard_tanh", "layer_normalization", "leaky_relu", "log_sigmoid", "log_softmax",
    "max_pool", "moments", "multi_hot", "normalize", "one_hot", "polar", "psnr", "relu", "relu6",
    "rms_normalization", "selu", "separable_conv", "sigmoid", "silu", "soft_shrink", "softmax", "softplus",
    "softsign", "space_to_depth", "sparse_categorical_crossentropy", "sparse_plus", "sparse_sigmoid", "sparsemax",
    "squareplus", "swish", "tanh_shrink", "threshold", "unfold",
)


def __getattr__(name):
    import kerafront.ops as ops
    if name in KERAS_NAMES and name in vars(ops):
        return vars(ops)[name]
    raise AttributeError(f"module 'kerafront.ops.nn' has no attribute {name!r}"
                         + (" (a Keras name kerafront does not implement yet)" if name in KERAS_NAMES else ""))
