"""HDF5 files from outside kerafront, read safely; HDF5 files written atomically. Needs ``kerafront[h5]``.

h5py is imported only inside these functions, so ``import kerafront`` never needs it.

``open_h5_for_reading(path)`` yields an ``h5py.File`` only after these checks, each a ``ValueError``
(or ``OSError`` for a file HDF5 cannot parse) naming the file and the problem:

* the path is a regular file (``kerafront._files.open_regular``: never a FIFO, a device or a directory,
  never blocking) of at most ``MAX_FILE_BYTES``, starting with the HDF5 signature; h5py reads through
  that already-open descriptor, so the path cannot be swapped between the check and the read;
* the whole tree is walked (at most ``MAX_OBJECTS`` objects, hard-link cycles visited once) and any link
  that is not a hard link inside the file -- an external link, a soft link, a user-defined link -- is
  refused: those read other files or point outside the tree (Keras never writes them);
* every dataset is checked: no virtual datasets (they read other files), no external storage
  (``dataset.external``), only the compression filters HDF5 has built in (an unknown filter would make
  HDF5 load a plugin library).

``read_dataset(dataset, expected_shape, what)`` checks the dtype is a number type (no object, reference,
variable-length, string or compound data), the declared shape against ``expected_shape`` and the byte
size against ``MAX_DATASET_BYTES`` before anything is allocated. ``read_attribute`` does the same for
attributes (numbers and strings only, at most ``MAX_ATTRIBUTE_BYTES``).

``write_h5(path)`` yields an ``h5py.File`` open on a temporary file beside ``path`` (named like the
temporaries of ``kerafront.saving.archive``, so stale ones are cleaned the same way) and renames it over
``path`` when the block ends without an exception.
"""

import contextlib
import math
import os
import tempfile

import numpy as np

from kerafront import _files
from kerafront.saving import archive

MAX_FILE_BYTES = 64 * 1024 ** 3
MAX_DATASET_BYTES = 16 * 1024 ** 3
MAX_ATTRIBUTE_BYTES = 64 * 1024 * 1024
MAX_OBJECTS = 200_000
MAX_RANK = 32
SIGNATURE = b"\x89HDF\r\n\x1a\n"
# HDF5's built-in filters: deflate, shuffle, fletcher32, szip, nbit, scaleoffset; and h5py's own lzf.
BUILTIN_FILTERS = {1: "deflate", 2: "shuffle", 3: "fletcher32", 4: "szip", 5: "nbit", 6: "scaleoffset",
                   32000: "lzf"}
_NUMBER_KINDS = "biuf"
_open_paths = {}  # h5py file number -> the path shown in messages, while open_h5_for_reading holds it


def require_h5py(what):
    """The ``h5py`` module; ``ImportError`` naming the ``h5`` extra when it is not installed."""
    try:
        import h5py
    except ImportError:
        raise ImportError(f"{what} needs h5py to read or write HDF5 (.h5) files, and it is not installed. "
                          'Install it with: pip install "kerafront[h5]"') from None
    return h5py


def _name(path):
    return os.fspath(path) if not hasattr(path, "read") else getattr(path, "name", "<file object>")


@contextlib.contextmanager
def open_h5_for_reading(path, what="load_model"):
    """An ``h5py.File`` opened read-only on ``path`` after the checks in the module docstring."""
    h5py = require_h5py(what)
    shown = _name(path)
    with _files.open_regular(path, what) as stream:
        size = os.fstat(stream.fileno()).st_size
        if size > MAX_FILE_BYTES:
            raise ValueError(f"{what}: {shown} is {size} bytes, over the {MAX_FILE_BYTES}-byte limit for HDF5 "
                             "files.")
        if stream.read(len(SIGNATURE)) != SIGNATURE:
            raise ValueError(f"{what}: {shown} is not an HDF5 file (it does not start with the HDF5 signature); "
                             "expected a Keras .h5 file.")
        stream.seek(0)
        try:
            h5_file = h5py.File(stream, "r")
        except (OSError, ValueError, RuntimeError) as error:
            raise OSError(f"{what}: {shown} cannot be read as HDF5; it is truncated or damaged ({error}).") from None
        with h5_file:
            _open_paths[h5_file.id.fileno] = shown
            try:
                _check_tree(h5py, h5_file, f"{what}: {shown}")
                yield h5_file
            finally:
                _open_paths.pop(h5_file.id.fileno, None)


def _check_tree(h5py, root, where):
    """Walk every object under ``root``; ``ValueError`` for the first link or dataset refused."""
    seen, pending, count = {hash(root.id)}, [("", root)], 0
    while pending:
        prefix, group = pending.pop()
        for raw_name in _link_names(group, where):
            name = f"{prefix}/{raw_name.decode('utf-8', 'replace')}"
            count += 1
            if count > MAX_OBJECTS:
                raise ValueError(f"{where} holds more than {MAX_OBJECTS} objects; refusing it (a Keras file "
                                 "holds far fewer).")
            link_type = group.id.links.get_info(raw_name).type
            if link_type != h5py.h5l.TYPE_HARD:
                kind = {h5py.h5l.TYPE_SOFT: "a soft link", h5py.h5l.TYPE_EXTERNAL: "an external link"}.get(
                    link_type, "a user-defined link")
                raise ValueError(f"{where}: {name} is {kind}; links can read other files or leave the file's "
                                 "tree, so kerafront refuses them (Keras never writes them).")
            item = group[raw_name]
            if hash(item.id) in seen:
                continue
            seen.add(hash(item.id))
            if isinstance(item, h5py.Group):
                pending.append((name, item))
            elif isinstance(item, h5py.Dataset):
                _check_dataset_storage(item, f"{where}: dataset {name}")


def _link_names(group, where):
    names = []
    group.id.links.iterate(lambda name: names.append(name) if len(names) <= MAX_OBJECTS else True)
    if len(names) > MAX_OBJECTS:
        raise ValueError(f"{where} holds more than {MAX_OBJECTS} objects; refusing it.")
    return names


def _check_dataset_storage(dataset, where):
    if dataset.is_virtual:
        raise ValueError(f"{where} is a virtual dataset; it reads other files, so kerafront refuses it.")
    if dataset.external:
        raise ValueError(f"{where} keeps its data in external files {dataset.external!r}; kerafront refuses "
                         "datasets stored outside the file.")
    plist = dataset.id.get_create_plist()
    for index in range(plist.get_nfilters()):
        code = plist.get_filter(index)[0]
        if code not in BUILTIN_FILTERS:
            raise ValueError(f"{where} uses HDF5 filter {code}, which is not built into HDF5 (allowed: "
                             f"{', '.join(sorted(BUILTIN_FILTERS.values()))}); kerafront does not load filter "
                             "plugins.")


def _check_number_dtype(dtype, where):
    if dtype.kind not in _NUMBER_KINDS or dtype.fields is not None or dtype.metadata:
        raise ValueError(f"{where} holds {dtype} data, not numbers; expected a float, integer or bool array.")


def _check_shape(shape, itemsize, limit, where):
    if shape is None:
        raise ValueError(f"{where} has no data (an empty HDF5 dataspace); expected an array.")
    if len(shape) > MAX_RANK:
        raise ValueError(f"{where} declares {len(shape)} dimensions, over the limit of {MAX_RANK}.")
    nbytes = math.prod(shape) * itemsize
    if nbytes > limit:
        raise ValueError(f"{where} declares shape {tuple(shape)} ({nbytes} bytes), over the {limit}-byte limit.")


def _file_name(node):
    return _open_paths.get(node.id.fileno) or node.file.filename


def read_dataset(dataset, expected_shape=None, what=""):
    """``dataset`` as a NumPy array, after checking its dtype, shape and size; nothing is read before.

    ``expected_shape`` (a tuple, ``None`` entries match any size) must equal the declared shape, else a
    ``ValueError`` naming ``what`` (or the dataset's path), both shapes and the file.
    """
    where = what or f"{_file_name(dataset)}: dataset {dataset.name}"
    _check_number_dtype(dataset.dtype, where)
    shape = dataset.shape
    if expected_shape is not None and shape is not None:
        expected = tuple(expected_shape)
        if len(expected) != len(shape) or any(e is not None and e != s for e, s in zip(expected, shape)):
            raise ValueError(f"{where} has shape {tuple(shape)} but the model expects {expected}.")
    _check_shape(shape, dataset.dtype.itemsize, MAX_DATASET_BYTES, where)
    _check_dataset_storage(dataset, where)
    try:
        value = dataset[()]
    except (OSError, ValueError, RuntimeError) as error:
        raise OSError(f"{where} cannot be read; the file is truncated or damaged ({error}).") from None
    return np.asarray(value, dtype=dataset.dtype.newbyteorder("="))


def read_attribute(node, name, what=""):
    """Attribute ``name`` of a group or dataset: a string, a list of strings, or a NumPy array of numbers.

    Byte strings are decoded as UTF-8. ``KeyError`` when absent; ``ValueError`` for other types (object
    references, compound data) or more than ``MAX_ATTRIBUTE_BYTES``.
    """
    h5py = require_h5py(what or "read_attribute")
    where = what or f"{_file_name(node)}: attribute {name!r} of {node.name}"
    if name not in node.attrs:
        raise KeyError(name)
    attribute = node.attrs.get_id(name)
    dtype, shape = attribute.dtype, attribute.shape
    is_string = h5py.check_string_dtype(dtype) is not None or dtype.kind == "S"
    if not is_string:
        _check_number_dtype(dtype, where)
    _check_shape(shape, dtype.itemsize, MAX_ATTRIBUTE_BYTES, where)
    if is_string and math.prod(shape or ()) * 8 > MAX_ATTRIBUTE_BYTES:
        raise ValueError(f"{where} declares {math.prod(shape)} strings, over the limit.")
    value = node.attrs[name]
    if not is_string:
        return np.asarray(value)
    if isinstance(value, np.ndarray):
        return [_text(item, where) for item in value.ravel().tolist()]
    return _text(value, where)


def _text(value, where):
    if isinstance(value, (bytes, np.bytes_)):
        try:
            return bytes(value).decode("utf-8")
        except UnicodeDecodeError:
            raise ValueError(f"{where} is not UTF-8 text.") from None
    return str(value)


@contextlib.contextmanager
def write_h5(path, what="save"):
    """An ``h5py.File`` writing a temporary beside ``path``, renamed over ``path`` when the block succeeds."""
    h5py = require_h5py(what)
    path = os.fspath(path)
    directory = os.path.dirname(os.path.abspath(path))
    archive.remove_stale_temporaries(path)
    prefix = f".{os.path.basename(path)}{archive.TEMPORARY_MARK}{os.getpid()}-"
    handle, temporary = tempfile.mkstemp(prefix=prefix, dir=directory)
    archive._in_progress.add(temporary)  # shared with archive.py: a concurrent save there must not remove it
    try:
        with os.fdopen(handle, "w+b") as stream:
            if archive.fcntl is not None:
                archive.fcntl.flock(stream.fileno(), archive.fcntl.LOCK_EX)
            with h5py.File(stream, "w") as h5_file:
                yield h5_file
            stream.flush()
            os.fsync(stream.fileno())
            os.replace(temporary, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.remove(temporary)
        raise
    finally:
        archive._in_progress.discard(temporary)
