"""Dispatch: one function per spec primitive, forwarding to the active backend."""

import functools

from kerafront.config import complete_pending_backend, state
from kerafront.spec import OVERRIDABLE_COMPOSITES, PRIMITIVES


class VariableBase:
    """Base of ``kerafront.Variable``: ops given a variable compute on its current value."""

    __slots__ = ()


def _unwrap(args):
    out = []
    for a in args:
        if isinstance(a, VariableBase):
            a = a.value
        elif type(a) in (list, tuple) and any(isinstance(x, VariableBase) for x in a):
            a = [x.value if isinstance(x, VariableBase) else x for x in a]
        out.append(a)
    return out


_impl = state.impl  # primitive name -> the active backend's function; refilled in place by set_backend
_maybe_variable = (VariableBase, list, tuple)


def _make_primitive(name, spec_fn):
    def op(*args, **kwargs):
        for a in args:
            if isinstance(a, _maybe_variable):
                args = _unwrap(args)
                break
        try:
            fn = _impl[name]
        except KeyError:  # only while a backend imported before kerafront finishes importing
            fn = complete_pending_backend()[name]
        return fn(*args, **kwargs)

    functools.update_wrapper(op, spec_fn)
    op.__module__ = "kerafront.ops"
    return op


primitives = {name: _make_primitive(name, fn) for name, fn in PRIMITIVES.items()}


def composite(fn):
    """Mark ``fn`` as a composite op; if it is overridable, the active backend's kernel wins.

    The pure composite stays reachable as ``op.composite`` (the conformance suite compares both).
    """
    name = fn.__name__
    if name not in OVERRIDABLE_COMPOSITES:
        fn.composite = fn
        return fn

    @functools.wraps(fn)
    def op(*args, **kwargs):
        if state.pending:
            complete_pending_backend()
        impl = state.overrides.get(name)
        if impl is None:
            return fn(*args, **kwargs)
        for a in args:
            if isinstance(a, _maybe_variable):
                args = _unwrap(args)
                break
        return impl(*args, **kwargs)

    op.composite = fn
    return op
