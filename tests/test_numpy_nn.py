"""The NumPy backend's conv / conv_transpose / max_pool / average_pool against direct loop implementations.

Forward values are compared with nested-loop references written from the spec's rules (TensorFlow's
"same" padding, grouped channels, real-element averages); conv_transpose is checked as the exact
adjoint of conv; every VJP is checked against central finite differences in float64.
"""

import itertools
import math

import numpy as np
import pytest

from kerafront_numpy._autodiff import primitive, value_and_grad
from kerafront_numpy._nn import average_pool, conv, conv_transpose, max_pool

RNG = np.random.default_rng(0)


def _normal(*shape, dtype="float64"):
    return RNG.standard_normal(shape).astype(dtype)


def _as_tuple(value, rank):
    return (value,) * rank if isinstance(value, int) else tuple(value)


def _pads(size, window, stride, dilation, padding):
    """(out, pad_before, pad_after) of one spatial dim, from the spec's formulas."""
    span = (window - 1) * dilation + 1
    if padding == "valid":
        return (size - span) // stride + 1, 0, 0
    out = math.ceil(size / stride)
    total = max((out - 1) * stride + span - size, 0)
    return out, total // 2, total - total // 2


# ----------------------------------------------------------------------------------------------
# Nested-loop references (channels_last, any spatial rank)


def ref_conv(x, kernel, strides=1, padding="valid", dilation=1, channels_first=False):
    if channels_first:
        x = np.moveaxis(x, 1, -1)
    rank = x.ndim - 2
    strides, dilation = _as_tuple(strides, rank), _as_tuple(dilation, rank)
    geometry = [_pads(x.shape[1 + a], kernel.shape[a], strides[a], dilation[a], padding) for a in range(rank)]
    xp = np.pad(x, [(0, 0)] + [(before, after) for _, before, after in geometry] + [(0, 0)])
    c_in, cg, c_out = x.shape[-1], kernel.shape[-2], kernel.shape[-1]
    per_group = c_out // (c_in // cg)
    y = np.zeros((x.shape[0],) + tuple(out for out, _, _ in geometry) + (c_out,))
    for position in itertools.product(*[range(out) for out, _, _ in geometry]):
        for o in range(c_out):
            group = o // per_group
            window = tuple(slice(p * s, p * s + (k - 1) * d + 1, d)
                           for p, s, k, d in zip(position, strides, kernel.shape, dilation))
            patch = xp[(slice(None),) + window + (slice(group * cg, (group + 1) * cg),)]
            y[(slice(None),) + position + (o,)] = np.sum(patch * kernel[..., o], axis=tuple(range(1, rank + 2)))
    return np.moveaxis(y, -1, 1) if channels_first else y


def ref_conv_transpose(x, kernel, strides=1, padding="valid", dilation=1, output_padding=None):
    """Scatter definition: out[p * s + i * d - pad_before] += x[p] * kernel[i], cropped to the output length."""
    rank = x.ndim - 2
    strides, dilation = _as_tuple(strides, rank), _as_tuple(dilation, rank)
    lengths, befores = [], []
    for a in range(rank):
        size, span = x.shape[1 + a], (kernel.shape[a] - 1) * dilation[a] + 1
        if output_padding is not None:
            pad = span // 2 if padding == "same" else 0
            length = (size - 1) * strides[a] + span - 2 * pad + _as_tuple(output_padding, rank)[a]
        else:
            length = size * strides[a] if padding == "same" else (size - 1) * strides[a] + span
        lengths.append(length)
        befores.append(max((size - 1) * strides[a] + span - length, 0) // 2 if padding == "same" else 0)
    out = np.zeros((x.shape[0],) + tuple(lengths) + (kernel.shape[-2],))
    for position in itertools.product(*[range(n) for n in x.shape[1:-1]]):
        for tap in itertools.product(*[range(k) for k in kernel.shape[:rank]]):
            target = [p * s + i * d - b for p, s, i, d, b in zip(position, strides, tap, dilation, befores)]
            if all(0 <= t < n for t, n in zip(target, lengths)):
                out[(slice(None),) + tuple(target)] += x[(slice(None),) + position] @ kernel[tap].T
    return out


def ref_pool(x, pool_size, strides=None, padding="valid", kind="max"):
    rank = x.ndim - 2
    pool_size = _as_tuple(pool_size, rank)
    strides = pool_size if strides is None else _as_tuple(strides, rank)
    geometry = [_pads(x.shape[1 + a], pool_size[a], strides[a], 1, padding) for a in range(rank)]
    y = np.zeros((x.shape[0],) + tuple(out for out, _, _ in geometry) + (x.shape[-1],))
    for position in itertools.product(*[range(out) for out, _, _ in geometry]):
        window = tuple(slice(max(p * s - b, 0), p * s - b + k)
                       for p, s, k, (_, b, _) in zip(position, strides, pool_size, geometry))
        patch = x[(slice(None),) + window + (slice(None),)].reshape(x.shape[0], -1, x.shape[-1])
        y[(slice(None),) + position] = patch.max(axis=1) if kind == "max" else patch.mean(axis=1)
    return y


# ----------------------------------------------------------------------------------------------
# Forward values


CONV_CASES = [  # (input shape, kernel shape, strides, padding, dilation)
    ((2, 7, 6, 3), (3, 3, 3, 4), 1, "valid", 1),
    ((2, 7, 6, 3), (3, 3, 3, 4), 1, "same", 1),
    ((2, 7, 6, 3), (2, 2, 3, 4), 2, "same", 1),          # stride 2, even kernel: extra pad at the end
    ((1, 8, 8, 2), (4, 4, 2, 3), (2, 3), "same", 1),
    ((1, 9, 7, 2), (3, 2, 2, 3), (3, 2), "valid", 1),
    ((2, 9, 8, 3), (3, 3, 3, 2), 1, "same", 2),           # dilation 2
    ((1, 9, 8, 2), (2, 3, 2, 2), 1, "valid", (2, 3)),
    ((2, 6, 6, 4), (3, 3, 2, 6), 1, "same", 1),           # groups = 2
    ((2, 6, 6, 4), (3, 3, 1, 8), 2, "same", 1),           # depthwise, multiplier 2
    ((2, 11, 3), (3, 3, 5), 1, "same", 1),                # 1-D
    ((2, 11, 4), (4, 2, 6), 2, "same", 1),                # 1-D, grouped, even kernel
    ((2, 12, 3), (3, 3, 2), 1, "valid", 3),               # 1-D, dilation 3
]


@pytest.mark.parametrize("x_shape, k_shape, strides, padding, dilation", CONV_CASES)
def test_conv_matches_nested_loops(x_shape, k_shape, strides, padding, dilation):
    x, kernel = _normal(*x_shape), _normal(*k_shape)
    got = conv(x, kernel, strides=strides, padding=padding, data_format="channels_last", dilation_rate=dilation)
    np.testing.assert_allclose(got, ref_conv(x, kernel, strides, padding, dilation), rtol=1e-10, atol=1e-12)


@pytest.mark.parametrize("x_shape, k_shape, strides, padding, dilation", CONV_CASES[1:3] + CONV_CASES[7:10])
def test_conv_channels_first(x_shape, k_shape, strides, padding, dilation):
    x, kernel = _normal(*x_shape), _normal(*k_shape)
    x_first = np.moveaxis(x, -1, 1)
    got = conv(x_first, kernel, strides=strides, padding=padding, data_format="channels_first",
               dilation_rate=dilation)
    expected = ref_conv(x_first, kernel, strides, padding, dilation, channels_first=True)
    np.testing.assert_allclose(got, expected, rtol=1e-10, atol=1e-12)


def test_conv_known_values_same_padding_puts_the_extra_pad_at_the_end():
    x = np.arange(1.0, 5.0).reshape(1, 4, 1)                   # [1, 2, 3, 4]
    kernel = np.array([1.0, 10.0]).reshape(2, 1, 1)            # out[i] = x[2i] + 10 x[2i + 1]
    np.testing.assert_array_equal(conv(x, kernel, strides=2, padding="same")[0, :, 0], [21.0, 43.0])
    x5 = np.arange(1.0, 6.0).reshape(1, 5, 1)                  # total pad 1 -> at the end
    np.testing.assert_array_equal(conv(x5, kernel, strides=2, padding="SAME")[0, :, 0], [21.0, 43.0, 5.0])


def test_conv_float32_stays_float32_and_data_format_defaults_to_config():
    from kerafront import config
    x, kernel = _normal(2, 5, 5, 3, dtype="float32"), _normal(3, 3, 3, 2, dtype="float32")
    y = conv(x, kernel, padding="same")
    assert y.dtype == np.float32 and y.shape == (2, 5, 5, 2)
    previous = config.image_data_format()
    config.set_image_data_format("channels_first")
    try:
        y_first = conv(np.moveaxis(x, -1, 1), kernel, padding="same")
    finally:
        config.set_image_data_format(previous)
    np.testing.assert_allclose(np.moveaxis(y_first, 1, -1), y, rtol=1e-5, atol=1e-5)


CONV_TRANSPOSE_CASES = [  # (input shape, kernel shape, strides, padding, dilation, output_padding)
    ((2, 4, 3, 3), (3, 3, 2, 3), 1, "valid", 1, None),
    ((2, 4, 3, 3), (3, 3, 2, 3), 2, "same", 1, None),
    ((2, 4, 3, 3), (2, 2, 2, 3), 2, "same", 1, None),
    ((1, 3, 3, 2), (3, 3, 4, 2), 2, "valid", 1, 1),
    ((1, 3, 4, 2), (3, 3, 2, 2), (2, 3), "same", 1, (1, 0)),
    ((1, 4, 4, 2), (3, 2, 2, 2), 1, "same", 2, None),
    ((2, 5, 3), (3, 2, 3), 3, "valid", 1, None),             # 1-D, stride > kernel
    ((2, 5, 3), (4, 2, 3), 2, "same", 1, None),              # 1-D, even kernel
]


@pytest.mark.parametrize("x_shape, k_shape, strides, padding, dilation, output_padding", CONV_TRANSPOSE_CASES)
def test_conv_transpose_matches_scatter_definition(x_shape, k_shape, strides, padding, dilation, output_padding):
    x, kernel = _normal(*x_shape), _normal(*k_shape)
    got = conv_transpose(x, kernel, strides=strides, padding=padding, output_padding=output_padding,
                         data_format="channels_last", dilation_rate=dilation)
    expected = ref_conv_transpose(x, kernel, strides, padding, dilation, output_padding)
    assert got.shape == expected.shape
    np.testing.assert_allclose(got, expected, rtol=1e-10, atol=1e-12)


def test_conv_transpose_output_lengths():
    x = np.zeros((1, 5, 2))
    assert conv_transpose(x, np.zeros((3, 4, 2)), strides=2, padding="valid").shape == (1, 11, 4)
    assert conv_transpose(x, np.zeros((3, 4, 2)), strides=2, padding="same").shape == (1, 10, 4)
    assert conv_transpose(x, np.zeros((3, 4, 2)), strides=2, padding="same", output_padding=1).shape == (1, 10, 4)
    assert conv_transpose(x, np.zeros((3, 4, 2)), strides=1, padding="valid", dilation_rate=2).shape == (1, 9, 4)
    x_first = np.zeros((1, 2, 5, 3))
    y_first = conv_transpose(x_first, np.zeros((2, 2, 4, 2)), strides=2, data_format="channels_first")
    assert y_first.shape == (1, 4, 10, 6)


@pytest.mark.parametrize("x_shape, k_shape, strides, padding, dilation, data_format", [
    ((2, 8, 7, 3), (3, 3, 3, 4), 1, "same", 1, "channels_last"),
    ((2, 8, 6, 3), (2, 2, 3, 4), 2, "same", 1, "channels_last"),
    ((2, 9, 7, 3), (3, 3, 3, 2), 2, "valid", 1, "channels_last"),
    ((2, 9, 9, 2), (3, 3, 2, 3), 1, "same", 2, "channels_last"),
    ((2, 3, 8, 6), (2, 2, 3, 4), 2, "same", 1, "channels_first"),
    ((2, 12, 3), (3, 3, 2), 3, "same", 1, "channels_last"),
])
def test_conv_transpose_is_the_adjoint_of_conv(x_shape, k_shape, strides, padding, dilation, data_format):
    """<conv(x, k), y> == <x, conv_transpose(y, k)> when conv_transpose returns x's shape."""
    x, kernel = _normal(*x_shape), _normal(*k_shape)
    y = _normal(*conv(x, kernel, strides, padding, data_format, dilation).shape)
    back = conv_transpose(y, kernel, strides, padding, data_format=data_format, dilation_rate=dilation)
    assert back.shape == x.shape
    lhs = np.vdot(conv(x, kernel, strides, padding, data_format, dilation), y)
    np.testing.assert_allclose(lhs, np.vdot(x, back), rtol=1e-10)


POOL_CASES = [  # (input shape, pool size, strides, padding)
    ((2, 6, 6, 3), 2, None, "valid"),
    ((2, 7, 5, 3), 2, None, "valid"),
    ((2, 7, 5, 3), 3, 2, "same"),
    ((2, 6, 6, 2), (2, 3), (1, 2), "same"),
    ((2, 5, 5, 2), 3, 1, "same"),
    ((2, 9, 3), 3, 2, "same"),
    ((2, 9, 3), 2, None, "valid"),
]


@pytest.mark.parametrize("kind", ["max", "average"])
@pytest.mark.parametrize("x_shape, pool_size, strides, padding", POOL_CASES)
def test_pool_matches_nested_loops(kind, x_shape, pool_size, strides, padding):
    op = max_pool if kind == "max" else average_pool
    x = _normal(*x_shape) - 5.0                                # negative: a zero pad would win a max
    got = op(x, pool_size, strides, padding, "channels_last")
    np.testing.assert_allclose(got, ref_pool(x, pool_size, strides, padding, kind), rtol=1e-12, atol=1e-12)
    x_first = np.moveaxis(x, -1, 1)
    got_first = op(x_first, pool_size, strides, padding, "channels_first")
    np.testing.assert_allclose(np.moveaxis(got_first, 1, -1), got, rtol=1e-12, atol=1e-12)


def test_average_pool_same_divides_by_real_elements():
    x = np.ones((1, 3, 3, 1))
    np.testing.assert_array_equal(average_pool(x, 2, 1, "same"), np.ones((1, 3, 3, 1)))
    np.testing.assert_array_equal(average_pool(np.arange(1.0, 6.0).reshape(1, 5, 1), 2, 2, "same")[0, :, 0],
                                  [1.5, 3.5, 5.0])


def test_pool_dtypes():
    x = _normal(1, 4, 4, 2, dtype="float32")
    assert max_pool(x, 2).dtype == np.float32 and average_pool(x, 2).dtype == np.float32
    ints = np.arange(16, dtype="int32").reshape(1, 4, 4, 1)
    assert max_pool(ints, 2, padding="same").dtype == np.int32
    np.testing.assert_array_equal(max_pool(ints, 3, 2, "same")[0, :, :, 0], [[10, 11], [14, 15]])
    assert average_pool(ints, 2).dtype == np.float32


# ----------------------------------------------------------------------------------------------
# VJPs against central finite differences (float64)


def _dot_vjp(g, out, y, cotangent):
    return g * cotangent, None


@primitive(_dot_vjp)
def _dot(y, cotangent):
    """<y, cotangent> as a 0-d array, so that value_and_grad sees a scalar."""
    return np.asarray(np.vdot(y, cotangent))


def _check_vjp(fn, tensors, eps=1e-6):
    """Compare value_and_grad's gradient of <fn(*tensors), ct> with central differences."""
    cotangent = _normal(*fn(*tensors).shape)
    loss = lambda *ts: _dot(fn(*ts), cotangent)  # noqa: E731
    _, grads = value_and_grad(loss, argnums=tuple(range(len(tensors))))(*tensors)
    for index, (tensor, grad) in enumerate(zip(tensors, grads)):
        assert grad.shape == tensor.shape and grad.dtype == np.float64
        numeric = np.zeros_like(tensor)
        for position in np.ndindex(tensor.shape):
            plus, minus = [t.copy() for t in tensors], [t.copy() for t in tensors]
            plus[index][position] += eps
            minus[index][position] -= eps
            numeric[position] = (float(loss(*plus)) - float(loss(*minus))) / (2 * eps)
        np.testing.assert_allclose(grad, numeric, rtol=1e-6, atol=1e-7, err_msg=f"gradient of argument {index}")


@pytest.mark.parametrize("x_shape, k_shape, strides, padding, dilation, data_format", [
    ((2, 5, 4, 2), (3, 3, 2, 3), 1, "same", 1, "channels_last"),
    ((1, 6, 5, 2), (2, 2, 2, 2), 2, "same", 1, "channels_last"),
    ((1, 7, 6, 2), (3, 2, 2, 2), (2, 3), "valid", 1, "channels_last"),
    ((1, 7, 7, 2), (2, 2, 2, 2), 1, "same", 2, "channels_last"),
    ((1, 4, 5, 5), (3, 3, 2, 4), 1, "same", 1, "channels_first"),   # groups = 2
    ((1, 5, 5, 3), (3, 3, 1, 6), 2, "same", 1, "channels_last"),    # depthwise
    ((2, 7, 3), (3, 3, 2), 2, "same", 1, "channels_last"),          # 1-D
])
def test_conv_vjp_finite_differences(x_shape, k_shape, strides, padding, dilation, data_format):
    conv_fn = lambda x, k: conv(x, k, strides, padding, data_format, dilation)  # noqa: E731
    _check_vjp(conv_fn, [_normal(*x_shape), _normal(*k_shape)])


@pytest.mark.parametrize("x_shape, k_shape, strides, padding, dilation, output_padding", [
    ((1, 3, 3, 2), (3, 3, 2, 2), 2, "same", 1, None),
    ((1, 3, 2, 2), (2, 3, 3, 2), (2, 1), "valid", 1, (1, 0)),
    ((1, 3, 3, 2), (2, 2, 2, 2), 1, "same", 2, None),
    ((2, 4, 2), (3, 3, 2), 2, "same", 1, None),                     # 1-D
])
def test_conv_transpose_vjp_finite_differences(x_shape, k_shape, strides, padding, dilation, output_padding):
    transpose_fn = lambda x, k: conv_transpose(x, k, strides, padding, output_padding, "channels_last",  # noqa: E731
                                               dilation)
    _check_vjp(transpose_fn, [_normal(*x_shape), _normal(*k_shape)])


@pytest.mark.parametrize("kind", ["max", "average"])
@pytest.mark.parametrize("x_shape, pool_size, strides, padding, data_format", [
    ((2, 4, 4, 2), 2, None, "valid", "channels_last"),
    ((1, 5, 5, 2), 3, 2, "same", "channels_last"),
    ((1, 5, 4, 2), (2, 3), 1, "same", "channels_last"),               # overlapping windows
    ((1, 2, 5, 5), 2, 2, "same", "channels_first"),
    ((2, 7, 2), 3, 2, "valid", "channels_last"),                      # 1-D
])
def test_pool_vjp_finite_differences(kind, x_shape, pool_size, strides, padding, data_format):
    op = max_pool if kind == "max" else average_pool
    x = RNG.permutation(np.arange(np.prod(x_shape), dtype="float64")).reshape(x_shape) * 0.1 - 5.0  # no ties
    _check_vjp(lambda t: op(t, pool_size, strides, padding, data_format), [x])


def test_max_pool_vjp_sends_a_tie_to_one_position():
    x = np.zeros((1, 4, 4, 1))
    _, grad = value_and_grad(lambda t: _dot(max_pool(t, 2, 1, "valid"), np.ones((1, 3, 3, 1))))(x)
    assert grad.sum() == 9.0 and grad[0, 0, 0, 0] == 1.0 and grad[0, 3, 3, 0] == 0.0


@pytest.mark.parametrize("x_shape, pool_size, padding, data_format", [
    ((2, 6, 6, 3), 2, "valid", "channels_last"),
    ((2, 7, 5, 3), 2, "valid", "channels_last"),      # odd sizes: the last row/column is in no window
    ((1, 9, 6, 2), (3, 2), "valid", "channels_last"),
    ((2, 3, 4, 4), 2, "same", "channels_first"),      # "same" that needs no padding
    ((2, 9, 2), 3, "valid", "channels_last"),         # 1-D
])
def test_tiled_max_pool_vjp_matches_the_separable_rule_with_many_ties(x_shape, pool_size, padding, data_format,
                                                                      monkeypatch):
    from kerafront_numpy import _nn_pool
    calls = []
    tiled = _nn_pool._tiled_max_pool_vjp
    monkeypatch.setattr(_nn_pool, "_tiled_max_pool_vjp", lambda *a: calls.append(1) or tiled(*a))
    # relu-like data on a coarse grid: most windows hold several equal maxima (often all zeros)
    x = np.maximum(np.round(RNG.normal(size=x_shape) * 2) / 2, 0).astype("float32")
    out = max_pool.forward(x, pool_size, None, padding, data_format)
    g = RNG.normal(size=out.shape).astype("float32")
    fast = _nn_pool._max_pool_vjp(g, out, x, pool_size, None, padding, data_format)
    _, xs, channels_first, window, strides, pads, outs = _nn_pool._pool_setup(
        x, pool_size, None, padding, data_format, "max_pool")
    assert calls == [1]   # the fast path ran
    general = _nn_pool._separable_max_pool_vjp(_nn_pool.to_nhwc(g, channels_first), xs, window, strides, pads, outs)
    np.testing.assert_array_equal(fast, _nn_pool.from_nhwc(general, x.ndim, channels_first))
    assert fast.dtype == np.float32 and fast.shape == x.shape
    assert 0 < np.count_nonzero(fast) <= g.size   # one winner per window


def test_conv_kernel_only_gradient_and_float32_gradients():
    x, kernel = _normal(2, 6, 6, 1, dtype="float32"), _normal(3, 3, 1, 4, dtype="float32")
    cotangent = _normal(2, 4, 4, 4, dtype="float32")
    _, grad = value_and_grad(lambda k: _dot(conv(x, k), cotangent))(kernel)
    assert grad.dtype == np.float32
    # d kernel[i, j, 0, o] = sum over n, h, w of x[n, h + i, w + j, 0] * cotangent[n, h, w, o]: a conv over the batch
    expected = ref_conv(x.transpose(3, 1, 2, 0).astype("float64"), np.moveaxis(cotangent, 0, -2).astype("float64"))
    np.testing.assert_allclose(grad[:, :, 0, :], expected[0], rtol=1e-4, atol=1e-4)


# ----------------------------------------------------------------------------------------------
# Errors


@pytest.mark.parametrize("call, message", [
    (lambda: conv(np.zeros((2, 5)), np.zeros((3, 5))), r"conv: inputs must be 3-D .*\(2, 5\)"),
    (lambda: conv(np.zeros((1, 5, 5, 3)), np.zeros((3, 3, 3))), r"conv: kernel must have rank 4"),
    (lambda: conv(np.zeros((1, 5, 5, 3)), np.zeros((3, 3, 2, 4))), r"conv: .*input channels \(3\).*\(3, 3, 2, 4\)"),
    (lambda: conv(np.zeros((1, 5, 5, 4)), np.zeros((3, 3, 2, 3))), r"conv: .*groups \(2\).*output channels \(3\)"),
    (lambda: conv(np.zeros((1, 5, 5, 3)), np.zeros((3, 3, 3, 4)), padding="full"), r"conv: padding .*'full'"),
    (lambda: conv(np.zeros((1, 5, 5, 3)), np.zeros((3, 3, 3, 4)), data_format="NHWC"), r"conv: data_format.*'NHWC'"),
    (lambda: conv(np.zeros((1, 9, 9, 3)), np.zeros((3, 3, 3, 4)), strides=2, dilation_rate=2),
     r"conv: strides > 1 cannot be combined with dilation_rate > 1"),
    (lambda: conv(np.zeros((1, 5, 5, 3)), np.zeros((3, 3, 3, 4)), strides=0), r"conv: strides must be positive"),
    (lambda: conv(np.zeros((1, 5, 5, 3)), np.zeros((3, 3, 3, 4)), strides=(1, 1, 1)), r"conv: strides must be"),
    (lambda: conv(np.zeros((1, 2, 2, 3)), np.zeros((3, 3, 3, 4))), r"conv: .*\(2, 2\) is smaller than the window"),
    (lambda: conv_transpose(np.zeros((1, 5, 5, 3)), np.zeros((3, 3, 4, 2))),
     r"conv_transpose: the kernel's last dim \(2, C_in\) must equal the input channels \(3\)"),
    (lambda: conv_transpose(np.zeros((1, 5, 3)), np.zeros((3, 4, 3)), strides=2, output_padding=2),
     r"conv_transpose: output_padding"),
    (lambda: max_pool(np.zeros((5, 5)), 2), r"max_pool: inputs must be 3-D .*\(5, 5\)"),
    (lambda: max_pool(np.zeros((1, 5, 5, 1)), 0), r"max_pool: pool_size must be positive"),
    (lambda: average_pool(np.zeros((1, 5, 5, 1)), 2, padding="causal"), r"average_pool: padding .*'causal'"),
    (lambda: average_pool(np.zeros((1, 5, 5, 1)), 2, strides=-1), r"average_pool: strides must be positive"),
])
def test_errors_name_the_op_and_the_received_values(call, message):
    with pytest.raises(ValueError, match=message):
        call()
