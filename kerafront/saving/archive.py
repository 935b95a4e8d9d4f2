"""The ``.kerafront`` file: a zip of JSON config, JSON metadata and safetensors weights.

Members (and nothing else):

* ``metadata.json`` — kerafront version, format version, the backend it was saved from, the date;
* ``config.json`` — the serialized model (and ``compile_config`` when the model was compiled);
* ``model.weights.safetensors`` — every model variable by its place in the model (stored, not compressed);
* ``optimizer.weights.safetensors`` — optional, the optimizer's variables.

Reading opens regular files only (``kerafront._files.open_regular``: never a FIFO, a device or a
directory, and never blocking), never extracts to disk, never unpickles, and refuses before
inflating or allocating: member names other than those above (so no ``..`` or absolute paths),
compressed weights or weights reaching past the end of the file, JSON members over
``MAX_JSON_BYTES``, with a compression ratio over ``kerafront._zip.MAX_RATIO`` (zip bombs) or nested deeper than
``kerafront._files.MAX_JSON_DEPTH``, and weight headers whose declared sizes disagree with the data.

Writing goes to a temporary file ``.<name>.kerafront-tmp-<pid>-<random>`` in the target's folder,
renamed into place, so an interrupted save leaves an earlier file intact. The writer holds an
exclusive ``flock`` on it while writing; a later save or load of the same target removes the
temporaries that a killed process left (see ``remove_stale_temporaries``), and an exception never
leaves one behind.
"""

import contextlib
import io
import json
import os
import tempfile
import time
import zipfile

from kerafront import _files, _zip
from kerafront.saving import weights_file

try:
    import fcntl
except ImportError:  # Windows: no flock; stale temporaries are then recognised by their pid only
    fcntl = None

FORMAT_VERSION = "1"
JSON_MEMBERS = ("metadata.json", "config.json")
WEIGHT_MEMBERS = ("model.weights.safetensors", "optimizer.weights.safetensors")
REQUIRED = ("metadata.json", "config.json", "model.weights.safetensors")
MAX_JSON_BYTES = 64 * 1024 * 1024
TEMPORARY_MARK = ".kerafront-tmp-"
UNLOCKED_STALE_SECONDS = 60  # an unlocked temporary this old belongs to no running save (pid reused)
_in_progress = set()  # this process's temporaries being written now


def _temporary_prefix(path):
    return f".{os.path.basename(path)}{TEMPORARY_MARK}"


def atomic_write(path, write):
    """Call ``write(binary_file)`` on a temporary file beside ``path``, then rename it over ``path``."""
    path = os.fspath(path)
    directory = os.path.dirname(os.path.abspath(path))
    remove_stale_temporaries(path)
    handle, temporary = tempfile.mkstemp(prefix=f"{_temporary_prefix(path)}{os.getpid()}-", dir=directory)
    _in_progress.add(temporary)
    try:
        with os.fdopen(handle, "wb") as f:
            if fcntl is not None:
                fcntl.flock(f.fileno(), fcntl.LOCK_EX)
            write(f)
            f.flush()
            os.fsync(f.fileno())
            os.replace(temporary, path)  # before closing: the lock covers the rename
    except BaseException:
        with contextlib.suppress(OSError):
            os.remove(temporary)
        raise
    finally:
        _in_progress.discard(temporary)


def remove_stale_temporaries(path):
    """Remove the temporaries of earlier saves of ``path`` that no running save is writing.

    A temporary is stale when the process named in it is gone, when it is this process's but no save
    here is writing it, or when nobody holds its lock and it has not changed for
    ``UNLOCKED_STALE_SECONDS`` (its pid was reused). Errors (a read-only folder) are ignored.
    """
    path = os.fspath(path)
    prefix = _temporary_prefix(path)
    try:
        with os.scandir(os.path.dirname(os.path.abspath(path))) as entries:
            candidates = [e for e in entries if e.name.startswith(prefix) and e.is_file(follow_symlinks=False)]
    except OSError:
        return
    for entry in candidates:
        if entry.path in _in_progress:
            continue
        pid = entry.name[len(prefix):].split("-", 1)[0]
        with contextlib.suppress(OSError):
            if _is_stale(entry.path, int(pid) if pid.isdigit() else None):
                os.remove(entry.path)


def _is_stale(temporary, pid):
    if pid == os.getpid() or (pid is not None and not _process_exists(pid)):
        return True
    if fcntl is None:
        return False
    descriptor = os.open(temporary, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0))
    try:
        fcntl.flock(descriptor, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        return False  # a running save holds it
    finally:
        os.close(descriptor)
    return time.time() - os.stat(temporary).st_mtime > UNLOCKED_STALE_SECONDS


def _process_exists(pid):
    if os.name != "posix":
        return True  # os.kill(pid, 0) is not a probe on Windows
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def write_archive(path, metadata, config, model_weights, optimizer_weights=None):
    """Write the archive atomically. ``*_weights`` map variable keys to NumPy arrays."""
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


class Archive(_zip.CheckedZip):
    """A validated, open archive. Use as a context manager; members are read lazily.

    ``what`` names the caller in errors (``"load_model"``)."""

    description = "a kerafront model file"
    required = REQUIRED

    def __init__(self, path, what="load_model"):
        super().__init__(path, what)

    def allows(self, name):
        return name in JSON_MEMBERS + WEIGHT_MEMBERS

    def limit(self, info):
        return info.file_size if info.filename in WEIGHT_MEMBERS else MAX_JSON_BYTES

    def check(self, info):
        if info.filename in WEIGHT_MEMBERS and (info.compress_type != zipfile.ZIP_STORED
                                                or info.file_size != info.compress_size):
            raise self.error(f"member {info.filename!r} must be stored uncompressed (declared {info.file_size} "
                             f"bytes from {info.compress_size}).")

    def has(self, name):
        return name in self.members

    def weight_entries(self, name):
        """``{key: (dtype, shape, begin, end)}`` of a weights member, its header validated against the
        member's size; no tensor data is read."""
        return self._read_weights(name, read_data=False)

    def read_weights(self, name):
        """``{key: np.ndarray}`` after validating the whole header against the member's size."""
        return self._read_weights(name, read_data=True)

    def _read_weights(self, name, read_data):
        info = self.members[name]
        where = f"{self.path}:{name}"
        try:
            with self.open(name) as stream:
                buffered = io.BufferedReader(stream) if not stream.seekable() else stream
                entries, data_start = weights_file.read_header(buffered, info.file_size, where)
                if not read_data:
                    return entries
                return {key: weights_file.read_tensor(buffered, entry, data_start, key, where)
                        for key, entry in entries.items()}
        except _zip.READ_ERRORS as error:
            raise ValueError(f"{where}: cannot read the weights ({type(error).__name__}: {error}).") from None


def read_weights_file(path, read_data=True, what="load_weights"):
    """Read a standalone ``.weights.safetensors`` file written by ``save_weights``: ``{key: array}``,
    or with ``read_data=False`` only the validated header entries."""
    path = os.fspath(path)
    with _files.open_regular(path, what) as f:
        size = os.fstat(f.fileno()).st_size
        entries, data_start = weights_file.read_header(f, size, path)
        if not read_data:
            return entries
        return {key: weights_file.read_tensor(f, entry, data_start, key, path) for key, entry in entries.items()}


def is_archive(path, what="load_weights"):
    """Whether the regular file ``path`` is a zip (a ``save_model`` file) rather than bare weights."""
    with _files.open_regular(path, what) as f:
        return zipfile.is_zipfile(f)
