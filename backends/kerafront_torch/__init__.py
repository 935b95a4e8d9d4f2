"""kerafront's PyTorch backend: the primitives of ``kerafront.spec`` on native ``torch.Tensor``.

Modules: ``_convert`` (dtypes, conversion, creation, promotion), ``_math`` (elementwise and
comparisons), ``_reduce`` (reductions, matmul, einsum), ``_shape`` (shape ops, gathers,
sorting), ``_nn`` (conv, conv_transpose, pooling), ``_random`` (seeded random),
``_autodiff`` (value_and_grad, grad, stop_gradient, compile), ``_device`` (placement) and
``_fused`` (fused overrides of composites such as ``log_softmax`` and the crossentropies) and
``_optim`` (``fused_optimizer_update``, the optional multi-tensor optimizer hook).

Switches (environment variables):

* ``KERAFRONT_DEVICE`` (``cpu``, ``gpu``, ``gpu:1``), read at import; default: the first CUDA GPU
  when ``torch.cuda.is_available()``, else the CPU.
* ``KERAFRONT_TORCH_COMPILE`` (``0`` default, ``1``, or a ``torch.compile`` mode such as
  ``reduce-overhead``), read when ``compile(fn)`` is called; without it ``compile`` is the identity.
"""

from kerafront_torch._autodiff import compile, grad, stop_gradient, value_and_grad
from kerafront_torch._convert import (arange, cast, convert_to_numpy, convert_to_tensor, dtype, eye, full,
                                      is_tensor, ones, shape, zeros)
from kerafront_torch._device import default_device, device_scope, list_devices
from kerafront_torch._fused import (binary_crossentropy, categorical_crossentropy, gelu, log_softmax, logsumexp,
                                    moments, relu, silu, softmax, softplus, sparse_categorical_crossentropy)
from kerafront_torch._math import (abs, add, ceil, clip, cos, divide, equal, erf, exp, expm1, floor, floor_divide,
                                   greater, greater_equal, isfinite, isnan, less, less_equal, log, log1p,
                                   logical_and, logical_not, logical_or, logical_xor, maximum, minimum, mod,
                                   multiply, negative, not_equal, power, round, rsqrt, sigmoid, sign, sin, sqrt,
                                   square, subtract, tanh, where)
from kerafront_torch._optim import fused_optimizer_update
from kerafront_torch._nn import average_pool, conv, conv_bias, conv_transpose, max_pool
from kerafront_torch._random import random_normal, random_shuffle, random_uniform, truncated_normal
from kerafront_torch._reduce import (all, any, argmax, argmin, cumsum, einsum, matmul, max, mean, min, prod, std,
                                     sum, var)
from kerafront_torch._shape import (argsort, broadcast_to, concatenate, expand_dims, flip, pad, repeat, reshape,
                                    scatter, slice, sort, split, squeeze, stack, take, take_along_axis, tile,
                                    top_k, transpose)

name = "torch"


def prepare_for_training():
    """Optional hook (``kerafront.spec.OPTIONAL_BACKEND_HOOKS``): on the CPU, keep freed memory for
    the next step (torch's CPU tensors come from malloc; see ``kerafront/utils/malloc.py``)."""
    if default_device() == "cpu":
        from kerafront.utils import malloc
        malloc.keep_freed_memory()
