"""Device hooks (``name``, ``device_scope``, ``default_device``, ``list_devices``) on ``jax.devices()``.

Names are parsed by ``kerafront.config.parse_device``: ``"cpu"``, ``"gpu"`` (= ``"gpu:0"``),
``"gpu:1"``..., ``"cuda"`` as an alias of ``"gpu"``, TensorFlow's ``"/device:GPU:0"``. JAX itself
puts new arrays on its first GPU when it sees one, else on the CPU; ``KERAFRONT_DEVICE`` (applied
once, when this module is imported) overrides that through ``jax_default_device``, and
``device_scope`` through ``jax.default_device`` for the body of a ``with`` block.
"""

import contextlib

import jax

from kerafront import config

name = "jax"

_scope_stack = []


def _platform_devices(platform):
    try:
        return jax.devices(platform)
    except RuntimeError:
        return []


def _device(kind, index, where, requested):
    devices = _platform_devices(kind)
    if index >= len(devices):
        raise ValueError(f"{where}: JAX has no device {requested!r}; available: {', '.join(list_devices())}. "
                         f"(A GPU needs a CUDA build of jaxlib, e.g. pip install \"jax[cuda12]\".)")
    return devices[index]


def resolve(device, where="device_scope"):
    """The ``jax.Device`` for a kerafront device name; ``ValueError`` naming the available ones."""
    kind, index = config.parse_device(device, where)
    return _device(kind, index, where, device)


def device_name(device):
    """kerafront's name of a ``jax.Device``: ``"cpu"`` (``"cpu:1"``...) or ``"gpu:0"``..."""
    index = _platform_devices(device.platform).index(device)
    if device.platform == "cpu" and index == 0:
        return "cpu"
    return f"{device.platform}:{index}"


def list_devices():
    devices = list(jax.devices())
    if devices[0].platform != "cpu":
        devices += _platform_devices("cpu")
    return [device_name(d) for d in devices]


def default_device():
    """Name of the device new tensors go to: the innermost scope, else KERAFRONT_DEVICE, else JAX's first."""
    if _scope_stack:
        return device_name(_scope_stack[-1])
    return device_name(_requested_device if _requested_device is not None else jax.devices()[0])


@contextlib.contextmanager
def device_scope(name):
    """``with device_scope("cpu"):`` creates the body's new tensors (and runs its computations) there."""
    device = resolve(name)
    _scope_stack.append(device)
    try:
        with jax.default_device(device):
            yield device
    finally:
        _scope_stack.pop()


def _apply_requested_device():
    """``KERAFRONT_DEVICE`` (if set) as JAX's default device, or None."""
    requested = config.requested_device()
    if requested is None:
        return None
    kind, index = requested
    device = _device(kind, index, "KERAFRONT_DEVICE", config.environ("KERAFRONT_DEVICE"))
    jax.config.update("jax_default_device", device)
    return device


_requested_device = _apply_requested_device()
