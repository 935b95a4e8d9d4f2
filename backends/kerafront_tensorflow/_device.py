"""Devices: ``KERAFRONT_DEVICE``, ``device_scope``, ``default_device``, ``list_devices``.

kerafront names devices ``"cpu"`` and ``"gpu:<i>"`` (``"gpu"`` means ``"gpu:0"``); they map to
TensorFlow's ``"/CPU:0"`` and ``"/GPU:<i>"``. Without ``KERAFRONT_DEVICE`` TensorFlow's own
placement applies: the first GPU when one is visible, else the CPU. ``KERAFRONT_DEVICE`` is read
once, at import, and enters a ``tf.device`` scope for the importing thread (TensorFlow's device
scopes are per thread; other threads use ``device_scope``).
"""

import contextlib
import os
import re
import threading

from kerafront_tensorflow._tf import tf

_NAME = re.compile(r"^/?(?:device:)?(cpu|gpu|cuda)(?::(\d+))?$", re.IGNORECASE)
_scopes = threading.local()
_cache = {}


def list_devices():
    """``["cpu", "gpu:0", ...]``: the CPU and every GPU TensorFlow can see."""
    devices = _cache.get("devices")
    if devices is None:
        gpus = tf.config.list_physical_devices("GPU")
        devices = _cache["devices"] = ["cpu"] + [f"gpu:{i}" for i in range(len(gpus))]
    return list(devices)


def canonical_device(name, where="device_scope"):
    """``"cpu"`` or ``"gpu:<i>"`` for a device name; ``ValueError`` when this machine lacks it."""
    match = _NAME.match(str(name).strip()) if isinstance(name, str) else None
    if match is None:
        raise ValueError(f"{where}: device must be 'cpu', 'gpu' or 'gpu:<index>', got {name!r}.")
    kind = "cpu" if match.group(1).lower() == "cpu" else "gpu"
    canonical = "cpu" if kind == "cpu" else f"gpu:{int(match.group(2) or 0)}"
    available = list_devices()
    if canonical not in available:
        raise ValueError(f"{where}: device {name!r} is not available to TensorFlow here; "
                         f"available devices: {', '.join(available)}.")
    return canonical


def tf_device_name(canonical):
    return "/CPU:0" if canonical == "cpu" else "/GPU:" + canonical.split(":")[1]


def _stack():
    stack = getattr(_scopes, "stack", None)
    if stack is None:
        stack = _scopes.stack = []
    return stack


def default_device():
    """The device new tensors go to in this thread: the innermost ``device_scope``, else the default."""
    stack = _stack()
    if stack:
        return stack[-1]
    default = _cache.get("default")
    if default is None:
        devices = list_devices()
        default = _cache["default"] = devices[1] if len(devices) > 1 else "cpu"
    return default


def on_gpu():
    return default_device() != "cpu"


@contextlib.contextmanager
def device_scope(name):
    """``with device_scope("gpu:1"):`` creates tensors and runs ops on that device (``tf.device``)."""
    canonical = canonical_device(name)
    stack = _stack()
    stack.append(canonical)
    try:
        with tf.device(tf_device_name(canonical)):
            yield canonical
    finally:
        stack.pop()


def _apply_environment():
    requested = os.environ.get("KERAFRONT_DEVICE")
    if not requested:
        return
    canonical = canonical_device(requested, where="KERAFRONT_DEVICE")
    _cache["default"] = canonical
    scope = tf.device(tf_device_name(canonical))
    scope.__enter__()
    _cache["environment_scope"] = scope


_apply_environment()
