"""Device hooks (``name``, ``device_scope``, ``default_device``, ``list_devices``,
``prepare_for_training``, ``variable_storage``) and the current ``torch.device`` every other module
places tensors on.

Device names are parsed by ``kerafront.config.parse_device`` (``"cpu"``, ``"gpu"`` = ``"gpu:0"``,
``"gpu:1"``, torch's ``"cuda:1"``...); this module only checks that torch has the device. The
default is the first CUDA GPU when ``torch.cuda.is_available()``, else the CPU;
``KERAFRONT_DEVICE`` (``config.requested_device``) overrides it, read once, at import.

New tensors (creation ops, random ops, converted NumPy arrays and Python lists) are placed on the
current device. A binary op that receives one native tensor and one NumPy array converts the array
to the tensor's device, so mixing never fails on a device mismatch.
"""

import contextlib
import threading

import torch

from kerafront import config

name = "torch"

_state = threading.local()


def list_devices():
    """Device names this backend can use: ``["cpu", "gpu:0", ...]``."""
    names = ["cpu"]
    if torch.cuda.is_available():
        names += [f"gpu:{i}" for i in range(torch.cuda.device_count())]
    return names


def _torch_device(requested, where):
    """kerafront device name (or a ``torch.device``) -> ``torch.device``; ``ValueError`` when torch lacks it."""
    if isinstance(requested, torch.device):
        requested = str(requested)
    kind, index = config.parse_device(requested, where)
    return _available(kind, index, requested, where)


def _available(kind, index, requested, where):
    """``torch.device`` of a parsed name, once torch is known to have it (the CPU has index 0 only)."""
    if kind == "cpu" and index == 0:
        return torch.device("cpu")
    count = torch.cuda.device_count() if torch.cuda.is_available() else 0
    if kind == "gpu" and index < count:
        return torch.device("cuda", index)
    raise ValueError(f"{where}: device {requested!r} is not available to the torch backend "
                     f"({count} CUDA GPU(s) visible). Available devices: {', '.join(list_devices())}. "
                     f"Use 'cpu' or unset KERAFRONT_DEVICE.")


def _initial_device():
    requested = config.requested_device()
    if requested is not None:
        return _available(*requested, config.environ("KERAFRONT_DEVICE"), "KERAFRONT_DEVICE")
    return torch.device("cuda", 0) if torch.cuda.is_available() else torch.device("cpu")


_default = _initial_device()


def current():
    """The ``torch.device`` new tensors go to (innermost ``device_scope``, else the default)."""
    stack = getattr(_state, "stack", None)
    return stack[-1] if stack else _default


def device_name(device):
    """``torch.device`` -> kerafront name (``"cpu"``, ``"gpu:0"``)."""
    if device.type == "cuda":
        return f"gpu:{device.index or 0}"
    return device.type


def default_device():
    """The current device's kerafront name, e.g. ``"cpu"`` or ``"gpu:0"``."""
    return device_name(current())


@contextlib.contextmanager
def device_scope(name):
    """``with device_scope("gpu:0"):`` places new tensors on that device; raises ``ValueError`` if absent."""
    device = _torch_device(name, "device_scope")
    if not hasattr(_state, "stack"):
        _state.stack = []
    _state.stack.append(device)
    try:
        if device.type == "cuda":
            with torch.cuda.device(device):
                yield device_name(device)
        else:
            yield device_name(device)
    finally:
        _state.stack.pop()


def prepare_for_training():
    """Optional hook (``kerafront.spec.OPTIONAL_BACKEND_HOOKS``): on the CPU, keep freed memory for
    the next step (torch's CPU tensors come from malloc; see ``kerafront/utils/malloc.py``)."""
    if default_device() == "cpu":
        from kerafront.utils import malloc
        malloc.keep_freed_memory()


class ParameterStorage:
    """``variable_storage`` hook (contract in ``kerafront/variables.py``): a kerafront Variable's value
    is a ``torch.nn.Parameter``. A trainable one is updated in place, so ``torch.optim`` optimizers,
    ``state_dict`` and the layer's ``torch.nn.Module`` view (``_module.py``) hold the same object as
    the Variable (a tensor read from it before an assignment then shows the new value, as in Keras's
    torch backend); other state is rebound to a new Parameter on each assignment.

    ``requires_grad`` follows ``trainable`` for floating dtypes (integer Parameters never require grad).
    """

    def make(self, tensor, trainable):
        """A new Parameter holding a copy of ``tensor`` (the caller's tensor is never written through)."""
        tensor = tensor.detach().clone()
        return torch.nn.Parameter(tensor, requires_grad=bool(trainable) and tensor.is_floating_point())

    def assign(self, storage, tensor):
        """Copy ``tensor`` (already of the Variable's dtype and shape) into ``storage``; returns it."""
        if tensor is storage:
            return storage
        if not storage.requires_grad:
            # State no gradient flows to (metric and optimizer state, seed states, BatchNorm
            # statistics): a new Parameter around the new value, so a value read before the
            # assignment keeps its contents (SeedGenerator.next returns the state it read), as on
            # every other backend.
            return torch.nn.Parameter(tensor.detach(), requires_grad=False)
        with torch.no_grad():   # a trainable Parameter keeps its identity (torch.optim holds it) and stays a leaf
            storage.copy_(tensor)
        return storage

    def set_trainable(self, storage, trainable):
        storage.requires_grad_(bool(trainable) and storage.is_floating_point())

    def __reduce__(self):
        return "variable_storage"  # pickled (and deep-copied) by reference: there is one


variable_storage = ParameterStorage()
