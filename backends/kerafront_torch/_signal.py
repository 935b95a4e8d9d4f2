"""Signal processing (spec section "Signal processing"): ``complex_fft`` on ``torch.fft``.

The parts become one complex tensor (``torch.complex``), and the result's real and imaginary parts
are stacked; torch's autograd differentiates through all three. float16 and bfloat16 compute in
float32 (torch's CPU FFT has no half kernels) and are cast back.
"""

import torch

from kerafront.spec_rules import fft_parts
from kerafront_torch._convert import DTYPE_NAMES, as_tensor

_HALF = (torch.float16, torch.bfloat16)


def complex_fft(real, imag, rank=1, inverse=False):
    real, imag = as_tensor(real), as_tensor(imag)
    fft_parts(tuple(real.shape), tuple(imag.shape), DTYPE_NAMES[real.dtype], DTYPE_NAMES[imag.dtype], rank)
    dtype = real.dtype
    if dtype in _HALF:
        real, imag = real.float(), imag.float()
    dims = tuple(range(-rank, 0))
    out = (torch.fft.ifftn if inverse else torch.fft.fftn)(torch.complex(real, imag), dim=dims)
    return torch.stack([out.real, out.imag]).to(dtype)
