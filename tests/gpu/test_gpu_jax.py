"""GPU checks of the JAX backend; the whole module skips unless JAX sees a GPU.

Covers: default placement on the first GPU and ``KERAFRONT_DEVICE`` (in subprocesses, since the
variable is read at import), ``device_scope``, ``convert_to_numpy`` of device arrays, seeded random
and donation on the GPU, and conv/pool/matmul forward + gradient on GPU against CPU. XLA runs
float32 matmuls and convolutions in TF32 on recent NVIDIA GPUs by default (torch does not), so the
default-precision comparison uses a TF32 tolerance and a second run under
``jax.default_matmul_precision("float32")`` must match the CPU to float32 accuracy.
"""

import os
import subprocess
import sys

import numpy as np
import pytest

jax = pytest.importorskip("jax")
try:
    GPUS = jax.devices("gpu")
except RuntimeError:
    GPUS = []
if not GPUS:
    pytest.skip("no GPU visible to JAX", allow_module_level=True)

import kerafront  # noqa: E402
from kerafront import ops  # noqa: E402

TF32_TOL = 1e-2  # TF32 keeps 10 mantissa bits: ~5e-4 per product, more after accumulation and backprop
FP32_TOL = 2e-4


@pytest.fixture(autouse=True)
def K():
    with kerafront.backend_scope("jax") as module:
        yield module


def _run(code, **env):
    full_env = {k: v for k, v in os.environ.items() if k not in ("KERAFRONT_DEVICE", "JAX_PLATFORMS")}
    full_env.update(KERAFRONT_BACKEND="jax", **env)
    done = subprocess.run([sys.executable, "-c", code], env=full_env, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    return done.stdout.split()


def _platform(x):
    (device,) = x.devices()
    return device.platform


def test_default_device_is_the_first_gpu_and_env_overrides_it():
    code = ("import numpy as np, kerafront; from kerafront import ops; import kerafront_jax as K; "
            "print(K.default_device(), *[next(iter(t.devices())).platform for t in "
            "(ops.zeros((2,)), ops.convert_to_tensor(np.ones(2, np.float32)), ops.random_normal((2,), 1))])")
    assert _run(code) == ["gpu:0", "gpu", "gpu", "gpu"]
    assert _run(code, KERAFRONT_DEVICE="cpu") == ["cpu", "cpu", "cpu", "cpu"]
    last = f"gpu:{len(GPUS) - 1}"
    assert _run(code, KERAFRONT_DEVICE=last)[0] == last


def test_device_scope_places_new_tensors(K):
    assert "gpu:0" in K.list_devices() and "cpu" in K.list_devices()
    with K.device_scope("cpu"):
        assert K.default_device() == "cpu"
        assert _platform(K.ones((2,))) == "cpu"
        assert _platform(K.random_normal((2,), 1)) == "cpu"
        assert _platform(K.convert_to_tensor([1.0, 2.0])) == "cpu"
    with K.device_scope("gpu:0"):
        assert K.default_device() == "gpu:0"
        assert K.ones((2,)).devices() == {GPUS[0]}
        assert _platform(K.arange(3)) == "gpu"
    with pytest.raises(ValueError, match="JAX has no device"):
        with K.device_scope(f"gpu:{len(GPUS)}"):
            pass


def test_convert_to_numpy_of_gpu_arrays(K):
    with K.device_scope("gpu:0"):
        x = K.multiply(K.arange(4, dtype="float32"), 2.0)
        half = K.ones((2,), "bfloat16")
    out = K.convert_to_numpy(x)
    assert isinstance(out, np.ndarray) and out.dtype == np.float32 and out.flags.writeable
    np.testing.assert_array_equal(out, [0, 2, 4, 6])
    assert K.convert_to_numpy(half).dtype == np.float32


def _model_loss(params, x):
    """conv (same, stride 2) -> relu -> max_pool -> matmul, summed; exercises conv, pool and dot on device."""
    hidden = ops.relu(ops.conv(x, params["kernel"], strides=2, padding="same"))
    pooled = ops.max_pool(hidden, 2, padding="same")
    flat = ops.reshape(pooled, (ops.shape(pooled)[0], -1))
    return ops.mean(ops.square(ops.matmul(flat, params["dense"])))


def _inputs():
    rng = np.random.default_rng(0)
    x = rng.normal(size=(8, 16, 16, 3)).astype(np.float32)
    params = {"kernel": (rng.normal(size=(3, 3, 3, 8)) / np.sqrt(27)).astype(np.float32),
              "dense": (rng.normal(size=(4 * 4 * 8, 5)) / np.sqrt(128)).astype(np.float32)}
    return x, params


def _value_and_grads_on(K, device):
    x, params = _inputs()
    put = lambda a: jax.device_put(a, device)  # noqa: E731
    fn = K.compile(K.value_and_grad(_model_loss))
    value, grads = fn(jax.tree_util.tree_map(put, params), put(x))
    assert value.devices() == {device}
    return float(value), {k: K.convert_to_numpy(v) for k, v in grads.items()}


def _assert_close(gpu, cpu, tol):
    value_gpu, grads_gpu = gpu
    value_cpu, grads_cpu = cpu
    np.testing.assert_allclose(value_gpu, value_cpu, rtol=tol)
    for name in grads_cpu:
        scale = np.abs(grads_cpu[name]).max()
        np.testing.assert_allclose(grads_gpu[name], grads_cpu[name], rtol=tol, atol=tol * scale, err_msg=name)


def test_conv_pool_matmul_forward_and_grad_match_cpu(K):
    cpu = _value_and_grads_on(K, jax.devices("cpu")[0])
    _assert_close(_value_and_grads_on(K, GPUS[0]), cpu, TF32_TOL)
    with jax.default_matmul_precision("float32"):
        _assert_close(_value_and_grads_on(K, GPUS[0]), cpu, FP32_TOL)


def test_seeded_random_and_donation_on_gpu(K):
    draw = K.compile(lambda seed: K.random_uniform((64,), seed))
    with K.device_scope("gpu:0"):
        seed = lambda v: K.convert_to_tensor(np.array([v, 0], np.int32))  # noqa: E731
        a, b, a_again = (K.convert_to_numpy(draw(seed(v))) for v in (1, 2, 1))
        np.testing.assert_array_equal(a, a_again)
        assert not np.array_equal(a, b)
        with K.device_scope("cpu"):
            on_cpu = K.convert_to_numpy(K.random_uniform((64,), K.convert_to_tensor(np.array([1, 0], np.int32))))
        np.testing.assert_allclose(a, on_cpu, rtol=1e-6)  # threefry bits do not depend on the device
        step = K.compile(lambda state: [ops.add(s, 1.0) for s in state], donate_argnums=(0,))
        state = [K.zeros((1024,))]
        old = state[0]
        state = step(state)
        assert old.is_deleted() and _platform(state[0]) == "gpu"
