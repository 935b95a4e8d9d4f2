"""Composite math ops written from primitives (the rules composites follow: ``kerafront.ops``)."""

from kerafront import config, tree
from kerafront.ops import _primitives
from kerafront.ops._dispatch import VariableBase, composite
from kerafront.ops._primitives import (abs, add, arange, cast, divide, dtype as dtype_of, equal, exp, expand_dims,
                                       full, isfinite, less, log, max, maximum, mean, multiply, ones, reshape,
                                       rsqrt, scan, shape as shape_of, sqrt, square, squeeze, stop_gradient,
                                       subtract, sum, transpose, var, where, while_loop, zeros)

__all__ = ["std", "value_and_grad", "grad", "ndim", "size", "zeros_like", "ones_like", "full_like", "logsumexp", "moments",
           "layer_normalization", "normalize",
           "l2_normalize", "one_hot", "norm", "swapaxes", "moveaxis", "ravel", "clip_by_global_norm_factor",
           "fori_loop"]


@composite
def std(x, axis=None, keepdims=False):
    """Population standard deviation, ``sqrt(var(x))`` (its gradient at zero variance is not finite, as in NumPy's)."""
    return sqrt(var(x, axis=axis, keepdims=keepdims))


def value_and_grad(fn, argnums=0, has_aux=False):
    """The spec's ``value_and_grad``, which also differentiates with respect to ``kerafront.Variable``s.

    Where a selected argument holds Variables (``ops.value_and_grad(loss_fn)(model.trainable_variables)``),
    ``fn`` receives their values in their place, and while it runs every read of those Variables
    (``model(x)``, ``layer.kernel``) sees the values being differentiated, so ``fn`` may ignore its
    argument and call the model. Assignments ``fn`` makes to other Variables (BatchNorm statistics,
    seed states) are applied after the call, outside the differentiation; the gradients come back in
    the argument's structure. Without Variables this is the primitive itself. One code path on every
    backend: it is how a custom ``train_step`` is written once for all of them.
    """
    differentiate = _primitives.value_and_grad
    positions = (argnums,) if isinstance(argnums, int) else tuple(argnums)

    def wrapped(*args, **kwargs):
        found = [(p, leaves, treedef) for p in positions if p < len(args)
                 for leaves, treedef in [tree.flatten(args[p])] if any(isinstance(v, VariableBase) for v in leaves)]
        if not found:
            return differentiate(fn, argnums=argnums, has_aux=has_aux)(*args, **kwargs)
        from kerafront.variables import StatelessScope
        args = list(args)
        variables = {}   # argument position -> [(leaf index, Variable)]
        for p, leaves, treedef in found:
            variables[p] = [(i, v) for i, v in enumerate(leaves) if isinstance(v, VariableBase)]
            args[p] = tree.unflatten(treedef, [v.value if isinstance(v, VariableBase) else v for v in leaves])
        assigned = []

        def substituted(*inner_args, **inner_kwargs):
            mapping = {}
            for p, pairs in variables.items():
                inner_leaves = tree.flatten(inner_args[p])[0]
                mapping.update((v, inner_leaves[i]) for i, v in pairs)
            with StatelessScope(mapping) as scope:
                out = fn(*inner_args, **inner_kwargs)
            assigned[:] = list(scope.updates)
            value, aux = out if has_aux else (out, None)
            return value, (aux, [scope.updates[v] for v in assigned])

        (value, (aux, new_values)), grads = differentiate(substituted, argnums=argnums, has_aux=True)(
            *args, **kwargs)
        for variable, new_value in zip(assigned, new_values):
            variable._store(stop_gradient(new_value))
        return ((value, aux) if has_aux else value), grads

    wrapped.__name__ = f"value_and_grad({getattr(fn, '__name__', 'fn')})"
    return wrapped


value_and_grad.composite = value_and_grad


def grad(fn, argnums=0, has_aux=False):
    """Like ``value_and_grad`` but returns only the gradients (``(grads, aux)`` with ``has_aux``)."""
    fn_value_and_grad = value_and_grad(fn, argnums=argnums, has_aux=has_aux)

    def gradient(*args, **kwargs):
        value, grads = fn_value_and_grad(*args, **kwargs)
        return (grads, value[1]) if has_aux else grads

    gradient.__name__ = f"grad({getattr(fn, '__name__', 'fn')})"
    return gradient


grad.composite = grad


@composite
def ndim(x):
    """Rank of ``x``."""
    return len(shape_of(x))


@composite
def size(x):
    """Number of elements of ``x`` (a Python int)."""
    n = 1
    for d in shape_of(x):
        n *= d
    return n


@composite
def zeros_like(x, dtype=None):
    return zeros(shape_of(x), dtype=dtype or dtype_of(x))


@composite
def ones_like(x, dtype=None):
    return ones(shape_of(x), dtype=dtype or dtype_of(x))


@composite
def full_like(x, fill_value, dtype=None):
    return full(shape_of(x), fill_value, dtype=dtype or dtype_of(x))


@composite
def logsumexp(x, axis=None, keepdims=False):
    """``log(sum(exp(x)))`` over ``axis``, stable for large inputs: ``log(sum(exp(x - m))) + m`` with ``m = max(x)``
    (0 where the max is not finite)."""
    m = stop_gradient(max(x, axis=axis, keepdims=True))
    m = where(isfinite(m), m, 0.0)
    out = add(log(sum(exp(subtract(x, m)), axis=axis, keepdims=True)), m)
    if keepdims:
        return out
    return squeeze(out, axis=axis if axis is not None else tuple(range(len(shape_of(x)))))


@composite
def moments(x, axes, keepdims=False):
    """``(mean, variance)`` over ``axes``; the variance is biased (divides by N), as Keras uses for BatchNorm."""
    x_mean = mean(x, axis=axes, keepdims=True)
    variance = mean(square(subtract(x, stop_gradient(x_mean))), axis=axes, keepdims=True)
    if keepdims:
        return x_mean, variance
    return squeeze(x_mean, axis=axes), squeeze(variance, axis=axes)


@composite
def layer_normalization(x, gamma=None, beta=None, axis=-1, epsilon=None):
    """Keras's ``ops.layer_normalization``: ``(x - mean) / sqrt(variance + epsilon) * gamma + beta`` with
    the mean and biased variance over ``axis`` (an int or a tuple), computed as
    ``x * inv + (beta - mean * inv)`` with ``inv = gamma / sqrt(variance + epsilon)``. ``gamma`` and
    ``beta`` (optional) have the sizes of the normalized axes, in order; ``epsilon`` defaults to 1e-7
    (Keras's ``backend.epsilon()``). A backend may fuse it (torch's ``layer_norm``)."""
    rank = len(shape_of(x))
    axes = tuple(sorted(a % rank for a in ((axis,) if isinstance(axis, int) else axis)))
    shape = tuple(shape_of(x)[a] if a in axes else 1 for a in range(rank))
    x_mean, variance = moments(x, axes=axes, keepdims=True)
    inv = rsqrt(add(variance, 1e-7 if epsilon is None else epsilon))
    if gamma is not None:
        inv = multiply(inv, reshape(gamma, shape))
    shift = multiply(x_mean, inv)
    shift = subtract(reshape(beta, shape), shift) if beta is not None else multiply(shift, -1.0)
    return add(multiply(x, inv), shift)


@composite
def norm(x, ord=2, axis=None, keepdims=False):
    """Vector norm along ``axis``: ``ord`` 1, 2 or ``inf`` (``float("inf")``)."""
    if ord == 1:
        return sum(abs(x), axis=axis, keepdims=keepdims)
    if ord == 2:
        return sqrt(sum(square(x), axis=axis, keepdims=keepdims))
    if ord == float("inf"):
        return max(abs(x), axis=axis, keepdims=keepdims)
    raise ValueError(f"norm: ord must be 1, 2 or inf, got {ord!r}.")


@composite
def l2_normalize(x, axis=-1, epsilon=1e-12):
    """``x / sqrt(max(sum(x**2, axis), epsilon))`` (Keras/TF semantics)."""
    return multiply(x, rsqrt(maximum(sum(square(x), axis=axis, keepdims=True), epsilon)))


@composite
def normalize(x, axis=-1, order=2):
    """Normalize ``x`` along ``axis`` by its ``order`` norm (``keras.ops.normalize``)."""
    if order == 2:
        return l2_normalize(x, axis=axis)
    return divide(x, maximum(norm(x, ord=order, axis=axis, keepdims=True), 1e-12))


@composite
def one_hot(x, num_classes, axis=-1, dtype=None):
    """One-hot encode integer ``x`` into a new ``axis`` of size ``num_classes``; out-of-range indices give all zeros."""
    classes = arange(num_classes, dtype="int32")
    out = cast(equal(expand_dims(cast(x, "int32"), -1), classes), dtype or config.floatx())
    return out if axis == -1 else moveaxis(out, -1, axis)


@composite
def swapaxes(x, axis1, axis2):
    axes = list(range(len(shape_of(x))))
    axes[axis1], axes[axis2] = axes[axis2], axes[axis1]
    return transpose(x, axes)


@composite
def moveaxis(x, source, destination):
    rank = len(shape_of(x))
    source, destination = source % rank, destination % rank
    axes = [a for a in range(rank) if a != source]
    axes.insert(destination, source)
    return transpose(x, axes)


@composite
def ravel(x):
    return reshape(x, (-1,))


@composite
def clip_by_global_norm_factor(norms_squared_sum, clip_norm):
    """Scale factor ``min(1, clip_norm / global_norm)`` given the sum of squared norms: ``clip_norm / max(global_norm,
    clip_norm)``."""
    return divide(clip_norm, maximum(sqrt(norms_squared_sum), clip_norm))


@composite
def fori_loop(lower, upper, body_fun, init_val):
    """``for i in range(lower, upper): val = body_fun(i, val)``; returns ``val`` (``i`` an int32 tensor).

    With Python-int bounds this is a ``scan`` of ``upper - lower`` steps, differentiable on every
    backend (no step: ``init_val`` comes back as given); with tensor bounds a ``while_loop``, which JAX
    cannot reverse-differentiate.
    """
    if _python_int(lower) and _python_int(upper):
        if upper <= lower:
            return init_val

        def step(carry, _):
            i, val = carry
            return (add(i, 1), body_fun(i, val)), None

        (_, val), _ = scan(step, (lower, init_val), length=upper - lower)
        return val
    _, val = while_loop(lambda i, val: less(i, upper), lambda i, val: (add(i, 1), body_fun(i, val)),
                        (lower, init_val))
    return val


def _python_int(value):
    return isinstance(value, int) and not isinstance(value, bool)
