"""The op case table: one ``Case`` per (op, input configuration), shared by every check.

A case names an op of ``kerafront.ops`` (a spec primitive or a composite), its positional
arguments and keyword arguments. Tensor arguments are ``T(array)``: a NumPy array generated from a
fixed seed, converted to the backend's native tensor before the call (``T(array, native=False)``
passes the NumPy array itself, to check that ops accept NumPy input). Everything else (Python
scalars, shapes, strings, lists of ``T``) is passed as written; a function that reads
tensors is a ``Closure``.

Each case module (``elementwise.py``, ``nn.py``, ...) builds its cases with ``add(...)`` and a
``Gen`` seeded with its own constant, so inputs are identical in every process (pytest-xdist
workers collect the same ids in the same order).

Input rules that keep the comparison meaningful: no exact ties where the result or the gradient
would depend on tie-breaking (``Gen.distinct``), values kept away from kinks (``Gen.away``) and
inside each op's domain (``Gen.uniform(low=0.5, ...)`` for log/sqrt). The exception is
``kinks.py``: its rows sit exactly on kinks and ties, and check the rule stated for them
(``kerafront.spec.KINK_RULES``) with a hand-written gradient, without finite differences.
"""

import zlib
from dataclasses import dataclass, field

import numpy as np


class T:
    """A tensor argument: ``array`` becomes a native tensor (``native=False``: passed as NumPy).

    ``diff=False`` excludes a float tensor from the gradient checks (e.g. a loss target).
    """

    __slots__ = ("array", "diff", "native")

    def __init__(self, array, diff=True, native=True):
        self.array = array if isinstance(array, np.ndarray) else np.asarray(array)
        self.diff = diff
        self.native = native

    @property
    def is_float(self):
        return self.array.dtype.kind == "f"

    def __repr__(self):
        return f"T({self.array.dtype}{list(self.array.shape)})"


class Closure:
    """A function argument that reads tensors: passed to the op as ``functools.partial(fn, *tensors)``, each
    ``T`` among ``tensors`` replaced like any other argument, so the gradient checks also differentiate
    with respect to what a function closes over (a recurrent cell's kernels). ``expect`` receives the
    partial of the raw arrays (``.args`` holds them)."""

    __slots__ = ("fn", "tensors")

    def __init__(self, fn, *tensors):
        self.fn, self.tensors = fn, tensors

    def __repr__(self):
        return f"Closure({self.fn.__name__}, {list(self.tensors)})"


@dataclass
class Case:
    """One op call. ``expect``: a NumPy function of the raw arrays giving the expected values
    (checked on the reference backend); ``dtype``: the expected result dtype (of the first output);
    ``grad``/``fd``: include in the VJP comparison / the reference's finite-difference check
    (``None``: decided from the op and the inputs); ``tol``: tolerance class (tolerances.py).

    Kink rows (``kinks.py``) also set ``kink``, the gradient rule their inputs sit on, and
    ``expect_grad(g, *args, **kwargs)``: the expected gradient w.r.t. each differentiable input
    for the cotangent ``g`` of the float output, computed from that rule (checked on every backend).
    """

    op: str
    name: str
    args: tuple
    kwargs: dict = field(default_factory=dict)
    expect: object = None
    dtype: str = None
    grad: bool = None
    fd: bool = None
    tol: str = "default"
    kink: str = None
    expect_grad: object = None

    @property
    def id(self):
        return f"{self.op}-{self.name}"

    def __repr__(self):
        return f"Case({self.id})"


CASES = []

# Composites that have no meaningful gradient (integer, constant or random outputs).
NON_DIFFERENTIABLE_COMPOSITES = {
    "ndim": "returns a Python int",
    "size": "returns a Python int",
    "zeros_like": "constant output",
    "ones_like": "constant output",
    "full_like": "constant output",
    "one_hot": "integer input, constant output",
    "dropout_mask": "random output (test_random.py)",
    "grad": "a transformation of functions, not a tensor op (test_autodiff.py)",
    "value_and_grad": "the primitive's frontend (it also differentiates Variables; test_autodiff.py)",
}

# Composites whose output shape depends on their input's values (they run eagerly only), and why; the
# symbolic-rule tests skip them. Case modules add their entries.
VALUE_SHAPED_COMPOSITES = {}

# Ops whose behaviour is checked by a dedicated test module instead of the case table.
COVERED_ELSEWHERE = {
    "random_normal": "test_random.py",
    "random_uniform": "test_random.py",
    "truncated_normal": "test_random.py",
    "random_shuffle": "test_random.py",
    "dropout_mask": "test_random.py",
    "value_and_grad": "test_autodiff.py",
    "grad": "test_autodiff.py",
    "compile": "test_autodiff.py",
}

# Differentiable ops without a finite-difference case, and why (test_coverage.py reads this).
FD_EXEMPT = {
    "stop_gradient": "its gradient is zero by definition; test_autodiff.py checks that it blocks",
}


def add(op, name, *args, kwargs=None, expect=None, dtype=None, grad=None, fd=None, tol="default", kink=None,
        expect_grad=None):
    """Append a case to ``CASES``; ``name`` must be unique for ``op``."""
    case = Case(op, name, tuple(args), dict(kwargs or {}), expect, dtype, grad, fd, tol, kink, expect_grad)
    CASES.append(case)
    return case


class Gen:
    """Seeded input generator; each method returns a NumPy array of ``shape`` and ``dtype``."""

    def __init__(self, name):
        self.rng = np.random.default_rng(zlib.crc32(name.encode()))

    def normal(self, shape, dtype="float32", scale=1.0):
        return (self.rng.standard_normal(shape) * scale).astype(dtype)

    def uniform(self, shape, low=-2.0, high=2.0, dtype="float32"):
        return self.rng.uniform(low, high, shape).astype(dtype)

    def ints(self, shape, low=-5, high=6, dtype="int32"):
        return self.rng.integers(low, high, shape).astype(dtype)

    def bools(self, shape):
        return self.rng.random(shape) < 0.5

    def distinct(self, shape, dtype="float32", spacing=0.25):
        """Values without ties (pairwise at least ``spacing`` apart), in random order, centred on 0."""
        n = int(np.prod(shape, dtype=np.int64))
        values = (np.arange(n) - n / 2) * spacing + self.rng.uniform(0, spacing / 4, n)
        return self.rng.permutation(values).reshape(shape).astype(dtype)

    def away(self, shape, points=(0.0,), margin=0.1, low=-3.0, high=3.0, dtype="float32"):
        """Uniform values at least ``margin`` away from each of ``points`` (kinks of the op)."""
        x = self.rng.uniform(low, high, shape)
        for p in points:
            near = np.abs(x - p) < margin
            x = np.where(near, p + np.where(x >= p, margin, -margin) * 1.5, x)
        return x.astype(dtype)

    def positive(self, shape, low=0.5, high=3.0, dtype="float32"):
        return self.rng.uniform(low, high, shape).astype(dtype)


def cases_by_op():
    table = {}
    for case in CASES:
        table.setdefault(case.op, []).append(case)
    return table


from conformance_tests.cases import (  # noqa: E402,F401  (each module appends to CASES)
    creation, elementwise, promotion, reductions, shape, linalg, nn, composites, kinks, control_flow)
from conformance_tests.cases import recurrent  # noqa: E402,F401
from conformance_tests.cases import normalization_ops  # noqa: E402,F401
from conformance_tests.cases import ctc  # noqa: E402,F401
from conformance_tests.cases import arrays  # noqa: E402,F401
from conformance_tests.cases import numeric  # noqa: E402,F401
from conformance_tests.cases import signal  # noqa: E402,F401
from conformance_tests.cases import functional  # noqa: E402,F401


def _check_unique_ids():
    seen = set()
    for case in CASES:
        if case.id in seen:
            raise ValueError(f"conformance case table: duplicate case id {case.id!r}.")
        seen.add(case.id)


_check_unique_ids()
