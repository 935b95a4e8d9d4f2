"""JAX's persistent compilation cache, on by default for kerafront's compiled steps.

XLA needs 0.4-1 s on a 2-core CPU to compile even a small training step, once per batch shape, and
again in every new process. With the cache, a re-run of the same model (the usual edit-and-rerun
loop) loads the compiled steps from disk instead (about 10 ms each).

``KERAFRONT_JAX_COMPILATION_CACHE`` (read when this module is imported): unset or ``1`` uses
``~/.cache/kerafront/jax``; ``0`` (or ``false``/``off``) turns it off; anything else is the
directory to use. A cache the user configured for JAX itself (``JAX_COMPILATION_CACHE_DIR`` or
``jax.config.update("jax_compilation_cache_dir", ...)`` before importing kerafront) is left alone.
Only compilations that took at least 0.1 s are stored (the steps, not the small kernels of eager
ops), and the cache is capped at 1 GiB (JAX evicts the least recently used entries).
"""

import os

import jax

from kerafront import config

_OFF = ("0", "false", "off", "no")
MIN_COMPILE_SECONDS = 0.1
MAX_BYTES = 1 << 30


def default_directory():
    return os.path.join(os.path.expanduser("~"), ".cache", "kerafront", "jax")


def init_from_env():
    """Configure the cache as the module docstring says; returns the directory used, or None."""
    setting = config.environ("KERAFRONT_JAX_COMPILATION_CACHE")
    if setting.lower() in _OFF:
        return None
    if os.environ.get("JAX_COMPILATION_CACHE_DIR") or jax.config.jax_compilation_cache_dir:
        return None
    directory = default_directory() if setting.lower() in ("", "1", "true", "on", "yes") else setting
    jax.config.update("jax_compilation_cache_dir", directory)
    if "JAX_PERSISTENT_CACHE_MIN_COMPILE_TIME_SECS" not in os.environ:
        jax.config.update("jax_persistent_cache_min_compile_time_secs", MIN_COMPILE_SECONDS)
    if "JAX_COMPILATION_CACHE_MAX_SIZE" not in os.environ and jax.config.jax_compilation_cache_max_size == -1:
        jax.config.update("jax_compilation_cache_max_size", MAX_BYTES)
    return directory


active_directory = init_from_env()  # configured once, when the backend is imported
