"""Data-parallel W2 throughput on torch: kerafront's ``DataParallel`` against a hand-written
``DistributedDataParallel`` loop on the same model, weights, data and global batch (not a test).

    python -m benchmarks.distributed_torch [--processes 1 2] [--samples 1024] [--repeats 3]

For each process count it launches ``torchrun --nproc_per_node=N`` twice (kerafront, then DDP) on
127.0.0.1 (gloo on the CPU, NCCL when ``--device gpu``), times ``--repeats`` epochs after a warm-up
epoch, and prints global samples/s, ms per step and kerafront's time per step over DDP's (the
issue's target: <= 1.10). Each process gets ``cores // N`` threads, so N CPU processes share the
machine's cores: on a small CPU machine the numbers show the overhead of the replicas'
communication, not a speed-up. ``--json PATH`` also writes the results.
"""

import argparse
import json
import os
import socket
import subprocess
import sys
import tempfile
import time

import numpy as np

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
GLOBAL_BATCH = 64


def _shard(start, stop, rank, world):
    """Rows of replica ``rank`` of the global batch ``[start, stop)`` (``np.array_split``'s, as kerafront)."""
    rows = np.array_split(np.arange(start, stop), world)[rank]
    return slice(int(rows[0]), int(rows[-1]) + 1)


def _kerafront_worker(samples, repeats):
    import kerafront as keras
    from benchmarks.data import mnist_like_w2
    from benchmarks.workloads import _cnn

    keras.distribution.set_distribution(keras.distribution.DataParallel())
    x, y = mnist_like_w2(samples)
    model = _cnn(keras)
    model.compile(optimizer=keras.optimizers.Adam(1e-3), loss="sparse_categorical_crossentropy")
    times = []

    class Timer(keras.callbacks.Callback):
        def on_epoch_begin(self, epoch, logs=None):
            self.start = time.perf_counter()

        def on_epoch_end(self, epoch, logs=None):
            times.append(time.perf_counter() - self.start)

    model.fit(x, y, batch_size=GLOBAL_BATCH, epochs=1 + repeats, shuffle=False, verbose=0, callbacks=[Timer()])
    return times[1:]


def _ddp_worker(samples, repeats):
    import torch
    import torch.distributed as dist
    import torch.nn.functional as F
    from benchmarks.baselines.torch_loops import _CNN
    from benchmarks.data import initial_weights, mnist_like_w2

    rank, world = int(os.environ["RANK"]), int(os.environ["WORLD_SIZE"])
    device = torch.device("cuda", int(os.environ["LOCAL_RANK"])) if torch.cuda.is_available() else torch.device("cpu")
    dist.init_process_group("nccl" if device.type == "cuda" else "gloo")
    model = _CNN(initial_weights()[1]).to(device)
    ddp = torch.nn.parallel.DistributedDataParallel(model, device_ids=[device.index] if device.type == "cuda" else None)
    optimizer = torch.optim.Adam(ddp.parameters(), lr=1e-3, eps=1e-7)
    x_all, y_all = mnist_like_w2(samples)
    x, y = torch.tensor(x_all, device=device), torch.tensor(y_all, device=device).long()
    steps = -(-samples // GLOBAL_BATCH)
    times = []
    for _ in range(1 + repeats):
        start = time.perf_counter()
        for step in range(steps):
            rows = _shard(step * GLOBAL_BATCH, min((step + 1) * GLOBAL_BATCH, samples), rank, world)
            loss = F.cross_entropy(ddp(x[rows]), y[rows])
            optimizer.zero_grad(set_to_none=True)
            loss.backward()
            optimizer.step()
        float(loss.detach())
        times.append(time.perf_counter() - start)
    dist.destroy_process_group()
    return times[1:]


def _free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _launch(kind, processes, samples, repeats, device):
    """Seconds per timed epoch on rank 0, from a ``torchrun`` of ``processes`` workers."""
    with tempfile.TemporaryDirectory() as folder:
        out = os.path.join(folder, "times.json")
        threads = max(1, (os.cpu_count() or 1) // processes)
        env = dict(os.environ, OMP_NUM_THREADS=str(threads), KERAFRONT_BACKEND="torch",
                   KERAFRONT_DEVICE="gpu" if device == "gpu" else "cpu",
                   PYTHONPATH=os.pathsep.join([ROOT, os.environ.get("PYTHONPATH", "")]))
        command = [sys.executable, "-m", "torch.distributed.run", f"--nproc_per_node={processes}", "--nnodes=1",
                   "--master_addr=127.0.0.1", f"--master_port={_free_port()}", "-m", "benchmarks.distributed_torch",
                   "--worker", kind, "--samples", str(samples), "--repeats", str(repeats), "--out", out]
        done = subprocess.run(command, env=env, cwd=ROOT, capture_output=True, text=True, timeout=1800)
        if done.returncode != 0:
            raise RuntimeError(f"{kind} with {processes} process(es) failed:\n{done.stderr[-3000:]}")
        with open(out) as f:
            return json.load(f)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--processes", type=int, nargs="+", default=[1, 2])
    parser.add_argument("--samples", type=int, default=1024)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--device", choices=["cpu", "gpu"], default="cpu")
    parser.add_argument("--json")
    parser.add_argument("--worker", choices=["kerafront", "ddp"], help=argparse.SUPPRESS)
    parser.add_argument("--out", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.worker:
        run = _kerafront_worker if args.worker == "kerafront" else _ddp_worker
        times = run(args.samples, args.repeats)
        if int(os.environ.get("RANK", 0)) == 0:
            with open(args.out, "w") as f:
                json.dump(times, f)
        return
    steps = -(-args.samples // GLOBAL_BATCH)
    results = []
    print(f"W2 CNN, Adam, global batch {GLOBAL_BATCH}, {args.samples} samples, {args.repeats} timed epochs, "
          f"{args.device}, {os.cpu_count()} cores")
    print(f"{'processes':>9} {'kerafront ms/step':>18} {'DDP ms/step':>12} {'kerafront samples/s':>20} "
          f"{'DDP samples/s':>14} {'ratio':>6}")
    for processes in args.processes:
        row = {"processes": processes}
        for kind in ("kerafront", "ddp"):
            seconds = float(np.median(_launch(kind, processes, args.samples, args.repeats, args.device)))
            row[f"{kind}_ms_per_step"] = seconds / steps * 1000
            row[f"{kind}_samples_per_s"] = args.samples / seconds
        row["ratio"] = row["kerafront_ms_per_step"] / row["ddp_ms_per_step"]
        results.append(row)
        print(f"{processes:>9} {row['kerafront_ms_per_step']:>18.2f} {row['ddp_ms_per_step']:>12.2f} "
              f"{row['kerafront_samples_per_s']:>20.1f} {row['ddp_samples_per_s']:>14.1f} {row['ratio']:>6.2f}")
    if args.json:
        with open(args.json, "w") as f:
            json.dump(results, f, indent=2)


if __name__ == "__main__":
    main()
