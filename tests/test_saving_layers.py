"""Every layer of the contract table survives save/load with identical predictions."""

import numpy as np
import pytest

import kerafront
from kerafront.layers.testing import LAYER_CASES
from kerafront.saving import load_model, save_model

SAVABLE = [case for case in LAYER_CASES if "lambda" not in case.id]


@pytest.mark.parametrize("case", SAVABLE, ids=[case.id for case in SAVABLE])
def test_layer_round_trip_through_a_model_file(case, tmp_path):
    kerafront.utils.set_random_seed(0)
    shapes = case.input_shapes if isinstance(case.input_shapes, list) else [case.input_shapes]
    dtype = "int32" if case.int_inputs else None
    inputs = [kerafront.Input(shape=s[1:], dtype=dtype) for s in shapes]
    layer = case.make()
    outputs = layer(inputs if isinstance(case.input_shapes, list) else inputs[0])
    model = kerafront.Model(inputs, outputs)
    rng = np.random.default_rng(0)
    model.set_weights([rng.standard_normal(w.shape).astype(w.dtype) * 0.5 + (1.0 if "variance" in w.path else 0.0)
                       for w in model.weights])
    x = case.inputs(rng)
    save_model(model, tmp_path / "layer.kerafront")
    loaded = load_model(tmp_path / "layer.kerafront")
    np.testing.assert_array_equal(loaded.predict(x, verbose=0), model.predict(x, verbose=0))
    assert type(loaded.layers[-1]) is type(layer)
    assert loaded.layers[-1].get_config() == layer.get_config()
