"""Device hooks: the NumPy backend runs on the CPU only.

``KERAFRONT_DEVICE`` places tensors on torch, JAX and TensorFlow; NumPy ignores it (the NumPy
reference runs beside a GPU backend in the conformance suite), but ``device_scope`` refuses any
device other than the CPU.
"""

import contextlib

from kerafront import config

name = "numpy"


def device_scope(device):
    """``with device_scope("cpu"):`` (a no-op context); any other device raises ValueError at once."""
    if not isinstance(device, str):
        raise TypeError(f"device_scope: expected a device name such as 'cpu', got {type(device).__name__}.")
    kind, index = config.parse_device(device, "device_scope")
    if (kind, index) != ("cpu", 0):
        raise ValueError(f"device_scope: device {device!r} is not available: the NumPy backend runs on the CPU "
                         "only; choose KERAFRONT_BACKEND=torch or jax for a GPU.")
    return contextlib.nullcontext("cpu")


def default_device():
    return "cpu"


def list_devices():
    return ["cpu"]


def prepare_for_training():
    """Optional hook (``kerafront.spec.OPTIONAL_BACKEND_HOOKS``): keep freed memory for the next step."""
    from kerafront.utils import malloc
    malloc.keep_freed_memory()
