"""Per-thread call state: the name scope that gives variables their paths, and the ``training``
flag an outer call hands down to the layers it calls.

A layer called inside another layer's ``call`` without an explicit ``training=`` argument inherits
the outer call's value (Keras's rule); an explicit argument always wins.
"""

import threading

_local = threading.local()


def _stack(name):
    stack = getattr(_local, name, None)
    if stack is None:
        stack = []
        setattr(_local, name, stack)
    return stack


def name_scope_stack():
    """The layers whose ``__call__``/``build`` is running, outermost first."""
    return _stack("names")


def current_path(name):
    """``"outer/inner/<name>"`` for a variable created now."""
    return "/".join([layer.name for layer in name_scope_stack()] + [name])


class CallContext:
    """The state of the outermost running ``Layer.__call__``."""

    __slots__ = ("training",)

    def __init__(self, training):
        self.training = training


def current_call():
    calls = _stack("calls")
    return calls[-1] if calls else None


def push_call(context):
    _stack("calls").append(context)


def pop_call():
    _stack("calls").pop()
