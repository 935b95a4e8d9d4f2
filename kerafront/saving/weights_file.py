"""Weights as a safetensors-layout byte string: read lazily, validated before anything is allocated.

Layout (the safetensors format, written and read here without a dependency): 8 bytes little-endian
header length ``N``, ``N`` bytes of JSON ``{"name": {"dtype": "F32", "shape": [...],
"data_offsets": [begin, end]}, "__metadata__": {...}}``, then the raw little-endian tensor bytes.
It is chosen because it cannot carry code (plain numbers and JSON, no Python objects), and because every
shape and byte range is declared up front, so a hostile file is refused before a byte of tensor
data is read or a large array is allocated.
"""

import json
import math
import struct

import numpy as np

from kerafront import _files

_CODES = {"BOOL": "bool", "U8": "uint8", "I8": "int8", "I16": "int16", "I32": "int32", "I64": "int64",
          "F16": "float16", "BF16": "bfloat16", "F32": "float32", "F64": "float64"}
_NAMES = {v: k for k, v in _CODES.items()}
MAX_HEADER_BYTES = 16 * 1024 * 1024
MAX_TENSOR_BYTES = 16 * 1024 ** 3


def _numpy_dtype(name):
    if name == "bfloat16":
        try:
            import ml_dtypes
        except ImportError:
            raise ValueError("This weights file holds bfloat16 tensors; reading them needs the ml_dtypes "
                             "package (pip install ml_dtypes).") from None
        return np.dtype(ml_dtypes.bfloat16)
    return np.dtype(name)


def encode(arrays, metadata=None):
    """Serialise ``{name: np.ndarray}`` (in the given order) into safetensors bytes."""
    header, chunks, offset = {}, [], 0
    for name, array in arrays.items():
        shape = list(np.shape(array))
        array = np.ascontiguousarray(array)  # (0-d arrays come back 1-d; the recorded shape stays ())
        dtype_name = "bfloat16" if array.dtype.name == "bfloat16" else array.dtype.name
        if dtype_name not in _NAMES:
            raise TypeError(f"save: weight {name!r} has dtype {array.dtype}, which cannot be saved; "
                            f"supported: {', '.join(_NAMES)}.")
        data = array.astype(array.dtype.newbyteorder("<"), copy=False).tobytes()
        header[name] = {"dtype": _NAMES[dtype_name], "shape": shape,
                        "data_offsets": [offset, offset + len(data)]}
        chunks.append(data)
        offset += len(data)
    if metadata:
        header["__metadata__"] = {str(k): str(v) for k, v in metadata.items()}
    header_bytes = json.dumps(header, separators=(",", ":")).encode("utf-8")
    header_bytes += b" " * (-len(header_bytes) % 8)
    return struct.pack("<Q", len(header_bytes)) + header_bytes + b"".join(chunks)


def decode_json(raw, where):
    """``raw`` (UTF-8 bytes) parsed as JSON; ``ValueError`` naming ``where`` when it is not, or when
    it nests deeper than ``kerafront._files.MAX_JSON_DEPTH``."""
    return _files.loads_json(raw, where)


def read_header(stream, total_size, where="weights"):
    """Parse and validate the header from a binary ``stream`` of ``total_size`` bytes.

    Returns ``(entries, data_start)`` where ``entries`` maps names to ``(dtype, shape, begin, end)``.
    Raises ``ValueError`` for every inconsistency, before reading tensor data.
    """
    prefix = stream.read(8)
    if len(prefix) != 8:
        raise ValueError(f"{where}: file is truncated (no header length).")
    (header_size,) = struct.unpack("<Q", prefix)
    if header_size > MAX_HEADER_BYTES or header_size > total_size - 8:
        raise ValueError(f"{where}: declared header size {header_size} bytes exceeds the file "
                         f"({total_size} bytes) or the {MAX_HEADER_BYTES}-byte limit.")
    raw = stream.read(header_size)
    if len(raw) != header_size:
        raise ValueError(f"{where}: file is truncated inside the header.")
    header = decode_json(raw, f"{where}: header")
    if not isinstance(header, dict):
        raise ValueError(f"{where}: header must be a JSON object.")
    data_start = 8 + header_size
    data_size = total_size - data_start
    entries, spans = {}, []
    for name, info in header.items():
        if name == "__metadata__":
            continue
        if not isinstance(info, dict) or set(info) != {"dtype", "shape", "data_offsets"}:
            raise ValueError(f"{where}: entry {name!r} must have exactly dtype, shape and data_offsets.")
        code, shape, offsets = info["dtype"], info["shape"], info["data_offsets"]
        if code not in _CODES:
            raise ValueError(f"{where}: weight {name!r} has dtype {code!r}, which is not a number type "
                             f"({', '.join(_CODES)}).")
        if (not isinstance(shape, list) or len(shape) > 8
                or not all(isinstance(d, int) and not isinstance(d, bool) and 0 <= d < 2**40 for d in shape)):
            raise ValueError(f"{where}: weight {name!r} has an invalid shape {shape!r}.")
        if (not isinstance(offsets, list) or len(offsets) != 2
                or not all(isinstance(o, int) and not isinstance(o, bool) for o in offsets)):
            raise ValueError(f"{where}: weight {name!r} has invalid data_offsets {offsets!r}.")
        begin, end = offsets
        itemsize = 2 if code == "BF16" else np.dtype(_CODES[code]).itemsize
        nbytes = math.prod(shape) * itemsize
        if nbytes > MAX_TENSOR_BYTES:
            raise ValueError(f"{where}: weight {name!r} declares {nbytes} bytes (shape {shape}), over the "
                             f"{MAX_TENSOR_BYTES}-byte limit.")
        if not 0 <= begin <= end <= data_size or end - begin != nbytes:
            raise ValueError(f"{where}: weight {name!r} declares shape {shape} ({nbytes} bytes) but its data "
                             f"range [{begin}, {end}) does not match it or lies outside the {data_size} data bytes.")
        entries[name] = (_CODES[code], tuple(shape), begin, end)
        spans.append((begin, end, name))
    spans.sort()
    for (b1, e1, n1), (b2, _, n2) in zip(spans, spans[1:]):
        if b2 < e1:
            raise ValueError(f"{where}: weights {n1!r} and {n2!r} overlap.")
    return entries, data_start


def read_tensor(stream, entry, data_start, name, where="weights"):
    """Read one validated entry from a seekable stream into a NumPy array."""
    dtype_name, shape, begin, end = entry
    stream.seek(data_start + begin)
    data = stream.read(end - begin)
    if len(data) != end - begin:
        raise ValueError(f"{where}: file is truncated inside weight {name!r}.")
    dtype = _numpy_dtype(dtype_name).newbyteorder("<")
    return np.frombuffer(data, dtype=dtype).reshape(shape).astype(dtype.newbyteorder("="), copy=True)
