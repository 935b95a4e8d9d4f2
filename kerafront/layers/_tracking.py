"""Change detection for the layer tree, so that walks over it can be cached.

``Layer`` caches its flattened sub-layers, variables and weights, stamped with ``version()``. Any
change of structure bumps the version: assigning a layer, variable, seed generator, list, tuple or
dict attribute, ``add_weight``, and mutating a list or dict attribute -- lists and dicts assigned to
a layer are wrapped in ``TrackedList`` / ``TrackedDict`` (subclasses of list and dict, as Keras
does) whose mutating methods bump it.
"""

_version = [0]


def version():
    return _version[0]


def bump():
    _version[0] += 1


def wrap(value):
    """A plain list/dict (recursively) as a TrackedList/TrackedDict; anything else unchanged."""
    if type(value) is list:
        return TrackedList(value)
    if type(value) is dict:
        return TrackedDict(value)
    return value


def _mutator(base, name):
    method = getattr(base, name)

    def mutate(self, *args, **kwargs):
        bump()
        return method(self, *args, **kwargs)

    mutate.__name__ = name
    return mutate


class TrackedList(list):
    """A list held by a layer; mutating it invalidates the layer tree's caches."""

    def __init__(self, values=()):
        super().__init__(wrap(v) for v in values)


for _name in ("append", "extend", "insert", "pop", "remove", "clear", "sort", "reverse", "__setitem__",
              "__delitem__", "__iadd__", "__imul__"):
    setattr(TrackedList, _name, _mutator(list, _name))


class TrackedDict(dict):
    """A dict held by a layer; mutating it invalidates the layer tree's caches."""

    def __init__(self, values=()):
        super().__init__((k, wrap(v)) for k, v in dict(values).items())


for _name in ("__setitem__", "__delitem__", "pop", "popitem", "clear", "update", "setdefault", "__ior__"):
    setattr(TrackedDict, _name, _mutator(dict, _name))
