"""Convolution and pooling layers against plain NumPy loops (TensorFlow's "same" padding)."""

import math

import numpy as np
import pytest

from kerafront import layers as L
from kerafront import ops


def np_(x):
    return ops.convert_to_numpy(x)


def same_pads(size, kernel, stride, dilation=1):
    out = math.ceil(size / stride)
    total = max((out - 1) * stride + (kernel - 1) * dilation + 1 - size, 0)
    return total // 2, total - total // 2


def conv2d_loop(x, kernel, bias, strides=(1, 1), padding="valid", dilation=(1, 1)):
    """channels_last 2-D convolution (groups inferred from the kernel), one output at a time."""
    kh, kw, cin_group, cout = kernel.shape
    groups = x.shape[-1] // cin_group
    if padding == "same":
        x = np.pad(x, ((0, 0), same_pads(x.shape[1], kh, strides[0], dilation[0]),
                       same_pads(x.shape[2], kw, strides[1], dilation[1]), (0, 0)))
    out_h = (x.shape[1] - (kh - 1) * dilation[0] - 1) // strides[0] + 1
    out_w = (x.shape[2] - (kw - 1) * dilation[1] - 1) // strides[1] + 1
    out = np.zeros((x.shape[0], out_h, out_w, cout))
    per_group = cout // groups
    for b in range(x.shape[0]):
        for i in range(out_h):
            for j in range(out_w):
                for o in range(cout):
                    g = o // per_group
                    for di in range(kh):
                        for dj in range(kw):
                            pixel = x[b, i * strides[0] + di * dilation[0], j * strides[1] + dj * dilation[1],
                                      g * cin_group:(g + 1) * cin_group]
                            out[b, i, j, o] += pixel @ kernel[di, dj, :, o]
    return out + (0 if bias is None else bias)


def conv2d_transpose_loop(x, kernel, bias, stride, out_size, pad_before):
    """Scatter each input pixel times the kernel into the output (kernel: (kh, kw, out, in))."""
    kh, kw, cout, _ = kernel.shape
    full = np.zeros((x.shape[0], (x.shape[1] - 1) * stride + kh, (x.shape[2] - 1) * stride + kw, cout))
    for b in range(x.shape[0]):
        for i in range(x.shape[1]):
            for j in range(x.shape[2]):
                full[b, i * stride:i * stride + kh, j * stride:j * stride + kw] += np.einsum(
                    "hwoc,c->hwo", kernel, x[b, i, j])
    full = np.pad(full, ((0, 0), (0, max(0, out_size + pad_before - full.shape[1])),
                         (0, max(0, out_size + pad_before - full.shape[2])), (0, 0)))
    return full[:, pad_before:pad_before + out_size, pad_before:pad_before + out_size] + bias


@pytest.mark.parametrize("kwargs", [
    {}, {"strides": 2}, {"padding": "same"}, {"strides": 2, "padding": "same"}, {"dilation_rate": 2},
    {"groups": 2}, {"kernel_size": (2, 3), "padding": "same"},
], ids=lambda k: "-".join(f"{a}={b}" for a, b in k.items()) or "default")
def test_conv2d_matches_loop(rng, kwargs):
    kwargs = dict(kwargs)
    kernel_size = kwargs.pop("kernel_size", 3)
    layer = L.Conv2D(4, kernel_size, **kwargs)
    x = rng.standard_normal((2, 6, 7, 4)).astype("float32")
    out = np_(layer(x))
    kernel, bias = layer.get_weights()
    expected = conv2d_loop(x.astype(np.float64), kernel, bias, layer.strides, layer.padding, layer.dilation_rate)
    np.testing.assert_allclose(out, expected, rtol=1e-4, atol=1e-5)


def test_conv2d_channels_first_equals_transposed_channels_last(rng):
    x = rng.standard_normal((2, 5, 5, 3)).astype("float32")
    last = L.Conv2D(2, 3, padding="same")
    first = L.Conv2D(2, 3, padding="same", data_format="channels_first")
    last(x)
    first(x.transpose(0, 3, 1, 2))
    first.set_weights(last.get_weights())
    np.testing.assert_allclose(np_(first(x.transpose(0, 3, 1, 2))), np_(last(x)).transpose(0, 3, 1, 2),
                               rtol=1e-5, atol=1e-6)


def test_conv1d_causal_only_sees_the_past(rng):
    layer = L.Conv1D(2, 3, padding="causal", dilation_rate=2, use_bias=False)
    x = rng.standard_normal((1, 8, 1)).astype("float32")
    out = np_(layer(x))
    kernel = layer.get_weights()[0]
    padded = np.pad(x[0, :, 0], (4, 0))
    expected = np.stack([[sum(padded[t + 2 * k] * kernel[k, 0, o] for k in range(3)) for o in range(2)]
                         for t in range(8)])
    np.testing.assert_allclose(out[0], expected, rtol=1e-5, atol=1e-6)
    changed = x.copy()
    changed[0, 5:] += 10.0
    np.testing.assert_allclose(np_(layer(changed))[0, :5], out[0, :5], rtol=1e-6)


@pytest.mark.parametrize("padding,strides,output_padding", [("valid", 2, None), ("same", 2, None), ("same", 2, 1),
                                                            ("valid", 1, None)])
def test_conv2d_transpose_matches_scatter_loop(rng, padding, strides, output_padding):
    layer = L.Conv2DTranspose(2, 3, strides=strides, padding=padding, output_padding=output_padding,
                              bias_initializer="ones")
    x = rng.standard_normal((1, 3, 3, 2)).astype("float32")
    out = np_(layer(x))
    kernel, bias = layer.get_weights()
    full = (3 - 1) * strides + 3
    # "same" crops like TensorFlow: the forward "same" padding of the output size (extra at the end).
    pad_before = max(full - out.shape[1], 0) // 2 if padding == "same" else 0
    expected = conv2d_transpose_loop(x.astype(np.float64), kernel, bias, strides, out.shape[1], pad_before)
    assert out.shape[1] == layer.compute_output_shape((1, 3, 3, 2))[1]
    np.testing.assert_allclose(out, expected, rtol=1e-4, atol=1e-5)


def test_conv2d_transpose_is_the_gradient_of_conv2d(rng):
    """<conv(x, k), y> == <x, conv_transpose(y, k)> for the same kernel."""
    conv = L.Conv2D(3, 3, strides=2, use_bias=False)
    deconv = L.Conv2DTranspose(2, 3, strides=2, use_bias=False)
    x = rng.standard_normal((1, 7, 7, 2)).astype("float32")
    y = rng.standard_normal((1, 3, 3, 3)).astype("float32")
    conv(x)
    deconv(y)
    deconv.set_weights(conv.get_weights())
    np.testing.assert_allclose(np.sum(np_(conv(x)) * y), np.sum(x * np_(deconv(y))), rtol=1e-4)


def test_depthwise_conv2d_channel_order(rng):
    layer = L.DepthwiseConv2D(2, depth_multiplier=2)
    x = rng.standard_normal((1, 4, 4, 3)).astype("float32")
    out = np_(layer(x))
    kernel, bias = layer.get_weights()
    assert kernel.shape == (2, 2, 3, 2)
    for c in range(3):
        for m in range(2):
            expected = conv2d_loop(x[..., c:c + 1].astype(np.float64), kernel[:, :, c:c + 1, m:m + 1], None)
            np.testing.assert_allclose(out[..., c * 2 + m], expected[..., 0] + bias[c * 2 + m], rtol=1e-4, atol=1e-5)


def test_separable_conv2d_is_depthwise_then_pointwise(rng):
    layer = L.SeparableConv2D(4, 3, depth_multiplier=2, padding="same", bias_initializer="ones")
    x = rng.standard_normal((1, 5, 5, 2)).astype("float32")
    out = np_(layer(x))
    depthwise, pointwise, bias = layer.get_weights()
    assert [w.shape for w in (depthwise, pointwise, bias)] == [(3, 3, 2, 2), (1, 1, 4, 4), (4,)]
    grouped = depthwise.reshape(3, 3, 1, 4)  # output channel c * multiplier + m reads input channel c
    mid = conv2d_loop(x.astype(np.float64), grouped, None, padding="same")
    np.testing.assert_allclose(out, mid @ pointwise[0, 0] + bias, rtol=1e-4, atol=1e-5)


def test_conv_input_errors():
    with pytest.raises(ValueError, match=r'layer "conv_a".*rank 4.*\(3, 4\)'):
        L.Conv2D(2, 3, name="conv_a")(np.zeros((3, 4), "float32"))
    layer = L.Conv2D(2, 3, name="conv_b")
    layer(np.zeros((1, 5, 5, 3), "float32"))
    with pytest.raises(ValueError, match=r'"conv_b".*shape \(\.\.\., 3\).*\(1, 5, 5, 4\)'):
        layer(np.zeros((1, 5, 5, 4), "float32"))
    with pytest.raises(ValueError, match="strides > 1 cannot be combined with dilation_rate > 1"):
        L.Conv2D(2, 3, strides=2, dilation_rate=2)
    with pytest.raises(ValueError, match="too small"):
        L.Conv2D(2, 5)(np.zeros((1, 3, 3, 1), "float32"))
    with pytest.raises(ValueError, match="padding must be one of"):
        L.Conv2D(2, 3, padding="causal")
    with pytest.raises(ValueError, match="divisible by groups"):
        L.Conv2D(3, 3, groups=2)
    with pytest.raises(ValueError, match="output_padding must be smaller than its stride"):
        L.Conv2DTranspose(2, 3, strides=1, output_padding=1)


def pool_loop(x, size, stride, padding, reduce):
    """channels_last 2-D pooling; padded positions are ignored (never win, never counted)."""
    h, w = x.shape[1:3]
    if padding == "same":
        (top, _), (left, _) = same_pads(h, size, stride), same_pads(w, size, stride)
        out_h, out_w = math.ceil(h / stride), math.ceil(w / stride)
    else:
        top = left = 0
        out_h, out_w = (h - size) // stride + 1, (w - size) // stride + 1
    out = np.zeros((x.shape[0], out_h, out_w, x.shape[3]))
    for i in range(out_h):
        for j in range(out_w):
            r0, c0 = i * stride - top, j * stride - left
            window = x[:, max(r0, 0):r0 + size, max(c0, 0):c0 + size]
            out[:, i, j] = reduce(window, axis=(1, 2))
    return out


@pytest.mark.parametrize("padding", ["valid", "same"])
@pytest.mark.parametrize("kind", ["max", "average"])
def test_pooling2d_matches_loop(rng, padding, kind):
    layer = (L.MaxPooling2D if kind == "max" else L.AveragePooling2D)(pool_size=3, strides=2, padding=padding)
    x = rng.standard_normal((2, 7, 6, 3)).astype("float32")
    expected = pool_loop(x, 3, 2, padding, np.max if kind == "max" else np.mean)
    np.testing.assert_allclose(np_(layer(x)), expected, rtol=1e-5, atol=1e-6)


def test_pooling1d_and_global_pooling(rng):
    x = rng.standard_normal((2, 6, 3)).astype("float32")
    np.testing.assert_allclose(np_(L.MaxPooling1D(2)(x)), x.reshape(2, 3, 2, 3).max(axis=2), rtol=1e-6)
    np.testing.assert_allclose(np_(L.AveragePooling1D(3)(x)), x.reshape(2, 2, 3, 3).mean(axis=2), rtol=1e-6)
    np.testing.assert_allclose(np_(L.GlobalMaxPooling1D()(x)), x.max(axis=1), rtol=1e-6)
    np.testing.assert_allclose(np_(L.GlobalAveragePooling1D()(x)), x.mean(axis=1), rtol=1e-6)
    images = rng.standard_normal((2, 3, 4, 5)).astype("float32")
    np.testing.assert_allclose(np_(L.GlobalAveragePooling2D()(images)), images.mean(axis=(1, 2)), rtol=1e-6)
    np.testing.assert_allclose(np_(L.GlobalMaxPooling2D(data_format="channels_first")(images)),
                               images.max(axis=(2, 3)), rtol=1e-6)
    assert np_(L.GlobalMaxPooling2D(keepdims=True)(images)).shape == (2, 1, 1, 5)


def test_pooling_errors():
    with pytest.raises(ValueError, match=r'"pool".*rank 4.*\(2, 3\)'):
        L.MaxPooling2D(name="pool")(np.zeros((2, 3), "float32"))
    with pytest.raises(ValueError, match="smaller than pool_size"):
        L.MaxPooling2D(4)(np.zeros((1, 3, 3, 1), "float32"))
