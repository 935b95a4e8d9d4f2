"""Keras's functions of functions (``keras.ops``): ``map``, ``vectorized_map``, ``vectorize``, ``switch``,
``associative_scan`` and the ``custom_gradient`` decorator, as composites of the spec's primitives.

``map`` and ``vectorized_map`` are one ``scan`` over the leading axis; ``vectorize`` (NumPy's
generalised-ufunc signatures) is a ``map`` over the flattened loop dimensions; ``switch`` a chain of
``cond``; ``associative_scan`` Hillis-Steele (``ceil(log2 n)`` calls of ``f`` on whole slices);
``custom_gradient`` stands on the backend's ``custom_gradient_call``. Names, arguments and
defaults are Keras 3's.
"""

import builtins
import functools
import inspect
import math as _pymath
import re

from kerafront import tree
from kerafront._keras_tensor import KerasTensor
from kerafront.ops._dispatch import VariableBase, composite
from kerafront.ops._primitives import (concatenate, cond, convert_to_tensor, custom_gradient_call, dtype as dtype_of,
                                       flip, less_equal, multiply, ones, reshape, scan, shape as shape_of, slice)
from kerafront.ops.core import _axis, _static_dim

__all__ = ["associative_scan", "custom_gradient", "map", "switch", "vectorize", "vectorized_map"]

# ----------------------------------------------------------------------------------------------
# Functions of functions

@composite
def map(f, xs):
    """``stack([f(x) for x in xs])``: ``f`` on each slice along the leading axis of ``xs``.

    ``xs`` may be a pytree (each leaf sliced; ``f`` gets the slices in the same structure) and ``f``
    may return one; every output leaf is stacked to ``(n, *leaf.shape)``. A ``scan``, so it runs
    inside compiled functions and is differentiable on every backend.
    """
    _, ys = scan(lambda carry, x: (carry, f(x)), 0, xs)
    return ys


@composite
def vectorized_map(function, elements):
    """Keras's ``vectorized_map``: ``function`` on each leading-axis slice of ``elements`` (a tensor, or
    a list/tuple of tensors, sliced together: ``function`` then gets a list/tuple of slices); the
    results stacked. The same values as ``map`` (kerafront runs it as one ``scan``)."""
    return map(function, elements)


@composite
def switch(index, branches, *operands):
    """``branches[clip(index, 0, len(branches) - 1)](*operands)``: exactly one branch's result.

    ``index``: a Python int (picks the branch directly) or an integer scalar tensor (a chain of
    ``cond``; every branch must return the same structure, shapes and dtypes).
    """
    branches = list(branches)
    if not branches or not builtins.all(callable(b) for b in branches):
        raise ValueError(f"switch: branches must be a non-empty sequence of callables, received {branches!r}.")
    if isinstance(index, int) and not isinstance(index, bool):
        return branches[builtins.min(builtins.max(index, 0), len(branches) - 1)](*operands)

    def pick(i):
        if i == len(branches) - 1:
            return branches[i](*operands)
        return cond(less_equal(index, i), lambda: branches[i](*operands), lambda: pick(i + 1))

    return pick(0)


def _axis_slice(x, start, stop, axis):
    shape = list(shape_of(x))
    starts = [0] * len(shape)
    starts[axis], shape[axis] = start, stop - start
    return slice(x, starts, shape)


@composite
def associative_scan(f, elems, reverse=False, axis=0):
    """Inclusive scan of the associative ``f`` along ``axis``: ``[a, f(a, b), f(f(a, b), c), ...]``.

    ``elems``: a pytree of tensors sharing the length ``n`` of ``axis``; ``f(a, b)`` takes and returns
    pytrees of that structure, elementwise along ``axis`` (its slices have any length there).
    ``reverse=True`` scans from the end: element ``k`` combines elements ``k .. n-1`` with the later
    ones as ``f``'s first argument (as ``jax.lax.associative_scan``, which Keras uses on JAX). Runs
    ``ceil(log2 n)`` rounds of ``f`` (Hillis-Steele), each on whole slices.
    """
    leaves, treedef = tree.flatten(elems)
    if not leaves:
        raise ValueError("associative_scan: elems holds no tensor.")
    leaves = [convert_to_tensor(leaf) for leaf in leaves]
    axes = [_axis(axis, len(shape_of(leaf)), "associative_scan") for leaf in leaves]
    lengths = {shape_of(leaf)[a] for leaf, a in zip(leaves, axes)}
    if len(lengths) != 1:
        raise ValueError(f"associative_scan: every leaf of elems must have the same length along axis {axis}, "
                         f"received lengths {sorted(lengths, key=str)}.")
    n = _static_dim(lengths.pop(), "associative_scan", f"the length of axis {axis}")
    if reverse:
        leaves = [flip(leaf, a) for leaf, a in zip(leaves, axes)]
    offset = 1
    while offset < n:
        earlier = tree.unflatten(treedef, [_axis_slice(x, 0, n - offset, a) for x, a in zip(leaves, axes)])
        later = tree.unflatten(treedef, [_axis_slice(x, offset, n, a) for x, a in zip(leaves, axes)])
        combined, combined_def = tree.flatten(f(earlier, later))
        if combined_def != treedef:
            raise ValueError("associative_scan: f must return the structure of its inputs (that of elems).")
        leaves = [concatenate([_axis_slice(x, 0, offset, a), c], a) for x, c, a in zip(leaves, combined, axes)]
        offset *= 2
    if reverse:
        leaves = [flip(leaf, a) for leaf, a in zip(leaves, axes)]
    return tree.unflatten(treedef, leaves)


def custom_gradient(f):
    """Decorator: ``f(*args) -> (y, grad_fn)`` becomes a function returning ``y`` whose gradient is ``grad_fn``'s.

    ``y``: one tensor. ``grad_fn(upstream)`` gets the cotangent of ``y`` (its shape) and returns the
    gradient for each positional argument of ``f`` (a lone tensor for one argument; ``None`` for
    none), each a tensor or pytree matching its argument. Keras's portable form
    ``def grad_fn(*args, upstream=None)`` works; a ``grad_fn`` whose keyword-only ``upstream`` has no
    default is called as Keras's torch backend calls it, ``grad_fn(*args, upstream=upstream)``.
    Only the positional arguments receive gradients (not tensors ``f`` closes over), on every
    backend, also inside compiled training steps. Keyword arguments are passed through as constants.
    """

    @functools.wraps(f)
    def wrapped(*args, **kwargs):
        leaves, treedef = tree.flatten(args)
        leaves = [leaf.value if isinstance(leaf, VariableBase) else leaf for leaf in leaves]
        if builtins.any(isinstance(leaf, KerasTensor) for leaf in leaves):
            return _output_and_grad_fn(f(*tree.unflatten(treedef, leaves), **kwargs))[0]

        def call(*values):
            structured = tree.unflatten(treedef, list(values))
            y, grad_fn = _output_and_grad_fn(f(*structured, **kwargs))
            return y, lambda upstream: _flat_gradients(_call_grad_fn(grad_fn, structured, upstream), len(values))

        return custom_gradient_call(call, tuple(leaves))

    return wrapped


def _output_and_grad_fn(result):
    if not (isinstance(result, (tuple, list)) and len(result) == 2 and callable(result[1])):
        raise ValueError("custom_gradient: the decorated function must return a pair (output, grad_fn) with a "
                         f"callable grad_fn; received {type(result).__name__}.")
    if tree.is_nested(result[0]):
        raise ValueError("custom_gradient: the decorated function must return one tensor as its output; received "
                         f"a {type(result[0]).__name__}. Decorate one function per output.")
    return result


def _call_grad_fn(grad_fn, args, upstream):
    try:
        parameter = inspect.signature(grad_fn).parameters.get("upstream")
    except (TypeError, ValueError):
        parameter = None
    if parameter is not None and parameter.kind is parameter.KEYWORD_ONLY and parameter.default is parameter.empty:
        return grad_fn(*args, upstream=upstream)
    return grad_fn(upstream)


def _flat_gradients(grads, count):
    if not isinstance(grads, (tuple, list)):
        grads = (grads,)
    flat = []
    for g in grads:
        flat.extend([None] if g is None else tree.flatten(g)[0])
    if len(flat) != count:
        raise ValueError(f"custom_gradient: grad_fn must return one gradient per input tensor ({count} here); "
                         f"it returned {len(flat)}.")
    return tuple(flat)


_SIGNATURE_ARGUMENT = r"\((?:\w+(?:,\s*\w+)*)?\)"
_SIGNATURE = re.compile(rf"^{_SIGNATURE_ARGUMENT}(?:,\s*{_SIGNATURE_ARGUMENT})*->"
                        rf"{_SIGNATURE_ARGUMENT}(?:,\s*{_SIGNATURE_ARGUMENT})*$")


def _parse_signature(signature):
    """``"(m,n),(n)->(m)"`` -> ``([("m", "n"), ("n",)], [("m",)])``."""
    compact = re.sub(r"\s+", "", signature)
    if not _SIGNATURE.match(compact):
        raise ValueError(f"vectorize: invalid signature {signature!r}; expected a generalised-ufunc signature "
                         "such as '(m,n),(n)->(m)'.")
    inputs, outputs = compact.split("->")

    def groups(side):
        return [tuple(re.findall(r"\w+", g)) for g in re.findall(_SIGNATURE_ARGUMENT, side)]

    return groups(inputs), groups(outputs)


def _broadcast_shapes(shapes, op):
    rank = builtins.max((len(s) for s in shapes), default=0)
    out = []
    for dims in zip(*[(1,) * (rank - len(s)) + tuple(s) for s in shapes]):
        sizes = {d for d in dims if d != 1}
        if len(sizes) > 1:
            raise ValueError(f"{op}: the loop dimensions {shapes} do not broadcast together.")
        out.append(sizes.pop() if sizes else 1)
    return tuple(out)


def vectorize(pyfunc, *, excluded=None, signature=None):
    """NumPy's ``vectorize``: ``pyfunc`` applied over the broadcast loop dimensions of its arguments.

    Without ``signature`` ``pyfunc`` gets scalars; with one (``"(m,n),(n)->(m)"``) each argument's
    trailing core dimensions go to ``pyfunc`` whole, and each output gets its core dimensions after the
    loop dimensions (a tuple of outputs for several). ``excluded``: positions (ints) or keyword names
    passed to ``pyfunc`` unchanged. Runs as one ``map`` over the flattened loop dimensions.
    """
    if not callable(pyfunc):
        raise ValueError(f"vectorize: expected a callable pyfunc, received {pyfunc!r}.")
    excluded = set(excluded or ())
    core_in, core_out = _parse_signature(signature) if signature is not None else (None, None)

    @functools.wraps(pyfunc)
    def vectorized(*args, **kwargs):
        positions = [i for i in range(len(args)) if i not in excluded]
        names = [k for k in kwargs if k not in excluded]
        tensors = [convert_to_tensor(args[i]) for i in positions] + [convert_to_tensor(kwargs[k]) for k in names]
        cores = core_in if core_in is not None else [()] * len(tensors)
        if len(cores) != len(tensors):
            raise ValueError(f"vectorize: signature {signature!r} has {len(cores)} inputs, but pyfunc was called "
                             f"with {len(tensors)} vectorized arguments.")
        sizes, loop_shapes = {}, []
        for x, core in zip(tensors, cores):
            shape = tuple(shape_of(x))
            if len(shape) < len(core):
                raise ValueError(f"vectorize: an argument of shape {shape} has fewer dimensions than its core "
                                 f"dimensions {core} in signature {signature!r}.")
            for name, size in zip(core, shape[len(shape) - len(core):]):
                if sizes.setdefault(name, size) != size:
                    raise ValueError(f"vectorize: core dimension {name!r} has sizes {sizes[name]} and {size}.")
            loop_shapes.append(shape[:len(shape) - len(core)])
        loop = _broadcast_shapes(loop_shapes, "vectorize")
        count = _pymath.prod(loop)
        flat = []
        for x, core, loop_shape in zip(tensors, cores, loop_shapes):
            core_shape = tuple(shape_of(x))[len(loop_shape):]
            full = tuple(shape_of(x)) if loop_shape == loop else loop + core_shape
            if full != tuple(shape_of(x)):
                x = multiply(x, ones(full, dtype=dtype_of(x)))
            flat.append(reshape(x, (count,) + core_shape))

        def one(slices):
            call_args, call_kwargs = list(args), dict(kwargs)
            for value, i in zip(slices, positions):
                call_args[i] = value
            for value, k in zip(slices[len(positions):], names):
                call_kwargs[k] = value
            return pyfunc(*call_args, **call_kwargs)

        outputs = map(one, tuple(flat))
        several = isinstance(outputs, (tuple, list))
        outputs = list(outputs) if several else [outputs]
        if core_out is not None and len(core_out) != len(outputs):
            raise ValueError(f"vectorize: signature {signature!r} has {len(core_out)} outputs, pyfunc returned "
                             f"{len(outputs)}.")
        outputs = [reshape(y, loop + tuple(shape_of(y))[1:]) for y in outputs]
        return tuple(outputs) if several else outputs[0]

    return vectorized
