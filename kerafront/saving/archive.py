"""The ``.kerafront`` file: a zip of JSON config, JSON metadata and safetensors weights.

Members (and nothing else):

* ``metadata.json`` — kerafront version, format version, the backend it was saved from, the date;
* ``config.json`` — the serialized model (and ``compile_config`` when the model was compiled);
* ``model.weights.safetensors`` — every model variable by path (stored, not compressed);
* ``optimizer.weights.safetensors`` — optional, the optimizer's variables by path.

Reading never extracts to disk, never unpickles, and refuses before inflating or allocating: member
names other than those above (so no ``..`` or absolute paths), compressed weights, JSON members
over ``MAX_JSON_BYTES`` or with a compression ratio over ``MAX_RATIO`` (zip bombs), and weight
headers whose declared sizes disagree with the data. Writing goes to a temporary file in the same
folder that is renamed into place, so an interrupted save leaves an earlier file intact.
"""

import contextlib
import io
import json
import os
import tempfile
import zipfile
import zlib

from kerafront.saving import weights_file

FORMAT_VERSION = "1"
JSON_MEMBERS = ("metadata.json", "config.json")
WEIGHT_MEMBERS = ("model.weights.safetensors", "optimizer.weights.safetensors")
REQUIRED = ("metadata.json", "config.json", "model.weights.safetensors")
MAX_JSON_BYTES = 64 * 1024 * 1024
MAX_RATIO = 200
_READ_ERRORS = (zipfile.BadZipFile, zlib.error, EOFError, NotImplementedError, RuntimeError, OSError,
                UnicodeDecodeError, KeyError, OverflowError)


def atomic_write(path, write):
    """Call ``write(binary_file)`` on a temporary file beside ``path``, then rename it over ``path``."""
    path = os.fspath(path)
    directory = os.path.dirname(os.path.abspath(path))
    handle, temporary = tempfile.mkstemp(prefix=".tmp-", suffix=os.path.basename(path), dir=directory)
    try:
        with os.fdopen(handle, "wb") as f:
            write(f)
            f.flush()
            os.fsync(f.fileno())
        os.replace(temporary, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.remove(temporary)
        raise


def write_archive(path, metadata, config, model_weights, optimizer_weights=None):
    """Write the archive atomically. ``*_weights`` map variable paths to NumPy arrays."""
    def write(f):
        with zipfile.ZipFile(f, "w") as archive:
            archive.writestr("metadata.json", json.dumps(metadata, indent=1), compress_type=zipfile.ZIP_DEFLATED)
            archive.writestr("config.json", json.dumps(config, indent=1), compress_type=zipfile.ZIP_DEFLATED)
            archive.writestr("model.weights.safetensors", weights_file.encode(model_weights),
                             compress_type=zipfile.ZIP_STORED)
            if optimizer_weights is not None:
                archive.writestr("optimizer.weights.safetensors", weights_file.encode(optimizer_weights),
                                 compress_type=zipfile.ZIP_STORED)
    atomic_write(path, write)


class Archive:
    """A validated, open archive. Use as a context manager; members are read lazily."""

    def __init__(self, path):
        self.path = os.fspath(path)
        try:
            self._zip = zipfile.ZipFile(self.path, "r")
        except FileNotFoundError:
            raise
        except (_READ_ERRORS + (ValueError,)) as error:
            raise ValueError(f"{self.path} is not a kerafront model file (not a readable zip: {error}).") from None
        try:
            self._validate_members()
        except BaseException:
            self._zip.close()
            raise

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self._zip.close()
        return False

    def _validate_members(self):
        infos = {}
        for info in self._zip.infolist():
            name = info.filename
            if name.startswith(("/", "\\")) or ".." in name.replace("\\", "/").split("/") or ":" in name:
                raise ValueError(f"{self.path}: refusing member name {name!r} (absolute path or '..').")
            if name not in JSON_MEMBERS + WEIGHT_MEMBERS:
                raise ValueError(f"{self.path}: unexpected member {name!r}; a kerafront file holds only "
                                 f"{', '.join(JSON_MEMBERS + WEIGHT_MEMBERS)}.")
            if name in infos:
                raise ValueError(f"{self.path}: member {name!r} appears twice.")
            infos[name] = info
        missing = [name for name in REQUIRED if name not in infos]
        if missing:
            raise ValueError(f"{self.path}: missing members {missing}; the file is incomplete or not a kerafront "
                             "model file.")
        for name, info in infos.items():
            if name in WEIGHT_MEMBERS:
                if info.compress_type != zipfile.ZIP_STORED or info.file_size != info.compress_size:
                    raise ValueError(f"{self.path}: member {name!r} must be stored uncompressed "
                                     f"(declared {info.file_size} bytes from {info.compress_size}).")
            elif info.file_size > MAX_JSON_BYTES or info.file_size > MAX_RATIO * max(info.compress_size, 1):
                raise ValueError(f"{self.path}: member {name!r} declares {info.file_size} bytes from "
                                 f"{info.compress_size} compressed (limit {MAX_JSON_BYTES} bytes, ratio {MAX_RATIO}); "
                                 "refusing a possible zip bomb.")
        self.members = infos

    def read_json(self, name):
        try:
            with self._zip.open(self.members[name]) as f:
                raw = f.read(MAX_JSON_BYTES + 1)
        except _READ_ERRORS as error:
            raise ValueError(f"{self.path}: cannot read {name} ({type(error).__name__}: {error}).") from None
        if len(raw) > MAX_JSON_BYTES:
            raise ValueError(f"{self.path}: {name} is larger than declared.")
        value = weights_file.decode_json(raw, f"{self.path}: {name}")
        if not isinstance(value, dict):
            raise ValueError(f"{self.path}: {name} must hold a JSON object.")
        return value

    def has(self, name):
        return name in self.members

    def read_weights(self, name):
        """``{path: np.ndarray}`` after validating the whole header against the member's size."""
        info = self.members[name]
        where = f"{self.path}:{name}"
        try:
            with self._zip.open(info) as stream:
                buffered = io.BufferedReader(stream) if not stream.seekable() else stream
                entries, data_start = weights_file.read_header(buffered, info.file_size, where)
                return {key: weights_file.read_tensor(buffered, entry, data_start, key, where)
                        for key, entry in entries.items()}
        except _READ_ERRORS as error:
            raise ValueError(f"{where}: cannot read the weights ({type(error).__name__}: {error}).") from None


def read_weights_file(path):
    """Read a standalone ``.weights.safetensors`` file written by ``save_weights``."""
    path = os.fspath(path)
    size = os.path.getsize(path)
    with open(path, "rb") as f:
        entries, data_start = weights_file.read_header(f, size, path)
        return {key: weights_file.read_tensor(f, entry, data_start, key, path) for key, entry in entries.items()}
