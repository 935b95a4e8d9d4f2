"""Saving: ``save_model``/``load_model``, ``save_weights``/``load_weights`` and the serialization of
kerafront objects (``serialize``/``deserialize``/``register_serializable``).
"""

from kerafront.saving.serialization import (custom_object_scope, deserialize, get_registered_name,
                                            get_registered_object, register_serializable, serialize)

__all__ = ["custom_object_scope", "deserialize", "get_registered_name", "get_registered_object",
           "register_serializable", "serialize"]

from kerafront.saving import weights_file  # noqa: E402
from kerafront.saving.saving_api import load_model, load_weights, save_model, save_weights  # noqa: E402

__all__ += ["load_model", "load_weights", "save_model", "save_weights"]
