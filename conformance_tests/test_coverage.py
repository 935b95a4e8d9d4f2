"""The case table covers the spec: every primitive and composite has cases, every differentiable
op has a finite-difference case. A new primitive added to the spec fails here by name until a
case is written for it."""

import pytest

from kerafront import spec
from kerafront.ops import COMPOSITE_NAMES

from conformance_tests import harness
from conformance_tests.cases import CASES, COVERED_ELSEWHERE, FD_EXEMPT, NON_DIFFERENTIABLE_COMPOSITES, cases_by_op
from conformance_tests.test_ops import FD_CASES, GRAD_CASES

TABLE = cases_by_op()
DIFFERENTIABLE_OPS = sorted(spec.DIFFERENTIABLE | {n for n in COMPOSITE_NAMES if harness.is_differentiable(n)})


@pytest.mark.parametrize("name", sorted(spec.PRIMITIVES))
def test_primitive_has_cases(name):
    assert name in TABLE or name in COVERED_ELSEWHERE, (
        f"primitive {name!r} has no case in conformance_tests/cases/ (and no dedicated test).")


@pytest.mark.parametrize("name", sorted(set(COMPOSITE_NAMES)))
def test_composite_has_cases(name):
    assert name in TABLE or name in COVERED_ELSEWHERE, (
        f"composite {name!r} has no case in conformance_tests/cases/ (and no dedicated test).")


@pytest.mark.parametrize("name", DIFFERENTIABLE_OPS)
def test_differentiable_op_has_vjp_and_fd_cases(name):
    if name in FD_EXEMPT:
        return
    assert name in {c.op for c in GRAD_CASES}, f"differentiable op {name!r} has no VJP case."
    assert name in {c.op for c in FD_CASES}, f"differentiable op {name!r} has no finite-difference case."


def test_cases_name_known_ops():
    known = set(spec.PRIMITIVES) | set(COMPOSITE_NAMES)
    unknown = sorted({c.op for c in CASES} - known)
    assert not unknown, f"cases name ops that are neither spec primitives nor composites: {unknown}"


def test_exemptions_name_known_ops():
    known = set(spec.PRIMITIVES) | set(COMPOSITE_NAMES)
    for table in (COVERED_ELSEWHERE, FD_EXEMPT, NON_DIFFERENTIABLE_COMPOSITES):
        assert set(table) <= known, sorted(set(table) - known)
