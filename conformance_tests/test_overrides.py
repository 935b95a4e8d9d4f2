"""A backend's fused override of a composite (``kerafront.spec.OVERRIDABLE_COMPOSITES``) must agree
with the pure composite (``kerafront.ops.<name>.composite``) on the same backend, forward and VJP,
on every case of that op in the table."""

import pytest

import kerafront
from kerafront import registry, spec

from conformance_tests import harness
from conformance_tests.cases import cases_by_op

TABLE = cases_by_op()


@pytest.mark.parametrize("name", spec.OVERRIDABLE_COMPOSITES)
def test_override_matches_composite(backend, name):
    if not hasattr(registry.load(backend), name):
        pytest.skip(f"backend {backend} does not override {name}")
    with kerafront.backend_scope(backend):
        assert kerafront.config.state.overrides.get(name) is getattr(registry.load(backend), name), (
            f"backend {backend}: set_backend did not pick up its override of {name}")
    cases = TABLE.get(name, [])
    assert cases, f"no case for overridable composite {name}"
    problems = []
    for case in cases:
        fused = harness.forward(case, backend)
        pure = harness.forward(case, backend, composite=True)
        dtypes = harness.first_tensor_dtypes(pure[1], case.dtype)
        problems += harness.compare_leaves(case, backend, "override", fused, pure, dtypes)
        if harness.is_grad_case(case):
            fused_grads = harness.vjp(case, backend)
            pure_grads = harness.vjp(case, backend, composite=True)
            input_dtypes = [str(t.array.dtype) for t in harness.diff_inputs(case)]
            problems += harness.compare_leaves(case, backend, "override_vjp",
                                               harness.grad_leaves(fused_grads), harness.grad_leaves(pure_grads),
                                               input_dtypes, vjp_tol=True)
    assert not problems, "\n".join(problems)
