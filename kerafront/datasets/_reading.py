"""Reading the Keras data set files safely: ``.npz`` archives, CIFAR's pickled batches, idx files.

The files are downloaded, so they are hostile until checked. Keras's IMDB and Reuters archives store
ragged sequences as NumPy object arrays, which only pickle can carry, and CIFAR's batches are pickled
dicts. Pickle runs whatever the file names, so here it runs only under ``_ArrayUnpickler``, which
resolves exactly the globals NumPy needs to rebuild an array (``ndarray``, ``dtype`` and
``multiarray._reconstruct``) and refuses every other one before it is looked up. Numeric members are
read with pickle off. Archives are opened by ``kerafront._zip.CheckedZip``: every member's declared
size is checked against ``MAX_MEMBER_BYTES`` before it is inflated, and inflation stops at it.
"""

import io
import pickle

import numpy as np

from kerafront import _files, _zip

MAX_MEMBER_BYTES = 2 * 2**30
_ARRAY_GLOBALS = frozenset({
    ("numpy", "ndarray"), ("numpy", "dtype"),
    ("numpy.core.multiarray", "_reconstruct"), ("numpy._core.multiarray", "_reconstruct"),
})


class _ArrayUnpickler(pickle.Unpickler):
    """Resolves only the globals that rebuild NumPy arrays; anything else is refused by name."""

    def __init__(self, file, where, **kwargs):
        super().__init__(file, **kwargs)
        self._where = where

    def find_class(self, module, name):
        if (module, name) in _ARRAY_GLOBALS:
            return super().find_class(module, name)
        raise ValueError(f"{self._where}: refusing to load {module}.{name} from the file; a data set file holds "
                         "only arrays, lists and numbers. The file is corrupted or has been tampered with.")


def unpickle_arrays(stream, where, encoding="ASCII"):
    """The object pickled in ``stream``, rebuilt with NumPy's array globals only."""
    try:
        return _ArrayUnpickler(stream, where, encoding=encoding).load()
    except (pickle.UnpicklingError, EOFError, TypeError, AttributeError) as error:
        raise ValueError(f"{where}: the file is not a readable data set pickle ({error}).") from None


def _read_npy(raw, where):
    stream = io.BytesIO(raw)
    try:
        return np.lib.format.read_array(stream, allow_pickle=False)
    except ValueError as error:
        if "allow_pickle" not in str(error):
            raise ValueError(f"{where}: {error}") from None
    stream.seek(0)
    major, _ = np.lib.format.read_magic(stream)
    if major == 1:
        np.lib.format.read_array_header_1_0(stream)
    elif major in (2, 3):   # 3.0 differs from 2.0 only in the header's text encoding
        np.lib.format.read_array_header_2_0(stream)
    else:
        raise ValueError(f"{where}: unsupported .npy format version {major}.")
    array = unpickle_arrays(stream, where)
    if not isinstance(array, np.ndarray):
        raise ValueError(f"{where}: expected an array, the file holds a {type(array).__name__}.")
    return array


class _Npz(_zip.CheckedZip):
    description = "an .npz archive"
    max_member_bytes = MAX_MEMBER_BYTES


def load_npz(path, what):
    """Every ``.npy`` member of the ``.npz`` file at ``path`` as ``{name: array}``."""
    with _Npz(path, what) as archive:
        return {name[:-len(".npy")]: _read_npy(archive.read(name), f"{what} ({name})")
                for name in archive.members if name.endswith(".npy")}


def take(arrays, names, what):
    """``arrays[name]`` for each name, with an error naming what is missing."""
    missing = [name for name in names if name not in arrays]
    if missing:
        raise ValueError(f"{what}: the file lacks the arrays {missing}; it has {sorted(arrays)}.")
    return [arrays[name] for name in names]


def load_pickled_batch(path, label_key, what):
    """A CIFAR batch file: ``(data as (n, 3, 32, 32) uint8, labels as a list)``."""
    with _files.open_regular(path, what) as handle:
        batch = unpickle_arrays(handle, what, encoding="bytes")
    if not isinstance(batch, dict):
        raise ValueError(f"{what}: {path} holds a {type(batch).__name__}, expected a dict.")
    batch = {key.decode("utf8") if isinstance(key, bytes) else key: value for key, value in batch.items()}
    data, labels = take(batch, ["data", label_key], what)
    data = np.asarray(data)
    if data.dtype != np.uint8 or data.ndim != 2 or data.shape[1] != 3 * 32 * 32 or len(labels) != len(data):
        raise ValueError(f"{what}: {path} holds data of shape {data.shape} ({data.dtype}) and {len(labels)} "
                         "labels; expected (n, 3072) uint8 with n labels.")
    return data.reshape(len(data), 3, 32, 32), labels


def read_idx(path, magic, what):
    """A gzip'd idx file (MNIST's format): the uint8 payload after its header, checked against the magic."""
    import gzip
    with _files.open_regular(path, what) as handle, gzip.open(handle) as stream:
        header_size = 8 if magic == 2049 else 16
        header = stream.read(header_size)
        payload = stream.read()
    if len(header) != header_size or int.from_bytes(header[:4], "big") != magic:
        raise ValueError(f"{what}: {path} is not an idx file with magic number {magic}.")
    dims = [int.from_bytes(header[i:i + 4], "big") for i in range(4, header_size, 4)]
    if len(payload) != int(np.prod(dims)):
        raise ValueError(f"{what}: {path} declares shape {tuple(dims)} but holds {len(payload)} bytes.")
    return np.frombuffer(payload, np.uint8).reshape(dims)


def split(x, y, test_split, seed):
    """Keras's shuffled train/test split of the housing data sets."""
    order = np.arange(len(x))
    np.random.RandomState(seed).shuffle(order)
    x, y = x[order], y[order]
    cut = int(len(x) * (1 - test_split))
    return (np.array(x[:cut]), np.array(y[:cut])), (np.array(x[cut:]), np.array(y[cut:]))
