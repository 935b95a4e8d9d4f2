"""Cross-backend conformance suite: every backend against the NumPy reference, in one process.

Run it::

    pytest conformance_tests                         # every installed backend
    pytest conformance_tests --backend torch         # one backend (the reference runs alongside)
    pytest conformance_tests --backend torch,jax -n 2   # several, comma-separated or repeated
    pytest conformance_tests --conformance-report errors.json   # also write the max-error table

Tests are parametrized by backend name (``test_forward[torch-conv-2d_same]``); the backend is
switched in-process with ``kerafront.backend_scope``, so each framework is imported once per
process (pytest-xdist workers collect the same deterministic ids). The NumPy reference
(``numpy``) is always loaded: non-reference backends are compared with it, and the reference
itself is checked against ``case.expect`` NumPy definitions and against finite differences.

JAX runs in its default 32-bit mode: cases that need float64/int64 are skipped on it with the
backend's own message; ``KERAFRONT_JAX_ENABLE_X64=1 pytest conformance_tests --backend jax`` runs
them too. Any backend that refuses a dtype (TypeError/ValueError from ``convert_to_tensor``) is
treated the same way. JAX compilations are cached on disk between runs (see
``_enable_jax_compilation_cache``).

A third-party backend runs the same suite unchanged: install it so that it registers under the
entry-point group ``kerafront.backends`` (say ``mlx = "kerafront_mlx"``), then, from a kerafront
checkout, ``pytest conformance_tests --backend mlx``. test_contract.py lists any primitive it
lacks or defines with another signature; every other failure names the op, case and backend.

Files: ``cases/`` (the op case table), ``tolerances.py`` (every tolerance), ``harness.py`` (run /
VJP / finite differences / compare), ``naive.py`` (loop definitions of conv and pooling).
"""

import json
import os

import pytest

import kerafront
from kerafront import registry

from conformance_tests import harness


def pytest_addoption(parser):
    group = parser.getgroup("kerafront conformance")
    try:
        group.addoption("--backend", action="append", default=None, metavar="NAME",
                        help="kerafront backend(s) to test: repeatable or comma-separated "
                             "(default: every installed backend).")
        group.addoption("--conformance-report", default=None, metavar="PATH",
                        help="write the max errors seen per (check, backend, dtype) as JSON to PATH.")
    except ValueError:  # another conftest already defines the options
        pass


def _selected_backends(config):
    try:
        raw = config.getoption("--backend")
    except ValueError:
        raw = None
    if not raw:
        return registry.available_backends()
    names = []
    for item in raw:
        for name in item.split(","):
            name = name.strip()
            if name and name not in names:
                names.append(name)
    missing = [name for name in names if not registry.is_available(name)]
    if missing:
        raise pytest.UsageError(
            f"--backend: {', '.join(missing)} not installed here; available: "
            f"{', '.join(registry.available_backends())}.")
    return names


def pytest_configure(config):
    config.kerafront_backends = _selected_backends(config)
    _enable_jax_compilation_cache(config.kerafront_backends)


def _enable_jax_compilation_cache(backends):
    """Persist JAX's compilations between runs (re-runs of the JAX cases get ~4x faster).

    Eager JAX compiles every primitive for each new shape/dtype (0.05-1 s each), which is most of
    this suite's JAX time. The cache lives in ``~/.cache/kerafront/jax_conformance`` (a few tens
    of MB), or in ``KERAFRONT_CONFORMANCE_JAX_CACHE=<dir>``; ``=0`` turns it off, and a cache the
    user configured with ``JAX_COMPILATION_CACHE_DIR`` is left alone.
    """
    setting = os.environ.get("KERAFRONT_CONFORMANCE_JAX_CACHE", "")
    if "jax" not in backends or setting == "0" or os.environ.get("JAX_COMPILATION_CACHE_DIR"):
        return
    import jax

    path = setting or os.path.join(os.path.expanduser("~"), ".cache", "kerafront", "jax_conformance")
    jax.config.update("jax_compilation_cache_dir", path)
    jax.config.update("jax_persistent_cache_min_compile_time_secs", 0.0)
    jax.config.update("jax_persistent_cache_min_entry_size_bytes", -1)


def pytest_generate_tests(metafunc):
    backends = metafunc.config.kerafront_backends
    if "backend" in metafunc.fixturenames:
        metafunc.parametrize("backend", backends)
    if "other_backend" in metafunc.fixturenames:
        metafunc.parametrize("other_backend", [b for b in backends if b != harness.REFERENCE])
    if "reference_backend" in metafunc.fixturenames:
        metafunc.parametrize("reference_backend", [b for b in backends if b == harness.REFERENCE])


@pytest.fixture(autouse=True)
def _restore_settings_and_collect_errors(request):
    """Restore backend/floatx/data format after each test; attach recorded errors to the report."""
    config = kerafront.config
    saved = (config.backend(), config.floatx(), config.image_data_format())
    del harness.RECORDS[:]
    yield
    if harness.RECORDS:
        request.node.user_properties.append(("conformance_errors", list(harness.RECORDS)))
        del harness.RECORDS[:]
    if config.backend() != saved[0]:
        kerafront.set_backend(saved[0])
    config.set_floatx(saved[1])
    config.set_image_data_format(saved[2])


@pytest.fixture
def ops(backend):
    """``kerafront.ops`` with ``backend`` active for the test's duration."""
    with kerafront.backend_scope(backend):
        yield kerafront.ops


# (check, backend, dtype) -> max errors of passing comparisons, counts; filled from test reports
# (under pytest-xdist the controller receives every worker's reports).
_ERRORS = {}


def pytest_runtest_logreport(report):
    if report.when != "teardown":
        return
    for name, records in report.user_properties:
        if name != "conformance_errors":
            continue
        for check, backend, dtype, max_abs, max_rel, passed in records:
            entry = _ERRORS.setdefault((check, backend, dtype), {"max_abs": 0.0, "max_rel": 0.0, "n": 0, "failed": 0})
            entry["n"] += 1
            if passed:
                entry["max_abs"] = max(entry["max_abs"], max_abs)
                entry["max_rel"] = max(entry["max_rel"], max_rel)
            else:
                entry["failed"] += 1


def pytest_terminal_summary(terminalreporter, config):
    table = _ERRORS
    if not table:
        return
    terminalreporter.section("kerafront conformance: max errors of passing comparisons")
    terminalreporter.write_line(f"{'check':<10} {'backend':<12} {'dtype':<9} {'max_abs':>10} {'max_rel':>10} "
                                f"{'compared':>8} {'failed':>6}")
    for (check, backend, dtype), e in sorted(table.items(), key=lambda item: tuple(map(str, item[0]))):
        terminalreporter.write_line(f"{check:<10} {backend:<12} {dtype!s:<9} {e['max_abs']:>10.3g} "
                                    f"{e['max_rel']:>10.3g} {e['n']:>8} {e['failed']:>6}")
    path = config.getoption("--conformance-report", default=None)
    if path:
        rows = [dict(check=c, backend=b, dtype=d, **e) for (c, b, d), e in table.items()]
        with open(path, "w", encoding="utf-8") as f:
            json.dump(rows, f, indent=1)
