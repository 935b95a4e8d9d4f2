"""Dispatch: one function per spec primitive, forwarding to the active backend.

Each op reads the calling thread's dispatch tables (``kerafront.config.active``) once per call: one
path, whether the backend was set process-wide, by a thread's ``backend_scope``, or is still
finishing its import (its tables then complete the selection themselves).
"""

import functools

from kerafront.config import active
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


_maybe_variable = (VariableBase, list, tuple)


def _make_primitive(name, spec_fn):
    def op(*args, **kwargs):
        for a in args:
            if isinstance(a, _maybe_variable):
                args = _unwrap(args)
                break
        return active.tables.impl[name](*args, **kwargs)

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
        impl = active.tables.overrides.get(name)
        if impl is None:
            return fn(*args, **kwargs)
        for a in args:
            if isinstance(a, _maybe_variable):
                args = _unwrap(args)
                break
        return impl(*args, **kwargs)

    op.composite = fn
    return op
