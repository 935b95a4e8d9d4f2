"""Reductions, ``matmul`` and ``einsum`` (see ``kerafront.spec``).

``max``/``min``: TensorFlow's own gradient splits the cotangent evenly between tied extremes; the
spec sends all of it to the *first* one in row-major order, so while a gradient can be recorded
they run under ``tf.custom_gradient`` (the plain ``Max`` kernel otherwise: no eager overhead).
"""

import builtins

from kerafront_tensorflow._convert import (FLOAT_TF, Tensor, convert_to_tensor, float_operand,
                                           operands as _promote, static_shape, tf)
from kerafront_tensorflow._kernels import kernels

try:
    from tensorflow.python.eager.record import could_possibly_record as _could_record
except ImportError:  # pragma: no cover - older/newer TensorFlow layouts
    def _could_record():
        return True

_BOOL = tf.bool


def _axes(axis, rank):
    """``axis`` as a sorted tuple of non-negative ints (all axes for None)."""
    if axis is None:
        return tuple(range(rank))
    if isinstance(axis, int):
        axis = (axis,)
    out = []
    for a in axis:
        if not -rank <= a < builtins.max(rank, 1):
            raise ValueError(f"axis {a} is out of range for a tensor of rank {rank}.")
        out.append(a % rank if rank else 0)
    return tuple(sorted(out))


def _kernel_axes(axis, x):
    """Validated axes as the list the reduction kernels take (``axis=None``: every axis)."""
    rank = len(static_shape(x))
    if type(axis) is int and 0 <= axis < rank:
        return axis
    return list(_axes(axis, rank))


def sum(x, axis=None, keepdims=False):
    """Bool sums to int32; integer dtypes keep their dtype."""
    x = convert_to_tensor(x)
    if x.dtype is _BOOL:
        x = tf.cast(x, tf.int32)
    return kernels.Sum(input=x, axis=_kernel_axes(axis, x), keep_dims=keepdims)


def mean(x, axis=None, keepdims=False):
    """Integer inputs give floatx; an empty reduction gives NaN."""
    x = float_operand(x)
    return kernels.Mean(input=x, axis=_kernel_axes(axis, x), keep_dims=keepdims)


def _check_nonempty(op, x, axes):
    dims = static_shape(x)
    for a in axes:
        if dims[a] == 0:
            raise ValueError(f"{op}: cannot reduce over axis {a} of size 0 (input shape {dims}).")


def _first_extreme(reduce_fn, x, axes, keepdims):
    """``reduce_fn`` over ``axes`` whose gradient goes to the first extreme element in row-major order.

    Backward: move the reduced axes last and flatten them to one axis of length R, mark the elements
    equal to the result, keep the first mark (running count == 1), route the cotangent there.
    """
    rank = x.shape.rank
    kept = [a for a in range(rank) if a not in axes]
    perm = kept + list(axes)
    identity = perm == list(range(rank))

    @tf.custom_gradient
    def forward(values):
        result = reduce_fn(input=values, axis=list(axes), keep_dims=True)

        def backward(upstream):
            moved = values if identity else tf.transpose(values, perm)
            moved_shape = tf.shape(moved)
            kept_shape = moved_shape[:len(kept)]
            flat = tf.reshape(moved, tf.concat([kept_shape, [-1]], 0))
            column = tf.concat([kept_shape, [1]], 0)
            hits = tf.cast(tf.equal(flat, tf.reshape(result, column)), tf.int32)
            first = tf.logical_and(hits > 0, tf.cumsum(hits, axis=-1) == 1)
            upstream = tf.reshape(upstream, column)
            grad = tf.reshape(tf.where(first, upstream, tf.zeros((), upstream.dtype)), moved_shape)
            return grad if identity else tf.transpose(grad, [perm.index(i) for i in range(rank)])

        return (result if keepdims else tf.squeeze(result, axis=list(axes))), backward

    return forward(x)


def _extreme(op, reduce_fn, x, axis, keepdims):
    x = convert_to_tensor(x)
    axes = _axes(axis, x.shape.rank)
    _check_nonempty(op, x, axes)
    if x.dtype is _BOOL:
        reduce_bool = kernels.Any if op == "max" else kernels.All
        return reduce_bool(input=x, axis=list(axes), keep_dims=keepdims)
    if x.dtype in FLOAT_TF and axes and _could_record():
        return _first_extreme(reduce_fn, x, axes, keepdims)
    return reduce_fn(input=x, axis=list(axes), keep_dims=keepdims)


def max(x, axis=None, keepdims=False):
    return _extreme("max", kernels.Max, x, axis, keepdims)


def min(x, axis=None, keepdims=False):
    return _extreme("min", kernels.Min, x, axis, keepdims)


def prod(x, axis=None, keepdims=False):
    x = convert_to_tensor(x)
    if x.dtype is _BOOL:
        x = tf.cast(x, tf.int32)
    return kernels.Prod(input=x, axis=_kernel_axes(axis, x), keep_dims=keepdims)


def _arg_extreme(op, arg_fn, x, axis, keepdims):
    x = convert_to_tensor(x)
    if x.dtype is _BOOL:
        x = tf.cast(x, tf.int32)
    rank = x.shape.rank
    if axis is None:
        _check_nonempty(op, x, tuple(range(rank)))
        index = arg_fn(tf.reshape(x, [-1]), axis=0, output_type=tf.int32)
        return tf.reshape(index, [1] * rank) if keepdims else index
    if not isinstance(axis, int):
        raise TypeError(f"{op}: axis must be an int or None, got {axis!r}.")
    (axis,) = _axes(axis, rank)
    _check_nonempty(op, x, (axis,))
    index = arg_fn(x, axis=axis, output_type=tf.int32)
    return tf.expand_dims(index, axis) if keepdims else index


def argmax(x, axis=None, keepdims=False):
    """int32 index of the first maximum (TensorFlow's CPU and GPU kernels keep the first tie)."""
    return _arg_extreme("argmax", tf.argmax, x, axis, keepdims)


def argmin(x, axis=None, keepdims=False):
    return _arg_extreme("argmin", tf.argmin, x, axis, keepdims)


def _bool_operand(x):
    x = convert_to_tensor(x)
    return x if x.dtype is _BOOL else tf.not_equal(x, tf.zeros((), x.dtype))


def any(x, axis=None, keepdims=False):
    x = _bool_operand(x)
    return kernels.Any(input=x, axis=_kernel_axes(axis, x), keep_dims=keepdims)


def all(x, axis=None, keepdims=False):
    x = _bool_operand(x)
    return kernels.All(input=x, axis=_kernel_axes(axis, x), keep_dims=keepdims)


def var(x, axis=None, keepdims=False):
    """Biased variance ``mean(square(x - mean(x)))``; integer inputs give floatx."""
    x = float_operand(x)
    axes = _kernel_axes(axis, x)
    centered = kernels.Sub(x=x, y=kernels.Mean(input=x, axis=axes, keep_dims=True))
    return kernels.Mean(input=kernels.Square(x=centered), axis=axes, keep_dims=keepdims)


def std(x, axis=None, keepdims=False):
    return tf.sqrt(var(x, axis=axis, keepdims=keepdims))


def cumsum(x, axis=None):
    """Cumulative sum; ``axis=None`` flattens first; bool counts as int32."""
    x = convert_to_tensor(x)
    if x.dtype is _BOOL:
        x = tf.cast(x, tf.int32)
    if axis is None:
        return tf.cumsum(tf.reshape(x, [-1]), axis=0)
    return tf.cumsum(x, axis=axis)


# ----------------------------------------------------------------------------------------------
# Linear algebra

_MATMUL_NATIVE = frozenset([tf.float16, tf.bfloat16, tf.float32, tf.float64, tf.int32, tf.int64])


def matmul(x1, x2):
    """NumPy's matmul: 1-D operands are promoted and the added axis removed; batch dims broadcast.

    int8/int16/uint8 compute in int32 and cast back (TensorFlow has no kernel); bool in int32, then
    ``!= 0``.
    """
    if not (isinstance(x1, Tensor) and isinstance(x2, Tensor) and x1.dtype is x2.dtype):
        x1, x2 = _promote(x1, x2)
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
    tensors = _promote(*operands)
    out_dtype = tensors[0].dtype
    if out_dtype not in _MATMUL_NATIVE:
        tensors = [tf.cast(t, tf.int32) for t in tensors]
    out = tf.einsum(subscripts, *tensors)
    if out_dtype is _BOOL:
        return tf.not_equal(out, 0)
    return out if out.dtype is out_dtype else tf.cast(out, out_dtype)

