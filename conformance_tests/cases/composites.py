"""Cases for the composite ops of ``kerafront.ops`` (activations, softmax family, losses, norms, ...).

Composites are written once from primitives, so these cases check the primitives they use on
each backend, and each backend's fused override (test_overrides.py) against the composite.
"""

import math

import numpy as np

from conformance_tests import naive
from conformance_tests.cases import Gen, T, add

g = Gen("composites")
x23 = g.normal((2, 3))
x234 = g.distinct((2, 3, 4), spacing=0.2)
_erf = np.vectorize(math.erf, otypes=[np.float64])


def _softmax(x, axis=-1):
    e = np.exp(x - x.max(axis=axis, keepdims=True))
    return e / e.sum(axis=axis, keepdims=True)


def _logsumexp(x, axis=None, keepdims=False):
    shift = np.max(x, axis=axis, keepdims=True)
    out = np.log(np.sum(np.exp(x - shift), axis=axis, keepdims=True)) + shift
    return out if keepdims else np.squeeze(out, axis=axis)


def _softplus(x):
    return np.logaddexp(0.0, x.astype(np.float64))


def _sigmoid(x):
    return 1.0 / (1.0 + np.exp(-x.astype(np.float64)))


def _gelu(x, approximate=True):
    x = x.astype(np.float64)
    if approximate:
        return 0.5 * x * (1 + np.tanh(math.sqrt(2 / math.pi) * (x + 0.044715 * x**3)))
    return 0.5 * x * (1 + _erf(x / math.sqrt(2)))


ACTIVATIONS = {  # name -> (NumPy reference, kink points to keep inputs away from)
    "relu": (lambda x: np.maximum(x, 0), (0.0,)),
    "relu6": (lambda x: np.clip(x, 0, 6), (0.0, 6.0)),
    "leaky_relu": (lambda x: np.where(x >= 0, x, 0.2 * x), (0.0,)),
    "elu": (lambda x: np.where(x > 0, x, np.expm1(np.minimum(x, 0))), (0.0,)),
    "selu": (lambda x: 1.0507009873554805 * np.where(x > 0, x, 1.6732632423543772 * np.expm1(np.minimum(x, 0))),
             (0.0,)),
    "gelu": (_gelu, ()),
    "silu": (lambda x: x * _sigmoid(x), ()),
    "swish": (lambda x: x * _sigmoid(x), ()),
    "softplus": (_softplus, ()),
    "softsign": (lambda x: x / (np.abs(x) + 1), (0.0,)),
    "hard_sigmoid": (lambda x: np.clip(x + 3, 0, 6) / 6, (-3.0, 3.0)),
    "hard_silu": (lambda x: x * np.clip(x + 3, 0, 6) / 6, (-3.0, 3.0)),
    "log_sigmoid": (lambda x: -_softplus(-x), ()),
}
for op, (ref, kinks) in ACTIVATIONS.items():
    add(op, "f32_2x5", T(g.away((2, 5), points=kinks, low=-7, high=7)), dtype="float32", expect=ref)
    add(op, "f32_0d", T(g.away((), points=kinks)), dtype="float32", expect=ref)
    add(op, "f32_empty", T(np.zeros((0, 2), "float32")), dtype="float32", expect=ref, grad=False)
    add(op, "f16", T(g.away((4,), points=kinks, dtype="float16")), dtype="float16", expect=ref, tol="loose")
add("leaky_relu", "slope", T(g.away((6,))), kwargs={"negative_slope": 0.1}, dtype="float32",
    expect=lambda x, negative_slope: np.where(x >= 0, x, negative_slope * x))
add("elu", "alpha", T(g.away((6,))), kwargs={"alpha": 0.5}, dtype="float32",
    expect=lambda x, alpha: np.where(x > 0, x, alpha * np.expm1(np.minimum(x, 0))))
add("gelu", "exact", T(g.normal((2, 4))), kwargs={"approximate": False}, dtype="float32", expect=_gelu)
add("softplus", "large_magnitude", T(np.array([-100.0, -30.0, 30.0, 100.0], "float32")), dtype="float32",
    expect=_softplus)
add("log_sigmoid", "large_magnitude", T(np.array([-100.0, -30.0, 30.0, 100.0], "float32")), dtype="float32",
    expect=lambda x: -_softplus(-x))

def _log_softmax(x, axis=-1):
    shifted = x - x.max(axis=axis, keepdims=True)
    return shifted - np.log(np.sum(np.exp(shifted), axis=axis, keepdims=True))


for op, ref in (("softmax", _softmax), ("log_softmax", _log_softmax)):
    add(op, "last_axis", T(x234), dtype="float32", expect=ref)
    add(op, "axis0", T(x234), kwargs={"axis": 0}, dtype="float32", expect=ref)
    add(op, "axis1", T(x23), kwargs={"axis": 1}, dtype="float32", expect=ref)
    add(op, "large_logits", T(np.array([[100.0, 0.0, -100.0], [1000.0, 999.0, 998.0]], "float32")),
        dtype="float32", expect=ref)
    add(op, "size1_axis", T(g.normal((3, 1))), dtype="float32", expect=ref)
    add(op, "f16", T(g.normal((2, 4), "float16")), dtype="float16", expect=ref, tol="loose")
add("logsumexp", "all", T(x234), dtype="float32", expect=_logsumexp, tol="reduction")
add("logsumexp", "axis_neg1", T(x234), kwargs={"axis": -1}, dtype="float32", expect=_logsumexp, tol="reduction")
add("logsumexp", "axes_keepdims", T(x234), kwargs={"axis": (0, 2), "keepdims": True}, dtype="float32",
    expect=_logsumexp, tol="reduction")
add("logsumexp", "large", T(np.array([1000.0, 1000.5, -1000.0], "float32")), kwargs={"axis": 0},
    dtype="float32", expect=_logsumexp)

probs = _softmax(g.normal((4, 3))).astype("float32")
onehot = np.eye(3, dtype="float32")[[0, 2, 1, 2]]
soft = _softmax(g.normal((4, 3))).astype("float32")
labels = np.array([0, 2, 1, 2], "int32")


def _cce(target, output, from_logits=False, axis=-1):
    if from_logits:
        logp = output - _logsumexp(output, axis=axis, keepdims=True)
    else:
        output = output / output.sum(axis=axis, keepdims=True)
        logp = np.log(np.clip(output, 1e-7, 1 - 1e-7))
    return -np.sum(target * logp, axis=axis)


def _scce(target, output, from_logits=False, axis=-1):
    target = target.reshape(output.shape[:-1])
    return _cce(np.eye(output.shape[-1])[target], output, from_logits, axis)


def _bce(target, output, from_logits=False):
    if from_logits:
        return np.maximum(output, 0) - output * target + np.log1p(np.exp(-np.abs(output)))
    output = np.clip(output, 1e-7, 1 - 1e-7)
    return -(target * np.log(output) + (1 - target) * np.log(1 - output))


add("categorical_crossentropy", "probs_onehot", T(onehot, diff=False), T(probs), dtype="float32", expect=_cce,
    tol="reduction")
add("categorical_crossentropy", "probs_soft_target", T(soft), T(probs), dtype="float32", expect=_cce,
    tol="reduction")
add("categorical_crossentropy", "unnormalised_probs", T(onehot, diff=False), T(probs * 1.7), dtype="float32",
    expect=_cce, tol="reduction")
add("categorical_crossentropy", "logits", T(onehot, diff=False), T(g.normal((4, 3))),
    kwargs={"from_logits": True}, dtype="float32", expect=_cce, tol="reduction")
add("categorical_crossentropy", "large_logits", T(onehot[:2], diff=False),
    T(np.array([[100.0, -100.0, 0.0], [-200.0, 0.0, 200.0]], "float32")), kwargs={"from_logits": True},
    dtype="float32", expect=_cce, tol="reduction")
add("categorical_crossentropy", "axis0_logits", T(onehot.T.copy(), diff=False), T(g.normal((3, 4))),
    kwargs={"from_logits": True, "axis": 0}, dtype="float32", expect=_cce, tol="reduction")
add("sparse_categorical_crossentropy", "probs", T(labels), T(probs), dtype="float32", expect=_scce,
    tol="reduction")
add("sparse_categorical_crossentropy", "logits", T(labels), T(g.normal((4, 3))), kwargs={"from_logits": True},
    dtype="float32", expect=_scce, tol="reduction")
add("sparse_categorical_crossentropy", "trailing_1_target", T(labels[:, None]), T(g.normal((4, 3))),
    kwargs={"from_logits": True}, dtype="float32", expect=_scce, tol="reduction")
add("sparse_categorical_crossentropy", "rank3_int64_target", T(g.ints((2, 3), 0, 4, "int64")),
    T(g.normal((2, 3, 4))), kwargs={"from_logits": True}, dtype="float32", expect=_scce, tol="reduction")
add("binary_crossentropy", "probs", T(g.bools((3, 4)).astype("float32"), diff=False),
    T(g.uniform((3, 4), 0.05, 0.95)), dtype="float32", expect=_bce)
add("binary_crossentropy", "soft_target", T(g.uniform((5,), 0, 1)), T(g.uniform((5,), 0.05, 0.95)),
    dtype="float32", expect=_bce)
add("binary_crossentropy", "logits", T(g.bools((3, 4)).astype("float32"), diff=False), T(g.normal((3, 4))),
    kwargs={"from_logits": True}, dtype="float32", expect=_bce)
add("binary_crossentropy", "large_logits", T(np.array([1.0, 0.0, 1.0, 0.0], "float32"), diff=False),
    T(np.array([100.0, 100.0, -100.0, -100.0], "float32")), kwargs={"from_logits": True}, dtype="float32",
    expect=_bce)

add("moments", "axis0", T(x234), [0], dtype="float32", expect=lambda x, a: (x.mean(tuple(a)), x.var(tuple(a))),
    tol="reduction")
add("moments", "axes_keepdims", T(x234), [0, 1], kwargs={"keepdims": True}, dtype="float32",
    expect=lambda x, a, keepdims: (x.mean(tuple(a), keepdims=True), x.var(tuple(a), keepdims=True)),
    tol="reduction")
add("moments", "tuple_axes", T(x234), (0, 2), dtype="float32",
    expect=lambda x, a: (x.mean(a), x.var(a)), tol="reduction")

def _layer_norm(x, gamma=None, beta=None, axis=-1, epsilon=1e-7):
    x = x.astype(np.float64)
    axes = (axis,) if isinstance(axis, int) else tuple(axis)
    shape = [x.shape[a] if a % x.ndim in [b % x.ndim for b in axes] else 1 for a in range(x.ndim)]
    out = (x - x.mean(axes, keepdims=True)) / np.sqrt(x.var(axes, keepdims=True) + epsilon)
    if gamma is not None:
        out = out * gamma.reshape(shape)
    return out if beta is None else out + beta.reshape(shape)


add("layer_normalization", "last_axis", T(x234), T(g.normal((4,))), T(g.normal((4,))), dtype="float32",
    kwargs={"epsilon": 1e-3}, expect=_layer_norm, tol="reduction")
add("layer_normalization", "two_trailing_axes", T(x234), T(g.normal((3, 4))), T(g.normal((3, 4))), dtype="float32",
    kwargs={"axis": (1, 2)}, expect=_layer_norm, tol="reduction")
add("layer_normalization", "inner_axis_no_affine", T(x234), kwargs={"axis": 1}, dtype="float32",
    expect=_layer_norm, tol="reduction")
add("layer_normalization", "float64", T(x234.astype("float64")), T(g.normal((4,)).astype("float64")), None,
    dtype="float64", expect=_layer_norm, tol="reduction")

for ord_name, order in (("l1", 1), ("l2", 2), ("inf", float("inf"))):
    add("norm", f"{ord_name}_all", T(g.away((3, 4))), kwargs={"ord": order}, dtype="float32",
        expect=lambda x, ord: np.linalg.norm(x.ravel(), ord), tol="reduction")
    add("norm", f"{ord_name}_axis_keepdims", T(x234), kwargs={"ord": order, "axis": -1, "keepdims": True},
        dtype="float32", expect=lambda x, ord, axis, keepdims: np.linalg.norm(x, ord, axis, keepdims),
        tol="reduction")
add("l2_normalize", "last_axis", T(x234), dtype="float32",
    expect=lambda x: x / np.sqrt(np.maximum((x**2).sum(-1, keepdims=True), 1e-12)))
add("l2_normalize", "axis0_with_zero_column", T(np.array([[0.0, 1.0], [0.0, -2.0]], "float32")),
    kwargs={"axis": 0}, dtype="float32",
    expect=lambda x, axis: x / np.sqrt(np.maximum((x**2).sum(axis, keepdims=True), 1e-12)), fd=False)
add("normalize", "order2", T(x23), dtype="float32", expect=lambda x: x / np.linalg.norm(x, axis=-1, keepdims=True))
add("normalize", "order1_axis0", T(g.away((3, 2))), kwargs={"axis": 0, "order": 1}, dtype="float32",
    expect=lambda x, axis, order: x / np.abs(x).sum(axis, keepdims=True))

add("ndim", "rank3", T(x234), expect=lambda x: x.ndim)
add("ndim", "0d", T(np.float32(1.0)), expect=lambda x: x.ndim)
add("size", "rank3", T(x234), expect=lambda x: x.size)
add("size", "empty", T(np.zeros((0, 3), "float32")), expect=lambda x: x.size)
add("zeros_like", "f32", T(x23), dtype="float32", expect=np.zeros_like)
add("zeros_like", "int32", T(g.ints((3,))), dtype="int32", expect=np.zeros_like)
add("ones_like", "f32_dtype_int64", T(x23), kwargs={"dtype": "int64"}, dtype="int64", expect=np.ones_like)
add("ones_like", "bool", T(g.bools((2,))), dtype="bool", expect=np.ones_like)
add("full_like", "f32", T(x23), 2.5, dtype="float32", expect=np.full_like)
add("full_like", "int32", T(g.ints((2, 2))), 7, dtype="int32", expect=np.full_like)
add("one_hot", "int32", T(np.array([0, 2, 1, 3], "int32")), 4, dtype="float32",
    expect=lambda x, n: np.eye(n)[x])
add("one_hot", "out_of_range_is_zero", T(np.array([[1, 5], [-1, 0]], "int32")), 3, dtype="float32",
    expect=lambda x, n: (x[..., None] == np.arange(n)).astype("float32"))
add("one_hot", "axis0_int64_dtype", T(np.array([1, 0], "int64")), 3, kwargs={"axis": 0, "dtype": "int32"},
    dtype="int32", expect=lambda x, n, axis, dtype: np.eye(n, dtype=dtype)[x].T)
add("swapaxes", "rank3", T(x234), 0, 2, dtype="float32", expect=np.swapaxes)
add("swapaxes", "negative", T(x234), -1, 1, dtype="float32", expect=np.swapaxes)
add("moveaxis", "first_to_last", T(x234), 0, -1, dtype="float32", expect=np.moveaxis)
add("moveaxis", "last_to_middle", T(x234), -1, 1, dtype="float32", expect=np.moveaxis)
add("ravel", "rank3", T(x234), dtype="float32", expect=np.ravel)
add("ravel", "0d", T(np.float32(3.0)), dtype="float32", expect=np.ravel)
add("clip_by_global_norm_factor", "clipped", T(np.float32(16.0)), 2.0, dtype="float32",
    expect=lambda s, c: np.float32(min(1.0, c / np.sqrt(s))))
add("clip_by_global_norm_factor", "not_clipped", T(np.float32(2.25)), 3.0, dtype="float32",
    expect=lambda s, c: np.float32(min(1.0, c / np.sqrt(s))))


def _depthwise(inputs, kernel, **kwargs):
    kshape = kernel.shape
    return naive.conv(inputs, kernel.reshape(kshape[:-2] + (1, kshape[-2] * kshape[-1])), **kwargs)


def _separable(inputs, depthwise_kernel, pointwise_kernel, **kwargs):
    data_format = kwargs.get("data_format")
    return naive.conv(_depthwise(inputs, depthwise_kernel, **kwargs), pointwise_kernel, data_format=data_format)


def _conv_bias(inputs, kernel, bias, **kwargs):
    out = naive.conv(inputs, kernel, **kwargs)
    if kwargs.get("data_format") == "channels_first":
        return out + bias.reshape((1, -1) + (1,) * (out.ndim - 2))
    return out + bias


add("conv_bias", "2d", T(g.normal((2, 6, 6, 3))), T(g.normal((3, 3, 3, 4), scale=0.5)), T(g.normal((4,))),
    dtype="float32", expect=_conv_bias, tol="linalg")
add("conv_bias", "2d_same_stride2_cf", T(g.normal((2, 3, 6, 5))), T(g.normal((3, 2, 3, 2), scale=0.5)),
    T(g.normal((2,))), kwargs={"strides": 2, "padding": "same", "data_format": "channels_first"},
    dtype="float32", expect=_conv_bias, tol="linalg")
add("conv_bias", "1d_dilation", T(g.normal((2, 7, 2))), T(g.normal((2, 2, 3), scale=0.5)), T(g.normal((3,))),
    kwargs={"dilation_rate": 2}, dtype="float32", expect=_conv_bias, tol="linalg")
add("conv_bias", "2d_groups", T(g.normal((1, 5, 5, 4))), T(g.normal((3, 3, 2, 6), scale=0.5)), T(g.normal((6,))),
    kwargs={"padding": "same"}, dtype="float32", expect=_conv_bias, tol="linalg")
add("depthwise_conv", "2d_multiplier2", T(g.normal((1, 5, 5, 3))), T(g.normal((3, 3, 3, 2), scale=0.5)),
    dtype="float32", expect=_depthwise, tol="linalg")
add("depthwise_conv", "2d_same_stride2", T(g.normal((2, 6, 6, 2))), T(g.normal((3, 3, 2, 1), scale=0.5)),
    kwargs={"strides": 2, "padding": "same"}, dtype="float32", expect=_depthwise, tol="linalg")
add("depthwise_conv", "2d_cf_dilation", T(g.normal((1, 2, 6, 6))), T(g.normal((2, 2, 2, 2), scale=0.5)),
    kwargs={"data_format": "channels_first", "dilation_rate": 2}, dtype="float32", expect=_depthwise,
    tol="linalg")
add("depthwise_conv", "1d_same", T(g.normal((2, 6, 3))), T(g.normal((3, 3, 1), scale=0.5)),
    kwargs={"padding": "same"}, dtype="float32", expect=_depthwise, tol="linalg")
add("separable_conv", "2d", T(g.normal((1, 5, 5, 2))), T(g.normal((3, 3, 2, 2), scale=0.5)),
    T(g.normal((1, 1, 4, 3), scale=0.5)), dtype="float32", expect=_separable, tol="linalg")
add("separable_conv", "2d_cf_same", T(g.normal((1, 2, 4, 4))), T(g.normal((3, 3, 2, 1), scale=0.5)),
    T(g.normal((1, 1, 2, 3), scale=0.5)), kwargs={"padding": "same", "data_format": "channels_first"},
    dtype="float32", expect=_separable, tol="linalg")

# Softmax over several axes, sparse labels on a middle class axis, soft targets with saturating logits.
for op, ref in (("softmax", _softmax), ("log_softmax", _log_softmax)):
    add(op, "axes_tuple", T(x234), kwargs={"axis": (0, 2)}, dtype="float32", expect=ref)
add("sparse_categorical_crossentropy", "axis1_logits", T(np.array([[0, 2], [1, 1]], "int32")),
    T(g.normal((2, 3, 2))), kwargs={"from_logits": True, "axis": 1}, dtype="float32",
    expect=lambda target, output, from_logits, axis: _cce(np.moveaxis(np.eye(3)[target], -1, axis), output,
                                                          from_logits, axis), tol="reduction")
add("binary_crossentropy", "soft_target_large_logits", T(g.uniform((6,), 0, 1)),
    T(np.array([-60.0, -30.0, -1.0, 1.0, 30.0, 60.0], "float32")), kwargs={"from_logits": True}, dtype="float32",
    expect=_bce)

# 3-D convolution composites (the conv primitive's 3-D rows are in nn.py).
add("conv_bias", "3d_same_stride2_cf", T(g.normal((1, 2, 4, 5, 3))), T(g.normal((2, 3, 2, 2, 3), scale=0.5)),
    T(g.normal((3,))), kwargs={"strides": 2, "padding": "same", "data_format": "channels_first"},
    dtype="float32", expect=_conv_bias, tol="linalg")
add("depthwise_conv", "3d_multiplier2", T(g.normal((1, 4, 3, 4, 2))), T(g.normal((2, 2, 2, 2, 2), scale=0.5)),
    dtype="float32", expect=_depthwise, tol="linalg")


# Keras 3's further activations. sparsemax's reference finds tau by bisection (sum(max(x - tau, 0)) == 1),
# independently of the sort-based composite.
def _celu(x, alpha=1.0):
    return np.where(x > 0, x, alpha * np.expm1(np.minimum(x, 0) / alpha))


def _sparsemax(x, axis=-1):
    x = np.moveaxis(x.astype(np.float64), axis, -1)
    low, high = x.min(axis=-1, keepdims=True) - 1.0, x.max(axis=-1, keepdims=True)
    for _ in range(200):
        tau = (low + high) / 2
        too_low = np.maximum(x - tau, 0).sum(axis=-1, keepdims=True) > 1
        low, high = np.where(too_low, tau, low), np.where(too_low, high, tau)
    return np.moveaxis(np.maximum(x - (low + high) / 2, 0), -1, axis)


MORE_ACTIVATIONS = {  # name -> (NumPy reference, kink points to keep inputs away from)
    "hard_swish": (lambda x: x * np.clip(x + 3, 0, 6) / 6, (-3.0, 3.0)),
    "celu": (_celu, (0.0,)),
    "hard_tanh": (lambda x: np.clip(x, -1, 1), (-1.0, 1.0)),
    "hard_shrink": (lambda x: np.where(np.abs(x) > 0.5, x, 0.0), (-0.5, 0.5)),
    "soft_shrink": (lambda x: np.sign(x) * np.maximum(np.abs(x) - 0.5, 0.0), (-0.5, 0.5)),
    "tanh_shrink": (lambda x: x - np.tanh(x.astype(np.float64)), ()),
    "squareplus": (lambda x: (x + np.sqrt(x.astype(np.float64) ** 2 + 4)) / 2, ()),
    "sparse_plus": (lambda x: np.where(x <= -1, 0.0, np.where(x < 1, (x + 1.0) ** 2 / 4, x)), (-1.0, 1.0)),
    "sparse_sigmoid": (lambda x: np.clip((x + 1.0) / 2, 0, 1), (-1.0, 1.0)),
}
for op, (ref, kinks) in MORE_ACTIVATIONS.items():
    add(op, "f32_2x5", T(g.away((2, 5), points=kinks, low=-4, high=4)), dtype="float32", expect=ref)
    add(op, "f32_0d", T(g.away((), points=kinks)), dtype="float32", expect=ref)
    add(op, "f32_empty", T(np.zeros((0, 2), "float32")), dtype="float32", expect=ref, grad=False)
    add(op, "f16", T(g.away((4,), points=kinks, dtype="float16")), dtype="float16", expect=ref, tol="loose")
add("celu", "alpha", T(g.away((6,))), kwargs={"alpha": 0.5}, dtype="float32", expect=_celu)
add("hard_shrink", "threshold", T(g.away((6,), points=(-1.0, 1.0))), kwargs={"threshold": 1.0}, dtype="float32",
    expect=lambda x, threshold: np.where(np.abs(x) > threshold, x, 0.0))
add("soft_shrink", "threshold", T(g.away((6,), points=(-1.0, 1.0))), kwargs={"threshold": 1.0}, dtype="float32",
    expect=lambda x, threshold: np.sign(x) * np.maximum(np.abs(x) - threshold, 0.0))
add("squareplus", "b1", T(g.normal((2, 3))), kwargs={"b": 1.0}, dtype="float32",
    expect=lambda x, b: (x + np.sqrt(x.astype(np.float64) ** 2 + b)) / 2)
add("threshold", "f32", T(g.away((2, 5), points=(0.5,))), 0.5, -2.0, dtype="float32",
    expect=lambda x, t, v: np.where(x > t, x, v))
add("threshold", "f16", T(g.away((4,), points=(0.5,), dtype="float16")), 0.5, 0.0, dtype="float16",
    expect=lambda x, t, v: np.where(x > t, x, v), tol="loose")
add("glu", "last_axis", T(g.normal((2, 6))), dtype="float32",
    expect=lambda x: x[..., :3] * _sigmoid(x[..., 3:]))
add("glu", "axis0", T(g.normal((4, 3))), kwargs={"axis": 0}, dtype="float32",
    expect=lambda x, axis: x[:2] * _sigmoid(x[2:]))
add("glu", "f16", T(g.normal((3, 2), "float16")), dtype="float16",
    expect=lambda x: x[..., :1] * _sigmoid(x[..., 1:]), tol="loose")
add("sparsemax", "rows", T(np.array([[0.5, 0.4, -1.0], [0.1, 0.2, 0.3], [2.0, -1.0, 0.25]], "float32")),
    dtype="float32", expect=_sparsemax)
add("sparsemax", "random_2x5", T(g.distinct((2, 5), spacing=0.3)), dtype="float32", expect=_sparsemax)
add("sparsemax", "axis0", T(g.distinct((4, 3), spacing=0.3)), kwargs={"axis": 0}, dtype="float32",
    expect=_sparsemax)
add("sparsemax", "size1_axis", T(g.normal((3, 1))), dtype="float32", expect=_sparsemax)
