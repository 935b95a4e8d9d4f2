"""Every tolerance of the conformance suite, in one place, and the comparison that uses them.

A backend's value ``a`` matches the reference's ``b`` when ``|a - b| <= atol + rtol * |b|``
elementwise (NaNs and infinities must sit at the same positions). Why these numbers:

* float32 ``(1e-5, 1e-6)``: backends call different libm / vector kernels (MKL, Eigen, XLA,
  SLEEF) whose transcendental functions differ by a few ulp (1 ulp = 1.2e-7 relative), and the
  atol absorbs results near zero (``sin(pi)``).
* float16 ``(1e-2, 1e-2)``: 1 ulp is ~1e-3 relative; some backends compute in float32 and round
  once, others round each step.
* float64 ``(1e-10, 1e-12)``.
* Tolerance classes multiply both: ``reduction`` x10 (summation order: pairwise in NumPy, blocked
  in Eigen/XLA), ``linalg`` x30 (matmul/conv: BLAS/oneDNN blocking and FMA, Winograd-style
  convolution algorithms), ``loose`` x3 on top of float16's own tolerance (float16 accumulations).
* VJPs compare with an extra x10: a gradient is a chain of several ops, and the cotangent is
  random normal, so a backward pass sums more terms than the forward.
* Finite differences (the reference's own gradients): central differences in float64 with step
  ``FD_EPS = 1e-6``; truncation error ~eps^2 and rounding error ~1e-16/eps = 1e-10 relative, so
  ``(1e-5, 1e-6)`` leaves two orders of margin while still catching a wrong derivative.
"""

import numpy as np

TOLERANCES = {  # dtype -> (rtol, atol)
    "float16": (1e-2, 1e-2),
    "bfloat16": (2e-2, 2e-2),
    "float32": (1e-5, 1e-6),
    "float64": (1e-10, 1e-12),
}
EXACT_DTYPES = ("bool", "uint8", "int8", "int16", "int32", "int64")
CLASS_FACTORS = {"default": 1.0, "reduction": 10.0, "linalg": 30.0, "loose": 3.0}
VJP_FACTOR = 10.0
FD_EPS = 1e-6
FD_TOLERANCE = (1e-5, 1e-6)
# Random primitives: sample statistics of RANDOM_SAMPLES draws must lie within these of the target.
RANDOM_SAMPLES = 4000
RANDOM_MEAN_TOL = 0.1      # in units of the std: ~6 standard errors of the mean (1 / sqrt(4000) = 0.016)
RANDOM_STD_RTOL = 0.06     # the std estimate's relative standard error is ~1 / sqrt(2 * 4000) = 0.011


def tolerance(dtype, tol_class="default", vjp=False):
    """``(rtol, atol)`` for values of ``dtype`` in a case of class ``tol_class``; exact for ints/bools."""
    if dtype in EXACT_DTYPES or dtype is None:
        return 0.0, 0.0
    rtol, atol = TOLERANCES[dtype]
    factor = CLASS_FACTORS[tol_class] * (VJP_FACTOR if vjp else 1.0)
    return rtol * factor, atol * factor


REL_ERROR_FLOOR = 1e-3


def errors(actual, expected):
    """``(max_abs, max_rel)`` error between two arrays (finite entries only), as float64.

    The relative error only counts entries with ``|expected| >= REL_ERROR_FLOOR`` (below it the
    comparison is governed by atol and a relative figure would only report noise near zero).
    """
    a = np.asarray(actual, np.float64)
    b = np.asarray(expected, np.float64)
    if a.size == 0:
        return 0.0, 0.0
    finite = np.isfinite(a) & np.isfinite(b)
    if not finite.any():
        return 0.0, 0.0
    diff = np.abs(a[finite] - b[finite])
    scale = np.abs(b[finite])
    significant = scale >= REL_ERROR_FLOOR
    rel = diff[significant] / scale[significant]
    return float(diff.max()), float(rel.max()) if rel.size else 0.0


def mismatch(actual, expected, rtol, atol):
    """None when ``actual`` matches ``expected``; otherwise a short reason (shape, NaN/inf or values)."""
    a = np.asarray(actual)
    b = np.asarray(expected)
    if a.shape != b.shape:
        return f"shape {a.shape} != expected {b.shape}"
    if a.dtype == bool or b.dtype == bool:
        bad = int(np.count_nonzero(a.astype(bool) != b.astype(bool)))
        return None if bad == 0 else f"{bad} of {a.size} booleans differ"
    a64, b64 = a.astype(np.float64), b.astype(np.float64)
    nan_a, nan_b = np.isnan(a64), np.isnan(b64)
    if (nan_a != nan_b).any():
        return f"NaN at {int((nan_a != nan_b).sum())} positions where the other has a number"
    inf_a, inf_b = np.isinf(a64), np.isinf(b64)
    if (inf_a != inf_b).any() or (a64[inf_a] != b64[inf_b]).any():
        return "infinities differ"
    finite = ~(nan_a | inf_a)
    close = np.abs(a64[finite] - b64[finite]) <= atol + rtol * np.abs(b64[finite])
    if close.all():
        return None
    return f"{int((~close).sum())} of {a.size} elements outside rtol={rtol:g}, atol={atol:g}"
