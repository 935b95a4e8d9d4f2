"""Deeply nested JSON -- in config.json, metadata.json, a weights header, kerafront.json -- and a deeply
nested model config give a ``ValueError`` naming the file, never a ``RecursionError``."""

import json
import struct
import zipfile

import pytest

import kerafront
from kerafront import _files, layers
from kerafront.saving import deserialize, load_model, load_weights, save_model, serialization

from _children import import_kerafront

LIMIT = _files.MAX_JSON_DEPTH


def _nested(levels):
    """A JSON object whose value nests ``levels`` arrays deep (``levels + 1`` with the object)."""
    return '{"deep": ' + "[" * levels + "]" * levels + "}"


@pytest.fixture
def saved(tmp_path):
    model = kerafront.Sequential([kerafront.Input((4,)), layers.Dense(3)])
    path = tmp_path / "m.kerafront"
    save_model(model, path)
    with zipfile.ZipFile(path) as archive:
        return model, {name: archive.read(name) for name in archive.namelist()}


def _archive(path, members):
    with zipfile.ZipFile(path, "w") as archive:
        for name, content in members.items():
            archive.writestr(name, content)
    return path


def _weights(header_json):
    encoded = header_json.encode()
    return struct.pack("<Q", len(encoded)) + encoded


@pytest.mark.parametrize("levels", [LIMIT, 100_000], ids=["just-over-the-limit", "recursion-deep"])
@pytest.mark.parametrize("member", ["config.json", "metadata.json", "model.weights.safetensors"])
def test_deep_members_are_refused_naming_the_member(saved, tmp_path, member, levels):
    _, members = saved
    content = _weights(_nested(levels)) if member.endswith("safetensors") else _nested(levels)
    path = _archive(tmp_path / "deep.kerafront", dict(members, **{member: content}))
    where = "header" if member.endswith("safetensors") else member
    with pytest.raises(ValueError, match=f"{where} nests arrays/objects deeper than {LIMIT} levels"):
        load_model(path)


def test_json_at_the_limit_still_parses():
    assert _files.json_depth(_files.loads_json(_nested(LIMIT - 1).encode(), "x")) == LIMIT


@pytest.mark.parametrize("levels", [LIMIT, 100_000])
def test_deep_standalone_weights_header(saved, tmp_path, levels):
    model, _ = saved
    path = tmp_path / "deep.weights.safetensors"
    path.write_bytes(_weights('{"__metadata__": ' + _nested(levels) + "}"))
    with pytest.raises(ValueError, match=f"{path}: header nests"):
        load_weights(model, path)


def test_deep_kerafront_json_fails_import_with_the_file_named(tmp_path):
    (tmp_path / "kerafront.json").write_text(_nested(100_000))
    result = import_kerafront(tmp_path)
    assert result.returncode != 0
    assert "RecursionError" not in result.stderr
    assert f"ValueError: kerafront config file {tmp_path / 'kerafront.json'} nests" in result.stderr


def test_deeply_nested_model_config_is_a_value_error():
    config = {"class_name": "Dense", "config": {"units": 2}}
    for i in range(serialization.MAX_NESTING + 5):
        config = {"class_name": "Sequential", "config": {"name": f"s{i}", "layers": [config]}}
    with pytest.raises(ValueError, match=f"more than {serialization.MAX_NESTING} deep"):
        deserialize(config)


def test_nested_models_within_the_limit_round_trip(tmp_path):
    """Ten models deep (JSON depth 37) saves and loads."""
    inner = kerafront.Sequential([kerafront.Input((2,)), layers.Dense(2, kernel_initializer="identity")])
    for _ in range(10):
        inner = kerafront.Sequential([kerafront.Input((2,)), inner])
    save_model(inner, tmp_path / "nested.kerafront")
    with zipfile.ZipFile(tmp_path / "nested.kerafront") as archive:
        assert _files.json_depth(json.loads(archive.read("config.json"))) < LIMIT
    loaded = load_model(tmp_path / "nested.kerafront")
    assert [w.tolist() for w in loaded.get_weights()] == [[[1.0, 0.0], [0.0, 1.0]], [0.0, 0.0]]
