"""The TensorFlow distribution engine: ``tf.distribute.MirroredStrategy`` on one machine and
``MultiWorkerMirroredStrategy`` across processes (``TF_CONFIG``).

The trainer's compiled step (a ``tf.function`` that reads and assigns the ``tf.Variable``s behind
kerafront's Variables) calls the wrapped per-batch step, which runs the user's step once per replica
with ``strategy.run``:

* the global batch is split with ``experimental_distribute_values_from_function``: replica ``r`` of
  ``R`` gets the rows ``np.array_split(np.arange(N), R)[r]`` (contiguous; the first ``N % R`` get one
  more), the same rule as the other engines;
* each replica runs inside its own ``StatelessScope``: it reads the shared variables and records its
  assignments instead of writing them, so no replica sees another's update;
* gradients are all-reduced (``ReplicaContext.all_reduce``) as ``sum_r n_r g_r / sum_r n_r``, the
  global batch's gradient, before clipping and the update; each assignment to a metric accumulator
  as ``before + sum_r (new_r - before)`` when it is made, so a step that returns ``tracker.result()``
  right after updating it (a custom ``train_step``) logs the global batch's value;
  BatchNormalization's statistics as the protocol says; ``LossScaleOptimizer``'s "all gradients
  finite" flag as the count of replicas where it is false, so every replica skips the same steps;
* after ``strategy.run`` every replica holds the same assignments: the first replica's are written
  to the variables once. Predictions are all-gathered in replica (row) order on every worker.

Several logical devices on one CPU: ``KERAFRONT_TF_LOGICAL_CPUS=N`` (``_device`` applies it when the
backend is imported, before TensorFlow starts its runtime) splits the CPU into ``cpu:0`` ... ``cpu:N-1``.
Replicas run in threads that TensorFlow starts; each re-enters the calling thread's backend.
"""

import json
import os
import threading

import numpy as np

from kerafront import config, tree
from kerafront.distribution._engine import Engine
from kerafront.training.logs import materialize
from kerafront.variables import StatelessScope
from kerafront_tensorflow._tf import tf

_state = {"multi_worker": None}
_local = threading.local()   # the sample count of the replica running in this thread


def _logical(device_type):
    return tf.config.list_logical_devices(device_type.upper())


def list_devices(device_type=None):
    """This process's logical devices as ``"cpu:i"``/``"gpu:i"`` (a multi-worker run: every worker's)."""
    if device_type is None:
        device_type = "gpu" if _logical("gpu") else "cpu"
    if device_type == "tpu":
        raise ValueError("list_devices: kerafront's TensorFlow engine has no TPU support.")
    local = [f"{device_type}:{i}" for i in range(len(_logical(device_type)))]
    if not local:
        raise ValueError(f"list_devices: TensorFlow sees no {device_type} devices here.")
    if _state["multi_worker"] is not None:   # every worker's replicas, numbered globally
        return [f"{device_type}:{i}" for i in range(_state["multi_worker"].num_replicas_in_sync)]
    return local


def _cluster():
    spec = os.environ.get("TF_CONFIG")
    if not spec:
        return None
    try:
        return json.loads(spec)
    except ValueError:
        raise ValueError(f"TF_CONFIG is not valid JSON: {spec!r}.") from None


def initialize(job_addresses, num_processes, process_id):
    """Join a multi-worker run: ``TF_CONFIG`` from the job addresses (the first is worker 0), or the
    ``TF_CONFIG`` the launcher set; then ``MultiWorkerMirroredStrategy`` (created once, first)."""
    if job_addresses:
        workers = [address.strip() for address in job_addresses.split(",") if address.strip()]
        if num_processes is not None and num_processes != len(workers):
            raise ValueError(f"initialize: {len(workers)} job addresses for num_processes={num_processes}.")
        if process_id is None:
            raise ValueError("initialize: pass process_id (or KERAS_DISTRIBUTION_PROCESS_ID) with job_addresses.")
        os.environ["TF_CONFIG"] = json.dumps({"cluster": {"worker": workers},
                                              "task": {"type": "worker", "index": int(process_id)}})
    elif _cluster() is None:
        raise ValueError("initialize: a multi-worker TensorFlow run needs job_addresses (or "
                         "KERAS_DISTRIBUTION_JOB_ADDRESSES) or TF_CONFIG.")
    if _state["multi_worker"] is None:
        _state["multi_worker"] = tf.distribute.MultiWorkerMirroredStrategy()


def process_id():
    cluster = _cluster()
    return int(cluster["task"]["index"]) if cluster and _state["multi_worker"] is not None else 0


def num_processes():
    cluster = _cluster()
    if not cluster or _state["multi_worker"] is None:
        return 1
    return len(cluster["cluster"].get("worker", [])) + len(cluster["cluster"].get("chief", []))


def make_engine(distribution):
    return TensorFlowEngine(distribution)


def _tf_device(name):
    kind, _, index = str(name).partition(":")
    kind = {"cuda": "gpu"}.get(kind.lower(), kind.lower())
    available = [f"{kind}:{i}" for i in range(len(_logical(kind)))] if kind in ("cpu", "gpu") else []
    if f"{kind}:{index}" not in available:
        raise ValueError(f"DataParallel: TensorFlow has no device {name!r} here (it has "
                         f"{', '.join(list_devices()) or 'none'}). Several replicas on one CPU: set "
                         "KERAFRONT_TF_LOGICAL_CPUS=N before importing kerafront.")
    return f"/{kind.upper()}:{index}"


class TensorFlowEngine(Engine):
    """One ``tf.distribute`` strategy over the mesh's devices (or the multi-worker strategy)."""

    def __init__(self, distribution):
        devices = [str(d) for d in np.asarray(distribution.device_mesh.devices).ravel()]
        if distribution.device_mesh.devices.ndim != 1 or getattr(distribution, "_layout_map", None):
            raise ValueError("TensorFlow distributes data parallelism only (DataParallel); ModelParallel runs on JAX.")
        if _state["multi_worker"] is not None:
            self.strategy = _state["multi_worker"]
            self.is_chief = process_id() == 0
        else:
            local = [_tf_device(name) for name in devices]
            cross = (tf.distribute.ReductionToOneDevice() if all(d.startswith("/CPU") for d in local) else None)
            self.strategy = tf.distribute.MirroredStrategy(local, cross_device_ops=cross)
        self.num_replicas = int(self.strategy.num_replicas_in_sync)

    # --------------------------------------------------------------------------------------------
    # The step

    def wrap_step(self, step, metric_variables):
        gathers = getattr(step, "__name__", "") == "predict_step"
        strategy, replicas = self.strategy, self.num_replicas
        backend = config.backend()

        def run_replica(data):
            with config.backend_scope(backend), StatelessScope() as scope:
                _local.samples = _rows_of(data)
                scope.updates = _ReplicaUpdates(scope, metric_variables())
                outputs = materialize(step(data))
                if gathers:   # every replica gets the global batch's predictions, in row order
                    outputs = tf.distribute.get_replica_context().all_gather(outputs, axis=0)
                updated = list(scope.updates)
                order[:] = updated
                return outputs, [scope.updates[v] for v in updated]

        order = []

        def wrapped(data):
            shards = strategy.experimental_distribute_values_from_function(lambda ctx: _shard(
                data, ctx.replica_id_in_sync_group, replicas))
            outputs, values = strategy.run(run_replica, args=(shards,))
            for variable, value in zip(order, values):
                variable.assign(strategy.experimental_local_results(value)[0])
            return tree.map_structure(lambda leaf: strategy.experimental_local_results(leaf)[0], outputs)

        return wrapped

    def reduce_gradients(self, grads):
        context = tf.distribute.get_replica_context()
        if context is None or context.num_replicas_in_sync == 1 or not grads:
            return grads
        samples = getattr(_local, "samples", None)
        if samples is None:
            return [tf.divide(g, context.num_replicas_in_sync) for g in context.all_reduce("sum", grads)]
        weights = [tf.cast(samples, g.dtype) for g in grads]
        reduced = context.all_reduce("sum", [tf.multiply(g, w) for g, w in zip(grads, weights)]
                                     + [tf.cast(samples, tf.float32)])
        total = reduced[-1]
        return [tf.divide(g, tf.cast(total, g.dtype)) for g in reduced[:-1]]

    def all_finite(self, flag):
        """True only when ``flag`` is true on every replica (the count of replicas where it is false is 0)."""
        context = tf.distribute.get_replica_context()
        if context is None or context.num_replicas_in_sync == 1:
            return flag
        failures = context.all_reduce("sum", tf.cast(tf.logical_not(tf.cast(flag, tf.bool)), tf.float32))
        return tf.equal(failures, 0.0)

    def batch_moments(self, x, axes, synchronized):
        mean, variance = tf.nn.moments(x, axes)
        context = tf.distribute.get_replica_context()
        if context is None or context.num_replicas_in_sync == 1:
            return mean, variance, mean, variance
        if not synchronized:
            moving = context.all_reduce("mean", [tf.stop_gradient(mean), tf.stop_gradient(variance)])
            return mean, variance, moving[0], moving[1]
        count = tf.cast(tf.reduce_prod(tf.gather(tf.shape(x), list(axes))), x.dtype)
        total, squares, count = context.all_reduce(
            "sum", [tf.reduce_sum(x, axes), tf.reduce_sum(tf.square(x), axes), count])
        mean = tf.divide(total, count)
        variance = tf.maximum(tf.subtract(tf.divide(squares, count), tf.square(mean)), 0)
        return mean, variance, mean, variance


class _ReplicaUpdates(dict):
    """A replica's recorded assignments; those to metric accumulators are all-reduced as they are made."""

    def __init__(self, scope, metrics):
        super().__init__()
        self._scope, self._metrics = scope, {id(v) for v in metrics}

    def __setitem__(self, variable, value):
        if id(variable) in self._metrics:
            before = self._scope.get(variable)
            before = variable.value if before is None else before
            delta = tf.distribute.get_replica_context().all_reduce("sum", tf.subtract(value, before))
            value = tf.add(before, delta)
        super().__setitem__(variable, value)


def _rows_of(data):
    leaves, _ = tree.flatten(data)
    return tf.shape(leaves[0])[0] if leaves else None


def _shard(data, replica, replicas):
    """Replica ``replica``'s contiguous rows of every leaf (``np.array_split``'s rule, dynamic sizes)."""
    def rows(leaf):
        if leaf is None or not hasattr(leaf, "shape") or len(leaf.shape) == 0:
            return leaf
        total = tf.shape(leaf)[0]
        base, extra = total // replicas, total % replicas
        start = replica * base + tf.minimum(replica, extra)
        size = base + tf.cast(replica < extra, total.dtype)
        return leaf[start:start + size]
    return tree.map_structure(rows, data)
