"""NumPy-backend checks of what only the reference has: plain ``np.ndarray`` tensors in and out
(never NumPy scalars), the CPU-only device hooks, the fused relu's fast paths and the malloc
setting that keeps freed memory for the next training step.

Every spec rule (values, dtypes and promotion, errors, gradients, conv/pool geometry) is checked
on every backend, the reference included, by conformance_tests/.
"""

import numpy as np
import pytest

import kerafront
import kerafront_numpy as B


def test_tensors_are_plain_ndarrays_in_and_out():
    x = np.ones(3, np.float32)
    assert B.convert_to_tensor(x) is x
    assert type(B.sum(x)) is np.ndarray
    assert type(B.add(np.float32(1), np.float32(2))) is np.ndarray
    assert B.is_tensor(B.mean(x)) and not B.is_tensor(1.0)


def test_devices_are_the_cpu_only():
    assert B.default_device() == "cpu" and B.list_devices() == ["cpu"]
    with B.device_scope("cpu"):
        assert B.dtype(B.ones((1,))) == "float32"
    with pytest.raises(ValueError, match=r"runs on the CPU only; choose KERAFRONT_BACKEND=torch or jax"):
        B.device_scope("gpu")


def test_relu_override_matches_the_composite_at_zero_ties_and_nan():
    from kerafront import ops
    from kerafront_numpy import _autodiff
    # more than 4096 elements: the product path
    x = np.array([-2.0, -0.0, 0.0, 1e-30, 3.0, np.nan, -np.inf, np.inf] * 700, dtype="float32")
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
