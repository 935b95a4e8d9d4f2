"""Run a case on a backend, its VJP and finite differences, and compare results with messages.

Everything here runs in-process: ``kerafront.backend_scope(name)`` switches the active backend, so
each framework is imported once per process. Reference results (the NumPy backend) are cached
per case id, so each is computed once per process however many backends compare with it.
"""

import functools
import zlib

import numpy as np
import pytest

import kerafront
from kerafront import spec
from kerafront.dtypes import standardize_dtype
from kerafront.ops import COMPOSITE_NAMES

from conformance_tests import tolerances
from conformance_tests.cases import NON_DIFFERENTIABLE_COMPOSITES, Closure, T

REFERENCE = "numpy"
FLOATS = ("float16", "bfloat16", "float32", "float64")

# Comparisons made by the current test: (check, backend, dtype, max_abs, max_rel, passed).
# conftest.py moves them into the test report (user_properties) for the max-error summary.
RECORDS = []

_reference_forward = {}
_reference_vjp = {}
_dtype_support = {}


def dtype_unsupported(backend, dtype):
    """None when ``backend`` holds ``dtype`` here; else the error it raised (e.g. JAX without x64).

    A backend may refuse a dtype it cannot represent in its current configuration, with a
    TypeError/ValueError from ``convert_to_tensor``; cases that need that dtype are then skipped
    on that backend (and reported as skips, with the backend's message).
    """
    key = (backend, dtype)
    if key not in _dtype_support:
        try:
            with kerafront.backend_scope(backend):
                kerafront.ops.convert_to_tensor(np.zeros((1,), dtype), dtype=dtype)   # asked for by name
            _dtype_support[key] = None
        except (TypeError, ValueError) as error:
            _dtype_support[key] = f"{type(error).__name__}: {error}"
    return _dtype_support[key]


def case_dtypes(case):
    """Every dtype a case touches: its tensor inputs, dtype arguments, declared and reference results."""
    names = {str(t.array.dtype) for t in _tensor_args((case.args, case.kwargs))}
    for value in list(case.args) + list(case.kwargs.values()):
        if isinstance(value, str) and value in FLOATS + tolerances.EXACT_DTYPES:
            names.add(value)
    if case.dtype:
        names.add(case.dtype)
    names.update(leaf[2] for leaf in reference_forward(case)[1] if leaf[0] == "tensor")
    return sorted(names)


def require_dtype(backend, dtype):
    """Skip the calling test when ``backend`` refuses ``dtype`` in this configuration."""
    problem = dtype and dtype_unsupported(backend, dtype)
    if problem:
        pytest.skip(f"backend {backend} refuses {dtype} here ({problem[:160]})")


def skip_reason(case, backend):
    """Why ``case`` cannot run on ``backend`` (a dtype it refuses), or None."""
    for name in case_dtypes(case):
        problem = dtype_unsupported(backend, name)
        if problem:
            return f"backend {backend} refuses {name} here ({problem[:160]})"
    return None


def is_differentiable(op):
    if op in COMPOSITE_NAMES:
        return op not in NON_DIFFERENTIABLE_COMPOSITES
    return op in spec.DIFFERENTIABLE


def _tensor_args(value):
    """The ``T`` leaves of an argument structure, in order."""
    if isinstance(value, T):
        return [value]
    if isinstance(value, Closure):
        return _tensor_args(value.tensors)
    if isinstance(value, (list, tuple)):
        return [t for v in value for t in _tensor_args(v)]
    if isinstance(value, dict):
        return [t for v in value.values() for t in _tensor_args(v)]
    return []


def diff_inputs(case):
    """The float ``T`` arguments that gradients are taken with respect to."""
    return [t for t in _tensor_args((case.args, case.kwargs)) if t.is_float and t.diff]


def is_grad_case(case):
    if case.grad is False or not is_differentiable(case.op):
        return False
    if case.dtype is not None and case.dtype not in FLOATS:
        return False
    return bool(diff_inputs(case))


def is_fd_case(case):
    """Whether the reference's VJP of ``case`` is checked by finite differences: never for a kink row,
    where a central difference averages the two one-sided slopes the rule chooses between."""
    return is_grad_case(case) and case.fd is not False and case.kink is None


def _replace(value, fn):
    if isinstance(value, T):
        return fn(value)
    if isinstance(value, Closure):
        return functools.partial(value.fn, *_replace(value.tensors, fn))
    if isinstance(value, list):
        return [_replace(v, fn) for v in value]
    if isinstance(value, tuple):
        return tuple(_replace(v, fn) for v in value)
    if isinstance(value, dict):
        return {k: _replace(v, fn) for k, v in value.items()}
    return value


def _native(t, float64=False):
    array = t.array
    if float64 and t.is_float:
        array = array.astype(np.float64)
    return kerafront.ops.convert_to_tensor(array) if t.native else array


def op_fn(case, composite=False):
    op = getattr(kerafront.ops, case.op)
    return op.composite if composite else op


def _flatten(out):
    """``(structure, leaves)``; leaves are ("tensor", array, dtype) or ("value", python value)."""
    leaves = []

    def walk(x):
        if isinstance(x, dict):
            return ("dict", tuple((k, walk(x[k])) for k in sorted(x)))
        if isinstance(x, list):
            return ("list", tuple(walk(v) for v in x))
        if isinstance(x, tuple):
            return ("tuple", tuple(walk(v) for v in x))
        if isinstance(x, (np.ndarray, np.generic)):  # before float: np.float64 subclasses float
            leaves.append(("tensor", np.asarray(x), standardize_dtype(x.dtype)))
        elif isinstance(x, (bool, int, float, str)) or x is None:
            leaves.append(("value", x))
        else:
            leaves.append(("tensor", np.asarray(kerafront.ops.convert_to_numpy(x)), kerafront.ops.dtype(x)))
        return "leaf"

    structure = walk(out)
    return structure, leaves


def forward(case, backend, composite=False):
    """Run ``case`` on ``backend``; returns ``_flatten`` of the result."""
    with kerafront.backend_scope(backend):
        args, kwargs = _replace((case.args, case.kwargs), _native)
        return _flatten(op_fn(case, composite)(*args, **kwargs))


def reference_forward(case):
    if case.id not in _reference_forward:
        _reference_forward[case.id] = forward(case, REFERENCE)
    return _reference_forward[case.id]


def cotangents(case):
    """Random normal cotangents (seeded by the case id), one per float tensor output of the reference."""
    rng = np.random.default_rng(zlib.crc32(case.id.encode()))
    out = []
    for leaf in reference_forward(case)[1]:
        if leaf[0] == "tensor" and leaf[2] in FLOATS:
            out.append(rng.standard_normal(leaf[1].shape).astype(leaf[1].dtype))
        else:
            out.append(None)
    return out


def _loss_fn(case, composite, cots, float64):
    """``params -> sum(op(params) * cotangent)`` over the float outputs (cotangents as native tensors)."""
    ops = kerafront.ops
    diff = diff_inputs(case)
    cot_tensors = [None if c is None else ops.convert_to_tensor(c.astype(np.float64) if float64 else c)
                   for c in cots]
    constants = {id(t): _native(t, float64) for t in _tensor_args((case.args, case.kwargs)) if t not in diff}

    def loss(params):
        by_id = {id(t): p for t, p in zip(diff, params)}
        args, kwargs = _replace((case.args, case.kwargs), lambda t: by_id.get(id(t), constants.get(id(t))))
        outputs = op_fn(case, composite)(*args, **kwargs)
        leaves = _output_leaves(outputs)
        total = None
        for leaf, cot in zip(leaves, cot_tensors):
            if cot is None:
                continue
            term = ops.sum(ops.multiply(leaf, cot))
            total = term if total is None else ops.add(total, term)
        return total

    return loss, diff


def _output_leaves(out):
    """The leaves of an op's output, in ``_flatten``'s order (nested tuples, lists and dicts: scan's carry)."""
    if isinstance(out, dict):
        return [leaf for key in sorted(out) for leaf in _output_leaves(out[key])]
    if isinstance(out, (list, tuple)):
        return [leaf for item in out for leaf in _output_leaves(item)]
    return [out]


def vjp(case, backend, composite=False, float64=False):
    """Gradients of ``sum(op(x) * cotangent)`` w.r.t. each differentiable input: list of (array, dtype)."""
    cots = cotangents(case)
    with kerafront.backend_scope(backend):
        loss, diff = _loss_fn(case, composite, cots, float64)
        params = [_native(t, float64) for t in diff]
        _, grads = kerafront.ops.value_and_grad(loss)(params)
        return [(np.asarray(kerafront.ops.convert_to_numpy(g)), kerafront.ops.dtype(g)) for g in grads]


def reference_vjp(case):
    if case.id not in _reference_vjp:
        _reference_vjp[case.id] = vjp(case, REFERENCE)
    return _reference_vjp[case.id]


def finite_difference_grads(case):
    """Central differences of the loss in float64 on the reference backend (floatx set to float64)."""
    cots = cotangents(case)
    config = kerafront.config
    previous_floatx = config.floatx()
    config.set_floatx("float64")
    try:
        with kerafront.backend_scope(REFERENCE):
            loss, diff = _loss_fn(case, False, cots, float64=True)
            params = [t.array.astype(np.float64) for t in diff]
            numeric = []
            for i, param in enumerate(params):
                grad = np.zeros_like(param)
                for index in np.ndindex(param.shape):
                    values = []
                    for step in (tolerances.FD_EPS, -tolerances.FD_EPS):
                        moved = param.copy()
                        moved[index] += step
                        trial = params[:i] + [moved] + params[i + 1:]
                        values.append(float(kerafront.ops.convert_to_numpy(loss(trial))))
                    grad[index] = (values[0] - values[1]) / (2 * tolerances.FD_EPS)
                numeric.append(grad)
            _, analytic = kerafront.ops.value_and_grad(loss)(params)
            analytic = [np.asarray(kerafront.ops.convert_to_numpy(g)) for g in analytic]
    finally:
        config.set_floatx(previous_floatx)
    return analytic, numeric


def _describe(case, backend, check):
    return f"op={case.op} case={case.id} backend={backend} check={check}"


def compare_leaves(case, backend, check, actual, expected, dtypes_expected=None, vjp_tol=False,
                   tol_override=None):
    """Compare flattened outputs; returns a list of problem strings (empty when everything matches).

    ``dtypes_expected``: per-leaf expected dtype (None entries: not checked).
    """
    problems = []
    (a_struct, a_leaves), (e_struct, e_leaves) = actual, expected
    if a_struct != e_struct:
        return [f"{_describe(case, backend, check)}: output structure {a_struct} differs from expected {e_struct}"]
    for i, (a, e) in enumerate(zip(a_leaves, e_leaves)):
        where = f"{_describe(case, backend, check)} output[{i}]"
        want_dtype = dtypes_expected[i] if dtypes_expected else None
        if a[0] == "value" or e[0] == "value":
            if a[0] != e[0] or type(a[1]) is not type(e[1]) or a[1] != e[1]:
                problems.append(f"{where}: got {a[1:]!r}, expected {e[1:]!r}")
            continue
        if want_dtype is not None and a[2] != want_dtype:
            problems.append(f"{where}: result dtype {a[2]}, expected {want_dtype}")
        tol_dtype = next((d for d in (want_dtype, a[2], e[2]) if d in FLOATS), None)
        rtol, atol = tol_override or tolerances.tolerance(tol_dtype, case.tol, vjp=vjp_tol)
        reason = tolerances.mismatch(a[1], e[1], rtol, atol)
        max_abs, max_rel = (tolerances.errors(a[1], e[1]) if np.shape(a[1]) == np.shape(e[1]) else (np.inf, np.inf))
        RECORDS.append((check, backend, a[2], max_abs, max_rel, reason is None))
        if reason is not None:
            problems.append(f"{where}: {reason}; max abs err {max_abs:.3g}, max rel err {max_rel:.3g}")
    return problems


def grad_leaves(grads):
    """A list of ``(array, dtype)`` gradients in ``_flatten``'s form, for ``compare_leaves``."""
    return ("list", tuple("leaf" for _ in grads)), [("tensor", array, dtype) for array, dtype in grads]


def expected_leaves(case):
    """``_flatten`` of ``case.expect`` applied to the raw NumPy inputs, float inputs in float64
    (so the definition is an oracle more precise than the float32 it is compared with)."""
    args, kwargs = _replace((case.args, case.kwargs),
                            lambda t: t.array.astype(np.float64) if t.is_float else t.array)
    structure, leaves = _flatten(case.expect(*args, **kwargs))
    return structure, leaves


def first_tensor_dtypes(leaves, first_dtype):
    """Per-leaf expected dtypes: ``first_dtype`` for the first tensor leaf, the given ones elsewhere."""
    out, done = [], False
    for leaf in leaves:
        if leaf[0] == "tensor" and not done:
            out.append(first_dtype if first_dtype is not None else leaf[2])
            done = True
        else:
            out.append(leaf[2] if leaf[0] == "tensor" else None)
    return out


def overrides(backend, op):
    """Whether ``backend`` replaces composite ``op`` with a fused kernel."""
    with kerafront.backend_scope(backend):
        return op in kerafront.config.state.overrides


def primitives_called(case):
    """Names of the spec primitives that ``case``'s op calls on the reference, every override off (a
    composite is followed through the composites it calls)."""
    called = set()

    def spy(name, fn):
        def call(*args, **kwargs):
            called.add(name)
            return fn(*args, **kwargs)
        return call

    active = kerafront.config.active
    with kerafront.backend_scope(REFERENCE):
        tables = active.tables
        active.tables = type(tables)(tables.backend, tables.name,
                                     {name: spy(name, fn) for name, fn in tables.impl.items()}, {})
        try:
            args, kwargs = _replace((case.args, case.kwargs), _native)
            op_fn(case, composite=case.op in COMPOSITE_NAMES)(*args, **kwargs)
        finally:
            active.tables = tables
    return called


def expected_grads(case, actual):
    """``case.expect_grad`` for the cotangents ``vjp`` used, in ``grad_leaves``'s form (float64).

    An entry may be a function of the backend's gradient (``actual``, same position) giving the
    expectation for the choice the backend made where the rule allows several (max_pool's ties).
    """
    cots = [c.astype(np.float64) for c in cotangents(case) if c is not None]
    args, kwargs = _replace((case.args, case.kwargs),
                            lambda t: t.array.astype(np.float64) if t.is_float else t.array)
    wanted = case.expect_grad(cots[0] if len(cots) == 1 else cots, *args, **kwargs)
    if len(wanted) != len(actual):
        raise ValueError(f"case {case.id}: expect_grad gives {len(wanted)} gradients for {len(actual)} "
                         f"differentiable inputs.")
    return [(np.asarray(want(got) if callable(want) else want, np.float64), "float64")
            for want, (got, _) in zip(wanted, actual)]


def kink_problems(case, backend):
    """``case`` (a kink row) on ``backend``: its value against ``case.expect`` and its VJP against
    ``case.expect_grad``, for the op as dispatched and, where the backend fuses it, the pure composite."""
    expected = expected_leaves(case)
    dtypes = [case.dtype] + [None] * (len(expected[1]) - 1)
    input_dtypes = [str(t.array.dtype) for t in diff_inputs(case)]
    variants = [("kink", False)]
    if case.op in COMPOSITE_NAMES and overrides(backend, case.op):
        variants.append(("kink_composite", True))
    problems = []
    for check, composite in variants:
        problems += compare_leaves(case, backend, check, forward(case, backend, composite), expected, dtypes)
        if case.expect_grad is None:
            continue
        actual = vjp(case, backend, composite)
        wanted = expected_grads(case, actual)
        problems += compare_leaves(case, backend, f"{check}_vjp", grad_leaves(actual), grad_leaves(wanted),
                                   input_dtypes, vjp_tol=True)
    if problems:
        problems.append(f"the rule at this kink ({case.op}): {case.kink}")
    return problems
