"""Property tests (hypothesis) of broadcasting and dtype promotion on every selected backend.

* Broadcasting: binary elementwise ops and ``where`` on random shapes that broadcast give NumPy's
  broadcast shape and the reference's values; shapes that do not broadcast raise a ``ValueError``
  that names the op.
* Promotion: a random pair of operands (tensors of any two dtypes, or a tensor and a Python
  scalar) gives ``kerafront.dtypes.result_type`` and the reference's values.

The reference itself is checked against NumPy in float64. Inputs are small multiples of 1/4, so
every dtype holds them exactly and sums, products and maxima are exact. Examples are few (the
suite stays fast), derandomized (pytest-xdist workers run the same ones) and not stored.

A dtype joins the examples when both the backend and the NumPy reference hold it here (JAX holds
64-bit dtypes only in x64 mode; the reference holds bfloat16 only with ``ml_dtypes`` installed);
``test_bfloat16_promotion`` states the bfloat16 rows of the table explicitly.
"""

import functools

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import kerafront
from kerafront import dtypes

from conformance_tests import harness, tolerances

PROPERTY_SETTINGS = settings(max_examples=25, deadline=None, derandomize=True, database=None,
                             suppress_health_check=[HealthCheck.too_slow])
BINARY_OPS = {"add": np.add, "subtract": np.subtract, "multiply": np.multiply, "divide": np.divide,
              "maximum": np.maximum, "minimum": np.minimum}
# Ops for dtype pairs: subtract would wrap unsigned integers, divide has its own floatx rule.
PROMOTING_OPS = ("add", "multiply", "maximum", "minimum", "where")
PYTHON_SCALARS = (2, 3, 1.5, -0.25, True, False)  # no negative ints: uint8 tensors
BROADCAST_SHAPES = dict(min_dims=0, max_dims=4, min_side=0, max_side=3)


def _values(rng, shape, dtype, nonzero=False):
    """Small values of ``dtype`` (floats as float64 multiples of 1/4 in [-2, 2])."""
    if dtype == "bool":
        return rng.random(shape) < 0.5
    if dtype == "uint8":
        return rng.integers(1 if nonzero else 0, 5, shape).astype("uint8")
    if dtype in dtypes.INT_DTYPES:
        values = rng.integers(-4, 5, shape)
    else:
        values = rng.integers(-8, 9, shape) / 4
    if nonzero:
        values = np.where(values == 0, 1, values)
    return values.astype(dtype) if dtype in dtypes.INT_DTYPES else values


def _tensor(ops, values, dtype):
    if dtype in dtypes.FLOAT_DTYPES:  # exact in every float dtype; bfloat16 needs no NumPy bfloat16
        return ops.cast(ops.convert_to_tensor(values.astype("float32")), dtype)
    return ops.convert_to_tensor(values)


@functools.lru_cache(maxsize=None)
def _held_dtypes(backend):
    """The dtypes that ``backend`` and the reference both hold in this configuration."""
    held = []
    for dtype in dtypes.ALL_DTYPES:
        try:
            for name in {backend, harness.REFERENCE}:
                with kerafront.backend_scope(name):
                    kerafront.ops.cast(kerafront.ops.zeros((1,)), dtype)
        except (TypeError, ValueError):
            continue
        held.append(dtype)
    return tuple(held)


def _run(backend, op, operands):
    """``op`` on ``backend``; tensor operands are ``(values, dtype)``, others Python scalars."""
    with kerafront.backend_scope(backend):
        ops = kerafront.ops
        args = [_tensor(ops, *operand) if isinstance(operand, tuple) else operand for operand in operands]
        out = getattr(ops, op)(*args)
        return np.asarray(ops.convert_to_numpy(out)), ops.dtype(out)


def _numpy(op, operands):
    """NumPy's values of ``op`` in float64 (bool-only operands stay bool: add is or, multiply is and)."""
    arrays = [operand[0] if isinstance(operand, tuple) else np.asarray(operand) for operand in operands]
    if op == "where":
        return np.where(arrays[0], *[a.astype(np.float64) for a in arrays[1:]])
    if all(a.dtype == bool for a in arrays):
        return BINARY_OPS[op](*arrays)
    with np.errstate(all="ignore"):
        return BINARY_OPS[op](*[a.astype(np.float64) for a in arrays])


def _describe(operands):
    return ", ".join(f"{operand[1]}{list(operand[0].shape)}" if isinstance(operand, tuple) else repr(operand)
                     for operand in operands)


def _check(backend, op, operands, dtype):
    """Result dtype ``dtype``, and the reference's values and shape (the reference: NumPy's in float64)."""
    actual, got_dtype = _run(backend, op, operands)
    where = f"op={op} backend={backend} operands=({_describe(operands)})"
    assert got_dtype == dtype, f"{where}: result dtype {got_dtype}, expected {dtype}"
    if backend == harness.REFERENCE:
        expected, source = _numpy(op, operands), "NumPy in float64"
    else:
        expected, source = _run(harness.REFERENCE, op, operands)[0], "the reference"
    reason = tolerances.mismatch(actual, expected, *tolerances.tolerance(dtype))
    assert reason is None, f"{where}: differs from {source}: {reason}"


@PROPERTY_SETTINGS
@given(op=st.sampled_from(sorted(BINARY_OPS)), shapes=hnp.mutually_broadcastable_shapes(num_shapes=2,
                                                                                         **BROADCAST_SHAPES),
       seed=st.integers(0, 2**32 - 1))
def test_binary_ops_broadcast_like_numpy(backend, op, shapes, seed):
    rng = np.random.default_rng(seed)
    first, second = shapes.input_shapes
    operands = [(_values(rng, first, "float32"), "float32"),
                (_values(rng, second, "float32", nonzero=op == "divide"), "float32")]
    _check(backend, op, operands, "float32")


@PROPERTY_SETTINGS
@given(shapes=hnp.mutually_broadcastable_shapes(num_shapes=3, **BROADCAST_SHAPES), seed=st.integers(0, 2**32 - 1))
def test_where_broadcasts_its_three_arguments(backend, shapes, seed):
    rng = np.random.default_rng(seed)
    condition, first, second = shapes.input_shapes
    operands = [(_values(rng, condition, "bool"), "bool"), (_values(rng, first, "float32"), "float32"),
                (_values(rng, second, "float32"), "float32")]
    _check(backend, "where", operands, "float32")


@st.composite
def _shapes_that_do_not_broadcast(draw, count):
    """``count`` shapes whose last dims are distinct sizes above 1 (leading dims broadcast)."""
    leading = draw(hnp.mutually_broadcastable_shapes(num_shapes=count, min_dims=0, max_dims=2, max_side=3))
    last = draw(st.lists(st.integers(2, 4), min_size=count, max_size=count, unique=True))
    return [shape + (size,) for shape, size in zip(leading.input_shapes, last)]


@PROPERTY_SETTINGS
@given(op=st.sampled_from(sorted(BINARY_OPS) + ["where"]), data=st.data())
def test_shapes_that_do_not_broadcast_raise_a_value_error_naming_the_op(backend, op, data):
    shapes = data.draw(_shapes_that_do_not_broadcast(3 if op == "where" else 2), label="shapes")
    with kerafront.backend_scope(backend):
        ops = kerafront.ops
        args = [ops.ones(shape) for shape in shapes]
        if op == "where":
            args[0] = ops.cast(args[0], "bool")
        with pytest.raises(ValueError) as info:
            getattr(ops, op)(*args)
    assert op in str(info.value), f"backend {backend}: {op} on shapes {shapes}: message does not name {op!r}: " \
                                  f"{str(info.value)!r}"


@st.composite
def _promotion_example(draw, held):
    """``(op, operands, expected dtype)``: two tensors of held dtypes, or a tensor and a Python scalar."""
    op = draw(st.sampled_from(PROMOTING_OPS))
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    shapes = draw(hnp.mutually_broadcastable_shapes(num_shapes=2, max_dims=3, max_side=3)).input_shapes
    first = draw(st.sampled_from(held))
    second = draw(st.sampled_from(held + PYTHON_SCALARS))
    operands = [(_values(rng, shapes[0], first), first)]
    if isinstance(second, str):
        operands.append((_values(rng, shapes[1], second), second))
        expected = dtypes.result_type(first, second)
    else:
        operands.append(second)
        expected = dtypes.result_type(first, weak=(type(second),))
    if draw(st.booleans()):
        operands.reverse()
    if op == "where":
        operands.insert(0, (_values(rng, shapes[1], "bool"), "bool"))
    return op, operands, expected


@PROPERTY_SETTINGS
@given(data=st.data())
def test_dtype_pairs_promote_by_the_table(backend, data):
    op, operands, expected = data.draw(_promotion_example(_held_dtypes(backend)), label="example")
    _check(backend, op, operands, expected)


@pytest.mark.parametrize("other", dtypes.ALL_DTYPES + (2, 1.5, True), ids=str)
def test_bfloat16_promotion(backend, other):
    """bfloat16 with float16 gives float32; with any other float the wider; it wins over integers and
    Python scalars."""
    pytest.importorskip("ml_dtypes", reason="the NumPy reference holds bfloat16 only with ml_dtypes installed")
    held = _held_dtypes(backend)
    for dtype in ("bfloat16", other):
        if isinstance(dtype, str) and dtype not in held:
            pytest.skip(f"backend {backend} or the reference refuses {dtype} here")
    rng = np.random.default_rng(0)
    operands = [(_values(rng, (2, 3), "bfloat16"), "bfloat16")]
    if isinstance(other, str):
        operands.append((_values(rng, (3,), other), other))
        expected = dtypes.result_type("bfloat16", other)
    else:
        operands.append(other)
        expected = dtypes.result_type("bfloat16", weak=(type(other),))
    _check(backend, "add", operands, expected)
