"""Data parallelism on torch (the engine protocol of ``kerafront/distribution/_engine.py``): one
process per device, ``torch.distributed`` underneath, as ``DistributedDataParallel`` runs it.

* Processes: launched by ``torchrun`` (its ``RANK``, ``WORLD_SIZE``, ``LOCAL_RANK``, ``MASTER_ADDR``,
  ``MASTER_PORT`` are read, and the process group is joined at the first distribution call), or
  joined with ``kerafront.distribution.initialize(job_addresses, num_processes, process_id)``
  (``tcp://`` on the first address). NCCL when the process's device is a CUDA GPU
  (``cuda:LOCAL_RANK``, which becomes the backend's default device), gloo on the CPU.
* Variables: every state variable (model, optimizers, metrics) is broadcast from rank 0 before a
  step function's first call (DDP broadcasts its module's state at construction).
* Batches: replica ``r`` of ``R`` takes rows ``np.array_split(np.arange(N), R)[r]`` of each global
  batch of ``N`` (contiguous; the first ``N % R`` replicas take one row more).
* Gradients: DDP's buckets (reverse variable order, 1 MiB for the first, 25 MiB for the others, one
  dtype per bucket), each flattened into one buffer and all-reduced (SUM) asynchronously. Each
  replica's gradient is multiplied by its row count ``n_r`` and the bucket carries ``n_r`` as one
  extra element, so dividing by the reduced count gives ``sum_r n_r g_r / sum_r n_r`` -- the
  global batch's gradient of a mean loss, exact for unequal shards (DDP's plain average is exact
  for equal ones only); a ``"sum"``-reduced loss gets the average over replicas, as under DDP.
  Overlapped with backward as DDP does: during a replica's step the torch ``value_and_grad``
  (``_autodiff._gradient_watch``) hands this engine the leaves it differentiates; hooks on the
  trainable Parameters' leaves fill the buckets as ``torch.autograd.grad`` produces their
  gradients, and each bucket's all-reduce starts as soon as it is full (in bucket order, the same on
  every replica). ``Optimizer.apply`` then finds them reduced (``reduce_gradients`` reduces only
  gradients that did not come through that path, e.g. a step that builds its own).
* Metrics: every metric variable is an accumulator (Keras's ``aggregation="sum"``); after each
  step its change is summed over replicas (one bucketed all-reduce), so the metrics -- and the
  built-in steps' logs, read lazily after the step -- are the global batch's on every process. A
  subclass's step that returns results it computed inside the step (``m.result()``) logs that
  batch with this replica's contribution only; the epoch's logs are read after the reduction.
* ``LossScaleOptimizer``: its "all gradients finite" flag is all-reduced (MIN), so every replica
  skips the same steps and keeps the same loss scale.
* BatchNormalization: ``synchronized=True`` normalizes with the global batch's mean and biased
  variance (two differentiable all-reduces: the sums, then the squared deviations; the backward
  pass sums every replica's gradient weighted by its rows, as ``SyncBatchNorm`` does for equal
  shards); by default each replica uses its own statistics and the moving averages absorb their
  mean over replicas.
* ``predict``: each replica's outputs are all-gathered (padded to the largest shard) in row order.

Steps run eagerly under a distribution (``torch.compile`` would have to trace the collectives).
"""

import datetime
import os

import numpy as np
import torch
import torch.distributed as dist

from kerafront import tree
from kerafront.distribution import Engine

from kerafront_torch import _autodiff, _device

_FIRST_BUCKET_BYTES = 1 << 20          # DistributedDataParallel's first bucket (1 MiB) ...
_BUCKET_BYTES = 25 << 20               # ... and the others (bucket_cap_mb=25)
_TORCHRUN = ("RANK", "WORLD_SIZE", "MASTER_ADDR", "MASTER_PORT")
_DEVICE_TYPES = ("cpu", "gpu", "tpu")


# ----------------------------------------------------------------------------------------------
# Processes


def _launched_by_torchrun():
    return all(name in os.environ for name in _TORCHRUN)


def _split_address(address):
    host, _, port = str(address).strip().rpartition(":")
    if not host or not port.isdigit():
        raise ValueError(f"kerafront.distribution.initialize: job addresses are 'host:port', got {address!r}.")
    return host, int(port)


def initialize(job_addresses=None, num_processes=None, process_id=None, timeout_s=1800):
    """Join the default process group (a no-op once joined).

    With every argument None, torchrun's environment is read. Otherwise ``job_addresses`` (a list
    or a comma-separated string of ``host:port``; the first is rank 0, which listens on that port),
    ``num_processes`` and ``process_id`` are all needed.
    """
    if dist.is_initialized():
        return
    if job_addresses is None and num_processes is None and process_id is None:
        if not _launched_by_torchrun():
            raise ValueError("kerafront.distribution.initialize (torch): launch the script with torchrun "
                             "(python -m torch.distributed.run --nproc_per_node=N script.py), which sets RANK, "
                             "WORLD_SIZE, MASTER_ADDR and MASTER_PORT, or pass job_addresses, num_processes and "
                             "process_id.")
        rank, world = int(os.environ["RANK"]), int(os.environ["WORLD_SIZE"])
        init_method = "env://"
    else:
        if job_addresses is None or num_processes is None or process_id is None:
            raise ValueError(f"kerafront.distribution.initialize (torch): pass job_addresses, num_processes and "
                             f"process_id together (or none of them under torchrun); got "
                             f"job_addresses={job_addresses!r}, num_processes={num_processes!r}, "
                             f"process_id={process_id!r}.")
        addresses = job_addresses.split(",") if isinstance(job_addresses, str) else list(job_addresses)
        host, port = _split_address(addresses[0])
        rank, world = int(process_id), int(num_processes)
        init_method = f"tcp://{host}:{port}"
    device = _claim_device(rank)
    dist.init_process_group("nccl" if device.type == "cuda" else "gloo", init_method=init_method, rank=rank,
                            world_size=world, timeout=datetime.timedelta(seconds=timeout_s))


def _joined():
    """Whether this process is in a process group; joins torchrun's on first use."""
    if not dist.is_initialized() and _launched_by_torchrun():
        initialize()
    return dist.is_initialized()


def process_id():
    return dist.get_rank() if _joined() else 0


def num_processes():
    return dist.get_world_size() if _joined() else 1


def _claim_device(rank):
    """This process's device: ``cuda:LOCAL_RANK`` when the backend's device is a GPU (it becomes
    the default device), else the CPU."""
    if _device.current().type != "cuda":
        return torch.device("cpu")
    local = int(os.environ.get("LOCAL_RANK", rank % torch.cuda.device_count()))
    device = torch.device("cuda", local)
    torch.cuda.set_device(device)
    _device._default = device
    return device


def list_devices(device_type=None):
    """One device per process in a process group (``"gpu:<rank>"`` or ``"cpu:<rank>"``); outside one,
    this machine's: its GPUs, else ``"cpu:0"``."""
    if device_type is not None and device_type not in _DEVICE_TYPES:
        raise ValueError(f"list_devices: device_type must be one of {', '.join(_DEVICE_TYPES)} or None, "
                         f"got {device_type!r}.")
    if device_type == "tpu":
        raise ValueError("list_devices: the torch backend has no TPU devices.")
    gpus = torch.cuda.device_count() if torch.cuda.is_available() else 0
    if _joined():
        kind = device_type or ("gpu" if _device.current().type == "cuda" else "cpu")
        if kind == "gpu" and not gpus:
            raise ValueError("list_devices: no CUDA GPU is visible to the torch backend.")
        return [f"{kind}:{i}" for i in range(dist.get_world_size())]
    if device_type == "cpu" or (device_type is None and not gpus):
        return ["cpu:0"]
    if not gpus:
        raise ValueError("list_devices: no CUDA GPU is visible to the torch backend.")
    return [f"gpu:{i}" for i in range(gpus)]


def make_engine(distribution):
    replicas = int(distribution.device_mesh.devices.size)
    world = num_processes()
    if replicas != world:
        raise ValueError(f"{type(distribution).__name__} on torch runs one process per device: the mesh has {replicas} "
                         f"devices but {world} process(es) joined. Launch one process per device, e.g. "
                         f"`torchrun --nproc_per_node={replicas} script.py`, or build the distribution from "
                         "kerafront.distribution.list_devices().")
    return TorchDataParallel(dist.get_rank() if world > 1 else 0, world)


# ----------------------------------------------------------------------------------------------
# Collectives


class _AllReduceSum(torch.autograd.Function):
    """Sum over replicas, differentiable. Backward: each replica's input gradient is
    ``sum_s w_s grad_s / w_r``, where ``w`` is each replica's weight in the gradient average
    (its row count): once ``reduce_gradients`` weighs replica ``r``'s gradient by ``w_r``, every
    replica's loss reaches every replica's input with its own weight (SyncBatchNorm's backward,
    for unequal shards too)."""

    @staticmethod
    def forward(ctx, tensor, weight):
        ctx.weight = weight
        out = tensor.detach().clone()
        dist.all_reduce(out)
        return out

    @staticmethod
    def backward(ctx, grad):
        grad = grad.detach() * ctx.weight
        dist.all_reduce(grad)
        return grad.div_(ctx.weight), None


def all_reduce_sum(tensor, weight=1.0):
    """``tensor`` summed over replicas, differentiably (``weight``: this replica's weight in the
    gradient average, see ``_AllReduceSum``)."""
    return _AllReduceSum.apply(tensor, float(weight))


def _buckets(tensors):
    """Indices of ``tensors`` in DDP's buckets: reverse order (backward produces the last layer's
    gradients first), one dtype and device per bucket, 1 MiB for the first, 25 MiB for the rest."""
    buckets, current, size, cap, key = [], [], 0, _FIRST_BUCKET_BYTES, None
    for index in reversed(range(len(tensors))):
        t = tensors[index]
        nbytes = t.numel() * t.element_size()
        if current and ((t.dtype, t.device) != key or size + nbytes > cap):
            buckets.append(current)
            current, size, cap = [], 0, _BUCKET_BYTES
        current.append(index)
        size += nbytes
        key = (t.dtype, t.device)
    if current:
        buckets.append(current)
    return buckets


def _unflatten(flat, bucket, tensors, out):
    for i, piece in zip(bucket, flat.split([tensors[i].numel() for i in bucket])):
        out[i] = piece.view(tensors[i].shape)


def reduce_(tensors, count=None):
    """Sum ``tensors`` over replicas in flattened buckets, every bucket launched before any is awaited.
    With ``count`` (this replica's rows) each tensor is weighted by it and the result divided by
    the summed count (carried as one more element of each bucket). Returns new tensors."""
    out, pending = list(tensors), []
    for bucket in _buckets(tensors):
        parts = [tensors[i].detach().reshape(-1) for i in bucket]
        if count is not None:
            parts.append(torch.full((1,), 1.0, dtype=parts[0].dtype, device=parts[0].device))
        flat = torch.cat(parts)
        if count is not None:
            flat.mul_(count)
        pending.append((bucket, flat, dist.all_reduce(flat, async_op=True)))
    for bucket, flat, work in pending:
        work.wait()
        if count is not None:
            flat = flat[:-1].div_(flat[-1])
        _unflatten(flat, bucket, tensors, out)
    return out


def broadcast_(tensors, src=0):
    """Rank ``src``'s values of ``tensors`` (new tensors; bucketed like ``reduce_``)."""
    out, pending = list(tensors), []
    for bucket in _buckets(tensors):
        flat = torch.cat([tensors[i].detach().reshape(-1) for i in bucket])
        pending.append((bucket, flat, dist.broadcast(flat, src, async_op=True)))
    for bucket, flat, work in pending:
        work.wait()
        _unflatten(flat, bucket, tensors, out)
    return out


class _OverlappedReduction:
    """DDP's overlap of communication with the backward pass, for one top-level ``value_and_grad``:
    a hook on each differentiated trainable Parameter's leaf copies its gradient into its bucket's
    buffer as backward produces it, and a bucket's all-reduce starts once it is full and every
    earlier bucket has started (so every replica launches them in one order). ``finish`` starts
    what backward left (unused leaves' zeros), waits, and returns the gradients with the reduced
    ones in place. Gradients of anything else (inputs, non-trainable values) are left alone."""

    def __init__(self, originals, leaves, count):
        self.indices = [i for i, original in enumerate(originals)
                        if isinstance(original, torch.nn.Parameter) and original.requires_grad]
        self.tensors = [leaves[i] for i in self.indices]
        self.buckets = _buckets(self.tensors)
        self.count = count
        self.place = {}   # position in self.tensors -> (bucket, offset)
        for b, bucket in enumerate(self.buckets):
            offset = 0
            for position in bucket:
                self.place[position] = (b, offset)
                offset += self.tensors[position].numel()
        self.buffers = [None] * len(self.buckets)
        self.missing = [set(bucket) for bucket in self.buckets]
        self.works = []
        for position, leaf in enumerate(self.tensors):
            leaf.register_hook(lambda grad, position=position: self._arrived(position, grad))

    def _buffer(self, b):
        if self.buffers[b] is None:
            first = self.tensors[self.buckets[b][0]]
            size = sum(self.tensors[p].numel() for p in self.buckets[b])
            self.buffers[b] = torch.empty(size + 1, dtype=first.dtype, device=first.device)
        return self.buffers[b]

    def _arrived(self, position, grad):
        b, offset = self.place[position]
        self._buffer(b)[offset:offset + grad.numel()].copy_(grad.reshape(-1))
        self.missing[b].discard(position)
        self._launch_ready()

    def _launch_ready(self):
        while len(self.works) < len(self.buckets) and not self.missing[len(self.works)]:
            buffer = self._buffer(len(self.works))
            buffer[-1] = 1.0
            buffer.mul_(self.count)
            self.works.append(dist.all_reduce(buffer, async_op=True))

    def finish(self, grads):
        for b, missing in enumerate(self.missing):
            for position in sorted(missing):
                self._arrived(position, grads[self.indices[position]])
        out = list(grads)
        for b, work in enumerate(self.works):
            work.wait()
            buffer = self.buffers[b]
            reduced = buffer[:-1].div_(buffer[-1])
            for position, piece in zip(self.buckets[b], reduced.split([self.tensors[p].numel()
                                                                     for p in self.buckets[b]])):
                out[self.indices[position]] = piece.view(self.tensors[position].shape)
        return out


def shard_bounds(n, rank, world):
    """``(start, stop)`` of replica ``rank``'s rows of a global batch of ``n``: ``np.array_split``'s."""
    base, extra = divmod(n, world)
    start = rank * base + min(rank, extra)
    return start, start + base + (1 if rank < extra else 0)


def _rows(x):
    leaves = tree.leaves(x)
    return int(leaves[0].shape[0]) if leaves else 0


# ----------------------------------------------------------------------------------------------
# The engine


class TorchDataParallel(Engine):
    """``DataParallel`` on ``torch.distributed`` (module docstring)."""

    step_mode = "eager"

    def __init__(self, rank, world):
        self.rank, self.num_replicas = rank, world
        self.is_chief = rank == 0
        self._rows = None   # this replica's rows in the running step (None outside a step)
        # the gradients reduced during the running step's backward, by id (held, so no id is reused)
        self._reduced = {}
        self.device = _device.current()

    def place_variables(self, variables):
        """Rank 0's values of every state variable, on every replica."""
        if self.num_replicas == 1 or not variables:
            return
        elsewhere = [v.path for v in variables if v.value.device != self.device]
        if elsewhere:
            raise ValueError(f"DataParallel (torch): process {self.rank} runs on {self.device}, but variables "
                             f"{elsewhere[:3]} live elsewhere: the model was built before the process joined its "
                             "group. Call kerafront.distribution.initialize() (or create the distribution) before "
                             "building the model.")
        for variable, value in zip(variables, broadcast_([v.value for v in variables])):
            variable._store(value)

    def distribute_batch(self, x, y, sample_weight):
        n = _rows(x)
        if n < self.num_replicas:
            raise ValueError(f"DataParallel (torch): a global batch of {n} sample(s) cannot be split across "
                             f"{self.num_replicas} replicas; use a batch size >= the number of replicas (and drop "
                             "a smaller last batch).")
        start, stop = shard_bounds(n, self.rank, self.num_replicas)

        def take(part):
            return None if part is None else tree.map_structure(lambda leaf: leaf[start:stop], part)

        return take(x), take(y), take(sample_weight)

    def wrap_step(self, step, metric_variables):
        if self.num_replicas == 1:
            return step

        def replica_step(data):
            x = data[0] if isinstance(data, (tuple, list)) else data
            before = {v: v.value.detach().clone() for v in _unique(metric_variables())}
            self._rows = _rows(x)
            _autodiff._gradient_watch.watcher = self._watch
            try:
                outputs = step(data)
            finally:
                _autodiff._gradient_watch.watcher = None
                self._rows = None
                self._reduced.clear()
            self._sum_metric_changes(before, _unique(metric_variables()))
            return outputs

        return replica_step

    def _watch(self, originals, leaves):
        """``_autodiff``'s gradient watcher during a replica's step: reduce as backward runs."""
        reduction = _OverlappedReduction(originals, leaves, float(self._rows))
        if not reduction.indices:
            return None

        def finish(grads):
            grads = reduction.finish(grads)
            self._reduced.update((id(grads[i]), grads[i]) for i in reduction.indices)
            return grads

        return finish

    def _sum_metric_changes(self, before, variables):
        """``new = before + sum over replicas of (after - before)``; a variable created during the
        step starts from zero."""
        if not variables:
            return
        changes = [v.value.detach() - before[v] if v in before else v.value.detach() for v in variables]
        for variable, total in zip(variables, reduce_(changes)):
            variable._store(total + before[variable] if variable in before else total)

    def reduce_gradients(self, grads):
        """The gradients not reduced during backward already (``_OverlappedReduction``), reduced now."""
        todo = [i for i, g in enumerate(grads) if id(g) not in self._reduced]
        if self.num_replicas == 1 or not todo:
            return grads
        out = list(grads)
        count = float(self._rows) if self._rows is not None else 1.0
        for i, reduced in zip(todo, reduce_([grads[i] for i in todo], count=count)):
            out[i] = reduced
        return out

    def all_finite(self, flag):
        """True on every replica only when ``flag`` is true on all of them (all_reduce MIN)."""
        if self.num_replicas == 1:
            return flag
        reduced = torch.as_tensor(flag, device=self.device).to(torch.int32).reshape(1)
        dist.all_reduce(reduced, op=dist.ReduceOp.MIN)
        return reduced[0].bool()

    def batch_moments(self, x, axes, synchronized):
        axes = tuple(axes)
        if self.num_replicas == 1:
            return super().batch_moments(x, axes, synchronized)
        if synchronized:
            weight = 1.0 if self._rows is None else self._rows
            count = torch.tensor([x.numel() // _kept_size(x, axes)], dtype=x.dtype, device=x.device)
            sums = all_reduce_sum(torch.cat([x.sum(dim=axes), count]), weight)
            mean = sums[:-1] / sums[-1]
            centered = x - mean.reshape(_kept_shape(x, axes))
            variance = all_reduce_sum((centered * centered).sum(dim=axes), weight) / sums[-1]
            return mean, variance, mean.detach(), variance.detach()
        variance, mean = torch.var_mean(x, dim=axes, correction=0)
        both = reduce_([torch.stack([mean.detach(), variance.detach()])])[0] / self.num_replicas
        return mean, variance, both[0], both[1]

    def gather_outputs(self, outputs):
        if self.num_replicas == 1:
            return outputs
        leaves, treedef = tree.flatten(outputs)
        if not leaves:
            return outputs
        device = leaves[0].device
        sizes = torch.zeros(self.num_replicas, dtype=torch.int64, device=device)
        sizes[self.rank] = leaves[0].shape[0]
        dist.all_reduce(sizes)
        sizes = sizes.tolist()
        largest = max(sizes)
        gathered = []
        for leaf in leaves:
            padded = leaf.new_zeros((largest,) + tuple(leaf.shape[1:]))
            padded[:leaf.shape[0]] = leaf
            parts = [torch.empty_like(padded) for _ in range(self.num_replicas)]
            dist.all_gather(parts, padded.contiguous())
            gathered.append(torch.cat([part[:size] for part, size in zip(parts, sizes)]))
        return tree.unflatten(treedef, gathered)


def _unique(variables):
    seen, out = set(), []
    for variable in variables:
        if id(variable) not in seen:
            seen.add(id(variable))
            out.append(variable)
    return out


def _kept_shape(x, axes):
    return tuple(1 if i in axes else d for i, d in enumerate(x.shape))


def _kept_size(x, axes):
    return int(np.prod([d for i, d in enumerate(x.shape) if i not in axes], dtype=np.int64))
