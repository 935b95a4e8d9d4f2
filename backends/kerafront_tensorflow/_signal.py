"""Signal processing (spec section "Signal processing"): ``complex_fft`` on ``tf.signal``.

TensorFlow transforms the innermost axes (``fft`` one, ``fft2d`` two), which is the spec's layout.
The parts become one complex tensor (``tf.complex``) and the result's real and imaginary parts are
stacked; TensorFlow differentiates through all three. float16 and bfloat16 compute in float32 and
are cast back.
"""

from kerafront_tensorflow._tf import tf

from kerafront.spec_rules import fft_parts
from kerafront_tensorflow._convert import as_tensor, dtype_name, static_shape

_HALF = (tf.float16, tf.bfloat16)
_TRANSFORMS = {(1, False): tf.signal.fft, (1, True): tf.signal.ifft, (2, False): tf.signal.fft2d,
               (2, True): tf.signal.ifft2d}


def complex_fft(real, imag, rank=1, inverse=False):
    real, imag = as_tensor(real), as_tensor(imag)
    fft_parts(static_shape(real), static_shape(imag), dtype_name(real.dtype), dtype_name(imag.dtype), rank)
    dtype = real.dtype
    if dtype in _HALF:
        real, imag = tf.cast(real, tf.float32), tf.cast(imag, tf.float32)
    out = _TRANSFORMS[(rank, bool(inverse))](tf.complex(real, imag))
    return tf.cast(tf.stack([tf.math.real(out), tf.math.imag(out)]), dtype)
