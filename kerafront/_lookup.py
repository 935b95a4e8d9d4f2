"""How kerafront finds its objects again: from an identifier (``get``) or from a config (``from_config``).

* ``Configurable``: base of the objects whose config is their constructor arguments (losses,
  metrics, initializers, regularizers, constraints, schedules): ``cls.from_config(obj.get_config())``
  rebuilds ``obj``.
* ``get_callable``: the ``get`` of initializers, regularizers and constraints. ``None`` and
  instances come back as they are, a name builds the class it names, a config dict is
  deserialized, and any other callable is used as it is.
* ``Catalog``: the ``get``, ``serialize`` and ``deserialize`` of losses, metrics and optimizers
  (Keras's rules): instances come back as they are, a name builds the class it names, a config dict
  is deserialized, a subclass of the family's base is built with its defaults, and a plain function
  is wrapped (losses and metrics only).
* ``wrapper_from_config``: rebuilds ``LossFunctionWrapper``/``MeanMetricWrapper`` from a config
  that names its function.

Class and function names in a config resolve like ``kerafront.saving.deserialize``
(``custom_objects``, a ``custom_object_scope``, registered objects), then against the family's own;
nothing is imported by a name read from a config. ``kerafront.saving`` imports the model code, so
it is imported on first use: the modules it depends on can import this one.
"""

import dataclasses
from collections.abc import Callable


def _serialization():
    from kerafront.saving import serialization
    return serialization


def serialize(obj):
    """``kerafront.saving.serialize(obj)``."""
    return _serialization().serialize(obj)


def deserialize(config, custom_objects=None):
    """``kerafront.saving.deserialize(config, custom_objects)``."""
    return _serialization().deserialize(config, custom_objects=custom_objects)


class Configurable:
    """An object whose ``get_config()`` holds exactly its constructor arguments (none here)."""

    def get_config(self):
        return {}

    @classmethod
    def from_config(cls, config):
        return cls(**config)


def get_callable(identifier, base, kind, find, known_names, expected="a name, a config dict or a callable"):
    """Resolve ``identifier`` to a ``base`` instance or a callable; ``None`` gives ``None``.

    ``find(name)`` returns the class (or registered object) a string names, or ``None``: a class is
    built with its defaults. Unknown names raise ``ValueError`` listing ``known_names``; identifiers
    of any other type raise ``ValueError`` saying ``expected``.
    """
    if identifier is None or isinstance(identifier, base):
        return identifier
    if isinstance(identifier, str):
        obj = find(identifier)
        if obj is None:
            raise ValueError(f"Unknown {kind} {identifier!r}. Known names: {', '.join(sorted(known_names))}.")
        return obj() if isinstance(obj, type) else obj
    if isinstance(identifier, dict):
        name = identifier.get("class_name")
        own = find(name) if isinstance(name, str) else None  # the family's own class first (initializers.Identity)
        family = {name: own} if isinstance(own, type) and issubclass(own, base) else None
        return _serialization().deserialize(identifier, module_objects=family)
    if callable(identifier):
        return identifier
    raise ValueError(f"Could not interpret {kind} {identifier!r}: expected {expected}.")


def wrapper_from_config(cls, config, known, what="function"):
    """``cls(fn, **rest)`` for a function wrapper's config whose ``"fn"`` names ``fn``: a key of
    ``known`` (listed, in order, when the name is unknown) or a registered function."""
    config = dict(config)
    fn_name = config.pop("fn")
    fn = _serialization().get_registered_object(fn_name, module_objects=known)
    if not callable(fn):
        raise ValueError(f"{cls.__name__}.from_config: unknown {what} {fn_name!r}; known: {', '.join(known)}, or "
                         f"register yours with @kerafront.saving.register_serializable.")
    return cls(fn, **config)


@dataclasses.dataclass(frozen=True)
class Catalog:
    """The named objects of one family (losses, metrics or optimizers) and the rules that find them.

    Fields:
        module: the public module, as it is named in errors (``"losses"``).
        kind: one object of the family, in errors (``"loss"``).
        base: the family's base class.
        classes: the family's classes by class name (``deserialize`` resolves against them).
        expected: what ``get`` accepts, as its ``TypeError`` says it.
        names: every string ``get`` accepts, mapped to the class it builds (``metrics``, whose
            names also depend on the loss, resolves strings before calling ``get``).
        instance: what ``serialize`` accepts, as its ``ValueError`` says it.
        wrap_function: makes a family member from a plain function, or ``None`` to refuse functions.
    """

    module: str
    kind: str
    base: type
    classes: dict
    _: dataclasses.KW_ONLY
    expected: str
    names: dict | None = None
    instance: str | None = None
    wrap_function: Callable | None = None

    def instantiate(self, name):
        """The class ``name`` stands for, built with its defaults; ``ValueError`` listing the names otherwise."""
        cls = self.names.get(name)
        if cls is None:
            raise ValueError(f"Unknown {self.kind} {name!r}. Valid names: {', '.join(sorted(self.names))}.")
        return cls()

    def serialize(self, obj):
        """``{"class_name": ..., "config": ...}`` for a member of the family."""
        if not isinstance(obj, self.base):
            raise ValueError(f"{self.module}.serialize: expected {self.instance}, got {obj!r}.")
        return serialize(obj)

    def from_config(self, config, custom_objects=None):
        """Rebuild a member from ``serialize``'s dict."""
        if not isinstance(config, dict) or "class_name" not in config:
            raise ValueError(f"{self.module}.deserialize: expected a dict with 'class_name' and 'config', "
                             f"got {config!r}.")
        serialization = _serialization()
        cls = serialization.get_registered_object(config["class_name"], custom_objects, module_objects=self.classes)
        if cls is None:
            raise ValueError(f"{self.module}.deserialize: unknown {self.kind} class {config['class_name']!r}. Known "
                             f"classes: {', '.join(sorted(self.classes))}; register your own with "
                             f"@kerafront.saving.register_serializable or pass custom_objects.")
        with serialization.custom_object_scope(custom_objects):
            return cls.from_config(dict(config.get("config") or {}))

    def get(self, identifier):
        """Resolve ``identifier`` (see the module docstring)."""
        if isinstance(identifier, self.base):
            return identifier
        if isinstance(identifier, str):
            return self.instantiate(identifier)
        if isinstance(identifier, dict):
            return self.from_config(identifier)
        if isinstance(identifier, type) and issubclass(identifier, self.base):
            return identifier()
        if self.wrap_function is not None and callable(identifier):
            return self.wrap_function(identifier)
        raise TypeError(f"{self.module}.get: expected {self.expected}, got {identifier!r}.")
