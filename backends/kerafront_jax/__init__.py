"""kerafront's JAX backend: every primitive of ``kerafront.spec`` on native ``jax.Array``.

Modules, by section of the spec (``spec.MODULE_MAP``): ``_creation`` (conversion, creation, cast,
shape, dtype), ``_elementwise``, ``_comparison`` (comparisons and logic), ``_reduction``,
``_linalg`` (matmul, einsum), ``_shape`` (shape ops, gather/scatter, sorting), ``_nn`` (conv,
pooling), ``_random``, ``_autodiff`` (``jax.value_and_grad``, ``stop_gradient``), ``_compile``
(``jax.jit``), ``_control_flow`` (``jax.lax.scan``, ``while_loop``, ``cond``) and ``_device`` (the
hooks). Helpers: ``_convert`` (dtypes, x64, conversion, promotion) and ``_cache`` (the persistent
compilation cache). ``_fused`` overrides one composite, ``dot_product_attention`` (on
``jax.nn.dot_product_attention``); there is no ``_optim`` (no fused optimizer update).

Choices a user may meet:

* float64/int64 need JAX's x64 mode. It stays off by default (JAX's default: faster, and the
  process's other JAX code keeps its dtypes); ``KERAFRONT_JAX_ENABLE_X64=1`` (or JAX's own
  ``JAX_ENABLE_X64=1``) turns it on at import. With it off, asking for a 64-bit dtype raises
  ``TypeError`` saying so, never a silent 32-bit result.
* ``compile`` is ``jax.jit`` with ``donate_argnums`` passed through. JAX's persistent compilation
  cache is on by default (``~/.cache/kerafront/jax``), so a re-run of the same model skips XLA's
  compile; ``KERAFRONT_JAX_COMPILATION_CACHE=0`` turns it off (see ``_cache``).
* ``KERAFRONT_DEVICE`` (``cpu``, ``gpu``, ``gpu:1``) picks the default device at import.
* On NVIDIA GPUs XLA runs float32 matmuls and convolutions in TF32 by default (as TensorFlow does,
  unlike torch); results then differ from float32 CPU results by about 1e-3 relative.
"""

# _convert first: it applies KERAFRONT_JAX_ENABLE_X64; _cache and _device configure JAX on import.
from kerafront_jax._convert import x64_enabled
from kerafront_jax import _cache  # noqa: F401
from kerafront_jax._autodiff import custom_gradient_call, remat, stop_gradient, value_and_grad
from kerafront_jax._comparison import (equal, greater, greater_equal, isfinite, isnan, less, less_equal,
                                       logical_and, logical_not, logical_or, logical_xor, not_equal)
from kerafront_jax._compile import compile, compiled_functions_take_numpy, step_mode
from kerafront_jax._control_flow import cond, scan, while_loop
from kerafront_jax._creation import bitcast
from kerafront_jax._creation import (arange, cast, convert_to_numpy, convert_to_tensor, dtype, eye, full,
                                     is_tensor, ones, shape, zeros)
from kerafront_jax._device import default_device, device_scope, list_devices, name
from kerafront_jax._elementwise import (abs, add, arctan2, ceil, clip, cos, divide, erf, exp, expm1, floor,
                                        floor_divide, log, log1p, maximum, minimum, mod, multiply, negative, power,
                                        round, rsqrt, sigmoid, sign, sin, sqrt, square, subtract, tanh, where)
from kerafront_jax._fused import dot_product_attention
from kerafront_jax._linalg import (cholesky, det, eigh, einsum, lu_factor, matmul, qr, slogdet, solve,
                                   solve_triangular, svd)
from kerafront_jax._nn import average_pool, conv, conv_transpose, max_pool
from kerafront_jax._random import random_normal, random_shuffle, random_uniform, truncated_normal
from kerafront_jax._reduction import (all, any, argmax, argmin, cumsum, max, mean, min, prod, sum, var)
from kerafront_jax._elementwise import erfc, erfinv, nextafter
from kerafront_jax._signal import complex_fft
from kerafront_jax._shape import (argsort, broadcast_to, concatenate, expand_dims, flip, pad, repeat, reshape,
                                  scatter, slice, sort, split, squeeze, stack, take, take_along_axis, tile, top_k,
                                  transpose)
