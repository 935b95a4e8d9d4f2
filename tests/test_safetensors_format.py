"""kerafront's weights codec (kerafront.saving.weights_file) is the real safetensors format.

Bytes written by the ``safetensors`` library read back with ours, and bytes written by ours read back
with the library (and its ``safe_open``, which also reads the ``__metadata__`` entry), for every
dtype both sides support and for 0-d, size-1 and empty shapes.
"""

import io

import numpy as np
import pytest

from kerafront.saving import weights_file

safetensors_numpy = pytest.importorskip("safetensors.numpy")

DTYPES = ["float16", "float32", "float64", "int8", "int16", "int32", "int64", "uint8", "bool"]
SHAPES = [(), (1,), (0,), (2, 0, 3), (3, 4), (2, 1, 3, 2)]


def _arrays(dtype):
    rng = np.random.default_rng(0)
    out = {}
    for index, shape in enumerate(SHAPES):
        values = np.asarray(rng.normal(size=shape) * 50)
        out[f"layers/w{index}"] = np.asarray(values > 0 if dtype == "bool" else values.astype(dtype))
    return out


def _read_ours(raw):
    stream = io.BytesIO(raw)
    entries, data_start = weights_file.read_header(stream, len(raw))
    return {name: weights_file.read_tensor(stream, entry, data_start, name) for name, entry in entries.items()}


def _assert_same(ours, theirs):
    assert sorted(ours) == sorted(theirs)
    for name, expected in theirs.items():
        assert ours[name].dtype == expected.dtype, name
        assert ours[name].shape == expected.shape, name
        np.testing.assert_array_equal(ours[name], expected, err_msg=name)


@pytest.mark.parametrize("dtype", DTYPES)
def test_library_bytes_read_with_ours(dtype):
    arrays = _arrays(dtype)
    _assert_same(_read_ours(safetensors_numpy.save(arrays)), arrays)


@pytest.mark.parametrize("dtype", DTYPES)
def test_our_bytes_read_with_the_library(dtype):
    arrays = _arrays(dtype)
    _assert_same(safetensors_numpy.load(weights_file.encode(arrays)), arrays)


def test_mixed_dtypes_and_metadata_both_ways(tmp_path):
    arrays = {"b": np.arange(3, dtype="int64"), "a": np.float32(2.5) * np.ones((2, 2), "float32"),
              "c": np.array(7.0, dtype="float64"), "d": np.zeros((0, 4), "float16")}
    metadata = {"format": "kerafront", "version": "1"}
    path = tmp_path / "ours.safetensors"
    path.write_bytes(weights_file.encode(arrays, metadata))
    from safetensors import safe_open

    with safe_open(str(path), framework="numpy") as f:
        assert f.metadata() == metadata
        _assert_same({name: f.get_tensor(name) for name in f.keys()}, arrays)
    _assert_same(_read_ours(safetensors_numpy.save(arrays, metadata=metadata)), arrays)


def test_bfloat16_both_ways():
    ml_dtypes = pytest.importorskip("ml_dtypes")
    arrays = {"w": np.array([[1.5, -2.0], [0.25, 3.0]], dtype=ml_dtypes.bfloat16)}
    raw = weights_file.encode(arrays)
    ours = _read_ours(raw)
    assert ours["w"].dtype == ml_dtypes.bfloat16
    np.testing.assert_array_equal(ours["w"].astype("float32"), arrays["w"].astype("float32"))
    header_end = 8 + int.from_bytes(raw[:8], "little")
    assert b'"dtype":"BF16"' in raw[8:header_end]
    torch = pytest.importorskip("torch")
    from safetensors.torch import load as torch_load, save as torch_save

    loaded = torch_load(raw)["w"]
    assert loaded.dtype == torch.bfloat16
    np.testing.assert_array_equal(loaded.float().numpy(), arrays["w"].astype("float32"))
    theirs = _read_ours(torch_save({"w": loaded}))
    np.testing.assert_array_equal(theirs["w"].astype("float32"), arrays["w"].astype("float32"))
