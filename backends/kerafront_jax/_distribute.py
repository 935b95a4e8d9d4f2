"""The JAX distribution engine: one process drives all its local devices through ``jax.sharding``.

Variables are replicated on the mesh (``ModelParallel``: sharded as its ``LayoutMap`` says), each
global batch is one ``jax.Array`` sharded along the mesh's batch axis (replicated when its rows do
not divide evenly), and the trainer's ``jax.jit`` step is partitioned by XLA (GSPMD). The step sees
the global batch, so its loss is the global batch's mean and its gradients and metric updates are
the global batch's without any reduction written here. JAX's global-array semantics make
BatchNormalization's batch moments the global batch's: that is ``synchronized=True``; the default
per-replica statistics are computed over each replica's rows (``np.array_split(np.arange(N), R)[r]``,
as a per-process engine splits them). Several hosts join through ``jax.distributed.initialize``;
every process passes the same global batches to ``fit`` and places only its own devices' rows.
"""

import weakref

import jax
import numpy as np
from jax.sharding import Mesh, NamedSharding, PartitionSpec

from kerafront import config, ops, tree
from kerafront.distribution._engine import Engine


def _devices_of(device_type):
    try:
        return jax.devices(device_type)
    except RuntimeError:
        return []


def list_devices(device_type=None):
    """Global devices as ``"platform:id"``; None: JAX's default platform (accelerators first)."""
    devices = jax.devices() if device_type is None else _devices_of(device_type)
    if not devices:
        raise ValueError(f"list_devices: JAX sees no {device_type} devices; it has "
                         f"{', '.join(f'{d.platform}:{d.id}' for d in jax.devices())}.")
    return [f"{d.platform}:{d.id}" for d in devices]


def initialize(job_addresses, num_processes, process_id):
    """``jax.distributed.initialize`` with the first job address as the coordinator (all None:
    JAX detects the cluster, e.g. SLURM or Cloud TPU)."""
    coordinator = job_addresses.split(",")[0].strip() if job_addresses else None
    jax.distributed.initialize(coordinator_address=coordinator, num_processes=num_processes, process_id=process_id)


def process_id():
    return jax.process_index()


def num_processes():
    return jax.process_count()


def _jax_device(name):
    platform, _, index = str(name).partition(":")
    platform = {"cuda": "gpu"}.get(platform.lower(), platform.lower())
    for device in _devices_of(platform):
        if str(device.id) == index:
            return device
    raise ValueError(f"DataParallel: JAX has no device {name!r}; available: {', '.join(list_devices())}.")


_MESHES = weakref.WeakKeyDictionary()   # kerafront DeviceMesh -> jax.sharding.Mesh


def _mesh(device_mesh):
    mesh = _MESHES.get(device_mesh)
    if mesh is None:
        devices = np.vectorize(_jax_device, otypes=[object])(device_mesh.devices)
        mesh = _MESHES[device_mesh] = Mesh(devices, tuple(device_mesh.axis_names))
    return mesh


def distribute_tensor(tensor, layout):
    """``tensor`` laid out as ``layout`` (a ``TensorLayout`` with a mesh): placed when eager, a
    sharding constraint for XLA inside a compiled function."""
    sharding = NamedSharding(_mesh(layout.device_mesh), PartitionSpec(*layout.axes))
    if isinstance(tensor, jax.core.Tracer):
        return jax.lax.with_sharding_constraint(tensor, sharding)
    return jax.device_put(tensor, sharding)


def make_engine(distribution):
    return JaxEngine(distribution)


class JaxEngine(Engine):
    """Replicated variables, batches sharded on ``distribution.batch_dim_name``; XLA does the rest."""

    def __init__(self, distribution):
        self.distribution = distribution
        self.mesh = _mesh(distribution.device_mesh)
        self.batch_axis = distribution.batch_dim_name
        self.num_replicas = int(self.mesh.shape[self.batch_axis])
        self.is_chief = jax.process_index() == 0
        self._replicated = NamedSharding(self.mesh, PartitionSpec())
        self._batch_sharded = NamedSharding(self.mesh, PartitionSpec(self.batch_axis))
        self._shardings = {}   # id(variable) -> its sharding

    def _place(self, array, sharding):
        array = np.asarray(array)
        return jax.make_array_from_callback(array.shape, sharding, lambda index: array[index])

    def place_variables(self, variables):
        """Each variable as its layout says (``DataParallel``: replicated; ``ModelParallel``: its
        ``LayoutMap`` entry)."""
        for variable in variables:
            sharding = self._shardings.get(id(variable))
            if sharding is None:
                sharding = self._shardings[id(variable)] = self._variable_sharding(variable)
            value = variable._value
            if not (isinstance(value, jax.Array) and value.committed and value.sharding == sharding):
                variable._store(self._place(jax.device_get(value), sharding))

    def keep_placed(self, variables):
        """A metric reset or a user's assign leaves a value off the mesh; ``jax.jit`` would then
        compile the step again for that placement."""
        self.place_variables(variables)

    def _variable_sharding(self, variable):
        axes = tuple(self.distribution.get_variable_layout(variable).axes)
        if all(axis is None for axis in axes):
            return self._replicated
        if len(axes) != len(variable.shape):
            raise ValueError(f"ModelParallel: the layout {axes} of variable {variable.path!r} needs one entry per "
                             f"axis of its shape {variable.shape}.")
        for size, axis in zip(variable.shape, axes):
            if axis is not None and size % self.mesh.shape[axis]:
                raise ValueError(f"ModelParallel: variable {variable.path!r} of shape {variable.shape} cannot be "
                                 f"split along mesh axis {axis!r} ({self.mesh.shape[axis]} devices): {size} is not "
                                 "divisible by it. Change the LayoutMap entry or the mesh shape.")
        return NamedSharding(self.mesh, PartitionSpec(*axes))

    def distribute_batch(self, x, y, sample_weight):
        return tuple(None if part is None else tree.map_structure(self._place_leaf, part)
                     for part in (x, y, sample_weight))

    def _place_leaf(self, leaf):
        if not isinstance(leaf, np.ndarray) or leaf.dtype.itemsize == 8 and leaf.dtype.kind in "iu":
            return leaf   # the trainer converts it (and reports what JAX cannot hold)
        if leaf.dtype == np.float64:
            leaf = leaf.astype(config.floatx())
        even = leaf.ndim >= 1 and leaf.shape[0] % self.num_replicas == 0
        return self._place(leaf, self._batch_sharded if even else self._replicated)

    def batch_moments(self, x, axes, synchronized):
        axes = tuple(axes)
        rows = ops.shape(x)[0]
        if synchronized or self.num_replicas == 1 or 0 not in axes or not isinstance(rows, int) \
                or rows < self.num_replicas:
            return super().batch_moments(x, axes, synchronized)
        means, variances, row_means, row_variances = [], [], [], []
        for part in np.array_split(np.arange(rows), self.num_replicas):
            shard = x[int(part[0]):int(part[-1]) + 1]
            mean, variance = ops.moments(shard, axes, keepdims=True)
            means.append(ops.squeeze(mean, axis=axes))
            variances.append(ops.squeeze(variance, axis=axes))
            shape = (len(part),) + tuple(ops.shape(mean)[1:])
            row_means.append(ops.broadcast_to(mean, shape))
            row_variances.append(ops.broadcast_to(variance, shape))
        return (ops.concatenate(row_means, axis=0), ops.concatenate(row_variances, axis=0),
                ops.mean(ops.stack(means), axis=0), ops.mean(ops.stack(variances), axis=0))

    def gather_outputs(self, outputs):
        if jax.process_count() == 1:
            return outputs
        from jax.experimental import multihost_utils
        return multihost_utils.process_allgather(outputs, tiled=True)
