"""``kerafront.name_scope``: a context manager that prefixes the paths of variables created inside it.

As in Keras, ``with kerafront.name_scope("outer"):`` gives a ``Variable(..., name="v")`` the path
``"outer/v"`` and a layer built inside it ``"outer/dense/kernel"``; scopes nest. The scope joins the
per-thread stack of layers being built (``kerafront.layers._context``), so layer weights take the
prefix the same way they take the names of enclosing layers.
"""

import threading

_local = threading.local()


def _explicit_stack():
    stack = getattr(_local, "scopes", None)
    if stack is None:
        stack = _local.scopes = []
    return stack


def prefixed(name):
    """``name`` under the active name scopes: ``"outer/inner/<name>"`` (just ``name`` outside any)."""
    return "/".join([scope.name for scope in _explicit_stack()] + [name])


class name_scope:
    """Prefix variable paths with ``name`` inside the ``with`` block.

    ``caller`` and ``deduplicate`` as in Keras: re-entering the innermost scope with the same
    ``caller`` and ``name`` opens no new level. ``override_parent`` (Keras's absolute-path override)
    is not supported.
    """

    def __init__(self, name, caller=None, deduplicate=True, override_parent=None):
        if not isinstance(name, str) or "/" in name:
            raise ValueError(f"name_scope: name must be a string without '/', got {name!r}.")
        if override_parent is not None:
            raise ValueError("name_scope: override_parent is not supported by kerafront; nest name scopes "
                             f"instead (got override_parent={override_parent!r}).")
        self.name = name
        self.caller = caller
        self.deduplicate = deduplicate
        self.override_parent = None
        self._pop_on_exit = False

    def __enter__(self):
        from kerafront.layers import _context
        stack = _explicit_stack()
        if self.deduplicate and stack and self.caller is not None and stack[-1].caller is self.caller \
                and stack[-1].name == self.name:
            return self
        stack.append(self)
        _context.name_scope_stack().append(self)
        self._pop_on_exit = True
        return self

    def __exit__(self, *exc):
        if self._pop_on_exit:
            from kerafront.layers import _context
            _explicit_stack().pop()
            layer_stack = _context.name_scope_stack()
            if layer_stack and layer_stack[-1] is self:
                layer_stack.pop()
            self._pop_on_exit = False
        return False
