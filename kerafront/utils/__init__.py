"""Utilities with Keras's ``keras.utils`` names.

Data: ``PyDataset``/``Sequence``, ``pad_sequences``, ``split_dataset``, ``timeseries_dataset_from_array``,
``image_dataset_from_directory``, ``text_dataset_from_directory``, ``pack_x_y_sample_weight``,
``unpack_x_y_sample_weight``. Arrays: ``to_categorical``, ``normalize``. Files: ``get_file``;
images (Pillow, the ``image`` extra): ``load_img``, ``img_to_array``, ``array_to_img``, ``save_img``.
Models: ``get_source_inputs``, ``is_keras_tensor``, ``plot_model``/``model_to_text``. Session:
``clear_session``, ``set_random_seed``, ``Progbar``, the interactive-logging switches,
``standardize_dtype``, ``Config``. Serialization (from ``kerafront.saving``): ``CustomObjectScope``,
``custom_object_scope``, ``get_custom_objects``, ``get_registered_name``, ``get_registered_object``,
``register_keras_serializable``, ``serialize_keras_object``, ``deserialize_keras_object``.
"""

import importlib

from kerafront.config import (disable_interactive_logging, enable_interactive_logging,
                              is_interactive_logging_enabled)
from kerafront.dtypes import standardize_dtype
from kerafront.utils.config_dict import Config
from kerafront.utils.dataset_utils import split_dataset, timeseries_dataset_from_array
from kerafront.utils.diagram import model_to_text, plot_model
from kerafront.utils.directory_dataset import image_dataset_from_directory, text_dataset_from_directory
from kerafront.utils.file_utils import get_file
from kerafront.utils.graph import get_source_inputs
from kerafront.utils.image_utils import array_to_img, img_to_array, load_img, save_img
from kerafront.utils.naming import clear_session
from kerafront.utils.numerical import normalize, set_random_seed, to_categorical
from kerafront.utils.progbar import Progbar
from kerafront.utils.py_dataset import PyDataset, Sequence
from kerafront.utils.sequence_utils import pad_sequences

# Names defined in modules that themselves import kerafront.utils: resolved at first use.
_LAZY = {"FeatureSpace": "kerafront.utils.feature_space",
         "is_keras_tensor": "kerafront.backend", "pack_x_y_sample_weight": "kerafront.training.data",
         "unpack_x_y_sample_weight": "kerafront.training.data",
         **{name: "kerafront.saving" for name in (
             "CustomObjectScope", "custom_object_scope", "deserialize_keras_object", "get_custom_objects",
             "get_registered_name", "get_registered_object", "register_keras_serializable",
             "serialize_keras_object")}}

__all__ = ["FeatureSpace",
           "Progbar", "PyDataset", "Sequence", "array_to_img", "clear_session", "disable_interactive_logging",
           "enable_interactive_logging", "get_file", "get_source_inputs", "image_dataset_from_directory",
           "img_to_array", "is_interactive_logging_enabled", "is_keras_tensor", "load_img", "model_to_text",
           "normalize", "pack_x_y_sample_weight", "pad_sequences", "plot_model", "save_img", "set_random_seed",
           "split_dataset", "standardize_dtype", "text_dataset_from_directory", "timeseries_dataset_from_array",
           "to_categorical", "unpack_x_y_sample_weight", "Config", "CustomObjectScope", "custom_object_scope",
           "deserialize_keras_object", "get_custom_objects", "get_registered_name", "get_registered_object",
           "register_keras_serializable", "serialize_keras_object"]


def __getattr__(name):
    if name in _LAZY:
        value = getattr(importlib.import_module(_LAZY[name]), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module 'kerafront.utils' has no attribute {name!r}")


def __dir__():
    return sorted(set(globals()) | set(_LAZY))
