"""JAX-backend checks of what only JAX has: conversion to and from ``jax.Array``, 32-bit mode
(64-bit requests raise instead of narrowing) and ``KERAFRONT_JAX_ENABLE_X64``, weak types, errors
raised inside ``jax.jit``, seeds and buffer donation under ``compile``, eager creation ops, the
compilation cache, devices, import hygiene and the compiled fit loop.

Every spec rule (values, dtypes and promotion, errors, gradients, conv/pool geometry) is checked
on every backend by conformance_tests/.
"""

import os
import subprocess
import sys

import numpy as np
import pytest

jax = pytest.importorskip("jax")
jnp = pytest.importorskip("jax.numpy")

import kerafront  # noqa: E402
from kerafront import ops  # noqa: E402


@pytest.fixture(autouse=True)
def jax_backend():
    with kerafront.backend_scope("jax") as module:
        yield module


@pytest.fixture
def K(jax_backend):
    return jax_backend


def _np(x):
    return ops.convert_to_numpy(x)


# ----------------------------------------------------------------------------------------------
# Conversion, 32-bit mode and weak types


def test_convert_passes_jax_arrays_through_and_stacks_jax_scalars(K):
    x = jnp.ones(3)
    assert K.convert_to_tensor(x) is x
    assert K.dtype(K.convert_to_tensor(x, "bfloat16")) == "bfloat16"
    stacked = K.convert_to_tensor([jnp.float32(1.0), jnp.float32(2.0)])
    np.testing.assert_array_equal(_np(stacked), [1.0, 2.0])


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


def test_numpy_int64_data_narrows_to_int32_only_when_every_value_fits(K):
    """NumPy's default integers (ids, labels) work as Keras on JAX takes them; a value past int32 is refused,
    where jnp.asarray would wrap it."""
    if K.x64_enabled():
        pytest.skip("checks the x64-off narrowing; this process runs with JAX's x64 mode on")
    ids = K.convert_to_tensor(np.array([[1, 2], [-3, 2**31 - 1]]))
    assert K.dtype(ids) == "int32" and K.convert_to_numpy(ids).tolist() == [[1, 2], [-3, 2**31 - 1]]
    assert K.dtype(K.convert_to_tensor(np.array([], dtype=np.int64))) == "int32"
    with pytest.raises(TypeError, match="KERAFRONT_JAX_ENABLE_X64"):
        K.convert_to_tensor(np.array([2**40]))
    with pytest.raises(TypeError, match="KERAFRONT_JAX_ENABLE_X64"):
        K.convert_to_tensor(np.array([1]), dtype="int64")   # an explicit 64-bit request still raises


def test_np_float64_scalars_are_weak_like_python_floats(K):
    """JAX's own convention (np.float64 subclasses float); the spec makes only Python scalars weak."""
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


def test_weakly_typed_jax_arrays_promote_like_the_python_scalars_they_came_from(K):
    weak = jnp.asarray(2.0)
    assert weak.weak_type
    assert K.dtype(K.add(weak, K.ones((2,), "float16"))) == "float16"
    assert K.dtype(K.multiply(K.ones((2,), "int8"), jnp.asarray(3))) == "int8"
    assert K.dtype(K.multiply(K.ones((2,), "int8"), weak)) == "float32"
    scaled = K.compile(lambda x, s: K.multiply(x, s))(K.ones((2,), "bfloat16"), 0.5)  # s is traced, weak
    assert K.dtype(scaled) == "bfloat16"


# ----------------------------------------------------------------------------------------------
# Errors inside jax.jit, random seeds, compile


def test_errors_inside_jit_and_for_missing_devices_are_kerafront_errors(K):
    with pytest.raises(ValueError, match=r"grad: .*shape \(4,\)"):
        K.compile(ops.grad(lambda x: x))(K.ones((4,)))
    with pytest.raises(ValueError, match="device_scope: JAX has no device 'gpu:99'"):
        K.device_scope("gpu:99").__enter__()


def test_int_seeds_beyond_32_bits_and_integer_uniform_samples(K):
    big = _np(K.random_uniform((4,), 2**40 + 1))
    assert not np.array_equal(big, _np(K.random_uniform((4,), 1)))
    ints = _np(K.random_uniform((100,), 0, 2, 5, dtype="int32"))
    assert ints.dtype == np.int32 and ints.min() >= 2 and ints.max() <= 4


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
# Devices, import, creation, compilation cache and fit


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
    assert compiled._host_batches
    eager, eager_logs, eager_evaluated = run(run_eagerly=True)
    assert not eager._host_batches
    # Keras 3's order: an epoch's logs sorted by name, then the validation logs.
    assert list(logs) == list(eager_logs) == ["accuracy", "loss", "mse", "val_accuracy", "val_loss", "val_mse"]
    for key in logs:
        np.testing.assert_allclose(logs[key], eager_logs[key], rtol=1e-5, atol=1e-6, err_msg=key)
    np.testing.assert_allclose(evaluated, eager_evaluated, rtol=1e-5, atol=1e-6)
    # After a reset the cached step results are not reused: a fresh evaluate on other data differs.
    other = compiled.evaluate(x[:8], y[:8], verbose=0, return_dict=True)
    assert other == compiled.evaluate(x[:8], y[:8], verbose=0, return_dict=True)
    assert other["loss"] != pytest.approx(evaluated[0])
