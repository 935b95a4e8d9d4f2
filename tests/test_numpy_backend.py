"""Semantics of the NumPy reference backend with known values: promotion, errors, signs, dtypes, random."""

import numpy as np
import pytest

import kerafront
import kerafront_numpy as B
from kerafront import spec

F32 = np.ones(3, np.float32)
I32 = np.arange(3, dtype=np.int32)
I64 = np.arange(3, dtype=np.int64)


def test_implements_every_primitive_with_the_spec_signature():
    assert spec.missing_primitives(B) == []


@pytest.mark.parametrize("x1, x2, expected", [
    (I64, F32, "float32"),                       # NumPy says float64
    (F32, 1.5, "float32"),                       # weak Python float
    (I32, 1.5, "float32"),                       # int tensor with a Python float -> floatx
    (I32, 2, "int32"),                           # weak Python int
    (np.ones(2, np.uint8), np.ones(2, np.int8), "int16"),
    (np.ones(2, bool), 1, "int32"),
    (np.ones(2, np.float16), np.ones(2, np.float64), "float64"),
    (2, 3, "int32"),
    (2, 3.0, "float32"),
    (np.ones(2, np.int16), np.ones(2, np.int64), "int64"),
])
def test_add_promotes_with_kerafront_table(x1, x2, expected):
    assert B.dtype(B.add(x1, x2)) == expected
    assert B.dtype(B.multiply(x2, x1)) == expected


def test_float16_with_bfloat16_gives_float32():
    bf = B.cast(np.ones(2), "bfloat16")
    assert B.dtype(bf) == "bfloat16"
    assert B.dtype(B.add(bf, np.ones(2, np.float16))) == "float32"
    assert B.dtype(B.add(bf, 1.0)) == "bfloat16"
    assert B.convert_to_numpy(bf).dtype == np.float32


def test_integer_true_division_gives_floatx():
    out = B.divide(np.array([1, 3], np.int32), np.array([2, 2], np.int32))
    assert B.dtype(out) == "float32"
    np.testing.assert_array_equal(out, [0.5, 1.5])


def test_floor_divide_and_mod_follow_python_signs():
    x = np.array([-7, 7, -7, 7], np.int32)
    y = np.array([2, -2, -2, 2], np.int32)
    np.testing.assert_array_equal(B.floor_divide(x, y), [-4, -4, 3, 3])
    np.testing.assert_array_equal(B.mod(x, y), [1, -1, -1, 1])
    np.testing.assert_allclose(B.mod(np.array([-7.5]), 2.0), [0.5])


def test_round_half_to_even_and_integer_rounding_is_identity():
    np.testing.assert_array_equal(B.round(np.array([0.5, 1.5, 2.5, -0.5], np.float32)), [0.0, 2.0, 2.0, -0.0])
    assert B.dtype(B.floor(I32)) == "int32"


def test_convert_to_tensor_python_values():
    assert B.dtype(B.convert_to_tensor(1.0)) == "float32"
    assert B.dtype(B.convert_to_tensor(1)) == "int32"
    assert B.dtype(B.convert_to_tensor(True)) == "bool"
    assert B.dtype(B.convert_to_tensor([1.0, 2.0])) == "float32"
    assert B.dtype(B.convert_to_tensor([1, 2])) == "int32"
    assert B.dtype(B.convert_to_tensor(np.ones(2))) == "float64"   # NumPy arrays keep their dtype
    x = np.ones(3, np.float32)
    assert B.convert_to_tensor(x) is x
    assert B.dtype(B.convert_to_tensor(x, dtype="int64")) == "int64"


def test_unsupported_dtype_raises_type_error_naming_it():
    with pytest.raises(TypeError, match="complex"):
        B.convert_to_tensor(np.ones(2, np.complex64))


def test_index_outputs_are_int32():
    x = np.array([[1.0, 3.0, 3.0], [4.0, 0.0, 4.0]])
    np.testing.assert_array_equal(B.argmax(x, axis=1), [1, 0])
    np.testing.assert_array_equal(B.argmin(x, axis=1), [0, 1])
    assert B.dtype(B.argmax(x)) == "int32" and int(B.argmax(x)) == 3
    assert B.dtype(B.argsort(x)) == "int32"
    values, indices = B.top_k(np.array([1, 3, 3, 2]), 3)
    np.testing.assert_array_equal(values, [3, 3, 2])
    np.testing.assert_array_equal(indices, [1, 2, 3])
    assert B.dtype(indices) == "int32"


def test_reduction_dtypes():
    assert B.dtype(B.sum(np.ones(3, bool))) == "int32"
    assert B.dtype(B.sum(I32)) == "int32"
    assert B.dtype(B.cumsum(I32)) == "int32"
    assert B.dtype(B.mean(I32)) == "float32"
    assert float(B.mean(I32)) == 1.0
    np.testing.assert_allclose(B.var(np.array([1.0, 3.0])), 1.0)
    np.testing.assert_allclose(B.std(np.array([1.0, 3.0])), 1.0)


def test_results_are_ndarrays_not_numpy_scalars():
    assert type(B.sum(F32)) is np.ndarray
    assert type(B.add(np.float32(1), np.float32(2))) is np.ndarray
    assert B.is_tensor(B.mean(F32))


def test_float_edge_values_do_not_warn():
    np.testing.assert_array_equal(B.log(np.zeros(2)), [-np.inf, -np.inf])
    np.testing.assert_array_equal(B.divide(1.0, np.zeros(1)), [np.inf])
    assert np.isnan(B.mean(np.zeros((0,))))
    np.testing.assert_allclose(B.sigmoid(np.array([-1000.0, 0.0, 1000.0])), [0.0, 0.5, 1.0])


@pytest.mark.parametrize("call, message", [
    (lambda: B.matmul(np.ones((2, 3)), np.ones((4, 5))), r"matmul: inner dimensions differ: \(2, 3\) @ \(4, 5\)"),
    (lambda: B.reshape(np.ones(6), (4, 2)), r"reshape: .*\(6,\).*\(4, 2\)"),
    (lambda: B.squeeze(np.ones((2, 3)), 0), r"squeeze: .*axis 0.*\(2, 3\)"),
    (lambda: B.max(np.ones((0, 3)), axis=0), r"max: cannot reduce over an empty axis"),
    (lambda: B.split(np.ones(5), 2), r"split: 2 sections do not divide"),
    (lambda: B.concatenate([np.ones((2, 3)), np.ones((3, 2))], axis=0), r"concatenate: cannot join"),
    (lambda: B.sum(np.ones((2, 3)), axis=2), r"sum: axis 2 is out of range"),
    (lambda: B.pad(np.ones(3), ((1, 1),), mode="wrap"), r"pad: mode must be"),
    (lambda: B.device_scope("gpu"), r"runs on the CPU only; choose KERAFRONT_BACKEND=torch or jax"),
])
def test_errors_name_the_op_and_the_shapes(call, message):
    with pytest.raises(ValueError, match=message):
        call()


def test_take_rejects_float_indices_and_out_of_range():
    with pytest.raises(TypeError, match="take: indices must be integers"):
        B.take(np.ones(3), np.array([0.0]))
    with pytest.raises(IndexError, match="take"):
        B.take(np.ones(3), np.array([3]))


def test_clip_where_and_maximum():
    np.testing.assert_array_equal(B.clip(np.array([-2.0, 0.5, 2.0]), -1, 1), [-1.0, 0.5, 1.0])
    np.testing.assert_array_equal(B.where(np.array([True, False]), 1.0, np.array([5.0, 6.0])), [1.0, 6.0])
    assert B.dtype(B.maximum(I32, 0)) == "int32"


def test_shape_ops_values():
    x = np.arange(6).reshape(2, 3)
    np.testing.assert_array_equal(B.tile(np.array([1, 2]), 2), [1, 2, 1, 2])
    np.testing.assert_array_equal(B.repeat(np.array([1, 2]), 2), [1, 1, 2, 2])
    np.testing.assert_array_equal(B.pad(np.array([1, 2, 3]), ((2, 1),), mode="reflect"), [3, 2, 1, 2, 3, 2])
    np.testing.assert_array_equal(B.pad(np.array([1, 2, 3]), ((2, 1),), mode="symmetric"), [2, 1, 1, 2, 3, 3])
    np.testing.assert_array_equal(B.slice(x, (0, 1), (2, 2)), [[1, 2], [4, 5]])
    np.testing.assert_array_equal(B.take(x, np.array([-1, 0]), axis=1), [[2, 0], [5, 3]])
    np.testing.assert_array_equal(B.scatter(np.array([[0], [0], [2]]), np.array([1.0, 2.0, 3.0]), (3,)),
                                  [3.0, 0.0, 3.0])
    parts = B.split(np.arange(5), [2])
    np.testing.assert_array_equal(parts[1], [2, 3, 4])
    np.testing.assert_array_equal(B.sort(np.array([3, 1, 2])), [1, 2, 3])


def test_einsum_and_matmul_values():
    a, b = np.arange(6.0).reshape(2, 3), np.arange(3.0)
    np.testing.assert_allclose(B.einsum("ij,j->i", a, b), a @ b)
    np.testing.assert_allclose(B.einsum("...j,j", a, b), a @ b)
    np.testing.assert_allclose(B.matmul(a, b), a @ b)
    assert B.dtype(B.matmul(np.ones((2, 2), np.int64), np.ones((2, 2), np.float32))) == "float32"


def test_creation_dtypes():
    assert B.dtype(B.zeros((2,))) == "float32"
    assert B.dtype(B.full((2,), 3)) == "int32"
    assert B.dtype(B.full((2,), 3.0)) == "float32"
    assert B.dtype(B.arange(3)) == "int32"
    np.testing.assert_allclose(B.arange(0, 1, 0.25), [0.0, 0.25, 0.5, 0.75])
    assert B.dtype(B.arange(0, 1, 0.25)) == "float32"
    np.testing.assert_array_equal(B.eye(2, 3, k=1), [[0, 1, 0], [0, 0, 1]])
    np.testing.assert_array_equal(B.cast(np.array([-1.7, 1.7]), "int32"), [-1, 1])


def test_random_is_reproducible_per_seed():
    seed = np.array([7, 3], np.int32)
    np.testing.assert_array_equal(B.random_normal((4,), seed), B.random_normal((4,), seed))
    assert not np.array_equal(B.random_normal((4,), seed), B.random_normal((4,), np.array([7, 4], np.int32)))
    np.testing.assert_array_equal(B.random_uniform((4,), 5), B.random_uniform((4,), 5))
    assert B.dtype(B.random_normal((2,), 1)) == "float32"
    assert B.dtype(B.random_uniform((2,), 1, dtype="float64")) == "float64"


def test_random_ranges():
    u = B.random_uniform((1000,), 1, minval=-2.0, maxval=3.0)
    assert u.min() >= -2.0 and u.max() < 3.0
    t = B.truncated_normal((2000,), 2, mean=1.0, stddev=0.5)
    assert t.min() >= 0.0 and t.max() <= 2.0 and abs(float(t.mean()) - 1.0) < 0.05
    shuffled = B.random_shuffle(np.arange(10), 3)
    assert sorted(shuffled.tolist()) == list(range(10)) and shuffled.tolist() != list(range(10))


def test_device_hooks():
    assert B.name == "numpy"
    assert B.default_device() == "cpu" and B.list_devices() == ["cpu"]
    with B.device_scope("cpu"):
        assert B.dtype(B.ones((1,))) == "float32"


def test_relu_override_matches_the_composite_at_zero_ties_and_nan():
    from kerafront import ops
    from kerafront_numpy import _autodiff
    x = np.array([-2.0, -0.0, 0.0, 1e-30, 3.0, np.nan, -np.inf, np.inf] * 700, dtype="float32")  # > 4096: the product path
    g = np.linspace(-1, 1, x.size).astype("float32")

    def vjp(fn):
        return _autodiff.value_and_grad(lambda t: ops.sum(ops.multiply(fn(t), g)))(x)

    (_, fused), (_, pure) = vjp(ops.relu), vjp(ops.relu.composite)
    np.testing.assert_array_equal(fused, pure)
    np.testing.assert_array_equal(ops.relu(x), ops.relu.composite(x))
    assert ops.relu(np.array([-1, 2], dtype="int32")).dtype == np.int32
    g[5] = np.inf   # a non-finite cotangent takes np.where: no NaN where relu blocks it
    (_, fused), (_, pure) = vjp(ops.relu), vjp(ops.relu.composite)
    np.testing.assert_array_equal(fused, pure)


def test_keep_freed_memory_pads_malloc_once_and_respects_the_user(monkeypatch):
    import platform
    from kerafront.utils import malloc as _memory
    for key in [k for k in __import__("os").environ if k.startswith("MALLOC_")]:
        monkeypatch.delenv(key)
    monkeypatch.setattr(_memory, "_applied", None)
    monkeypatch.setenv("KERAFRONT_MALLOC_TOP_PAD", "0")
    assert _memory.keep_freed_memory() is None
    monkeypatch.setattr(_memory, "_applied", None)
    monkeypatch.setenv("KERAFRONT_MALLOC_TOP_PAD", "")
    monkeypatch.setenv("MALLOC_ARENA_MAX", "2")      # the user tunes malloc: left alone
    assert _memory.keep_freed_memory() is None
    monkeypatch.delenv("MALLOC_ARENA_MAX")
    monkeypatch.setattr(_memory, "_applied", None)
    applied = _memory.keep_freed_memory()
    if platform.system() == "Linux" and platform.libc_ver()[0] == "glibc":
        assert applied == 128 << 20
    assert _memory.keep_freed_memory() == applied     # once per process
    # the trainer calls it before building its steps
    calls = []
    monkeypatch.setattr(B, "prepare_for_training", lambda: calls.append(1))
    model = kerafront.Sequential([kerafront.Input(shape=(2,)), kerafront.layers.Dense(1)])
    model.compile(optimizer="sgd", loss="mse")
    model.train_on_batch(np.ones((2, 2), "float32"), np.ones((2, 1), "float32"))
    assert calls == [1]
