"""TensorFlow-backend checks where TensorFlow's own behaviour differs from kerafront's rules.

Covers: the promotion table (TensorFlow promotes nothing), Python-sign integer division, banker's
rounding, int32 indices, tie gradients, TF-style "same" padding with stride 2 and even kernels
against a NumPy computation, channels_first on CPU, grouped/dilated convolutions and their
gradients (CPU kernels missing in TensorFlow), conv_transpose sizes, errors, stateless random
under ``tf.function``, autodiff over pytrees, retracing, XLA opt-in, devices and import hygiene.
TensorFlow is imported once per process (module-level importorskip).
"""

import itertools
import os
import subprocess
import sys

import numpy as np
import pytest

# Import TensorFlow through the backend (once per process): it skips Keras and JAX, which a plain
# ``import tensorflow`` would pull in.
tf = pytest.importorskip("kerafront_tensorflow").tf

import kerafront  # noqa: E402
from kerafront import dtypes, ops  # noqa: E402
from kerafront.spec import missing_primitives  # noqa: E402


@pytest.fixture(autouse=True)
def K():
    with kerafront.backend_scope("tensorflow") as module:
        yield module


def _np(x):
    return ops.convert_to_numpy(x)


def _rand(*shape, seed=0):
    return np.random.default_rng(seed).standard_normal(shape).astype(np.float32)


def test_module_implements_the_whole_spec(K):
    assert missing_primitives(K) == []
    assert K.name == "tensorflow"


# ----------------------------------------------------------------------------------------------
# Conversion and dtypes


def test_convert_python_values_follow_kerafront_defaults(K):
    assert K.dtype(K.convert_to_tensor(1.5)) == "float32"
    assert K.dtype(K.convert_to_tensor(3)) == "int32"
    assert K.dtype(K.convert_to_tensor(True)) == "bool"
    assert K.dtype(K.convert_to_tensor([[1, 2], [3, 4]])) == "int32"
    assert K.dtype(K.convert_to_tensor([1.0, 2])) == "float32"
    assert K.dtype(K.convert_to_tensor(np.zeros(2))) == "float64"
    assert K.dtype(K.convert_to_tensor(2.7, "int32")) == "int32"
    assert _np(K.convert_to_tensor(-2.7, "int32")) == -2  # float -> int truncates toward zero
    x = tf.ones(3)
    assert K.convert_to_tensor(x) is x
    assert K.dtype(K.convert_to_tensor(x, "bfloat16")) == "bfloat16"
    mixed = K.convert_to_tensor([tf.constant(1.0), 2])
    assert K.dtype(mixed) == "float32" and _np(mixed).tolist() == [1.0, 2.0]


def test_convert_to_numpy_is_a_writable_copy_and_bfloat16_becomes_float32(K):
    x = K.ones((2,))
    array = K.convert_to_numpy(x)
    array[0] = 5.0
    assert _np(x)[0] == 1.0
    assert K.convert_to_numpy(K.ones((2,), "bfloat16")).dtype == np.float32


@pytest.mark.parametrize("a,b", list(itertools.combinations_with_replacement(dtypes.ALL_DTYPES, 2)))
def test_binary_ops_promote_by_the_table(K, a, b):
    expected = dtypes.result_type(a, b)
    out = K.add(K.ones((2,), a), K.ones((2,), b))
    assert K.dtype(out) == expected
    assert K.dtype(K.where(K.ones((2,), "bool"), K.zeros((2,), a), K.zeros((2,), b))) == expected


@pytest.mark.parametrize("dtype,scalar,expected", [
    ("int8", 3, "int8"), ("uint8", 3, "uint8"), ("int32", 1.5, "float32"), ("bool", 1, "int32"),
    ("bool", True, "bool"), ("float16", 2.0, "float16"), ("bfloat16", 2, "bfloat16"), ("int64", 2.5, "float32"),
])
def test_python_scalars_are_weak(K, dtype, scalar, expected):
    assert K.dtype(K.multiply(K.ones((2,), dtype), scalar)) == expected
    assert K.dtype(K.maximum(scalar, K.ones((2,), dtype))) == expected


def test_integer_division_follows_python_signs(K):
    a = np.array([-7, 7, -7, 7, 0], dtype=np.int32)
    b = np.array([2, 2, -2, -2, 3], dtype=np.int32)
    np.testing.assert_array_equal(_np(K.floor_divide(a, b)), a // b)
    np.testing.assert_array_equal(_np(K.mod(a, b)), a % b)
    assert K.dtype(K.floor_divide(K.convert_to_tensor(a), 2)) == "int32"
    af, bf = a.astype(np.float32) * 1.5, b.astype(np.float32)
    np.testing.assert_allclose(_np(K.floor_divide(af, bf)), af // bf)
    np.testing.assert_allclose(_np(K.mod(af, bf)), af % bf)
    assert K.dtype(K.divide(K.convert_to_tensor(a), K.convert_to_tensor(b))) == "float32"
    np.testing.assert_allclose(_np(K.divide(K.convert_to_tensor(a), 2)), a / 2)
    np.testing.assert_array_equal(_np(K.floor_divide(a, np.zeros_like(a))), np.zeros_like(a))  # NumPy gives 0


def test_round_is_half_to_even_and_float_math_on_ints_is_floatx(K):
    np.testing.assert_array_equal(_np(K.round(np.array([0.5, 1.5, 2.5, -0.5, -1.5], np.float32))),
                                  [0.0, 2.0, 2.0, -0.0, -2.0])
    assert K.dtype(K.round(K.convert_to_tensor([1, 2]))) == "int32"
    assert K.dtype(K.sqrt(K.convert_to_tensor([4]))) == "float32"
    assert K.dtype(K.mean(K.convert_to_tensor([1, 2]))) == "float32"
    assert K.dtype(K.sum(K.convert_to_tensor([True, True]))) == "int32"
    assert K.dtype(K.sum(K.ones((2,), "int8"))) == "int8"
    assert not _np(K.isnan(K.convert_to_tensor([1, 2]))).any()


def test_index_results_are_int32(K):
    x = K.convert_to_tensor(_rand(3, 4))
    for out in (K.argmax(x, axis=1), K.argmin(x), K.argsort(x), K.top_k(x, 2)[1]):
        assert K.dtype(out) == "int32"
    ties = K.convert_to_tensor([[1.0, 3.0, 3.0], [2.0, 2.0, 2.0]])
    np.testing.assert_array_equal(_np(K.argmax(ties, axis=1)), [1, 0])
    np.testing.assert_array_equal(_np(K.top_k(K.convert_to_tensor([1.0, 2.0, 2.0, 0.0]), 2)[1]), [1, 2])
    np.testing.assert_array_equal(_np(K.argsort(K.convert_to_tensor([1, 0, 1, 0]))), [1, 3, 0, 2])


def test_bool_and_small_int_ops_that_tensorflow_lacks(K):
    t, f = K.convert_to_tensor([True, False]), K.convert_to_tensor([True, True])
    np.testing.assert_array_equal(_np(K.less(t, f)), [False, True])
    np.testing.assert_array_equal(_np(K.add(t, f)), [True, True])
    np.testing.assert_array_equal(_np(K.matmul(K.ones((2, 3), "int8"), K.ones((3, 2), "int8"))), np.full((2, 2), 3))
    assert K.dtype(K.matmul(K.ones((2, 3), "int8"), K.ones((3,), "int8"))) == "int8"
    np.testing.assert_array_equal(_np(K.cumsum(t)), [1, 1])


# ----------------------------------------------------------------------------------------------
# Gradients at ties


def test_max_gradient_goes_to_the_first_maximum(K):
    x = K.convert_to_tensor([[1.0, 3.0, 3.0], [5.0, 2.0, 5.0]])
    g = K.grad(lambda v: K.sum(K.max(v, axis=1)))(x)
    np.testing.assert_array_equal(_np(g), [[0, 1, 0], [1, 0, 0]])
    g = K.grad(lambda v: K.min(v))(K.convert_to_tensor([[2.0, 1.0], [1.0, 4.0]]))
    np.testing.assert_array_equal(_np(g), [[0, 1], [0, 0]])
    g = K.grad(lambda v: K.sum(K.max(v, axis=(0, 2), keepdims=True)))(K.ones((2, 2, 2)))
    np.testing.assert_array_equal(_np(g)[:, 0].ravel(), [1, 0, 0, 0])


def test_maximum_and_clip_tie_gradients(K):
    x = K.convert_to_tensor([1.0, 2.0, 3.0])
    g1, g2 = K.grad(lambda a, b: K.sum(K.maximum(a, b)), argnums=(0, 1))(x, K.convert_to_tensor([1.0, 1.0, 4.0]))
    np.testing.assert_array_equal(_np(g1), [1, 1, 0])
    np.testing.assert_array_equal(_np(g2), [0, 0, 1])
    g = K.grad(lambda a: K.sum(K.clip(a, 1.0, 2.0)))(K.convert_to_tensor([0.5, 1.0, 2.0, 2.5]))
    np.testing.assert_array_equal(_np(g), [0, 1, 1, 0])


# ----------------------------------------------------------------------------------------------
# Convolution and pooling


def _naive_conv2d_same(x, k, stride):
    """NHWC cross-correlation with TensorFlow-style SAME padding (extra pad at the end)."""
    n, h, w, c = x.shape
    kh, kw, _, co = k.shape
    out_h, out_w = -(-h // stride), -(-w // stride)
    pad_h = max((out_h - 1) * stride + kh - h, 0)
    pad_w = max((out_w - 1) * stride + kw - w, 0)
    xp = np.pad(x, ((0, 0), (pad_h // 2, pad_h - pad_h // 2), (pad_w // 2, pad_w - pad_w // 2), (0, 0)))
    out = np.zeros((n, out_h, out_w, co), np.float32)
    for i in range(out_h):
        for j in range(out_w):
            patch = xp[:, i * stride:i * stride + kh, j * stride:j * stride + kw, :]
            out[:, i, j, :] = np.einsum("nhwc,hwco->no", patch, k)
    return out


@pytest.mark.parametrize("size,kernel", [(6, 2), (7, 4), (5, 3)])
def test_same_padding_stride2_matches_numpy(K, size, kernel):
    x, k = _rand(2, size, size + 1, 3), _rand(kernel, kernel, 3, 4, seed=1)
    out = K.conv(x, k, strides=2, padding="same")
    np.testing.assert_allclose(_np(out), _naive_conv2d_same(x, k, 2), rtol=1e-4, atol=1e-4)


def test_channels_first_transposes_around_nhwc_kernels(K):
    x, k = _rand(2, 7, 6, 3), _rand(3, 2, 3, 4, seed=1)
    last = K.conv(x, k, strides=2, padding="same", data_format="channels_last")
    first = K.conv(np.transpose(x, (0, 3, 1, 2)), k, strides=2, padding="same", data_format="channels_first")
    np.testing.assert_allclose(_np(first), np.transpose(_np(last), (0, 3, 1, 2)), rtol=1e-5, atol=1e-5)
    pooled = K.max_pool(np.transpose(x, (0, 3, 1, 2)), 2, data_format="channels_first")
    np.testing.assert_allclose(_np(pooled), np.transpose(_np(K.max_pool(x, 2)), (0, 3, 1, 2)))


@pytest.mark.parametrize("kernel_in,dilation,spatial", [(2, 1, 2), (1, 1, 2), (4, 2, 2), (1, 2, 2), (2, 2, 1)])
def test_grouped_and_dilated_conv_match_reference_with_gradients(K, kernel_in, dilation, spatial):
    """TensorFlow's CPU kernels lack grouped and dilated input gradients; check ours against NumPy."""
    x = _rand(2, *(8,) * spatial, 4)
    k = _rand(*(3,) * spatial, kernel_in, 8, seed=1)
    cotangent = K.convert_to_tensor(_rand(2, *(8,) * spatial, 8, seed=2))

    def loss(backend):
        def f(a, b):
            return backend.sum(backend.multiply(backend.conv(a, b, padding="same", dilation_rate=dilation),
                                                backend.convert_to_tensor(_np(cotangent))))
        return backend.value_and_grad(f, argnums=(0, 1))

    value, (gx, gk) = loss(K)(K.convert_to_tensor(x), K.convert_to_tensor(k))
    with kerafront.backend_scope("numpy") as reference:
        ref_value, (rx, rk) = loss(reference)(x, k)
    np.testing.assert_allclose(_np(value), ref_value, rtol=1e-4, atol=1e-3)
    np.testing.assert_allclose(_np(gx), rx, rtol=1e-4, atol=1e-3)
    np.testing.assert_allclose(_np(gk), rk, rtol=1e-4, atol=1e-3)


@pytest.mark.parametrize("strides,padding,output_padding,dilation,expected", [
    (2, "valid", None, 1, 9), (2, "same", None, 1, 8), (2, "same", 1, 1, 8), (3, "valid", 2, 1, 14),
    (1, "valid", None, 2, 8), (1, "same", None, 2, 4),
])
def test_conv_transpose_output_size_and_gradient_identity(K, strides, padding, output_padding, dilation, expected):
    x, k = _rand(2, 4, 3), _rand(3, 5, 3, seed=1)
    out = K.conv_transpose(x, k, strides=strides, padding=padding, output_padding=output_padding,
                           dilation_rate=dilation)
    assert K.shape(out) == (2, expected, 5)
    # conv_transpose(y) is the gradient of <conv(z), y> w.r.t. z (same kernel array).
    z = K.zeros((2, expected, 5))
    gz = K.grad(lambda v: K.sum(K.multiply(K.conv(v, k, strides=strides, padding=padding, dilation_rate=dilation),
                                           K.convert_to_tensor(x))))(z)
    np.testing.assert_allclose(_np(out), _np(gz), rtol=1e-4, atol=1e-4)


def test_average_pool_same_divides_by_real_elements(K):
    x = np.arange(1, 10, dtype=np.float32).reshape(1, 3, 3, 1)
    out = _np(K.average_pool(x, 2, strides=2, padding="same"))[0, :, :, 0]
    np.testing.assert_allclose(out, [[3.0, 4.5], [7.5, 9.0]])
    assert _np(K.max_pool(-x, 2, strides=2, padding="same"))[0, 1, 1, 0] == -9.0


@pytest.mark.parametrize("call,match", [
    (lambda K: K.matmul(K.ones((2, 3)), K.ones((4, 5))), r"matmul.*\(2, 3\).*\(4, 5\)"),
    (lambda K: K.matmul(K.ones((2, 3, 4)), K.ones((3, 4, 5))), "matmul"),
    (lambda K: K.conv(K.ones((2, 3)), K.ones((3, 3, 1))), "conv.*rank"),
    (lambda K: K.conv(K.ones((1, 5, 5, 3)), K.ones((3, 3, 2, 4))), "conv.*channels"),
    (lambda K: K.conv(K.ones((1, 5, 5, 3)), K.ones((3, 3, 3, 4)), padding="full"), "conv.*padding"),
    (lambda K: K.conv(K.ones((1, 5, 5, 3)), K.ones((3, 3, 3, 4)), data_format="NCHW"), "data_format"),
    (lambda K: K.conv(K.ones((1, 2, 2, 3)), K.ones((3, 3, 3, 4))), "conv.*fit"),
    (lambda K: K.conv(K.ones((1, 8, 8, 3)), K.ones((3, 3, 3, 4)), strides=2, dilation_rate=2), "conv.*dilation"),
    (lambda K: K.conv_transpose(K.ones((1, 4, 2)), K.ones((2, 3, 2)), strides=2, output_padding=2), "conv_transpose"),
    (lambda K: K.max_pool(K.ones((1, 2, 2, 1)), 3), "max_pool"),
    (lambda K: K.reshape(K.ones((2, 3)), (4, 2)), r"reshape.*\(2, 3\).*\(4, 2\)"),
    (lambda K: K.squeeze(K.ones((2, 3)), 1), "squeeze"),
    (lambda K: K.take(K.ones((3,)), [3]), "take.*range"),
    (lambda K: K.concatenate([K.ones((2, 3)), K.ones((2, 4))], axis=0), "concatenate"),
    (lambda K: K.split(K.ones((5,)), 2), "split"),
    (lambda K: K.max(K.ones((0, 2)), axis=0), "max"),
    (lambda K: K.pad(K.ones((2,)), 2, mode="reflect"), "pad"),
    (lambda K: K.value_and_grad(lambda v: v)(K.ones((2,))), r"scalar.*\(2,\)"),
])
def test_bad_input_raises_python_errors_naming_the_op(K, call, match):
    with pytest.raises(ValueError, match=match):
        call(K)


# ----------------------------------------------------------------------------------------------
# Random and compile


def test_random_is_reproducible_per_seed(K):
    a = _np(K.random_normal((100,), seed=3))
    np.testing.assert_array_equal(a, _np(K.random_normal((100,), seed=3)))
    assert not np.array_equal(a, _np(K.random_normal((100,), seed=4)))
    tn = _np(K.truncated_normal((1000,), seed=1, mean=1.0, stddev=2.0))
    assert np.all(np.abs(tn - 1.0) <= 4.0)
    u = _np(K.random_uniform((1000,), seed=np.array([1, 2], np.int32), minval=-1.0, maxval=3.0))
    assert u.min() >= -1.0 and u.max() < 3.0
    x = np.arange(20).reshape(10, 2)
    shuffled = _np(K.random_shuffle(x, seed=0))
    assert sorted(shuffled[:, 0].tolist()) == x[:, 0].tolist() and not np.array_equal(shuffled, x)
    np.testing.assert_array_equal(shuffled[:, 1] - shuffled[:, 0], 1)  # rows move whole


def test_compiled_random_follows_the_seed_tensor_without_retracing(K):
    @K.compile
    def mask(seed):
        return K.greater_equal(K.random_uniform((64,), seed), 0.5)

    a = _np(mask(K.convert_to_tensor([1, 0], "int32")))
    b = _np(mask(K.convert_to_tensor([1, 1], "int32")))
    c = _np(mask(K.convert_to_tensor([1, 0], "int32")))
    assert not np.array_equal(a, b)
    np.testing.assert_array_equal(a, c)
    assert mask.experimental_get_tracing_count() == 1


def test_compile_generalizes_the_batch_dimension(K):
    @K.compile
    def step(x):
        n = K.shape(x)[0]
        return K.sum(K.reshape(x, (n, -1)), axis=1)

    for batch in (4, 5, 6, 7):
        assert K.shape(step(K.ones((batch, 2, 3)))) == (batch,)
    assert step.experimental_get_tracing_count() == 2


def test_compiled_fast_path_matches_eager_results(K):
    def step(state, batch):
        w, extra = state
        x, scale = batch
        return {"out": K.matmul(x, w), "n": K.add(extra["n"], 1)}, [K.multiply(w, scale)]

    compiled = K.compile(step)
    w, extra = K.convert_to_tensor(_rand(3, 2)), {"n": K.convert_to_tensor(1, "int32")}
    for batch_size in (4, 4, 5, 4, 5):
        x = K.convert_to_tensor(_rand(batch_size, 3, seed=batch_size))
        got, want = compiled((w, extra), (x, 2.0)), step((w, extra), (x, 2.0))
        np.testing.assert_allclose(_np(got[0]["out"]), _np(want[0]["out"]), rtol=1e-6)
        assert int(_np(got[0]["n"])) == 2
        np.testing.assert_allclose(_np(got[1][0]), _np(want[1][0]))
    assert compiled.experimental_get_tracing_count() <= 2
    # Gradients flow through a compiled function called under a tape (the cached, direct path).
    square_sum = K.compile(lambda v: K.sum(K.square(v)))
    for _ in range(3):
        np.testing.assert_allclose(_np(K.grad(square_sum)(K.convert_to_tensor([1.0, 2.0]))), [2.0, 4.0])


def test_shape_ops_work_on_a_generalized_batch_dimension(K):
    """After a second batch size, tf.function traces with shape (None, ...): ops must cope."""
    def fn(x, labels):
        n = K.shape(x)[0]
        flat = K.reshape(x, (n, -1))
        picked = K.take_along_axis(flat, K.expand_dims(labels, -1), axis=-1)
        noise = K.random_uniform((n, 1), seed=K.convert_to_tensor([0, 1], "int32"))
        return (K.squeeze(picked, 1), K.concatenate([flat, K.zeros((n, 1))], axis=1),
                K.max(flat, axis=0), K.shape(noise)[0])

    compiled = K.compile(fn)
    for batch in (3, 4, 5):
        x = K.convert_to_tensor(_rand(batch, 2, 3, seed=batch))
        labels = K.convert_to_tensor(np.arange(batch) % 6, "int32")
        got, want = compiled(x, labels), fn(x, labels)
        for a, b in zip(got[:3], want[:3]):
            np.testing.assert_allclose(_np(a), _np(b), rtol=1e-6)
        assert int(_np(got[3])) == batch
    assert compiled.experimental_get_tracing_count() == 2


def test_xla_is_opt_in(K, monkeypatch):
    monkeypatch.delenv("KERAFRONT_TF_XLA", raising=False)
    assert not K.compile(lambda x: x)._jit_compile
    monkeypatch.setenv("KERAFRONT_TF_XLA", "1")
    fn = K.compile(lambda x: K.sum(K.square(x)))
    assert fn._jit_compile
    assert float(_np(fn(K.ones((3,))))) == 3.0


# ----------------------------------------------------------------------------------------------
# Autodiff


def test_value_and_grad_over_pytrees_with_aux_and_unconnected_leaves(K):
    params = {"w": K.convert_to_tensor([1.0, 2.0]), "unused": K.ones((3,)), "n": [K.convert_to_tensor(3.0)]}

    def loss(p, x):
        value = K.sum(K.multiply(p["w"], x)) * p["n"][0]
        return value, {"twice": value * 2}

    (value, aux), grads = K.value_and_grad(loss, has_aux=True)(params, K.convert_to_tensor([1.0, 1.0]))
    assert float(_np(value)) == 9.0 and float(_np(aux["twice"])) == 18.0
    np.testing.assert_array_equal(_np(grads["w"]), [3.0, 3.0])
    np.testing.assert_array_equal(_np(grads["unused"]), [0.0, 0.0, 0.0])
    assert float(_np(grads["n"][0])) == 3.0
    g_x = K.grad(lambda p, x: K.sum(K.multiply(p["w"], x)), argnums=1)(params, K.ones((2,)))
    np.testing.assert_array_equal(_np(g_x), [1.0, 2.0])


def test_repeated_leaf_objects_get_their_own_gradients(K):
    shared = K.convert_to_tensor(2.0)
    grads = K.grad(lambda pair: pair[0] * 3.0 + pair[1])([shared, shared])
    assert [float(_np(g)) for g in grads] == [3.0, 1.0]


def test_gather_gradients_are_dense_and_stop_gradient_blocks(K):
    g = K.grad(lambda v: K.sum(K.take(v, [0, 0, 2])))(K.ones((4,)))
    assert K.is_tensor(g)
    np.testing.assert_array_equal(_np(g), [2, 0, 1, 0])
    g = K.grad(lambda v: K.sum(K.multiply(K.stop_gradient(v), v)))(K.convert_to_tensor([2.0, 3.0]))
    np.testing.assert_array_equal(_np(g), [2.0, 3.0])


def test_grad_inside_compile(K):
    step = K.compile(K.value_and_grad(lambda w, x: K.mean(K.square(K.matmul(x, w)))))
    value, g = step(K.ones((3, 1)), K.ones((5, 3)))
    assert float(_np(value)) == 9.0
    np.testing.assert_allclose(_np(g), np.full((3, 1), 6.0))


# ----------------------------------------------------------------------------------------------
# Devices and import hygiene


def test_device_scope_places_tensors_and_rejects_missing_devices(K):
    assert "cpu" in K.list_devices()
    with K.device_scope("cpu"):
        assert K.default_device() == "cpu"
        x = K.ones((2,))
        assert x.device.endswith("CPU:0")
    missing = f"gpu:{len(K.list_devices()) + 3}"
    with pytest.raises(ValueError, match="not available"):
        with K.device_scope(missing):
            pass
    with pytest.raises(ValueError, match="device"):
        with K.device_scope("tpu"):
            pass
    from kerafront_tensorflow._device import canonical_device, tf_device_name
    assert canonical_device("CPU") == "cpu" and tf_device_name("gpu:1") == "/GPU:1"
    if K.list_devices() == ["cpu"]:
        with pytest.raises(ValueError, match="KERAFRONT_DEVICE.*available devices: cpu"):
            canonical_device("gpu", where="KERAFRONT_DEVICE")


def test_import_is_quiet_and_imports_no_other_framework():
    code = ("import os, sys, kerafront\n"
            "bad = [m for m in ('keras', 'jax', 'torch', 'matplotlib') if m in sys.modules]\n"
            "print(kerafront.backend(), os.environ['TF_CPP_MIN_LOG_LEVEL'], bad, "
            "kerafront.config.backend_module().default_device())\n")
    env = {k: v for k, v in os.environ.items() if k != "TF_CPP_MIN_LOG_LEVEL"}
    env.update(KERAFRONT_BACKEND="tensorflow", KERAFRONT_DEVICE="cpu")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, timeout=300)
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["tensorflow", "2", "[]", "cpu"]
    assert "cpu_feature_guard" not in result.stderr and "oneDNN" not in result.stderr
