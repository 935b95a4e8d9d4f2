"""Device hooks: the NumPy backend runs on the CPU only."""

import contextlib

name = "numpy"


def _check(device):
    if not isinstance(device, str):
        raise TypeError(f"device_scope: expected a device name such as 'cpu', got {type(device).__name__}.")
    kind = device.lower().split(":")[0]
    if kind != "cpu":
        raise ValueError(f"device_scope: device {device!r} is not available: the NumPy backend runs on the CPU "
                         "only; choose KERAFRONT_BACKEND=torch or jax for a GPU.")


def device_scope(device):
    """``with device_scope("cpu"):`` (a no-op context); any other device raises ValueError at once."""
    _check(device)
    return contextlib.nullcontext("cpu")


def default_device():
    return "cpu"


def list_devices():
    return ["cpu"]
