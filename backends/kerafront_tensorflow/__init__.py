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

Fused override of a composite: ``relu`` (see _fused.py).
"""

from kerafront_tensorflow._tf import tf  # noqa: F401  (first: sets the log level, skips Keras)
from kerafront_tensorflow._autodiff import grad, stop_gradient, value_and_grad
from kerafront_tensorflow._compile import compile
from kerafront_tensorflow._convert import convert_to_numpy, convert_to_tensor, dtype, is_tensor
from kerafront_tensorflow._creation import arange, cast, eye, full, ones, shape, zeros
from kerafront_tensorflow._device import default_device, device_scope, list_devices
from kerafront_tensorflow._fused import relu
from kerafront_tensorflow._math import (abs, add, ceil, clip, cos, divide, equal, erf, exp, expm1, floor,
                                        floor_divide, greater, greater_equal, isfinite, isnan, less, less_equal,
                                        log, log1p, logical_and, logical_not, logical_or, logical_xor, maximum,
                                        minimum, mod, multiply, negative, not_equal, power, round, rsqrt, sigmoid,
                                        sign, sin, sqrt, square, subtract, tanh, where)
from kerafront_tensorflow._nn import average_pool, conv, conv_transpose, max_pool
from kerafront_tensorflow._random import random_normal, random_shuffle, random_uniform, truncated_normal
from kerafront_tensorflow._reduce import (all, any, argmax, argmin, cumsum, einsum, matmul, max, mean, min, prod,
                                          std, sum, var)
from kerafront_tensorflow._shape import (argsort, broadcast_to, concatenate, expand_dims, flip, pad, repeat,
                                         reshape, scatter, slice, sort, split, squeeze, stack, take,
                                         take_along_axis, tile, top_k, transpose)

name = "tensorflow"
