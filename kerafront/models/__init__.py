"""Models: ``Model`` (functional or subclassed), ``Sequential``, the ``Functional`` graph model, and
``load_model``/``save_model``/``clone_model``/``model_from_json`` (Keras's names; the same functions as
``kerafront.saving``'s).
"""

from kerafront.models.functional import Functional
from kerafront.models.model import Model
from kerafront.models.sequential import Sequential

__all__ = ["Model", "Sequential", "Functional", "load_model", "save_model", "clone_model", "model_from_json"]
_SAVING_NAMES = ("load_model", "save_model", "clone_model", "model_from_json")


def __getattr__(name):
    # The saving functions come from kerafront.saving, which imports the models: resolve them on first use.
    if name in _SAVING_NAMES:
        from kerafront.saving import saving_api
        return getattr(saving_api, name)
    raise AttributeError(f"module 'kerafront.models' has no attribute {name!r}")
