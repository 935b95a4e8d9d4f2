"""Loaded by pytest before the conftest of each test folder.

torch's CUDA wheels ship triton, whose native library crashes the process (a segfault) when it loads
after TensorFlow's (triton 3.8 with TensorFlow 2.21); torch.compile loads it on first use. The suite
runs every backend in one process, so triton, where installed, is loaded here before any framework.
"""

import importlib.util

if importlib.util.find_spec("triton") is not None:
    import triton  # noqa: F401
