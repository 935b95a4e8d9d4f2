"""Helpers the distribution tests share: running a worker script on this source tree in a fresh process."""

import os
import pathlib
import subprocess
import sys

ROOT = pathlib.Path(__file__).resolve().parents[2]
HERE = pathlib.Path(__file__).resolve().parent

# Settings of the calling process that would change what a worker computes.
_CLEARED = ("KERAFRONT_DEVICE", "JAX_ENABLE_X64", "KERAFRONT_JAX_ENABLE_X64", "XLA_FLAGS", "KERAFRONT_TORCH_COMPILE",
            "KERAS_DISTRIBUTION_JOB_ADDRESSES", "KERAS_DISTRIBUTION_NUM_PROCESSES", "KERAS_DISTRIBUTION_PROCESS_ID")


def worker_env(**env):
    """``os.environ`` without the settings above, with this tree first on ``PYTHONPATH`` and ``env`` added."""
    full = {k: v for k, v in os.environ.items() if k not in _CLEARED}
    paths = [str(ROOT), str(ROOT / "backends")] + [p for p in full.get("PYTHONPATH", "").split(os.pathsep) if p]
    full["PYTHONPATH"] = os.pathsep.join(paths)
    full.update({k: str(v) for k, v in env.items()})
    return full


def run_worker(args, timeout, **env):
    """Run ``python args...`` in ``tests/distribution``; a failure's output is in the assertion message."""
    done = subprocess.run([sys.executable, *map(str, args)], cwd=HERE, env=worker_env(**env), capture_output=True,
                          text=True, timeout=timeout)
    assert done.returncode == 0, \
        f"worker {args} failed ({done.returncode}):\n{done.stdout[-4000:]}\n{done.stderr[-8000:]}"
    return done
