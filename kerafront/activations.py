"""Activation functions by name or callable (Keras 3's definitions).

Differences from ``kerafront.ops`` defaults, as in Keras: ``gelu`` here is the exact erf form
(``approximate=False``), while ``kerafront.ops.gelu`` defaults to the tanh approximation;
``hard_sigmoid`` is ``relu6(x + 3) / 6`` (Keras 3, not Keras 2's ``0.2 x + 0.5``);
``leaky_relu``'s default slope is 0.2.
"""

from kerafront import ops

__all__ = ["relu", "relu6", "leaky_relu", "elu", "selu", "gelu", "silu", "swish", "sigmoid", "hard_sigmoid",
           "hard_silu", "hard_swish", "tanh", "softmax", "log_softmax", "softplus", "softsign", "mish",
           "exponential", "log_sigmoid", "linear", "celu", "glu", "hard_shrink", "hard_tanh", "soft_shrink",
           "sparse_plus", "sparse_sigmoid", "sparsemax", "squareplus", "tanh_shrink", "threshold", "get",
           "serialize", "deserialize", "ALL_ACTIVATIONS"]


def relu(x, negative_slope=0.0, max_value=None, threshold=0.0):
    """``max(x, 0)``; ``negative_slope`` for ``x < threshold`` and a ``max_value`` cap, as ``keras.activations.relu``."""
    if negative_slope == 0 and max_value is None and threshold == 0:
        return ops.relu(x)
    if negative_slope != 0 and max_value is None and threshold == 0:
        return ops.leaky_relu(x, negative_slope=negative_slope)
    negative_part = ops.relu(ops.add(ops.negative(x), threshold)) if negative_slope != 0 else None
    if threshold != 0:
        x = ops.multiply(x, ops.cast(ops.greater(x, threshold), ops.dtype(x)))
    else:
        x = ops.relu(x)
    if max_value is not None:
        x = ops.clip(x, 0.0, max_value)
    if negative_part is not None:
        x = ops.subtract(x, ops.multiply(negative_slope, negative_part))
    return x


def relu6(x):
    return ops.relu6(x)


def leaky_relu(x, negative_slope=0.2):
    return ops.leaky_relu(x, negative_slope=negative_slope)


def elu(x, alpha=1.0):
    return ops.elu(x, alpha=alpha)


def selu(x):
    return ops.selu(x)


def gelu(x, approximate=False):
    """Exact GELU ``x * (1 + erf(x / sqrt(2))) / 2`` unless ``approximate=True`` (the tanh form)."""
    return ops.gelu(x, approximate=approximate)


def silu(x):
    return ops.silu(x)


swish = silu


def sigmoid(x):
    return ops.sigmoid(x)


def hard_sigmoid(x):
    return ops.hard_sigmoid(x)


def hard_silu(x):
    return ops.hard_silu(x)


hard_swish = hard_silu


def tanh(x):
    return ops.tanh(x)


def softmax(x, axis=-1):
    """Softmax along ``axis`` (the last by default)."""
    return ops.softmax(x, axis=axis)


def log_softmax(x, axis=-1):
    return ops.log_softmax(x, axis=axis)


def softplus(x):
    return ops.softplus(x)


def softsign(x):
    return ops.softsign(x)


def mish(x):
    """``x * tanh(softplus(x))``."""
    return ops.multiply(x, ops.tanh(ops.softplus(x)))


def exponential(x):
    return ops.exp(x)


def log_sigmoid(x):
    return ops.log_sigmoid(x)


def linear(x):
    """Identity."""
    return x


def celu(x, alpha=1.0):
    """``x`` for ``x > 0`` else ``alpha * (exp(x / alpha) - 1)``."""
    return ops.celu(x, alpha=alpha)


def glu(x, axis=-1):
    """``a * sigmoid(b)`` for the two halves ``a, b`` of ``x`` along ``axis`` (even size; the result has half)."""
    return ops.glu(x, axis=axis)


def hard_shrink(x, threshold=0.5):
    """``x`` where ``|x| > threshold``, else 0."""
    return ops.hard_shrink(x, threshold=threshold)


def hard_tanh(x):
    """``clip(x, -1, 1)``."""
    return ops.hard_tanh(x)


def soft_shrink(x, threshold=0.5):
    """``sign(x) * max(|x| - threshold, 0)``."""
    return ops.soft_shrink(x, threshold=threshold)


def sparse_plus(x):
    """0 for ``x <= -1``, ``(x + 1)**2 / 4`` on ``(-1, 1)``, ``x`` for ``x >= 1``."""
    return ops.sparse_plus(x)


def sparse_sigmoid(x):
    """``clip((x + 1) / 2, 0, 1)``."""
    return ops.sparse_sigmoid(x)


def sparsemax(x, axis=-1):
    """The projection of ``x`` onto the probability simplex along ``axis`` (see ``kerafront.ops.sparsemax``:
    the rows sum to 1, where Keras 3.15.1's do not once two or more entries are kept)."""
    return ops.sparsemax(x, axis=axis)


def squareplus(x, b=4):
    """``(x + sqrt(x**2 + b)) / 2``."""
    return ops.squareplus(x, b=b)


def tanh_shrink(x):
    """``x - tanh(x)``."""
    return ops.tanh_shrink(x)


def threshold(x, threshold, default_value):
    """``x`` where ``x > threshold``, else ``default_value``."""
    return ops.threshold(x, threshold, default_value)


ALL_ACTIVATIONS = {fn.__name__: fn for fn in (
    relu, relu6, leaky_relu, elu, selu, gelu, silu, sigmoid, hard_sigmoid, hard_silu, tanh, softmax,
    log_softmax, softplus, softsign, mish, exponential, log_sigmoid, linear, celu, glu, hard_shrink, hard_tanh,
    soft_shrink, sparse_plus, sparse_sigmoid, sparsemax, squareplus, tanh_shrink, threshold)}
ALL_ACTIVATIONS["swish"] = silu
ALL_ACTIVATIONS["hard_swish"] = hard_silu
_NAMES = {id(fn): name for name, fn in ALL_ACTIVATIONS.items() if name not in ("swish", "hard_swish")}


def serialize(activation):
    """The name of a built-in activation; a registered function's registered name."""
    name = _NAMES.get(id(activation))
    if name is not None:
        return name
    from kerafront.saving import serialization
    return serialization.serialize(activation)


def deserialize(name, custom_objects=None):
    from kerafront.saving import serialization
    return serialization.deserialize(name, custom_objects=custom_objects)


def get(identifier):
    """An activation function from a name, a callable or ``None`` (linear)."""
    if identifier is None:
        return linear
    if isinstance(identifier, str):
        fn = ALL_ACTIVATIONS.get(identifier)
        if fn is None:
            from kerafront.saving import serialization
            fn = serialization.get_registered_object(identifier)
        if fn is None or isinstance(fn, type) or not callable(fn):
            raise ValueError(f"Unknown activation {identifier!r}. Known names: {', '.join(sorted(ALL_ACTIVATIONS))}; "
                             "register a custom function with @kerafront.saving.register_serializable().")
        return fn
    if isinstance(identifier, dict):
        return deserialize(identifier)
    if callable(identifier):
        return identifier
    raise ValueError(f"Could not interpret activation {identifier!r}: expected a name or a callable.")
