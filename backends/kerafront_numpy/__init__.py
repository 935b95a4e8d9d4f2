"""kerafront's NumPy reference backend: the semantics oracle, CPU only, pure NumPy.

Every primitive of ``kerafront.spec`` is defined here with the same signature; each primitive's
VJP stands beside its forward code (see ``_autodiff`` for the contract). Modules:

* ``_autodiff``: Box, the ``primitive`` decorator, value_and_grad, grad, stop_gradient, compile
* ``_convert``: dtype mapping, conversion, kerafront's promotion
* ``_core``: creation, cast, elementwise math, comparisons
* ``_reduce``: reductions; ``_linalg``: matmul, einsum
* ``_shape``: reshape, concatenate, pad, slice...; ``_index``: take, scatter, sort, top_k, getitem
* ``_nn`` / ``_nn_pool``: convolution and pooling; ``_random``: seeded random; ``_device``: hooks\n\nOverrides of composites (``kerafront.spec.OVERRIDABLE_COMPOSITES``): ``relu`` and ``conv_bias``,\nchecked against the composites by ``conformance_tests/test_overrides.py``.
"""

from kerafront_numpy import _box_ops  # noqa: F401  (attaches the operators to Box)
from kerafront_numpy._autodiff import Box, compile, grad, stop_gradient, value_and_grad
from kerafront_numpy._core import (abs, add, arange, cast, ceil, clip, convert_to_numpy, convert_to_tensor, cos,
                                   divide, dtype, equal, erf, exp, expm1, eye, floor, floor_divide, full, greater,
                                   greater_equal, is_tensor, isfinite, isnan, less, less_equal, log, log1p,
                                   logical_and, logical_not, logical_or, logical_xor, maximum, minimum, mod,
                                   multiply, negative, not_equal, ones, power, relu, round, rsqrt, shape, sigmoid, sign,
                                   sin, sqrt, square, subtract, tanh, where, zeros)
from kerafront_numpy._device import default_device, device_scope, list_devices, name
from kerafront_numpy._index import argsort, getitem, scatter, sort, take, take_along_axis, top_k
from kerafront_numpy._linalg import einsum, matmul
from kerafront_numpy._nn import conv, conv_bias, conv_transpose, max_pool, average_pool
from kerafront_numpy._random import random_normal, random_shuffle, random_uniform, truncated_normal
from kerafront_numpy._reduce import all, any, argmax, argmin, cumsum, max, mean, min, prod, std, sum, var
from kerafront_numpy._shape import (broadcast_to, concatenate, expand_dims, flip, pad, repeat, reshape, slice,
                                    split, squeeze, stack, tile, transpose)
from kerafront_numpy._optim import fused_optimizer_update  # noqa: E402  (optional fast path)


def prepare_for_training():
    """Optional hook (``kerafront.spec.OPTIONAL_BACKEND_HOOKS``): keep freed memory for the next step."""
    from kerafront.utils import malloc
    malloc.keep_freed_memory()
