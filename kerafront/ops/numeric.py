"""Keras's elementwise NumPy-style ops written from primitives (the rules composites follow: ``kerafront.ops``).

Result dtypes follow Keras 3: float math on an integer or bool input computes in floatx; the ops
Keras marks so (``cbrt``, ``hypot``, ``heaviside``, ``deg2rad``, ``rad2deg``) give float64 for int64.
Only real tensors exist in kerafront, so ``real``, ``conj`` and ``conjugate`` return their input,
``imag`` zeros and ``isreal`` all true. Window functions (``bartlett``, ``kaiser``, ...) take a Python
int length and are computed once, in float64, then cast to floatx.
"""

import math

from kerafront import config
from kerafront.dtypes import is_float, is_int, result_type, standardize_dtype
from kerafront.ops._dispatch import composite
from kerafront.ops._primitives import (abs, add, arctan2, ceil, cast, convert_to_numpy, convert_to_tensor, cos, divide,
                                       dtype as dtype_of, equal, exp, expm1, floor, greater, is_tensor, isfinite, isnan,
                                       less, less_equal, log, log1p, logical_and, logical_not, logical_or, maximum,
                                       minimum, mod, multiply, negative, power, round, shape as shape_of, sign, sin,
                                       sqrt, square, stop_gradient, subtract, where, zeros)

__all__ = ["absolute", "fabs", "conj", "conjugate", "real", "imag", "isreal", "angle", "tan", "arctan", "arcsin",
           "arccos", "sinh", "cosh", "arcsinh", "arccosh", "arctanh", "exp2", "log2", "log10", "logaddexp",
           "logaddexp2", "cbrt", "hypot", "reciprocal", "true_divide", "divide_no_nan", "trunc", "fmod", "fmax", "fmin",
           "heaviside", "sinc", "deg2rad", "rad2deg", "ldexp", "signbit", "isinf", "isposinf", "isneginf", "isclose",
           "bartlett", "blackman", "hamming", "hanning", "kaiser"]

_LN2 = math.log(2.0)
_LN10 = math.log(10.0)
_SMALL_INTS = ("bool", "uint8", "int8", "int16", "int32")


def _tensor(x):
    return x if is_tensor(x) else convert_to_tensor(x)


def _as_float(x):
    """``x`` in its own float dtype, or in floatx when it is an integer or bool tensor (Keras's rule)."""
    x = _tensor(x)
    return x if is_float(dtype_of(x)) else cast(x, config.floatx())


def _float_keeping_int64(dtype):
    """Keras's result dtype for ``cbrt``/``hypot``/``heaviside``: small ints and bool -> floatx, int64 -> float64."""
    dtype = standardize_dtype(dtype)
    if dtype in _SMALL_INTS:
        return config.floatx()
    return "float64" if dtype == "int64" else dtype


def _promoted(x1, x2, *extra):
    """``x1``, ``x2`` as tensors of their promoted dtype (``extra``: ``float`` also promotes to a float dtype)."""
    weak = [type(v) for v in (x1, x2) if isinstance(v, (bool, int, float))]
    strong = [dtype_of(v) for v in (x1, x2) if not isinstance(v, (bool, int, float))]
    dtype = result_type(*strong, weak=tuple(weak) + extra, floatx=config.floatx())
    return convert_to_tensor(x1, dtype=dtype), convert_to_tensor(x2, dtype=dtype)


@composite
def absolute(x):
    """``abs(x)``, keeping an integer dtype."""
    return abs(x)


@composite
def fabs(x):
    """``abs(x)`` as a float (integers and bool in floatx)."""
    return abs(_as_float(x))


@composite
def conj(x):
    """Complex conjugate; kerafront tensors are real, so ``x`` itself."""
    return _tensor(x)


@composite
def conjugate(x):
    """Alias of ``conj``."""
    return _tensor(x)


@composite
def real(x):
    """Real part; kerafront tensors are real, so ``x`` itself."""
    return _tensor(x)


@composite
def imag(x):
    """Imaginary part; zeros of ``x``'s shape and dtype (kerafront tensors are real)."""
    x = _tensor(x)
    return zeros(shape_of(x), dtype=dtype_of(x))


@composite
def isreal(x):
    """True everywhere: kerafront tensors are real."""
    return equal(imag(x), 0)


@composite
def angle(x):
    """Argument of a complex number; for real ``x`` NumPy's ``arctan2(0, x)``: pi where ``x < 0`` or ``x`` is -0.0,
    else 0 (NaN stays NaN); its gradient is 0."""
    x = _as_float(x)
    return where(isnan(x), x, where(signbit(x), math.pi, 0.0))


@composite
def arctan(x):
    """``arctan2(x, 1)``."""
    return arctan2(_as_float(x), 1.0)


@composite
def arcsin(x):
    """``arctan2(x, sqrt((1 - x) * (1 + x)))`` (NaN outside [-1, 1])."""
    x = _as_float(x)
    return arctan2(x, sqrt(multiply(subtract(1.0, x), add(1.0, x))))


@composite
def arccos(x):
    """``arctan2(sqrt((1 - x) * (1 + x)), x)`` (NaN outside [-1, 1])."""
    x = _as_float(x)
    return arctan2(sqrt(multiply(subtract(1.0, x), add(1.0, x))), x)


@composite
def tan(x):
    """``sin(x) / cos(x)``."""
    x = _as_float(x)
    return divide(sin(x), cos(x))


@composite
def sinh(x):
    """``(expm1(x) - expm1(-x)) / 2``: exact to rounding near 0, overflowing to ``+-inf`` like NumPy's."""
    x = _as_float(x)
    return multiply(subtract(expm1(x), expm1(negative(x))), 0.5)


@composite
def cosh(x):
    """``(exp(x) + exp(-x)) / 2``."""
    x = _as_float(x)
    return multiply(add(exp(x), exp(negative(x))), 0.5)


@composite
def arcsinh(x):
    """Odd extension of ``log1p(t + t**2 / (1 + sqrt(1 + t**2)))`` for ``t = |x|`` (``log(2t)`` where ``t**2`` would
    overflow); ``|x|`` is taken with ``where`` so the gradient at 0 is 1."""
    x = _as_float(x)
    negative_x = less(x, 0.0)
    t = where(negative_x, negative(x), x)
    large = greater(t, 1e18)
    small_t = where(large, 1.0, t)
    near = log1p(add(small_t, divide(square(small_t), add(1.0, sqrt(add(1.0, square(small_t)))))))
    out = where(large, add(log(where(large, t, 1.0)), _LN2), near)
    return where(negative_x, negative(out), out)


@composite
def arccosh(x):
    """``log1p((x - 1) + sqrt((x - 1) * (x + 1)))`` for ``x >= 1`` (NaN below); ``log(2x)`` where that would
    overflow."""
    x = _as_float(x)
    large = greater(x, 1e18)
    small_x = where(large, 1.0, x)
    t = subtract(small_x, 1.0)
    near = log1p(add(t, sqrt(multiply(t, add(small_x, 1.0)))))
    return where(large, add(log(where(large, x, 1.0)), _LN2), near)


@composite
def arctanh(x):
    """``(log1p(x) - log1p(-x)) / 2`` (``+-inf`` at ``+-1``, NaN outside ``[-1, 1]``)."""
    x = _as_float(x)
    return multiply(subtract(log1p(x), log1p(negative(x))), 0.5)


@composite
def exp2(x):
    """``2 ** x``."""
    return power(2.0, _as_float(x))


@composite
def log2(x):
    """``log(x) / log(2)``."""
    return divide(log(_as_float(x)), _LN2)


@composite
def log10(x):
    """``log(x) / log(10)``."""
    return divide(log(_as_float(x)), _LN10)


@composite
def logaddexp(x1, x2):
    """``log(exp(x1) + exp(x2))`` without overflow: ``(x1 + x2 + |x1 - x2|) / 2 + log1p(exp(-|x1 - x2|))``, so the
    gradient at ``x1 == x2`` is 1/2 each; ``max(x1, x2)`` where either is infinite, NaN where either is NaN."""
    x1, x2 = _promoted(x1, x2, float)
    finite = logical_and(isfinite(x1), isfinite(x2))
    a, b = where(finite, x1, 0.0), where(finite, x2, 0.0)
    gap = abs(subtract(a, b))
    stable = add(multiply(add(add(a, b), gap), 0.5), log1p(exp(negative(gap))))
    return where(finite, stable, where(isnan(x1), x1, where(isnan(x2), x2, maximum(x1, x2))))


@composite
def logaddexp2(x1, x2):
    """``log2(2**x1 + 2**x2)``: ``logaddexp(x1 * log(2), x2 * log(2)) / log(2)``."""
    x1, x2 = _promoted(x1, x2, float)
    return divide(logaddexp(multiply(x1, _LN2), multiply(x2, _LN2)), _LN2)


@composite
def cbrt(x):
    """Real cube root, ``sign(x) * |x| ** (1/3)``."""
    x = _tensor(x)
    x = cast(x, _float_keeping_int64(dtype_of(x)))
    return multiply(sign(x), power(abs(x), 1.0 / 3.0))


@composite
def hypot(x1, x2):
    """``sqrt(x1**2 + x2**2)`` scaled by ``m = max(|x1|, |x2|)`` so it neither overflows nor underflows
    (0 where both are 0; ``inf`` where either is infinite)."""
    x1, x2 = _promoted(x1, x2)
    dtype = _float_keeping_int64(dtype_of(x1))
    a, b = abs(cast(x1, dtype)), abs(cast(x2, dtype))
    infinite = logical_or(equal(a, float("inf")), equal(b, float("inf")))
    a, b = where(infinite, 0.0, a), where(infinite, 0.0, b)
    m = maximum(a, b)
    safe_m = where(greater(m, 0.0), m, 1.0)
    scaled = multiply(m, sqrt(add(square(divide(a, safe_m)), square(divide(b, safe_m)))))
    return where(infinite, float("inf"), scaled)


@composite
def reciprocal(x):
    """``1 / x``; on integers NumPy's truncating integer reciprocal (``x`` where ``|x| == 1``, else 0)."""
    x = _tensor(x)
    if is_float(dtype_of(x)):
        return divide(1.0, x)
    return where(equal(abs(x), 1), x, zeros((), dtype=dtype_of(x)))


@composite
def true_divide(x1, x2):
    """Alias of ``divide``."""
    return divide(x1, x2)


@composite
def divide_no_nan(x1, x2):
    """``x1 / x2``, and 0 where ``x2 == 0`` (with a zero gradient there, through a safe divisor)."""
    x1, x2 = _promoted(x1, x2, float)
    zero = equal(x2, 0.0)
    return where(zero, 0.0, divide(x1, where(zero, 1.0, x2)))


@composite
def trunc(x):
    """Round toward zero; integer and bool inputs come back unchanged."""
    x = _tensor(x)
    if not is_float(dtype_of(x)):
        return x
    return where(less(x, 0.0), ceil(x), floor(x))


@composite
def fmod(x1, x2):
    """C's remainder, with the sign of ``x1``: ``sign(x1) * mod(|x1|, |x2|)`` (``mod`` follows Python's signs);
    gradients 1 for ``x1`` and ``-trunc(x1 / x2)`` for ``x2``, as NumPy's derivative."""
    x1, x2 = _promoted(x1, x2)
    if standardize_dtype(dtype_of(x1)) == "bool":
        x1, x2 = cast(x1, "int32"), cast(x2, "int32")
    r = mod(abs(x1), abs(x2))
    r = where(less(x1, 0), negative(r), r)
    if not is_float(dtype_of(x1)):
        return r
    r = stop_gradient(r)
    # ``mod`` has no gradient; add terms that are 0 in value and give fmod's: 1 for x1, -trunc(x1 / x2) for x2.
    finite = logical_and(isfinite(x1), isfinite(x2))
    x1, x2 = where(finite, x1, 0.0), where(finite, x2, 0.0)
    quotient = stop_gradient(round(divide(subtract(x1, r), where(equal(x2, 0.0), 1.0, x2))))
    quotient = where(finite, quotient, 0.0)
    return add(r, subtract(subtract(x1, stop_gradient(x1)), multiply(quotient, subtract(x2, stop_gradient(x2)))))


@composite
def fmax(x1, x2):
    """Elementwise maximum that ignores NaN: the other value where one is NaN (NaN only where both are)."""
    x1, x2 = _promoted(x1, x2)
    if not is_float(dtype_of(x1)):
        return maximum(x1, x2)
    return where(isnan(x1), x2, where(isnan(x2), x1, maximum(x1, x2)))


@composite
def fmin(x1, x2):
    """Elementwise minimum that ignores NaN: the other value where one is NaN (NaN only where both are)."""
    x1, x2 = _promoted(x1, x2)
    if not is_float(dtype_of(x1)):
        return minimum(x1, x2)
    return where(isnan(x1), x2, where(isnan(x2), x1, minimum(x1, x2)))


@composite
def heaviside(x1, x2):
    """Step function: 0 where ``x1 < 0``, 1 where ``x1 > 0``, ``x2`` where ``x1 == 0`` (NaN stays NaN)."""
    x1, x2 = _promoted(x1, x2)
    dtype = _float_keeping_int64(dtype_of(x1))
    x1, x2 = cast(x1, dtype), cast(x2, dtype)
    step = where(less(x1, 0.0), 0.0, where(greater(x1, 0.0), 1.0, x2))
    return cast(where(isnan(x1), x1, step), dtype)


@composite
def sinc(x):
    """Normalized sinc, ``sin(pi x) / (pi x)``, 1 at 0 (with gradient 0 there, through a safe divisor)."""
    x = _as_float(x)
    zero = equal(x, 0.0)
    y = multiply(where(zero, 1.0, x), math.pi)
    return where(zero, 1.0, divide(sin(y), y))


def _angle_dtype(x):
    x = _tensor(x)
    dtype = standardize_dtype(dtype_of(x))
    if dtype in ("int64", "float64"):
        return cast(x, "float64")
    if dtype in ("float16", "bfloat16"):
        return x
    return cast(x, config.floatx())


@composite
def deg2rad(x):
    """``x * pi / 180``."""
    return multiply(_angle_dtype(x), math.pi / 180.0)


@composite
def rad2deg(x):
    """``x * 180 / pi``."""
    return multiply(_angle_dtype(x), 180.0 / math.pi)


@composite
def ldexp(x1, x2):
    """``x1 * 2 ** x2`` for an integer ``x2`` (a ``TypeError`` otherwise, as Keras raises)."""
    x2 = _tensor(x2)
    if not is_int(dtype_of(x2)):
        raise TypeError(f"ldexp: the exponent x2 must be an integer tensor, received dtype {dtype_of(x2)}.")
    x1 = _tensor(x1)
    dtype = result_type(dtype_of(x1), dtype_of(x2), weak=(float,), floatx=config.floatx())
    return multiply(cast(x1, dtype), power(2.0, cast(x2, dtype)))


@composite
def signbit(x):
    """True where the sign bit is set: ``x < 0``, and ``-0.0`` (found as ``1 / x == -inf``). A NaN counts as
    positive whatever its sign bit (a composite cannot read it)."""
    x = _tensor(x)
    if not is_float(dtype_of(x)):
        return less(x, 0)
    negative_zero = logical_and(equal(x, 0.0), less(divide(1.0, x), 0.0))
    return logical_or(less(x, 0.0), negative_zero)


@composite
def isinf(x):
    """True at ``+inf`` and ``-inf``."""
    x = _tensor(x)
    return logical_not(logical_or(isfinite(x), isnan(x)))


@composite
def isposinf(x):
    """True at ``+inf``."""
    x = _tensor(x)
    return logical_and(isinf(x), greater(x, 0))


@composite
def isneginf(x):
    """True at ``-inf``."""
    x = _tensor(x)
    return logical_and(isinf(x), less(x, 0))


@composite
def isclose(x1, x2, rtol=1e-05, atol=1e-08, equal_nan=False):
    """NumPy's ``isclose``: ``|x1 - x2| <= atol + rtol * |x2|`` where both are finite, equality elsewhere (equal
    infinities are close), and NaN close to NaN only with ``equal_nan``."""
    x1, x2 = _promoted(x1, x2)
    if standardize_dtype(dtype_of(x1)) == "bool":
        x1, x2 = cast(x1, "int32"), cast(x2, "int32")
    finite = logical_and(isfinite(x1), isfinite(x2))
    a, b = where(finite, x1, 0), where(finite, x2, 0)
    near = less_equal(abs(subtract(a, b)), add(multiply(abs(b), rtol), atol))
    close = where(finite, near, equal(x1, x2))
    if equal_nan:
        close = logical_or(close, logical_and(isnan(x1), isnan(x2)))
    return close


def _window_length(x, name):
    if is_tensor(x) or hasattr(x, "shape"):
        x = convert_to_numpy(x)
        if x.ndim != 0:
            raise ValueError(f"{name}: x must be a scalar window length, received an array of shape {x.shape}.")
        x = x.item()
    if isinstance(x, float) and x.is_integer():
        x = int(x)
    if not isinstance(x, int) or isinstance(x, bool):
        raise TypeError(f"{name}: x must be an integer window length, received {x!r}.")
    return x


def _window(name, x, fn):
    m = _window_length(x, name)
    values = [1.0] if m == 1 else [fn(n, m) for n in range(max(m, 0))]
    return convert_to_tensor(values if values else zeros((0,), dtype=config.floatx()), dtype=config.floatx())


@composite
def bartlett(x):
    """Triangular window of length ``x``: ``1 - |2n / (x - 1) - 1|``."""
    return _window("bartlett", x, lambda n, m: 1.0 - math.fabs(2.0 * n / (m - 1) - 1.0))


@composite
def blackman(x):
    """Blackman window: ``0.42 - 0.5 cos(2 pi n / (x - 1)) + 0.08 cos(4 pi n / (x - 1))``."""
    return _window("blackman", x, lambda n, m: 0.42 - 0.5 * math.cos(2.0 * math.pi * n / (m - 1))
                   + 0.08 * math.cos(4.0 * math.pi * n / (m - 1)))


@composite
def hamming(x):
    """Hamming window: ``0.54 - 0.46 cos(2 pi n / (x - 1))``."""
    return _window("hamming", x, lambda n, m: 0.54 - 0.46 * math.cos(2.0 * math.pi * n / (m - 1)))


@composite
def hanning(x):
    """Hann window: ``0.5 - 0.5 cos(2 pi n / (x - 1))``."""
    return _window("hanning", x, lambda n, m: 0.5 - 0.5 * math.cos(2.0 * math.pi * n / (m - 1)))


def _bessel_i0(v):
    """Modified Bessel function of the first kind, order 0, of a Python float (its power series, to float64)."""
    term, total, k, q = 1.0, 1.0, 0, v * v / 4.0
    while term > total * 1e-17:
        k += 1
        term *= q / (k * k)
        total += term
    return total


@composite
def kaiser(x, beta):
    """Kaiser window: ``i0(beta * sqrt(1 - (2n / (x - 1) - 1)**2)) / i0(beta)`` (``beta`` a Python number)."""
    beta = float(convert_to_numpy(beta)) if not isinstance(beta, (int, float)) else float(beta)

    def value(n, m):
        return _bessel_i0(beta * math.sqrt(max(0.0, 1.0 - (2.0 * n / (m - 1) - 1.0) ** 2))) / _bessel_i0(beta)

    return _window("kaiser", x, value)
