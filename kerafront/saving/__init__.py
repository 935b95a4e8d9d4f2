"""Saving: ``save_model``/``load_model``, ``save_weights``/``load_weights`` (kerafront's format, Keras 3's
``.keras`` and ``.weights.h5``, legacy ``.h5``) and the serialization of kerafront objects
(``serialize``/``deserialize``/``register_serializable``, and Keras's names for them).
"""

from kerafront.saving.serialization import (custom_object_scope, deserialize, get_registered_name,
                                            get_registered_object, register_serializable, serialize)

register_keras_serializable = register_serializable
CustomObjectScope = custom_object_scope  # Keras's class spelling: ``with CustomObjectScope({...}):``

__all__ = ["CustomObjectScope", "custom_object_scope", "deserialize", "get_registered_name", "get_registered_object",
           "register_serializable", "register_keras_serializable", "serialize"]

from kerafront.saving import weights_file  # noqa: E402
from kerafront.saving.saving_api import (clone_model, deserialize_keras_object, get_custom_objects,  # noqa: E402
                                         load_model, load_weights, model_from_json, save_model, save_weights,
                                         serialize_keras_object)

__all__ += ["load_model", "load_weights", "save_model", "save_weights", "get_custom_objects",
            "serialize_keras_object", "deserialize_keras_object", "model_from_json", "clone_model"]
