"""kerafront's NumPy reference backend: the semantics oracle, CPU only, pure NumPy.

Every primitive of ``kerafront.spec`` is defined here with the same signature; each primitive's
VJP stands beside its forward code (see ``_autodiff`` for the contract). Each op lives in the
module of its spec section (``kerafront.spec.MODULE_MAP``):

* creation: ``_creation`` (conversion, zeros/ones/full/arange/eye, cast, shape, dtype)
* elementwise: ``_elementwise`` (arithmetic, unary math, maximum/minimum/clip/where, rounding)
* comparison: ``_comparison`` (comparisons, logic, isnan/isfinite)
* reduction: ``_reduction`` (sum, mean, max, ..., var, cumsum)
* linalg: ``_linalg`` (matmul, einsum, decompositions and solves)
* shape: ``_shape`` (``layout.py``: reshape, concatenate, pad, slice...; ``indexing.py``: take,
  scatter, sort, top_k, and ``getitem`` for boxes)
* nn: ``_nn`` (``conv.py``: conv, conv_transpose; ``pool.py``: max_pool, average_pool)
* signal: ``_signal`` (``complex_fft``, the DFT of a (real, imag) pair, its VJP the conjugate transform)
* random: ``_random``; autodiff: ``_autodiff`` (Box, value_and_grad, stop_gradient);
  compile: ``_compile``; control_flow: ``_control_flow`` (scan, while_loop, cond: Python loops);
  device: ``_device`` (name, device_scope, ..., prepare_for_training)
* fused: ``_fused``, overrides of composites (``kerafront.spec.OVERRIDABLE_COMPOSITES``): ``relu``,
  ``conv_bias`` and the whole-sequence ``lstm``/``gru`` (``_recurrent``), checked against the
  composites by ``conformance_tests/test_overrides.py``
* optim: ``_optim``, the optional fused optimizer update

Helpers that define no op: ``_convert`` (dtype mapping, conversion, kerafront's promotion) and
``_box_ops`` (the Python operators of ``Box``).

Two threads may each run their own ``value_and_grad`` at the same time (two models fitting in
parallel); nesting one ``value_and_grad`` inside another is not supported (use jax or torch for
higher-order gradients).
"""

from kerafront_numpy import _box_ops  # noqa: F401  (attaches the operators to Box)
from kerafront_numpy._autodiff import Box, custom_gradient_call, stop_gradient, value_and_grad
from kerafront_numpy._comparison import (equal, greater, greater_equal, isfinite, isnan, less, less_equal, logical_and,
                                         logical_not, logical_or, logical_xor, not_equal)
from kerafront_numpy._compile import compile, step_mode
from kerafront_numpy._control_flow import cond, scan, while_loop
from kerafront_numpy._creation import bitcast
from kerafront_numpy._creation import (arange, cast, convert_to_numpy, convert_to_tensor, dtype, eye, full, is_tensor,
                                       ones, shape, zeros)
from kerafront_numpy._device import default_device, device_scope, list_devices, name, prepare_for_training
from kerafront_numpy._elementwise import (abs, add, arctan2, ceil, clip, cos, divide, erf, exp, expm1, floor,
                                          floor_divide, log, log1p, maximum, minimum, mod, multiply, negative, power,
                                          round, rsqrt, sigmoid, sign, sin, sqrt, square, subtract, tanh, where)
from kerafront_numpy._elementwise import erfc, erfinv, nextafter
from kerafront_numpy._fused import conv_bias, gru, lstm, relu
from kerafront_numpy._linalg import (cholesky, det, eigh, einsum, lu_factor, matmul, qr, slogdet, solve,
                                     solve_triangular, svd)
from kerafront_numpy._nn import average_pool, conv, conv_transpose, max_pool
from kerafront_numpy._optim import fused_optimizer_update
from kerafront_numpy._random import random_normal, random_shuffle, random_uniform, truncated_normal
from kerafront_numpy._reduction import all, any, argmax, argmin, cumsum, max, mean, min, prod, sum, var
from kerafront_numpy._signal import complex_fft
from kerafront_numpy._shape import (argsort, broadcast_to, concatenate, expand_dims, flip, getitem, pad, repeat,
                                    reshape, scatter, slice, sort, split, squeeze, stack, take, take_along_axis, tile,
                                    top_k, transpose)
