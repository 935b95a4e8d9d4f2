"""Data parallelism on JAX (``jax.sharding``) with 4 virtual CPU devices, in one worker process.

Every distributed run is compared with the single-device run of the same model on the same global
batches (SGD, fixed data, no shuffle): weights, per-step and per-epoch losses, evaluate, predict.
The reference for per-replica BatchNormalization is NumPy's closed form, and checkpoints cross
between the distributed worker and this plain NumPy process.
"""

import socket
import subprocess
import sys

import numpy as np
import pytest

import _jax_worker as worker
from _util import HERE, run_worker, worker_env

pytest.importorskip("jax")

RTOL, ATOL = 1e-5, 1e-6


@pytest.fixture(scope="module")
def results(tmp_path_factory):
    import kerafront as keras
    out = tmp_path_factory.mktemp("jax_distribution")
    plain = worker.build_model(keras)      # NumPy: a plain run's checkpoint for the worker to load
    worker.train(keras, plain)
    plain.save(out / "plain.keras")
    x, _ = worker.data()
    run_worker(["_jax_worker.py", out], timeout=900, KERAFRONT_BACKEND="jax",
               XLA_FLAGS="--xla_force_host_platform_device_count=4")
    with np.load(out / "results.npz") as saved:
        found = dict(saved)
    return {"out": out, "plain_predict": plain.predict(x, batch_size=worker.BATCH, verbose=0), **found}


def _assert_same_run(results, run, reference):
    keys = [k.split("/", 1)[1] for k in results if isinstance(k, str) and k.startswith(reference + "/")]
    assert {"losses", "epoch_loss", "evaluate", "predict", "w0"} <= set(keys)
    for key in keys:
        np.testing.assert_allclose(results[f"{run}/{key}"], results[f"{reference}/{key}"], rtol=RTOL, atol=ATOL,
                                   err_msg=f"{run} vs {reference}: {key}")


def test_four_devices(results):
    assert list(results["devices"]) == ["cpu:0", "cpu:1", "cpu:2", "cpu:3"]


@pytest.mark.parametrize("run", ["dp4", "dp2"])
def test_data_parallel_training_equals_single_device(results, run):
    _assert_same_run(results, run, "single")


def test_steps_per_execution_under_distribution(results):
    """Two steps per call: the batch logs come at the end of each call (steps 1, 2 of each epoch)."""
    np.testing.assert_allclose(results["dp4_spe/losses"], results["single/losses"][[1, 2, 4, 5]], rtol=RTOL)
    results = {k: v for k, v in results.items() if not k.endswith("/losses")}
    results["dp4_spe/losses"] = results["single/losses"] = np.zeros(1)
    _assert_same_run(results, "dp4_spe", "single")


def test_losses_are_the_global_batch_means(results):
    """The logged loss is a running mean over the global batches: 3 steps per epoch, 2 epochs."""
    assert results["dp4/losses"].shape == (6,)
    np.testing.assert_allclose(results["dp4/epoch_loss"], results["dp4/losses"][[2, 5]], rtol=RTOL)


def test_batches_are_sharded_on_the_batch_axis(results):
    """A global batch of 8 rows lies as 2 rows on each of the 4 devices."""
    assert list(results["dp4_batch_spec"]) == ["batch"]
    assert list(results["dp4_batch_shard_rows"]) == [2, 2, 2, 2]


def test_distribute_tensor_lays_out_eagerly_and_inside_a_compiled_function(results):
    """A (3, 8) tensor split along its columns on 4 devices: shards of (3, 2); compiled: a constraint only."""
    assert list(results["distribute_tensor/shard_shape"]) == [3, 2]
    np.testing.assert_array_equal(results["distribute_tensor/compiled"], 2.0 * np.arange(24.0).reshape(3, 8))


def test_synchronized_batch_normalization_equals_single_device(results):
    _assert_same_run(results, "dp4_bn", "single_bn")


def test_loss_scaling_skips_a_step_when_one_shard_overflows(results):
    """``_loss_scale``'s case on 4 devices (row 5 in device 2's shard): the global gradients overflow,
    so the step is skipped; the weights are plain SGD's on the batches that are applied."""
    assert (float(results["dp4_lso/scale"]), int(results["dp4_lso/counter"])) == (2.0 ** 13, 2)
    assert int(results["dp4_lso/iterations"]) == 4
    for key in ("w0", "w1"):
        np.testing.assert_allclose(results[f"dp4_lso/{key}"], results[f"reference_lso/{key}"], rtol=RTOL, atol=ATOL)


def test_a_custom_train_step_distributes(results):
    _assert_same_run(results, "dp4_custom", "single_custom")


def test_per_replica_batch_normalization_matches_the_closed_form(results):
    """synchronized=False on 2 replicas: rows 0-3 and 4-7 each normalized with their own biased
    moments (epsilon 1e-3 inside the root); the moving statistics (momentum 0.9, from 0 and 1)
    absorb the mean over replicas of the per-replica moments."""
    x, _ = worker.data()
    halves = [x[:4], x[4:8]]
    means = [h.mean(axis=0) for h in halves]
    variances = [h.var(axis=0) for h in halves]
    expected = np.concatenate([(h - m) / np.sqrt(v + 1e-3) for h, m, v in zip(halves, means, variances)])
    np.testing.assert_allclose(results["dp2_bn_layer/outputs"], expected, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(results["dp2_bn_layer/moving_mean"], 0.1 * np.mean(means, axis=0), rtol=1e-5,
                               atol=1e-7)
    np.testing.assert_allclose(results["dp2_bn_layer/moving_variance"], 0.9 + 0.1 * np.mean(variances, axis=0),
                               rtol=1e-5)


def test_model_parallel_shards_the_kernels_and_trains_as_one_device(results):
    """A (2, 2) mesh: the batch split in 2, Dense kernels and biases split in 2 along their units."""
    _assert_same_run(results, "mp", "single_units4")
    assert list(results["mp_kernel_spec"]) == ["None", "model"]
    assert list(results["mp_kernel_shard_shape"]) == [3, 2]


def test_checkpoint_from_a_distributed_run_loads_in_a_plain_run(results):
    import kerafront as keras
    x, _ = worker.data()
    model = keras.saving.load_model(results["out"] / "distributed.keras")
    np.testing.assert_allclose(model.predict(x, batch_size=worker.BATCH, verbose=0), results["dp4_saved/predict"],
                               rtol=RTOL, atol=ATOL)


def test_checkpoint_from_a_plain_run_loads_under_distribution(results):
    np.testing.assert_allclose(results["dp4_loaded/predict"], results["plain_predict"], rtol=RTOL, atol=ATOL)


def _free_port():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def test_two_processes_train_as_one_device(results, tmp_path):
    """``initialize`` joins 2 processes of 2 CPU devices each (jax.distributed, gloo); both pass the
    same global data and end with the single-device weights and logs; only process 0 checkpoints."""
    env = worker_env(KERAFRONT_BACKEND="jax", JAX_PLATFORMS="cpu", XLA_FLAGS="--xla_force_host_platform_device_count=2")
    port = _free_port()
    processes = [subprocess.Popen([sys.executable, "_jax_multiprocess_worker.py", str(i), str(port), str(tmp_path)],
                                  cwd=HERE, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
                 for i in range(2)]
    try:
        outputs = [process.communicate(timeout=600)[0] for process in processes]
    finally:
        for process in processes:
            if process.poll() is None:
                process.kill()
    for process, output in zip(processes, outputs):
        assert process.returncode == 0, output[-6000:]
    for i in range(2):
        with np.load(tmp_path / f"process{i}.npz") as saved:
            found = dict(saved)
        assert len(set(found["devices"])) == 4 and all(d.startswith("cpu:") for d in found["devices"])
        assert list(found["process_count"]) == [2, 4]
        assert bool(found["is_chief"]) == bool(found["is_chief_under_distribution"]) == (i == 0)
        for key in ("losses", "epoch_loss", "evaluate", "predict", "w0", "w1", "w2", "w3"):
            np.testing.assert_allclose(found[f"run/{key}"], results[f"single/{key}"], rtol=RTOL, atol=ATOL,
                                       err_msg=f"process {i}: {key}")
    assert (tmp_path / "ckpt0.keras").exists() and not (tmp_path / "ckpt1.keras").exists()
