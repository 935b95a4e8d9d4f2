"""kerafront's JAX backend: every primitive of ``kerafront.spec`` on native ``jax.Array``.

Modules: ``_convert`` (dtypes, conversion, promotion), ``_math`` (creation, elementwise,
comparisons), ``_reduce`` (reductions, matmul, einsum), ``_shape`` (shape ops, gather/scatter,
sorting), ``_nn`` (conv, pooling), ``_random``, ``_autodiff`` (``jax.value_and_grad``/``jax.jit``)
and ``_device``.

Choices a user may meet:

* float64/int64 need JAX's x64 mode. It stays off by default (JAX's default: faster, and the
  process's other JAX code keeps its dtypes); ``KERAFRONT_JAX_ENABLE_X64=1`` (or JAX's own
  ``JAX_ENABLE_X64=1``) turns it on at import. With it off, asking for a 64-bit dtype raises
  ``TypeError`` saying so, never a silent 32-bit result.
* ``compile`` is ``jax.jit`` with ``donate_argnums`` passed through. JAX's persistent compilation
  cache is on by default (``~/.cache/kerafront/jax``), so a re-run of the same model skips XLA's
  compile; ``KERAFRONT_JAX_COMPILATION_CACHE=0`` turns it off (see ``_cache``).
* On NVIDIA GPUs XLA runs float32 matmuls and convolutions in TF32 by default (as TensorFlow does,
  unlike torch); results then differ from float32 CPU results by about 1e-3 relative.
"""

import os

import jax

if os.environ.get("KERAFRONT_JAX_ENABLE_X64", "").lower() in ("1", "true", "yes"):
    jax.config.update("jax_enable_x64", True)

from kerafront_jax import _cache  # noqa: E402
from kerafront_jax._autodiff import compile, grad, stop_gradient, value_and_grad  # noqa: E402
from kerafront_jax._convert import (cast, convert_to_numpy, convert_to_tensor, dtype, is_tensor,  # noqa: E402
                                    shape, x64_enabled)
from kerafront_jax._device import default_device, device_scope, init_from_env, list_devices  # noqa: E402
from kerafront_jax._math import (  # noqa: E402
    abs, add, arange, ceil, clip, cos, divide, equal, erf, exp, expm1, eye, floor, floor_divide, full,
    greater, greater_equal, isfinite, isnan, less, less_equal, log, log1p, logical_and, logical_not,
    logical_or, logical_xor, maximum, minimum, mod, multiply, negative, not_equal, ones, power, round,
    rsqrt, sigmoid, sign, sin, sqrt, square, subtract, tanh, where, zeros)
from kerafront_jax._nn import average_pool, conv, conv_transpose, max_pool  # noqa: E402
from kerafront_jax._random import random_normal, random_shuffle, random_uniform, truncated_normal  # noqa: E402
from kerafront_jax._reduce import (all, any, argmax, argmin, cumsum, einsum, matmul, max, mean, min,  # noqa: E402
                                   prod, std, sum, var)
from kerafront_jax._shape import (  # noqa: E402
    argsort, broadcast_to, concatenate, expand_dims, flip, pad, repeat, reshape, scatter, slice, sort, split,
    squeeze, stack, take, take_along_axis, tile, top_k, transpose)

name = "jax"
compiled_functions_take_numpy = True  # jax.jit transfers host arrays itself, ~10x cheaper than device_put

init_from_env()
_cache.init_from_env()
