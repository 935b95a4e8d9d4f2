"""Signal rules: ``complex_fft`` stacks its real and imaginary parts on a new leading axis of 2."""

from kerafront._keras_tensor import KerasTensor
from kerafront.ops._symbolic._arguments import rule, spec_of
from kerafront.spec_rules import fft_parts


@rule
def complex_fft(real, imag, rank=1, inverse=False):
    real_shape, real_dtype = spec_of(real, "complex_fft")
    imag_shape, imag_dtype = spec_of(imag, "complex_fft")
    fft_parts(real_shape, imag_shape, real_dtype, imag_dtype, rank)
    return KerasTensor((2,) + tuple(real_shape), real_dtype)
