"""kerafront's PyTorch backend: the primitives of ``kerafront.spec`` on native ``torch.Tensor``.

Modules, one per section of ``kerafront.spec.MODULE_MAP``:

* ``_creation``: conversion, creation, cast, shape, dtype
* ``_elementwise``: arithmetic and unary math, maximum/minimum, clip, where, rounding
* ``_comparison``: comparisons and logic
* ``_reduction``: sum, mean, max/min, argmax/argmin, var, cumsum...; ``_linalg``: matmul, einsum
* ``_shape``: reshape, concatenate, pad, slice, take, scatter, sort, top_k...
* ``_nn``: conv, conv_transpose, max_pool, average_pool; ``_random``: seeded random
* ``_autodiff``: value_and_grad, stop_gradient, inference_scope; ``_compile``: compile (opt-in
  ``torch.compile``); ``_control_flow``: scan, while_loop, cond (Python loops and branches)
* ``_device``: the hooks name, device_scope, default_device, list_devices, prepare_for_training,
  variable_storage (weights are ``torch.nn.Parameter``s)
* ``_fused``: fused overrides of composites (relu, log_softmax, the crossentropies, conv_bias, lstm/gru...)
* ``_optim``: ``fused_optimizer_update``, the optional multi-tensor optimizer hook

``_convert`` holds the helpers every section shares (dtype mapping, conversion, promotion).
``_module`` makes every kerafront layer a ``torch.nn.Module`` when this package is imported.

Switches (environment variables, read through ``kerafront.config``):

* ``KERAFRONT_DEVICE`` (``cpu``, ``gpu``, ``gpu:1``), read at import; default: the first CUDA GPU
  when ``torch.cuda.is_available()``, else the CPU.
* ``KERAFRONT_TORCH_COMPILE`` (``0`` default, ``1``, or a ``torch.compile`` mode such as
  ``reduce-overhead``), read when ``compile(fn)`` is called; without it ``compile`` is the identity.
"""

from kerafront_torch import _module
from kerafront_torch._autodiff import custom_gradient_call, inference_scope, remat, stop_gradient, value_and_grad
from kerafront_torch._comparison import (equal, greater, greater_equal, isfinite, isnan, less, less_equal,
                                         logical_and, logical_not, logical_or, logical_xor, not_equal)
from kerafront_torch._compile import compile, step_mode
from kerafront_torch._control_flow import cond, scan, while_loop
from kerafront_torch._creation import bitcast
from kerafront_torch._creation import (arange, cast, convert_to_numpy, convert_to_tensor, dtype, eye, full,
                                       is_tensor, ones, shape, zeros)
from kerafront_torch._device import (default_device, device_scope, list_devices, name, prepare_for_training,
                                     variable_storage)
from kerafront_torch._elementwise import (abs, add, arctan2, ceil, clip, cos, divide, erf, exp, expm1, floor,
                                          floor_divide, log, log1p, maximum, minimum, mod, multiply, negative, power,
                                          round, rsqrt, sigmoid, sign, sin, sqrt, square, subtract, tanh, where)
from kerafront_torch._elementwise import erfc, erfinv, nextafter
from kerafront_torch._signal import complex_fft
from kerafront_torch._fused import (binary_crossentropy, categorical_crossentropy, conv_bias, dot_product_attention,
                                    gelu, gru, layer_normalization, log_softmax, logsumexp, lstm, moments, relu, silu,
                                    softmax, softplus, sparse_categorical_crossentropy)
from kerafront_torch._linalg import (cholesky, det, eigh, einsum, lu_factor, matmul, qr, slogdet, solve,
                                     solve_triangular, svd)
from kerafront_torch._nn import average_pool, conv, conv_transpose, max_pool
from kerafront_torch._optim import fused_optimizer_update
from kerafront_torch._random import random_normal, random_shuffle, random_uniform, truncated_normal
from kerafront_torch._reduction import all, any, argmax, argmin, cumsum, max, mean, min, prod, sum, var
from kerafront_torch._shape import (argsort, broadcast_to, concatenate, expand_dims, flip, pad, repeat, reshape,
                                    scatter, slice, sort, split, squeeze, stack, take, take_along_axis, tile,
                                    top_k, transpose)

_module.install()
