"""Device placement: kerafront's device names mapped onto ``jax.devices()``.

Names are ``"cpu"``, ``"gpu"`` (= ``"gpu:0"``), ``"gpu:1"``...; ``"cuda"`` is an alias of ``"gpu"``.
JAX itself puts new arrays on its first GPU when it sees one, else on the CPU; ``KERAFRONT_DEVICE``
(read once, at import) overrides that through ``jax_default_device``, and ``device_scope`` through
``jax.default_device`` for the body of a ``with`` block.
"""

import contextlib
import os

import jax

_ALIASES = {"cuda": "gpu"}
_scope_stack = []
_env_device = None


def _parse(name, where):
    if not isinstance(name, str) or not name:
        raise ValueError(f"{where}: expected a device name such as 'cpu', 'gpu' or 'gpu:1', got {name!r}.")
    platform, _, index = name.strip().lower().partition(":")
    platform = _ALIASES.get(platform, platform)
    if index and not index.isdigit():
        raise ValueError(f"{where}: bad device index in {name!r}; expected e.g. 'gpu:1'.")
    return platform, int(index or 0)


def _platform_devices(platform):
    try:
        return jax.devices(platform)
    except RuntimeError:
        return []


def resolve(name, where="device_scope"):
    """The ``jax.Device`` for a kerafront device name; ``ValueError`` naming the available ones."""
    platform, index = _parse(name, where)
    devices = _platform_devices(platform)
    if index >= len(devices):
        raise ValueError(f"{where}: JAX has no device {name!r}; available: {', '.join(list_devices())}. "
                         f"(A GPU needs a CUDA build of jaxlib, e.g. pip install \"jax[cuda12]\".)")
    return devices[index]


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
    return device_name(_env_device if _env_device is not None else jax.devices()[0])


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


def init_from_env():
    """Apply ``KERAFRONT_DEVICE`` (if set) as JAX's default device; called once at import."""
    global _env_device
    name = os.environ.get("KERAFRONT_DEVICE")
    if name:
        _env_device = resolve(name, "KERAFRONT_DEVICE")
        jax.config.update("jax_default_device", _env_device)
