"""Keeping freed memory for the next training step (glibc's malloc only).

On the CPU, NumPy and torch allocate a step's activations and gradients with malloc (tens of MB
for a small CNN) and free them at its end. glibc then hands the free top of its heap back to the
OS, and the next step faults every page in again: on the W2 CNN about 3,900-4,500 page faults and
~20 ms of kernel time per step, on NumPy and on a hand-written PyTorch loop alike.
``keep_freed_memory`` sets glibc's ``M_TOP_PAD`` so that 128 MiB of freed memory stays with the
process; steps then reuse it (a handful of page faults per step). The NumPy and torch (CPU)
backends call it from their ``prepare_for_training`` hook, before the first training step.

The setting is process-wide (it outlives the fit), so it is a documented switch of
``kerafront.config`` (``KERAFRONT_MALLOC_TOP_PAD``, see ``config.SWITCHES`` and the README's
performance notes): ``0`` leaves malloc alone, a number sets the padding in MiB. It is also left
alone when any ``MALLOC_*`` variable shows the user tunes malloc themselves, and off glibc.
"""

import ctypes
import ctypes.util
import os
import platform

from kerafront import config

_M_TOP_PAD = -2   # mallopt parameter number, from glibc's malloc.h
DEFAULT_MIB = 128
_applied = None


def keep_freed_memory():
    """Apply the padding once per process; returns the bytes set, or None when left alone."""
    global _applied
    if _applied is not None:
        return _applied or None
    _applied = 0
    setting = config.environ("KERAFRONT_MALLOC_TOP_PAD")
    if setting == "0" or any(key.startswith("MALLOC_") for key in os.environ):
        return None
    if platform.system() != "Linux" or platform.libc_ver()[0] != "glibc":
        return None
    try:
        mib = float(setting) if setting else DEFAULT_MIB
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6")
        if libc.mallopt(_M_TOP_PAD, int(mib * (1 << 20))) != 1:
            return None
    except (OSError, AttributeError, ValueError):
        return None
    _applied = int(mib * (1 << 20))
    return _applied
