"""Objects to and from ``{"class_name": ..., "config": {...}}`` dicts, safely.

``serialize(obj)`` gives ``{"class_name": name, "config": obj.get_config()}`` -- no module path. A
kerafront class is named by its class name (``"Dense"``), a class registered with
``@register_serializable(package="Custom")`` by ``"Custom>ClassName"``. A function (an activation)
serializes to its name string.

``deserialize(config, custom_objects=None)`` resolves ``class_name`` ONLY against, in order: the
given ``custom_objects`` (also by the short name after ``>``), those of an enclosing
``custom_object_scope``, registered objects, and kerafront's own classes. Nothing is ever imported
by a name read from a config, so a config cannot make kerafront run code it did not already know.
An unknown name raises ``ValueError``; a config whose keys do not match the constructor raises
``ValueError`` naming the class; objects nested more than ``MAX_NESTING`` deep (models in models)
raise ``ValueError`` too, never ``RecursionError``.
"""

import contextlib
import inspect
import threading

_registered = {}  # "Package>Name" -> object
_registered_names = {}  # id(object) -> "Package>Name"
_extra_builtins = {}  # kerafront objects registered by other kerafront modules (losses, ...)
_builtins = None
_local = threading.local()
MAX_NESTING = 100  # deserialize calls inside one another; kerafront builds about 200 nested models at most


def register_serializable(package="Custom", name=None):
    """Decorator: make a class (with ``get_config``) or a function loadable as ``"package>name"``.

    >>> @register_serializable(package="MyLayers")
    ... class Scale(kerafront.layers.Layer): ...
    """
    if not isinstance(package, str) or ">" in package:
        raise ValueError(f"register_serializable: package must be a string without '>', got {package!r}.")

    def decorator(obj):
        if inspect.isclass(obj) and not hasattr(obj, "get_config"):
            raise ValueError(f"register_serializable: class {obj.__name__} has no get_config() method; "
                             "define it (and from_config if the constructor differs) to make it serializable.")
        if not inspect.isclass(obj) and not callable(obj):
            raise TypeError(f"register_serializable: expected a class or a function, got {type(obj).__name__}.")
        registered_name = f"{package}>{name or obj.__name__}"
        _registered[registered_name] = obj
        _registered_names[id(obj)] = registered_name
        return obj

    return decorator


def register_builtin(obj, name=None):
    """For kerafront's own modules: add ``obj`` to the built-in registry under ``name`` (its ``__name__``)."""
    global _builtins
    _extra_builtins[name or obj.__name__] = obj
    _builtins = None


def get_registered_name(obj):
    """``"Package>Name"`` for a registered object, else its ``__name__``."""
    return _registered_names.get(id(obj), getattr(obj, "__name__", type(obj).__name__))


def get_registered_object(name, custom_objects=None, module_objects=None):
    """The object ``name`` resolves to (see the module docstring for the order), or ``None``."""
    if not isinstance(name, str):
        return None
    short = name.split(">", 1)[1] if ">" in name else None
    user_tables = [custom_objects or {}] + list(reversed(_scope_stack()))
    for table in user_tables:
        if name in table:
            return table[name]
        if short is not None and short in table:
            return table[short]
    if name in _registered:
        return _registered[name]
    if short is None and f"Custom>{name}" in _registered:
        return _registered[f"Custom>{name}"]
    for table in ([module_objects] if module_objects is not None else []) + [_builtin_objects()]:
        if name in table:
            return table[name]
    return None


def _scope_stack():
    stack = getattr(_local, "stack", None)
    if stack is None:
        stack = _local.stack = []
    return stack


@contextlib.contextmanager
def custom_object_scope(custom_objects):
    """``with custom_object_scope({"MyLayer": MyLayer}):`` makes those names resolvable inside."""
    _scope_stack().append(dict(custom_objects or {}))
    try:
        yield
    finally:
        _scope_stack().pop()


def serialize(obj):
    """``{"class_name", "config"}`` for an object with ``get_config``; a name for a function."""
    if obj is None or isinstance(obj, (str, int, float, bool)):
        return obj
    if inspect.isfunction(obj) or inspect.isbuiltin(obj):
        return _serialize_function(obj)
    if not hasattr(obj, "get_config"):
        raise ValueError(f"serialize: {type(obj).__name__} object has no get_config(); cannot serialize {obj!r}.")
    return {"class_name": get_registered_name(type(obj)), "config": obj.get_config()}


def _serialize_function(fn):
    registered = _registered_names.get(id(fn))
    if registered is not None:
        return registered
    name = getattr(fn, "__name__", None)
    if name and _builtin_objects().get(name) is fn:
        return name
    raise ValueError(
        f"serialize: function {name or fn!r} is neither a kerafront function nor registered, so a saved config "
        "could not find it again. Decorate it with @kerafront.saving.register_serializable() (and pass "
        "custom_objects when loading), or use a built-in name such as 'relu'.")


def deserialize(config, custom_objects=None, module_objects=None):
    """Rebuild an object from ``serialize``'s output (a dict, or a name string for a function or class).

    Raises ``ValueError`` for an unknown name, a config that does not match the constructor, or one
    nesting objects more than ``MAX_NESTING`` deep.
    """
    depth = getattr(_local, "depth", 0)
    if depth >= MAX_NESTING:
        name = config.get("class_name") if isinstance(config, dict) else config
        raise ValueError(f"deserialize: the config nests objects more than {MAX_NESTING} deep (reached "
                         f"{str(name)[:100]!r}); refusing it.")
    _local.depth = depth + 1
    try:
        return _deserialize(config, custom_objects, module_objects)
    except RecursionError:
        if depth:
            raise
        raise ValueError("deserialize: the config nests too deeply to rebuild (RecursionError).") from None
    finally:
        _local.depth = depth


def _deserialize(config, custom_objects, module_objects):
    if config is None:
        return None
    if isinstance(config, str):
        obj = get_registered_object(config, custom_objects, module_objects)
        if obj is None:
            raise ValueError(_unknown_message(config))
        return obj
    if not isinstance(config, dict) or "class_name" not in config:
        raise ValueError(f"deserialize: expected a dict with 'class_name' and 'config' keys, got "
                         f"{type(config).__name__} with keys {sorted(config) if isinstance(config, dict) else None}.")
    class_name = config["class_name"]
    cls = get_registered_object(class_name, custom_objects, module_objects)
    if cls is None:
        raise ValueError(_unknown_message(class_name))
    inner = config.get("config")
    if not inspect.isclass(cls):
        return cls
    inner = {} if inner is None else inner
    if not isinstance(inner, dict):
        raise ValueError(f"deserialize {class_name!r}: 'config' must be a dict, got {type(inner).__name__}.")
    with custom_object_scope(custom_objects):
        try:
            if hasattr(cls, "from_config"):
                return cls.from_config(dict(inner))
            return cls(**inner)
        except TypeError as error:
            raise ValueError(
                f"deserialize {class_name!r}: the config keys {sorted(inner)} do not match "
                f"{cls.__name__}'s constructor ({error}). A config must hold exactly the constructor "
                "arguments that get_config() returns.") from error


def _unknown_message(name):
    shown = name if isinstance(name, str) and len(name) <= 100 else f"{str(name)[:100]}..."
    return (f"deserialize: unknown object {shown!r}. It is not a kerafront class nor registered. For a "
            "custom class, decorate it with @kerafront.saving.register_serializable() or pass "
            "custom_objects={'Name': Class} when loading.")


def _builtin_objects():
    global _builtins
    if _builtins is None:
        from kerafront import activations, constraints, initializers, layers, models, regularizers
        from kerafront.utils import feature_space  # noqa: F401 -- registers FeatureSpace, Feature, Cross
        table, family = {}, {}
        for module in (layers, initializers, regularizers, constraints, models):
            for name in module.__all__:
                obj = getattr(module, name)
                if inspect.isclass(obj):
                    if name in table and table[name] is not obj:
                        if family[name] is module:
                            raise RuntimeError(f"kerafront registry: two built-in classes are named {name!r}.")
                        continue  # the first family keeps the name (layers.Identity); the others' get() finds theirs
                    table[name], family[name] = obj, module
        table.update(activations.ALL_ACTIVATIONS)
        table.update(_extra_builtins)
        _builtins = table
    return _builtins
