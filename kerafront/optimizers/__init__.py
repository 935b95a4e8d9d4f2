"""``kerafront.optimizers``: optimizers (contract in ``optimizer.py``), schedules and ``get``.

``get(identifier)`` accepts a name (``"adam"``, ``"Adam"``, ``"sgd"``...; default
hyperparameters), an ``Optimizer`` (returned as is), an ``Optimizer`` subclass, or a serialized
dict ``{"class_name": ..., "config": {...}}``.
"""

from kerafront.optimizers import schedules
from kerafront.optimizers.adagrad import Adagrad
from kerafront.optimizers.adam import Adam, AdamW
from kerafront.optimizers.adamax import Adamax
from kerafront.optimizers.nadam import Nadam
from kerafront.optimizers.optimizer import Optimizer
from kerafront.optimizers.rmsprop import RMSprop
from kerafront.optimizers.sgd import SGD
from kerafront.saving import serialization as _serialization

CLASSES = {cls.__name__: cls for cls in (SGD, Adagrad, RMSprop, Adam, AdamW, Adamax, Nadam)}
NAMES = {**CLASSES, **{name.lower(): cls for name, cls in CLASSES.items()}}


def serialize(optimizer):
    """``{"class_name": ..., "config": ...}`` for an ``Optimizer`` (its hyperparameters, not its state)."""
    if not isinstance(optimizer, Optimizer):
        raise ValueError(f"optimizers.serialize: expected an Optimizer, got {optimizer!r}.")
    return {"class_name": _serialization.get_registered_name(type(optimizer)), "config": optimizer.get_config()}


def deserialize(config, custom_objects=None):
    """Rebuild an optimizer (without its state) from ``serialize``'s output; class names resolve like
    ``kerafront.saving.deserialize``, then against this module's classes."""
    if isinstance(config, str):
        return get(config)
    if not isinstance(config, dict) or "class_name" not in config:
        raise ValueError(f"optimizers.deserialize: expected a dict with 'class_name' and 'config', got {config!r}.")
    cls = _serialization.get_registered_object(config["class_name"], custom_objects, module_objects=CLASSES)
    if cls is None:
        raise ValueError(f"optimizers.deserialize: unknown optimizer class {config['class_name']!r}. Known classes: "
                         f"{', '.join(sorted(CLASSES))}; register your own with "
                         f"@kerafront.saving.register_serializable or pass custom_objects.")
    with _serialization.custom_object_scope(custom_objects):
        return cls.from_config(dict(config.get("config") or {}))


def get(identifier):
    """Resolve ``identifier`` to an ``Optimizer`` (see the module docstring)."""
    if isinstance(identifier, Optimizer):
        return identifier
    if isinstance(identifier, str):
        cls = NAMES.get(identifier)
        if cls is None:
            raise ValueError(f"Unknown optimizer {identifier!r}. Valid names: {', '.join(sorted(NAMES))}.")
        return cls()
    if isinstance(identifier, dict):
        return deserialize(identifier)
    if isinstance(identifier, type) and issubclass(identifier, Optimizer):
        return identifier()
    raise TypeError(f"optimizers.get: expected an optimizer name, Optimizer or config dict, got {identifier!r}.")


__all__ = ["Optimizer", "get", "serialize", "deserialize", "schedules", *CLASSES]
