"""TensorFlow-backend checks of what only TensorFlow has: conversion to and from ``tf.Tensor``,
integer division by zero (TensorFlow's own kernel fails), ``tf.function`` under ``compile``
(tracing counts, a generalized batch dimension, the cached fast path, gradients through it), XLA
behind ``KERAFRONT_TF_XLA``, devices and a quiet import. TensorFlow is imported once per process
(module-level importorskip).

Every spec rule (values, dtypes and promotion, errors, gradients, conv/pool geometry) is checked
on every backend by conformance_tests/.
"""

import os
import subprocess
import sys

import numpy as np
import pytest

# Import TensorFlow through the backend (once per process): it skips Keras and JAX, which a plain
# ``import tensorflow`` would pull in.
tf = pytest.importorskip("kerafront_tensorflow").tf

import kerafront  # noqa: E402
from kerafront import ops  # noqa: E402


@pytest.fixture(autouse=True)
def K():
    with kerafront.backend_scope("tensorflow") as module:
        yield module


def _np(x):
    return ops.convert_to_numpy(x)


def _rand(*shape, seed=0):
    return np.random.default_rng(seed).standard_normal(shape).astype(np.float32)


# ----------------------------------------------------------------------------------------------
# Conversion and kernels TensorFlow lacks


def test_convert_passes_tf_tensors_through_and_takes_lists_holding_them(K):
    x = tf.ones(3)
    assert K.convert_to_tensor(x) is x
    assert K.dtype(K.convert_to_tensor(x, "bfloat16")) == "bfloat16"
    mixed = K.convert_to_tensor([tf.constant(1.0), 2])
    assert K.dtype(mixed) == "float32" and _np(mixed).tolist() == [1.0, 2.0]


def test_integer_floor_divide_by_zero_gives_zero_as_numpy_does(K):
    a = np.array([-7, 7, 0], dtype=np.int32)
    np.testing.assert_array_equal(_np(K.floor_divide(a, np.zeros_like(a))), [0, 0, 0])


# ----------------------------------------------------------------------------------------------
# tf.function and XLA


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
        np.testing.assert_allclose(_np(ops.grad(square_sum)(K.convert_to_tensor([1.0, 2.0]))), [2.0, 4.0])


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
