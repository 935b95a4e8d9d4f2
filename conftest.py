"""Loaded by pytest before the conftest of each test folder.

torch's CUDA wheels ship triton, whose native library crashes the process (a segfault) when it loads
after TensorFlow's (triton 3.8 with TensorFlow 2.21); torch.compile loads it on first use. The suite
runs every backend in one process, so triton, where installed, is loaded here before any framework.
"""

import importlib.util
import os

if importlib.util.find_spec("triton") is not None:
    import triton  # noqa: F401

# Tests that compare with Keras 3 import it in this process; its backend is fixed at its first import,
# so it is chosen once here: JAX (Keras's NumPy backend cannot fit, and TensorFlow is the slowest to
# import). A module's own os.environ.setdefault("KERAS_BACKEND", ...) then changes nothing.
os.environ.setdefault("KERAS_BACKEND", "jax")
# kerafront also reads KERAS_BACKEND (when KERAFRONT_BACKEND is unset); its tests and the processes they
# start run on NumPy unless they choose otherwise.
os.environ.setdefault("KERAFRONT_BACKEND", "numpy")
