"""Child processes for the reliability suite: fresh interpreters under a timeout and a memory limit."""

import json
import os
import subprocess
import sys
import textwrap

import pytest

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

_PREAMBLE = """
import json, os, resource, sys
sys.path.insert(0, {repo!r})
import kerafront

def limit_memory(extra_bytes):
    # The address-space limit: the current size plus extra_bytes (only then does a bomb fail fast).
    with open("/proc/self/statm") as f:
        size = int(f.read().split()[0]) * os.sysconf("SC_PAGE_SIZE")
    resource.setrlimit(resource.RLIMIT_AS, (size + extra_bytes, size + extra_bytes))

def report(value):
    print("RESULT " + json.dumps(value), flush=True)
"""


def run_python(folder, code, timeout=60):
    """Run ``code`` in a fresh interpreter in ``folder`` (NumPy backend; helpers ``limit_memory(extra_bytes)``
    and ``report(value)`` defined) and return the last value it reported.

    Fails the test when the child times out, crashes, or reports nothing."""
    if not sys.platform.startswith("linux"):
        pytest.skip("the reliability children use /proc and RLIMIT_AS (Linux)")
    script = os.path.join(folder, "child.py")
    with open(script, "w") as f:
        f.write(_PREAMBLE.format(repo=REPO) + textwrap.dedent(code))
    env = dict(os.environ, KERAFRONT_BACKEND="numpy", KERAFRONT_HOME=os.path.join(folder, "home"),
               OMP_NUM_THREADS="1", OPENBLAS_NUM_THREADS="1")
    try:
        done = subprocess.run([sys.executable, script], capture_output=True, text=True, timeout=timeout, env=env,
                              cwd=folder)
    except subprocess.TimeoutExpired:
        pytest.fail(f"the child process ran past {timeout} s (a hang)")
    results = [line[len("RESULT "):] for line in done.stdout.splitlines() if line.startswith("RESULT ")]
    assert done.returncode == 0 and results, f"child failed (rc {done.returncode}):\n{done.stderr[-3000:]}"
    return json.loads(results[-1])


def import_kerafront(home, timeout=60):
    """``python -c "import kerafront"`` with ``KERAFRONT_HOME=home``; fails the test on a timeout."""
    env = {k: v for k, v in os.environ.items() if k != "KERAFRONT_BACKEND"}
    env.update(KERAFRONT_HOME=str(home), PYTHONPATH=REPO)
    try:
        return subprocess.run([sys.executable, "-c", "import kerafront"], capture_output=True, text=True,
                              timeout=timeout, env=env, cwd=home)
    except subprocess.TimeoutExpired:
        pytest.fail(f"import kerafront ran past {timeout} s (a hang)")
