"""Section device: ``name``, ``device_scope``, ``default_device``, ``list_devices`` and ``KERAFRONT_DEVICE``.

kerafront names devices ``"cpu"`` and ``"gpu:<i>"`` (``"gpu"`` means ``"gpu:0"``; every spelling
``kerafront.config.parse_device`` accepts works); they map to TensorFlow's ``"/CPU:0"`` and
``"/GPU:<i>"``. Without ``KERAFRONT_DEVICE`` TensorFlow's own placement applies: the first GPU when
one is visible, else the CPU. ``KERAFRONT_DEVICE`` is read once, at import, and enters a
``tf.device`` scope for the importing thread (TensorFlow's device scopes are per thread; other
threads use ``device_scope``).
"""

import contextlib
import threading

from kerafront import config
from kerafront_tensorflow._tf import tf

name = "tensorflow"

_scopes = threading.local()
_cache = {}


def list_devices():
    """``["cpu", "gpu:0", ...]``: the CPU and every GPU TensorFlow can see."""
    devices = _cache.get("devices")
    if devices is None:
        gpus = tf.config.list_physical_devices("GPU")
        devices = _cache["devices"] = ["cpu"] + [f"gpu:{i}" for i in range(len(gpus))]
    return list(devices)


def canonical_device(device, where="device_scope"):
    """``"cpu"`` or ``"gpu:<i>"`` for a device name; ``ValueError`` when TensorFlow here lacks it."""
    return _available(config.parse_device(device, where), device, where)


def _available(parsed, device, where):
    kind, index = parsed
    canonical = "cpu" if kind == "cpu" else f"gpu:{index}"
    available = list_devices()
    if canonical not in available:
        raise ValueError(f"{where}: device {device!r} is not available to TensorFlow here; "
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
    requested = config.requested_device()
    if requested is None:
        return
    canonical = _available(requested, config.environ("KERAFRONT_DEVICE"), "KERAFRONT_DEVICE")
    _cache["default"] = canonical
    scope = tf.device(tf_device_name(canonical))
    scope.__enter__()
    _cache["environment_scope"] = scope


_apply_environment()
