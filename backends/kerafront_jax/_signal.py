"""Signal processing (spec section "Signal processing"): ``complex_fft`` on ``jnp.fft``.

The parts become one complex array (``lax.complex``) and the result's real and imaginary parts are
stacked; JAX differentiates through all three. float16 and bfloat16 compute in float32 (XLA's FFT
has no half kernels) and are cast back.
"""

import jax.numpy as jnp
from jax import lax

from kerafront.spec_rules import fft_parts
from kerafront_jax._convert import dtype_name, to_array

_HALF = (jnp.float16, jnp.bfloat16)


def complex_fft(real, imag, rank=1, inverse=False):
    real, imag = to_array(real), to_array(imag)
    fft_parts(tuple(real.shape), tuple(imag.shape), dtype_name(real.dtype), dtype_name(imag.dtype), rank)
    dtype = real.dtype
    if dtype in _HALF:
        real, imag = real.astype(jnp.float32), imag.astype(jnp.float32)
    axes = tuple(range(-rank, 0))
    out = (jnp.fft.ifftn if inverse else jnp.fft.fftn)(lax.complex(real, imag), axes=axes)
    return jnp.stack([jnp.real(out), jnp.imag(out)]).astype(dtype)
