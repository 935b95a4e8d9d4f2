"""kerafront.saving.serialization: module-free configs, explicit registries only, clear errors."""

import json
import runpy
from pathlib import Path

import numpy as np
import pytest

import kerafront
from kerafront import layers as L
from kerafront import ops
from kerafront.saving import custom_object_scope, deserialize, register_serializable, serialize

EXAMPLE = Path(__file__).resolve().parents[1] / "examples" / "custom_layer.py"


@register_serializable(package="TestSerialization")
class Doubler(L.Layer):
    def __init__(self, offset=0.0, **kwargs):
        super().__init__(**kwargs)
        self.offset = offset

    def call(self, x):
        return ops.add(ops.multiply(x, 2.0), self.offset)

    def compute_output_shape(self, input_shape):
        return input_shape

    def get_config(self):
        config = super().get_config()
        config["offset"] = self.offset
        return config


@register_serializable(package="TestSerialization")
def cube(x):
    return ops.multiply(ops.multiply(x, x), x)


class Unregistered(Doubler):
    pass


def test_serialize_is_module_free_and_json_able():
    config = serialize(L.Dense(2, activation="relu", kernel_regularizer="l2", name="d"))
    assert set(config) == {"class_name", "config"} and config["class_name"] == "Dense"
    assert config["config"]["kernel_regularizer"] == {"class_name": "L2", "config": {"l2": 0.01}}
    assert "module" not in json.dumps(config)
    clone = deserialize(json.loads(json.dumps(config)))
    assert isinstance(clone, L.Dense) and clone.name == "d" and clone.kernel_regularizer.l2 == 0.01


def test_registered_classes_and_functions_round_trip():
    layer = Doubler(offset=1.5, name="dbl")
    config = serialize(layer)
    assert config["class_name"] == "TestSerialization>Doubler"
    assert deserialize(config).offset == 1.5
    dense = L.Dense(2, activation=cube)
    assert dense.get_config()["activation"] == "TestSerialization>cube"
    assert deserialize(serialize(dense)).activation is cube


def test_custom_objects_and_scopes_resolve_unregistered_classes():
    config = {"class_name": "Unregistered", "config": {"offset": 2.0, "name": "u"}}
    with pytest.raises(ValueError, match="unknown object 'Unregistered'.*register_serializable"):
        deserialize(config)
    assert deserialize(config, custom_objects={"Unregistered": Unregistered}).offset == 2.0
    with custom_object_scope({"Unregistered": Unregistered}):
        assert isinstance(deserialize(config), Unregistered)
    registered_style = {"class_name": "Pkg>Unregistered", "config": {}}
    assert isinstance(deserialize(registered_style, custom_objects={"Unregistered": Unregistered}), Unregistered)


def test_names_never_import_code():
    for name in ("os.system", "builtins.eval", "kerafront.layers.Dense", "__import__", "subprocess>Popen"):
        with pytest.raises(ValueError, match="unknown object"):
            deserialize({"class_name": name, "config": {}})


def test_config_key_mismatches_name_the_class():
    with pytest.raises(ValueError, match=r"Dense: unrecognized keyword argument\(s\) \['bogus'\]"):
        deserialize({"class_name": "Dense", "config": {"units": 2, "bogus": 1}})
    with pytest.raises(ValueError, match=r"deserialize 'Dense'.*units"):
        deserialize({"class_name": "Dense", "config": {}})
    with pytest.raises(ValueError, match=r"deserialize 'GlorotUniform'.*\['scale'\]"):
        deserialize({"class_name": "GlorotUniform", "config": {"scale": 2.0}})
    with pytest.raises(ValueError, match="expected a dict with 'class_name'"):
        deserialize({"config": {}})
    with pytest.raises(ValueError, match="'config' must be a dict"):
        deserialize({"class_name": "Dense", "config": [1, 2]})


def test_model_with_registered_layer_round_trips(rng):
    inputs = L.Input((3,))
    model = kerafront.Model(inputs, L.Dense(2)(Doubler(offset=0.5)(inputs)))
    clone = deserialize(json.loads(json.dumps(serialize(model))))
    clone.set_weights(model.get_weights())
    x = rng.standard_normal((2, 3)).astype("float32")
    np.testing.assert_allclose(ops.convert_to_numpy(clone(x)), ops.convert_to_numpy(model(x)), rtol=1e-6)


def test_lambda_in_a_model_blocks_serialization():
    inputs = L.Input((3,))
    model = kerafront.Model(inputs, L.Lambda(lambda x: x)(inputs))
    with pytest.raises(ValueError, match="Lambda layer .* cannot be serialized"):
        serialize(model)


def test_custom_layer_example_runs():
    namespace = runpy.run_path(str(EXAMPLE), run_name="custom_layer_example")
    model, clone = namespace["main"]()
    assert [type(l).__name__ for l in clone.layers] == ["InputLayer", "ScaledDense", "Dense"]
    assert clone.count_params() == model.count_params() == (4 * 8 + 8 + 8) + (8 * 3 + 3)
