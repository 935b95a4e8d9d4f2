"""Reliability suite: what a careless or hostile user can do to kerafront must end in a clear error,
never a hang, a memory blow-up, a lost file or a file that saves but will not load.

Anything that could hang or allocate without bound runs in a child process (``_children``) under a
wall-clock timeout and, where it matters, an address-space limit set with ``resource.setrlimit`` a
fixed amount above the child's size after ``import kerafront``. Backend-parametrized tests skip a
backend whose framework is not installed.
"""

import pytest

import kerafront

BACKENDS = ("numpy", "torch", "jax", "tensorflow")
_FRAMEWORK_MODULE = {"torch": "torch", "jax": "jax", "tensorflow": "tensorflow"}


def require_backend(name):
    """Skip unless the framework of backend ``name`` is installed; returns ``name``."""
    if name in _FRAMEWORK_MODULE:
        pytest.importorskip(_FRAMEWORK_MODULE[name])
    return name


@pytest.fixture(params=BACKENDS)
def backend(request):
    """Each backend in turn (skipped when its framework is missing), active in this thread."""
    with kerafront.backend_scope(require_backend(request.param)):
        yield request.param


@pytest.fixture
def run_python(tmp_path):
    """``run_python(code, timeout=60)``: ``_children.run_python`` in this test's folder."""
    from _children import run_python as run
    return lambda code, timeout=60: run(str(tmp_path), code, timeout)
