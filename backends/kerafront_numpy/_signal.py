"""Signal processing: ``complex_fft`` (``numpy.fft``), its VJP beside it.

The transform of ``real + i * imag`` over the last ``rank`` axes comes back as one array, the real
parts stacked on the imaginary ones. ``numpy.fft`` computes in complex128; the result is cast to the
parts' dtype. The VJP of a linear map is its adjoint: for ``y = F x`` (``F`` the unscaled DFT over
``n`` points, symmetric) it is ``conj(F) g = n * ifft(g)``; for ``ifft = conj(F) / n`` it is
``F g / n = fft(g) / n``. For ``rank=2``, ``n`` is the product of both axes' lengths.
"""

import numpy as np

from kerafront.spec_rules import fft_parts
from kerafront_numpy._autodiff import primitive
from kerafront_numpy._convert import dtype_name, to_array


def _axes(rank):
    return tuple(range(-rank, 0))


def _transform(real, imag, rank, inverse):
    """``(2, *shape)`` float64 array: the (inverse) DFT of ``real + i * imag`` over the last ``rank`` axes."""
    z = real.astype(np.float64) + 1j * imag.astype(np.float64)
    out = (np.fft.ifftn if inverse else np.fft.fftn)(z, axes=_axes(rank))
    return np.stack([out.real, out.imag])


def _complex_fft_vjp(g, out, real, imag, rank=1, inverse=False):
    g = np.asarray(g, dtype=np.float64)
    size = float(np.prod(np.shape(real)[-rank:], dtype=np.float64))
    adjoint = _transform(g[0], g[1], rank, not inverse)
    adjoint = adjoint / size if inverse else adjoint * size
    return adjoint[0], adjoint[1]


@primitive(_complex_fft_vjp)
def complex_fft(real, imag, rank=1, inverse=False):
    """DFT (``inverse``: inverse DFT) over the last ``rank`` axes; ``(2, *shape)``: real parts, imaginary parts."""
    real, imag = to_array(real), to_array(imag)
    fft_parts(real.shape, imag.shape, dtype_name(real.dtype), dtype_name(imag.dtype), rank)
    return _transform(real, imag, rank, inverse).astype(real.dtype)
