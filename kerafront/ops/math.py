"""Composite math ops written from primitives."""

from kerafront import config
from kerafront.ops._dispatch import composite, primitives as P

__all__ = ["std", "grad", "ndim", "size", "zeros_like", "ones_like", "full_like", "logsumexp", "moments", "normalize",
           "l2_normalize", "one_hot", "norm", "swapaxes", "moveaxis", "ravel", "clip_by_global_norm_factor"]


@composite
def std(x, axis=None, keepdims=False):
    """Population standard deviation, ``sqrt(var(x))`` (its gradient at zero variance is not finite, as in NumPy's)."""
    return P["sqrt"](P["var"](x, axis=axis, keepdims=keepdims))


def grad(fn, argnums=0, has_aux=False):
    """Like ``value_and_grad`` but returns only the gradients (``(grads, aux)`` with ``has_aux``)."""
    value_and_grad = P["value_and_grad"](fn, argnums=argnums, has_aux=has_aux)

    def gradient(*args, **kwargs):
        value, grads = value_and_grad(*args, **kwargs)
        return (grads, value[1]) if has_aux else grads

    gradient.__name__ = f"grad({getattr(fn, '__name__', 'fn')})"
    return gradient


grad.composite = grad


@composite
def ndim(x):
    """Rank of ``x``."""
    return len(P["shape"](x))


@composite
def size(x):
    """Number of elements of ``x`` (a Python int)."""
    n = 1
    for d in P["shape"](x):
        n *= d
    return n


@composite
def zeros_like(x, dtype=None):
    return P["zeros"](P["shape"](x), dtype=dtype or P["dtype"](x))


@composite
def ones_like(x, dtype=None):
    return P["ones"](P["shape"](x), dtype=dtype or P["dtype"](x))


@composite
def full_like(x, fill_value, dtype=None):
    return P["full"](P["shape"](x), fill_value, dtype=dtype or P["dtype"](x))


@composite
def logsumexp(x, axis=None, keepdims=False):
    """``log(sum(exp(x)))`` over ``axis``, stable for large inputs (shifts by the max)."""
    shift = P["stop_gradient"](P["max"](x, axis=axis, keepdims=True))
    shift = P["where"](P["isfinite"](shift), shift, 0.0)
    out = P["log"](P["sum"](P["exp"](P["subtract"](x, shift)), axis=axis, keepdims=True))
    out = P["add"](out, shift)
    if not keepdims:
        out = P["squeeze"](out, axis=axis if axis is not None else tuple(range(len(P["shape"](x)))))
    return out


@composite
def moments(x, axes, keepdims=False):
    """``(mean, variance)`` over ``axes``; the variance is biased (divides by N), as Keras uses for BatchNorm."""
    mean = P["mean"](x, axis=axes, keepdims=True)
    variance = P["mean"](P["square"](P["subtract"](x, P["stop_gradient"](mean))), axis=axes, keepdims=True)
    if not keepdims:
        mean = P["squeeze"](mean, axis=axes)
        variance = P["squeeze"](variance, axis=axes)
    return mean, variance


@composite
def norm(x, ord=2, axis=None, keepdims=False):
    """Vector norm along ``axis``: ``ord`` 1, 2 or ``inf`` (``float("inf")``)."""
    if ord == 1:
        return P["sum"](P["abs"](x), axis=axis, keepdims=keepdims)
    if ord == 2:
        return P["sqrt"](P["sum"](P["square"](x), axis=axis, keepdims=keepdims))
    if ord == float("inf"):
        return P["max"](P["abs"](x), axis=axis, keepdims=keepdims)
    raise ValueError(f"norm: ord must be 1, 2 or inf, got {ord!r}.")


@composite
def l2_normalize(x, axis=-1, epsilon=1e-12):
    """``x / sqrt(max(sum(x**2, axis), epsilon))`` (Keras/TF semantics)."""
    squared = P["sum"](P["square"](x), axis=axis, keepdims=True)
    return P["multiply"](x, P["rsqrt"](P["maximum"](squared, epsilon)))


@composite
def normalize(x, axis=-1, order=2):
    """Normalize ``x`` along ``axis`` by its ``order`` norm (``keras.ops.normalize``)."""
    if order == 2:
        return l2_normalize(x, axis=axis)
    denom = norm(x, ord=order, axis=axis, keepdims=True)
    return P["divide"](x, P["maximum"](denom, 1e-12))


@composite
def one_hot(x, num_classes, axis=-1, dtype=None):
    """One-hot encode integer ``x`` into a new ``axis`` of size ``num_classes``; out-of-range indices give all zeros."""
    classes = P["arange"](num_classes, dtype="int32")
    expanded = P["expand_dims"](P["cast"](x, "int32"), -1)
    out = P["cast"](P["equal"](expanded, classes), dtype or config.floatx())
    if axis != -1:
        out = moveaxis(out, -1, axis)
    return out


@composite
def swapaxes(x, axis1, axis2):
    rank = len(P["shape"](x))
    axes = list(range(rank))
    axes[axis1], axes[axis2] = axes[axis2], axes[axis1]
    return P["transpose"](x, axes)


@composite
def moveaxis(x, source, destination):
    rank = len(P["shape"](x))
    source, destination = source % rank, destination % rank
    axes = [a for a in range(rank) if a != source]
    axes.insert(destination, source)
    return P["transpose"](x, axes)


@composite
def ravel(x):
    return P["reshape"](x, (-1,))


@composite
def clip_by_global_norm_factor(norms_squared_sum, clip_norm):
    """Scale factor ``min(1, clip_norm / global_norm)`` given the sum of squared norms."""
    global_norm = P["sqrt"](norms_squared_sum)
    return P["divide"](clip_norm, P["maximum"](global_norm, clip_norm))
