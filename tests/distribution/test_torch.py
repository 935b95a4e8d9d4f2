"""Data parallelism on torch: 2 processes under torchrun (gloo, 127.0.0.1) train as one device does.

One module fixture launches ``_torch_worker.py`` twice (bounded by a timeout): alone (the reference:
one device on each global batch) and under ``python -m torch.distributed.run --nproc_per_node=2``
with ``DataParallel``. Every case (see the worker's docstring) writes its losses, weights,
evaluate and predict results per rank; the tests compare them with the reference, the engine's
collectives with closed forms, Keras's default per-replica BatchNormalization with a plain
torch computation of it, dynamic loss scaling with plain SGD on the batches it applies, and a
resumed ``BackupAndRestore`` run with the uninterrupted one.
"""

import os
import socket
import subprocess
import sys

import numpy as np
import pytest

torch = pytest.importorskip("torch")
if not (torch.distributed.is_available() and torch.distributed.is_gloo_available()):
    pytest.skip("torch.distributed with gloo is not available", allow_module_level=True)

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
WORKER = os.path.join(os.path.dirname(os.path.abspath(__file__)), "_torch_worker.py")
TIMEOUT_S = 180
RTOL, ATOL = 1e-5, 1e-6


def _free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _environment():
    env = dict(os.environ, KERAFRONT_BACKEND="torch", OMP_NUM_THREADS="1",
               PYTHONPATH=os.pathsep.join([ROOT, os.environ.get("PYTHONPATH", "")]))
    for name in ("RANK", "WORLD_SIZE", "LOCAL_RANK", "MASTER_ADDR", "MASTER_PORT"):
        env.pop(name, None)
    env["KERAFRONT_DEVICE"] = "cpu"
    return env


def _run(command, out):
    done = subprocess.run(command, env=_environment(), capture_output=True, text=True, timeout=TIMEOUT_S, cwd=out)
    assert done.returncode == 0, f"{' '.join(command)} failed:\n{done.stdout[-4000:]}\n{done.stderr[-4000:]}"


def _launch(out):
    """The single-device reference run, then the 2-process run (both write into ``out``)."""
    _run([sys.executable, WORKER, "single", str(out)], out)
    _run([sys.executable, "-m", "torch.distributed.run", "--nproc_per_node=2", "--nnodes=1", "--master_addr=127.0.0.1",
          f"--master_port={_free_port()}", WORKER, "distributed", str(out)], out)
    return out


@pytest.fixture(scope="module")
def out(tmp_path_factory):
    return _launch(tmp_path_factory.mktemp("torch_distributed"))


@pytest.fixture(scope="module")
def out_addresses(out):
    """2 plain processes joined through Keras's KERAS_DISTRIBUTION_* variables (no torchrun)."""
    folder = out / "addresses"
    folder.mkdir()
    env = _environment()
    env.update(KERAS_DISTRIBUTION_JOB_ADDRESSES=f"127.0.0.1:{_free_port()}", KERAS_DISTRIBUTION_NUM_PROCESSES="2")
    processes = [subprocess.Popen([sys.executable, WORKER, "addresses", str(folder)], cwd=folder,
                                  env=dict(env, KERAS_DISTRIBUTION_PROCESS_ID=str(r)),
                                  stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True) for r in range(2)]
    try:
        logs = [p.communicate(timeout=TIMEOUT_S)[0] for p in processes]
    finally:
        for p in processes:
            p.kill()
    assert all(p.returncode == 0 for p in processes), "\n".join(log[-3000:] for log in logs)
    return folder


def _load(out, name):
    return dict(np.load(os.path.join(out, f"{name}.npz")))


def test_collectives_match_closed_forms(out):
    for r in range(2):
        got = _load(out, f"primitives_rank{r}")
        assert got["world"] == 2 and got["buckets"] == 3   # DDP's buckets, reversed: float | int32 | 1.2 MB + 12 B
        np.testing.assert_array_equal(got["reduced0"], np.full(3, 1.0 + 2.0))
        np.testing.assert_array_equal(got["reduced1"], np.arange(300_000, dtype=np.float32) * 3)
        np.testing.assert_array_equal(got["reduced2"], np.full((2, 2), 3, np.int32))
        np.testing.assert_array_equal(got["reduced3"], np.full(4, 10.0))
        # weighted by each replica's count (1 and 2): (1 * t_0 + 2 * t_1) / 3
        np.testing.assert_allclose(got["weighted0"], np.full(3, (1 * 1.0 + 2 * 2.0) / 3), rtol=1e-6)
        np.testing.assert_allclose(got["weighted1"], np.full(4, (1 * 0.0 + 2 * 10.0) / 3), rtol=1e-6)
        # rank 0's values everywhere
        np.testing.assert_array_equal(got["broadcast0"], np.full(3, 1.0))
        np.testing.assert_array_equal(got["broadcast1"], np.arange(300_000, dtype=np.float32))
        np.testing.assert_array_equal(got["broadcast2"], np.full((2, 2), 1, np.int32))
        np.testing.assert_array_equal(got["broadcast3"], np.zeros(4))
        # total = sum_s (s + 1) * leaf = 3 * leaf; the summed loss 2 * |total|^2 differentiates to
        # 4 * total * (r + 1) on replica r (the backward of the all-reduce sums every replica's gradient)
        np.testing.assert_array_equal(got["total"], [3.0, 6.0])
        np.testing.assert_allclose(got["grad"], 4 * np.array([3.0, 6.0]) * (r + 1), rtol=1e-6)


def _assert_same_run(got, want, label):
    np.testing.assert_allclose(got["losses"], want["losses"], rtol=RTOL, atol=ATOL, err_msg=f"{label}: losses")
    weights = sorted(k for k in want if k.startswith(("weight", "initial")))
    assert weights == sorted(k for k in got if k.startswith(("weight", "initial")))
    for key in weights:
        np.testing.assert_allclose(got[key], want[key], rtol=RTOL, atol=ATOL, err_msg=f"{label}: {key}")
    np.testing.assert_allclose(got["evaluated"], want["evaluated"], rtol=RTOL, atol=ATOL, err_msg=f"{label}: evaluate")
    np.testing.assert_allclose(got["predicted"], want["predicted"], rtol=RTOL, atol=ATOL, err_msg=f"{label}: predict")


@pytest.mark.parametrize("case, reference", [("dense", "dense"), ("dense_after", "dense"), ("custom", "custom"),
                                             ("syncbn", "syncbn")])
def test_two_replicas_train_as_one_device_on_the_global_batch(out, case, reference):
    single = _load(out, f"{reference}_single_rank0")
    assert len(single["losses"]) == 6   # 2 epochs of batches of 7, 7, 6 (shards 4/3, 4/3, 3/3)
    assert not np.allclose(single["weight0"], single["initial0"])   # training moved the weights
    for r in range(2):
        got = _load(out, f"{case}_distributed_rank{r}")
        _assert_same_run(got, single, f"{case}, rank {r}")
        # 6 steps; the 4 gradients reduced during backward (none left for Optimizer.apply), or all in apply
        np.testing.assert_array_equal(got["after_backward"], [4 if case == "dense_after" else 0] * 6)


def test_processes_joined_by_job_addresses_train_as_one_device(out, out_addresses):
    """initialize(job_addresses, num_processes, process_id) from Keras's variables: how processes on
    several machines join without torchrun."""
    for r in range(2):
        assert _load(out_addresses, f"primitives_rank{r}")["world"] == 2
        _assert_same_run(_load(out_addresses, f"dense_addresses_rank{r}"), _load(out, "dense_single_rank0"),
                         f"job addresses, rank {r}")


def _per_replica_reference(initial, x, y):
    """Keras's default BatchNormalization under 2 replicas, written in plain torch: each shard is
    normalized with its own statistics, the loss is the shards' losses weighted by their rows, the
    moving statistics absorb the mean over shards of each shard's mean and biased variance."""
    k1, b1, gamma, beta, moving_mean, moving_variance, k2, b2 = [torch.tensor(w) for w in initial]
    params = [k1, b1, gamma, beta, k2, b2]
    x, y = torch.tensor(x), torch.tensor(y)

    def forward(rows, mean=None, variance=None):
        h = torch.tanh(x[rows] @ k1 + b1)
        if mean is None:
            variance, mean = torch.var_mean(h, dim=0, correction=0)
        out = (h - mean) / torch.sqrt(variance + 1e-3) * gamma + beta
        return out @ k2 + b2, mean, variance

    losses = []
    for _ in range(2):
        total = count = 0.0
        for start in range(0, len(x), 7):
            batch = np.arange(start, min(start + 7, len(x)))
            for p in params:
                p.requires_grad_(True)
            loss, means, variances = 0.0, [], []
            for shard in np.array_split(batch, 2):
                out, mean, variance = forward(shard)
                loss = loss + torch.mean((out - y[shard]) ** 2) * len(shard) / len(batch)
                means.append(mean.detach())
                variances.append(variance.detach())
            grads = torch.autograd.grad(loss, params)
            with torch.no_grad():
                params = [(p - 0.1 * g).detach() for p, g in zip(params, grads)]
            k1, b1, gamma, beta, k2, b2 = params
            moving_mean = moving_mean * 0.9 + torch.stack(means).mean(0) * 0.1
            moving_variance = moving_variance * 0.9 + torch.stack(variances).mean(0) * 0.1
            total, count = total + float(loss.detach()) * len(batch), count + len(batch)
            losses.append(total / count)
    with torch.no_grad():
        predicted = forward(np.arange(len(x)), moving_mean, moving_variance)[0]
    weights = [k1, b1, gamma, beta, moving_mean, moving_variance, k2, b2]
    return np.array(losses), [w.detach().numpy() for w in weights], predicted.numpy()


def test_batchnorm_statistics_are_per_replica_by_default(out):
    for r in range(2):
        got = _load(out, f"replicabn_distributed_rank{r}")
        initial = [got[f"initial{i}"] for i in range(8)]
        losses, weights, predicted = _per_replica_reference(initial, got["x"], got["y"])
        np.testing.assert_allclose(got["losses"], losses, rtol=RTOL, atol=ATOL)
        for i, want in enumerate(weights):
            np.testing.assert_allclose(got[f"weight{i}"], want, rtol=RTOL, atol=ATOL, err_msg=f"rank {r}, weight {i}")
        np.testing.assert_allclose(got["predicted"], predicted, rtol=RTOL, atol=ATOL)
    # per-replica statistics differ from the global batch's: the synchronized run trains otherwise
    assert not np.allclose(got["weight0"], _load(out, "syncbn_distributed_rank0")["weight0"], rtol=1e-4)


@pytest.mark.parametrize("case", ["dense", "syncbn"])
def test_only_the_chief_writes_the_checkpoint_and_it_loads_in_a_plain_run(out, case):
    import kerafront
    assert os.path.exists(os.path.join(out, f"{case}_ckpt_rank0.keras"))
    assert not os.path.exists(os.path.join(out, f"{case}_ckpt_rank1.keras"))
    model = kerafront.saving.load_model(os.path.join(out, f"{case}_ckpt_rank0.keras"))   # NumPy, one process
    got = _load(out, f"{case}_distributed_rank0")
    np.testing.assert_allclose(model.predict(got["x"], verbose=0), got["predicted"], rtol=RTOL, atol=ATOL)


@pytest.mark.parametrize("case", ["lso", "lso_after"])
def test_loss_scaling_skips_a_step_on_every_replica_when_one_overflows(out, case):
    """Only replica 1's shard overflows (``_loss_scale``); both replicas skip that step and halve the
    scale, as one device does, also when each replica's flag is taken before its gradients are
    reduced (``lso_after``). Reference: plain SGD on the batches that are applied."""
    single, reference = _load(out, "lso_single_rank0"), _load(out, "lso_reference_single_rank0")
    assert (float(single["scale"]), int(single["counter"]), int(single["iterations"])) == (2.0 ** 13, 2, 4)
    for r in range(2):
        got = _load(out, f"{case}_distributed_rank{r}")
        assert (float(got["scale"]), int(got["counter"]), int(got["iterations"])) == (2.0 ** 13, 2, 4), f"rank {r}"
        np.testing.assert_allclose(got["losses"], single["losses"], rtol=RTOL, err_msg=f"rank {r}")
        for key in ("w0", "w1"):
            np.testing.assert_allclose(got[key], reference[key], rtol=RTOL, atol=ATOL, err_msg=f"rank {r}: {key}")
            np.testing.assert_allclose(single[key], reference[key], rtol=RTOL, atol=ATOL, err_msg=f"single: {key}")


def test_backup_and_restore_resumes_an_interrupted_distributed_fit(out):
    """Every rank stops at the end of epoch 0; fresh models resume from rank 0's backup at epoch 1
    and end with the uninterrupted run's weights. Only rank 0 writes (twice: epochs 0 and 1) and
    removes the backup at the end."""
    uninterrupted = _load(out, "dense_single_rank0")
    for r in range(2):
        got = _load(out, f"backup_distributed_rank{r}")
        assert bool(got["backed_up"]) and bool(got["removed"]) and list(got["epochs"]) == [1]
        assert list(got["writes"]) == (["latest.weights.npz.tmp"] * 2 if r == 0 else [])
        for i in range(4):
            np.testing.assert_allclose(got[f"weight{i}"], uninterrupted[f"weight{i}"], rtol=RTOL, atol=ATOL,
                                       err_msg=f"rank {r}, weight {i}")


# ----------------------------------------------------------------------------------------------
# Without processes


@pytest.mark.parametrize("n", [2, 3, 7, 64])
def test_each_replica_takes_array_split_rows_of_the_global_batch(n):
    from kerafront_torch._distribute import TorchDataParallel
    x, y = np.arange(n * 2).reshape(n, 2), {"a": np.arange(n)}
    for world in (1, 2, 3):
        if n < world:
            continue
        for rank, rows in enumerate(np.array_split(np.arange(n), world)):
            bx, by, bw = TorchDataParallel(rank, world).distribute_batch(x, y, None)
            np.testing.assert_array_equal(bx, x[rows])
            np.testing.assert_array_equal(by["a"], rows)
            assert bw is None


def test_a_batch_smaller_than_the_replicas_is_a_clear_error():
    from kerafront_torch._distribute import TorchDataParallel
    with pytest.raises(ValueError, match="global batch of 1 sample.*2 replicas"):
        TorchDataParallel(0, 2).distribute_batch(np.zeros((1, 3)), None, None)


def test_a_mesh_larger_than_the_processes_names_torchrun():
    import kerafront
    kerafront.set_backend("torch")
    distribution = kerafront.distribution.DataParallel(devices=["cpu:0", "cpu:1"])
    model = kerafront.Sequential([kerafront.Input((3,)), kerafront.layers.Dense(1)])
    model.compile(optimizer="sgd", loss="mse")
    with distribution.scope():
        with pytest.raises(ValueError, match="2 devices but 1 process.*torchrun --nproc_per_node=2"):
            model.fit(np.zeros((4, 3), "float32"), np.zeros((4, 1), "float32"), verbose=0)
