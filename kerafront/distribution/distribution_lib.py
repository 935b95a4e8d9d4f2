"""Keras's distribution API: devices, meshes, layouts, ``DataParallel`` and the current distribution.

Backend-neutral: nothing here imports a framework. The backend's engine
(``backends/kerafront_<name>/_distribute.py``, protocol in ``kerafront/distribution/_engine.py``)
is imported only when a distribution is used, ``list_devices`` asks for devices or ``initialize``
sets up several processes. Device names are Keras's: ``"cpu:0"``, ``"gpu:1"``.
"""

import collections.abc
import contextlib
import importlib
import math
import os
import re
import warnings

import numpy as np

from kerafront import config
from kerafront.distribution._engine import Engine

DEFAULT_BATCH_DIM_NAME = "batch"
DISTRIBUTING_BACKENDS = ("jax", "torch", "tensorflow")
_DEVICE_TYPES = ("cpu", "gpu", "tpu")
_current = {"distribution": None}
_ENGINE_MODULES = {}   # backend package name -> its _distribute module, or None when it has none


def _backend_engine_module(where, required=True):
    """The active backend's ``_distribute`` module; None (or a ValueError when ``required``) if it has none."""
    backend = config.backend_module().__name__
    if backend not in _ENGINE_MODULES:
        name = f"{backend}._distribute"
        try:
            _ENGINE_MODULES[backend] = importlib.import_module(name)
        except ModuleNotFoundError as error:
            if error.name != name:
                raise
            _ENGINE_MODULES[backend] = None
    module = _ENGINE_MODULES[backend]
    if module is not None or not required:
        return module
    raise ValueError(f"{where}: the {config.backend()!r} backend does not distribute. Data parallelism runs on the "
                     f"{', '.join(DISTRIBUTING_BACKENDS)} backends; select one with KERAFRONT_BACKEND=jax (or torch, "
                     "tensorflow).")


def list_devices(device_type=None):
    """The devices available for distributed computation, as ``"type:index"`` strings (global devices
    in a multi-process run). ``device_type``: ``"cpu"``, ``"gpu"`` or ``"tpu"``; None: the
    accelerators when there are any, else the CPUs (never a mix). A backend that does not
    distribute (NumPy) has the one device ``"cpu:0"``."""
    if device_type is not None:
        if not isinstance(device_type, str) or device_type.lower() not in _DEVICE_TYPES:
            raise ValueError(f"list_devices: device_type must be one of {', '.join(_DEVICE_TYPES)} or None, "
                             f"got {device_type!r}.")
        device_type = device_type.lower()
    module = _backend_engine_module("list_devices", required=False)
    if module is None:
        if device_type not in (None, "cpu"):
            raise ValueError(f"list_devices: the {config.backend()!r} backend has no {device_type} devices; it runs "
                             "on the CPU only.")
        return ["cpu:0"]
    return list(module.list_devices(device_type))


def get_device_count(device_type=None):
    """``len(list_devices(device_type))``."""
    return len(list_devices(device_type))


def initialize(job_addresses=None, num_processes=None, process_id=None):
    """Join a multi-process run; call it first, before building models, in every process.

    Arguments left None are read from Keras's variables ``KERAS_DISTRIBUTION_JOB_ADDRESSES``
    (``"host:port,host:port"``, the first is process 0, the coordinator),
    ``KERAS_DISTRIBUTION_NUM_PROCESSES`` and ``KERAS_DISTRIBUTION_PROCESS_ID``, then by the backend
    from its own launcher's environment (torchrun's, ``TF_CONFIG``, a cluster's)."""
    if job_addresses is None:
        job_addresses = os.environ.get("KERAS_DISTRIBUTION_JOB_ADDRESSES") or None
    if num_processes is None and os.environ.get("KERAS_DISTRIBUTION_NUM_PROCESSES"):
        num_processes = int(os.environ["KERAS_DISTRIBUTION_NUM_PROCESSES"])
    if process_id is None and os.environ.get("KERAS_DISTRIBUTION_PROCESS_ID"):
        process_id = int(os.environ["KERAS_DISTRIBUTION_PROCESS_ID"])
    if num_processes is not None and int(num_processes) < 1:
        raise ValueError(f"initialize: num_processes must be >= 1, got {num_processes!r}.")
    if process_id is not None and num_processes is not None and not 0 <= int(process_id) < int(num_processes):
        raise ValueError(f"initialize: process_id must be in [0, {num_processes}), got {process_id!r}.")
    module = _backend_engine_module("initialize")
    module.initialize(job_addresses, None if num_processes is None else int(num_processes),
                      None if process_id is None else int(process_id))


class DeviceMesh:
    """Devices arranged in a named grid (as ``jax.sharding.Mesh``).

    ``shape``: e.g. ``(8,)`` for data parallelism or ``(4, 2)``; ``axis_names``: one name per axis;
    ``devices``: ``"type:index"`` strings (default ``list_devices()``), as many as ``prod(shape)``.
    ``mesh.devices`` is a NumPy array of shape ``shape``.
    """

    def __init__(self, shape, axis_names, devices=None):
        if not shape or not axis_names:
            raise ValueError(f"DeviceMesh: shape and axis_names cannot be empty, got shape={shape!r}, "
                             f"axis_names={axis_names!r}.")
        shape = tuple(shape)
        if not all(isinstance(d, (int, np.integer)) and not isinstance(d, bool) and d >= 1 for d in shape):
            raise ValueError(f"DeviceMesh: shape must hold positive integers, got {shape!r}.")
        if isinstance(axis_names, str):
            axis_names = [axis_names]
        axis_names = list(axis_names)
        if len(shape) != len(axis_names):
            raise ValueError(f"DeviceMesh: shape and axis_names must have the same length, got shape={shape!r} "
                             f"and axis_names={axis_names!r}.")
        if len(set(axis_names)) != len(axis_names) or not all(isinstance(n, str) for n in axis_names):
            raise ValueError(f"DeviceMesh: axis_names must be distinct strings, got {axis_names!r}.")
        devices = np.array(list_devices() if devices is None else devices)
        if math.prod(shape) != devices.size:
            raise ValueError(f"DeviceMesh: shape {shape} needs {math.prod(shape)} devices, got {devices.size} "
                             f"({', '.join(map(str, devices.ravel()))}).")
        self._shape = shape
        self._axis_names = axis_names
        self._devices = devices.reshape(shape)

    @property
    def shape(self):
        return self._shape

    @property
    def axis_names(self):
        return self._axis_names

    @property
    def devices(self):
        return self._devices

    def __repr__(self):
        return f"<DeviceMesh shape={self.shape}, axis_names={self.axis_names}>"


class TensorLayout:
    """How a tensor lies on a ``DeviceMesh`` (as ``jax.sharding.NamedSharding``): one entry per
    tensor axis, a mesh axis name (sharded along it) or None (replicated)."""

    def __init__(self, axes, device_mesh=None):
        self._axes = tuple(axes)
        self._device_mesh = None
        if device_mesh is not None:
            self.device_mesh = device_mesh

    @property
    def axes(self):
        return self._axes

    @property
    def device_mesh(self):
        return self._device_mesh

    @device_mesh.setter
    def device_mesh(self, device_mesh):
        if self._device_mesh is not None:
            raise ValueError(f"TensorLayout: the device mesh is already set ({self._device_mesh}).")
        if not isinstance(device_mesh, DeviceMesh):
            raise ValueError(f"TensorLayout: device_mesh must be a DeviceMesh, got {type(device_mesh).__name__}.")
        unknown = [a for a in self._axes if a is not None and a not in device_mesh.axis_names]
        if unknown:
            raise ValueError(f"TensorLayout: axes {unknown} are not axes of the mesh {device_mesh.axis_names}.")
        self._device_mesh = device_mesh

    def __repr__(self):
        return f"<TensorLayout axes={self.axes}, device_mesh={self.device_mesh}>"


class Distribution:
    """Base class: a device mesh, the mesh axis the batch is split on, and the backend's engine."""

    def __init__(self, device_mesh, batch_dim_name=None, auto_shard_dataset=True):
        module = _backend_engine_module(type(self).__name__)
        self._device_mesh = device_mesh
        self._batch_dim_name = batch_dim_name
        self._auto_shard_dataset = bool(auto_shard_dataset)
        self._num_processes = int(module.num_processes())
        self._process_id = int(module.process_id())
        self._engines = {}

    @property
    def device_mesh(self):
        return self._device_mesh

    @property
    def batch_dim_name(self):
        return self._batch_dim_name

    @property
    def auto_shard_dataset(self):
        return self._auto_shard_dataset

    @property
    def num_processes(self):
        return self._num_processes

    @property
    def num_model_replicas(self):
        raise NotImplementedError

    @property
    def data_shard_id(self):
        """The data shard of this process (its ``process_id`` when each process holds replicas)."""
        replicas = self.num_model_replicas
        if replicas >= self.num_processes:
            return self._process_id
        return self._process_id // (self.num_processes // replicas)

    def get_data_layout(self, data_shape):
        raise NotImplementedError

    def get_variable_layout(self, variable):
        raise NotImplementedError

    def get_tensor_layout(self, path):
        return None

    @contextlib.contextmanager
    def scope(self):
        """``with distribution.scope():`` makes it the current distribution for the block."""
        previous = distribution()
        set_distribution(self)
        try:
            yield self
        finally:
            set_distribution(previous)

    def _engine(self):
        """The active backend's engine for this distribution (made once per backend)."""
        name = config.backend()
        engine = self._engines.get(name)
        if engine is None:
            engine = self._engines[name] = _backend_engine_module(type(self).__name__).make_engine(self)
        return engine

    def __repr__(self):
        return f"<{type(self).__name__} device_mesh={self.device_mesh}, batch_dim_name={self.batch_dim_name!r}>"


class DataParallel(Distribution):
    """Data parallelism: variables replicated on every device, each global batch split across them
    along its first axis, gradients averaged -- training equals one device on the same global batch.

    Pass ``device_mesh`` (its first axis splits the batch) or ``devices`` (a 1-D mesh with axis
    ``"batch"``), not both; neither: every device of ``list_devices()``.
    """

    def __init__(self, device_mesh=None, devices=None, auto_shard_dataset=True):
        if device_mesh is not None and devices is not None:
            raise ValueError("DataParallel: pass device_mesh or devices, not both.")
        _backend_engine_module("DataParallel")
        if device_mesh is not None:
            if not isinstance(device_mesh, DeviceMesh):
                raise ValueError(f"DataParallel: device_mesh must be a DeviceMesh, got {type(device_mesh).__name__}.")
            if device_mesh.devices.ndim != 1:
                warnings.warn(f"DataParallel: expected a 1-D mesh, got shape {device_mesh.shape}; its first axis "
                              f"({device_mesh.axis_names[0]!r}) splits the batch.", stacklevel=2)
            batch_dim_name = device_mesh.axis_names[0]
        else:
            devices = np.array(list_devices() if devices is None else devices)
            if devices.size == 0:
                raise ValueError("DataParallel: devices is empty.")
            device_mesh = DeviceMesh(devices.shape, [DEFAULT_BATCH_DIM_NAME], devices)
            batch_dim_name = DEFAULT_BATCH_DIM_NAME
        super().__init__(device_mesh, batch_dim_name, auto_shard_dataset)

    @property
    def num_model_replicas(self):
        return int(self.device_mesh.devices.size)

    def get_data_layout(self, data_shape):
        return TensorLayout([self.batch_dim_name] + [None] * (len(data_shape) - 1), self.device_mesh)

    def get_variable_layout(self, variable):
        return TensorLayout([None] * len(variable.shape), self.device_mesh)


class ModelParallel(Distribution):
    """Variables sharded as a ``LayoutMap`` says (others replicated), the batch split along
    ``batch_dim_name`` (default: the mesh's first axis). JAX only: XLA partitions the step.

    ``layout_map[".*dense.*kernel"] = (None, "model")`` shards every Dense kernel's columns over the
    mesh axis ``"model"``; keys are regular expressions matched in full against ``variable.path``
    (optimizer slots, whose paths end with their variable's, follow it).
    """

    def __init__(self, *, layout_map=None, batch_dim_name=None, auto_shard_dataset=True, **kwargs):
        kwargs.pop("device_mesh", None)   # Keras's deprecated argument: the layout map's mesh is used
        if kwargs:
            raise TypeError(f"ModelParallel: unexpected keyword argument(s) {sorted(kwargs)}.")
        if not isinstance(layout_map, LayoutMap):
            raise ValueError(f"ModelParallel: layout_map must be a LayoutMap, got {type(layout_map).__name__}.")
        device_mesh = layout_map.device_mesh
        batch_dim_name = batch_dim_name or device_mesh.axis_names[0]
        if batch_dim_name not in device_mesh.axis_names:
            raise ValueError(f"ModelParallel: batch_dim_name {batch_dim_name!r} is not an axis of the mesh "
                             f"{device_mesh.axis_names}.")
        super().__init__(device_mesh, batch_dim_name, auto_shard_dataset)
        self._layout_map = layout_map

    @property
    def num_model_replicas(self):
        return int(self.device_mesh.shape[self.device_mesh.axis_names.index(self.batch_dim_name)])

    def get_data_layout(self, data_shape):
        return TensorLayout([self.batch_dim_name] + [None] * (len(data_shape) - 1), self.device_mesh)

    def get_variable_layout(self, variable):
        layout = self._layout_map[variable.path]
        return layout if layout is not None else TensorLayout([None] * len(variable.shape), self.device_mesh)

    def get_tensor_layout(self, path):
        return self._layout_map[path]


class LayoutMap(collections.abc.MutableMapping):
    """Variable paths -> ``TensorLayout``: a key is an exact path or a regular expression matched in
    full; a path matching several keys is an error, none gives None. A tuple value is turned into a
    ``TensorLayout`` on ``device_mesh``."""

    def __init__(self, device_mesh):
        if not isinstance(device_mesh, DeviceMesh):
            raise ValueError(f"LayoutMap: device_mesh must be a DeviceMesh, got {type(device_mesh).__name__}.")
        self._layouts = {}
        self._device_mesh = device_mesh

    @property
    def device_mesh(self):
        return self._device_mesh

    def __getitem__(self, key):
        if key in self._layouts:
            return self._layouts[key]
        matches = [pattern for pattern in self._layouts if re.fullmatch(pattern, key)]
        if len(matches) > 1:
            raise ValueError(f"LayoutMap: path {key!r} matches several keys {matches}; make each path match at "
                             "most one.")
        return self._layouts[matches[0]] if matches else None

    def __setitem__(self, key, layout):
        if key in self._layouts:
            raise ValueError(f"LayoutMap: {key!r} is already set to {self._layouts[key]}.")
        if isinstance(layout, (tuple, list)):
            layout = TensorLayout(layout)
        if not isinstance(layout, TensorLayout):
            raise ValueError(f"LayoutMap: expected a TensorLayout or a tuple of mesh axis names for {key!r}, got "
                             f"{type(layout).__name__}.")
        if layout.device_mesh is None:
            layout.device_mesh = self._device_mesh
        self._layouts[key] = layout

    def __delitem__(self, key):
        del self._layouts[key]

    def __len__(self):
        return len(self._layouts)

    def __iter__(self):
        return iter(self._layouts)


def distribute_tensor(tensor, layout):
    """``tensor`` laid out as ``layout`` (a ``TensorLayout`` whose mesh is set): moved to its devices
    when eager, a sharding constraint inside a compiled function (JAX). A symbolic ``KerasTensor``
    is returned as it is."""
    from kerafront._keras_tensor import KerasTensor
    if isinstance(tensor, KerasTensor):
        return tensor
    if not isinstance(layout, TensorLayout) or layout.device_mesh is None:
        raise ValueError(f"distribute_tensor: expected a TensorLayout with a device_mesh, got {layout!r}.")
    module = _backend_engine_module("distribute_tensor")
    if not hasattr(module, "distribute_tensor"):
        raise ValueError(f"distribute_tensor: the {config.backend()!r} backend places whole tensors only; laying "
                         "out one tensor across devices runs on the jax backend.")
    return module.distribute_tensor(tensor, layout)


def distribution():
    """The current distribution (None: single device)."""
    return _current["distribution"]


def set_distribution(value):
    """Make ``value`` (a ``Distribution``, or None to stop distributing) the current distribution."""
    if value is not None and not isinstance(value, Distribution):
        raise TypeError(f"set_distribution: expected a Distribution (e.g. DataParallel()) or None, got "
                        f"{type(value).__name__}.")
    _current["distribution"] = value


def active_engine():
    """The current distribution's engine for the active backend; None when no distribution is set."""
    current = _current["distribution"]
    return None if current is None else current._engine()


def is_chief():
    """True in the process that prints progress and writes checkpoints: process 0 of a multi-process
    run (True in a single process)."""
    engine = active_engine()
    if engine is not None:
        return bool(engine.is_chief)
    module = _backend_engine_module("is_chief", required=False)
    return module is None or int(module.process_id()) == 0


_SINGLE_DEVICE = Engine()


def batch_moments(x, axes, synchronized=False):
    """BatchNormalization's training statistics under the current distribution (see ``Engine.batch_moments``)."""
    engine = active_engine()
    return (engine or _SINGLE_DEVICE).batch_moments(x, axes, synchronized)
