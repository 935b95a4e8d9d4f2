"""PyTorch-backend checks of what only torch has: conversion to and from torch tensors, memory
shared (or not) with NumPy, the autograd graph, the fused optimizer update, ``torch.compile``
behind ``KERAFRONT_TORCH_COMPILE``, devices and import hygiene.

Every spec rule (values, dtypes and promotion, errors, gradients, conv/pool geometry, the fused
overrides against their composites) is checked on every backend by conformance_tests/.
"""

import os
import subprocess
import sys
import warnings

import numpy as np
import pytest

torch = pytest.importorskip("torch")

import kerafront  # noqa: E402


@pytest.fixture(autouse=True)
def K():
    with kerafront.backend_scope("torch") as module:
        yield module


def _np(x):
    return kerafront.ops.convert_to_numpy(x)


# ----------------------------------------------------------------------------------------------
# Conversion and memory


def test_convert_passes_torch_tensors_through_and_takes_read_only_arrays_without_warning(K):
    t = torch.ones(3)
    assert K.convert_to_tensor(t) is t
    readonly = np.arange(4.0, dtype=np.float32)[::-1]
    readonly.flags.writeable = False
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # torch.from_numpy warns on a read-only array
        np.testing.assert_array_equal(_np(K.convert_to_tensor(readonly)), [3, 2, 1, 0])


def test_convert_never_shares_memory_with_numpy(K):
    array = np.zeros(3, np.float32)
    tensor = K.convert_to_tensor(array)
    tensor.add_(1.0)
    assert array.tolist() == [0, 0, 0]


def test_convert_to_numpy_copies_tensors_that_require_grad_and_torch_bfloat16(K):
    t = torch.ones(2, requires_grad=True)
    out = K.convert_to_numpy(t)
    out[0] = 5
    assert t[0].item() == 1
    assert K.convert_to_numpy(torch.ones(2, dtype=torch.bfloat16)).dtype == np.float32


def test_fused_optimizer_update_declines_what_it_cannot_fuse(K):
    lr, step = K.convert_to_tensor(0.1), K.convert_to_tensor(1.0)
    params, grads = [K.ones((2,))], [K.ones((2,))]
    assert K.fused_optimizer_update("nadam", params, grads, {}, lr, step, {}, True) is None
    mixed = [K.ones((2,), "float64")]
    assert K.fused_optimizer_update("sgd", params, mixed, {}, lr, step, {"momentum": 0.0}, True) is None
    new_params, _ = K.fused_optimizer_update("sgd", params, grads, {}, lr, step, {"momentum": 0.0}, False)
    np.testing.assert_allclose(_np(new_params[0]), [0.9, 0.9])
    np.testing.assert_array_equal(_np(params[0]), [1, 1])  # not in place: inputs untouched


# ----------------------------------------------------------------------------------------------
# Autograd


def test_value_and_grad_returns_tensors_detached_from_the_graph(K):
    w = K.convert_to_tensor(np.array([1.0, 2.0], np.float32))
    value, grads = K.value_and_grad(lambda v: K.sum(K.multiply(v, v)))(w)
    assert not value.requires_grad and not grads.requires_grad
    np.testing.assert_array_equal(_np(grads), [2, 4])


def test_maximum_keeps_nan_under_autograd(K):
    a = K.convert_to_tensor(np.array([np.nan, 1.0], np.float32))
    b = np.array([0.0, np.nan], np.float32)
    value, _ = K.value_and_grad(lambda u: K.sum(K.maximum(u, b)))(a)
    assert np.isnan(_np(value))


def test_second_order_gradients(K):
    """torch differentiates its own VJPs (the NumPy reference does not, so this is no spec rule)."""
    grad = kerafront.ops.grad

    def d_cube(x):
        return K.sum(grad(lambda v: K.sum(K.power(v, 3)))(x))

    x = K.convert_to_tensor(np.array([1.0, 2.0], np.float32))
    np.testing.assert_allclose(_np(grad(d_cube)(x)), [6.0, 12.0])


# ----------------------------------------------------------------------------------------------
# torch.compile


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
# Devices, import and training


def test_devices_without_a_gpu(K):
    if torch.cuda.is_available():
        pytest.skip("this machine has a GPU: tests/gpu/test_gpu_torch.py covers it")
    assert K.default_device() == "cpu" and K.list_devices() == ["cpu"]
    with K.device_scope("cpu"):
        assert K.zeros((2,)).device.type == "cpu"
    with pytest.raises(ValueError, match="not available"):
        with K.device_scope("gpu"):
            pass
    with pytest.raises(ValueError, match="expected a device name"):
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
