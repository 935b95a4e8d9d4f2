"""Cases for the dtype promotion table (kerafront/dtypes.py) on binary ops, Python scalars included.

The expected result dtype of every case is ``kerafront.dtypes.result_type`` of its operands, so
these cases check each backend (the reference included) against the table itself.
"""

import numpy as np

from kerafront.dtypes import result_type

from conformance_tests.cases import Gen, T, add

g = Gen("promotion")
DTYPES = ("bool", "uint8", "int8", "int16", "int32", "int64", "float16", "float32", "float64")
FLOATS = ("float16", "float32", "float64")


def value(shape, dtype):
    """Small values representable in every dtype (0..4 for unsigned, booleans for bool)."""
    if dtype == "bool":
        return g.bools(shape)
    if dtype == "uint8":
        return g.ints(shape, 0, 5, "uint8")
    if dtype in FLOATS:
        return g.uniform(shape, -2, 2, dtype)
    return g.ints(shape, -4, 5, dtype)


def _pair_case(op, ref, a, b, shapes=((2, 3), (3,)), name=None):
    expected = "bool" if op in ("equal", "less") else result_type(a, b)
    add(op, name or f"{a}_{b}", T(value(shapes[0], a)), T(value(shapes[1], b)), dtype=expected,
        expect=ref, grad=a in FLOATS and b in FLOATS, fd=False)


for a in DTYPES:
    for b in DTYPES:
        _pair_case("add", np.add, a, b)

MIXED_PAIRS = (("int32", "float32"), ("int64", "float16"), ("uint8", "int8"), ("bool", "int32"),
               ("float16", "float32"), ("int8", "int64"), ("float32", "float64"), ("uint8", "float16"))
for a, b in MIXED_PAIRS:
    _pair_case("multiply", np.multiply, a, b)
    _pair_case("maximum", np.maximum, a, b)
    _pair_case("minimum", np.minimum, a, b)
    _pair_case("equal", np.equal, a, b)
    _pair_case("less", np.less, a, b)
    if "bool" not in (a, b):
        _pair_case("subtract", np.subtract, a, b)

# divide: any integer pair gives floatx; a float with anything gives the float.
for a, b in (("int32", "int32"), ("int64", "int8"), ("int32", "float16"), ("float16", "float64"),
             ("uint8", "int32"), ("bool", "float32")):
    if b in FLOATS:
        denominator = g.away((3,), margin=0.5, dtype=b)
    else:
        denominator = np.array([2, -3, 4], b)
    expected = result_type(a, b)
    expected = expected if expected in FLOATS else "float32"
    add("divide", f"{a}_{b}", T(value((2, 3), a)), T(denominator), dtype=expected, expect=np.divide,
        grad=False, fd=False)

# where: the two branches promote like a binary op.
for a, b in (("int32", "float32"), ("float16", "float32"), ("int8", "int64"), ("bool", "int32")):
    add("where", f"{a}_{b}", T(g.bools((2, 3))), T(value((2, 3), a)), T(value((3,), b)),
        dtype=result_type(a, b), expect=np.where, grad=False, fd=False)

# Python scalars are weak: they take the tensor's dtype (a float scalar with an integer tensor -> floatx).
SCALARS = {"int": 3, "float": 1.5, "bool": True}
for dtype in DTYPES:
    for kind, scalar in SCALARS.items():
        expected = result_type(dtype, weak=(type(scalar),))
        add("add", f"{dtype}_python_{kind}", T(value((3,), dtype)), scalar, dtype=expected, expect=np.add,
            grad=False, fd=False)
        add("multiply", f"python_{kind}_{dtype}", scalar, T(value((2,), dtype)), dtype=expected,
            expect=np.multiply, grad=False, fd=False)

for kind, scalar in SCALARS.items():
    add("less", f"float16_python_{kind}", T(value((3,), "float16")), scalar, dtype="bool", expect=np.less)
    add("maximum", f"int8_python_{kind}", T(value((3,), "int8")), scalar,
        dtype=result_type("int8", weak=(type(scalar),)), expect=np.maximum, grad=False, fd=False)

# Two Python scalars: int32 for ints, floatx for floats.
add("add", "python_int_python_int", 2, 3, dtype="int32", expect=np.add)
add("add", "python_float_python_int", 1.5, 2, dtype="float32", expect=np.add, grad=False)
add("multiply", "python_float_python_float", 1.5, -2.0, dtype="float32", expect=np.multiply, grad=False)

# A 0-d tensor is a tensor, not a weak scalar: it promotes like any other (torch alone would let
# the operand of higher rank decide).
for a, b in MIXED_PAIRS:
    _pair_case("add", np.add, a, b, shapes=((2, 3), ()), name=f"{a}_{b}_0d")
    _pair_case("multiply", np.multiply, a, b, shapes=((), (3,)), name=f"{a}_0d_{b}")
