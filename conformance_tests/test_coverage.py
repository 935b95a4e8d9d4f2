"""The case table covers the spec: every primitive and composite has cases, every differentiable
op has a finite-difference case, every rule of ``spec.KINK_RULES`` has rows exactly on its kink,
and so has every composite built from a piecewise primitive. A new primitive added to the spec
fails here by name until a case is written for it; a new kink rule, until a row checks it."""

import pytest

from kerafront import spec
from kerafront.ops import COMPOSITE_NAMES

from conformance_tests import harness
from conformance_tests.cases import CASES, COVERED_ELSEWHERE, FD_EXEMPT, NON_DIFFERENTIABLE_COMPOSITES, cases_by_op
from conformance_tests.cases.kinks import NO_KINK_ROWS
from conformance_tests.test_ops import FD_CASES, GRAD_CASES

TABLE = cases_by_op()
DIFFERENTIABLE_OPS = sorted(spec.DIFFERENTIABLE | {n for n in COMPOSITE_NAMES if harness.is_differentiable(n)})
KINK_ROWS = {}
for _case in CASES:
    if _case.kink:
        KINK_ROWS.setdefault(_case.op, []).append(_case)
PIECEWISE_PRIMITIVES = {n for n in spec.KINK_RULES if n in spec.PRIMITIVES}


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
    for table in (COVERED_ELSEWHERE, FD_EXEMPT, NON_DIFFERENTIABLE_COMPOSITES, NO_KINK_ROWS, spec.KINK_RULES):
        assert set(table) <= known, sorted(set(table) - known)


@pytest.mark.parametrize("name", sorted(spec.KINK_RULES))
def test_kink_rule_has_rows(name):
    rows = KINK_ROWS.get(name, [])
    assert rows, (f"KINK_RULES[{name!r}] has no row in conformance_tests/cases/kinks.py: add one with "
                  f"inputs exactly at the kink or tie and the value and gradient the rule gives.")
    if harness.is_differentiable(name):
        assert any(c.expect_grad is not None for c in rows), (
            f"the kink rows of {name!r} state no expect_grad: its gradient rule is unchecked.")


@pytest.mark.parametrize("name", sorted(set(COMPOSITE_NAMES)))
def test_piecewise_composite_has_kink_rows(name):
    """A composite calling a piecewise primitive (traced on the reference) has kink rows or a reason."""
    if name not in TABLE:
        pytest.skip(f"{name} has no case to trace ({COVERED_ELSEWHERE[name]} tests it)")
    pieces = sorted(set().union(*(harness.primitives_called(c) for c in TABLE[name])) & PIECEWISE_PRIMITIVES)
    if name in NO_KINK_ROWS:
        assert pieces, f"NO_KINK_ROWS[{name!r}] is stale: {name} calls no piecewise primitive."
        assert name not in KINK_ROWS, f"{name!r} has kink rows and an entry in NO_KINK_ROWS; drop the entry."
    elif pieces:
        assert name in KINK_ROWS, (
            f"composite {name!r} calls the piecewise primitives {pieces} but has no row in "
            f"conformance_tests/cases/kinks.py: add rows exactly at their kinks (or a reason to NO_KINK_ROWS).")
