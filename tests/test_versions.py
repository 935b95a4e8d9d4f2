"""pyproject.toml claims only the framework releases that the version matrix tests.

``.ci/matrix.sh`` runs the suite on a "lower-bounds" entry whose pins are ``name==version``; each lower
bound ``name>=version`` in pyproject.toml must be one of those pins, with the same version string, so a
bound cannot move without the matrix testing it. Both files are read as text: no framework is imported.
"""

import pathlib
import re

import pytest

ROOT = pathlib.Path(__file__).resolve().parent.parent
tomllib = pytest.importorskip("tomllib", reason="tomllib is in the standard library from Python 3.11")

# pyproject's TensorFlow requirement is tensorflow-cpu on x86_64 (this machine) and tensorflow elsewhere.
PIN_NAME = {"tensorflow": "tensorflow-cpu"}
FRAMEWORK_EXTRAS = ("torch", "jax", "tensorflow")


def _lower_bounds():
    """{requirement name: version} for every ``name>=version`` in the dependencies and framework extras."""
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    requirements = list(project["dependencies"])
    for extra in FRAMEWORK_EXTRAS:
        requirements += project["optional-dependencies"][extra]
    bounds = {}
    for requirement in requirements:
        match = re.fullmatch(r"([A-Za-z0-9_.-]+)\s*>=\s*([0-9][0-9A-Za-z.]*)\s*(;.*)?", requirement)
        assert match, f"pyproject.toml: expected 'name>=version[; marker]', got {requirement!r}"
        name, version = PIN_NAME.get(match[1], match[1]), match[2]
        assert bounds.setdefault(name, version) == version, f"pyproject.toml: two lower bounds for {name}"
    return bounds


def _matrix_pins(entry):
    """{name: version} of the ``name==version`` pins on ``entry``'s line of ENTRIES in .ci/matrix.sh."""
    text = (ROOT / ".ci" / "matrix.sh").read_text(encoding="utf-8")
    lines = re.findall(rf'^\s*"{re.escape(entry)}((?: [^"]*)?)"\s*$', text, re.MULTILINE)
    assert len(lines) == 1, f".ci/matrix.sh: expected one ENTRIES line for {entry!r}, found {len(lines)}"
    pins = dict(pin.split("==") for pin in lines[0].split())
    assert all("<" not in v and ">" not in v for v in pins.values()), f"{entry}: pins must be name==version"
    return pins


def test_pyproject_lower_bounds_are_the_matrix_lower_bound_entry():
    pins = _matrix_pins("lower-bounds")
    assert pins.pop("jaxlib") == pins["jax"], "jaxlib is pinned to the jax release it goes with"
    assert _lower_bounds() == pins


def test_newest_entry_pins_nothing():
    assert _matrix_pins("newest") == {}
