"""Keras's integer ops -- bitwise, shifts, ``gcd`` and ``lcm`` -- written from primitives (the rules composites follow:
``kerafront.ops``).

The spec has no bit primitives, so ``and``/``or``/``xor`` read the bits arithmetically: bit ``k`` of a
two's-complement integer is ``(x // 2**k) % 2`` with Python's floor signs, and the sign bit is ``x < 0``;
the result is rebuilt as ``sum(bit_k * 2**k)`` plus ``-2**(n-1)`` for the sign. That is one pass per bit
(8 to 64), fine for index and mask arithmetic, not a hot path. ``bitwise_not`` is ``-x - 1``; shifts are
``x * 2**y`` and ``x // 2**y`` (arithmetic right shift), exact for ``0 <= y < bits - 1``. Bool operands
use the logical ops. Operands promote with kerafront's table (a Python int is weak). ``gcd`` runs
Euclid's algorithm as a ``while_loop`` until every remainder is 0; ``lcm`` is ``|x1 // gcd * x2|``.
"""

from kerafront import config
from kerafront.dtypes import result_type, standardize_dtype
from kerafront.ops._dispatch import composite
from kerafront.ops._primitives import (abs, add, any as any_of, cast, convert_to_tensor, dtype as dtype_of, equal,
                                       floor_divide, is_tensor, less, logical_and, logical_not, logical_or,
                                       logical_xor, maximum, mod, multiply, negative, not_equal, power, subtract,
                                       where, while_loop)

__all__ = ["bitwise_and", "bitwise_or", "bitwise_xor", "bitwise_not", "bitwise_invert", "bitwise_left_shift",
           "bitwise_right_shift", "left_shift", "right_shift", "gcd", "lcm"]

_BITS = {"uint8": 8, "int8": 8, "int16": 16, "int32": 32, "int64": 64}


def _constant(value, dtype):
    return convert_to_tensor(value, dtype=dtype)


def _integer_operands(name, x, y):
    weak = tuple(type(v) for v in (x, y) if isinstance(v, (bool, int)))
    strong = [dtype_of(v) for v in (x, y) if not isinstance(v, (bool, int, float))]
    if any(isinstance(v, float) for v in (x, y)):
        raise TypeError(f"{name}: operands must be integers or bools, received a Python float.")
    dtype = standardize_dtype(result_type(*strong, weak=weak, floatx=config.floatx()))
    if dtype != "bool" and dtype not in _BITS:
        raise TypeError(f"{name}: operands must be integer or bool tensors, received dtype {dtype}.")
    return convert_to_tensor(x, dtype=dtype), convert_to_tensor(y, dtype=dtype), dtype


def _bitwise(name, x, y, combine, logical):
    x, y, dtype = _integer_operands(name, x, y)
    if dtype == "bool":
        return logical(x, y)
    bits = _BITS[dtype]
    signed = dtype != "uint8"
    out = _constant(0, dtype)
    for k in range(bits - 1 if signed else bits):
        scale = _constant(1 << k, dtype)
        bit = combine(mod(floor_divide(x, scale), 2), mod(floor_divide(y, scale), 2))
        out = add(out, multiply(bit, scale))
    if signed:
        sign = logical(less(x, 0), less(y, 0))
        out = where(sign, add(out, _constant(-(1 << (bits - 1)), dtype)), out)
    return out


@composite
def bitwise_and(x, y):
    """Bitwise AND of integer (or bool) tensors."""
    return _bitwise("bitwise_and", x, y, multiply, logical_and)


@composite
def bitwise_or(x, y):
    """Bitwise OR of integer (or bool) tensors."""
    return _bitwise("bitwise_or", x, y, maximum, logical_or)


@composite
def bitwise_xor(x, y):
    """Bitwise XOR of integer (or bool) tensors."""
    return _bitwise("bitwise_xor", x, y, lambda a, b: mod(add(a, b), 2), logical_xor)


def _single(name, x):
    x = x if is_tensor(x) else convert_to_tensor(x)
    dtype = standardize_dtype(dtype_of(x))
    if dtype != "bool" and dtype not in _BITS:
        raise TypeError(f"{name}: x must be an integer or bool tensor, received dtype {dtype}.")
    return x, dtype


@composite
def bitwise_invert(x):
    """Bitwise NOT: ``-x - 1`` for signed integers, ``255 - x`` for uint8, ``not x`` for bools."""
    x, dtype = _single("bitwise_invert", x)
    if dtype == "bool":
        return logical_not(x)
    if dtype == "uint8":
        return subtract(_constant(255, dtype), x)
    return subtract(negative(x), _constant(1, dtype))


@composite
def bitwise_not(x):
    """Alias of ``bitwise_invert``."""
    return bitwise_invert(x)


def _shift_operands(name, x, y):
    x, y, dtype = _integer_operands(name, x, y)
    if dtype == "bool":
        x, y, dtype = cast(x, "int32"), cast(y, "int32"), "int32"
    wide = "int64" if dtype == "int64" else "int32"   # TensorFlow's power has no uint8 kernel
    return x, cast(power(_constant(2, wide), cast(y, wide)), dtype)


@composite
def bitwise_left_shift(x, y):
    """``x << y``, as ``x * 2**y`` (wrapping like the integer dtype; exact for ``0 <= y < bits - 1``)."""
    x, scale = _shift_operands("bitwise_left_shift", x, y)
    return multiply(x, scale)


@composite
def bitwise_right_shift(x, y):
    """Arithmetic ``x >> y``, as ``x // 2**y`` with Python's floor (exact for ``0 <= y < bits - 1``)."""
    x, scale = _shift_operands("bitwise_right_shift", x, y)
    return floor_divide(x, scale)


@composite
def left_shift(x, y):
    """Alias of ``bitwise_left_shift``."""
    return bitwise_left_shift(x, y)


@composite
def right_shift(x, y):
    """Alias of ``bitwise_right_shift``."""
    return bitwise_right_shift(x, y)


def _gcd_operands(name, x1, x2):
    x1, x2, dtype = _integer_operands(name, x1, x2)
    if dtype == "bool":
        x1, x2 = cast(x1, "int32"), cast(x2, "int32")
    return abs(x1), abs(x2)


def _euclid(a, b):
    """``gcd`` of non-negative tensors ``a`` and ``b`` of one shape and dtype."""
    zero = _constant(0, dtype_of(a))
    one = _constant(1, dtype_of(a))

    def step(a, b):
        done = equal(b, zero)
        return where(done, a, b), where(done, zero, mod(a, where(done, one, b)))

    a, _ = while_loop(lambda a, b: any_of(not_equal(b, zero)), step, (a, b))
    return a


@composite
def gcd(x1, x2):
    """Greatest common divisor of integer tensors (non-negative; ``gcd(0, 0) == 0``), broadcasting like NumPy."""
    a, b = _gcd_operands("gcd", x1, x2)
    a, b = add(a, multiply(b, 0)), add(b, multiply(a, 0))   # broadcast both to the result's shape
    return _euclid(a, b)


@composite
def lcm(x1, x2):
    """Least common multiple of integer tensors, ``|x1 // gcd(x1, x2) * x2|`` (0 where either is 0)."""
    a, b = _gcd_operands("lcm", x1, x2)
    a, b = add(a, multiply(b, 0)), add(b, multiply(a, 0))
    divisor = _euclid(a, b)
    zero = _constant(0, dtype_of(a))
    return where(equal(divisor, zero), zero, multiply(floor_divide(a, where(equal(divisor, zero), 1, divisor)), b))
