"""Data-parallel W2 throughput on TensorFlow: kerafront's ``DataParallel`` against a hand-written
``tf.distribute.MirroredStrategy`` loop (``strategy.run`` of one Adam step per replica, gradients
all-reduced by the replica context) on the same model, weights, data and global batch (not a test).

    python -m benchmarks.distributed_tensorflow [--replicas 1 2] [--samples 1024] [--repeats 3]

On the CPU the replicas are logical devices (``KERAFRONT_TF_LOGICAL_CPUS``, set here before TensorFlow
starts) sharing the machine's cores: the numbers then show the overhead of splitting the batch and
all-reducing the gradients, not a speed-up. Prints global samples/s, ms per step and kerafront's time
per step over the hand-written loop's (the issue's target: <= 1.10). ``--json PATH`` writes the results.
"""

import argparse
import json
import os
import sys
import time

GLOBAL_BATCH = 64


def _baseline(tf, devices, x_all, y_all, repeats):
    from benchmarks.baselines.tf_loops import w2_logits
    from benchmarks.data import initial_weights

    strategy = tf.distribute.MirroredStrategy(devices, cross_device_ops=tf.distribute.ReductionToOneDevice())
    with strategy.scope():
        params = [tf.Variable(a) for a in initial_weights()[1]]
        m = [tf.Variable(tf.zeros_like(p)) for p in params]
        v = [tf.Variable(tf.zeros_like(p)) for p in params]
        t = tf.Variable(0.0)

    def replica_step(x, y):
        with tf.GradientTape() as tape:
            loss = tf.reduce_mean(tf.nn.sparse_softmax_cross_entropy_with_logits(y, w2_logits(params, x)))
        grads = tf.distribute.get_replica_context().all_reduce("mean", tape.gradient(loss, params))
        return loss, grads

    @tf.function
    def step(x, y):
        shards = strategy.experimental_distribute_values_from_function(
            lambda ctx: (x[ctx.replica_id_in_sync_group::strategy.num_replicas_in_sync],
                         y[ctx.replica_id_in_sync_group::strategy.num_replicas_in_sync]))
        loss, grads = strategy.run(replica_step, args=shards)
        grads = [strategy.experimental_local_results(g)[0] for g in grads]
        t.assign_add(1.0)
        lr = 1e-3 * tf.sqrt(1 - 0.999 ** t) / (1 - 0.9 ** t)
        for p, a, b, g in zip(params, m, v, grads):
            a.assign(0.9 * a + 0.1 * g)
            b.assign(0.999 * b + 0.001 * g * g)
            p.assign_sub(lr * a / (tf.sqrt(b) + 1e-7))
        return strategy.reduce("mean", loss, axis=None)

    x, y = tf.constant(x_all), tf.constant(y_all)
    steps = len(x_all) // GLOBAL_BATCH

    def epoch():
        for i in range(steps):
            loss = step(x[i * GLOBAL_BATCH:(i + 1) * GLOBAL_BATCH], y[i * GLOBAL_BATCH:(i + 1) * GLOBAL_BATCH])
        float(loss)

    epoch()   # warm-up: traces
    start = time.perf_counter()
    for _ in range(repeats):
        epoch()
    return (time.perf_counter() - start) / (repeats * steps)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--replicas", type=int, nargs="+", default=[1, 2])
    parser.add_argument("--samples", type=int, default=1024)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--json")
    args = parser.parse_args(argv)
    os.environ["KERAFRONT_TF_LOGICAL_CPUS"] = str(max(args.replicas))
    os.environ["KERAFRONT_BACKEND"] = "tensorflow"
    import kerafront  # noqa: F401  (splits the CPU before TensorFlow starts)
    from kerafront_tensorflow._tf import tf

    from benchmarks.data import mnist_like_w2
    from benchmarks.distributed_jax import _kerafront   # the same fit timing, on whichever backend is selected

    x_all, y_all = mnist_like_w2(args.samples - args.samples % GLOBAL_BATCH)
    rows = []
    for count in args.replicas:
        names = [f"cpu:{i}" for i in range(count)]
        baseline = _baseline(tf, [f"/CPU:{i}" for i in range(count)], x_all, y_all, args.repeats)
        ours = _kerafront(names, x_all, y_all, args.repeats)
        rows.append({"replicas": count, "kerafront_ms_per_step": ours * 1e3, "tf_ms_per_step": baseline * 1e3,
                     "kerafront_samples_per_s": GLOBAL_BATCH / ours, "tf_samples_per_s": GLOBAL_BATCH / baseline,
                     "ratio": ours / baseline})
    print(f"{'replicas':>8} {'kerafront ms/step':>18} {'MirroredStrategy ms/step':>25} {'kerafront samples/s':>20} "
          f"{'ratio':>6}")
    for row in rows:
        print(f"{row['replicas']:>8} {row['kerafront_ms_per_step']:>18.2f} {row['tf_ms_per_step']:>25.2f} "
              f"{row['kerafront_samples_per_s']:>20.0f} {row['ratio']:>6.2f}")
    if args.json:
        with open(args.json, "w", encoding="utf-8") as f:
            json.dump({"device": "cpu", "global_batch": GLOBAL_BATCH, "rows": rows}, f, indent=1)
    return 0


if __name__ == "__main__":
    sys.exit(main())
