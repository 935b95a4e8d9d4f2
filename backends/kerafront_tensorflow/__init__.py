"""kerafront's TensorFlow backend: every primitive of ``kerafront.spec`` on native ``tf.Tensor``.

Select it with ``KERAFRONT_BACKEND=tensorflow`` or ``kerafront.set_backend("tensorflow")``; it is
imported only then. Semantics are kerafront's: explicit dtype promotion (TensorFlow has none),
int32 indices, Python-sign ``floor_divide``/``mod``, NHWC kernels for both data formats, the
spec's tie rules for max/min gradients.

Environment:

* ``TF_CPP_MIN_LOG_LEVEL`` defaults to 2 (TensorFlow's C++ INFO/WARNING start-up lines hidden,
  ERRORs shown); set it yourself to see more. Importing the backend never imports Keras.
* ``KERAFRONT_DEVICE`` (``cpu``, ``gpu``, ``gpu:1``) picks the device at import.
* ``KERAFRONT_TF_XLA=1`` makes ``compile`` use XLA (``tf.function(jit_compile=True)``).

Modules, by section of ``kerafront.spec`` (``spec.MODULE_MAP``):

* creation ``_creation``: conversion, ``dtype``, ``shape``, ``cast``, zeros/ones/full/arange/eye
* elementwise ``_elementwise``: arithmetic, unary math, maximum/minimum/clip, where, rounding
* comparison ``_comparison``: comparisons, logic, isnan/isfinite
* reduction ``_reduction``: sum, mean, max/min (first-tie gradients), arg extremes, var, cumsum
* linalg ``_linalg``: matmul, einsum
* shape ``_shape``: reshape, concatenate, pad, gathers, scatter, sorting
* nn ``_nn``: conv, conv_transpose, max_pool, average_pool
* random ``_random``: stateless seeded random ops
* autodiff ``_autodiff``: value_and_grad, stop_gradient; compile ``_compile``: compile, step_mode ("stateful")
* control_flow ``_control_flow``: scan, while_loop (``tf.while_loop``), cond (``tf.cond``)
* device ``_device``: name, device_scope, default_device, list_devices; ``variable_storage`` (kerafront
  Variables hold ``tf.Variable``s, so ``tf.GradientTape`` and ``tf.function`` see them)
* fused ``_fused``: the ``relu`` override of a composite

Helpers (no ops): ``_tf`` (imports TensorFlow quietly), ``_kernels`` (direct op wrappers),
``_convert`` (dtype tables, conversion of Python/NumPy values, promotion, op-naming broadcast errors).
"""

from kerafront_tensorflow._tf import tf  # noqa: F401  (first: sets the log level, skips Keras)
from kerafront_tensorflow._autodiff import custom_gradient_call, stop_gradient, value_and_grad
from kerafront_tensorflow._comparison import (equal, greater, greater_equal, isfinite, isnan, less, less_equal,
                                              logical_and, logical_not, logical_or, logical_xor, not_equal)
from kerafront_tensorflow._compile import compile, step_mode
from kerafront_tensorflow._control_flow import cond, scan, while_loop
from kerafront_tensorflow._creation import bitcast
from kerafront_tensorflow._creation import (arange, cast, convert_to_numpy, convert_to_tensor, dtype, eye, full,
                                            is_tensor, ones, shape, zeros)
from kerafront_tensorflow._device import default_device, device_scope, list_devices, name, variable_storage
from kerafront_tensorflow._elementwise import (abs, add, arctan2, ceil, clip, cos, divide, erf, exp, expm1, floor,
                                               floor_divide, log, log1p, maximum, minimum, mod, multiply, negative,
                                               power, round, rsqrt, sigmoid, sign, sin, sqrt, square, subtract, tanh,
                                               where)
from kerafront_tensorflow._fused import relu
from kerafront_tensorflow._linalg import (cholesky, det, eigh, einsum, lu_factor, matmul, qr, slogdet, solve,
                                          solve_triangular, svd)
from kerafront_tensorflow._nn import average_pool, conv, conv_transpose, max_pool
from kerafront_tensorflow._random import random_normal, random_shuffle, random_uniform, truncated_normal
from kerafront_tensorflow._reduction import all, any, argmax, argmin, cumsum, max, mean, min, prod, sum, var
from kerafront_tensorflow._elementwise import erfc, erfinv, nextafter
from kerafront_tensorflow._signal import complex_fft
from kerafront_tensorflow._shape import (argsort, broadcast_to, concatenate, expand_dims, flip, pad, repeat,
                                         reshape, scatter, slice, sort, split, squeeze, stack, take,
                                         take_along_axis, tile, top_k, transpose)
