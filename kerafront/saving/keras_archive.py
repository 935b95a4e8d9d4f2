"""Keras 3 ``.keras`` archives: a zip of ``config.json``, ``metadata.json`` and ``model.weights.h5``.

``config.json`` is the model in Keras's serialization format (``keras_config``), with
``compile_config`` when the model was compiled; ``model.weights.h5`` holds the variables in Keras's
object-tree layout (``keras_weights``), the optimizer's under ``optimizer/vars``; ``metadata.json``
says which Keras format version was written (``KERAS_FORMAT_VERSION``) and by which kerafront.
Keras may add ``assets/...`` members (vocabularies); they are checked by name and not read.

Reading is as careful as kerafront's own format (``archive``): regular files only, never extracted
by member name; refused before inflating or allocating: member names with ``..``, absolute paths or
drive letters, unexpected or repeated members, JSON members over ``archive.MAX_JSON_BYTES`` or with a
compression ratio over ``kerafront._zip.MAX_RATIO`` (zip bombs), a weights member declared larger than
``MAX_WEIGHTS_BYTES``, reaching past the end of the file, or inflating to more than it declared. The
weights member is copied, within its declared size, to a private temporary file for HDF5 to read
with ``kerafront.saving.hdf5``'s checks, and removed afterwards. Writing is atomic
(``archive.atomic_write``).
"""

import contextlib
import datetime
import json
import os
import tempfile
import zipfile

import kerafront
from kerafront import _zip
from kerafront.saving import archive, keras_compile, keras_config, keras_weights

__all__ = ["KerasArchive", "load_model", "save_model", "is_keras_archive", "KERAS_FORMAT_VERSION"]

KERAS_FORMAT_VERSION = "3.15.1"  # the Keras release whose .keras layout this writes and was tested against
REQUIRED = ("config.json", "metadata.json", "model.weights.h5")
MAX_WEIGHTS_BYTES = 16 * 1024 ** 3


def is_keras_archive(path):
    """Whether ``path`` names a Keras archive (by its ``.keras`` extension)."""
    return os.fspath(path).lower().endswith(".keras")


# ------------------------------------------------------------------------------------------------
# Writing

def save_model(model, filepath, include_optimizer=True):
    """Write ``model`` as a ``.keras`` archive that Keras 3's ``keras.models.load_model`` reads."""
    if not model.built:
        raise ValueError(f"save: the model {model.name!r} is not built, so it has no weights yet; call it on data "
                         "or build it first.")
    config = keras_config.keras_config_from_model(model)
    metadata = {"keras_version": KERAS_FORMAT_VERSION, "kerafront_version": kerafront.__version__,
                "date_saved": datetime.datetime.now().strftime("%Y-%m-%d@%H:%M:%S")}
    hdf5 = keras_weights._hdf5()
    hdf5.require_h5py("save (.keras)")
    with tempfile.TemporaryDirectory(prefix="kerafront-keras-") as scratch:
        weights_path = os.path.join(scratch, "model.weights.h5")
        with hdf5.write_h5(weights_path, "save (.keras)") as h5_file:
            keras_weights.write_to_h5(model, h5_file, include_optimizer=include_optimizer)

        def write(f):
            with zipfile.ZipFile(f, "w") as zf:
                zf.writestr("metadata.json", json.dumps(metadata))
                zf.writestr("config.json", json.dumps(config))
                zf.write(weights_path, "model.weights.h5", compress_type=zipfile.ZIP_STORED)

        archive.atomic_write(filepath, write)


# ------------------------------------------------------------------------------------------------
# Reading

class KerasArchive(_zip.CheckedZip):
    """A validated, open ``.keras`` file (a context manager); ``what`` names the caller in errors."""

    description = "a Keras .keras file"
    required = REQUIRED

    def __init__(self, path, what="load_model"):
        super().__init__(path, what)

    def allows(self, name):
        parts = name.replace("\\", "/").split("/")
        return name in REQUIRED or (parts[0] == "assets" and len(parts) > 1)

    def limit(self, info):
        return MAX_WEIGHTS_BYTES if info.filename == "model.weights.h5" else archive.MAX_JSON_BYTES

    @contextlib.contextmanager
    def weights(self):
        """The ``model.weights.h5`` member as an open, checked ``h5py.File``."""
        hdf5 = keras_weights._hdf5()
        hdf5.require_h5py(self.what)
        with tempfile.TemporaryDirectory(prefix="kerafront-keras-") as scratch:
            copy = os.path.join(scratch, "model.weights.h5")
            self.copy_to("model.weights.h5", copy)
            with hdf5.open_h5_for_reading(copy, self.what) as h5_file:
                yield h5_file


def load_model(filepath, custom_objects=None, compile=True):
    """A kerafront model from a Keras 3 ``.keras`` file: architecture, weights, compile state and
    optimizer state (when the file has them). Never executes code from the file."""
    path = os.fspath(filepath)
    with KerasArchive(path, "load_model") as keras_file:
        config = keras_file.read_json("config.json")
        keras_file.read_json("metadata.json")
        try:
            model = keras_config.model_from_keras_config(config, custom_objects)
        except (KeyError, AttributeError, IndexError) as error:
            raise ValueError(f"load_model: {path}: the model config is malformed ({type(error).__name__}: "
                             f"{error}).") from None
        except RecursionError:
            raise ValueError(f"load_model: {path}: the model config nests too deeply to rebuild.") from None
        compile_config = config.get("compile_config")
        if compile and compile_config:
            model.compile(**keras_compile.compile_arguments_from_keras(compile_config, custom_objects,
                                                                      f"{path}: compile_config", model))
        with keras_file.weights() as h5_file:
            keras_weights.read_from_h5(model, h5_file, path, load_optimizer=bool(compile and compile_config))
    return model

