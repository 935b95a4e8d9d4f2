"""GPU checks of the torch backend; the whole module skips unless torch sees a CUDA device.

Covers: default placement on the first GPU and ``KERAFRONT_DEVICE`` (in subprocesses, since the
variable is read at import), ``device_scope``, NumPy inputs following their partner's device,
``convert_to_numpy`` of CUDA tensors, seeded random on the CUDA generator, and a conv/pool/matmul
forward + gradient on GPU against CPU. cuDNN convolutions use TF32 by default in torch
(``torch.backends.cudnn.allow_tf32``), torch matmuls do not (``torch.backends.cuda.matmul.allow_tf32``);
the tolerances follow whichever flag is on.
"""

import os
import subprocess
import sys

import numpy as np
import pytest

torch = pytest.importorskip("torch")
if not torch.cuda.is_available():
    pytest.skip("no CUDA device visible to torch", allow_module_level=True)

import kerafront  # noqa: E402

TF32_TOL = 5e-3  # TF32 keeps 10 mantissa bits: ~5e-4 per product, more after accumulation
FP32_TOL = 1e-4


@pytest.fixture(autouse=True)
def K():
    with kerafront.backend_scope("torch") as module:
        yield module


def _run(code, **env):
    full_env = {k: v for k, v in os.environ.items() if k != "KERAFRONT_DEVICE"}
    full_env.update(KERAFRONT_BACKEND="torch", **env)
    done = subprocess.run([sys.executable, "-c", code], env=full_env, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    return done.stdout.split()


def test_default_device_is_the_first_gpu_and_env_overrides_it():
    code = ("import numpy as np, kerafront; from kerafront import ops; import kerafront_torch as K; "
            "print(K.default_device(), ops.zeros((2,)).device, ops.convert_to_tensor(np.ones(2)).device)")
    assert _run(code) == ["gpu:0", "cuda:0", "cuda:0"]
    assert _run(code, KERAFRONT_DEVICE="cpu") == ["cpu", "cpu", "cpu"]
    last = f"gpu:{torch.cuda.device_count() - 1}"
    assert _run(code, KERAFRONT_DEVICE=last)[0] == last


def test_device_scope_places_new_tensors(K):
    assert "gpu:0" in K.list_devices()
    with K.device_scope("cpu"):
        assert K.default_device() == "cpu"
        assert K.ones((2,)).device.type == "cpu"
        assert K.random_normal((2,), 1).device.type == "cpu"
    with K.device_scope("gpu:0"):
        assert K.ones((2,)).device == torch.device("cuda", 0)
        assert K.arange(3).device.type == "cuda"
        assert K.convert_to_tensor([1.0, 2.0]).device.type == "cuda"
    with pytest.raises(ValueError, match="not available"):
        with K.device_scope(f"gpu:{torch.cuda.device_count()}"):
            pass


def test_numpy_operands_follow_the_tensor_device(K):
    with K.device_scope("gpu:0"):
        x = K.ones((3,))
    with K.device_scope("cpu"):
        out = K.add(x, np.arange(3, dtype=np.float32))
    assert out.device.type == "cuda"
    np.testing.assert_array_equal(K.convert_to_numpy(out), [1, 2, 3])


def test_convert_to_numpy_of_cuda_tensors(K):
    x = torch.arange(4.0, device="cuda", requires_grad=True)
    out = K.convert_to_numpy(x * 2)
    assert isinstance(out, np.ndarray) and out.dtype == np.float32
    np.testing.assert_array_equal(out, [0, 2, 4, 6])
    half = K.convert_to_numpy(torch.ones(2, dtype=torch.bfloat16, device="cuda"))
    assert half.dtype == np.float32 and half.tolist() == [1.0, 1.0]
    assert K.convert_to_numpy(torch.tensor([3], dtype=torch.int32, device="cuda")).dtype == np.int32


def test_random_on_gpu_is_reproducible_and_follows_tensor_seeds(K):
    with K.device_scope("gpu:0"):
        seed = K.convert_to_tensor(np.array([4, 2], np.int32))
        a, b = K.random_uniform((6,), seed), K.random_uniform((6,), seed)
        other = K.random_uniform((6,), K.convert_to_tensor(np.array([4, 3], np.int32)))
        shuffled = K.random_shuffle(K.arange(10), 5)
    assert a.device.type == "cuda" and shuffled.device.type == "cuda"
    np.testing.assert_array_equal(K.convert_to_numpy(a), K.convert_to_numpy(b))
    assert not np.array_equal(K.convert_to_numpy(a), K.convert_to_numpy(other))
    assert sorted(K.convert_to_numpy(shuffled).tolist()) == list(range(10))


def _cnn_loss_and_grads(K, device, x, kernel1, kernel2, dense, labels):
    with K.device_scope(device):
        inputs = [K.convert_to_tensor(a) for a in (x, kernel1, kernel2, dense)]
        y = K.convert_to_tensor(labels)

        def loss(params, images):
            k1, k2, w = params
            h = K.relu(K.conv(images, k1, padding="same", strides=2))
            h = K.max_pool(h, 2, padding="same")
            h = K.average_pool(K.relu(K.conv(h, k2)), 2, strides=1, padding="same")
            logits = K.matmul(K.reshape(h, (h.shape[0], -1)), w)
            return K.mean(K.sparse_categorical_crossentropy(y, logits, from_logits=True)), logits

        (value, logits), grads = K.value_and_grad(loss, has_aux=True)(inputs[1:], inputs[0])
    assert value.device.type == ("cuda" if device.startswith("gpu") else "cpu")
    return [K.convert_to_numpy(t) for t in [value, logits, *grads]]


def test_conv_pool_matmul_forward_and_grad_match_cpu(K):
    rng = np.random.default_rng(0)
    x = rng.normal(size=(8, 16, 16, 3)).astype(np.float32)  # -> 8x8 -> 4x4 -> 2x2 (x8 channels)
    kernel1 = (rng.normal(size=(4, 4, 3, 16)) * 0.2).astype(np.float32)
    kernel2 = (rng.normal(size=(3, 3, 16, 8)) * 0.2).astype(np.float32)
    dense = (rng.normal(size=(2 * 2 * 8, 5)) * 0.2).astype(np.float32)
    labels = rng.integers(0, 5, 8).astype(np.int32)
    gpu = _cnn_loss_and_grads(K, "gpu:0", x, kernel1, kernel2, dense, labels)
    cpu = _cnn_loss_and_grads(K, "cpu", x, kernel1, kernel2, dense, labels)
    tf32 = torch.backends.cudnn.allow_tf32 or torch.backends.cuda.matmul.allow_tf32
    tol = TF32_TOL if tf32 else FP32_TOL
    for name, a, b in zip(["loss", "logits", "d_kernel1", "d_kernel2", "d_dense"], gpu, cpu):
        np.testing.assert_allclose(a, b, rtol=tol, atol=tol * max(np.abs(b).max(), 1e-6), err_msg=name)


def test_matmul_without_tf32_matches_cpu_closely(K):
    if torch.backends.cuda.matmul.allow_tf32:
        pytest.skip("TF32 matmuls are enabled in this process")
    rng = np.random.default_rng(1)
    a, b = rng.normal(size=(64, 96)).astype(np.float32), rng.normal(size=(96, 32)).astype(np.float32)
    with K.device_scope("gpu:0"):
        gpu = K.convert_to_numpy(K.matmul(a, b))
    np.testing.assert_allclose(gpu, a @ b, rtol=FP32_TOL, atol=FP32_TOL * np.abs(a @ b).max())
