"""JAX-backend checks where JAX's own behaviour differs from kerafront's rules.

Covers: TF-style "same" padding (stride 2, even kernels) against a NumPy computation, the
promotion table (JAX's weak types and x64 defaults differ), Python-sign integer division, int32
indices, tie gradients, 64-bit dtypes without x64, errors, seeded random under ``jax.jit``,
autodiff over pytrees, donation, devices and import hygiene.
"""

import itertools
import os
import subprocess
import sys

import numpy as np
import pytest

jax = pytest.importorskip("jax")
jnp = pytest.importorskip("jax.numpy")

import kerafront  # noqa: E402
from kerafront import dtypes, ops  # noqa: E402
from kerafront.spec import OVERRIDABLE_COMPOSITES, missing_primitives  # noqa: E402


@pytest.fixture(autouse=True)
def jax_backend():
    with kerafront.backend_scope("jax") as module:
        yield module


@pytest.fixture
def K(jax_backend):
    return jax_backend


def _np(x):
    return ops.convert_to_numpy(x)


def test_module_implements_the_whole_spec(K):
    assert missing_primitives(K) == []
    assert K.name == "jax"
    for name in OVERRIDABLE_COMPOSITES:
        assert not hasattr(K, name) or callable(getattr(K, name))


# ----------------------------------------------------------------------------------------------
# Conversion and dtypes


def test_convert_python_values_follow_kerafront_defaults(K):
    assert K.dtype(K.convert_to_tensor(1.5)) == "float32"
    assert K.dtype(K.convert_to_tensor(3)) == "int32"
    assert K.dtype(K.convert_to_tensor(True)) == "bool"
    assert K.dtype(K.convert_to_tensor([[1, 2], [3, 4]])) == "int32"
    assert K.dtype(K.convert_to_tensor([1.0, 2])) == "float32"
    assert K.dtype(K.convert_to_tensor(np.arange(3, dtype=np.int16))) == "int16"
    x = jnp.ones(3)
    assert K.convert_to_tensor(x) is x
    assert K.dtype(K.convert_to_tensor(x, "bfloat16")) == "bfloat16"
    stacked = K.convert_to_tensor([jnp.float32(1.0), jnp.float32(2.0)])
    np.testing.assert_array_equal(_np(stacked), [1.0, 2.0])


def test_convert_to_numpy_is_a_writable_copy_and_bfloat16_becomes_float32(K):
    x = K.ones((2,))
    array = K.convert_to_numpy(x)
    array[0] = 5.0
    assert _np(x)[0] == 1.0
    assert K.convert_to_numpy(K.ones((2,), "bfloat16")).dtype == np.float32


@pytest.mark.parametrize("make", [
    lambda K: K.convert_to_tensor([1.0], dtype="float64"),
    lambda K: K.cast(K.ones((2,)), "int64"),
    lambda K: K.zeros((2,), dtype="float64"),
    lambda K: K.convert_to_tensor(np.zeros(2)),  # a float64 NumPy array keeps its dtype
    lambda K: K.add(K.ones((2,)), np.zeros(2)),
    lambda K: K.random_normal((2,), 0, dtype="float64"),
])
def test_64_bit_requests_raise_without_x64_instead_of_silently_narrowing(K, make):
    if K.x64_enabled():
        pytest.skip("checks the x64-off error; this process runs with JAX's x64 mode on")
    with pytest.raises(TypeError, match="KERAFRONT_JAX_ENABLE_X64"):
        make(K)


def test_np_float64_scalars_are_weak_like_python_floats(K):
    assert K.dtype(K.multiply(K.ones((2,), "float16"), np.float64(0.5))) == "float16"


def _run_python(code, **env):
    full_env = dict(os.environ, **env)
    for key in ("KERAFRONT_DEVICE", "JAX_ENABLE_X64", "KERAFRONT_JAX_ENABLE_X64", "JAX_COMPILATION_CACHE_DIR",
                "KERAFRONT_JAX_COMPILATION_CACHE", "JAX_PERSISTENT_CACHE_MIN_COMPILE_TIME_SECS"):
        if key not in env:
            full_env.pop(key, None)
    return subprocess.run([sys.executable, "-c", code], env=full_env, capture_output=True, text=True, timeout=120)


def test_x64_env_var_enables_float64_and_int64():
    code = ("import kerafront, numpy as np\nfrom kerafront import ops\n"
            "x = ops.convert_to_tensor(np.array([1.0, 2.0]))\n"
            "print(ops.dtype(x), ops.dtype(ops.cast(x, 'int64')), ops.dtype(ops.add(x, ops.ones((2,)))),"
            " ops.dtype(ops.argmax(x)), ops.dtype(ops.convert_to_tensor(1)))")
    result = _run_python(code, KERAFRONT_BACKEND="jax", KERAFRONT_JAX_ENABLE_X64="1")
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["float64", "int64", "float64", "int32", "int32"]


_NARROW = ("bool", "uint8", "int8", "int16", "int32", "float16", "bfloat16", "float32")


@pytest.mark.parametrize("a,b", list(itertools.combinations_with_replacement(_NARROW, 2)))
def test_binary_promotion_follows_the_table(K, a, b):
    x, y = K.ones((2,), a), K.ones((2,), b)
    assert K.dtype(K.add(x, y)) == dtypes.result_type(a, b)
    assert K.dtype(K.maximum(y, x)) == dtypes.result_type(a, b)


@pytest.mark.parametrize("dtype,scalar,expected", [
    ("int8", 3, "int8"), ("uint8", 2, "uint8"), ("int32", 1.5, "float32"), ("float16", 1.5, "float16"),
    ("bfloat16", 2, "bfloat16"), ("bool", 1, "int32"), ("bool", 0.5, "float32"), ("bool", True, "bool"),
])
def test_python_scalars_are_weak(K, dtype, scalar, expected):
    assert K.dtype(K.multiply(K.ones((2,), dtype), scalar)) == expected
    assert K.dtype(K.add(scalar, K.ones((2,), dtype))) == expected


def test_weakly_typed_jax_arrays_promote_like_the_python_scalars_they_came_from(K):
    weak = jnp.asarray(2.0)
    assert weak.weak_type
    assert K.dtype(K.add(weak, K.ones((2,), "float16"))) == "float16"
    assert K.dtype(K.multiply(K.ones((2,), "int8"), jnp.asarray(3))) == "int8"
    assert K.dtype(K.multiply(K.ones((2,), "int8"), weak)) == "float32"
    scaled = K.compile(lambda x, s: K.multiply(x, s))(K.ones((2,), "bfloat16"), 0.5)  # s is traced, weak
    assert K.dtype(scaled) == "bfloat16"


def test_divide_of_integers_gives_floatx_and_division_signs_follow_python(K):
    a = np.array([-7, 7, -7, 7, 0], dtype=np.int32)
    b = np.array([2, -2, -2, 2, 3], dtype=np.int32)
    x, y = K.convert_to_tensor(a), K.convert_to_tensor(b)
    assert K.dtype(K.divide(x, y)) == "float32"
    np.testing.assert_array_equal(_np(K.floor_divide(x, y)), a // b)
    np.testing.assert_array_equal(_np(K.mod(x, y)), a % b)
    fa, fb = a.astype(np.float32) + 0.5, b.astype(np.float32)
    np.testing.assert_allclose(_np(K.mod(K.convert_to_tensor(fa), K.convert_to_tensor(fb))), fa % fb)
    np.testing.assert_array_equal(_np(K.floor_divide(K.convert_to_tensor(fa), K.convert_to_tensor(fb))), fa // fb)


def test_reductions_keep_integer_dtypes_and_indices_are_int32(K):
    small = K.convert_to_tensor(np.array([100, 100], dtype=np.int8))
    assert K.dtype(K.sum(small)) == "int8"
    assert K.dtype(K.sum(K.convert_to_tensor([True, True]))) == "int32"
    assert K.dtype(K.mean(K.convert_to_tensor([1, 2]))) == "float32"
    assert K.dtype(K.cumsum(small)) == "int8"
    x = K.convert_to_tensor([[1.0, 3.0, 3.0], [2.0, 0.0, 0.0]])
    np.testing.assert_array_equal(_np(K.argmax(x, axis=1)), [1, 0])
    np.testing.assert_array_equal(_np(K.argmin(x, axis=1)), [0, 1])
    assert K.dtype(K.argmax(x)) == "int32" and int(K.argmax(x)) == 1
    order = K.argsort(K.convert_to_tensor([2, 1, 2, 1]))
    assert K.dtype(order) == "int32"
    np.testing.assert_array_equal(_np(order), [1, 3, 0, 2])
    values, indices = K.top_k(K.convert_to_tensor([1.0, 3.0, 3.0, 2.0]), 3)
    assert K.dtype(indices) == "int32"
    np.testing.assert_array_equal(_np(indices), [1, 2, 3])
    np.testing.assert_array_equal(_np(values), [3.0, 3.0, 2.0])


def test_round_is_half_to_even(K):
    np.testing.assert_array_equal(_np(K.round(K.convert_to_tensor([0.5, 1.5, 2.5, -0.5]))), [0.0, 2.0, 2.0, -0.0])


# ----------------------------------------------------------------------------------------------
# Gradients where JAX's rules differ from the spec


def test_tie_gradients_follow_the_spec(K):
    x = K.convert_to_tensor([1.0, 0.0, -1.0])
    grad_max = K.grad(lambda v: K.sum(K.maximum(v, 0.0)))(x)
    np.testing.assert_array_equal(_np(grad_max), [1.0, 1.0, 0.0])  # JAX alone gives 0.5 at the tie
    grad_min = K.grad(lambda v: K.sum(K.minimum(v, 0.0)))(x)
    np.testing.assert_array_equal(_np(grad_min), [0.0, 1.0, 1.0])
    np.testing.assert_array_equal(_np(K.grad(lambda v: K.sum(K.abs(v)))(x)), [1.0, 0.0, -1.0])
    grad_clip = K.grad(lambda v: K.sum(K.clip(v, -1.0, 0.0)))(K.convert_to_tensor([-2.0, -1.0, 0.0, 1.0]))
    np.testing.assert_array_equal(_np(grad_clip), [0.0, 1.0, 1.0, 0.0])
    ties = K.convert_to_tensor([[2.0, 5.0, 5.0], [5.0, 1.0, 5.0]])
    np.testing.assert_array_equal(_np(K.grad(lambda v: K.max(v))(ties)), [[0, 1, 0], [0, 0, 0]])
    np.testing.assert_array_equal(_np(K.grad(lambda v: K.sum(K.max(v, axis=0)))(ties)), [[0, 1, 1], [1, 0, 0]])
    np.testing.assert_array_equal(_np(K.grad(lambda v: K.sum(K.min(v, axis=1)))(ties)), [[1, 0, 0], [0, 1, 0]])


def test_maximum_propagates_nan(K):
    out = _np(K.maximum(K.convert_to_tensor([np.nan, 1.0]), K.convert_to_tensor([1.0, np.nan])))
    assert np.isnan(out).all()


# ----------------------------------------------------------------------------------------------
# Convolution and pooling against NumPy (TensorFlow's "same": the extra pad goes at the end)


def _same_pads(sizes, windows, strides):
    pads = []
    for size, window, stride in zip(sizes, windows, strides):
        total = max((-(-size // stride) - 1) * stride + window - size, 0)
        pads.append((total // 2, total - total // 2))
    return pads


def _windows(x, windows, strides, dilations, pads, fill):
    """(N, *out, C, *k) patches of a channels_last ``x``, padded with ``fill``."""
    n = x.ndim - 2
    x = np.pad(x, [(0, 0)] + list(pads) + [(0, 0)], constant_values=fill)
    view = np.lib.stride_tricks.sliding_window_view(x, windows, axis=tuple(range(1, n + 1)))
    view = view[(slice(None),) + tuple(slice(None, None, s) for s in strides)]
    return view[(Ellipsis,) + tuple(slice(None, None, d) for d in dilations)]


def _np_conv(x, w, strides, dilations, padding):
    n = x.ndim - 2
    k = w.shape[:n]
    windows = [(kk - 1) * d + 1 for kk, d in zip(k, dilations)]
    pads = _same_pads(x.shape[1:-1], windows, strides) if padding == "same" else [(0, 0)] * n
    patches = _windows(x, windows, strides, dilations, pads, 0.0)  # (N, *out, C, *k)
    group_in, c_out = w.shape[-2:]
    groups = x.shape[-1] // group_in
    per_group = c_out // groups
    outs = []
    for g in range(groups):
        p = np.take(patches, range(g * group_in, (g + 1) * group_in), axis=-n - 1)  # the channel axis
        wg = w[..., g * per_group:(g + 1) * per_group]  # (*k, group_in, per_group)
        wg = np.moveaxis(wg, -2, 0)  # (group_in, *k, per_group)
        outs.append(np.tensordot(p, wg, axes=(list(range(-n - 1, 0)), list(range(n + 1)))))
    return np.concatenate(outs, axis=-1)


CONV_CASES = [  # (spatial, kernel, C_in, C_out, groups, strides, dilation)
    ((7,), (2,), 2, 3, 1, 2, 1),
    ((8,), (4,), 2, 4, 2, 3, 1),
    ((6,), (3,), 3, 3, 1, 1, 2),
    ((7, 6), (2, 2), 2, 3, 1, 2, 1),
    ((6, 7), (4, 3), 4, 4, 4, (2, 3), 1),
    ((7, 7), (3, 2), 2, 4, 2, 1, (2, 1)),
]


@pytest.mark.parametrize("case", CONV_CASES)
@pytest.mark.parametrize("padding", ["same", "valid"])
@pytest.mark.parametrize("data_format", ["channels_last", "channels_first"])
def test_conv_matches_numpy(K, case, padding, data_format):
    spatial, k, c_in, c_out, groups, strides, dilation = case
    n = len(spatial)
    rng = np.random.default_rng(0)
    x = rng.normal(size=(2,) + spatial + (c_in,)).astype(np.float32)
    w = rng.normal(size=k + (c_in // groups, c_out)).astype(np.float32)
    as_tuple = lambda v: (v,) * n if isinstance(v, int) else v  # noqa: E731
    expected = _np_conv(x, w, as_tuple(strides), as_tuple(dilation), padding)
    inputs = x if data_format == "channels_last" else np.moveaxis(x, -1, 1)
    out = _np(K.conv(inputs, w, strides, padding, data_format, dilation))
    if data_format == "channels_first":
        out = np.moveaxis(out, 1, -1)
    if padding == "same":
        assert out.shape[1:-1] == tuple(-(-s // st) for s, st in zip(spatial, as_tuple(strides)))
    np.testing.assert_allclose(out, expected, rtol=1e-4, atol=1e-4)


@pytest.mark.parametrize("n,k,stride,dilation", [(1, 2, 2, 1), (2, 3, 2, 1), (1, 4, 3, 1), (2, 4, 2, 1),
                                                 (2, 3, 1, 2), (1, 1, 2, 1)])
@pytest.mark.parametrize("padding", ["same", "valid"])
@pytest.mark.parametrize("output_padding", [None, 1])
def test_conv_transpose_is_the_input_gradient_of_conv(K, n, k, stride, dilation, padding, output_padding):
    if output_padding is not None and output_padding >= stride:
        pytest.skip("output_padding must be smaller than the stride")
    size, window = 4, (k - 1) * dilation + 1
    if output_padding is None:
        length = size * stride if padding == "same" else (size - 1) * stride + window
    else:
        length = (size - 1) * stride + window - 2 * (window // 2 if padding == "same" else 0) + output_padding
    rng = np.random.default_rng(1)
    kernel = jnp.asarray(rng.normal(size=(k,) * n + (3, 2)).astype(np.float32))  # conv 3 -> 2, transpose 2 -> 3
    z = jnp.zeros((2,) + (length,) * n + (3,), jnp.float32)
    out, vjp = jax.vjp(lambda v: K.conv(v, kernel, stride, padding, "channels_last", dilation), z)
    if out.shape[1] != size:
        pytest.skip("no forward conv maps this output length back to the input length")
    y = jnp.asarray(rng.normal(size=out.shape).astype(np.float32))
    got = K.conv_transpose(y, kernel, stride, padding, output_padding, "channels_last", dilation)
    np.testing.assert_allclose(_np(got), _np(vjp(y)[0]), rtol=1e-4, atol=1e-4)
    first = K.conv_transpose(jnp.moveaxis(y, -1, 1), kernel, stride, padding, output_padding, "channels_first",
                             dilation)
    np.testing.assert_allclose(np.moveaxis(_np(first), 1, -1), _np(got), rtol=1e-4, atol=1e-4)


@pytest.mark.parametrize("spatial,pool,strides", [((7,), 2, 2), ((6,), 3, 2), ((7, 5), (2, 3), (2, 2)),
                                                  ((5, 6), 3, 1), ((6, 6), (2, 2), None)])
@pytest.mark.parametrize("padding", ["same", "valid"])
@pytest.mark.parametrize("data_format", ["channels_last", "channels_first"])
def test_pooling_matches_numpy_and_same_average_counts_real_elements(K, spatial, pool, strides, padding,
                                                                     data_format):
    n = len(spatial)
    pool_t = (pool,) * n if isinstance(pool, int) else pool
    stride_t = pool_t if strides is None else ((strides,) * n if isinstance(strides, int) else strides)
    x = np.random.default_rng(2).normal(size=(2,) + spatial + (3,)).astype(np.float32)
    pads = _same_pads(spatial, pool_t, stride_t) if padding == "same" else [(0, 0)] * n
    axes = tuple(range(-n, 0))
    expected_max = _windows(x, pool_t, stride_t, (1,) * n, pads, -np.inf).max(axis=axes)
    expected_avg = np.nanmean(_windows(x, pool_t, stride_t, (1,) * n, pads, np.nan), axis=axes)
    inputs = x if data_format == "channels_last" else np.moveaxis(x, -1, 1)
    for op, expected in ((K.max_pool, expected_max), (K.average_pool, expected_avg)):
        out = _np(op(inputs, pool, strides, padding, data_format))
        if data_format == "channels_first":
            out = np.moveaxis(out, 1, -1)
        np.testing.assert_allclose(out, expected, rtol=1e-5, atol=1e-6)


# ----------------------------------------------------------------------------------------------
# Errors: kerafront's ValueError, raised before JAX sees the arguments


@pytest.mark.parametrize("call,match", [
    (lambda K: K.matmul(K.ones((2, 3)), K.ones((4, 5))), r"matmul: inner dimensions differ: \(2, 3\) @ \(4, 5\)"),
    (lambda K: K.conv(K.ones((2, 3)), K.ones((3, 3))), r"conv: .*rank 3 .*\(2, 3\)"),
    (lambda K: K.conv(K.ones((1, 5, 5, 3)), K.ones((3, 3, 2, 4))), r"conv: kernel \(3, 3, 2, 4\).*3 input channels"),
    (lambda K: K.conv(K.ones((1, 5, 3)), K.ones((3, 3, 4)), padding="full"), r"conv: padding .*'full'"),
    (lambda K: K.conv(K.ones((1, 5, 3)), K.ones((3, 3, 4)), data_format="NHWC"), r"conv: data_format"),
    (lambda K: K.conv(K.ones((1, 9, 3)), K.ones((3, 3, 4)), strides=2, dilation_rate=2), r"conv: strides"),
    (lambda K: K.max_pool(K.ones((1, 5)), 2), r"max_pool: .*\(1, 5\)"),
    (lambda K: K.reshape(K.ones((2, 3)), (4, 2)), r"reshape: .*\(2, 3\).*\(4, 2\)"),
    (lambda K: K.reshape(K.ones((2, 3)), (-1, 4)), r"reshape: .*\(-1, 4\)"),
    (lambda K: K.squeeze(K.ones((2, 1)), axis=0), r"squeeze: axis 0"),
    (lambda K: K.sum(K.ones((2, 1)), axis=2), r"sum: axis 2 is out of bounds"),
    (lambda K: K.take(K.ones((3,)), np.array([3])), r"take: index out of range"),
    (lambda K: K.max(K.ones((0, 2)), axis=0), r"max: cannot reduce over an empty axis"),
    (lambda K: K.split(K.ones((5,)), 2), r"split: 2 sections"),
    (lambda K: K.concatenate([K.ones((2, 2)), K.ones((3, 3))]), r"concatenate: shapes"),
    (lambda K: K.einsum("ij,jk->ik", K.ones((2, 3)), K.ones((4, 2))), r"einsum: .*\(2, 3\), \(4, 2\)"),
    (lambda K: K.random_normal((2,), K.ones((3,), "int32")), r"random_normal: seed .*\(3,\)"),
    (lambda K: K.value_and_grad(lambda x: x * 2)(K.ones((2, 3))), r"value_and_grad: .*shape \(2, 3\)"),
    (lambda K: K.compile(K.grad(lambda x: x))(K.ones((4,))), r"grad: .*shape \(4,\)"),
    (lambda K: K.device_scope("gpu:99").__enter__(), r"device_scope: JAX has no device 'gpu:99'"),
])
def test_bad_arguments_raise_kerafront_errors(K, call, match):
    with pytest.raises(ValueError, match=match):
        call(K)


def test_take_normalises_negative_indices_and_accepts_int64_numpy_indices(K):
    x = K.convert_to_tensor([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]])
    np.testing.assert_array_equal(_np(K.take(x, np.array([-1, 0], dtype=np.int64), axis=1)), [[3, 1], [6, 4]])
    np.testing.assert_array_equal(_np(K.take_along_axis(x, np.array([[-1], [0]]), axis=1)), [[3], [4]])
    np.testing.assert_array_equal(_np(K.scatter(np.array([[0, 1], [0, 1]]), K.ones((2,)), (2, 2))), [[0, 2], [0, 0]])


# ----------------------------------------------------------------------------------------------
# Random


def test_int_seeds_are_reproducible(K):
    a, b = K.random_normal((5,), 3), K.random_normal((5,), 3)
    np.testing.assert_array_equal(_np(a), _np(b))
    assert not np.array_equal(_np(a), _np(K.random_normal((5,), 4)))
    big = _np(K.random_uniform((4,), 2**40 + 1))
    assert not np.array_equal(big, _np(K.random_uniform((4,), 1)))
    ints = _np(K.random_uniform((100,), 0, 2, 5, dtype="int32"))
    assert ints.dtype == np.int32 and ints.min() >= 2 and ints.max() <= 4
    truncated = _np(K.truncated_normal((1000,), 0, mean=1.0, stddev=0.5))
    assert truncated.min() >= 0.0 and truncated.max() <= 2.0
    shuffled = _np(K.random_shuffle(K.arange(10), 5))
    assert sorted(shuffled.tolist()) == list(range(10))


def test_seed_tensor_in_a_compiled_function_draws_new_numbers_without_retracing(K):
    traces = []

    def masked(seed, x):
        traces.append(1)
        return ops.multiply(x, ops.dropout_mask((256,), 0.5, seed))

    step = K.compile(masked)
    x = K.ones((256,))
    first = _np(step(np.array([7, 0], np.int32), x))
    second = _np(step(np.array([7, 1], np.int32), x))
    again = _np(step(np.array([7, 0], np.int32), x))
    assert len(traces) == 1
    assert set(np.unique(first)) <= {0.0, 2.0} and 0 < (first == 0).sum() < 256
    assert not np.array_equal(first, second)
    np.testing.assert_array_equal(first, again)
    eager = _np(masked(K.convert_to_tensor(np.array([7, 0], np.int32)), x))
    np.testing.assert_array_equal(first, eager)


def test_seed_generator_state_threads_through_a_compiled_step(K):
    from kerafront.variables import StatelessScope

    generator = kerafront.random.SeedGenerator(11)

    def draw(state):
        with StatelessScope({generator.state: state}) as scope:
            sample = kerafront.random.uniform((4,), seed=generator)
        return sample, scope.get(generator.state)

    step = K.compile(draw)
    first, state = step(generator.state.value)
    second, state = step(state)
    assert not np.array_equal(_np(first), _np(second))
    np.testing.assert_array_equal(_np(state), [11, 2])
    eager = kerafront.random.uniform((4,), seed=kerafront.random.SeedGenerator(11))
    np.testing.assert_array_equal(_np(first), _np(eager))


# ----------------------------------------------------------------------------------------------
# Autodiff and compile


def test_value_and_grad_over_pytrees_with_aux_and_unused_leaves(K):
    def loss(params, x, scale):
        used = ops.sum(ops.multiply(params["w"][0], x)) * scale
        return used, {"double": used * 2}

    params = {"w": [K.convert_to_tensor([1.0, 2.0])], "unused": (K.ones((3,)),)}
    x = K.convert_to_tensor([3.0, 4.0])
    (value, aux), (g_params, g_x) = K.value_and_grad(loss, argnums=(0, 1), has_aux=True)(params, x, 2.0)
    assert float(value) == 22.0 and float(aux["double"]) == 44.0
    np.testing.assert_array_equal(_np(g_params["w"][0]), [6.0, 8.0])
    np.testing.assert_array_equal(_np(g_params["unused"][0]), [0.0, 0.0, 0.0])
    np.testing.assert_array_equal(_np(g_x), [2.0, 4.0])
    grads, aux = K.grad(loss, has_aux=True)(params, x, 1.0)
    np.testing.assert_array_equal(_np(grads["w"][0]), [3.0, 4.0])
    stopped = K.grad(lambda v: ops.sum(ops.multiply(K.stop_gradient(v), v)))(x)
    np.testing.assert_array_equal(_np(stopped), [3.0, 4.0])


def test_compile_donates_state_buffers(K):
    def update(state, delta):
        return {name: ops.add(value, delta) for name, value in state.items()}

    step = K.compile(update, donate_argnums=(0,))
    state = {"a": K.ones((4,)), "b": K.zeros((4,))}
    old = state["a"]
    state = step(state, 1.0)
    np.testing.assert_array_equal(_np(state["a"]), [2.0] * 4)
    np.testing.assert_array_equal(_np(step(state, 1.0)["b"]), [2.0] * 4)
    assert old.is_deleted()


# ----------------------------------------------------------------------------------------------
# Devices and import


def test_device_scope_places_new_tensors(K):
    assert "cpu" in K.list_devices()
    with K.device_scope("cpu"):
        assert K.default_device() == "cpu"
        x = K.zeros((2,))
        y = K.convert_to_tensor(np.ones(2, np.float32))
    cpu = jax.devices("cpu")[0]
    assert x.devices() == {cpu} and y.devices() == {cpu}
    with pytest.raises(ValueError, match="expected a device name"):
        K.device_scope("").__enter__()


def test_import_selects_only_jax_and_reads_kerafront_device():
    code = ("import sys, kerafront\nfrom kerafront import ops\n"
            "print(kerafront.backend(), kerafront.config.backend_module().default_device(),"
            " 'torch' in sys.modules, 'tensorflow' in sys.modules,"
            " sorted(d.platform for d in ops.zeros((2,)).devices()))")
    result = _run_python(code, KERAFRONT_BACKEND="jax", KERAFRONT_DEVICE="cpu")
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["jax", "cpu", "False", "False", "['cpu']"]
    missing = _run_python("import kerafront", KERAFRONT_BACKEND="jax", KERAFRONT_DEVICE="gpu:7")
    assert missing.returncode != 0 and "KERAFRONT_DEVICE: JAX has no device 'gpu:7'" in missing.stderr


def test_creation_ops_outside_and_inside_a_trace(K):
    # Eager: made on the host (no per-shape XLA compile); traced: a broadcast. Same values either way.
    eager = [ops.zeros((2, 3)), ops.ones((4,), dtype="int32"), ops.full((2,), 1.5, dtype="bfloat16"),
             ops.full((), True)]
    assert [str(a.dtype) for a in eager] == ["float32", "int32", "bfloat16", "bool"]
    assert all(isinstance(a, jax.Array) for a in eager)
    np.testing.assert_array_equal(_np(eager[0]), np.zeros((2, 3), np.float32))
    np.testing.assert_array_equal(_np(eager[2]), np.full((2,), 1.5, np.float32))
    traced = jax.jit(lambda x: ops.add(ops.full((2, 3), 2.0), x))(jnp.ones((2, 3)))
    np.testing.assert_array_equal(_np(traced), np.full((2, 3), 3.0, np.float32))
    with pytest.raises(TypeError, match="full"):
        ops.full((2,), 1.0, dtype="float64")   # x64 is off: still refused, not narrowed


def test_compilation_cache_is_on_by_default_and_respects_the_user(tmp_path):
    code = "import jax, kerafront\nprint(jax.config.jax_compilation_cache_dir, " \
           "jax.config.jax_persistent_cache_min_compile_time_secs)"
    home = str(tmp_path)
    default = _run_python(code, KERAFRONT_BACKEND="jax", HOME=home)
    assert default.returncode == 0, default.stderr
    assert default.stdout.split() == [os.path.join(home, ".cache", "kerafront", "jax"), "0.1"]
    off = _run_python(code, KERAFRONT_BACKEND="jax", KERAFRONT_JAX_COMPILATION_CACHE="0")
    assert off.stdout.split() == ["None", "1.0"]
    own = _run_python(code, KERAFRONT_BACKEND="jax", KERAFRONT_JAX_COMPILATION_CACHE=str(tmp_path / "c"))
    assert own.stdout.split() == [str(tmp_path / "c"), "0.1"]
    users = _run_python(code, KERAFRONT_BACKEND="jax", JAX_COMPILATION_CACHE_DIR=str(tmp_path / "u"))
    assert users.stdout.split() == [str(tmp_path / "u"), "1.0"]


def test_fit_reads_logs_from_the_compiled_step_and_they_match_eager_training():
    x = np.random.default_rng(0).normal(size=(40, 4)).astype("float32")
    y = np.eye(3, dtype="float32")[np.arange(40) % 3]

    def run(**compile_args):
        kerafront.utils.set_random_seed(0)
        model = kerafront.Sequential([kerafront.Input(shape=(4,)), kerafront.layers.Dense(3, activation="softmax")])
        model.compile(optimizer="adam", loss="categorical_crossentropy", metrics=["accuracy", "mse"],
                      **compile_args)
        history = model.fit(x, y, batch_size=16, epochs=3, verbose=0, shuffle=False, validation_data=(x, y))
        return model, history.history, model.evaluate(x, y, verbose=0, batch_size=16)

    compiled, logs, evaluated = run()
    assert compiled._steps.with_results and compiled._host_batches
    eager, eager_logs, eager_evaluated = run(run_eagerly=True)
    assert not eager._steps.with_results
    assert list(logs) == list(eager_logs) == ["loss", "accuracy", "mse", "val_loss", "val_accuracy", "val_mse"]
    for key in logs:
        np.testing.assert_allclose(logs[key], eager_logs[key], rtol=1e-5, atol=1e-6, err_msg=key)
    np.testing.assert_allclose(evaluated, eager_evaluated, rtol=1e-5, atol=1e-6)
    # After a reset the cached step results are not reused: a fresh evaluate on other data differs.
    other = compiled.evaluate(x[:8], y[:8], verbose=0, return_dict=True)
    assert other == compiled.evaluate(x[:8], y[:8], verbose=0, return_dict=True)
    assert other["loss"] != pytest.approx(evaluated[0])
