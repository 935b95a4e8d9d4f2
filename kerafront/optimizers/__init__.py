"""``kerafront.optimizers``: optimizers (contract in ``optimizer.py``), schedules and ``get``.

``get(identifier)`` accepts a name (``"adam"``, ``"Adam"``, ``"sgd"``...; default
hyperparameters), an ``Optimizer`` (returned as is), an ``Optimizer`` subclass, or a serialized
dict ``{"class_name": ..., "config": {...}}``.
"""

from kerafront._lookup import Catalog
from kerafront.optimizers import schedules
from kerafront.optimizers.adadelta import Adadelta
from kerafront.optimizers.adafactor import Adafactor
from kerafront.optimizers.adagrad import Adagrad
from kerafront.optimizers.adam import Adam, AdamW
from kerafront.optimizers.adamax import Adamax
from kerafront.optimizers.ftrl import Ftrl
from kerafront.optimizers.lamb import Lamb
from kerafront.optimizers.lion import Lion
from kerafront.optimizers.loss_scale_optimizer import LossScaleOptimizer
from kerafront.optimizers.muon import Muon
from kerafront.optimizers.nadam import Nadam
from kerafront.optimizers.optimizer import Optimizer
from kerafront.optimizers.rmsprop import RMSprop
from kerafront.optimizers.sgd import SGD

CLASSES = {cls.__name__: cls for cls in (SGD, Adagrad, RMSprop, Adam, AdamW, Adamax, Nadam, Adadelta, Adafactor, Ftrl,
                                         Lamb, Lion, LossScaleOptimizer, Muon)}
NAMES = {**CLASSES, **{name.lower(): cls for name, cls in CLASSES.items()}}


_CATALOG = Catalog("optimizers", "optimizer", Optimizer, CLASSES, names=NAMES,
                   expected="an optimizer name, Optimizer or config dict", instance="an Optimizer")


def serialize(optimizer):
    """``{"class_name": ..., "config": ...}`` for an ``Optimizer`` (its hyperparameters, not its state)."""
    return _CATALOG.serialize(optimizer)


def deserialize(config, custom_objects=None):
    """Rebuild an optimizer (without its state) from ``serialize``'s output; class names resolve like
    ``kerafront.saving.deserialize``, then against this module's classes."""
    return get(config) if isinstance(config, str) else _CATALOG.from_config(config, custom_objects)


def get(identifier):
    """Resolve ``identifier`` to an ``Optimizer`` (see the module docstring)."""
    return _CATALOG.get(identifier)


__all__ = ["Optimizer", "get", "serialize", "deserialize", "schedules", *CLASSES]
