"""Device placement: ``KERAFRONT_DEVICE``, ``device_scope`` and the current ``torch.device``.

Device names are kerafront's: ``"cpu"``, ``"gpu"`` (= ``"gpu:0"``), ``"gpu:1"``...; torch's own
spellings ``"cuda"`` / ``"cuda:1"`` are accepted too. The default is the first CUDA GPU when
``torch.cuda.is_available()``, else the CPU. ``KERAFRONT_DEVICE`` is read once, at import.

New tensors (creation ops, random ops, converted NumPy arrays and Python lists) are placed on the
current device. A binary op that receives one native tensor and one NumPy array converts the array
to the tensor's device, so mixing never fails on a device mismatch.
"""

import contextlib
import os
import threading

import torch

_state = threading.local()


def _parse(name, where):
    """kerafront device name -> ``torch.device``; ``ValueError`` for unknown or unavailable devices."""
    if isinstance(name, torch.device):
        name = str(name)
    if not isinstance(name, str):
        raise TypeError(f"{where}: expected a device name such as 'cpu', 'gpu' or 'gpu:1', "
                        f"got {type(name).__name__}.")
    text = name.strip().lower()
    kind, _, index = text.partition(":")
    if kind == "cpu" and not index:
        return torch.device("cpu")
    if kind in ("gpu", "cuda"):
        if not index.isdigit() and index:
            raise ValueError(f"{where}: bad device index in {name!r}; expected 'gpu' or 'gpu:<int>'.")
        number = int(index or 0)
        count = torch.cuda.device_count() if torch.cuda.is_available() else 0
        if number >= count:
            available = ", ".join(list_devices())
            raise ValueError(f"{where}: device {name!r} is not available to the torch backend "
                             f"({count} CUDA GPU(s) visible). Available devices: {available}. "
                             f"Use 'cpu' or unset KERAFRONT_DEVICE.")
        return torch.device("cuda", number)
    raise ValueError(f"{where}: unknown device {name!r}; expected 'cpu', 'gpu' or 'gpu:<index>'.")


def list_devices():
    """Device names this backend can use: ``["cpu", "gpu:0", ...]``."""
    names = ["cpu"]
    if torch.cuda.is_available():
        names += [f"gpu:{i}" for i in range(torch.cuda.device_count())]
    return names


def _initial_device():
    requested = os.environ.get("KERAFRONT_DEVICE")
    if requested:
        return _parse(requested, "KERAFRONT_DEVICE")
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
    device = _parse(name, "device_scope")
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
