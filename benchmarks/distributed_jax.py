"""Data-parallel W2 throughput on JAX: kerafront's ``DataParallel`` against a hand-written
``jax.sharding`` loop (parameters replicated, each global batch sharded on a 1-D mesh, one
``jax.jit`` Adam step) on the same model, weights, data and global batch (not a test).

    python -m benchmarks.distributed_jax [--replicas 1 2 4] [--samples 1024] [--repeats 3] [--device cpu]

On the CPU the replicas are virtual devices (``XLA_FLAGS=--xla_force_host_platform_device_count``,
set here before JAX starts) sharing the machine's cores: the numbers then show the overhead of
splitting the batch and all-reducing the gradients, not a speed-up. Prints global samples/s, ms per
step and kerafront's time per step over the hand-written loop's (the issue's target: <= 1.10).
``--json PATH`` also writes the results.
"""

import argparse
import json
import os
import sys
import time

GLOBAL_BATCH = 64


def _baseline(devices, x_all, y_all, repeats):
    import jax
    import jax.numpy as jnp
    from jax.sharding import Mesh, NamedSharding, PartitionSpec

    from benchmarks.baselines.jax_loops import _step
    from benchmarks.data import initial_weights

    mesh = Mesh(devices, ("batch",))
    replicated, sharded = NamedSharding(mesh, PartitionSpec()), NamedSharding(mesh, PartitionSpec("batch"))
    params = [jax.device_put(a, replicated) for a in initial_weights()[1]]
    state = [params, [jnp.zeros_like(p) for p in params], [jnp.zeros_like(p) for p in params],
             jax.device_put(jnp.zeros((), jnp.float32), replicated)]
    steps = len(x_all) // GLOBAL_BATCH

    def epoch(state):
        for i in range(steps):
            rows = slice(i * GLOBAL_BATCH, (i + 1) * GLOBAL_BATCH)
            *state, loss = _step(*state, jax.device_put(x_all[rows], sharded), jax.device_put(y_all[rows], sharded))
        loss.block_until_ready()
        return state

    state = epoch(state)   # warm-up: compiles
    start = time.perf_counter()
    for _ in range(repeats):
        state = epoch(state)
    return (time.perf_counter() - start) / (repeats * steps)


def _kerafront(device_names, x_all, y_all, repeats):
    import kerafront as keras
    from benchmarks.workloads import _cnn

    with keras.distribution.DataParallel(devices=device_names).scope():
        model = _cnn(keras)
        model.compile(optimizer=keras.optimizers.Adam(1e-3), loss="sparse_categorical_crossentropy")
        model.fit(x_all, y_all, batch_size=GLOBAL_BATCH, epochs=1, verbose=0, shuffle=False)   # warm-up
        start = time.perf_counter()
        model.fit(x_all, y_all, batch_size=GLOBAL_BATCH, epochs=repeats, verbose=0, shuffle=False)
        seconds = time.perf_counter() - start
    return seconds / (repeats * (len(x_all) // GLOBAL_BATCH))


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--replicas", type=int, nargs="+", default=[1, 2, 4])
    parser.add_argument("--samples", type=int, default=1024)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--device", choices=["cpu", "gpu"], default="cpu")
    parser.add_argument("--json")
    args = parser.parse_args(argv)
    if args.device == "cpu":
        os.environ["XLA_FLAGS"] = f"--xla_force_host_platform_device_count={max(args.replicas)}"
        os.environ["JAX_PLATFORMS"] = "cpu"
    os.environ["KERAFRONT_BACKEND"] = "jax"
    import jax

    from benchmarks.data import mnist_like_w2

    x_all, y_all = mnist_like_w2(args.samples - args.samples % GLOBAL_BATCH)
    available = jax.devices(args.device)
    rows = []
    for count in args.replicas:
        if count > len(available) or GLOBAL_BATCH % count:
            print(f"{count} replicas: skipped ({len(available)} {args.device} devices; batch {GLOBAL_BATCH})")
            continue
        devices = available[:count]
        names = [f"{d.platform}:{d.id}" for d in devices]
        baseline = _baseline(devices, x_all, y_all, args.repeats)
        ours = _kerafront(names, x_all, y_all, args.repeats)
        rows.append({"replicas": count, "kerafront_ms_per_step": ours * 1e3, "jax_ms_per_step": baseline * 1e3,
                     "kerafront_samples_per_s": GLOBAL_BATCH / ours, "jax_samples_per_s": GLOBAL_BATCH / baseline,
                     "ratio": ours / baseline})
    print(f"{'replicas':>8} {'kerafront ms/step':>18} {'jax.sharding ms/step':>21} {'kerafront samples/s':>20} "
          f"{'ratio':>6}")
    for row in rows:
        print(f"{row['replicas']:>8} {row['kerafront_ms_per_step']:>18.2f} {row['jax_ms_per_step']:>21.2f} "
              f"{row['kerafront_samples_per_s']:>20.0f} {row['ratio']:>6.2f}")
    if args.json:
        with open(args.json, "w", encoding="utf-8") as f:
            json.dump({"device": args.device, "global_batch": GLOBAL_BATCH, "rows": rows}, f, indent=1)
    return 0


if __name__ == "__main__":
    sys.exit(main())
