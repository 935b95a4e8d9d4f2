"""Dispatch: one function per spec primitive, forwarding to the active backend.

Each op reads the calling thread's dispatch tables (``kerafront.config.active``) once per call: one
path, whether the backend was set process-wide, by a thread's ``backend_scope``, or is still
finishing its import (its tables then complete the selection themselves).

One type check per positional argument decides between that path and the slow one, taken by
Variables (unwrapped to their value), sequences (which may hold either) and KerasTensors. A call
with a KerasTensor anywhere in its arguments -- or a KerasTensor's shape (``zeros(shape(x))``), or a
sequence holding ``None``, an unknown dim read from one -- runs the primitive's symbolic rule (``_symbolic.RULES``):
only the output's shape and dtype are computed, by the spec's rules, and no backend is called.
Keyword arguments take the slow path only when they name a parameter that may hold a tensor.
Control-flow primitives (``scan``, ``while_loop``, ``cond``) take pytrees of tensors and functions: their
whole arguments are flattened (``kerafront.tree``) to look for Variables and KerasTensors, and keep their
structure (a tuple carry stays a tuple).
"""

import functools
import inspect

from kerafront import tree
from kerafront._keras_tensor import KerasTensor
from kerafront.config import active
from kerafront.ops._symbolic import RULES, SymbolicShape
from kerafront.spec import OVERRIDABLE_COMPOSITES, PRIMITIVES


class VariableBase:
    """Base of ``kerafront.Variable``: ops given a variable compute on its current value."""

    __slots__ = ()


_slow_path = (VariableBase, KerasTensor, list, tuple)
_marks_in_sequence = (VariableBase, KerasTensor, type(None))
_marks_in_pytree = (VariableBase, KerasTensor)

# Parameters that never hold a tensor: a keyword among these keeps a call on the fast path.
_STATIC_PARAMETERS = frozenset((
    "axis", "keepdims", "dtype", "strides", "padding", "data_format", "dilation_rate", "output_padding", "pool_size",
    "mode", "sorted", "k", "subscripts", "indices_or_sections", "repeats", "fn", "argnums", "has_aux",
    "donate_argnums", "approximate", "from_logits", "epsilon", "ord", "order", "num_classes", "rate", "alpha",
    "negative_slope", "axes", "axis1", "axis2", "source", "destination"))


def _tensor_parameters(fn):
    """Names of ``fn``'s parameters that may hold a tensor (every one not in ``_STATIC_PARAMETERS``)."""
    return frozenset(inspect.signature(fn).parameters) - _STATIC_PARAMETERS


def _prepare(args, kwargs, tensor_parameters):
    """``(args, kwargs, symbolic)``: Variables (also inside a list or tuple) replaced by their values, and
    whether any argument is a KerasTensor or a sequence holding one, ``None`` (an unknown dim) or a
    KerasTensor's shape. Keywords are looked at only when they name one of ``tensor_parameters``."""
    symbolic = False
    args = list(args)
    for i, a in enumerate(args):
        if isinstance(a, _slow_path):
            args[i], a_symbolic = _prepare_one(a)
            symbolic = symbolic or a_symbolic
    if kwargs and not tensor_parameters.isdisjoint(kwargs):
        kwargs = dict(kwargs)
        for key, value in kwargs.items():
            kwargs[key], value_symbolic = _prepare_one(value)
            symbolic = symbolic or value_symbolic
    return args, kwargs, symbolic


def _prepare_one(value):
    if isinstance(value, (list, tuple)):
        if type(value) is SymbolicShape:
            return value, True
        for x in value:
            if isinstance(x, _marks_in_sequence):
                break
        else:
            return value, False
        value = [x.value if isinstance(x, VariableBase) else x for x in value]
        return value, any(x is None or isinstance(x, KerasTensor) for x in value)
    if isinstance(value, VariableBase):
        value = value.value
    return value, isinstance(value, KerasTensor)


def _make_primitive(name, spec_fn):
    if spec_fn.category == "control_flow":
        return _make_control_flow(name, spec_fn)
    tensor_parameters = _tensor_parameters(spec_fn)
    symbolic_rule = RULES[name]

    def op(*args, **kwargs):
        for a in args:
            if isinstance(a, _slow_path):
                break
        else:
            if not kwargs or tensor_parameters.isdisjoint(kwargs):
                return active.tables.impl[name](*args, **kwargs)
        args, kwargs, symbolic = _prepare(args, kwargs, tensor_parameters)
        return (symbolic_rule if symbolic else active.tables.impl[name])(*args, **kwargs)

    functools.update_wrapper(op, spec_fn)
    op.__module__ = "kerafront.ops"
    return op


def _make_control_flow(name, spec_fn):
    """A control-flow primitive takes pytrees (``init``, ``xs``, ``loop_vars``), kept as they are: Variables
    anywhere in its arguments are read, and a KerasTensor anywhere sends the call to the symbolic rule."""
    symbolic_rule = RULES[name]

    def op(*args, **kwargs):
        leaves, treedef = tree.flatten((args, kwargs))
        if not any(isinstance(leaf, _marks_in_pytree) for leaf in leaves):
            return active.tables.impl[name](*args, **kwargs)
        symbolic = any(isinstance(leaf, KerasTensor) for leaf in leaves)
        args, kwargs = tree.unflatten(treedef, [leaf.value if isinstance(leaf, VariableBase) else leaf
                                                for leaf in leaves])
        return (symbolic_rule if symbolic else active.tables.impl[name])(*args, **kwargs)

    functools.update_wrapper(op, spec_fn)
    op.__module__ = "kerafront.ops"
    return op


primitives = {name: _make_primitive(name, fn) for name, fn in PRIMITIVES.items()}


def composite(fn):
    """Mark ``fn`` as a composite op; if it is overridable, the active backend's kernel wins.

    On symbolic inputs the pure composite always runs (its primitives infer the shapes). The pure
    composite stays reachable as ``op.composite`` (the conformance suite compares both).
    """
    name = fn.__name__
    if name not in OVERRIDABLE_COMPOSITES:
        fn.composite = fn
        return fn
    tensor_parameters = _tensor_parameters(fn)

    @functools.wraps(fn)
    def op(*args, **kwargs):
        impl = active.tables.overrides.get(name)
        if impl is None:
            return fn(*args, **kwargs)
        for a in args:
            if isinstance(a, _slow_path):
                break
        else:
            if not kwargs or tensor_parameters.isdisjoint(kwargs):
                return impl(*args, **kwargs)
        args, kwargs, symbolic = _prepare(args, kwargs, tensor_parameters)
        return (fn if symbolic else impl)(*args, **kwargs)

    op.composite = fn
    return op
