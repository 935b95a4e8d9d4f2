"""Comparisons, logic and ``isnan``/``isfinite``: bool results, no gradients.

Comparisons promote their operands with kerafront's table first (``int32 < 0.5`` compares in floatx).
"""

import numpy as np

from kerafront_numpy._autodiff import primitive
from kerafront_numpy._convert import binary_forward, is_float, result_array, to_array

ndarray = np.ndarray


def _compare(name, ufunc, doc):
    """A comparison or logic primitive: a bool result, no gradient."""
    return primitive(None)(binary_forward(name, ufunc, doc))


equal = _compare("equal", np.equal, "``x1 == x2``.")
not_equal = _compare("not_equal", np.not_equal, "``x1 != x2``.")
less = _compare("less", np.less, "``x1 < x2``.")
less_equal = _compare("less_equal", np.less_equal, "``x1 <= x2``.")
greater = _compare("greater", np.greater, "``x1 > x2``.")
greater_equal = _compare("greater_equal", np.greater_equal, "``x1 >= x2``.")
logical_and = _compare("logical_and", np.logical_and, "Elementwise and of truth values.")
logical_or = _compare("logical_or", np.logical_or, "Elementwise or.")
logical_xor = _compare("logical_xor", np.logical_xor, "Elementwise xor.")


@primitive(None)
def logical_not(x):
    return result_array(np.logical_not(x))


@primitive(None)
def isnan(x):
    x = x if type(x) is ndarray else to_array(x)
    return result_array(np.isnan(x)) if is_float(x.dtype) else np.zeros(x.shape, dtype=bool)


@primitive(None)
def isfinite(x):
    x = x if type(x) is ndarray else to_array(x)
    return result_array(np.isfinite(x)) if is_float(x.dtype) else np.ones(x.shape, dtype=bool)
