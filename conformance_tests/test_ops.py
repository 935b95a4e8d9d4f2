"""Levels 1-2: every case of the table, forward on every backend and VJP against the reference.

* ``test_forward[backend-case]``: a non-reference backend must match the NumPy reference (values,
  output structure and dtypes; the case's declared dtype wins where it states one). The reference
  itself must match the case's NumPy ``expect`` definition and declared dtype.
* ``test_vjp[backend-case]``: gradients of ``sum(op(x) * cotangent)`` (random cotangent) via
  ``kerafront.ops.value_and_grad`` must match the reference's, with the input's dtype.
* ``test_finite_differences[numpy-case]``: the reference's VJPs against central differences in
  float64 (inputs cast to float64, floatx float64); not for kink rows.
* ``test_kink_rule[backend-case]``: the rows of ``cases/kinks.py``, inputs exactly on a kink or tie,
  on every backend (the reference too) against the value and gradient their rule gives, for the op
  as dispatched and, where the backend fuses a composite, for the pure composite as well.
"""

import numpy as np
import pytest

from conformance_tests import harness, tolerances
from conformance_tests.cases import CASES

GRAD_CASES = [c for c in CASES if harness.is_grad_case(c)]
FD_CASES = [c for c in CASES if harness.is_fd_case(c)]
KINK_CASES = [c for c in CASES if c.kink]


def _ids(case):
    return case.id


def _skip_unsupported(case, backend):
    reason = harness.skip_reason(case, backend)
    if reason:
        pytest.skip(reason)


def _fail(problems):
    if problems:
        pytest.fail("\n".join(problems), pytrace=False)


@pytest.mark.parametrize("case", CASES, ids=_ids)
def test_forward(backend, case):
    if backend != harness.REFERENCE:
        _skip_unsupported(case, backend)
    actual = harness.forward(case, backend)
    if backend == harness.REFERENCE:
        problems = []
        if case.expect is not None:
            expected = harness.expected_leaves(case)
            dtypes = [case.dtype] + [None] * (len(expected[1]) - 1) if case.dtype else None
            problems = harness.compare_leaves(case, backend, "expect", actual, expected, dtypes)
        elif case.dtype is not None:
            got = harness.first_tensor_dtypes(actual[1], None)[0]
            if got != case.dtype:
                problems = [f"op={case.op} case={case.id} backend={backend}: dtype {got}, expected {case.dtype}"]
        else:
            pytest.fail(f"case {case.id} has neither expect nor dtype: the reference run checks nothing.")
        _fail(problems)
        return
    reference = harness.reference_forward(case)
    dtypes = harness.first_tensor_dtypes(reference[1], case.dtype)
    _fail(harness.compare_leaves(case, backend, "forward", actual, reference, dtypes))


@pytest.mark.parametrize("case", GRAD_CASES, ids=_ids)
def test_vjp(other_backend, case):
    expected = harness.reference_vjp(case)
    _skip_unsupported(case, other_backend)
    actual = harness.vjp(case, other_backend)
    input_dtypes = [str(t.array.dtype) for t in harness.diff_inputs(case)]
    _fail(harness.compare_leaves(case, other_backend, "vjp", harness.grad_leaves(actual),
                                 harness.grad_leaves(expected),
                                 input_dtypes, vjp_tol=True))


@pytest.mark.parametrize("case", FD_CASES, ids=_ids)
def test_finite_differences(reference_backend, case):
    analytic, numeric = harness.finite_difference_grads(case)
    as_pairs = lambda grads: harness.grad_leaves([(np.asarray(g), "float64") for g in grads])  # noqa: E731
    _fail(harness.compare_leaves(case, reference_backend, "fd", as_pairs(analytic), as_pairs(numeric),
                                 ["float64"] * len(numeric), tol_override=tolerances.FD_TOLERANCE))


@pytest.mark.parametrize("case", KINK_CASES, ids=_ids)
def test_kink_rule(backend, case):
    _skip_unsupported(case, backend)
    _fail(harness.kink_problems(case, backend))
