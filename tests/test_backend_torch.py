"""PyTorch-backend checks where torch's own behaviour differs from kerafront's rules.

Covers: TF-style "same" padding (stride 2, even kernels) for conv and pooling against NumPy
loops, conv_transpose as the input gradient of conv, channels_first and groups, the promotion
table (torch treats 0-d tensors as weak and sums ints to int64), Python-sign integer division,
int32 indices, stable sort and top_k ties, tie gradients, errors, seeded random and compile,
autodiff over pytrees (incl. second order), the fused overrides against their composites,
devices and import hygiene.
"""

import itertools
import os
import subprocess
import sys
import warnings

import numpy as np
import pytest

torch = pytest.importorskip("torch")

import kerafront  # noqa: E402
from kerafront import dtypes, ops  # noqa: E402
from kerafront.spec import OVERRIDABLE_COMPOSITES, missing_primitives  # noqa: E402


@pytest.fixture(autouse=True)
def K():
    with kerafront.backend_scope("torch") as module:
        yield module


def _np(x):
    return ops.convert_to_numpy(x)


def test_module_implements_the_whole_spec(K):
    import inspect

    assert missing_primitives(K) == []
    assert K.name == "torch"
    for name in OVERRIDABLE_COMPOSITES:
        if hasattr(K, name):
            composite = getattr(ops, name).composite
            assert inspect.signature(getattr(K, name)) == inspect.signature(composite), name


# ----------------------------------------------------------------------------------------------
# Conversion and dtypes


def test_convert_follows_kerafront_defaults(K):
    assert K.dtype(K.convert_to_tensor(1.5)) == "float32"
    assert K.dtype(K.convert_to_tensor(3)) == "int32"
    assert K.dtype(K.convert_to_tensor(True)) == "bool"
    assert K.dtype(K.convert_to_tensor([[1, 2], [3, 4]])) == "int32"
    assert K.dtype(K.convert_to_tensor([1.0, 2])) == "float32"
    assert K.dtype(K.convert_to_tensor(np.arange(3, dtype=np.float64))) == "float64"
    t = torch.ones(3)
    assert K.convert_to_tensor(t) is t
    readonly = np.arange(4.0, dtype=np.float32)[::-1]
    readonly.flags.writeable = False
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        np.testing.assert_array_equal(_np(K.convert_to_tensor(readonly)), [3, 2, 1, 0])


def test_convert_never_shares_memory_with_numpy(K):
    array = np.zeros(3, np.float32)
    tensor = K.convert_to_tensor(array)
    tensor.add_(1.0)
    assert array.tolist() == [0, 0, 0]


def test_fused_optimizer_update_declines_what_it_cannot_fuse(K):
    lr, step = K.convert_to_tensor(0.1), K.convert_to_tensor(1.0)
    params, grads = [K.ones((2,))], [K.ones((2,))]
    assert K.fused_optimizer_update("nadam", params, grads, {}, lr, step, {}, True) is None
    mixed = [K.ones((2,), "float64")]
    assert K.fused_optimizer_update("sgd", params, mixed, {}, lr, step, {"momentum": 0.0}, True) is None
    new_params, _ = K.fused_optimizer_update("sgd", params, grads, {}, lr, step, {"momentum": 0.0}, False)
    np.testing.assert_allclose(_np(new_params[0]), [0.9, 0.9])
    np.testing.assert_array_equal(_np(params[0]), [1, 1])  # not in place: inputs untouched


def test_convert_to_numpy_copies_and_handles_bfloat16_and_grad(K):
    t = torch.ones(2, requires_grad=True)
    out = K.convert_to_numpy(t)
    out[0] = 5
    assert t[0].item() == 1
    assert K.convert_to_numpy(torch.ones(2, dtype=torch.bfloat16)).dtype == np.float32


@pytest.mark.parametrize("a,b", list(itertools.product(dtypes.ALL_DTYPES, repeat=2)))
def test_promotion_table(K, a, b):
    x = K.ones((2,), dtype=a)
    y = K.ones((), dtype=b)  # 0-d: torch alone would let the vector's dtype win
    assert K.dtype(K.add(x, y)) == dtypes.result_type(a, b)


def test_weak_python_scalars(K):
    assert K.dtype(K.add(K.ones((2,), "int16"), 1.5)) == "float32"
    assert K.dtype(K.add(K.ones((2,), "bool"), 1)) == "int32"
    assert K.dtype(K.multiply(K.ones((2,), "float16"), 2.0)) == "float16"
    assert K.dtype(K.subtract(3, K.ones((2,), "int8"))) == "int8"
    assert K.dtype(K.add(1, 2)) == "int32" and K.dtype(K.add(1.0, 2)) == "float32"
    assert K.dtype(K.divide(K.ones((2,), "int32"), K.ones((2,), "int32"))) == "float32"
    assert K.dtype(K.sum(K.ones((3,), "int32"))) == "int32"
    assert K.dtype(K.sum(K.ones((3,), "bool"))) == "int32"
    assert K.dtype(K.prod(K.ones((2, 3), "int16"), axis=(0, 1))) == "int16"
    assert K.dtype(K.cumsum(K.ones((3,), "int32"))) == "int32"
    assert K.dtype(K.sqrt(K.ones((2,), "int32"))) == "float32"


def test_divide_of_ints_follows_floatx(K):
    kerafront.config.set_floatx("float64")
    try:
        assert K.dtype(K.divide(K.arange(3), 2)) == "float64"
    finally:
        kerafront.config.set_floatx("float32")


def test_integer_division_and_remainder_follow_python_signs(K):
    a = np.array([-7, 7, -7, 7, 0], np.int32)
    b = np.array([2, -2, -2, 2, 3], np.int32)
    np.testing.assert_array_equal(_np(K.floor_divide(a, b)), a // b)
    np.testing.assert_array_equal(_np(K.mod(a, b)), a % b)
    np.testing.assert_array_equal(_np(K.mod(K.convert_to_tensor(a), 3)), a % 3)
    fa, fb = a.astype(np.float32) + 0.5, b.astype(np.float32)
    np.testing.assert_allclose(_np(K.mod(fa, fb)), np.mod(fa, fb))
    np.testing.assert_allclose(_np(K.floor_divide(fa, fb)), np.floor_divide(fa, fb))


def test_round_is_half_to_even(K):
    np.testing.assert_array_equal(_np(K.round(np.array([0.5, 1.5, 2.5, -0.5, -2.5], np.float32))),
                                  [0, 2, 2, -0, -2])


# ----------------------------------------------------------------------------------------------
# Indices, sorting, ties


def test_index_results_are_int32_and_first_at_ties(K):
    x = np.array([[1.0, 3.0, 3.0], [2.0, 2.0, 0.0]], np.float32)
    assert K.dtype(K.argmax(x, axis=1)) == "int32"
    np.testing.assert_array_equal(_np(K.argmax(x, axis=1)), [1, 0])
    np.testing.assert_array_equal(_np(K.argmin(x)), 5)
    assert K.dtype(K.argsort(x)) == "int32"


def test_sort_is_stable_and_top_k_prefers_lower_index(K):
    x = np.array([[3.0, 1.0, 3.0, 2.0, 3.0]], np.float32)
    np.testing.assert_array_equal(_np(K.argsort(x)), [[1, 3, 0, 2, 4]])
    values, indices = K.top_k(x, 3)
    np.testing.assert_array_equal(_np(values), [[3, 3, 3]])
    np.testing.assert_array_equal(_np(indices), [[0, 2, 4]])
    assert K.dtype(indices) == "int32"


def test_tie_gradients(K):
    x = K.convert_to_tensor(np.array([2.0, 5.0, 5.0, 1.0], np.float32))
    np.testing.assert_array_equal(_np(K.grad(lambda v: K.max(v))(x)), [0, 1, 0, 0])
    y = K.convert_to_tensor(np.array([1.0, 5.0, 0.0, 1.0], np.float32))
    gx, gy = K.grad(lambda a, b: K.sum(K.maximum(a, b)), argnums=(0, 1))(x, y)
    np.testing.assert_array_equal(_np(gx), [1, 1, 1, 1])  # ties at index 1 go to x1
    np.testing.assert_array_equal(_np(gy), [0, 0, 0, 0])
    g = K.grad(lambda v: K.sum(K.clip(v, 1.0, 2.0)))(K.convert_to_tensor(np.array([0.5, 1.0, 2.0, 3.0], np.float32)))
    np.testing.assert_array_equal(_np(g), [0, 1, 1, 0])


def test_maximum_propagates_nan_with_and_without_grad(K):
    a = np.array([np.nan, 1.0], np.float32)
    b = np.array([0.0, np.nan], np.float32)
    assert np.isnan(_np(K.maximum(a, b))).all()
    value, _ = K.value_and_grad(lambda u: K.sum(K.maximum(u, b)))(K.convert_to_tensor(a))
    assert np.isnan(_np(value))


# ----------------------------------------------------------------------------------------------
# Convolution and pooling against NumPy loops (channels_last)


def _same_pads(size, k, stride, dilation=1):
    out = -(-size // stride)
    total = max((out - 1) * stride + (k - 1) * dilation + 1 - size, 0)
    return total // 2, total - total // 2


def _naive_conv2d(x, kernel, stride, padding, dilation=1):
    n, h, w, c = x.shape
    kh, kw, cg, co = kernel.shape
    groups = c // cg
    if padding == "same":
        (t, b), (left, r) = _same_pads(h, kh, stride, dilation), _same_pads(w, kw, stride, dilation)
        x = np.pad(x, ((0, 0), (t, b), (left, r), (0, 0)))
    span_h, span_w = (kh - 1) * dilation + 1, (kw - 1) * dilation + 1
    ho, wo = (x.shape[1] - span_h) // stride + 1, (x.shape[2] - span_w) // stride + 1
    out = np.zeros((n, ho, wo, co), np.float64)
    per_group = co // groups
    for i in range(ho):
        for j in range(wo):
            patch = x[:, i * stride:i * stride + span_h:dilation, j * stride:j * stride + span_w:dilation]
            for o in range(co):
                g = o // per_group
                out[:, i, j, o] = np.einsum("nhwc,hwc->n", patch[..., g * cg:(g + 1) * cg], kernel[..., o])
    return out


@pytest.mark.parametrize("k,stride,size,padding,dilation,groups", [
    (2, 2, 7, "same", 1, 1), (4, 2, 8, "same", 1, 1), (3, 2, 6, "same", 1, 1), (2, 1, 5, "same", 1, 1),
    (3, 3, 10, "valid", 1, 1), (3, 1, 9, "same", 2, 1), (3, 2, 7, "same", 1, 2), (3, 1, 6, "valid", 1, 4)])
def test_conv2d_matches_numpy(K, k, stride, size, padding, dilation, groups):
    rng = np.random.default_rng(0)
    x = rng.normal(size=(2, size, size + 1, 4)).astype(np.float32)
    kernel = rng.normal(size=(k, k, 4 // groups, 4)).astype(np.float32)
    expected = _naive_conv2d(x, kernel, stride, padding, dilation)
    got = K.conv(x, kernel, strides=stride, padding=padding, dilation_rate=dilation)
    np.testing.assert_allclose(_np(got), expected, rtol=1e-4, atol=1e-4)
    first = K.conv(np.transpose(x, (0, 3, 1, 2)), kernel, strides=stride, padding=padding,
                   data_format="channels_first", dilation_rate=dilation)
    np.testing.assert_allclose(_np(first), np.transpose(expected, (0, 3, 1, 2)), rtol=1e-4, atol=1e-4)


def test_conv1d_same_stride2_even_kernel(K):
    rng = np.random.default_rng(1)
    x = rng.normal(size=(2, 9, 3)).astype(np.float32)
    kernel = rng.normal(size=(4, 3, 5)).astype(np.float32)
    expected = _naive_conv2d(x[:, None], kernel[None], 2, "same")[:, 0]  # height 1, (1, k) kernel
    got = _np(K.conv(x, kernel, strides=2, padding="same"))
    assert got.shape == (2, 5, 5)
    np.testing.assert_allclose(got, expected, rtol=1e-4, atol=1e-4)


@pytest.mark.parametrize("k,stride,padding,output_padding", [
    (3, 2, "same", None), (4, 2, "same", None), (2, 2, "valid", None), (3, 1, "same", None),
    (5, 3, "same", None), (3, 2, "same", 1), (3, 2, "valid", 1), (4, 3, "same", 2), (1, 3, "same", None)])
def test_conv_transpose_is_the_input_gradient_of_conv(K, k, stride, padding, output_padding):
    import kerafront_numpy

    rng = np.random.default_rng(2)
    y = rng.normal(size=(2, 4, 5, 3)).astype(np.float32)
    kernel = rng.normal(size=(k, k, 2, 3)).astype(np.float32)
    got = _np(K.conv_transpose(y, kernel, strides=stride, padding=padding, output_padding=output_padding))
    reference = kerafront_numpy.conv_transpose(y, kernel, strides=stride, padding=padding,
                                               output_padding=output_padding)
    np.testing.assert_allclose(got, reference, rtol=1e-4, atol=1e-4)
    if output_padding is None:  # the VJP of conv from the output's shape gives the same numbers
        x = torch.zeros((2,) + got.shape[1:], requires_grad=True)
        out = K.conv(x, torch.from_numpy(kernel), strides=stride, padding=padding)
        assert tuple(out.shape) == y.shape
        (vjp,) = torch.autograd.grad(out, x, torch.from_numpy(y))
        np.testing.assert_allclose(vjp.numpy(), got, rtol=1e-4, atol=1e-4)


@pytest.mark.parametrize("op,data_format", [("conv", "channels_last"), ("conv", "channels_first"),
                                            ("conv_transpose", "channels_last")])
def test_single_channel_gradients_match_the_reference(K, op, data_format):
    """One output channel and batch 1 send torch to its slow kernels, which need a contiguous weight."""
    import kerafront_numpy

    rng = np.random.default_rng(6)
    channels = 2 if op == "conv" else 1  # with kernel (3, 3, 2, 1): conv 2 -> 1, conv_transpose 1 -> 2 channels
    x = rng.normal(size=(1, 5, 5, channels) if data_format == "channels_last" else (1, channels, 5, 5))
    x = x.astype(np.float32)
    kernel = rng.normal(size=(3, 3, 2, 1)).astype(np.float32)
    kwargs = {"strides": 2, "padding": "same", "data_format": data_format}

    def grads(backend):
        fn = lambda a, b: backend.sum(getattr(backend, op)(a, b, **kwargs))  # noqa: E731
        return [backend.convert_to_numpy(g) for g in backend.grad(fn, argnums=(0, 1))(
            backend.convert_to_tensor(x), backend.convert_to_tensor(kernel))]

    for got, expected in zip(grads(K), grads(kerafront_numpy)):
        np.testing.assert_allclose(got, expected, rtol=1e-5, atol=1e-5)


@pytest.mark.parametrize("data_format", ["channels_last", "channels_first"])
def test_conv_bias_equals_conv_plus_bias(K, data_format):
    rng = np.random.default_rng(7)
    x = rng.normal(size=(2, 6, 6, 3) if data_format == "channels_last" else (2, 3, 6, 6)).astype(np.float32)
    kernel, bias = rng.normal(size=(3, 3, 3, 4)).astype(np.float32), rng.normal(size=(4,)).astype(np.float32)
    shaped = bias if data_format == "channels_last" else bias.reshape(4, 1, 1)
    kwargs = {"strides": 2, "padding": "same", "data_format": data_format}

    def fused(a, k, b):
        return K.sum(K.square(K.conv_bias(a, k, b, **kwargs)))

    def separate(a, k, b):
        return K.sum(K.square(K.add(K.conv(a, k, **kwargs), K.reshape(b, shaped.shape))))

    args = [K.convert_to_tensor(a) for a in (x, kernel, bias)]
    (v1, g1), (v2, g2) = [K.value_and_grad(f, argnums=(0, 1, 2))(*args) for f in (fused, separate)]
    np.testing.assert_allclose(_np(v1), _np(v2), rtol=1e-5)
    for a, b in zip(g1, g2):
        np.testing.assert_allclose(_np(a), _np(b), rtol=1e-4, atol=1e-4)
    assert K.dtype(K.conv_bias(x, kernel, bias.astype(np.float64), **kwargs)) == "float64"  # promotes like add
    with pytest.raises(ValueError, match=r"bias must have shape \(4,\)"):
        K.conv_bias(x, kernel, np.ones(3, np.float32), **kwargs)


def _naive_pool(x, k, stride, padding, kind):
    n, h, w, c = x.shape
    (t, b), (left, r) = (_same_pads(h, k, stride), _same_pads(w, k, stride)) if padding == "same" else ((0, 0),) * 2
    fill = -np.inf if kind == "max" else np.nan
    xp = np.pad(x.astype(np.float64), ((0, 0), (t, b), (left, r), (0, 0)), constant_values=fill)
    ho, wo = (xp.shape[1] - k) // stride + 1, (xp.shape[2] - k) // stride + 1
    out = np.zeros((n, ho, wo, c))
    for i in range(ho):
        for j in range(wo):
            window = xp[:, i * stride:i * stride + k, j * stride:j * stride + k]
            out[:, i, j] = window.max(axis=(1, 2)) if kind == "max" else np.nanmean(window, axis=(1, 2))
    return out


@pytest.mark.parametrize("k,stride,size,padding", [(2, 2, 7, "same"), (3, 2, 8, "same"), (4, 3, 9, "same"),
                                                    (2, 2, 9, "valid"), (3, 1, 5, "same")])
@pytest.mark.parametrize("kind", ["max", "average"])
def test_pooling_matches_numpy(K, k, stride, size, padding, kind):
    x = -np.abs(np.random.default_rng(3).normal(size=(2, size, size, 3))).astype(np.float32) - 1
    op = K.max_pool if kind == "max" else K.average_pool
    got = _np(op(x, k, strides=stride, padding=padding))
    np.testing.assert_allclose(got, _naive_pool(x, k, stride, padding, kind), rtol=1e-5, atol=1e-6)
    first = _np(op(np.transpose(x, (0, 3, 1, 2)), k, strides=stride, padding=padding, data_format="channels_first"))
    np.testing.assert_allclose(np.transpose(first, (0, 2, 3, 1)), got, rtol=1e-6)


def test_image_data_format_setting_is_read_at_call_time(K):
    x = np.random.default_rng(4).normal(size=(1, 2, 5, 5)).astype(np.float32)
    kerafront.config.set_image_data_format("channels_first")
    try:
        assert tuple(K.max_pool(x, 2).shape) == (1, 2, 2, 2)
    finally:
        kerafront.config.set_image_data_format("channels_last")


# ----------------------------------------------------------------------------------------------
# Errors


@pytest.mark.parametrize("call,words", [
    (lambda K: K.matmul(np.ones((2, 3), np.float32), np.ones((4, 5), np.float32)), ["matmul", "(2, 3)", "(4, 5)"]),
    (lambda K: K.conv(np.ones((2, 3), np.float32), np.ones((3, 3, 1, 1), np.float32)), ["conv", "(2, 3)"]),
    (lambda K: K.conv(np.ones((1, 5, 5, 3), np.float32), np.ones((3, 3, 2, 4), np.float32)), ["conv", "channels"]),
    (lambda K: K.conv(np.ones((1, 5, 5, 1), np.float32), np.ones((3, 3, 1, 1), np.float32), padding="full"),
     ["conv", "'full'"]),
    (lambda K: K.max_pool(np.ones((1, 5, 5, 1), np.float32), 2, data_format="nhwc"), ["max_pool", "'nhwc'"]),
    (lambda K: K.conv(np.ones((1, 2, 2, 1), np.float32), np.ones((3, 3, 1, 1), np.float32)), ["conv", "smaller"]),
    (lambda K: K.reshape(np.ones((2, 3)), (4, 2)), ["reshape", "(2, 3)", "(4, 2)"]),
    (lambda K: K.squeeze(np.ones((2, 3)), axis=0), ["squeeze", "size 2"]),
    (lambda K: K.max(np.ones((0, 3)), axis=0), ["max", "empty"]),
    (lambda K: K.sum(np.ones((2, 3)), axis=2), ["sum", "axis 2"]),
    (lambda K: K.split(np.ones((5,)), 2), ["split", "2 sections"]),
])
def test_errors_are_value_errors_naming_the_op(K, call, words):
    with pytest.raises(ValueError) as info:
        call(K)
    for word in words:
        assert word in str(info.value)


def test_take_out_of_range_raises_index_error(K):
    with pytest.raises(IndexError, match="take"):
        K.take(np.arange(3.0), np.array([5]))
    np.testing.assert_array_equal(_np(K.take(np.arange(4.0), np.array([-1, 0]))), [3, 0])


# ----------------------------------------------------------------------------------------------
# Random and compile


def test_random_is_reproducible_for_int_and_tensor_seeds(K):
    a = _np(K.random_normal((5,), 3))
    np.testing.assert_array_equal(a, _np(K.random_normal((5,), 3)))
    seed = K.convert_to_tensor(np.array([3, 7], np.int32))
    b = _np(K.random_uniform((5,), seed))
    np.testing.assert_array_equal(b, _np(K.random_uniform((5,), seed)))
    assert not np.array_equal(b, _np(K.random_uniform((5,), K.convert_to_tensor(np.array([3, 8], np.int32)))))
    t = _np(K.truncated_normal((2000,), 1, mean=1.0, stddev=0.5))
    assert t.min() >= 0.0 and t.max() <= 2.0
    with pytest.raises(ValueError, match="seed"):
        K.random_normal((2,), np.array([1, 2, 3]))


def test_compile_is_identity_by_default_and_follows_seed_tensors(K, monkeypatch):
    monkeypatch.delenv("KERAFRONT_TORCH_COMPILE", raising=False)

    def draw(seed):
        return K.random_uniform((4,), seed)

    assert K.compile(draw) is draw
    seed = lambda v: K.convert_to_tensor(np.array([v, 0], np.int32))  # noqa: E731
    assert not np.array_equal(_np(draw(seed(1))), _np(draw(seed(2))))


def test_compile_failure_falls_back_with_one_warning(K, monkeypatch):
    class BackendCompilerFailed(RuntimeError):  # stands in for torch._dynamo's (importing it costs seconds)
        __module__ = "torch._dynamo.exc"

    def broken_compile(fn, mode=None):
        def run(*args):
            raise BackendCompilerFailed("backend exploded")
        return run

    monkeypatch.setenv("KERAFRONT_TORCH_COMPILE", "1")
    monkeypatch.setattr(torch, "compile", broken_compile)
    fn = K.compile(lambda x: K.multiply(x, 2.0))
    with pytest.warns(RuntimeWarning, match="backend exploded"):
        np.testing.assert_array_equal(_np(fn(np.ones(2, np.float32))), [2, 2])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        np.testing.assert_array_equal(_np(fn(np.ones(2, np.float32))), [2, 2])

    def user_bug(fn, mode=None):
        return fn

    monkeypatch.setattr(torch, "compile", user_bug)
    with pytest.raises(ValueError, match="matmul"):
        K.compile(lambda x: K.matmul(x, x))(np.ones((2, 3), np.float32))
    monkeypatch.setenv("KERAFRONT_TORCH_COMPILE", "sometimes")
    with pytest.raises(ValueError, match="KERAFRONT_TORCH_COMPILE"):
        K.compile(lambda x: x)


# ----------------------------------------------------------------------------------------------
# Autodiff


def test_value_and_grad_over_pytrees(K):
    params = {"w": K.convert_to_tensor(np.array([1.0, 2.0], np.float32)),
              "unused": [K.ones((3,))], "b": K.convert_to_tensor(np.float32(0.5))}

    def loss(p, x):
        return K.sum(K.multiply(p["w"], x)) + p["b"], {"x": x}

    x = K.convert_to_tensor(np.array([3.0, 4.0], np.float32))
    (value, aux), grads = K.value_and_grad(loss, has_aux=True)(params, x)
    assert float(_np(value)) == 11.5 and not value.requires_grad
    np.testing.assert_array_equal(_np(grads["w"]), [3, 4])
    np.testing.assert_array_equal(_np(grads["unused"][0]), [0, 0, 0])
    assert float(_np(grads["b"])) == 1.0 and isinstance(aux, dict)
    gx, gy = K.grad(lambda x, y: K.sum(K.multiply(x, y)), argnums=(0, 1))(K.ones((2,)), K.full((2,), 3.0))
    np.testing.assert_array_equal(_np(gx), [3, 3])
    with pytest.raises(ValueError, match=r"\(2,\)"):
        K.grad(lambda x: K.multiply(x, 2.0))(K.ones((2,)))
    with pytest.raises(TypeError, match="float"):
        K.grad(lambda x: K.sum(x))(K.ones((2,), "int32"))


def test_second_order_gradients(K):
    def d_cube(x):
        return K.sum(K.grad(lambda v: K.sum(K.power(v, 3)))(x))

    x = K.convert_to_tensor(np.array([1.0, 2.0], np.float32))
    np.testing.assert_allclose(_np(K.grad(d_cube)(x)), [6.0, 12.0])


def test_stop_gradient(K):
    g = K.grad(lambda x: K.sum(K.multiply(x, K.stop_gradient(x))))(K.full((2,), 3.0))
    np.testing.assert_array_equal(_np(g), [3, 3])


# ----------------------------------------------------------------------------------------------
# Fused overrides against the composites


_OVERRIDE_CALLS = [
    ("relu", lambda r: (r.normal(size=(3, 4)),), {}),
    ("gelu", lambda r: (r.normal(size=(3, 4)),), {}),
    ("gelu", lambda r: (r.normal(size=(3, 4)),), {"approximate": False}),
    ("silu", lambda r: (r.normal(size=(3, 4)),), {}),
    ("softplus", lambda r: (np.array([-50.0, -1.0, 0.3, 15.0, 50.0]),), {}),
    ("softmax", lambda r: (r.normal(size=(2, 3, 4)),), {"axis": 1}),
    ("softmax", lambda r: (r.normal(size=(2, 3, 4)),), {"axis": (0, 2)}),
    ("log_softmax", lambda r: (r.normal(size=(2, 3, 4)) * 5,), {"axis": 0}),
    ("logsumexp", lambda r: (r.normal(size=(2, 3, 4)),), {"axis": (0, 2), "keepdims": True}),
    ("logsumexp", lambda r: (r.normal(size=(2, 3)),), {}),
    ("moments", lambda r: (r.normal(size=(4, 3, 2)), [0, 1]), {}),
    ("binary_crossentropy", lambda r: (r.integers(0, 2, (3, 4)), r.uniform(0, 1, (3, 4))), {}),
    ("binary_crossentropy", lambda r: (r.uniform(0, 1, (3, 4)), r.normal(size=(3, 4)) * 30), {"from_logits": True}),
    ("categorical_crossentropy", lambda r: (np.eye(4)[[0, 2, 1]], r.uniform(0, 1, (3, 4))), {}),
    ("categorical_crossentropy", lambda r: (np.eye(3)[[0, 2, 1, 1]].T, r.normal(size=(3, 4)) * 50),
     {"from_logits": True, "axis": 0}),
    ("sparse_categorical_crossentropy", lambda r: (np.array([0, 3, 1]), r.uniform(0, 1, (3, 4))), {}),
    ("sparse_categorical_crossentropy", lambda r: (np.array([[0], [3], [-1]]), r.normal(size=(3, 4))),
     {"from_logits": True}),
    ("sparse_categorical_crossentropy", lambda r: (np.array([[0, 2], [1, 1]]), r.normal(size=(2, 3, 2))),
     {"from_logits": True, "axis": 1}),
]


@pytest.mark.parametrize("name,make,kwargs", _OVERRIDE_CALLS, ids=[c[0] for c in _OVERRIDE_CALLS])
def test_override_matches_composite(K, name, make, kwargs):
    args = [K.convert_to_tensor(a.astype(np.float32) if a.dtype.kind == "f" else a.astype(np.int32))
            if isinstance(a, np.ndarray) else a for a in make(np.random.default_rng(5))]
    diff = len(args) - 1 if "crossentropy" in name else 0

    def run(fn):
        def loss(x):
            call = list(args)
            call[diff] = x
            out = fn(*call, **kwargs)
            return K.sum(K.add(*out) if isinstance(out, tuple) else out), out
        return K.value_and_grad(loss, has_aux=True)(args[diff])

    (_, fused), fused_grad = run(getattr(K, name))
    (_, composite), composite_grad = run(getattr(ops, name).composite)
    for a, b in zip(fused if isinstance(fused, tuple) else [fused], composite if isinstance(composite, tuple)
                    else [composite]):
        assert K.dtype(a) == K.dtype(b) and a.shape == b.shape
        np.testing.assert_allclose(_np(a), _np(b), rtol=2e-5, atol=2e-5)
    np.testing.assert_allclose(_np(fused_grad), _np(composite_grad), rtol=2e-5, atol=2e-5)


def test_override_accepts_a_variable(K):
    v = kerafront.Variable(np.array([-1.0, 2.0], np.float32))
    np.testing.assert_array_equal(_np(ops.relu(v)), [0, 2])


# ----------------------------------------------------------------------------------------------
# Devices and import


def test_devices_without_a_gpu(K):
    if torch.cuda.is_available():
        pytest.skip("this machine has a GPU: tests/gpu/test_gpu_torch.py covers it")
    assert K.default_device() == "cpu" and K.list_devices() == ["cpu"]
    with K.device_scope("cpu"):
        assert K.zeros((2,)).device.type == "cpu"
    with pytest.raises(ValueError, match="not available"):
        with K.device_scope("gpu"):
            pass
    with pytest.raises(ValueError, match="unknown device"):
        with K.device_scope("tpu"):
            pass


def _run(code, **env):
    full_env = dict(os.environ, KERAFRONT_BACKEND="torch", **env)
    return subprocess.run([sys.executable, "-c", code], env=full_env, capture_output=True, text=True, timeout=120)


def test_import_selects_torch_only_and_reads_kerafront_device():
    done = _run("import sys, kerafront; print(kerafront.ops.zeros((1,)).device.type, "
                "'jax' in sys.modules, 'tensorflow' in sys.modules, 'torch._dynamo' in sys.modules)",
                KERAFRONT_DEVICE="cpu")
    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == ["cpu", "False", "False", "False"]
    if not torch.cuda.is_available():
        bad = _run("import kerafront", KERAFRONT_DEVICE="gpu:3")
        assert bad.returncode != 0 and "KERAFRONT_DEVICE" in bad.stderr and "not available" in bad.stderr


def test_eager_fit_updates_the_variables_tensors_in_place_like_torch_optim():
    model = kerafront.Sequential([kerafront.Input(shape=(3,)), kerafront.layers.Dense(2)])
    model.compile(optimizer=kerafront.optimizers.Adam(0.1), loss="mse")
    x, y = np.ones((4, 3), "float32"), np.zeros((4, 2), "float32")
    kernel = model.layers[0].kernel
    model.train_on_batch(x, y)   # builds the optimizer's slots
    assert kerafront.backend() == "torch"
    tensor, before = kernel.value, kernel.numpy()
    slots = [v.value for v in model.optimizer.variables[2:]]
    model.train_on_batch(x, y)
    assert kernel.value is tensor                          # same tensor, new values
    assert not np.allclose(kernel.numpy(), before)
    assert all(v.value is old for v, old in zip(model.optimizer.variables[2:], slots))
