"""Data parallelism on TensorFlow: ``MirroredStrategy`` over 2 logical CPU devices in one process, and
``MultiWorkerMirroredStrategy`` over 2 processes on 127.0.0.1.

Every distributed run is compared with the single-device run of the same model on the same global
batches (SGD, fixed data, no shuffle): weights, per-step and per-epoch losses, evaluate, predict.
Per-replica BatchNormalization is checked against its closed form; checkpoints cross between the
distributed workers and this plain NumPy process.
"""

import socket
import subprocess
import sys

import numpy as np
import pytest

import _jax_worker as model_code
from _util import HERE, run_worker, worker_env

pytest.importorskip("tensorflow")

RTOL, ATOL = 1e-5, 1e-6


@pytest.fixture(scope="module")
def results(tmp_path_factory):
    import kerafront as keras
    out = tmp_path_factory.mktemp("tf_distribution")
    plain = model_code.build_model(keras)
    model_code.train(keras, plain)
    plain.save(out / "plain.keras")
    x, _ = model_code.data()
    run_worker(["_tf_worker.py", out], timeout=600, KERAFRONT_BACKEND="tensorflow", KERAFRONT_TF_LOGICAL_CPUS=2)
    with np.load(out / "results.npz") as saved:
        found = dict(saved)
    return {"out": out, "x": x, "plain_predict": plain.predict(x, batch_size=model_code.BATCH, verbose=0), **found}


def _assert_same_run(results, run, reference, prefix=""):
    keys = [k.split("/", 1)[1] for k in results if isinstance(k, str) and k.startswith(reference + "/")]
    assert {"losses", "epoch_loss", "evaluate", "predict", "w0"} <= set(keys)
    for key in keys:
        np.testing.assert_allclose(results[f"{prefix}{run}/{key}"], results[f"{reference}/{key}"], rtol=RTOL,
                                   atol=ATOL, err_msg=f"{run} vs {reference}: {key}")


def test_two_logical_cpus(results):
    assert list(results["devices"]) == ["cpu:0", "cpu:1"]


@pytest.mark.parametrize("run,reference", [("dp2", "single"), ("dp2_bn", "single_bn"),
                                           ("dp2_custom", "single_custom")])
def test_mirrored_training_equals_single_device(results, run, reference):
    """Plain, with BatchNormalization(synchronized=True), and with a custom train_step whose logs read
    the loss tracker it just updated."""
    _assert_same_run(results, run, reference)


def test_loss_scaling_skips_a_step_on_every_replica_when_one_overflows(results):
    """Only replica 1's shard overflows (``_loss_scale``): the step is skipped on both replicas as on
    one device; the weights are plain SGD's on the batches that are applied."""
    for run in ("single_lso", "dp2_lso"):
        assert (float(results[f"{run}/scale"]), int(results[f"{run}/counter"])) == (2.0 ** 13, 2), run
        assert int(results[f"{run}/iterations"]) == 4, run
        for key in ("w0", "w1"):
            np.testing.assert_allclose(results[f"{run}/{key}"], results[f"reference_lso/{key}"], rtol=RTOL, atol=ATOL,
                                       err_msg=f"{run}: {key}")
    np.testing.assert_allclose(results["dp2_lso/losses"], results["single_lso/losses"], rtol=RTOL)


def test_backup_and_restore_resumes_an_interrupted_mirrored_fit(results):
    """Interrupted at the end of epoch 0, resumed at epoch 1 from the backup by a model with zero
    weights: the weights of the uninterrupted single-device run; the backup is removed at the end."""
    assert list(results["dp2_backup/epochs"]) == [1]
    assert bool(results["dp2_backup/backed_up"]) and bool(results["dp2_backup/removed"])
    for i in range(4):
        np.testing.assert_allclose(results[f"dp2_backup/w{i}"], results[f"single/w{i}"], rtol=RTOL, atol=ATOL,
                                   err_msg=f"w{i}")


def test_steps_per_execution_under_mirrored_strategy(results):
    np.testing.assert_allclose(results["dp2_spe/losses"], results["single/losses"][[1, 2, 4, 5]], rtol=RTOL)
    for key in ("epoch_loss", "evaluate", "predict", "w0", "w3"):
        np.testing.assert_allclose(results[f"dp2_spe/{key}"], results[f"single/{key}"], rtol=RTOL, atol=ATOL)


def test_predictions_of_uneven_shards_come_back_in_row_order(results):
    np.testing.assert_allclose(results["dp2_uneven/predict"], results["dp2_saved/predict"], rtol=RTOL, atol=ATOL)


def test_per_replica_batch_normalization_moving_statistics(results):
    """synchronized=False: each replica normalizes with its own 4 rows; the moving averages absorb the
    mean over replicas of the per-replica mean and biased variance (momentum 0.9, from 0 and 1)."""
    x = results["x"][:8].astype("float64")
    halves = (x[:4], x[4:])
    mean = np.mean([h.mean(axis=0) for h in halves], axis=0)
    variance = np.mean([h.var(axis=0) for h in halves], axis=0)
    np.testing.assert_allclose(results["dp2_bn_layer/moving_mean"], 0.1 * mean, rtol=1e-5, atol=1e-7)
    np.testing.assert_allclose(results["dp2_bn_layer/moving_variance"], 0.9 + 0.1 * variance, rtol=1e-5)


def test_checkpoints_cross_between_distributed_and_plain_runs(results):
    import kerafront as keras
    restored = keras.saving.load_model(results["out"] / "distributed.keras")
    np.testing.assert_allclose(restored.predict(results["x"], batch_size=model_code.BATCH, verbose=0),
                               results["dp2_saved/predict"], rtol=RTOL, atol=ATOL)
    np.testing.assert_allclose(results["dp2_loaded/predict"], results["plain_predict"], rtol=RTOL, atol=ATOL)


def _free_port():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def test_two_worker_processes_equal_single_device(tmp_path):
    """MultiWorkerMirroredStrategy over 2 processes (TF_CONFIG built by initialize from 127.0.0.1
    addresses): both workers end with the single-device weights and logs; only the chief checkpoints."""
    import kerafront as keras
    addresses = ",".join(f"127.0.0.1:{_free_port()}" for _ in range(2))
    env = worker_env(KERAFRONT_BACKEND="tensorflow")
    workers = [subprocess.Popen([sys.executable, "_tf_multiworker_worker.py", str(tmp_path), str(rank), addresses],
                                cwd=HERE, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
               for rank in range(2)]
    outputs = []
    for worker in workers:
        try:
            outputs.append(worker.communicate(timeout=420)[0])
        except subprocess.TimeoutExpired:
            for other in workers:
                other.kill()
            pytest.fail("the TensorFlow workers did not finish within 420 s")
    assert all(w.returncode == 0 for w in workers), "\n".join(o[-3000:] for o in outputs)
    reference = model_code.train(keras, model_code.build_model(keras))
    for rank in range(2):
        with np.load(tmp_path / f"worker{rank}.npz") as saved:
            found = dict(saved)
        assert list(found["devices"]) == ["cpu:0", "cpu:1"] and bool(found["is_chief"]) == (rank == 0)
        for key, value in reference.items():
            np.testing.assert_allclose(found[f"dp/{key}"], value, rtol=RTOL, atol=ATOL, err_msg=f"worker {rank}: {key}")
    assert (tmp_path / "ckpt0.keras").exists() and not (tmp_path / "ckpt1.keras").exists()
    restored = keras.saving.load_model(tmp_path / "ckpt0.keras")
    assert len(restored.get_weights()) == 4


def test_model_parallel_is_refused_with_the_reason():
    code = ("import kerafront as k; from kerafront import distribution as d\n"
            "m = d.LayoutMap(d.DeviceMesh((1, 2), ['batch', 'model']))\n"
            "m['.*kernel'] = (None, 'model')\n"
            "try:\n    with d.ModelParallel(layout_map=m).scope():\n        k.Sequential([k.Input((2,)), k.layers.Dense(2)])"
            ".compile(loss='mse').__class__\n        d.active_engine()\nexcept ValueError as e:\n    print('refused:', e)\n")
    done = subprocess.run([sys.executable, "-c", code], env=worker_env(KERAFRONT_BACKEND="tensorflow",
                                                                        KERAFRONT_TF_LOGICAL_CPUS=2),
                          capture_output=True, text=True, timeout=300)
    assert "refused:" in done.stdout and "JAX" in done.stdout, done.stdout + done.stderr[-2000:]
