"""Section linalg: ``matmul`` and ``einsum``; operands are promoted to one dtype first (see ``kerafront.spec``)."""

from kerafront_tensorflow._convert import SHAPE_ERRORS, kernel_reason, operands as promoted, static_shape
from kerafront_tensorflow._kernels import kernels
from kerafront_tensorflow._tf import Tensor, tf

_BOOL = tf.bool
_MATMUL_NATIVE = frozenset([tf.float16, tf.bfloat16, tf.float32, tf.float64, tf.int32, tf.int64])


def matmul(x1, x2):
    """NumPy's matmul: 1-D operands are promoted and the added axis removed; batch dims broadcast.

    int8/int16/uint8 compute in int32 and cast back (TensorFlow has no kernel); bool in int32, then
    ``!= 0``.
    """
    if not (isinstance(x1, Tensor) and isinstance(x2, Tensor) and x1.dtype is x2.dtype):
        x1, x2 = promoted(x1, x2)
    s1, s2 = static_shape(x1), static_shape(x2)
    if not s1 or not s2:
        raise ValueError(f"matmul: operands must be at least 1-D, got shapes {s1} and {s2}.")
    inner1, inner2 = s1[-1], s2[0] if len(s2) == 1 else s2[-2]
    if inner1 is not None and inner2 is not None and inner1 != inner2:
        raise ValueError(f"matmul: inner dimensions differ: {s1} @ {s2} ({inner1} != {inner2}).")
    for a, b in zip(reversed(s1[:-2]), reversed(s2[:-2])):
        if a is not None and b is not None and a != b and 1 not in (a, b):
            raise ValueError(f"matmul: batch dimensions do not broadcast: {s1} @ {s2}.")
    out_dtype = x1.dtype
    if out_dtype not in _MATMUL_NATIVE:
        x1, x2 = tf.cast(x1, tf.int32), tf.cast(x2, tf.int32)
    if len(s1) == 2 and len(s2) == 2:
        out = kernels.MatMul(a=x1, b=x2)
    else:
        a = tf.expand_dims(x1, 0) if len(s1) == 1 else x1
        b = tf.expand_dims(x2, -1) if len(s2) == 1 else x2
        out = kernels.BatchMatMulV2(x=a, y=b)
        if len(s1) == 1:
            out = tf.squeeze(out, -1 if len(s2) == 1 else -2)
        if len(s2) == 1:
            out = tf.squeeze(out, -1)
    if out_dtype is _BOOL:
        return tf.not_equal(out, 0)
    return out if out.dtype is out_dtype else tf.cast(out, out_dtype)


def einsum(subscripts, *operands):
    """``tf.einsum`` after promoting all operands to one dtype."""
    tensors = promoted(*operands)
    out_dtype = tensors[0].dtype
    if out_dtype not in _MATMUL_NATIVE:
        tensors = [tf.cast(t, tf.int32) for t in tensors]
    try:
        out = tf.einsum(subscripts, *tensors)
    except SHAPE_ERRORS as error:
        shapes = ", ".join(str(static_shape(t)) for t in tensors)
        raise ValueError(f"einsum: {subscripts!r} does not fit operands of shapes {shapes}: "
                         f"{kernel_reason(error)}") from None
    if out_dtype is _BOOL:
        return tf.not_equal(out, 0)
    return out if out.dtype is out_dtype else tf.cast(out, out_dtype)

