"""The spec's shape and dtype rules, executable: ``kerafront.ops._symbolic`` against the NumPy reference.

Every case of the op table runs on the reference with real inputs and through the symbolic rules
with KerasTensors of the same shapes and dtypes; outputs must agree in structure, shapes, dtypes
and Python values (``shape``, ``dtype``, ``is_tensor``):

* ``test_rule[case]``: every tensor argument symbolic (through ``kerafront.ops``' dispatch when the
  case has one; a case without tensors calls the rule itself).
* ``test_rule_with_unknown_leading_dims[case]``: the same with each tensor's leading dim ``None``:
  every output dim is then ``None`` or the reference's size.
* ``test_rule_mixing_real_tensors[backend-case]``: the first tensor symbolic, the others native
  tensors (or NumPy arrays) of ``backend`` (three cases per op).
* ``test_composite_on_symbolic_inputs[case]``: composites run on KerasTensors (the pure composite,
  never a backend's fused kernel).
* ``test_symbolic_error[name]``: the error cases of ``test_errors.py`` whose error depends only on
  shapes and dtypes raise the reference's exception type on KerasTensors, naming the op.
"""

import inspect

import numpy as np
import pytest

import kerafront
from kerafront import spec
from kerafront._keras_tensor import KerasTensor
from kerafront.ops import COMPOSITE_NAMES
from kerafront.ops._symbolic import RULES

from conformance_tests import harness
from conformance_tests.cases import CASES, VALUE_SHAPED_COMPOSITES
from conformance_tests.test_errors import ERROR_CASES

PRIMITIVE_CASES = [c for c in CASES if c.op in spec.PRIMITIVES]
# A composite case without tensor arguments (``linspace(0, 1, 5)``) never meets a KerasTensor.
COMPOSITE_CASES = [c for c in CASES if c.op in COMPOSITE_NAMES and c.op not in VALUE_SHAPED_COMPOSITES
                   and harness._tensor_args((c.args, c.kwargs))]
# squeeze(axis=None) cannot tell whether an unknown dim is 1: the rule keeps it (as Keras does), while the
# reference, given a 1 there, removes it; every other op's output fits any size of the unknown dims.
RANKED_CASES = [c for c in PRIMITIVE_CASES if any(t.array.ndim for t in harness._tensor_args((c.args, c.kwargs)))
                and not (c.op == "squeeze" and len(c.args) == 1 and "axis" not in c.kwargs)]


def _first_per_op(cases, count):
    """The first ``count`` cases of each op, in table order."""
    seen, kept = {}, []
    for case in cases:
        seen[case.op] = seen.get(case.op, 0) + 1
        if seen[case.op] <= count:
            kept.append(case)
    return kept


# Mixing real tensors of each backend: three cases per op (reading a native tensor's shape and dtype is one
# code path; the dtype table is covered by the all-symbolic cases).
MIXED_CASES = _first_per_op([c for c in PRIMITIVE_CASES if len(harness._tensor_args((c.args, c.kwargs))) > 1], 3)

# Error cases whose error depends on values or on a function, not on shapes and dtypes.
VALUE_ERRORS = {
    "value_and_grad_non_scalar": "differentiates a function (symbolic inputs have no values)",
    "grad_non_scalar": "differentiates a function (symbolic inputs have no values)",
    "grad_of_integer_input": "differentiates a function (symbolic inputs have no values)",
    "convert_to_tensor_complex": "complex64 is no kerafront dtype, so no KerasTensor can hold it",
}


def _ids(case):
    return case.id


def _symbolic(t, unknown_leading=False):
    shape = tuple(t.array.shape)
    if unknown_leading and shape:
        shape = (None,) + shape[1:]
    return KerasTensor(shape, str(t.array.dtype))


def _walk(out):
    """``(structure, leaves)`` like ``harness._flatten``; tensor leaves are ("tensor", shape, dtype)."""
    leaves = []

    def walk(x):
        if isinstance(x, dict):
            return ("dict", tuple((k, walk(x[k])) for k in sorted(x)))
        if isinstance(x, (list, tuple)):  # a tuple subclass (``shape``'s SymbolicShape) reads as a tuple
            return ("list" if isinstance(x, list) else "tuple", tuple(walk(v) for v in x))
        if isinstance(x, KerasTensor):
            leaves.append(("tensor", x.shape, x.dtype))
        else:
            leaves.append(("value", x))
        return "leaf"

    return walk(out), leaves


def _reference(case):
    structure, leaves = harness.reference_forward(case)
    return structure, [("tensor", tuple(leaf[1].shape), leaf[2]) if leaf[0] == "tensor" else leaf for leaf in leaves]


def _run(case, replace):
    """``case``'s op on its arguments with each ``T`` replaced; through the dispatch when any becomes symbolic."""
    args, kwargs = harness._replace((case.args, case.kwargs), replace)
    with kerafront.backend_scope(harness.REFERENCE):
        if harness._tensor_args((case.args, case.kwargs)):
            return getattr(kerafront.ops, case.op)(*args, **kwargs)
        return RULES[case.op](*args, **kwargs)


def _dims_fit(actual, expected, unknown_allowed):
    if len(actual) != len(expected):
        return False
    return all(a == e or (unknown_allowed and a is None) for a, e in zip(actual, expected))


def _problems(case, actual, expected, unknown_allowed=False):
    (a_struct, a_leaves), (e_struct, e_leaves) = actual, expected
    if a_struct != e_struct:
        return [f"{case.id}: output structure {a_struct}, the reference gives {e_struct}"]
    problems = []
    for i, (a, e) in enumerate(zip(a_leaves, e_leaves)):
        where = f"{case.id} output[{i}]"
        if a[0] != e[0]:
            problems.append(f"{where}: {a!r}, the reference gives {e!r}")
        elif a[0] == "tensor":
            if not _dims_fit(a[1], e[1], unknown_allowed) or a[2] != e[2]:
                problems.append(f"{where}: shape {a[1]} dtype {a[2]}, the reference gives shape {e[1]} dtype {e[2]}")
        elif unknown_allowed and case.op == "shape" and a[1] is None:
            continue  # an unknown dim of the shape tuple
        elif type(a[1]) is not type(e[1]) or a[1] != e[1]:
            problems.append(f"{where}: {a[1]!r}, the reference gives {e[1]!r}")
    return problems


def _check(case, replace, unknown_allowed=False):
    if case.op == "convert_to_numpy":
        with pytest.raises(TypeError, match="symbolic"):
            _run(case, replace)
        return
    problems = _problems(case, _walk(_run(case, replace)), _reference(case), unknown_allowed)
    if problems:
        pytest.fail("\n".join(problems), pytrace=False)


def test_every_primitive_has_a_rule_with_the_spec_signature_in_its_section_module():
    missing = sorted(set(spec.PRIMITIVES) - set(RULES))
    assert not missing, f"primitives without a symbolic rule in kerafront/ops/_symbolic/: {missing}"
    for name, fn in spec.PRIMITIVES.items():
        rule, declared = inspect.signature(RULES[name]), spec.signature(name)
        assert spec._params(rule) == spec._params(declared), f"{name}: rule {rule} differs from the spec {declared}"
        home = f"kerafront.ops._symbolic.{spec.MODULE_MAP[fn.category]}"
        assert RULES[name].__module__ == home, f"{name}: rule defined in {RULES[name].__module__}, expected {home}"


@pytest.mark.parametrize("case", PRIMITIVE_CASES, ids=_ids)
def test_rule(case):
    _check(case, _symbolic)


@pytest.mark.parametrize("case", RANKED_CASES, ids=_ids)
def test_rule_with_unknown_leading_dims(case):
    _check(case, lambda t: _symbolic(t, unknown_leading=True), unknown_allowed=True)


@pytest.mark.parametrize("case", MIXED_CASES, ids=_ids)
def test_rule_mixing_real_tensors(backend, case):
    reason = harness.skip_reason(case, backend)
    if reason:
        pytest.skip(reason)
    first = harness._tensor_args((case.args, case.kwargs))[0]
    with kerafront.backend_scope(backend):
        args, kwargs = harness._replace(
            (case.args, case.kwargs), lambda t: _symbolic(t) if t is first else harness._native(t))
        problems = _problems(case, _walk(getattr(kerafront.ops, case.op)(*args, **kwargs)), _reference(case))
    if problems:
        pytest.fail("\n".join(problems), pytrace=False)


@pytest.mark.parametrize("case", COMPOSITE_CASES, ids=_ids)
def test_composite_on_symbolic_inputs(case):
    _check(case, _symbolic)


class _SymbolicOps:
    """``kerafront.ops`` whose ``convert_to_tensor`` makes a KerasTensor of the array's shape and dtype."""

    @staticmethod
    def convert_to_tensor(x, dtype=None):
        array = np.asarray(x)
        return KerasTensor(array.shape, dtype or str(array.dtype))

    def __getattr__(self, name):
        return getattr(kerafront.ops, name)


@pytest.mark.parametrize("name", sorted(set(ERROR_CASES) - set(VALUE_ERRORS)))
def test_symbolic_error(name):
    op, _, call = ERROR_CASES[name]
    with kerafront.backend_scope(harness.REFERENCE):
        with pytest.raises((ValueError, TypeError)) as reference:
            call(kerafront.ops)
        with pytest.raises((ValueError, TypeError)) as symbolic:
            call(_SymbolicOps())
    assert type(symbolic.value) is type(reference.value), (
        f"error case {name}: KerasTensors raise {type(symbolic.value).__name__} ({symbolic.value}), the reference "
        f"raises {type(reference.value).__name__} ({reference.value})")
    assert op in str(symbolic.value), f"error case {name}: message does not name {op!r}: {symbolic.value}"


def test_random_rules_need_no_seed_value():
    ops = kerafront.ops
    state = KerasTensor((2,), "int32")
    real_state = ops.convert_to_tensor(np.array([3, 0], "int32"))
    for seed in (state, real_state, 7):
        out = ops.random_normal((None, 3), seed, dtype="float16")
        assert (out.shape, out.dtype) == ((None, 3), "float16")
    assert ops.random_uniform((None, 2), state, 0, 5, dtype="int32").dtype == "int32"
    assert ops.truncated_normal(KerasTensor((4,), "float32").shape, state).shape == (4,)
    shuffled = ops.random_shuffle(KerasTensor((None, 5), "int64"), state, axis=1)
    assert (shuffled.shape, shuffled.dtype) == ((None, 5), "int64")
    with pytest.raises(ValueError, match="random_normal: dtype must be a float"):
        ops.random_normal((None, 3), state, dtype="int32")
    with pytest.raises(ValueError, match="random_shuffle"):
        ops.random_shuffle(KerasTensor((), "float32"), state)
    with pytest.raises(ValueError, match=r"random_uniform: seed must be .* shape \(2,\)"):
        ops.random_uniform((2,), KerasTensor((3,), "int32"))


def test_transformations_and_conversion_refuse_symbolic_tensors():
    x = KerasTensor((None, 3), "float32")
    with pytest.raises(TypeError, match="value_and_grad: symbolic"):
        RULES["value_and_grad"](lambda v: v)
    with pytest.raises(TypeError, match="compile: symbolic"):
        RULES["compile"](lambda v: v)
    with pytest.raises(TypeError, match="symbolic"):
        kerafront.ops.convert_to_numpy(x)
    assert kerafront.ops.shape(x) == (None, 3) and kerafront.ops.is_tensor(x)
