"""Section reduction: sums, means, extremes and their indices, ``any``/``all``, ``var``, ``cumsum``.

Axes are normalised by ``kerafront.spec_rules`` (the spec's messages). ``max``/``min``: TensorFlow's
own gradient splits the cotangent evenly between tied extremes; the spec sends all of it to the
*first* one in row-major order (``spec.KINK_RULES``), so while a gradient can be recorded they run
under ``tf.custom_gradient`` (the plain ``Max`` kernel otherwise: no eager overhead).
"""

from kerafront.spec_rules import normalize_axis, single_axis
from kerafront_tensorflow._autodiff import could_record
from kerafront_tensorflow._convert import FLOAT_TF, as_tensor, bool_operand, float_operand, static_shape
from kerafront_tensorflow._kernels import kernels
from kerafront_tensorflow._tf import tf

_BOOL = tf.bool


def _axes(op, axis, x):
    """Validated axes of ``x`` as a sorted tuple (``axis=None``: every axis)."""
    return normalize_axis(axis, len(static_shape(x)), op)


def _kernel_axes(axes):
    """Axes as the reduction kernels take them: one axis as an int (an eager kernel converts an int
    about 5x faster than a list), several as a list."""
    return axes[0] if len(axes) == 1 else list(axes)


def sum(x, axis=None, keepdims=False):
    """Bool sums to int32; integer dtypes keep their dtype."""
    x = as_tensor(x)
    if x.dtype is _BOOL:
        x = tf.cast(x, tf.int32)
    return kernels.Sum(input=x, axis=_kernel_axes(_axes("sum", axis, x)), keep_dims=keepdims)


def _reduction(name, kernel, operand, doc=None):
    """Reduction ``name``: ``kernel`` over the validated axes of ``operand(x)``."""
    def op(x, axis=None, keepdims=False):
        x = operand(x)
        return kernel(input=x, axis=_kernel_axes(_axes(name, axis, x)), keep_dims=keepdims)

    op.__name__ = op.__qualname__ = name
    op.__doc__ = doc
    return op


mean = _reduction("mean", kernels.Mean, float_operand, "Integer inputs give floatx; an empty reduction gives NaN.")
any = _reduction("any", kernels.Any, bool_operand)
all = _reduction("all", kernels.All, bool_operand)


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
        result = reduce_fn(input=values, axis=_kernel_axes(axes), keep_dims=True)

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


def _extreme(name, reduce_fn, reduce_bool):
    """max or min (``reduce_fn``; ``reduce_bool`` on bools), the gradient at ties to the first extreme."""
    def op(x, axis=None, keepdims=False):
        x = as_tensor(x)
        axes = _axes(name, axis, x)
        _check_nonempty(name, x, axes)
        if x.dtype is _BOOL:
            return reduce_bool(input=x, axis=_kernel_axes(axes), keep_dims=keepdims)
        if x.dtype in FLOAT_TF and axes and could_record():
            return _first_extreme(reduce_fn, x, axes, keepdims)
        return reduce_fn(input=x, axis=_kernel_axes(axes), keep_dims=keepdims)

    op.__name__ = op.__qualname__ = name
    return op


max = _extreme("max", kernels.Max, kernels.Any)
min = _extreme("min", kernels.Min, kernels.All)


def prod(x, axis=None, keepdims=False):
    x = as_tensor(x)
    if x.dtype is _BOOL:
        x = tf.cast(x, tf.int32)
    return kernels.Prod(input=x, axis=_kernel_axes(_axes("prod", axis, x)), keep_dims=keepdims)


def _arg_extreme(name, arg_fn, doc=None):
    """argmax or argmin (``arg_fn``): an int32 index; bools compare as 0/1."""
    def op(x, axis=None, keepdims=False):
        x = as_tensor(x)
        if x.dtype is _BOOL:
            x = tf.cast(x, tf.int32)
        rank = x.shape.rank
        if axis is None:
            _check_nonempty(name, x, tuple(range(rank)))
            index = arg_fn(tf.reshape(x, [-1]), axis=0, output_type=tf.int32)
            return tf.reshape(index, [1] * rank) if keepdims else index
        axis = single_axis(axis, rank, name)
        _check_nonempty(name, x, (axis,))
        index = arg_fn(x, axis=axis, output_type=tf.int32)
        return tf.expand_dims(index, axis) if keepdims else index

    op.__name__ = op.__qualname__ = name
    op.__doc__ = doc
    return op


argmax = _arg_extreme("argmax", tf.argmax,
                      "int32 index of the first maximum (TensorFlow's CPU and GPU kernels keep the first tie).")
argmin = _arg_extreme("argmin", tf.argmin)


def var(x, axis=None, keepdims=False):
    """Biased variance ``mean(square(x - mean(x)))``; integer inputs give floatx."""
    x = float_operand(x)
    axes = _kernel_axes(_axes("var", axis, x))
    centered = kernels.Sub(x=x, y=kernels.Mean(input=x, axis=axes, keep_dims=True))
    return kernels.Mean(input=kernels.Square(x=centered), axis=axes, keep_dims=keepdims)


def cumsum(x, axis=None):
    """Cumulative sum; ``axis=None`` flattens first; bool counts as int32."""
    x = as_tensor(x)
    if x.dtype is _BOOL:
        x = tf.cast(x, tf.int32)
    if axis is None:
        return tf.cumsum(tf.reshape(x, [-1]), axis=0)
    return tf.cumsum(x, axis=single_axis(axis, x.shape.rank, "cumsum"))
